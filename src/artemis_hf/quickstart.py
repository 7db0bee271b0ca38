"""`artemis-hf quickstart`: every stage of the project, end to end, on the embedded synthetic release.

Each capability adds its stage here, calling the same library functions as its command, at sizes that keep the
whole run to a few minutes on a laptop CPU.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .data.commands import ReleaseArguments, synthetic_default_release
from .data.export import export_artemis
from .data.preprocess import PreprocessOptions, prepare_release
from .data.stats import format_table, write_statistics
from .training.loop import TrainingArguments
from .training.text_emotion import TextEmotionArguments, training_function as train_text_emotion


@dataclass
class QuickstartArguments:
    output_dir: str = field(default="outputs/quickstart", metadata={"help": "Where every stage writes its results."})
    epochs: int = field(default=4, metadata={"help": "Epochs of each training stage."})


def quickstart(args: QuickstartArguments) -> dict:
    output_dir = Path(args.output_dir)
    csv_path, images_dir = synthetic_default_release()
    summary: dict = {}

    print(f"[1/3] dataset: synthetic release at {csv_path}, exported as Parquet")
    summary["dataset_dir"] = str(export_artemis(csv_path, output_dir / "dataset", images_dir, embed_images=True, pretty_name="Synthetic ArtEmis"))

    statistics = write_statistics(prepare_release(csv_path, images_dir), output_dir / "statistics")
    summary["statistics"] = statistics
    print(f"[2/3] statistics:\n{format_table(statistics)}")

    print("[3/3] text-to-emotion LSTM classifier")
    text = train_text_emotion(
        ReleaseArguments(),
        PreprocessOptions(),
        TextEmotionArguments(embedding_dim=64, hidden_size=64),
        TrainingArguments(output_dir=str(output_dir / "text-emotion"), num_epochs=args.epochs, learning_rate=5e-3, lr_scheduler="constant"),
    )
    summary["text_emotion"] = text["test"]
    print("      held-out accuracy {accuracy:.1%} (9-way), {sentiment_accuracy:.1%} (pos/neg/else)".format(**text["test"]))

    (output_dir / "quickstart.json").write_text(json.dumps(summary, indent=1))
    print(f"Done: results in {output_dir} (dataset loads with datasets.load_dataset({summary['dataset_dir']!r}, 'deep-nets'))")
    return summary
