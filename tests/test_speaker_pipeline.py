"""`pipeline("artemis-captioning")` over the trained tiny speakers: inputs, options, batching, an emotion classifier
combined with the speaker, the nearest-neighbour speaker, a saved folder, the local Hub, and remote code."""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
import torch
from PIL import Image
from transformers import AutoConfig, ResNetConfig, ResNetForImageClassification, pipeline

from artemis_hf.data.paintings import load_speaker_data, paintings_of
from artemis_hf.emotions import EMOTIONS
from artemis_hf.training.speaker import image_processor

pytest_plugins = ["speaker_fixtures"]
pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture(scope="module")
def paintings(speaker_release):
    return list(paintings_of(load_speaker_data(speaker_release).dataset["test"]).select(range(3))["image"])


@pytest.fixture(scope="module")
def sat(trained_speakers):
    return pipeline("artemis-captioning", model=str(trained_speakers.sat))


@pytest.fixture(scope="module")
def m2(trained_speakers):
    return pipeline("artemis-captioning", model=str(trained_speakers.m2))


@pytest.fixture(params=["sat", "m2"])
def generating(request):
    """Each generating speaker's pipeline, in turn."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def image_classifier(tmp_path_factory):
    """A tiny random transformers image classifier over the 9 emotions, saved with its image processor."""
    folder = tmp_path_factory.mktemp("image-classifier")
    torch.manual_seed(0)
    config = ResNetConfig(embedding_size=8, hidden_sizes=[8, 16], depths=[1, 1], id2label=dict(enumerate(EMOTIONS)))
    ResNetForImageClassification(config).save_pretrained(folder)
    image_processor(32).save_pretrained(folder)
    return folder


def test_inputs_paths_and_pil_images_alone_or_batched(sat, paintings, tmp_path):
    path = tmp_path / "painting.png"
    paintings[0].save(path)
    [from_path] = sat(str(path), emotion="fear")
    [from_image] = sat(paintings[0], emotion="fear")
    assert from_path == from_image and from_image.keys() == {"emotion", "generated_text"}
    assert from_image["emotion"] == "fear" and from_image["generated_text"]
    one_by_one = [sat(painting, emotion="sadness") for painting in paintings]
    assert sat(paintings, emotion="sadness", batch_size=2) == one_by_one


def test_generation_options(sat, paintings):
    words = set(sat.tokenizer.get_vocab()) - set(sat.tokenizer.all_special_tokens)

    def captions(results):
        """One image's texts, each checked to be a non-empty caption for awe in the speaker's own words."""
        texts = [result["generated_text"] for result in results]
        assert all(result["emotion"] == "awe" for result in results)
        assert all(text.split() and set(text.split()) <= words for text in texts), texts
        return texts

    # Beam search returns its 3 best beams out of 4: three different captions.
    several = captions(sat(paintings[0], emotion="awe", num_beams=4, num_return_sequences=3))
    assert len(several) == 3 and len(set(several)) == 3

    # max_new_tokens cuts a caption that is longer by default (an earlier <eos> may end it sooner, hence <=).
    [default] = captions(sat(paintings[0], emotion="awe"))
    [short] = captions(sat(paintings[0], emotion="awe", max_new_tokens=3))
    assert len(default.split()) > 3 and len(short.split()) <= 3

    # A temperature samples: 2 captions for each of the 3 paintings, reproducible from the seed, unlike greedy ones.
    def sample():
        torch.manual_seed(0)
        return sat(paintings, emotion="awe", temperature=2.0, num_beams=1, num_return_sequences=2, batch_size=3)

    sampled = sample()
    assert len(sampled) == len(paintings) and all(len(captions(results)) == 2 for results in sampled)
    assert sample() == sampled
    greedy = [captions(results) for results in sat(paintings, emotion="awe", num_beams=1, batch_size=3)]
    assert len(greedy) == len(paintings)
    assert any(set(captions(results)) - set(greedy_texts) for results, greedy_texts in zip(sampled, greedy))


def test_attention_maps_one_per_word(generating, paintings):
    options = dict(emotion="contentment", return_attention=True, num_return_sequences=2, num_beams=2, batch_size=2)
    results = generating(paintings[:2], **options)
    assert json.loads(json.dumps(results)) == results  # plain lists: JSON-ready
    as_tensors = generating(paintings[:2], return_tensors=True, **options)
    for result, with_tensor in zip(
        (result for per_image in results for result in per_image),
        (result for per_image in as_tensors for result in per_image),
    ):
        words = result["generated_text"].split()
        attention = with_tensor["attention"]
        assert attention.shape == (len(words), 8, 8)  # the 8 x 8 grid of the tiny speaker at 64 px
        assert torch.equal(torch.tensor(result["attention"]), attention)
        torch.testing.assert_close(attention.sum((1, 2)), torch.ones(len(words)))


def test_clear_errors(sat, paintings):
    with pytest.raises(ValueError, match="emotion must be one of .*'awe'.* or 'auto', got 'joy'"):
        sat(paintings[0], emotion="joy")
    with pytest.raises(ValueError, match="emotion-grounded: pass emotion="):
        sat(paintings[0])
    with pytest.raises(ValueError, match="emotion='auto' needs an image emotion classifier"):
        sat(paintings[0], emotion="auto")


def test_auto_emotion_combines_the_speaker_with_an_image_classifier(
    trained_speakers, image_classifier, paintings, tmp_path
):
    captioner = pipeline(
        "artemis-captioning", model=str(trained_speakers.sat), emotion_classifier=str(image_classifier)
    )
    classifier = pipeline("image-classification", model=str(image_classifier), top_k=None)
    for painting, [result] in zip(
        paintings, captioner(paintings, batch_size=3)
    ):  # "auto" is the default with a classifier
        assert result["scores"].keys() == set(EMOTIONS)
        assert sum(result["scores"].values()) == pytest.approx(1)
        top = classifier(painting)[0]
        assert result["emotion"] == top["label"] and result["scores"][top["label"]] == pytest.approx(top["score"])
        assert result["generated_text"] == captioner(painting, emotion=result["emotion"])[0]["generated_text"]

    # The speaker's config may name the classifier itself; the speaker still holds no classifier weights.
    named = tmp_path / "named"
    shutil.copytree(trained_speakers.sat, named)
    config = json.loads((named / "config.json").read_text())
    (named / "config.json").write_text(
        json.dumps({**config, "emotion_classifier_name_or_path": str(image_classifier)})
    )
    [result] = pipeline("artemis-captioning", model=str(named))(paintings[0])
    assert "scores" in result and result["emotion"] == classifier(paintings[0])[0]["label"]


def test_nearest_neighbour_speaker_through_the_same_pipeline(trained_speakers, speaker_release, paintings):
    train = load_speaker_data(speaker_release).dataset["train"]
    utterances = dict(zip(train["utterance_spelled"], train["emotion"]))
    captioner = pipeline("artemis-captioning", model=str(trained_speakers.nn))
    [plain] = captioner(paintings[0])
    assert plain["emotion"] is None and plain["generated_text"] in utterances
    for result in captioner(paintings[0], emotion="disgust", num_return_sequences=3):
        assert result["emotion"] == "disgust" and EMOTIONS[utterances[result["generated_text"]]] == "disgust"
    assert captioner(paintings, batch_size=2, emotion="awe") == [
        captioner(painting, emotion="awe") for painting in paintings
    ]


@pytest.mark.parametrize("arch", ["sat", "m2"])
def test_pipeline_from_the_hub(hub, trained_speakers, paintings, arch, request):
    repo_id = hub.repo_id(f"speaker-{arch}")
    hub.api.create_repo(repo_id)
    folder = getattr(trained_speakers, arch)
    hub.api.upload_folder(repo_id=repo_id, folder_path=str(folder), ignore_patterns=["checkpoints/*"])
    assert AutoConfig.from_pretrained(repo_id).model_type == f"artemis-speaker-{arch}"
    from_hub = pipeline("artemis-captioning", model=repo_id)
    local = request.getfixturevalue(arch)
    assert from_hub(paintings, emotion="anger", batch_size=3) == local(paintings, emotion="anger", batch_size=3)


def test_remote_code_in_a_process_that_never_imported_artemis_hf(trained_speakers, paintings, sat, m2, tmp_path):
    paintings[0].save(tmp_path / "painting.png")
    script = textwrap.dedent(
        """
        import json, sys

        class NoArtemis:  # artemis_hf is installed here: make sure nothing imports it
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "artemis_hf":
                    raise ImportError("artemis_hf must not be imported")
        sys.meta_path.insert(0, NoArtemis())

        from transformers import pipeline

        sat_dir, m2_dir, nn_dir, image = sys.argv[1:]
        sat = pipeline(model=sat_dir, trust_remote_code=True)
        m2 = pipeline(model=m2_dir, trust_remote_code=True)
        nn = pipeline(model=nn_dir, trust_remote_code=True)
        print(json.dumps({"sat": sat(image, emotion="awe"), "m2": m2(image, emotion="awe", return_attention=True),
                          "nn": nn(image), "modules": [m for m in sys.modules if m.split(".")[0] == "artemis_hf"]}))
        """
    )
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            str(trained_speakers.sat),
            str(trained_speakers.m2),
            str(trained_speakers.nn),
            str(tmp_path / "painting.png"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    remote = json.loads(result.stdout.strip().splitlines()[-1])
    assert remote["modules"] == []
    assert remote["sat"] == sat(Image.open(tmp_path / "painting.png"), emotion="awe")
    assert remote["m2"] == m2(Image.open(tmp_path / "painting.png"), emotion="awe", return_attention=True)
    assert remote["nn"] == pipeline("artemis-captioning", model=str(trained_speakers.nn))(
        Image.open(tmp_path / "painting.png")
    )
