"""Faults at inference (issue #10): bad checkpoints, folders of another family, bad images and texts, bad generation
arguments. Each gets one clear error that names the argument or file, and leaves every input file as it was."""

import hashlib
import json
import logging
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import pipeline

from artemis_hf.data import build_tokenizer
from artemis_hf.data.images import to_rgb as dataset_to_rgb
from artemis_hf.emotions import EMOTIONS
from artemis_hf.evaluation.affective import load_text_classifier
from artemis_hf.models.image_emotion import (
    ImageEmotionConfig,
    ImageEmotionForImageClassification,
    ImageEmotionImageProcessor,
)
from artemis_hf.models.speaker_nn import SpeakerNNConfig, SpeakerNNModel
from artemis_hf.models.speaker_sat import SpeakerSATConfig, SpeakerSATForConditionalGeneration, SpeakerSATProcessor
from artemis_hf.models.text_emotion import TextEmotionLSTMConfig, TextEmotionLSTMForSequenceClassification
from artemis_hf.pipelines import captioning
from artemis_hf.pipelines.captioning import TASK, ArtEmisCaptioningPipeline
from artemis_hf.training.speaker import image_processor, save_speaker

pytest_plugins = ["speaker_fixtures"]
pytestmark = pytest.mark.usefixtures("single_thread")

WORDS = ["the", "red", "blue", "sea", "waves", "make", "me", "feel", "calm", "sad", "so", "it", "is"]


def digests(*roots) -> dict[str, str]:
    """sha256 of every file under `roots` (files or folders): what must not change."""
    files = [path for root in map(Path, roots) for path in ([root] if root.is_file() else sorted(root.rglob("*")))]
    return {str(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in files if path.is_file()}


@pytest.fixture
def unchanged():
    """unchanged(*paths) records their files; at the end of the test they must be byte for byte the same."""
    recorded = {}

    def record(*paths):
        recorded.update(digests(*paths))

    yield record
    assert recorded and digests(*recorded) == recorded


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    """Tiny random checkpoints of four families, saved as training saves them (a few seconds)."""
    root = tmp_path_factory.mktemp("models")
    torch.manual_seed(0)
    tokenizer = build_tokenizer(WORDS)
    labels = dict(enumerate(EMOTIONS))
    sat = SpeakerSATForConditionalGeneration(
        SpeakerSATConfig(
            vocab_size=len(tokenizer),
            backbone="test_resnet",
            feature_layer=2,
            attention_dim=16,
            decoder_dim=24,
            word_embedding_dim=8,
            id2label=labels,
        )
    ).eval()
    save_speaker(sat, SpeakerSATProcessor(image_processor(32), tokenizer), root / "sat")
    nn = SpeakerNNModel(SpeakerNNConfig(backbone="test_resnet", id2label=labels)).eval()
    nn.set_memory(
        torch.randn(3, nn.backbone.num_features), ["a red sea", "so calm", "it is sad"], [0, 1, 2], [1, 2, 7]
    )
    ArtEmisCaptioningPipeline(model=nn, image_processor=image_processor(32), task=TASK).save_pretrained(root / "nn")
    classifier = ImageEmotionForImageClassification(
        ImageEmotionConfig(
            backbone="resnet10t",
            backbone_kwargs={"channels": [8, 16, 32, 64], "stem_width": 8},
            head_hidden_sizes=[16],
        )
    )
    classifier.save_pretrained(root / "image-classifier")
    ImageEmotionImageProcessor.from_timm("resnet10t", size=32).save_pretrained(root / "image-classifier")
    lstm = TextEmotionLSTMForSequenceClassification(
        TextEmotionLSTMConfig(vocab_size=len(tokenizer), embedding_dim=8, hidden_size=8, classifier_hidden_size=8)
    )
    lstm.save_pretrained(root / "text-classifier")
    tokenizer.save_pretrained(root / "text-classifier")
    return {path.name: path for path in root.iterdir()}


@pytest.fixture(scope="module")
def sat(models):
    return pipeline("artemis-captioning", model=str(models["sat"]))


@pytest.fixture
def painting():
    return Image.fromarray(np.random.default_rng(0).integers(0, 256, (40, 48, 3), dtype=np.uint8))


def truncated_copy(folder: Path, destination: Path) -> Path:
    shutil.copytree(folder, destination)
    weights = destination / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    return destination


# --- 3. One conversion for training and the pipeline ---


# The pipeline's to_rgb and decode_rgb are marked copies: tests/test_architecture.py checks them.


def sixteen_bit_and_transparent() -> dict[str, Image.Image]:
    rng = np.random.default_rng(0)
    grey = rng.integers(0, 256, (24, 30), dtype=np.uint16) * 257  # a 16-bit scan: values up to 65,535
    rgba = rng.integers(0, 256, (24, 30, 4), dtype=np.uint8)
    rgba[..., 3] = 0  # fully transparent: the hidden colour must not show
    return {"16-bit.png": Image.fromarray(grey), "transparent.png": Image.fromarray(rgba)}


@pytest.mark.parametrize("name", list(sixteen_bit_and_transparent()))
def test_pipeline_reads_images_as_training_does(sat, name, tmp_path, unchanged):
    image = sixteen_bit_and_transparent()[name]
    image.save(tmp_path / name)
    unchanged(tmp_path / name)
    trained_on = sat.image_processor(dataset_to_rgb(Image.open(tmp_path / name)), return_tensors="pt")
    for given in (str(tmp_path / name), Image.open(tmp_path / name)):
        torch.testing.assert_close(sat.preprocess(given)["pixel_values"], trained_on["pixel_values"], rtol=0, atol=0)
    mean = np.asarray(captioning.load_rgb(str(tmp_path / name))).mean()
    if name == "16-bit.png":  # scaled to 8 bits (about 128), not clipped to white (254)
        assert 100 < mean < 160
    else:  # transparent on white
        assert mean == 255


def test_the_pipeline_and_the_image_classifier_refuse_the_same_image_size(models, sat, tmp_path, monkeypatch):
    big = tmp_path / "big.png"
    Image.new("RGB", (60, 50), "navy").save(big)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 60 * 50 - 1)
    message = re.escape("Image of 60x50 pixels is over PIL.Image.MAX_IMAGE_PIXELS=2999")
    classifier_processor = ImageEmotionImageProcessor.from_pretrained(models["image-classifier"])
    with pytest.warns(Image.DecompressionBombWarning), pytest.raises(ValueError, match=message):
        classifier_processor(Image.open(big))
    with pytest.warns(Image.DecompressionBombWarning), pytest.raises(ValueError, match=message):
        sat(str(big), emotion="awe")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 60 * 50)
    assert sat(str(big), emotion="awe")[0]["generated_text"] is not None


