"""Evaluation of affective captions: the ArtEmis paper's metrics as functions, `evaluate` modules and a report.

- Standard (pycocoevalcap's numbers): `bleu`, `meteor` (`MeteorScorer` keeps one Java process), `rouge_l`, `cider`,
  `spice` (only where its models are present).
- Affective: `emotional_alignment` (with any text classifier, or `load_text_classifier(model_dir)`),
  `simile_share`, `novelty` (bit-parallel LCS against training utterances), `diversity`.
- Report: `load_references`, `read_captions`, `evaluate_captions`, `report`, `compare`.
- Classifiers: `evaluate_classifier` (figures, confusion matrix, `write_eval_results`).
- `evaluate.load(metric_path(name))` for each name of `METRIC_NAMES`.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "affective": ["diversity", "emotional_alignment", "load_text_classifier", "novelty", "simile_share"],
        "classification": ["classification_figures", "evaluate_classifier", "write_eval_results"],
        "lcs": ["lcs_lengths"],
        "meteor_scorer": ["MeteorScorer", "MetricUnavailableError"],
        "modules": ["METRIC_NAMES", "metric_path"],
        "options": ["EvaluationOptions"],
        "report": [
            "References",
            "compare",
            "evaluate_captions",
            "load_references",
            "markdown_table",
            "read_captions",
            "report",
        ],
        "standard": ["bleu", "cider", "meteor", "rouge_l", "spice"],
    },
)
