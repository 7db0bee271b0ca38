"""Image to emotion: the timm-backbone classifier and the hand-crafted baseline as Auto models, their processor on
bad and unusual images, Grad-CAM, the training phases, and what they learn from synthetic paintings."""

import json
import os
import re
import struct
import subprocess
import sys
import zlib

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file
from transformers import AutoConfig, AutoImageProcessor, AutoModelForImageClassification, pipeline

from artemis_hf.data.images import to_rgb as dataset_to_rgb
from artemis_hf.data.sources import ART_STYLES, ReleaseArguments
from artemis_hf.data.synthetic import make_synthetic_release
from artemis_hf.emotions import EMOTIONS
from artemis_hf.models.image_emotion import (
    HandcraftedEmotionConfig,
    HandcraftedEmotionForImageClassification,
    ImageEmotionConfig,
    ImageEmotionForImageClassification,
    ImageEmotionImageProcessor,
    emotion_losses,
    explain_image,
    grad_cam,
)
from artemis_hf.models.image_emotion.modeling_handcrafted_emotion import IMAGE_FEATURES
from artemis_hf.training.arguments import ImageEmotionArguments, TrainingArguments
from artemis_hf.training.image_emotion import STYLE_ERAS, load_timm_weights, scheme_histograms, training_function

TINY_BACKBONE = {"backbone": "resnet10t", "backbone_kwargs": {"channels": [8, 16, 32, 64], "stem_width": 8}}


def tiny_model(**overrides) -> ImageEmotionForImageClassification:
    torch.manual_seed(0)
    return ImageEmotionForImageClassification(
        ImageEmotionConfig(**{**TINY_BACKBONE, "head_hidden_sizes": [16], **overrides})
    ).eval()


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    """A tiny random model and its processor (32 px), saved."""
    folder = tmp_path_factory.mktemp("tiny-image-emotion")
    model = tiny_model()
    model.save_pretrained(folder)
    ImageEmotionImageProcessor.from_timm("resnet10t", size=32).save_pretrained(folder)
    return folder, model


def test_config_label_schemes_and_errors():
    assert list(ImageEmotionConfig().id2label.values()) == list(EMOTIONS)
    assert ImageEmotionConfig(label_scheme="sentiment").id2label == {0: "positive", 1: "negative", 2: "something else"}
    assert ImageEmotionConfig(label_scheme="polarity").num_labels == 2
    with pytest.raises(ValueError, match="label_scheme must be one of .* got 'valence'"):
        ImageEmotionConfig(label_scheme="valence")
    with pytest.raises(ValueError, match="backbone='resnet1000' is not a model of timm"):
        ImageEmotionForImageClassification(ImageEmotionConfig(backbone="resnet1000"))


def test_losses_kl_to_histograms_and_cross_entropy():
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    histograms = torch.tensor([[3, 1, 0], [0, 0, 0], [1, 1, 2]])  # the middle painting has no votes: weight 0
    losses, weights = emotion_losses(logits, histograms)
    log_q = logits.log_softmax(dim=-1).numpy()
    expected = [0.75 * (np.log(0.75) - log_q[0, 0]) + 0.25 * (np.log(0.25) - log_q[0, 1]), 0.0,
                sum(p * (np.log(p) - log_q[2, k]) for k, p in enumerate([0.25, 0.25, 0.5]))]  # fmt: skip
    assert losses.numpy() == pytest.approx(expected, abs=1e-6) and weights.tolist() == [1, 0, 1]
    losses, weights = emotion_losses(logits, torch.tensor([0, -100, 2]))
    assert losses[0].item() == pytest.approx(-log_q[0, 0], abs=1e-6) and weights.tolist() == [1, 0, 1]
    with pytest.raises(
        ValueError, match=r"labels must be \(3,\) class indices or \(3, 3\) vote counts.*shape \(3, 9\)"
    ):
        emotion_losses(logits, torch.zeros(3, 9))
    model = tiny_model()
    output = model(pixel_values=torch.rand(2, 3, 32, 32), labels=torch.tensor([[1] + [0] * 8, [0] * 8 + [2]]))
    assert output.logits.shape == (2, 9) and output.loss.ndim == 0 and output.pooler_output.shape == (2, 64)


