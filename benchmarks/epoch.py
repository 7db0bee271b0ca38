"""One end-to-end speaker training epoch: a synthetic release with its images as 600x480 JPEG files, the real
DataLoader and the project's training loop under Accelerate, as `artemis-hf train speaker` runs it.

Each mode trains `--epochs` epochs (the first decodes the JPEGs; with the image cache, the later ones read the cache)
and prints one JSON object: per epoch its utterances/s, the share of the training time spent waiting for batches, the
time an epoch of the full release (338,777 training utterances) would take at that rate, and GPU utilisation where
torch can read it.

    python benchmarks/epoch.py [--num_paintings 2000] [--modes grouped ungrouped grouped_cached grouped_on_device]
                               [--backbone resnet34] [--image_size 256] [--batch_size 128] [--epochs 2]
                               [--num_workers N] [--compile] [--arch sat]

Modes: grouped (a painting's captions share its image: the default), ungrouped (one image per caption, as the
reference), grouped_cached (grouped, with --image_cache_dir), grouped_on_device (grouped, with --decode_on_device: the
images decoded and resized where the model runs, by nvJPEG on a GPU).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

FULL_RELEASE_UTTERANCES = 338_777
JPEG_SIZE = (600, 480)  # the reference's resized WikiArt copy: longest side 600
MODES = {
    "grouped": {},
    "ungrouped": {"captions_per_painting": 1},
    "grouped_cached": {"image_cache_dir": "image-cache"},
    "grouped_on_device": {"decode_on_device": True},
}


def make_release(root: Path, num_paintings: int):
    """A synthetic release whose images are re-saved as 600x480 JPEGs, the size the model's loader really decodes."""
    from PIL import Image

    from artemis_hf.data.sources import ReleaseArguments
    from artemis_hf.data.synthetic import make_synthetic_release

    release = make_synthetic_release(root / "release", num_paintings=num_paintings, image_size=128, seed=0)

    def enlarge(path: Path) -> None:
        with Image.open(path) as image:
            image.resize(JPEG_SIZE, Image.Resampling.BILINEAR).save(path, quality=90)

    with ThreadPoolExecutor() as pool:
        list(pool.map(enlarge, Path(release.images_dir).rglob("*.jpg")))
    return ReleaseArguments(
        csv=str(release.csv_path), images_dir=str(release.images_dir), cache_dir=str(root / "datasets-cache")
    )


class GpuUtilisation:
    """Mean `torch.cuda.utilization()` sampled every 0.2 s while training (None where torch cannot read it)."""

    def __init__(self):
        import torch

        self.samples, self.stop = [], threading.Event()
        try:
            torch.cuda.utilization()
            self.read = torch.cuda.utilization
        except Exception:  # no GPU, or no NVML
            self.read = None

    def __enter__(self):
        if self.read is not None:
            threading.Thread(target=self.sample, daemon=True).start()
        return self

    def sample(self):
        while not self.stop.wait(0.2):
            self.samples.append(self.read())

    def __exit__(self, *exc):
        self.stop.set()

    @property
    def mean(self) -> float | None:
        return sum(self.samples) / len(self.samples) if self.samples else None


def run_mode(mode: str, release, root: Path, args) -> dict:
    from artemis_hf.training.arguments import SpeakerArguments, SpeakerTrainingArguments
    from artemis_hf.training.loop import train
    from artemis_hf.training.speaker import SpeakerTask

    settings = dict(MODES[mode])
    if "image_cache_dir" in settings:
        settings["image_cache_dir"] = str(root / settings["image_cache_dir"])
    speaker = SpeakerArguments(
        arch=args.arch,
        backbone=args.backbone,
        image_size=args.image_size,
        emotion_grounding=True,
        compile=args.compile,
        eval_max_paintings=0,
        **settings,
    )
    training = SpeakerTrainingArguments(
        output_dir=str(root / "runs" / mode),
        num_epochs=args.epochs,
        per_device_batch_size=args.batch_size,
        num_workers=args.num_workers,
        early_stopping_patience=None,
        lr_scheduler="constant",
        overwrite_output_dir=True,
    )
    task = SpeakerTask(release, speaker)
    utterances = len(task.dataset["train"])
    with GpuUtilisation() as gpu:
        result = train(task, training, (release, speaker))
    epochs = [
        {
            "epoch": record["epoch"],
            "utterances_per_second": utterances / record["train_time_s"],
            "train_time_s": record["train_time_s"],
            "data_wait_share": record["data_wait_share"],
            "full_release_epoch_s": FULL_RELEASE_UTTERANCES * record["train_time_s"] / utterances,
        }
        for record in result.history
    ]
    return {"utterances": utterances, "epochs": epochs, "gpu_utilisation_percent": gpu.mean}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num_paintings", type=int, default=2000)
    parser.add_argument("--modes", nargs="+", choices=list(MODES), default=list(MODES))
    parser.add_argument("--arch", choices=("sat", "m2"), default="sat")
    parser.add_argument("--backbone", default="resnet34")
    parser.add_argument("--image_size", type=int, default=256)
    parser.add_argument("--batch_size", type=int, default=128, help="Captions per batch (the reference: 128).")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--num_workers", type=int, default=None, help="DataLoader workers (default: the loop's).")
    parser.add_argument("--compile", action="store_true", help="torch.compile the decoder's per-word step.")
    parser.add_argument("--work_dir", default=None, help="Where the release and runs go (default: a temporary one).")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as temporary:
        root = Path(args.work_dir or temporary)
        started = time.perf_counter()
        release = make_release(root, args.num_paintings)
        figures = {
            "settings": vars(args),
            "release_setup_s": time.perf_counter() - started,
            "modes": {mode: run_mode(mode, release, root, args) for mode in args.modes},
        }
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
