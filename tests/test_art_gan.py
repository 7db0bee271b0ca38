"""The emotion-conditioned art GAN: its models, its training on the shared loop (two optimizers, exact resume), the
judge (classifier verdicts and the Frechet distance), `artemis-hf generate` and the GAN's card and push."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import AutoModel

from artemis_hf.cli import main as cli
from artemis_hf.emotions import EMOTIONS
from artemis_hf.evaluation.art_gan import frechet_distance
from artemis_hf.models.art_gan import ArtGANConfig, ArtGANDiscriminator, ArtGANGenerator, to_pil_images
from artemis_hf.training.gan import translate
from artemis_hf.visualize import load_emotion_classifier

TINY = dict(image_size=16, noise_dim=8, generator_channels=[16, 8], discriminator_channels=[8, 16])


def test_config_defaults_and_clear_errors():
    config = ArtGANConfig()
    assert config.generator_channels == [128, 64, 32] and config.discriminator_channels == [32, 64, 128]
    wide = ArtGANConfig(image_size=256)
    assert wide.generator_channels == [512, 512, 256, 128, 64, 32] and wide.discriminator_channels[-1] == 512
    assert [config.id2label[index] for index in range(9)] == list(EMOTIONS)
    with pytest.raises(ValueError, match="image_size must be a power of two, at least 8, got 48"):
        ArtGANConfig(image_size=48)
    with pytest.raises(ValueError, match=r"generator_channels needs 2 positive widths for image_size=16.*\[8, 8, 8\]"):
        ArtGANConfig(image_size=16, generator_channels=[8, 8, 8])


def test_generator_and_discriminator_shapes_round_trip_and_input_errors(tmp_path):
    torch.manual_seed(0)
    config = ArtGANConfig(**TINY)
    generator, discriminator = ArtGANGenerator(config), ArtGANDiscriminator(config).eval()
    generator.refresh_batch_norm_statistics(num_batches=2)
    generator.eval()
    emotion_ids = torch.arange(9)
    images = generator.sample(emotion_ids, generator=torch.Generator().manual_seed(1))  # (9, 3, 16, 16)
    assert images.shape == (9, 3, 16, 16) and images.abs().max() <= 1 and images.std() > 0.05
    scores = discriminator(images, emotion_ids).scores
    assert scores.shape == (9,)

    generator.save_pretrained(tmp_path)
    loaded = AutoModel.from_pretrained(tmp_path)
    assert type(loaded) is ArtGANGenerator
    again = loaded.sample(emotion_ids, generator=torch.Generator().manual_seed(1))
    assert torch.equal(again, images)
    assert sorted(p.name for p in tmp_path.glob("*.safetensors")) == ["model.safetensors"]

    with pytest.raises(ValueError, match=r"noise must be \(batch, 8\), got shape \(2, 5\)"):
        generator(torch.randn(2, 5), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"emotion_ids must be in \[0, 9\), got \[0, 9\]"):
        generator(torch.randn(2, 8), torch.tensor([0, 9]))
    with pytest.raises(ValueError, match=r"pixel_values must be \(batch, 3, 16, 16\), got shape \(2, 3, 32, 32\)"):
        discriminator(torch.zeros(2, 3, 32, 32), torch.tensor([0, 1]))


def test_conditional_norms_start_as_the_identity():
    """Every emotion starts from the same network; the per-emotion scales and shifts are what training conditions."""
    generator = ArtGANGenerator(ArtGANConfig(**TINY))
    for norm in generator.norms:
        assert torch.equal(norm.scale, torch.ones_like(norm.scale))
        assert torch.equal(norm.shift, torch.zeros_like(norm.shift))


def test_to_pil_images_maps_the_range_onto_bytes():
    images = torch.stack([torch.full((3, 4, 4), -1.0), torch.full((3, 4, 4), 1.0), torch.zeros(3, 4, 4)])
    pictures = to_pil_images(images)
    assert [picture.size for picture in pictures] == [(4, 4)] * 3
    assert [np.asarray(picture)[0, 0, 0] for picture in pictures] == [0, 255, 128]


def test_translate_shifts_whole_images_and_passes_gradients():
    torch.manual_seed(0)
    images = torch.zeros(64, 1, 8, 8)
    images[:, :, 3, 3] = 1.0
    images.requires_grad_(True)
    shifted = translate(images, 0.25)  # up to 2 pixels each way
    spots = (shifted[:, 0] == 1).nonzero()[:, 1:]  # (64, 2) where the one bright pixel went
    assert len(spots) == 64 and spots.min() >= 1 and spots.max() <= 5
    assert len({tuple(spot) for spot in spots.tolist()}) > 10  # shifts differ per image
    shifted.sum().backward()
    # Each output pixel is a copy of one input pixel: the bright one is kept in every image, once.
    assert torch.all(images.grad[:, 0, 3, 3] == 1) and set(images.grad.unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(translate(images, 0.0), images)


def test_frechet_distance_matches_scipy_and_is_zero_for_equal_sets():
    from scipy import linalg

    rng = np.random.default_rng(0)
    features = rng.normal(size=(600, 5))
    other = rng.normal(size=(600, 5)) @ rng.normal(size=(5, 5)) + 0.5
    mean, other_mean = features.mean(0), other.mean(0)
    covariance, other_covariance = np.cov(features, rowvar=False), np.cov(other, rowvar=False)
    root = linalg.sqrtm(covariance @ other_covariance).real
    expected = ((mean - other_mean) ** 2).sum() + np.trace(covariance + other_covariance - 2 * root)
    assert frechet_distance(features, other) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(features, features) == pytest.approx(0.0, abs=1e-8)


def test_a_classifier_without_the_nine_emotions_is_refused(tmp_path):
    from artemis_hf.models.image_emotion import (
        ImageEmotionConfig,
        ImageEmotionForImageClassification,
        ImageEmotionImageProcessor,
    )

    folder = tmp_path / "sentiment"
    ImageEmotionForImageClassification(
        ImageEmotionConfig(backbone="test_resnet", label_scheme="sentiment")
    ).save_pretrained(folder)
    ImageEmotionImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)
    with pytest.raises(
        ValueError,
        match=r"--classifier .*sentiment has the labels \['positive', 'negative', 'something else'\], not the 9 emotions",
    ):
        load_emotion_classifier(str(folder), "--classifier")
    gan = tmp_path / "gan"
    ArtGANGenerator(ArtGANConfig(**TINY)).save_pretrained(gan)
    with pytest.raises(
        ValueError,
        match=r"--classifier .*gan holds a 'artemis-art-gan' model \(the art-gan family\), not an image emotion classifier",
    ):
        load_emotion_classifier(str(gan), "--classifier")


def train_tiny_gan(release, output_dir, classifier=None, **training):
    from artemis_hf.data.sources import ReleaseArguments
    from artemis_hf.training.arguments import GanArguments, GanTrainingArguments
    from artemis_hf.training.gan import training_function

    settings = dict(num_epochs=2, per_device_batch_size=32, cpu=True, mixed_precision="no", keep_checkpoints=1)
    return training_function(
        ReleaseArguments(csv=str(release.csv_path), images_dir=str(release.images_dir)),
        GanArguments(
            image_size=32,
            noise_dim=16,
            generator_channels=[32, 16, 8],
            discriminator_channels=[8, 16, 32],
            sample_every_steps=4,
            classifier=classifier,
            judge_images_per_emotion=4,
        ),
        GanTrainingArguments(output_dir=str(output_dir), **{**settings, **training}),
    )


def test_gan_alternates_two_optimizers_on_the_loop_and_resumes_exactly(synthetic_release, tmp_path):
    """Two epochs straight, and one epoch then resumed for a second, end with equal weights: both optimizers, the
    moving average and the RNG states come back. (A resumption mid-epoch is the loop's own test.)"""
    from safetensors.torch import load_file
    from training_toy import without_timings

    straight = train_tiny_gan(synthetic_release, tmp_path / "straight")
    train_tiny_gan(synthetic_release, tmp_path / "cut", num_epochs=1)
    resumed = train_tiny_gan(synthetic_release, tmp_path / "cut", resume=True)
    assert straight["steps"] == resumed["steps"] == 14  # 2 epochs of 7 full batches of the training paintings
    for name in ("model.safetensors", "discriminator/model.safetensors"):
        expected, actual = load_file(tmp_path / "straight" / name), load_file(tmp_path / "cut" / name)
        assert expected.keys() == actual.keys()
        assert all(torch.equal(expected[key], actual[key]) for key in expected), name

    folder = tmp_path / "straight"
    history = json.loads((folder / "log_history.json").read_text())
    assert without_timings(history) == without_timings(json.loads((tmp_path / "cut" / "log_history.json").read_text()))
    assert {"train_generator_loss", "train_discriminator_loss", "validation_loss"} <= history[-1].keys()
    checkpoint = next((folder / "checkpoints").iterdir())
    for name in ("optimizer-generator", "optimizer-discriminator", "scheduler-generator", "scheduler-discriminator"):
        assert (checkpoint / f"{name}.json").is_file(), name
    assert sorted(p.name for p in (folder / "samples").iterdir()) == [f"step-{s:08d}.png" for s in (4, 8, 12)]
    for name in (
        "samples.png",
        "loss_curve.png",
        "README.md",
        "preprocessor_config.json",
        "discriminator/config.json",
    ):
        assert (folder / name).is_file(), name
    card = (folder / "README.md").read_text()
    assert "pipeline_tag: unconditional-image-generation" in card and "conditional-image-generation" in card


@pytest.fixture(scope="module")
def tiny_gan_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-gan")
    torch.manual_seed(0)
    generator = ArtGANGenerator(ArtGANConfig(**TINY))
    generator.refresh_batch_norm_statistics(num_batches=2)
    generator.save_pretrained(folder)
    return folder


def test_generate_writes_the_paintings_and_a_grid_and_a_seed_repeats_them(tiny_gan_folder, tmp_path, capsys):
    def paint(seed: int, name: str) -> list[np.ndarray]:
        argv = ["--model", str(tiny_gan_folder), "--emotion", "something else", "--num_images", "5"]
        assert cli(["generate", *argv, "--seed", str(seed), "--output_dir", str(tmp_path / name)]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert summary["grid"] == str(tmp_path / name / "grid.png") and Image.open(summary["grid"]).size[0] > 16
        assert [path.split("/")[-1] for path in summary["images"]] == [f"something-else-{i:03d}.png" for i in range(5)]
        return [np.asarray(Image.open(path)) for path in summary["images"]]

    first, again, other = paint(3, "first"), paint(3, "again"), paint(4, "other")
    assert all(picture.shape == (16, 16, 3) for picture in first)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], other[0])
    assert not np.array_equal(first[0], first[1])  # each painting its own noise


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--emotion", "joy"], "--emotion 'joy' is not one of the 9 emotions: amusement, awe"),
        (["--emotion", "awe", "--num_images", "0"], "--num_images must be at least 1, got 0"),
        (["--emotion", "awe", "--num_images", "-2"], "--num_images must be at least 1, got -2"),
    ],
)
def test_generate_refuses_bad_arguments_and_writes_nothing(tiny_gan_folder, tmp_path, capsys, arguments, message):
    argv = ["generate", "--model", str(tiny_gan_folder), "--output_dir", str(tmp_path / "out"), *arguments]
    assert cli(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_generate_refuses_a_folder_of_another_family(tmp_path, capsys):
    folder = tmp_path / "speaker"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "artemis-speaker-sat"}))
    (folder / "model.safetensors").write_bytes(b"")
    assert cli(["generate", "--model", str(folder), "--emotion", "awe"]) == 2
    assert (
        f"--model {folder} holds a 'artemis-speaker-sat' model (the speaker-sat family), not an art GAN"
        in capsys.readouterr().err
    )
    assert cli(["generate", "--model", str(tmp_path / "nowhere"), "--emotion", "awe"]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_the_trained_gan_paints_each_emotion_as_the_judge_sees_it(trained_gan):
    """The session's GAN against an image classifier trained apart on real paintings only."""
    judged = trained_gan.summary["judged"]
    print(json.dumps(judged, indent=1))
    assert judged["frechet_num_images"] >= 500  # generated and real paintings alike
    assert judged["frechet_distance"] < judged["frechet_distance_untrained"] / 2
    # Chance: 1/9; the right palette alone: about 1/3 (the bar: half). The judge gets 59% of real test paintings.
    assert judged["emotion_accuracy"] >= 0.5
    records = json.loads((trained_gan.model_dir / "eval_results.json").read_text())
    figures = {record["metric_type"]: record["metric_value"] for record in records}
    assert figures["emotion_accuracy"] == judged["emotion_accuracy"] and len(figures) == 9 + 4
    assert all(record["task_type"] == "unconditional-image-generation" for record in records)
    card = (trained_gan.model_dir / "README.md").read_text()
    assert "frechet distance untrained" in card and "not FID" in card and "![Samples, a row per emotion]" in card