def test_trainable_stages():
    model = tiny_model(trainable_stages=1)  # the reference: the last block only
    trained = {
        name.split(".")[1] for name, p in model.named_parameters() if p.requires_grad and name.startswith("backbone.")
    }
    assert trained == {"layer4"} and all(p.requires_grad for p in model.head.parameters())
    model.set_trainable_stages(0)
    assert not any(p.requires_grad for p in model.backbone.parameters()) and model.config.trainable_stages == 0
    model.set_trainable_stages(None)
    assert all(p.requires_grad for p in model.parameters())
    with pytest.raises(ValueError, match=r"trainable_stages must be None or in \[0, 5\] for resnet10t, got 6"):
        model.set_trainable_stages(6)


def test_save_load_round_trip_through_auto_classes(saved_model):
    folder, model = saved_model
    assert isinstance(AutoConfig.from_pretrained(folder), ImageEmotionConfig)
    loaded = AutoModelForImageClassification.from_pretrained(folder).eval()
    assert isinstance(loaded, ImageEmotionForImageClassification)
    for name, tensor in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], tensor), name
    processor = AutoImageProcessor.from_pretrained(folder)
    assert isinstance(processor, ImageEmotionImageProcessor) and processor.size == {"height": 32, "width": 32}
    assert processor.timm_data_config["interpolation"] == "bicubic" and list(processor.image_mean) == [
        0.485,
        0.456,
        0.406,
    ]
    pixel_values = processor(Image.new("RGB", (50, 40), (200, 30, 30)), return_tensors="pt")["pixel_values"]
    # Same weights, same logits; not always bit for bit, as CPU kernels vary with the weights' memory alignment.
    torch.testing.assert_close(loaded(pixel_values).logits, model(pixel_values).logits, rtol=0, atol=1e-6)


def test_pipeline_image_classification(saved_model, monkeypatch):
    folder, _ = saved_model
    # With artemis_hf imported nothing is remote code: transformers must not ask whether to trust any.
    monkeypatch.setattr("builtins.input", lambda *args: pytest.fail(f"pipeline() asked: {args}"))
    classify = pipeline("image-classification", model=str(folder))
    scores = classify(Image.new("RGB", (64, 48), "navy"), top_k=9)
    assert sorted(score["label"] for score in scores) == sorted(EMOTIONS)
    assert sum(score["score"] for score in scores) == pytest.approx(1.0, abs=1e-5)


REMOTE_SCRIPT = """
import json, sys
from PIL import Image
from transformers import AutoModelForImageClassification, pipeline
image, results = Image.new("RGB", (40, 40), (120, 120, 120)), []
for folder in sys.argv[1:]:
    model = AutoModelForImageClassification.from_pretrained(folder, trust_remote_code=True).eval()
    classify = pipeline("image-classification", model=folder, trust_remote_code=True)
    pixel_values = classify.image_processor(image, return_tensors="pt")["pixel_values"]
    results.append({"class": type(model).__module__, "logits": model(pixel_values).logits[0].tolist(), "top": classify(image, top_k=1)[0]["label"]})
print(json.dumps({"artemis_modules": [name for name in sys.modules if name.split(".")[0] == "artemis_hf"], "results": results}))
"""


def test_trust_remote_code_in_a_process_without_artemis_hf(saved_model, tmp_path):
    folder, model = saved_model
    handcrafted = HandcraftedEmotionForImageClassification(HandcraftedEmotionConfig()).eval()
    handcrafted.save_pretrained(tmp_path / "handcrafted")
    ImageEmotionImageProcessor(size=32, do_normalize=False).save_pretrained(tmp_path / "handcrafted")
    command = [sys.executable, "-c", REMOTE_SCRIPT, str(folder), str(tmp_path / "handcrafted")]
    run = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    output = json.loads(run.stdout.strip().splitlines()[-1])
    assert output["artemis_modules"] == []
    image = Image.new("RGB", (40, 40), (120, 120, 120))
    for result, (path, reference) in zip(
        output["results"], ((folder, model), (tmp_path / "handcrafted", handcrafted))
    ):
        assert result["class"].startswith("transformers_modules.") and result["top"] in EMOTIONS
        pixel_values = ImageEmotionImageProcessor.from_pretrained(path)(image, return_tensors="pt")["pixel_values"]
        assert result["logits"] == pytest.approx(reference(pixel_values).logits[0].tolist(), abs=1e-5)


