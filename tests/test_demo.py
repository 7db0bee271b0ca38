"""The Gradio app (`artemis-hf demo`, the Space): its settings, its functions in-process, the running app over HTTP
(`gradio_client`), and a real headless Chromium driving the page. Models: the quickstart's (the session fixture),
with a tiny random image classifier where the quickstart has made none, and a tiny random art GAN."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from hub_fixtures import _free_port
from PIL import Image
from test_image_emotion import bomb_png, tiny_model, unusual_images
from transformers import AutoImageProcessor, pipeline

import artemis_hf.demo as demo
from artemis_hf.data.sources import synthetic_default_release
from artemis_hf.demo_arguments import ENVIRONMENT, HUB_DEFAULTS, DemoArguments
from artemis_hf.emotions import EMOTIONS
from artemis_hf.evaluation.art_gan import classify
from artemis_hf.generation import paint
from artemis_hf.models.art_gan import ArtGANConfig, ArtGANGenerator, to_pil_images
from artemis_hf.models.image_emotion import ImageEmotionImageProcessor, explain_image
from artemis_hf.pipelines.captioning import load_rgb

pytestmark = pytest.mark.usefixtures("single_thread")

SPACES_DIR = Path(__file__).resolve().parents[1] / "spaces"
CHROMIUM = "/usr/bin/chromium"


# --- Set-up shared by the module: models, the app, the server ------------------------------------------------------


@pytest.fixture(scope="module")
def image_classifier(quickstart_outputs, tmp_path_factory) -> Path:
    """The quickstart's image-emotion classifier, or a tiny random one (32 px) where the quickstart has none."""
    folder = quickstart_outputs.output_dir / "image-emotion"
    if folder.is_dir():
        return folder
    folder = tmp_path_factory.mktemp("image-emotion")
    tiny_model().save_pretrained(folder)
    ImageEmotionImageProcessor.from_timm("resnet10t", size=32).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def gan(tmp_path_factory) -> Path:
    """A tiny random art GAN (16 px): the Generate tab paints and judges whatever a GAN draws."""
    folder = tmp_path_factory.mktemp("art-gan")
    torch.manual_seed(0)
    generator = ArtGANGenerator(ArtGANConfig(image_size=16, noise_dim=8))  # its default widths fit any image size
    generator.refresh_batch_norm_statistics(num_batches=2)
    generator.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def settings(quickstart_outputs, image_classifier, gan, tmp_path_factory):
    models = quickstart_outputs.output_dir
    return DemoArguments(
        speaker=[str(models / name) for name in ("speaker-sat", "speaker-m2", "speaker-nn")],
        image_classifier=str(image_classifier),
        text_classifier=str(models / "text-emotion"),
        gan=str(gan),
        votes_db=str(tmp_path_factory.mktemp("votes") / "votes.sqlite3"),
    ).resolve()


