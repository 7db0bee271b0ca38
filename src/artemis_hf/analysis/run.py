"""The whole analysis of a release, and of other texts beside it: figures, analysis.json, analysis.md and plots."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ..data.options import DEFAULT_TEXT_NORMALIZATION, TextNormalization
from ..data.preprocess import PreparedRelease, spelled_tokens
from .agreement import emotion_figures
from .language import Analysers, language_by_group, language_summary, utterance_figures
from .report import REFERENCE_EMOTIONS, REFERENCE_LANGUAGE, markdown_report, write_plots
from .texts import Grouping, TextCollection

logger = logging.getLogger(__name__)

ANALYSIS_JSON = "analysis.json"
ANALYSIS_MARKDOWN = "analysis.md"


def analyze_release(
    prepared: PreparedRelease,
    output_dir: str | os.PathLike,
    *,
    label: str = "ArtEmis",
    compare: Sequence[TextCollection] = (),
    analysers: Analysers | None = None,
    grouping: Grouping | None = None,
    text_normalization: TextNormalization = DEFAULT_TEXT_NORMALIZATION,
    spell_check: bool = True,
    spell_check_compared: bool = False,
    top_paintings: int = 10,
) -> dict:
    """Language figures of the release's utterances (overall and per art style, and per `grouping`'s group) and of
    each collection in `compare`, emotion figures of its paintings; writes analysis.json, analysis.md and the plots
    to `output_dir` and returns the figures. `analysers` default: all, loaded with their default lexicons."""
    names = [label, *(collection.label for collection in compare)]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"two collections are labelled {repeated[0]!r}: give each its own (&label=NAME in --compare)")
    analysers = analysers or Analysers.load()
    annotations, paintings = prepared.annotations, prepared.paintings

    frame, tokens = collection_figures(annotations["utterance"], analysers, spell_check, text_normalization, label)
    groups = {"art_style": annotations["art_style"]}
    if grouping is not None:
        groups[grouping.name] = grouping.labels(annotations)
    results = {
        "release": {
            "label": label,
            "annotations": len(annotations),
            "paintings": len(paintings),
            "text_normalization": text_normalization,
            "spell_check": spell_check,
        },
        "language": {label: language_summary(frame, tokens)},
        "language_per_group": {name: language_by_group(frame, group) for name, group in groups.items()},
    }
    for collection in compare:
        texts = collection.texts
        frame, tokens = collection_figures(
            texts, analysers, spell_check_compared, text_normalization, collection.label
        )
        results["language"][collection.label] = language_summary(frame, tokens)
    painting_groups = {"art_style": paintings["art_style"]}
    if grouping is not None:
        painting_groups[grouping.name] = grouping.labels(paintings)
    results["emotions"] = emotion_figures(paintings, painting_groups, top_paintings)
    results.update(
        compared={collection.label: collection.source for collection in compare},
        analysers=analysers.sources,
        unavailable=analysers.unavailable,
        reference_quoted={"language": REFERENCE_LANGUAGE, "emotions": REFERENCE_EMOTIONS},
    )
    write_analysis(results, output_dir)
    return results


def collection_figures(
    texts, analysers: Analysers, spell_check: bool, text_normalization: TextNormalization, label: str = ""
) -> tuple[pd.DataFrame, pa.ListArray]:
    """The per-utterance figures of `texts` (see `language.utterance_figures`) and the tokens they were made from."""
    start = time.perf_counter()
    tokens, _ = spelled_tokens(texts, spell_check, text_normalization=text_normalization)
    if isinstance(tokens, pa.ChunkedArray):
        tokens = tokens.combine_chunks()
    frame = utterance_figures(texts, tokens, analysers, label)
    logger.info("Analysed %s utterances of %s in %.1f s", f"{len(frame):,}", label, time.perf_counter() - start)
    return frame, tokens


def write_analysis(results: dict, output_dir: str | os.PathLike) -> None:
    """analysis.json, analysis.md and the plots (their names join the figures under "plots")."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    results["plots"] = write_plots(results, output_dir)
    (output_dir / ANALYSIS_JSON).write_text(json.dumps(results, indent=1, ensure_ascii=False))
    (output_dir / ANALYSIS_MARKDOWN).write_text(markdown_report(results))