def unusual_images() -> dict[str, Image.Image]:
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(24, 30, 3), dtype=np.uint8)
    rgba = np.dstack([rgb, rng.integers(0, 256, size=(24, 30), dtype=np.uint8)])
    palette = Image.fromarray(rgb).convert("P")
    palette.info["transparency"] = 0
    return {
        "greyscale": Image.fromarray(rgb[..., 0]),
        "greyscale+alpha": Image.fromarray(rgba[..., [0, 3]], mode="LA"),
        "rgba": Image.fromarray(rgba),
        "cmyk": Image.fromarray(rgb).convert("CMYK"),
        "palette+transparency": palette,
        "16-bit": Image.fromarray(rgb[..., 0].astype(np.uint16) * 257),
        "32-bit": Image.fromarray(rgb[..., 1].astype(np.int32) * 257),
        "1-bit": Image.fromarray(rgb[..., 2] > 127),
        "1x1": Image.new("RGB", (1, 1), (250, 10, 10)),
    }


@pytest.mark.parametrize("kind", list(unusual_images()))
def test_processor_reads_any_mode_as_the_dataset_does(kind):
    image = unusual_images()[kind]
    processor = ImageEmotionImageProcessor(size=16)
    expected = processor(dataset_to_rgb(image), return_tensors="pt")["pixel_values"]
    assert torch.equal(processor(image, return_tensors="pt")["pixel_values"], expected)
    if kind == "16-bit":  # scaled to 8 bits, not clipped to white
        assert 0.2 < float(dataset_to_rgb(image).convert("L").getextrema()[1]) / 255 <= 1 and expected.std() > 0.5


