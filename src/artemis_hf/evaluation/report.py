"""Evaluate captions files against a built ArtEmis split: all figures as JSON and a Markdown speaker table, and the
same figures as records of the model's `eval_results.json` (the fields of `huggingface_hub.EvalResult`)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..emotions import emotion_id, histograms
from .affective import TextClassifier, diversity, emotional_alignment, load_text_classifier, novelty, simile_share
from .classification import eval_results_records, write_eval_results
from .inputs import check_painting_ids
from .meteor_scorer import MeteorScorer
from .options import REPORT_JSON, REPORT_MARKDOWN, EvaluationOptions
from .standard import bleu, cider, meteor, rouge_l, spice

logger = logging.getLogger(__name__)

REFERENCE_COLUMNS = ["painting_id", "emotion", "utterance_spelled"]
# The figures of the speaker table (and of eval_results.json), in the paper's order, with their column names.
COLUMNS = {
    "bleu_1": "BLEU-1",
    "bleu_2": "BLEU-2",
    "bleu_3": "BLEU-3",
    "bleu_4": "BLEU-4",
    "meteor": "METEOR",
    "rouge_l": "ROUGE-L",
    "cider": "CIDEr",
    "spice": "SPICE",
    "lcs_max": "max-LCS",
    "lcs_mean": "mean-LCS",
    "emotional_alignment": "Emo-Align",
    "emotion_cross_entropy": "Emo-XEnt",
    "similes": "Similes",
    "mean_length": "Length",
    "distinct_captions": "Distinct captions",
    "distinct_tokens": "Distinct tokens",
}


@dataclass
class References:
    """The reference utterances and emotion histogram of each painting of a split, and training utterances."""

    utterances: dict[str, list[str]]
    emotion_histograms: dict[str, np.ndarray]
    train_utterances: list[str] | None = None


def load_references(
    source, split: str = "test", config: str = "deep-nets", train_split: str | None = "train"
) -> References:
    """References from a `deep-nets` build: a `DatasetDict`, a folder saved by `save_to_disk`, an exported Parquet
    folder or a Hub repo. References are `utterance_spelled` grouped by painting_id, histograms count `emotion`."""
    dataset = _dataset_dict(source, config)
    if split not in dataset:
        raise ValueError(f"references {_name(source)} have no split {split!r}; they have {list(dataset)}")
    missing = [column for column in REFERENCE_COLUMNS if column not in dataset[split].column_names]
    if missing:
        raise ValueError(f"split {split!r} of {_name(source)} lacks the columns {missing}: pass a deep-nets build")
    frame = dataset[split].select_columns(REFERENCE_COLUMNS).to_pandas()
    if frame["emotion"].dtype == object:  # names rather than ClassLabel ids
        frame["emotion"] = frame["emotion"].map(emotion_id)
    codes, painting_ids = pd.factorize(frame["painting_id"])
    grouped = frame.groupby(codes, sort=True)["utterance_spelled"].agg(list)
    counts = histograms(codes, frame["emotion"].to_numpy(), len(painting_ids))
    train = None
    if train_split is not None and train_split in dataset:
        train = list(dataset[train_split]["utterance_spelled"])
    elif train_split is not None:
        logger.warning("references %s have no split %r: novelty is skipped", _name(source), train_split)
    return References(dict(zip(painting_ids, grouped)), dict(zip(painting_ids, counts)), train)


def _dataset_dict(source, config: str):
    import datasets

    if isinstance(source, datasets.DatasetDict):
        return source
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"references must be a DatasetDict, a folder or a Hub repo id, got {type(source).__name__}")
    if Path(source, "dataset_dict.json").is_file():
        return datasets.load_from_disk(str(source))
    return datasets.load_dataset(str(source), config)


def _name(source) -> str:
    return str(source) if isinstance(source, (str, os.PathLike)) else type(source).__name__


def read_captions(path: str | os.PathLike) -> dict[str, str]:
    """{painting_id: caption} from a JSON-lines file of {"painting_id", "emotion", "caption"}; one caption a painting."""
    captions, lines = {}, {}
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not a JSON object ({error})") from None
            if (
                not isinstance(row, dict)
                or not isinstance(row.get("painting_id"), str)
                or not isinstance(row.get("caption"), str)
            ):
                raise ValueError(
                    f'{path}:{number}: expected {{"painting_id": str, "emotion": str, "caption": str}}, got {line.strip()[:200]}'
                )
            painting_id = unicodedata.normalize("NFC", row["painting_id"])
            if painting_id in captions:
                raise ValueError(
                    f"{path}:{number}: a second caption for painting_id {painting_id!r} (first on line {lines[painting_id]})"
                )
            if not row["caption"].strip():
                raise ValueError(f"{path}:{number}: empty caption for painting_id {painting_id!r}")
            captions[painting_id], lines[painting_id] = row["caption"], number
    if not captions:
        raise ValueError(f"{path} holds no captions")
    return captions


def evaluate_captions(
    captions: Mapping[str, str],
    references: References,
    *,
    text_classifier: TextClassifier | None = None,
    meteor_scorer: MeteorScorer | bool = True,
    with_spice: bool = False,
    novelty_sample: int | None = 5_000,
    seed: int = 2021,
) -> dict[str, float | int | None]:
    """Every figure of one speaker's captions ({painting_id: caption}): the standard metrics against each painting's
    references, emotional alignment when a text classifier is given, similes, novelty when `references` carry
    training utterances, and diversity. `meteor_scorer`: a running `MeteorScorer`, True to start one, False to skip.
    `coverage` is the share of the references' paintings that have a caption (the figures describe those only)."""
    check_painting_ids(captions, references.utterances)  # before anything looks a caption's painting up
    coverage = len(captions) / len(references.utterances)
    if coverage < 1:
        logger.warning(
            "The captions cover %d of the %d paintings of the references (%.1f%%): the figures describe those only",
            len(captions),
            len(references.utterances),
            100 * coverage,
        )
    texts = list(captions.values())
    metrics = [
        ("BLEU", lambda: bleu(captions, references.utterances)),
        ("ROUGE-L", lambda: rouge_l(captions, references.utterances)),
        ("CIDEr", lambda: cider(captions, references.utterances)),
    ]
    if meteor_scorer:
        scorer = meteor_scorer if isinstance(meteor_scorer, MeteorScorer) else None
        metrics.append(("METEOR", lambda: meteor(captions, references.utterances, scorer)))
    if with_spice:
        metrics.append(("SPICE", lambda: spice(captions, references.utterances)))
    if text_classifier is not None:
        counts = [references.emotion_histograms[painting_id] for painting_id in captions]
        metrics.append(("emotional alignment", lambda: emotional_alignment(texts, counts, text_classifier)))
    metrics.append(("similes", lambda: simile_share(texts)))
    if references.train_utterances:
        metrics.append(("novelty", lambda: novelty(texts, references.train_utterances, novelty_sample, seed)))
    metrics.append(("diversity", lambda: diversity(texts)))
    figures = {"num_captions": len(captions), "num_paintings": len(references.utterances), "coverage": coverage}
    for name, compute in metrics:
        start = time.perf_counter()
        figures.update(compute())
        logger.info("%s: %.1f s", name, time.perf_counter() - start)
    return figures