def test_a_missing_image_is_no_such_file(sat, tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(f"image '{tmp_path / 'nowhere.png'}': no such file")):
        sat(str(tmp_path / "nowhere.png"), emotion="awe")


# --- 9. Generation arguments ---


@pytest.mark.parametrize(
    "options, message",
    [
        ({"num_beams": 0}, "num_beams must be a positive integer, got 0"),
        ({"num_beams": -3}, "num_beams must be a positive integer, got -3"),
        ({"generate_kwargs": {"num_beams": 0}}, "num_beams must be a positive integer, got 0"),
        ({"num_return_sequences": 0}, "num_return_sequences must be a positive integer, got 0"),
    ],
)
def test_bad_generation_arguments_are_named(sat, painting, options, message):
    with pytest.raises(ValueError, match=message):
        sat(painting, emotion="awe", **options)


def test_the_nearest_neighbour_speaker_says_which_options_it_ignores(models, painting, caplog):
    captioner = pipeline("artemis-captioning", model=str(models["nn"]))
    with caplog.at_level(logging.WARNING):
        [result] = captioner(painting, num_beams=3, temperature=0.5, return_attention=True)
    assert "it ignores num_beams, temperature, return_attention" in caplog.text
    assert result["generated_text"] in {"a red sea", "so calm", "it is sad"}
    with pytest.raises(ValueError, match="num_return_sequences must be a positive integer, got 0"):
        captioner(painting, num_return_sequences=0)


def test_attention_is_json_ready_unless_tensors_are_asked_for(sat, painting):
    [listed] = sat(painting, emotion="awe", return_attention=True)
    [tensors] = sat(painting, emotion="awe", return_attention=True, return_tensors=True)
    assert json.loads(json.dumps(listed)) == listed and isinstance(tensors["attention"], torch.Tensor)
    assert torch.tensor(listed["attention"]).shape == (len(listed["generated_text"].split()), 4, 4)
    assert torch.equal(torch.tensor(listed["attention"]), tensors["attention"])


# --- 10. Checkpoints and texts ---


def test_a_truncated_speaker_checkpoint_names_the_file(models, tmp_path, unchanged):
    damaged = truncated_copy(models["sat"], tmp_path / "sat")
    unchanged(damaged)
    with pytest.raises(ValueError, match=re.escape(f"cannot read {damaged / 'model.safetensors'}")):
        pipeline("artemis-captioning", model=str(damaged))