@pytest.fixture(scope="module")
def app(settings, tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:  # gradio's cache (uploads, overlays) inside the test's folders
        patch.setenv("GRADIO_TEMP_DIR", str(tmp_path_factory.mktemp("gradio")))
        yield demo.build_app(settings)


@pytest.fixture(scope="module")
def server(app) -> str:
    """The app served on 127.0.0.1 for the module's tests: its URL."""
    port = _free_port()
    demo.launch(
        app, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, max_file_size="20mb", quiet=True
    )
    yield f"http://127.0.0.1:{port}/"
    app.close()


@pytest.fixture(scope="module")
def captioner(settings, image_classifier):
    """The reference: the grounded speaker's own pipeline with the classifier, as a user would call it."""
    return pipeline("artemis-captioning", model=settings.speakers[0], emotion_classifier=str(image_classifier))


@pytest.fixture(scope="module")
def paintings() -> list[str]:
    """Synthetic paintings (the embedded release, which the quickstart made in this session's cache)."""
    images_dir = Path(synthetic_default_release()[1])
    return sorted(str(path) for path in images_dir.glob("*/*.jpg"))[:6]


def client(url: str):
    from gradio_client import Client

    return Client(url, analytics_enabled=False, verbose=False)


def label_scores(value: dict) -> dict[str, float]:
    """{emotion: confidence} of a gr.Label value as gradio sends it."""
    return {item["label"]: item["confidence"] for item in value["confidences"]}


# --- Settings -------------------------------------------------------------------------------------------------------


def test_settings_from_flags_environment_quickstart_or_hub(tmp_path, monkeypatch):
    for variable in ("ARTEMIS_SPEAKERS", "ARTEMIS_IMAGE_CLASSIFIER", "ARTEMIS_TEXT_CLASSIFIER", "ARTEMIS_DATASET"):
        monkeypatch.delenv(variable, raising=False)
    hub = DemoArguments(quickstart_dir=str(tmp_path / "nothing-here")).resolve()
    assert hub.speakers == HUB_DEFAULTS["speakers"] and hub.text_classifier == HUB_DEFAULTS["text_classifier"]
    assert hub.chosen_image_classifier(None) == HUB_DEFAULTS["image_classifier"]
    assert hub.chosen_image_classifier("org/named-by-speaker") == "org/named-by-speaker"

    for name in ("speaker-sat", "speaker-nn", "text-emotion"):  # a quickstart run before M2 and image-emotion existed
        (tmp_path / name).mkdir()
    local = DemoArguments(quickstart_dir=str(tmp_path)).resolve()
    assert local.speakers == (str(tmp_path / "speaker-sat"), str(tmp_path / "speaker-nn"))
    assert local.text_classifier == str(tmp_path / "text-emotion") and local.chosen_image_classifier(None) is None
    (tmp_path / "image-emotion").mkdir()
    assert DemoArguments(quickstart_dir=str(tmp_path)).resolve().chosen_image_classifier(None) == str(
        tmp_path / "image-emotion"
    )

    monkeypatch.setenv("ARTEMIS_SPEAKERS", "org/a, org/b")
    monkeypatch.setenv("ARTEMIS_IMAGE_CLASSIFIER", "none")
    from_environment = DemoArguments(quickstart_dir=str(tmp_path)).resolve()
    assert from_environment.speakers == ("org/a", "org/b")
    assert from_environment.chosen_image_classifier("org/named-by-speaker") is None
    flags = DemoArguments(speaker=["org/c"], image_classifier="org/d", quickstart_dir=str(tmp_path)).resolve()
    assert flags.speakers == ("org/c",) and flags.chosen_image_classifier(None) == "org/d"

    with pytest.raises(FileNotFoundError, match="--dataset .*missing.csv: no such file"):
        DemoArguments(dataset=str(tmp_path / "missing.csv")).resolve()
    with pytest.raises(ValueError, match="--speaker names a model twice"):
        DemoArguments(speaker=["org/a", "org/a"]).resolve()
    with pytest.raises(ValueError, match="--num_beams must be a positive integer, got 0"):
        DemoArguments(num_beams=0)


def test_gan_setting_from_flag_environment_or_quickstart(tmp_path, monkeypatch):
    monkeypatch.delenv("ARTEMIS_GAN", raising=False)
    assert DemoArguments(quickstart_dir=str(tmp_path)).resolve().gan is None  # the Hub has no GAN to default to
    (tmp_path / "art-gan").mkdir()  # found without the quickstart's speakers: the GAN has no Hub default to prefer
    assert DemoArguments(quickstart_dir=str(tmp_path)).resolve().gan == str(tmp_path / "art-gan")
    (tmp_path / "speaker-sat").mkdir()
    assert DemoArguments(quickstart_dir=str(tmp_path)).resolve().gan == str(tmp_path / "art-gan")
    monkeypatch.setenv("ARTEMIS_GAN", "None")
    assert DemoArguments(quickstart_dir=str(tmp_path)).resolve().gan is None
    monkeypatch.setenv("ARTEMIS_GAN", "org/gan")
    assert DemoArguments(quickstart_dir=str(tmp_path)).resolve().gan == "org/gan"
    assert DemoArguments(gan="none", quickstart_dir=str(tmp_path)).resolve().gan is None


def test_demo_help_is_instant(capsys):
    from artemis_hf.cli import main

    with pytest.raises(SystemExit):  # argparse's --help
        main(["demo", "--help"])
    help_text = capsys.readouterr().out
    assert "--image_classifier" in help_text and "--gan" in help_text
    # The CLI imports only the arguments' module for --help: it must not bring gradio, torch or transformers.
    probe = (
        "import sys, artemis_hf.demo_arguments; print(sorted({'gradio', 'torch', 'transformers'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.split() == ["[]"], result.stderr


def test_space_files():
    readme = (SPACES_DIR / "README.md").read_text(encoding="utf-8")
    header = yaml.safe_load(readme.split("---")[1])
    import gradio

    assert header["sdk"] == "gradio" and header["sdk_version"] == gradio.__version__
    assert (SPACES_DIR / header["app_file"]).is_file() and header["license"] == "mit"
    for key in ("title", "emoji", "python_version", "models", "datasets", "tags", "short_description"):
        assert header[key], key
    assert len(header["short_description"]) <= 60 and set(header["models"]) >= set(HUB_DEFAULTS["speakers"])
    requirements = (SPACES_DIR / "requirements.txt").read_text()
    assert "artemis-hf[demo]" in requirements
    app_source = (SPACES_DIR / "app.py").read_text()
    compile(app_source, "app.py", "exec")
    # The Space's settings are its variables: the README and app.py name each, and the README each tab.
    assert all(variable in readme and variable in app_source for variable in ENVIRONMENT.values())
    assert all(f"**{tab}**" in readme for tab in ("Explain", "Turing test", "Generate"))


# --- In-process: reading files, explaining, Grad-CAM, the Turing test ----------------------------------------------


def write_bad_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """{kind: (file, the message it must get)} for files the app must refuse."""
    files = {
        "not an image": ("notes.jpg", b"these are not pixels", "notes.jpg is not an image"),
        "empty": ("empty.png", b"", r"empty.png is empty \(0 bytes\)"),
        "decompression bomb": ("bomb.png", bomb_png(20_000, 20_000), "bomb.png is too large: over"),
        "over the size limit": ("big.png", bomb_png(10_000, 10_000), r"big.png is too large: .*\(10000x10000\)"),
    }
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(folder / "cut.jpg")
    truncated = (folder / "cut.jpg").read_bytes()[:3000]
    files["truncated"] = ("truncated.jpg", truncated, "truncated.jpg could not be decoded")
    for name, data, _ in files.values():
        (folder / name).write_bytes(data)
    return {kind: (folder / name, message) for kind, (name, _, message) in files.items()}


def write_unusual_images(folder: Path) -> dict[str, Path]:
    """1x1, greyscale, CMYK, 16-bit... and an animated GIF, each saved in a format that keeps its mode."""
    paths = {}
    for kind, image in unusual_images().items():
        paths[kind] = folder / f"{kind}{'.jpg' if image.mode == 'CMYK' else '.tif' if image.mode == 'I' else '.png'}"
        image.save(paths[kind])
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "blue", "green")]
    paths["animated gif"] = folder / "animated.gif"
    frames[0].save(paths["animated gif"], save_all=True, append_images=frames[1:], duration=100, loop=0)
    return paths


