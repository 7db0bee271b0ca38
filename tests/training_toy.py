"""A toy regression task for testing the training loop itself, in-process or as a script (for torchrun and kills).

python tests/training_toy.py OUTPUT_DIR [--resume] [--batch_size 16] [--num_epochs 3] [--slow]
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import torch
from safetensors.torch import save_model

from artemis_hf.training.arguments import TrainingArguments
from artemis_hf.training.loop import TIMINGS, TrainingTask, train


class ToyRegression(TrainingTask):
    """y = x . w + noise; the model has dropout so that resuming must restore the RNG states too."""

    def __init__(self, slow: bool = False):
        generator = torch.Generator().manual_seed(0)
        self.inputs = torch.randn(384, 8, generator=generator)
        self.targets = self.inputs @ torch.linspace(-1, 1, 8) + 0.1 * torch.randn(384, generator=generator)
        self.slow = slow

    def build_model(self):
        return torch.nn.Sequential(
            torch.nn.Dropout(float(os.environ.get("TOY_DROPOUT", "0.1"))), torch.nn.Linear(8, 1)
        )

    def _loader(self, start, stop, batch_size, shuffle):
        dataset = torch.utils.data.TensorDataset(self.inputs[start:stop], self.targets[start:stop])
        return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, collate_fn=self._collate)

    def _collate(self, rows):
        if self.slow:
            time.sleep(0.05)  # leaves time to kill the process between checkpoints
        inputs, targets = zip(*rows)
        return {"inputs": torch.stack(inputs), "targets": torch.stack(targets)}

    def get_dataloaders(self, args):
        return self._loader(0, 320, args.per_device_batch_size, True), self._loader(320, 384, 16, False)

    def item_losses(self, model, batch):
        errors = (model(batch["inputs"]).squeeze(-1) - batch["targets"]) ** 2
        return errors, torch.ones_like(errors)

    def save(self, model, output_dir):
        save_model(model, str(Path(output_dir) / "model.safetensors"))


def without_timings(history: list[dict]) -> list[dict]:
    """An epoch history as equal runs share it: without the seconds each epoch took."""
    return [{key: value for key, value in record.items() if key not in TIMINGS} for record in history]


def toy_arguments(output_dir, **overrides):
    defaults = dict(
        num_epochs=3,
        per_device_batch_size=16,
        learning_rate=0.05,
        lr_scheduler="constant",
        early_stopping_patience=None,
        checkpoint_every_steps=4,
        mixed_precision="no",
        cpu=True,
    )
    return TrainingArguments(output_dir=str(output_dir), **{**defaults, **overrides})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("output_dir")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--num_epochs", type=int, default=3)
    parser.add_argument("--max_steps", type=int, default=None)
    parser.add_argument("--slow", action="store_true")
    args = parser.parse_args()
    result = train(
        ToyRegression(slow=args.slow),
        toy_arguments(
            args.output_dir,
            resume=args.resume,
            per_device_batch_size=args.batch_size,
            num_epochs=args.num_epochs,
            max_steps=args.max_steps,
        ),
    )
    print(json.dumps(result.history))
    sys.stdout.flush()