def bomb_png(width: int, height: int) -> bytes:
    """A PNG that claims width x height pixels and holds a few: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(bytes(100))) + chunk(b"IEND", b"")


def test_bad_files_give_clear_errors_or_predictions(saved_model, tmp_path):
    folder, _ = saved_model
    classify = pipeline("image-classification", model=str(folder))
    processor = classify.image_processor
    (tmp_path / "notes.jpg").write_text("not an image at all")
    with pytest.raises(OSError, match="cannot identify image file .*notes.jpg"):
        classify(str(tmp_path / "notes.jpg"))
    (tmp_path / "bomb.png").write_bytes(bomb_png(20_000, 20_000))
    with pytest.raises(Image.DecompressionBombError, match="400000000 pixels"):
        classify(str(tmp_path / "bomb.png"))
    # Under PIL's hard limit but over its warning limit: refused before decoding (no 300 MB allocation).
    (tmp_path / "big.png").write_bytes(bomb_png(10_000, 10_000))
    with (
        pytest.warns(Image.DecompressionBombWarning),
        pytest.raises(ValueError, match="10000x10000 pixels is over PIL.Image.MAX_IMAGE_PIXELS"),
    ):
        processor(Image.open(tmp_path / "big.png"))
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(
        tmp_path / "truncated.jpg"
    )
    (tmp_path / "truncated.jpg").write_bytes(
        (tmp_path / "truncated.jpg").read_bytes()[:3000]
    )  # the header and some data
    with pytest.raises(ValueError, match="Cannot decode .*truncated.jpg"):
        processor(Image.open(tmp_path / "truncated.jpg"))
    for kind, image in unusual_images().items():
        path = tmp_path / (kind + {"CMYK": ".jpg", "I": ".tif"}.get(image.mode, ".png"))
        image.save(path)
        scores = classify(str(path), top_k=9)
        assert sum(score["score"] for score in scores) == pytest.approx(1.0, abs=1e-5), kind
    for shape in ((3, 32, 32), (1, 1, 32, 32)):
        with pytest.raises(
            ValueError, match=re.escape(f"pixel_values must be (batch, 3, height, width), got shape {shape}")
        ):
            classify.model(torch.zeros(shape))


def test_pretrained_backbone_offline_is_a_clear_error():
    if os.environ.get("HF_HUB_OFFLINE") != "1":
        pytest.skip("needs HF_HUB_OFFLINE=1 (else timm retries the Hub for a while)")
    with pytest.raises(OSError, match="--pretrained_backbone: timm cannot load weights for 'resnet10t'"):
        load_timm_weights(tiny_model())


def test_handcrafted_features_by_hand():
    model = HandcraftedEmotionForImageClassification(HandcraftedEmotionConfig(palette_size=2)).eval()
    assert (
        model.feature_names[: len(IMAGE_FEATURES)] == list(IMAGE_FEATURES)
        and model.feature_names[-1] == "palette_distance_something else"
    )
    white, red = torch.ones(1, 3, 16, 16), torch.zeros(1, 3, 16, 16)
    red[:, 0] = 1.0
    stripes = torch.zeros(1, 3, 16, 16)
    stripes[..., ::4] = 1.0  # vertical lines: every gradient points the same way
    features = {
        name: value
        for name, value in zip(model.feature_names, model.extract_features(torch.cat([white, red, stripes])).T)
    }
    assert features["brightness"].tolist() == pytest.approx([1.0, 0.299, 0.25])
    assert features["saturation"].tolist() == pytest.approx([0.0, 1.0, 0.0])
    assert features["warmth"].tolist() == pytest.approx([0.0, 1.0, 0.0])
    assert features["edge_density"].tolist() == [0.0, 0.0, 0.5]  # both neighbours of each line, not the line itself
    assert features["orientation_coherence"][2].item() == pytest.approx(1.0) and features["orientation_entropy"][
        2
    ].item() == pytest.approx(0.0, abs=1e-6)
    # Palettes: red paintings amuse, white ones stir every other emotion; a red image is nearest the amusement palette.
    model = HandcraftedEmotionForImageClassification(HandcraftedEmotionConfig(palette_size=1)).eval()
    weights = torch.tensor([[1.0] + [0.0] * 8, [0.0] + [1.0] * 8])
    palettes = model.fit_palettes([(torch.cat([red, white]), weights)] * 2)
    assert palettes[0, 0].tolist() == pytest.approx([11 / 12, 1 / 12, 1 / 12]) and palettes[
        1:, 0
    ].flatten().tolist() == pytest.approx([11 / 12] * 24)
    distances = model.extract_features(red)[0, len(IMAGE_FEATURES) :]
    assert distances[0] == 0 and distances[1:].tolist() == pytest.approx([2**0.5 * 10 / 12] * 8)
    with pytest.raises(ValueError, match=r"pixel_values must be RGB in \[0, 1\]"):
        model(pixel_values=torch.full((1, 3, 8, 8), -1.0))
    with pytest.raises(ValueError, match=r"no training image has weight for label\(s\) \[1, 2, 3, 4, 5, 6, 7, 8\]"):
        model.fit_palettes([(red, weights[:1])])


def test_style_era_table_covers_the_wikiart_styles():
    assert set(STYLE_ERAS) == set(ART_STYLES) and len(set(STYLE_ERAS.values())) == 4


def test_scheme_histograms():
    histogram = [[1, 0, 2, 0, 3, 0, 0, 1, 4]]
    assert scheme_histograms(histogram, "emotion").tolist() == histogram
    assert scheme_histograms(histogram, "sentiment").tolist() == [[3, 4, 4]]
    assert scheme_histograms(histogram, "polarity").tolist() == [[3, 4]]


# --- Training on synthetic paintings ---


def tiny_run_arguments(output_dir, **overrides) -> TrainingArguments:
    defaults = dict(num_epochs=1, per_device_batch_size=32, learning_rate=1e-2, lr_scheduler="cosine", early_stopping_patience=None,
                    mixed_precision="no", cpu=True, weight_decay=0.01)  # fmt: skip
    return TrainingArguments(output_dir=str(output_dir), **{**defaults, **overrides})


def release_arguments(release) -> ReleaseArguments:
    return ReleaseArguments(csv=str(release.csv_path), images_dir=str(release.images_dir))


def test_genre_then_emotion_with_staged_fine_tuning_and_resume(synthetic_release, tmp_path):
    arguments = ImageEmotionArguments(
        backbone=TINY_BACKBONE["backbone"], backbone_kwargs=json.dumps(TINY_BACKBONE["backbone_kwargs"]), image_size=32,
        label_scheme="polarity", style_epochs=1, stage_schedule=[1, 2], head_hidden_sizes=[16],
    )  # fmt: skip
    result = training_function(
        release_arguments(synthetic_release), arguments, tiny_run_arguments(tmp_path, max_steps=2)
    )
    assert result["phases"] == ["style", "emotion-last-1-stages", "emotion-last-2-stages"]
    assert sorted(path.name for path in (tmp_path / "phases").iterdir()) == ["01-style", "02-emotion-last-1-stages"]
    assert AutoConfig.from_pretrained(tmp_path / "phases" / "01-style").auxiliary_labels == [
        "Renaissance",
        "Baroque to Romanticism",
        "Modern",
        "Contemporary",
    ]
    final = AutoConfig.from_pretrained(tmp_path)
    assert (
        final.auxiliary_labels is None
        and final.trainable_stages == 2
        and final.id2label == {0: "positive", 1: "negative"}
    )
    assert not any(key.startswith("auxiliary_head") for key in load_file(tmp_path / "model.safetensors"))
    assert {"positive_negative_accuracy", "sentiment_accuracy"}.isdisjoint(result["test"]) and 0 <= result["test"][
        "accuracy"
    ] <= 1
    # Resume: the finished phases are skipped, the last continues from its checkpoint (here: already complete).
    resumed = training_function(
        release_arguments(synthetic_release), arguments, tiny_run_arguments(tmp_path, max_steps=2, resume=True)
    )
    assert resumed["best_validation_loss"] == result["best_validation_loss"][-1:]


# The same training budget for both models.
LEARNING_RUN = dict(num_epochs=40, per_device_batch_size=32, learning_rate=1e-2, warmup_steps=250)


@pytest.fixture(scope="module")
def learning_release(tmp_path_factory):
    """900 paintings at 48 px: enough for a tiny network to learn shapes as well as colours."""
    return make_synthetic_release(tmp_path_factory.mktemp("learning"), num_paintings=900, image_size=48, seed=1)


def train_on(release, output_dir, arguments: ImageEmotionArguments) -> tuple:
    return output_dir, training_function(
        release_arguments(release), arguments, tiny_run_arguments(output_dir, **LEARNING_RUN)
    )["test"]


@pytest.fixture(scope="module")
def one_thread():
    """Learning runs on one thread: the same result whatever the core count, and on a busy 2-core machine several
    times faster than two threads contending with other processes."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def deep_run(learning_release, tmp_path_factory, one_thread):
    """A tiny ResNet (output stride 8, so that 48 px paintings keep their shapes) trained as the reference: (dir, test figures)."""
    backbone_kwargs = {"channels": [16, 32, 64, 64], "stem_width": 16, "output_stride": 8}
    arguments = ImageEmotionArguments(
        backbone="resnet10t",
        backbone_kwargs=json.dumps(backbone_kwargs),
        image_size=48,
        head_hidden_sizes=[64],
        augment="flip-rotate",
    )
    return train_on(learning_release, tmp_path_factory.mktemp("deep"), arguments)