def test_read_painting_refuses_bad_files_with_a_message(tmp_path):
    for path, message in write_bad_files(tmp_path).values():
        with pytest.raises(demo.PaintingError, match=message):
            demo.read_painting(str(path))
        with pytest.raises(demo.gr.Error, match=message):  # the message the page shows
            demo.check_painting({"path": str(path), "orig_name": path.name})


def test_read_painting_reads_unusual_images_as_the_pipeline_does(tmp_path):
    for kind, path in write_unusual_images(tmp_path).items():
        image = demo.read_painting(str(path))
        assert image.mode == "RGB" and np.array_equal(np.asarray(image), np.asarray(load_rgb(str(path)))), kind
    first_frame = demo.read_painting(str(tmp_path / "animated.gif"))
    assert first_frame.getpixel((0, 0)) == (255, 0, 0)  # the first frame, red


def test_explain_equals_the_captioning_pipeline(app, settings, captioner, paintings):
    """What the app shows for a painting is what `pipeline("artemis-captioning")` says, batched or not."""
    name = next(iter(app.explainer.models.speakers))
    assert demo.load_models(settings) is app.explainer.models  # loaded once per process
    scores, captions, readings, explanations = app.explainer.explain(paintings[:4], [name] * 4, ["auto"] * 4)
    for row, path in enumerate(paintings[:4]):
        [expected] = captioner(path, emotion="auto", num_beams=5, return_attention=True)
        assert captions[row] == expected["generated_text"] and explanations[row]["emotion"] == expected["emotion"]
        assert scores[row] == pytest.approx(expected["scores"], abs=1e-5)
        assert explanations[row]["words"] == expected["generated_text"].split()
        np.testing.assert_allclose(explanations[row]["attention"], expected["attention"], atol=1e-4)
        assert readings[row].startswith("The text classifier reads it as **")
    # Another emotion: the same distribution, and the caption the pipeline writes for that emotion.
    scores_sad, [caption], _, [explanation] = app.explainer.explain(paintings[:1], [name], ["sadness"])
    [expected] = captioner(paintings[0], emotion="sadness", num_beams=5)
    assert caption == expected["generated_text"] and explanation["emotion"] == "sadness"
    assert scores_sad[0] == pytest.approx(scores[0], abs=1e-5)


