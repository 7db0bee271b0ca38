"""Options of the caption evaluation, and the names of the files it writes (light: read by command-line help)."""

from __future__ import annotations

from dataclasses import dataclass, field

REPORT_JSON, REPORT_MARKDOWN, EVAL_RESULTS = "evaluation.json", "evaluation.md", "eval_results.json"


@dataclass
class EvaluationOptions:
    split: str = field(default="test", metadata={"help": "Split whose utterances are the references."})
    config: str = field(default="deep-nets", metadata={"help": "Config to load from a references folder or Hub repo."})
    train_split: str | None = field(
        default="train", metadata={"help": "Split that novelty compares with (skipped when absent)."}
    )
    text_classifier: str | None = field(
        default=None,
        metadata={
            "help": "Text-classification model (folder or Hub id, nine emotion labels): enables emotional alignment."
        },
    )
    meteor: bool = field(default=True, metadata={"help": "Compute METEOR (one Java process, about 8 s to start)."})
    spice: bool = field(
        default=False, metadata={"help": "Compute SPICE (needs Stanford CoreNLP 3.6.0 jars beside pycocoevalcap's)."}
    )
    novelty_sample: int = field(default=5_000, metadata={"help": "Training utterances drawn for novelty (LCS)."})
    seed: int = field(default=2021, metadata={"help": "Seed of that draw."})
