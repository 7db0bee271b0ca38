"""From the release CSV (and images) to the tables of the three configs: raw, deep-nets and paintings.

Column-wise throughout: pandas/pyarrow over whole columns, each distinct word spell-checked once, so the full
release (454,684 rows) takes seconds. Every step that removes rows records how many and why in a `Report`.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import emotions
from .images import check_images, index_images
from .options import DEFAULT_TEXT_NORMALIZATION, PreprocessOptions, TextNormalization
from .reference_text import ReferenceSpeller, reference_tokens
from .release import MAX_ERRORS_SHOWN, RELEASE_COLUMNS, ReleaseFormatError, Report, read_release
from .splits import REST_SPLIT, SPLITS, split_paintings
from .text import UNK_TOKEN, SpellChecker, build_tokenizer, map_tokens, tokenize, word_counts

logger = logging.getLogger(__name__)
MAX_FILES_SHOWN = 5


class ImageCheckError(OSError):
    """Image files that exist but do not decode (truncated, corrupt, not an image); the message names them."""


@dataclass
class PreparedRelease:
    """Validated annotations (one row each, with `split` and `image`) and, on first use, per-painting aggregates."""

    annotations: pd.DataFrame
    report: Report
    has_images: bool

    @functools.cached_property
    def paintings(self) -> pd.DataFrame:
        return _paintings(self.annotations)


@dataclass
class DeepNetsRelease:
    annotations: pd.DataFrame  # scalar columns, one row per kept utterance
    tokens: pa.ListArray  # after `<unk>` replacement, aligned with `annotations`
    input_ids: pa.ListArray  # `<sos>` ... `<eos>`, as the tokenizer encodes the same utterance
    tokenizer: object  # PreTrainedTokenizerFast
    report: Report
    figures: dict = field(default_factory=dict)


def prepare_release(
    csv_path: str | os.PathLike, images_dir: str | os.PathLike | None = None, options: PreprocessOptions | None = None
) -> PreparedRelease:
    """Read, validate, split by painting, attach images and count each painting's emotions."""
    options = options or PreprocessOptions()
    report = Report()
    frame = _report_duplicates(read_release(csv_path, options.on_bad_row, report), options.drop_duplicates, report)
    assignment = split_paintings(frame["painting_id"].unique(), options.split_fractions, options.split_seed)
    frame["split"] = frame["painting_id"].map(assignment)
    if images_dir is not None:
        frame = _attach_images(frame, images_dir, options, report)
    if frame.empty:  # every consumer (splits, histograms, Arrow schemas) needs rows: say why there are none
        why = (
            "; ".join(f"{step.removed} {step.reason}" for step in report.steps if step.removed)
            or "it has a header but no data rows"
        )
        raise ReleaseFormatError(f"{csv_path}: no rows left to build from ({why}). Check the file and the options.")
    report.notes["splits"] = frame["split"].value_counts().reindex(list(SPLITS), fill_value=0).to_dict()
    return PreparedRelease(frame, report, has_images=images_dir is not None)


def _report_duplicates(frame: pd.DataFrame, drop: bool, report: Report) -> pd.DataFrame:
    """Rows equal in all five release columns (after validation) to an earlier row are listed in every report, and
    dropped as a counted step when asked. The reference keeps them, so they count twice in histograms and training."""
    repeated = frame.duplicated(list(RELEASE_COLUMNS)).to_numpy()
    rows = frame["row_number"][repeated].tolist()
    report.notes["duplicate_rows"] = {"count": len(rows), "rows": rows, "dropped": drop}
    if drop:
        report.add("duplicates", "exact duplicate of an earlier row", len(rows), rows)
        return frame[~repeated].reset_index(drop=True)
    if rows:
        logger.warning(
            "%d exact duplicate row(s) kept (CSV rows %s); drop_duplicates=True (--drop_duplicates) drops them",
            len(rows),
            ", ".join(map(str, rows[:MAX_ERRORS_SHOWN])) + (" ..." if len(rows) > MAX_ERRORS_SHOWN else ""),
        )
    return frame