def test_one_batch_mixes_speakers_emotions_bad_files_and_empty_inputs(app, paintings, tmp_path):
    sat, m2, nn = app.explainer.models.speakers
    bad, _ = write_bad_files(tmp_path)["not an image"]
    rows = [(paintings[0], sat, "auto"), (paintings[1], nn, "awe"), (str(bad), sat, "auto"), (None, sat, "auto"),
            (paintings[2], sat, "joy"), (paintings[3], "org/unknown", "auto"), (paintings[0], m2, "auto")]  # fmt: skip
    scores, captions, _, explanations = app.explainer.explain(*map(list, zip(*rows)))
    for row in (0, 6):  # the generating speakers, Show-Attend-Tell and M2
        assert captions[row] and explanations[row]["attention"] and set(scores[row]) == set(EMOTIONS)
    assert len(explanations[6]["attention"]) == len(captions[6].split())  # one map per word
    # The nearest-neighbour speaker retrieves a training utterance for the emotion: no attention.
    assert captions[1] and explanations[1]["attention"] is None and explanations[1]["emotion"] == "awe"
    assert "notes.jpg is not an image" in explanations[2]["error"] and not captions[2]
    assert (scores[3], captions[3], explanations[3]) == (None, "", None)  # no painting: outputs cleared
    assert (
        "emotion must be one of" in explanations[4]["error"] and "speaker must be one of" in explanations[5]["error"]
    )


def test_word_slider_overlays(app, paintings):
    name = next(iter(app.explainer.models.speakers))
    _, _, _, [explanation] = app.explainer.explain(paintings[:1], [name], ["auto"])
    slider, first, words, image, grad_cam = demo.show_explanation(paintings[0], explanation)
    assert slider["visible"] and slider["maximum"] == len(explanation["words"]) > 1
    assert first.size == (demo.DISPLAY_SIZE, demo.DISPLAY_SIZE) and "<mark>" in words and grad_cam is None
    second, words_second = demo.show_word(image, explanation, 2)
    assert f"<mark>{explanation['words'][1]}</mark>" in words_second
    assert not np.array_equal(np.asarray(first), np.asarray(second))  # the speaker looked elsewhere
    with pytest.raises(demo.gr.Error, match="is empty"):
        demo.show_explanation(paintings[0], {"error": "x.png is empty"})


