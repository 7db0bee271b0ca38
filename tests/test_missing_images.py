"""Paintings without an image (the usual case: WikiArt copies are incomplete) are left out of every image task,
counted and listed, or refused before any work; nothing of the release is changed."""

import hashlib
import json
import shutil

import pytest

from artemis_hf.data.paintings import MISSING_IMAGES_FILENAME
from artemis_hf.data.sources import ReleaseArguments
from artemis_hf.data.synthetic import make_synthetic_release
from artemis_hf.quickstart import TINY_SPEAKER
from artemis_hf.sampling import SampleArguments, sample
from artemis_hf.training.arguments import (
    ImageEmotionArguments,
    SpeakerArguments,
    SpeakerTrainingArguments,
    TrainingArguments,
)
from artemis_hf.training.image_emotion import training_function as train_image_emotion
from artemis_hf.training.speaker import training_function as train_speaker

pytest_plugins = ["speaker_fixtures"]
pytestmark = pytest.mark.usefixtures("single_thread")

QUICK = dict(num_epochs=1, max_steps=2, per_device_batch_size=16, mixed_precision="no", cpu=True)


def tree_hashes(folder):
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def partial_release(tmp_path_factory):
    """A release of 120 paintings where one in three has no image file, and the painting ids without one."""
    folder = tmp_path_factory.mktemp("partial")
    release = make_synthetic_release(folder, num_paintings=120, image_size=32, seed=5)
    images = sorted(release.images_dir.rglob("*.jpg"))
    removed = images[::3]
    for path in removed:
        path.unlink()
    missing = sorted(f"{path.parent.name}/{path.stem}" for path in removed)
    arguments = ReleaseArguments(
        csv=str(release.csv_path), images_dir=str(release.images_dir), cache_dir=str(folder / "cache")
    )
    return arguments, missing, folder


def check_missing_list(output_dir, missing):
    listed = json.loads((output_dir / MISSING_IMAGES_FILENAME).read_text())
    assert listed["missing"] and set(listed["missing"]) <= set(missing)
    assert listed["paintings"] - len(listed["missing"]) > 0
    return listed


def test_a_speaker_trains_on_the_paintings_that_have_an_image(partial_release, tmp_path, caplog):
    release, missing, folder = partial_release
    before = tree_hashes(folder / "images")
    args = SpeakerArguments(emotion_grounding=True, cache_features=True, **{**TINY_SPEAKER, "image_size": 32})
    train_speaker(release, args, SpeakerTrainingArguments(output_dir=str(tmp_path / "sat"), **QUICK))
    listed = check_missing_list(tmp_path / "sat", missing)
    assert f"{len(listed['missing'])} without one are left out" in caplog.text
    assert (tmp_path / "sat" / "model.safetensors").is_file()
    assert tree_hashes(folder / "images") == before

    # Captioning the test split leaves out its paintings without an image, and says so.
    output = sample(
        release, SampleArguments(model=str(tmp_path / "sat"), emotion="awe", output=str(tmp_path / "captions.jsonl"))
    )
    captioned = [json.loads(line)["painting_id"] for line in output.read_text().splitlines()]
    assert captioned and not set(captioned) & set(missing)


def test_the_nearest_neighbour_speaker_indexes_only_paintings_with_an_image(partial_release, tmp_path):
    release, missing, _ = partial_release
    model = train_speaker(
        release,
        SpeakerArguments(arch="nn", backbone="test_resnet", image_size=32),
        SpeakerTrainingArguments(output_dir=str(tmp_path / "nn")),
    )
    listed = check_missing_list(tmp_path / "nn", missing)
    assert model.config.num_paintings == listed["paintings"] - len(listed["missing"])


def test_the_image_classifier_trains_on_the_paintings_that_have_an_image(partial_release, tmp_path):
    release, missing, _ = partial_release
    result = train_image_emotion(
        release,
        ImageEmotionArguments(model="handcrafted", image_size=32),
        TrainingArguments(output_dir=str(tmp_path / "clf"), **QUICK),
    )
    check_missing_list(tmp_path / "clf", missing)
    assert 0 <= result["test"]["accuracy"] <= 1


@pytest.mark.parametrize("task", ["sat", "nn", "image-emotion", "sample"])
def test_on_missing_image_error_stops_before_any_work(partial_release, tmp_path, task):
    release, missing, folder = partial_release
    before = tree_hashes(folder / "images")
    output_dir = tmp_path / "out"
    with pytest.raises(FileNotFoundError) as error:
        if task in ("sat", "nn"):
            args = SpeakerArguments(arch=task, on_missing_image="error", **{**TINY_SPEAKER, "image_size": 32})
            train_speaker(release, args, SpeakerTrainingArguments(output_dir=str(output_dir), **QUICK))
        elif task == "image-emotion":
            arguments = ImageEmotionArguments(model="handcrafted", image_size=32, on_missing_image="error")
            train_image_emotion(release, arguments, TrainingArguments(output_dir=str(output_dir), **QUICK))
        else:
            sample(release, SampleArguments(model=str(tmp_path / "no-model"), on_missing_image="error"))
    message = str(error.value)
    assert "paintings have no readable image in" in message and "--on_missing_image skip" in message
    assert any(painting_id in message for painting_id in missing)  # the first few expected paths
    assert not output_dir.exists()  # nothing was written
    assert tree_hashes(folder / "images") == before


def test_a_split_left_without_images_is_refused(partial_release, tmp_path):
    release, _, folder = partial_release
    bare = tmp_path / "bare"
    shutil.copytree(folder / "images", bare)
    for path in bare.rglob("*.jpg"):
        path.unlink()
    no_images = ReleaseArguments(csv=release.csv, images_dir=str(bare), cache_dir=release.cache_dir)
    with pytest.raises(
        FileNotFoundError, match=r"no painting of the train and validation split has one.*add the images$"
    ):
        train_speaker(
            no_images,
            SpeakerArguments(**{**TINY_SPEAKER, "image_size": 32}),
            SpeakerTrainingArguments(output_dir=str(tmp_path / "out"), **QUICK),
        )