@pytest.fixture(scope="module")
def handcrafted_run(learning_release, tmp_path_factory, one_thread):
    arguments = ImageEmotionArguments(
        model="handcrafted", image_size=48, head_hidden_sizes=[64], head_dropout=0.2, augment="flip-rotate"
    )
    return train_on(learning_release, tmp_path_factory.mktemp("handcrafted"), arguments)


def test_training_outputs(deep_run):
    output_dir, figures = deep_run
    expected = {"config.json", "model.safetensors", "preprocessor_config.json", "training_args.json", "eval_results.json",
                "confusion_matrix.png", "loss_curve.png", "modeling_image_emotion.py", "image_processing_image_emotion.py"}  # fmt: skip
    assert expected <= set(os.listdir(output_dir))
    settings = json.loads((output_dir / "training_args.json").read_text())["arguments"]
    assert settings["ImageEmotionArguments"]["backbone"] == "resnet10t"
    assert settings["TrainingArguments"]["num_epochs"] == LEARNING_RUN["num_epochs"]
    records = json.loads((output_dir / "eval_results.json").read_text())
    assert {record["metric_type"] for record in records} >= {
        "accuracy",
        "f1",
        "sentiment_accuracy",
        "majority_accuracy",
        "kl_divergence",
    }
    assert {record["dataset_name"] for record in records} == {"synthetic-artemis"} and {
        record["dataset_split"] for record in records
    } == {"test"}
    assert [record["metric_value"] for record in records if record["metric_type"] == "accuracy"] == [
        figures["accuracy"]
    ]