def test_grad_cam_of_the_chosen_emotion(app, paintings, image_classifier):
    [overlays] = app.explainer.grad_cams(paintings[:2] + [None], ["sadness", "auto", "auto"])
    assert overlays[2] is None and all(overlay.size == (demo.DISPLAY_SIZE,) * 2 for overlay in overlays[:2])
    model = app.explainer.models.classifier.model
    image = demo.display_copy(demo.read_painting(paintings[0]))
    _, expected = explain_image(model, AutoImageProcessor.from_pretrained(image_classifier), image, "sadness")
    assert np.abs(np.asarray(overlays[0], dtype=int) - np.asarray(expected, dtype=int)).max() <= 1


def test_turing_round_votes_once_and_scores(app):
    turing = app.turing
    image, prompt, text_a, text_b, result, round_, score_line = turing.deal(None)
    emotion = prompt.split("**")[1]
    human = text_a if round_["human"] == "A" else text_b
    assert emotion in EMOTIONS and human in turing.utterances.texts and image.size[0] == demo.DISPLAY_SIZE
    fooled_before, votes_before = turing.votes.tally()
    guess = "B" if round_["human"] == "A" else "A"  # fooled
    result, round_, score, score_line, tally = turing.vote(guess, round_, None)
    assert result.startswith("Fooled!") and score == {"right": 0, "played": 1} and score_line == "Your score: 0 of 1"
    assert tally == f"People fooled: {fooled_before + 1} of {votes_before + 1}"
    with pytest.raises(demo.gr.Error, match="voted on this painting already"):
        turing.vote(guess, round_, score)
    assert not turing.votes.record(round_["id"], "any", True)  # a round counts once, whoever sends it again
    with pytest.raises(demo.gr.Error, match="New painting"):
        turing.vote("A", None, score)


def test_vote_store_counts_every_concurrent_vote_once(tmp_path):
    stores = [demo.VoteStore(tmp_path / "votes.sqlite3") for _ in range(8)]  # one per visitor, one file

    def vote(worker: int) -> int:
        counted = sum(stores[worker].record(f"{worker}-{n}", "speaker", n % 3 == 0) for n in range(60))
        return counted + sum(stores[worker].record(f"shared-{n}", "speaker", True) for n in range(20))

    with ThreadPoolExecutor(8) as pool:
        counted = sum(pool.map(vote, range(8)))
    assert counted == 8 * 60 + 20 and stores[0].tally() == (8 * 20 + 20, 8 * 60 + 20)


def app_tabs(app) -> dict[str, list[str]]:
    """{tab id: elem_ids of the components inside it} from the app's config, as the page receives it."""
    components = {c["id"]: c for c in app.config["components"]}

    def elem_ids(node: dict) -> list[str]:
        found = [components[node["id"]]["props"].get("elem_id")]
        return found + [elem_id for child in node.get("children", []) for elem_id in elem_ids(child)]

    def tabs(node: dict) -> dict[str, list[str]]:
        props = components.get(node["id"], {}).get("props", {})
        if components.get(node["id"], {}).get("type") == "tabitem":
            return {props["id"]: [e for e in elem_ids(node) if e]}
        return {key: value for child in node.get("children", []) for key, value in tabs(child).items()}

    return tabs(app.config["layout"])


