"""`artemis-hf evaluate`: one argument dataclass and one function (the CLI only dispatches; the logic is in report.py).

artemis-hf evaluate --references DATASET --captions samples.jsonl [--text-classifier DIR] [--model_dir DIR ...]
artemis-hf evaluate --csv RELEASE.csv --compare sat.jsonl sat-emo.jsonl ...
artemis-hf evaluate --compare sat.jsonl nn.jsonl          # references: the embedded synthetic release's
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..data.sources import ReleaseArguments, results_dataset_name
from .options import EVAL_RESULTS, REPORT_JSON, REPORT_MARKDOWN, EvaluationOptions

# `evaluate` imports what it runs, so that `artemis-hf evaluate --help` stays instant.


@dataclass
class EvaluateArguments:
    references: str | None = field(
        default=None,
        metadata={
            "help": "A deep-nets build: a save_to_disk folder, an exported Parquet folder or a Hub dataset repo. "
            "Default: the deep-nets build of the release (--csv, or the embedded synthetic one)."
        },
    )
    captions: str | None = field(
        default=None, metadata={"help": 'Captions JSONL, {"painting_id", "emotion", "caption"} per line.'}
    )
    compare: list[str] | None = field(
        default=None, metadata={"help": "Several captions JSONL files: one table, one row per speaker."}
    )
    output_dir: str = field(
        default="outputs/evaluation", metadata={"help": f"Folder for {REPORT_JSON} and {REPORT_MARKDOWN}."}
    )
    model_dir: str | None = field(
        default=None, metadata={"help": "With --captions: model folder whose eval_results.json gets the figures."}
    )
    dataset_name: str | None = field(
        default=None,
        metadata={
            "help": "Dataset name in eval_results.json: 'ArtEmis' for the real release, never for synthetic data."
        },
    )
    dataset_type: str | None = field(
        default=None, metadata={"help": "Dataset id in eval_results.json (e.g. its Hub repo). Default: from the name."}
    )


def evaluate(release: ReleaseArguments, args: EvaluateArguments, options: EvaluationOptions) -> dict | str:
    from .report import compare, markdown_table, report

    if (args.captions is None) == (args.compare is None):
        raise ValueError("give either --captions FILE or --compare FILE FILE ..., not both or neither")
    if args.compare is not None and args.model_dir is not None:
        raise ValueError("--model_dir goes with --captions: a comparison of speakers belongs to no single model")
    for path in [args.captions] if args.captions else args.compare:
        if not Path(path).is_file():
            raise FileNotFoundError(f"captions file {path}: no such file")
    references, dataset_name = args.references, args.dataset_name
    if references is None:
        from ..data.builder import build_artemis

        csv_path, _ = release.resolve()
        references = build_artemis(csv_path, None, "deep-nets", cache_dir=release.cache_dir).dataset
        dataset_name = dataset_name or results_dataset_name(csv_path)
    elif release.csv is not None:
        raise ValueError(f"give --references {references} or --csv {release.csv}, not both")
    if args.compare is not None:
        table = compare(args.compare, references, args.output_dir, options)
        print(table)
        print(f"{REPORT_JSON} and {REPORT_MARKDOWN} written to {args.output_dir}")
        return table
    figures = report(
        args.captions, references, args.output_dir, options, args.model_dir, dataset_name, args.dataset_type
    )
    print(markdown_table({Path(args.captions).stem: figures}))
    print(f"{REPORT_JSON} and {REPORT_MARKDOWN} written to {args.output_dir}")
    if args.model_dir is not None:
        print(f"Figures merged into {Path(args.model_dir) / EVAL_RESULTS}")
    return figures