def _attach_images(frame: pd.DataFrame, images_dir, options: PreprocessOptions, report: Report) -> pd.DataFrame:
    index = index_images(images_dir)
    painting_ids = frame["painting_id"].unique()
    paths = {pid: index.get(pid) for pid in painting_ids}
    found = [path for path in paths.values() if path is not None]
    unreadable = check_images(found) if options.check_images else {}
    if unreadable and options.on_bad_image == "error":
        shown = "; ".join(f"{path} ({reason})" for path, reason in list(unreadable.items())[:MAX_FILES_SHOWN])
        raise ImageCheckError(
            f"{len(unreadable)} image file(s) in {images_dir} cannot be decoded: {shown}. "
            "Replace them, or pass on_bad_image='skip' (--on-bad-image skip) to treat them as missing."
        )
    for path, reason in unreadable.items():
        logger.warning("Unreadable image treated as missing: %s (%s)", path, reason)
    paths = {pid: (None if path in unreadable else path) for pid, path in paths.items()}
    missing = sorted(pid for pid, path in paths.items() if path is None)
    report.notes["images"] = {
        "paintings": len(painting_ids),
        "found": len(painting_ids) - len(missing),
        "missing": len(missing) - len(unreadable),
        "unreadable": sorted(os.path.relpath(path, images_dir) for path in unreadable),  # reports are published
        "unused_files": len(set(index) - set(paths)),
    }
    logger.info(
        "Images: %d of %d paintings found, %d missing, %d unreadable",
        len(painting_ids) - len(missing),
        len(painting_ids),
        len(missing) - len(unreadable),
        len(unreadable),
    )
    frame = frame.assign(image=frame["painting_id"].map(paths))
    if options.drop_missing_images and missing:
        without_image = frame["image"].isna().to_numpy()
        report.add(
            "images",
            f"painting has no readable image ({len(missing)} paintings)",
            without_image.sum(),
            frame["row_number"][without_image].tolist(),
        )
        frame = frame[~without_image].reset_index(drop=True)
    return frame