def test_generate_tab_paints_and_judges(app):
    """The tab's inputs; the gallery: the GAN's paintings of the emotion, enlarged, each captioned with the verdict
    of the GAN's evaluation (`classify`); the same seed paints the same, and no seed draws one that repaints them."""
    ids = ["emotion", "number", "seed", "button", "gallery", "summary"]
    assert {f"generate-{name}" for name in ids} <= set(app_tabs(app)["generate"])
    props = {c["props"].get("elem_id"): c["props"] for c in app.config["components"]}
    assert [value for _, value in props["generate-emotion"]["choices"]] == list(EMOTIONS)
    number = props["generate-number"]
    assert (number["minimum"], number["maximum"], number["value"]) == (1, 8, 4)
    gallery, summary = app.painter.generate("awe", 3, 7)
    pictures = to_pil_images(paint(app.painter.generator, "awe", 3, 7))
    probabilities, _ = classify(app.painter.classifier.model, app.painter.classifier.image_processor, pictures)
    labels = app.painter.classifier.model.config.id2label
    verdicts = [(labels[int(row.argmax())], row.max()) for row in probabilities]
    assert [caption for _, caption in gallery] == [f"classified: {e} ({p:.0%})" for e, p in verdicts]
    matches = sum(emotion == "awe" for emotion, _ in verdicts)
    assert summary.startswith(f"**{matches} of 3** classified as awe") and "Seed 7" in summary
    for (image, _), picture in zip(gallery, pictures):  # 16 px, eight times larger, each pixel a square
        assert image.size == (demo.GALLERY_SIZE,) * 2 and image.resize((16, 16), Image.Resampling.NEAREST) == picture
    again, _ = app.painter.generate("awe", 3, 7)
    assert all(a.tobytes() == b.tobytes() for (a, _), (b, _) in zip(gallery, again))
    fresh, summary = app.painter.generate("awe", 1, demo.NEW_SEED)
    seed = int(re.search(r"Seed (\d+)", summary)[1])
    assert fresh[0][0].tobytes() == app.painter.generate("awe", 1, seed)[0][0][0].tobytes()
    assert fresh[0][0].tobytes() != gallery[0][0].tobytes()  # another seed, other paintings


def test_generate_refuses_bad_inputs_and_works_without_a_classifier(app):
    bad = {
        ("joy", 4, 1): r"emotion must be one of \[.*'awe'.*\], got 'joy'",
        ("awe", 9, 1): "number of paintings must be a whole number from 1 to 8, got 9",
        ("awe", 0, 1): "number of paintings must be a whole number from 1 to 8, got 0",
        ("awe", 2.5, 1): "number of paintings must be a whole number from 1 to 8, got 2.5",
        ("awe", "four", 1): "number of paintings must be a whole number from 1 to 8, got 'four'",
        ("awe", 4, -2): r"seed \(-1 for new paintings\) must be a whole number from 0 to 4294967295, got -2",
        ("awe", 4, 0.5): r"seed \(-1 for new paintings\) must be a whole number from 0 to 4294967295, got 0.5",
    }
    for inputs, message in bad.items():
        with pytest.raises(demo.gr.Error, match=message):
            app.painter.generate(*inputs)
    gallery, summary = demo.Painter(app.painter.generator, None).generate("fear", 2, 0)
    assert [caption for _, caption in gallery] == ["not classified: this app has no image classifier"] * 2
    assert summary.startswith("No image classifier here to judge them.")


def test_app_without_a_gan_has_no_generate_tab(app, settings, gan, image_classifier, monkeypatch):
    assert settings.gan == str(gan)
    with pytest.raises(ValueError, match=f"--gan {re.escape(str(image_classifier))} .*not an art GAN"):
        demo.load_models(dataclasses.replace(settings, gan=str(image_classifier)))
    # The same models without the GAN (loading the others again would only cost time).
    monkeypatch.setattr(demo, "load_models", lambda _: dataclasses.replace(app.explainer.models, generator=None))
    plain = demo.build_app(dataclasses.replace(settings, gan=None))
    assert plain.painter is None and set(app_tabs(plain)) == {"explain", "turing"}
    assert "generate" not in {d["api_name"] for d in plain.config["dependencies"]}


# --- Over HTTP: gradio_client against the running app --------------------------------------------------------------


