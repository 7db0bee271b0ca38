"""Pytest plugin: the art GAN's session fixtures, made once and shared by the GAN's tests and the Space's.

- `gan_release`: 2,400 synthetic paintings at 32 px (over 2,000 of them for training: the Frechet distance compares
  at least 500 paintings a side).
- `gan_judge`: an image emotion classifier trained on those paintings alone (never on generated ones).
- `trained_gan`: a small GAN trained on the same paintings with a fixed seed, then judged by `gan_judge` as
  `artemis-hf train gan --classifier` does: its folder and the training summary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from artemis_hf.data.sources import ReleaseArguments
from artemis_hf.data.synthetic import make_synthetic_release

# A small timm ResNet seeing the 32 px paintings at 64 px: its stride-4 stem would leave the shapes a pixel or two.
JUDGE = dict(
    backbone="resnet10t",
    backbone_kwargs=json.dumps({"channels": [16, 32, 64, 128], "stem_width": 16}),
    image_size=64,
    targets="dominant",
    head_hidden_sizes=[64],
)
# The GAN's recipe (tests/test_art_gan.py measures it): batch 32, both rates 1e-3, Adam (0, 0.99), the auxiliary
# classifier on, and as many steps as fit about 90 s on a 2-core CPU.
GAN_STEPS = 1500
GAN_TRAINING = dict(per_device_batch_size=32, learning_rate=1e-3, adam_beta2=0.99, max_steps=GAN_STEPS)


@dataclass
class TrainedGAN:
    model_dir: Path
    judge_dir: Path
    summary: dict  # what `train gan` returns: steps, epochs, the last epoch's record and the judge's figures


@pytest.fixture(scope="session")
def gan_release(tmp_path_factory):
    release = make_synthetic_release(tmp_path_factory.mktemp("gan-release"), num_paintings=2400, image_size=32, seed=5)
    return ReleaseArguments(csv=str(release.csv_path), images_dir=str(release.images_dir))


@pytest.fixture(scope="session")
def gan_judge(gan_release, tmp_path_factory) -> Path:
    from artemis_hf.training.arguments import ImageEmotionArguments, TrainingArguments
    from artemis_hf.training.image_emotion import training_function

    output_dir = tmp_path_factory.mktemp("gan-judge")
    training = TrainingArguments(
        output_dir=str(output_dir), num_epochs=8, per_device_batch_size=64, learning_rate=2e-3,
        lr_scheduler="cosine", early_stopping_patience=None, cpu=True, mixed_precision="no", keep_checkpoints=1,
    )  # fmt: skip
    training_function(gan_release, ImageEmotionArguments(**JUDGE), training)
    return output_dir


@pytest.fixture(scope="session")
def trained_gan(gan_release, gan_judge, tmp_path_factory) -> TrainedGAN:
    from artemis_hf.training.arguments import GanArguments, GanTrainingArguments
    from artemis_hf.training.gan import training_function

    output_dir = tmp_path_factory.mktemp("art-gan")
    training = GanTrainingArguments(
        output_dir=str(output_dir), num_epochs=100, cpu=True, mixed_precision="no", keep_checkpoints=1, seed=0,
        **GAN_TRAINING,
    )  # fmt: skip
    arguments = GanArguments(
        discriminator_learning_rate=1e-3,
        classifier=str(gan_judge),
        judge_images_per_emotion=60,
        sample_every_steps=500,
    )
    summary = training_function(gan_release, arguments, training)
    return TrainedGAN(output_dir, gan_judge, summary)