def report(
    captions_file: str | os.PathLike,
    references,
    output_dir: str | os.PathLike,
    options: EvaluationOptions | None = None,
    model_dir: str | os.PathLike | None = None,
    dataset_name: str | None = None,
    dataset_type: str | None = None,
) -> dict:
    """Evaluate one captions file: `evaluation.json` and `evaluation.md` in `output_dir`, and, with `model_dir`, the
    figures merged into its `eval_results.json` under `dataset_name` (required then: "ArtEmis" for the real
    release, another name for synthetic data). `references`: as `load_references`, or `References`."""
    if model_dir is not None:
        if not dataset_name:
            raise ValueError(
                "writing eval_results.json needs dataset_name: 'ArtEmis' for the real release, never for synthetic data"
            )
        check_speaker_folder(model_dir)
    options = options or EvaluationOptions()
    rows = _evaluate_files([captions_file], references, options)
    write_tables(rows, output_dir)
    [figures] = rows.values()
    if model_dir is not None:
        table = {key: figures[key] for key in COLUMNS if figures.get(key) is not None}
        records = eval_results_records(
            table, "image-to-text", dataset_name, options.config, options.split, dataset_type
        )
        write_eval_results(records, model_dir)
    return figures


def check_speaker_folder(model_dir: str | os.PathLike) -> None:
    """Caption metrics belong in a speaker's eval_results.json: refuse a folder that holds no model, or another kind."""
    if not Path(model_dir, "config.json").is_file():
        raise FileNotFoundError(f"model_dir={str(model_dir)!r} holds no config.json: expected a speaker's folder")
    from ..pipelines.captioning import speaker_config

    speaker_config(model_dir, "model_dir")