def test_http_explain_grad_cam_and_a_bad_file(server, app, paintings, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    api = client(server)
    name = next(iter(app.explainer.models.speakers))
    label, caption, reading, explanation = api.predict(handle_file(paintings[0]), name, "auto", api_name="/explain")
    scores, [expected], _, [in_process] = app.explainer.explain(paintings[:1], [name], ["auto"])
    assert caption == expected and label_scores(label) == pytest.approx(scores[0], abs=1e-6)
    assert explanation["words"] == in_process["words"] and reading
    overlay = api.predict(handle_file(paintings[0]), "auto", api_name="/grad_cam")
    assert Image.open(overlay).size == (demo.DISPLAY_SIZE, demo.DISPLAY_SIZE)
    bad, message = write_bad_files(tmp_path)["not an image"]
    with pytest.raises(AppError, match=message):
        api.predict(handle_file(str(bad)), api_name="/check_painting")
    *_, explanation = api.predict(handle_file(str(bad)), name, "auto", api_name="/explain")
    assert message in explanation["error"]


def test_http_concurrent_visitors_are_captioned_in_batches(server, app, paintings):
    from gradio_client import handle_file

    name = next(iter(app.explainer.models.speakers))
    expected = app.explainer.explain(paintings, [name] * len(paintings), ["auto"] * len(paintings))[1]
    before = app.explainer.batch_sizes.copy()
    visitors = [client(server) for _ in range(8)]
    jobs = [visitor.submit(handle_file(paintings[n % 6]), name, "auto", api_name="/explain") for n, visitor in
            enumerate(visitors * 2)]  # fmt: skip
    captions = [job.result(timeout=60)[1] for job in jobs]
    assert captions == [expected[n % 6] for n in range(16)]
    served = app.explainer.batch_sizes - before
    assert sum(size * calls for size, calls in served.items()) == 16 and max(served) > 1, served


def test_http_eight_visitors_voting_at_once_lose_no_vote(server, app):
    visitors = [client(server) for _ in range(8)]
    _, votes_before = app.turing.votes.tally()
    stop = time.monotonic() + 4

    def play(visitor) -> int:
        cast = 0
        while time.monotonic() < stop:
            visitor.predict(api_name="/deal")
            visitor.predict(api_name=f"/vote_{'ab'[cast % 2]}")
            cast += 1
        return cast

    with ThreadPoolExecutor(8) as pool:
        cast = sum(pool.map(play, visitors))
    _, votes = app.turing.votes.tally()
    assert cast >= 8 and votes - votes_before == cast


def test_http_generate_and_bad_inputs(server, app):
    from gradio_client.exceptions import AppError

    api = client(server)
    gallery, summary = api.predict("sadness", 2, 11, api_name="/generate")
    expected, expected_summary = app.painter.generate("sadness", 2, 11)
    assert summary == expected_summary and [item["caption"] for item in gallery] == [c for _, c in expected]
    for item, (image, _) in zip(gallery, expected):  # PNG: the pixels as painted
        assert np.array_equal(np.asarray(Image.open(item["image"]).convert("RGB")), np.asarray(image))
    gallery, summary = api.predict("awe", 1, None, api_name="/generate")  # no seed: a fresh one, named
    assert len(gallery) == 1 and re.search(r"Seed \d+", summary)
    with pytest.raises(AppError, match="emotion must be one of .*, got 'joy'"):
        api.predict("joy", 2, 11, api_name="/generate")
    with pytest.raises(AppError, match="number of paintings must be a whole number from 1 to 8, got 9"):
        api.predict("awe", 9, 11, api_name="/generate")


# --- A real browser -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's package) driven by Playwright; skipped where absent, except under CI=true."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not os.path.exists(CHROMIUM):
        missing = "playwright is not installed" if sync_playwright is None else f"{CHROMIUM} is missing"
        if os.environ.get("CI") == "true":
            pytest.fail(f"The browser test must run in CI: {missing} (apt-get install chromium)")
        pytest.skip(missing)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 1500})
    page.set_default_timeout(30_000)
    page.goto(server)
    page.wait_for_selector("#painting input[type=file]", state="attached")
    yield page
    page.close()


