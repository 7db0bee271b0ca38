"""Pytest plugin: the speakers' session fixtures, trained once and shared by the speaker test modules.

    pytest_plugins = ["speaker_fixtures"]      # in a test module (or once in conftest.py)

- `speaker_release`: a synthetic release big enough to learn from (600 paintings at 64 px) and its datasets cache.
- `trained_speakers`: emotion-grounded tiny Show-Attend-Tell and M2 speakers trained on it, and the
  nearest-neighbour speaker over the same training paintings, as saved folders.
- `text_classifier`: a tiny LSTM text-to-emotion classifier trained on the same release.
- `single_thread`: torch on one thread for a test module (`pytestmark = pytest.mark.usefixtures("single_thread")`).
- `images`, `emotion_ids`: three random 32 px images and an emotion each, for the tiny speakers of the model tests;
  `check_grouped_captions` and `check_compiled_decoder`: what both generating speakers must do alike.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from artemis_hf.data.sources import ReleaseArguments
from artemis_hf.data.synthetic import make_synthetic_release
from artemis_hf.quickstart import TINY_M2, TINY_SPEAKER


def tiny_training_arguments(output_dir):
    from artemis_hf.training.arguments import SpeakerTrainingArguments

    settings = dict(
        num_epochs=15,
        per_device_batch_size=64,
        learning_rate=3e-3,
        lr_scheduler="constant",
        early_stopping_patience=None,
        mixed_precision="no",
        cpu=True,
        keep_checkpoints=1,
    )
    return SpeakerTrainingArguments(output_dir=str(output_dir), **settings)


# The quickstart's tiny speakers, emotion-grounded, on cached grids of the frozen backbone; M2 with its schedule:
# linear warm-up (100 steps), then the rate falls as 1 / sqrt(step).
TINY_RECIPES = {
    "sat": (TINY_SPEAKER, {}),
    "m2": (TINY_M2, {"num_epochs": 12, "lr_scheduler": "inverse_sqrt", "warmup_steps": 100}),
}


def train_tiny_speaker(release: ReleaseArguments, arch: str, output_dir: Path):
    """A tiny XE-trained speaker of `arch` in `output_dir`: the loop's TrainingResult."""
    from artemis_hf.training.arguments import SpeakerArguments
    from artemis_hf.training.speaker import training_function

    settings, recipe = TINY_RECIPES[arch]
    arguments = SpeakerArguments(arch=arch, emotion_grounding=True, cache_features=True, **settings)
    return training_function(release, arguments, dataclasses.replace(tiny_training_arguments(output_dir), **recipe))


@contextlib.contextmanager
def one_thread():
    """Tiny models run several times faster on one thread: their ops are too small to share, and threads that
    wait for each other on a busy machine cost more than they bring."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def single_thread():
    with one_thread():
        yield


@pytest.fixture(scope="module")
def images():
    return torch.randn(3, 3, 32, 32, generator=torch.Generator().manual_seed(0))


@pytest.fixture(scope="module")
def emotion_ids():
    return torch.tensor([1, 4, 7])


def check_grouped_captions(model, images, emotion_ids) -> None:
    """Six captions of three paintings: each image encoded once (`image_index`) gives every caption the loss it gets
    with its image repeated in the batch."""
    image_index = torch.tensor([0, 0, 1, 2, 2, 2])
    labels = torch.randint(4, model.config.vocab_size, (6, 5), generator=torch.Generator().manual_seed(1))
    labels[1, 3:] = labels[4, 2:] = -100  # captions of other lengths
    emotions = emotion_ids[image_index].roll(1)  # captions of a painting may ground different emotions
    with torch.no_grad():
        grouped = model(pixel_values=images, image_index=image_index, labels=labels, emotion_ids=emotions)
        repeated = model(pixel_values=images[image_index], labels=labels, emotion_ids=emotions)
    torch.testing.assert_close(grouped.caption_loss_sums, repeated.caption_loss_sums)
    torch.testing.assert_close(grouped.logits, repeated.logits)
    assert torch.equal(grouped.caption_token_counts, torch.tensor([5, 3, 5, 5, 2, 5]))


def check_compiled_decoder(model, images, emotion_ids) -> None:
    """`compile_decoder()` (aot_eager: compiled in seconds on a CPU) keeps the logits and the beams of the eager model."""
    labels = torch.randint(4, model.config.vocab_size, (3, 6), generator=torch.Generator().manual_seed(1))
    compiled = copy.deepcopy(model)
    compiled.compile_decoder(backend="aot_eager")
    with torch.no_grad():
        (eager_logits, eager_beams), (compiled_logits, compiled_beams) = [
            (
                speaker(pixel_values=images, labels=labels, emotion_ids=emotion_ids).logits,
                speaker.generate(images, emotion_ids=emotion_ids, num_beams=3, max_new_tokens=8),
            )
            for speaker in (model, compiled)
        ]
    torch.testing.assert_close(compiled_logits, eager_logits, rtol=1e-5, atol=1e-5)
    assert torch.equal(compiled_beams, eager_beams)


def tiny_speaker_release(tmp_path_factory, name: str, num_paintings: int) -> ReleaseArguments:
    """A synthetic release of `num_paintings` at 64 px, with its own datasets cache, in folders named after `name`."""
    release = make_synthetic_release(
        tmp_path_factory.mktemp(f"{name}-release"), num_paintings=num_paintings, image_size=64, seed=0
    )
    return ReleaseArguments(
        csv=str(release.csv_path),
        images_dir=str(release.images_dir),
        cache_dir=str(tmp_path_factory.mktemp(f"{name}-cache")),
    )


@pytest.fixture(scope="session")
def speaker_release(tmp_path_factory) -> ReleaseArguments:
    return tiny_speaker_release(tmp_path_factory, "speaker", 600)


@dataclass
class TrainedSpeakers:
    sat: Path
    m2: Path
    nn: Path
    history: list  # SAT's
    m2_history: list


@pytest.fixture(scope="session")
def trained_speakers(speaker_release, tmp_path_factory) -> TrainedSpeakers:
    from artemis_hf.training.arguments import SpeakerArguments
    from artemis_hf.training.speaker import training_function

    root = tmp_path_factory.mktemp("speakers")
    with one_thread():
        result = train_tiny_speaker(speaker_release, "sat", root / "sat")
        m2_result = train_tiny_speaker(speaker_release, "m2", root / "m2")
        training_function(
            speaker_release,
            SpeakerArguments(arch="nn", backbone="test_resnet", image_size=64),
            tiny_training_arguments(root / "nn"),
        )
    return TrainedSpeakers(root / "sat", root / "m2", root / "nn", result.history, m2_result.history)


@pytest.fixture(scope="session")
def text_classifier(speaker_release, tmp_path_factory) -> Path:
    from artemis_hf.data.preprocess import PreprocessOptions
    from artemis_hf.training.arguments import TextEmotionArguments, TrainingArguments
    from artemis_hf.training.text_emotion import training_function

    output_dir = tmp_path_factory.mktemp("text-classifier")
    arguments = TextEmotionArguments(embedding_dim=32, hidden_size=32, dataset_name="synthetic-artemis")
    training_args = TrainingArguments(
        output_dir=str(output_dir),
        num_epochs=4,
        per_device_batch_size=32,
        learning_rate=5e-3,
        lr_scheduler="constant",
        cpu=True,
    )
    with one_thread():
        training_function(speaker_release, PreprocessOptions(), arguments, training_args)
    return output_dir
