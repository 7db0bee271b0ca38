"""`artemis-hf quickstart`: every stage of the project, end to end, on the embedded synthetic release.

Each later capability (classifiers, speakers, evaluation) adds its stage here, calling the same library functions
as its command.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .data.commands import synthetic_default_release
from .data.export import export_artemis
from .data.preprocess import prepare_release
from .data.stats import format_table, write_statistics


@dataclass
class QuickstartArguments:
    output_dir: str = field(default="outputs/quickstart", metadata={"help": "Where every stage writes its results."})


def quickstart(args: QuickstartArguments) -> dict:
    output_dir = Path(args.output_dir)
    csv_path, images_dir = synthetic_default_release()
    print(f"[1/2] dataset: synthetic release at {csv_path}")
    dataset_dir = export_artemis(csv_path, output_dir / "dataset", images_dir, embed_images=True, pretty_name="Synthetic ArtEmis")
    statistics = write_statistics(prepare_release(csv_path, images_dir), output_dir / "statistics")
    print(f"[2/2] statistics of the synthetic release:\n{format_table(statistics)}")
    summary = {"dataset_dir": str(dataset_dir), "statistics": statistics}
    (output_dir / "quickstart.json").write_text(json.dumps(summary, indent=1))
    print(f"Done: results in {output_dir} (dataset loads with datasets.load_dataset({str(dataset_dir)!r}, 'deep-nets'))")
    return summary