def shot(page, path: Path) -> Path:
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 10_000  # not a blank page
    return path


def page_emotions(page) -> dict[str, str]:
    """{emotion: "12%"} as the page's emotion bars show them."""
    names = page.locator("#emotions dt").all_inner_texts()
    return dict(zip(names, page.locator("#emotions dd").all_inner_texts()))


def test_browser_explain_slider_grad_cam_turing_generate_and_a_bad_file(page, app, captioner, paintings, tmp_path):
    page.locator("#painting input[type=file]").set_input_files(paintings[0])
    page.wait_for_function("document.querySelector('#caption textarea').value.length > 0")
    page.wait_for_selector("#word input[type=range]")
    [expected] = captioner(paintings[0], emotion="auto", num_beams=5)
    assert page.locator("#caption textarea").input_value() == expected["generated_text"]
    assert page.locator("#emotions h2").inner_text() == expected["emotion"]
    # gr.Label shows Math.round(100 * confidence) percent.
    assert page_emotions(page) == {name: f"{math.floor(100 * p + 0.5)}%" for name, p in expected["scores"].items()}
    shot(page, tmp_path / "explain.png")

    first = page.locator("#attention img").get_attribute("src")
    page.locator("#word input[type=range]").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"document.querySelector('#attention img').src != {json.dumps(first)}")
    assert page.locator("#words mark").inner_text() == expected["generated_text"].split()[1]
    page.locator("#grad-cam-button").click()
    page.wait_for_selector("#grad-cam img")
    shot(page, tmp_path / "explain-word-2-grad-cam.png")

    page.get_by_role("tab", name="Turing test").click()
    page.wait_for_function("document.querySelector('#turing-b textarea').value.length > 0")
    page.locator("#guess-a").click()
    page.wait_for_function("document.querySelector('#turing-score').innerText.includes(' of 1')")
    assert page.locator("#turing-result").inner_text().startswith(("Right", "Fooled"))
    assert page.locator("#turing-tally").inner_text().startswith("People fooled: ")
    shot(page, tmp_path / "turing-test.png")

    page.get_by_role("tab", name="Generate").click()
    page.locator("#generate-seed input").fill("7")
    page.locator("#generate-button").click()  # the defaults: awe, 4 paintings
    page.wait_for_function("document.querySelector('#generate-summary').innerText.includes('Seed 7')")
    painted, summary = app.painter.generate("awe", 4, 7)
    assert page.locator("#generate-gallery .caption-label").all_inner_texts() == [c for _, c in painted]
    assert page.locator("#generate-summary").inner_text() == summary.replace("**", "")
    shot(page, tmp_path / "generate.png")

    page.get_by_role("tab", name="Explain").click()
    bad_files = write_bad_files(tmp_path)
    for kind in ("not an image", "empty", "decompression bomb"):
        bad, message = bad_files[kind]
        page.locator("#painting input[type=file]").set_input_files(str(bad))
        page.wait_for_function(
            f"[...document.querySelectorAll('.toast-body')].some(t => t.innerText.includes({json.dumps(bad.name)}))"
        )
        assert re.search(message, page.locator(".toast-body").last.inner_text()), kind
        page.wait_for_function("document.querySelector('#caption textarea').value == ''")  # no stale caption
    shot(page, tmp_path / "bad-files.png")
    # The page, and the app, still explain the next painting (one captioned differently from the first).
    captions = {path: captioner(path, emotion="auto", num_beams=5)[0]["generated_text"] for path in paintings[1:]}
    path = next(path for path, text in captions.items() if text != expected["generated_text"])
    page.locator("#painting input[type=file]").set_input_files(path)
    page.wait_for_function(f"document.querySelector('#caption textarea').value == {json.dumps(captions[path])}")
    print(f"screenshots in {tmp_path}")