def test_grad_cam_looks_at_the_painted_shapes(deep_run, learning_release, tmp_path):
    output_dir, _ = deep_run
    model = AutoModelForImageClassification.from_pretrained(output_dir)
    processor = AutoImageProcessor.from_pretrained(output_dir)
    paintings = pd.read_csv(learning_release.paintings_path)
    paths = [
        learning_release.images_dir / f"{row.art_style}/{row.painting}.jpg"
        for row in paintings[paintings["split"] == "test"].itertuples()
    ]
    ratios = []
    for path in paths[:30]:
        image = Image.open(path)
        heatmap, overlay = explain_image(model, processor, image)  # for the predicted emotion
        pixels = np.asarray(image, dtype=np.float64)
        painted = np.linalg.norm(pixels - np.median(pixels.reshape(-1, 3), axis=0), axis=-1) > 60  # not background
        ratios.append(heatmap[painted].mean() / heatmap[~painted].mean())
    assert np.median(ratios) > 1.3, ratios  # the evidence lies on the shapes, not the canvas
    assert heatmap.shape == (48, 48) and heatmap.min() >= 0 and heatmap.max() == pytest.approx(1.0)
    assert overlay.size == image.size and overlay.mode == "RGB"
    overlay.save(tmp_path / "overlay.png")
    batch = processor([image, image], return_tensors="pt")["pixel_values"]
    assert np.allclose(grad_cam(model, batch, label=7), grad_cam(model, batch, label="sadness")) and grad_cam(
        model, batch
    ).shape == (2, 48, 48)
    with pytest.raises(ValueError, match="label 'joy' is not one of the model's labels"):
        grad_cam(model, batch, label="joy")


def test_handcrafted_baseline_learns_the_palettes(handcrafted_run):
    _, figures = handcrafted_run
    assert figures["accuracy"] > 0.5  # the palette alone narrows each painting down to three emotions
    assert figures["sentiment_accuracy"] > figures["accuracy"]


def test_deep_model_beats_chance_and_the_handcrafted_baseline_on_held_out_paintings(deep_run, handcrafted_run):
    deep, handcrafted = deep_run[1], handcrafted_run[1]
    print(json.dumps({"deep": deep, "handcrafted": handcrafted, "chance": 1 / 9}))
    assert deep["accuracy"] > 0.75 and deep["majority_accuracy"] > 0.75  # chance: 1/9
    # Measured: 0.88 against 0.73 (90 test paintings); the KL divergence to the vote histograms agrees.
    assert (
        deep["accuracy"] > handcrafted["accuracy"] + 0.05
        and deep["kl_divergence"] < handcrafted["kl_divergence"] - 0.1
    )
