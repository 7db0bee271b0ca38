"""Time the full evaluation report at the size of the ArtEmis test split, with and without METEOR.

Synthetic ArtEmis text stands in for the data: a release with 6 annotations per painting gives each painting 5
reference utterances and 1 caption (a "human speaker"); a second release gives the training utterances that novelty
samples. Texts are cleaned as `utterance_spelled` is (no spelling pass: synthetic text has no typos).
Prints one JSON object; per-metric times go to the log (stderr).

    python benchmarks/evaluation.py [--paintings 8000] [--references 5] [--train_paintings 10000]
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import pandas as pd


def synthetic_text(folder: Path, paintings: int, per_painting: int, seed: int) -> pd.DataFrame:
    """painting_id, emotion (id) and utterance_spelled of a synthetic release, `per_painting` rows each."""
    from artemis_hf.data.synthetic import make_synthetic_release
    from artemis_hf.emotions import emotion_id
    from artemis_hf.evaluation.inputs import normalize

    release = make_synthetic_release(folder, num_paintings=paintings, num_annotations=paintings * per_painting,
                                     min_annotations=per_painting, max_annotations=per_painting, with_images=False, seed=seed)  # fmt: skip
    frame = pd.read_csv(release.csv_path)
    return pd.DataFrame({
        "painting_id": frame["art_style"] + "/" + frame["painting"],
        "emotion": frame["emotion"].map(emotion_id),
        "utterance_spelled": normalize(frame["utterance"].tolist()),
    })  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paintings", type=int, default=8_000)
    parser.add_argument("--references", type=int, default=5, help="reference utterances per painting")
    parser.add_argument("--train_paintings", type=int, default=10_000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")

    import datasets

    from artemis_hf.evaluation import EvaluationOptions, report

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        test = synthetic_text(tmp / "test", args.paintings, args.references + 1, seed=0)
        is_caption = test.groupby("painting_id").cumcount() == args.references  # the last utterance of each painting
        captions_file = tmp / "captions.jsonl"
        captions = test[is_caption].rename(columns={"utterance_spelled": "caption"})
        captions.assign(emotion="awe")[["painting_id", "emotion", "caption"]].to_json(
            captions_file, orient="records", lines=True
        )
        train = synthetic_text(tmp / "train", args.train_paintings, 5, seed=1)
        references = datasets.DatasetDict({
            "test": datasets.Dataset.from_pandas(test[~is_caption], preserve_index=False),
            "train": datasets.Dataset.from_pandas(train, preserve_index=False),
        })  # fmt: skip
        figures = {"captions": len(captions), "reference_utterances": len(references["test"]),
                   "train_utterances_sampled": min(5_000, len(train))}  # fmt: skip
        for meteor in (False, True):
            start = time.perf_counter()
            results = report(captions_file, references, tmp / "out", EvaluationOptions(meteor=meteor))
            figures[f"seconds_{'with' if meteor else 'without'}_meteor"] = round(time.perf_counter() - start, 2)
        figures["figures"] = results
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
