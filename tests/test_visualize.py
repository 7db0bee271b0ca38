"""`artemis-hf visualize`: class model visualisation of an image emotion classifier (the quickstart's, trained), its
files, and the one-line errors for what is not a nine-emotion image classifier."""

from __future__ import annotations

import inspect
import json

import pytest
import torch
from PIL import Image

from artemis_hf.cli import main
from artemis_hf.emotions import EMOTIONS
from artemis_hf.models.image_emotion import (
    ImageEmotionConfig,
    ImageEmotionForImageClassification,
    ImageEmotionImageProcessor,
    class_model_visualization,
)
from artemis_hf.visualize import (
    GRID_CELL_INCHES,
    GRID_DPI,
    GRID_FILENAME,
    LOGITS_FILENAME,
    OUTPUT_SUBDIR,
    SETTINGS,
    VisualizeArguments,
    image_filename,
)

pytestmark = pytest.mark.usefixtures("single_thread")

# On the quickstart's classifier (2 epochs, 64 px), 60 steps from seed 0 raise each emotion's logit by +2.3 (excitement)
# to +10.6 (contentment), and by at least +2.2 from seeds 1 and 2: the margin asserted is 1.0 (e times the odds).
STEPS = 60
MARGIN = 1.0


def error_lines(capsys) -> list[str]:
    """The error lines of stderr (model loading draws progress bars there too); no traceback."""
    errors = capsys.readouterr().err
    assert "Traceback" not in errors
    return [line for line in errors.splitlines() if line.startswith("artemis-hf")]


def tiny_classifier(folder, **config) -> None:
    """A random test_resnet classifier and a 32 px processor, saved to `folder`."""
    torch.manual_seed(0)
    ImageEmotionForImageClassification(ImageEmotionConfig(backbone="test_resnet", **config)).save_pretrained(folder)
    ImageEmotionImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)


def test_visualize_raises_each_emotions_logit(quickstart_outputs, tmp_path, capsys):
    model = quickstart_outputs.output_dir / "image-emotion"
    # The quickstart's folder is shared by the session's tests: write elsewhere.
    assert main(["visualize", "--model", str(model), "--num_steps", str(STEPS), "--output_dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    summary = json.loads((tmp_path / LOGITS_FILENAME).read_text())
    assert json.loads(out[out.index("{") :]) == summary
    assert list(summary["logits"]) == list(EMOTIONS) and summary["settings"]["num_steps"] == STEPS
    gains = {emotion: logits["final"] - logits["initial"] for emotion, logits in summary["logits"].items()}
    assert all(gain > MARGIN for gain in gains.values()), gains

    height, width = summary["image_size"]
    assert (height, width) == (64, 64)  # the processor's size
    for emotion in EMOTIONS:
        with Image.open(tmp_path / image_filename(emotion)) as image:
            assert image.size == (width, height) and image.mode == "RGB"
    assert (tmp_path / "something-else.png").is_file()
    with Image.open(tmp_path / GRID_FILENAME) as grid:
        assert grid.size == (round(3 * GRID_CELL_INCHES[0] * GRID_DPI), round(3 * GRID_CELL_INCHES[1] * GRID_DPI))


def test_default_output_folder_is_in_the_model_folder(tmp_path, capsys):
    tiny_classifier(tmp_path)
    assert main(["visualize", "--model", str(tmp_path), "--num_steps", "2"]) == 0
    output_dir = tmp_path / OUTPUT_SUBDIR
    assert sorted(path.name for path in output_dir.iterdir()) == sorted(
        [GRID_FILENAME, LOGITS_FILENAME, *map(image_filename, EMOTIONS)]
    )
    assert json.loads((output_dir / LOGITS_FILENAME).read_text())["image_size"] == [32, 32]


def test_seeded_by_its_own_generator_in_eval_mode():
    torch.manual_seed(0)
    model = ImageEmotionForImageClassification(ImageEmotionConfig(backbone="test_resnet")).train()
    processor = ImageEmotionImageProcessor(size={"height": 32, "width": 32})
    state = torch.get_rng_state()
    first = class_model_visualization(model, processor, num_steps=3, image_size=24, seed=1)
    assert torch.equal(torch.get_rng_state(), state)  # the global RNG untouched
    assert model.training  # put back as it was
    second = class_model_visualization(model, processor, num_steps=3, image_size=24, seed=1)
    assert torch.equal(first.images, second.images) and first.images.shape == (9, 3, 24, 24)
    assert first.images.min() >= 0 and first.images.max() <= 1
    other = class_model_visualization(model, processor, num_steps=3, image_size=24, seed=2)
    assert not torch.equal(first.images, other.images)


def test_arguments_default_to_the_functions_defaults():
    arguments = VisualizeArguments(model="m")
    defaults = inspect.signature(class_model_visualization).parameters
    assert {name: getattr(arguments, name) for name in SETTINGS} == {name: defaults[name].default for name in SETTINGS}


def test_refuses_a_classifier_of_other_labels(tmp_path, capsys):
    tiny_classifier(tmp_path, label_scheme="sentiment")
    assert main(["visualize", "--model", str(tmp_path), "--num_steps", "1"]) == 2
    errors = error_lines(capsys)
    assert len(errors) == 1 and errors[0].startswith("artemis-hf: error: "), errors
    assert f"--model {tmp_path} has the labels ['positive', 'negative', 'something else']" in errors[0]
    assert not (tmp_path / OUTPUT_SUBDIR).exists()


def speaker_folder(folder):
    """Enough of a speaker's folder for `read_model_folder`: its config and a weights file."""
    (folder / "config.json").write_text(json.dumps({"model_type": "artemis-speaker-sat"}))
    (folder / "model.safetensors").write_bytes(b"")
    return folder


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda folder: folder / "missing", "--model {model}: no such folder"),
        (speaker_folder, "--model {model} holds a 'artemis-speaker-sat' model (the speaker-sat family), not an image"),
        (lambda folder: folder, "--model {model} holds no config.json"),
    ],
    ids=["no-such-folder", "speaker", "empty-folder"],
)
def test_refuses_what_is_not_an_image_classifier(tmp_path, capsys, make, message):
    model = make(tmp_path)
    assert main(["visualize", "--model", str(model)]) == 2
    errors = error_lines(capsys)
    assert len(errors) == 1 and message.format(model=model) in errors[0], errors