def test_a_truncated_emotion_classifier_names_the_file(models, painting, tmp_path, unchanged):
    damaged = truncated_copy(models["image-classifier"], tmp_path / "classifier")
    unchanged(damaged, models["sat"])
    captioner = pipeline("artemis-captioning", model=str(models["sat"]), emotion_classifier=str(damaged))
    with pytest.raises(
        OSError, match=re.escape(f"emotion_classifier='{damaged}': cannot read {damaged}/model.safetensors")
    ):
        captioner(painting)


def test_a_truncated_text_classifier_names_the_file(models, tmp_path, unchanged):
    damaged = truncated_copy(models["text-classifier"], tmp_path / "text")
    unchanged(damaged)
    with pytest.raises(
        OSError, match=re.escape(f"text_classifier='{damaged}': cannot read {damaged}/model.safetensors")
    ):
        load_text_classifier(damaged)


@pytest.mark.parametrize("folder", ["image-classifier", "text-classifier"])
def test_the_captioning_pipeline_names_a_folder_of_another_family(models, folder, unchanged):
    unchanged(models[folder])
    with pytest.raises(ValueError) as raised:
        pipeline("artemis-captioning", model=str(models[folder]))
    config = json.loads((models[folder] / "config.json").read_text())
    assert (
        f"model='{models[folder]}' holds a '{config['model_type']}' model ({config['architectures'][0]}), not a "
        "speaker (AutoModelForImageTextToText)"
    ) in str(raised.value)
    assert "Qwen" not in str(raised.value)  # not transformers' list of every captioning model


@pytest.mark.parametrize("folder", ["nn", "text-classifier"])
def test_an_emotion_classifier_of_another_family_is_named(models, painting, folder, unchanged):
    unchanged(models[folder], models["sat"])
    captioner = pipeline("artemis-captioning", model=str(models["sat"]), emotion_classifier=str(models[folder]))
    config = json.loads((models[folder] / "config.json").read_text())
    message = (
        f"emotion_classifier='{models[folder]}' holds a '{config['model_type']}' model ({config['architectures'][0]}), "
        "not an image classifier (AutoModelForImageClassification)"
    )
    with pytest.raises(ValueError, match=re.escape(message) + "$"):
        captioner(painting)


@pytest.mark.parametrize("text", ["", "   ", "?!...", "-- ,"])
def test_the_text_classifier_refuses_a_text_without_words(models, text, unchanged):
    unchanged(models["text-classifier"])
    classify = pipeline("text-classification", model=str(models["text-classifier"]))
    with pytest.raises(ValueError, match="An empty or punctuation-only text has no emotion to read"):
        classify(text)
    assert classify("the calm sea")[0]["label"] in EMOTIONS


def test_the_text_classifier_truncates_long_texts_at_its_stated_limit(models):
    classify = pipeline("text-classification", model=str(models["text-classifier"]))
    limit = classify.model.config.max_text_length
    assert (
        limit == 512
        and json.loads((models["text-classifier"] / "config.json").read_text())["max_text_length"] == limit
    )
    long = " ".join(["calm"] * limit + ["sad", "red", "waves"] * limit)  # its end is another text
    ids = classify.tokenizer(long, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        truncated = classify.model(ids).logits
        torch.testing.assert_close(truncated, classify.model(ids[:, :limit]).logits, rtol=0, atol=0)
        classify.model.config.max_text_length = ids.shape[1]
        assert not torch.equal(classify.model(ids).logits, truncated)  # the words past the limit would count
    classify.model.config.max_text_length = limit
    assert classify(long)[0]["label"] in EMOTIONS


def test_sample_names_a_folder_of_another_family_before_captioning(models, unchanged, synthetic_release, tmp_path):
    from artemis_hf.data.sources import ReleaseArguments
    from artemis_hf.sampling import SampleArguments, sample

    unchanged(models["text-classifier"])
    release = ReleaseArguments(
        csv=str(synthetic_release.csv_path), images_dir=str(synthetic_release.images_dir), cache_dir=str(tmp_path)
    )
    with pytest.raises(ValueError, match=r"--model='.*text-classifier' holds a 'artemis-text-emotion-lstm' model"):
        sample(release, SampleArguments(model=str(models["text-classifier"]), output=str(tmp_path / "captions.jsonl")))
    assert not (tmp_path / "captions.jsonl").exists()
