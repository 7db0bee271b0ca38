"""Evaluation of affective captions: the ArtEmis paper's metrics as functions, `evaluate` modules and a report.

- Standard (pycocoevalcap's numbers): `bleu`, `meteor` (`MeteorScorer` keeps one Java process), `rouge_l`, `cider`,
  `spice` (only where its models are present).
- Affective: `emotional_alignment` (with any text classifier, or `load_text_classifier(model_dir)`),
  `simile_share`, `novelty` (bit-parallel LCS against training utterances), `diversity`.
- Report: `load_references`, `read_captions`, `evaluate_captions`, `report`, `compare`, `write_eval_results`.
- `evaluate.load(metric_path(name))` for each name of `METRIC_NAMES`.
"""

from .affective import diversity, emotional_alignment, load_text_classifier, novelty, simile_share
from .lcs import lcs_lengths
from .meteor import MeteorScorer, MetricUnavailableError
from .modules import METRIC_NAMES, metric_path
from .report import (
    EvaluationOptions,
    References,
    compare,
    evaluate_captions,
    load_references,
    markdown_table,
    read_captions,
    report,
    write_eval_results,
)
from .standard import bleu, cider, meteor, rouge_l, spice

__all__ = [
    "METRIC_NAMES",
    "EvaluationOptions",
    "MeteorScorer",
    "MetricUnavailableError",
    "References",
    "bleu",
    "cider",
    "compare",
    "diversity",
    "emotional_alignment",
    "evaluate_captions",
    "lcs_lengths",
    "load_references",
    "load_text_classifier",
    "markdown_table",
    "meteor",
    "metric_path",
    "novelty",
    "read_captions",
    "report",
    "rouge_l",
    "simile_share",
    "spice",
    "write_eval_results",
]