def _paintings(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per painting: emotion histogram, majority emotion and all its utterances, in painting_id order."""
    codes, painting_ids = pd.factorize(frame["painting_id"], sort=True)
    counts = emotions.histograms(codes, frame["emotion"].to_numpy(), len(painting_ids))
    first = frame.groupby(codes, sort=True).first()
    grouped = frame.groupby(codes, sort=True)
    paintings = pd.DataFrame(
        {
            "painting_id": painting_ids,
            "art_style": first["art_style"].to_numpy(),
            "painting": first["painting"].to_numpy(),
            "split": first["split"].to_numpy(),
            "emotion_histogram": list(counts),
            "num_annotations": counts.sum(axis=1),
            "majority_emotion": emotions.majority_emotion(counts),
            "dominant_emotion": emotions.dominant_emotion(counts),
            "utterances": grouped["utterance"].agg(list).to_numpy(),
            "emotions": grouped["emotion"].agg(list).to_numpy(),
        }
    )
    if "image" in frame:
        paintings["image"] = first["image"].to_numpy()
    return paintings


def spelled_tokens(
    utterances: pd.Series,
    spell_check: bool = True,
    spell_checker: SpellChecker | ReferenceSpeller | None = None,
    text_normalization: TextNormalization = DEFAULT_TEXT_NORMALIZATION,
) -> tuple[pa.ListArray, dict[str, str]]:
    """Clean, tokenize and (optionally) spell-correct utterances; returns the tokens and the corrections made.

    `spell_checker` must be of the mode's kind (`ReferenceSpeller` for "reference", `SpellChecker` for "clean")."""
    reference = text_normalization == "reference"
    tokens = (reference_tokens if reference else tokenize)(pa.array(utterances, pa.string()))
    if not spell_check:
        return tokens, {}
    spell_checker = spell_checker or (ReferenceSpeller() if reference else SpellChecker())
    corrections = spell_checker.corrections(word_counts(tokens))
    return map_tokens(tokens, corrections), corrections


def deep_nets(
    prepared: PreparedRelease,
    options: PreprocessOptions | None = None,
    spell_checker: SpellChecker | ReferenceSpeller | None = None,
) -> DeepNetsRelease:
    """The reference "for deep nets" preprocessing: clean and spell, move high-repetition paintings to `rest`, drop
    too long and too short utterances, and replace words rarer than `min_word_frequency` in train with `<unk>`."""
    options = options or PreprocessOptions()
    report = Report(prepared.report.rows_in, list(prepared.report.steps), dict(prepared.report.notes))
    frame = prepared.annotations.copy()
    figures: dict = {}

    if options.rest_min_repetition is not None:
        to_rest = (frame["repetition"] >= options.rest_min_repetition).to_numpy()
        frame.loc[to_rest, "split"] = REST_SPLIT
        figures["rest"] = {"paintings": int(frame.loc[to_rest, "painting_id"].nunique()), "rows": int(to_rest.sum())}

    tokens, corrections = spelled_tokens(
        frame["utterance"], options.spell_check, spell_checker, options.text_normalization
    )
    figures["text_normalization"] = options.text_normalization
    figures["spelling_corrections"] = len(corrections)
    lengths = pc.list_value_length(tokens).to_numpy(zero_copy_only=False)

    in_train = (frame["split"] == SPLITS[0]).to_numpy()
    statistics_rows = in_train if in_train.any() else np.ones(len(frame), dtype=bool)
    if not in_train.any():
        figures["statistics_from"] = "all rows (the train split is empty)"
        logger.warning("The train split is empty: length threshold and vocabulary are computed on all rows")
    max_tokens = options.max_tokens
    if max_tokens is None:
        max_tokens = int(np.percentile(lengths[statistics_rows], options.max_tokens_percentile)) if len(frame) else 0
    figures["max_tokens"] = max_tokens
    keep = np.ones(len(frame), dtype=bool)
    for reason, mask in (
        (f"more than {max_tokens} tokens", lengths > max_tokens),
        (f"fewer than {options.min_tokens} tokens", lengths < options.min_tokens),
    ):
        mask = mask & keep
        report.add("deep-nets length filter", reason, mask.sum(), frame["row_number"][mask].tolist())
        keep &= ~mask
    tokens = tokens.filter(pa.array(keep))
    frame = frame[keep].reset_index(drop=True)
    statistics_rows = statistics_rows[keep]

    train_counts = word_counts(tokens.filter(pa.array(statistics_rows)))
    vocabulary = sorted(
        (w for w, n in train_counts.items() if n >= options.min_word_frequency), key=lambda w: (-train_counts[w], w)
    )
    tokenizer = build_tokenizer(vocabulary, options.text_normalization)
    known = set(vocabulary)
    rare = {word: UNK_TOKEN for word in word_counts(tokens) if word not in known}
    unk_tokens = map_tokens(tokens, rare)

    frame["utterance_spelled"] = pc.binary_join(tokens, " ").to_numpy(zero_copy_only=False)
    input_ids = _encode(unk_tokens, tokenizer.get_vocab(), tokenizer.bos_token_id, tokenizer.eos_token_id)
    flat = pc.list_flatten(unk_tokens)
    figures["vocabulary_size"] = len(tokenizer)
    figures["unk_share"] = pc.sum(pc.equal(flat, UNK_TOKEN)).as_py() / len(flat) if len(flat) else 0.0
    report.notes["splits"] = frame["split"].value_counts().reindex([*SPLITS, REST_SPLIT], fill_value=0).to_dict()
    report.notes["deep_nets"] = figures
    return DeepNetsRelease(frame, unk_tokens, input_ids, tokenizer, report, figures)


def _encode(tokens: pa.ListArray, vocab: dict[str, int], bos_id: int, eos_id: int) -> pa.ListArray:
    """Token lists to id lists framed by <sos> ... <eos>, looking each distinct word up once; no per-row Python."""
    encoded = pc.dictionary_encode(pc.list_flatten(tokens))
    word_ids = np.array([vocab[word] for word in encoded.dictionary.to_pylist()], dtype=np.int32)
    ids = word_ids[encoded.indices.to_numpy(zero_copy_only=False)]
    lengths = pc.list_value_length(tokens).to_numpy(zero_copy_only=False) + 2
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    values = np.empty(offsets[-1], dtype=np.int32)
    values[offsets[:-1]] = bos_id
    values[offsets[1:] - 1] = eos_id
    inner = np.ones(len(values), dtype=bool)
    inner[offsets[:-1]] = inner[offsets[1:] - 1] = False
    values[inner] = ids
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values))