def compare(
    captions_files: Sequence[str | os.PathLike],
    references,
    output_dir: str | os.PathLike,
    options: EvaluationOptions | None = None,
) -> str:
    """Evaluate several captions files against the same references: one row per speaker (the file's name, or its
    folder's where names repeat), written as `evaluation.json` and `evaluation.md`; returns the Markdown table."""
    rows = _evaluate_files(captions_files, references, options or EvaluationOptions())
    write_tables(rows, output_dir)
    return markdown_table(rows)


def _evaluate_files(
    captions_files: Sequence[str | os.PathLike], references, options: EvaluationOptions
) -> dict[str, dict]:
    """{speaker name: figures}, loading the references, the classifier and the METEOR process once for all files."""
    names = _speaker_names(captions_files)
    if not isinstance(references, References):
        references = load_references(references, options.split, options.config, options.train_split)
    classifier = load_text_classifier(options.text_classifier) if options.text_classifier else None
    arguments = {"with_spice": options.spice, "novelty_sample": options.novelty_sample, "seed": options.seed}
    rows = {}
    with MeteorScorer() if options.meteor else contextlib.nullcontext(False) as scorer:
        for name, path in zip(names, captions_files):
            logger.info("Evaluating %s", path)
            captions = read_captions(path)
            rows[name] = evaluate_captions(
                captions, references, text_classifier=classifier, meteor_scorer=scorer, **arguments
            )
    return rows


def _speaker_names(paths: Sequence[str | os.PathLike]) -> list[str]:
    if not paths:
        raise ValueError("no captions files given")
    paths = [Path(path) for path in paths]
    names = [path.stem for path in paths]
    if len(set(names)) < len(names):  # e.g. sat/samples.jsonl and sat-emo/samples.jsonl
        names = [f"{path.parent.name}/{path.stem}" for path in paths]
    if len(set(names)) < len(names):
        raise ValueError(f"captions files {[str(path) for path in paths]} repeat: give each speaker once")
    return names


def markdown_table(rows: Mapping[str, Mapping[str, float | int | None]]) -> str:
    """One row per speaker, one column per figure that any speaker has, as the paper's speaker table."""
    keys = [key for key in COLUMNS if any(figures.get(key) is not None for figures in rows.values())]
    lines = ["| Speaker | " + " | ".join(COLUMNS[key] for key in keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for name, figures in rows.items():
        lines.append(f"| {name} | " + " | ".join(_format(figures.get(key)) for key in keys) + " |")
    return "\n".join(lines) + "\n"


def _format(value) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else f"{value:.3f}"


def write_tables(rows: Mapping[str, Mapping], output_dir: str | os.PathLike) -> tuple[Path, Path]:
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / REPORT_JSON).write_text(json.dumps(rows, indent=1))
    (output_dir / REPORT_MARKDOWN).write_text(markdown_table(rows))
    logger.info("Wrote %s and %s to %s", REPORT_JSON, REPORT_MARKDOWN, output_dir)
    return output_dir / REPORT_JSON, output_dir / REPORT_MARKDOWN
