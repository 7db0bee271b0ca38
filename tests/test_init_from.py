"""`--init_from`: a run starts from a saved or pushed checkpoint exactly where it ended (its validation loss before any
step is the checkpoint's best), with its tokenizer and processor; a vocabulary or a model setting that contradicts
the checkpoint is an error that says so, or the checkpoint's vocabulary is kept with the unknown words counted."""

import dataclasses
import json
import shutil

import pandas as pd
import pytest
from speaker_fixtures import one_thread, tiny_training_arguments
from test_image_emotion import TINY_BACKBONE, release_arguments, tiny_run_arguments

from artemis_hf.data.builder import build_artemis
from artemis_hf.data.options import PreprocessOptions
from artemis_hf.data.sources import PAINTINGS_FILENAME, RELEASE_FILENAME, ReleaseArguments
from artemis_hf.training.arguments import (
    ImageEmotionArguments,
    SpeakerArguments,
    TextEmotionArguments,
    TrainingArguments,
)
from artemis_hf.training.checkpoints import ARGS_FILENAME, HISTORY_FILENAME

pytestmark = pytest.mark.usefixtures("single_thread")

NEW_WORD = "harpsichord"  # in every English word list (no spelling fix), never in the synthetic utterances


def best_validation_loss(model_dir) -> float:
    return min(record["validation_loss"] for record in json.loads((model_dir / HISTORY_FILENAME).read_text()))


def init_record(output_dir) -> dict:
    return json.loads((output_dir / ARGS_FILENAME).read_text())["init_from"]


def text_training_arguments(output_dir, **overrides) -> TrainingArguments:
    """As the `text_classifier` fixture trained, for one step."""
    settings = dict(num_epochs=1, max_steps=1, per_device_batch_size=32, learning_rate=5e-3, lr_scheduler="constant")
    return TrainingArguments(output_dir=str(output_dir), cpu=True, **{**settings, **overrides})


def test_a_text_classifier_continues_a_pushed_checkpoint_from_its_best_validation_loss(
    hub, text_classifier, speaker_release, tmp_path
):
    from artemis_hf.training.text_emotion import training_function

    repo_id = hub.repo_id("text-emotion")
    hub.api.create_repo(repo_id)
    hub.api.upload_folder(folder_path=text_classifier, repo_id=repo_id, ignore_patterns=["checkpoints/*"])
    sha = hub.api.model_info(repo_id).sha
    with one_thread():
        training_function(
            speaker_release,
            PreprocessOptions(),
            TextEmotionArguments(init_from=repo_id),
            text_training_arguments(tmp_path),
        )
    record = init_record(tmp_path)
    assert record["validation_loss_before_training"] == best_validation_loss(text_classifier)
    assert (record["name_or_path"], record["revision"], record["kept_vocabulary"]) == (repo_id, sha, False)
    # The checkpoint's settings and tokenizer, not the defaults (hidden_size 128) nor a vocabulary built anew.
    settings = json.loads((tmp_path / ARGS_FILENAME).read_text())["arguments"]["TextEmotionArguments"]
    assert (settings["hidden_size"], settings["embedding_dim"]) == (32, 32)
    assert (
        json.loads((tmp_path / "tokenizer.json").read_text())["model"]["vocab"]
        == json.loads((text_classifier / "tokenizer.json").read_text())["model"]["vocab"]
    )


@pytest.fixture(scope="module")
def release_with_a_new_word(speaker_release, tmp_path_factory) -> ReleaseArguments:
    """The speaker release with NEW_WORD added to 60 utterances: its vocabulary has one word more."""
    folder = tmp_path_factory.mktemp("new-word")
    frame = pd.read_csv(speaker_release.csv)
    frame.loc[:59, "utterance"] = frame.loc[:59, "utterance"] + f" {NEW_WORD}"
    frame.to_csv(folder / RELEASE_FILENAME, index=False)
    shutil.copy(speaker_release.csv.replace(RELEASE_FILENAME, PAINTINGS_FILENAME), folder / PAINTINGS_FILENAME)
    return ReleaseArguments(csv=str(folder / RELEASE_FILENAME), cache_dir=speaker_release.cache_dir)


def test_a_different_vocabulary_is_an_error_that_names_the_option(text_classifier, release_with_a_new_word, tmp_path):
    from artemis_hf.training.text_emotion import training_function

    arguments = TextEmotionArguments(init_from=str(text_classifier))
    with pytest.raises(ValueError) as refused:
        training_function(release_with_a_new_word, PreprocessOptions(), arguments, text_training_arguments(tmp_path))
    message = str(refused.value)
    assert "1 of the data's words are not in the checkpoint's (e.g. harpsichord)" in message
    assert "--keep_init_vocabulary" in message and str(text_classifier) in message
    assert not any(tmp_path.iterdir())  # refused before anything was written


def test_keep_init_vocabulary_maps_new_words_to_unk_and_counts_them(
    text_classifier, release_with_a_new_word, tmp_path
):
    from artemis_hf.training.text_emotion import training_function

    arguments = TextEmotionArguments(init_from=str(text_classifier), keep_init_vocabulary=True)
    with one_thread():
        training_function(release_with_a_new_word, PreprocessOptions(), arguments, text_training_arguments(tmp_path))
    build = build_artemis(release_with_a_new_word.csv, None, "deep-nets", cache_dir=release_with_a_new_word.cache_dir)
    vocabulary = json.loads((text_classifier / "tokenizer.json").read_text())["model"]["vocab"]
    words = [
        word
        for split in ("train", "validation", "test")
        for utterance in build.dataset[split]["utterance_spelled"]
        for word in utterance.split()
    ]
    unknown = [word for word in words if word not in vocabulary]
    record = init_record(tmp_path)
    assert record["kept_vocabulary"] and unknown.count(NEW_WORD) > 0
    assert (record["unknown_words"], record["unknown_occurrences"]) == (len(set(unknown)), len(unknown))
    assert record["unknown_examples"][0] == NEW_WORD  # the most frequent first
    assert json.loads((tmp_path / "tokenizer.json").read_text())["model"]["vocab"] == vocabulary


def test_model_settings_that_contradict_the_checkpoint_are_errors_naming_the_argument(
    text_classifier, trained_speakers, speaker_release, tmp_path
):
    from artemis_hf.training.speaker import training_function as train_speaker
    from artemis_hf.training.text_emotion import training_function as train_text

    with pytest.raises(ValueError, match=r"--hidden_size 64 \(the checkpoint's: 32\)"):
        train_text(
            speaker_release,
            PreprocessOptions(),
            TextEmotionArguments(init_from=str(text_classifier), hidden_size=64),
            text_training_arguments(tmp_path / "text"),
        )
    with pytest.raises(ValueError, match=r"--decoder_dim 256 \(the checkpoint's: 128\)"):
        train_speaker(
            speaker_release,
            SpeakerArguments(init_from=str(trained_speakers.sat), decoder_dim=256),
            tiny_training_arguments(tmp_path / "speaker"),
        )
    with pytest.raises(ValueError, match="holds a 'artemis-text-emotion-lstm' model; `train speaker` continues"):
        train_speaker(
            speaker_release, SpeakerArguments(init_from=str(text_classifier)), tiny_training_arguments(tmp_path / "s")
        )
    with pytest.raises(ValueError, match="--arch sat"):
        SpeakerArguments(arch="nn", init_from=str(trained_speakers.sat))
    assert not (tmp_path / "text").exists() and not (tmp_path / "speaker").exists()


def test_a_speaker_continues_a_saved_checkpoint_from_its_best_validation_loss(
    trained_speakers, speaker_release, tmp_path
):
    from artemis_hf.training.speaker import training_function

    arguments = SpeakerArguments(init_from=str(trained_speakers.sat), cache_features=True, eval_max_paintings=0)
    with one_thread():
        result = training_function(
            speaker_release, arguments, dataclasses.replace(tiny_training_arguments(tmp_path), max_steps=1)
        )
    assert result.initial_validation_loss == best_validation_loss(trained_speakers.sat)
    settings = json.loads((tmp_path / ARGS_FILENAME).read_text())["arguments"]["SpeakerArguments"]
    assert (settings["emotion_grounding"], settings["decoder_dim"], settings["image_size"]) == (True, 128, 64)
    assert init_record(tmp_path)["revision"] is None  # a folder has no commit
    for name in ("tokenizer.json", "preprocessor_config.json"):
        assert (tmp_path / name).read_text() == (trained_speakers.sat / name).read_text(), name


@pytest.fixture(scope="module")
def tiny_image_classifier(synthetic_release, tmp_path_factory):
    from artemis_hf.training.image_emotion import training_function

    output_dir = tmp_path_factory.mktemp("image-emotion")
    arguments = ImageEmotionArguments(
        backbone=TINY_BACKBONE["backbone"], backbone_kwargs=json.dumps(TINY_BACKBONE["backbone_kwargs"]),
        image_size=32, head_hidden_sizes=[16],
    )  # fmt: skip
    with one_thread():
        training_function(release_arguments(synthetic_release), arguments, tiny_run_arguments(output_dir, max_steps=3))
    return output_dir


def test_an_image_classifier_continues_a_saved_checkpoint_with_its_processor(
    tiny_image_classifier, synthetic_release, tmp_path
):
    from artemis_hf.training.image_emotion import training_function

    release = release_arguments(synthetic_release)
    with pytest.raises(ValueError, match=r"--label_scheme 'polarity' \(the checkpoint's: 'emotion'\)"):
        training_function(
            release,
            ImageEmotionArguments(init_from=str(tiny_image_classifier), label_scheme="polarity"),
            tiny_run_arguments(tmp_path, max_steps=1),
        )
    # Nothing but where to start: backbone, its options and the 32 px input come from the checkpoint.
    with one_thread():
        training_function(
            release,
            ImageEmotionArguments(init_from=str(tiny_image_classifier)),
            tiny_run_arguments(tmp_path, max_steps=1),
        )
    assert init_record(tmp_path)["validation_loss_before_training"] == best_validation_loss(tiny_image_classifier)
    settings = json.loads((tmp_path / ARGS_FILENAME).read_text())["arguments"]["ImageEmotionArguments"]
    assert (settings["backbone"], settings["image_size"], settings["head_hidden_sizes"]) == ("resnet10t", 32, [16])
    assert json.loads((tmp_path / "preprocessor_config.json").read_text())["size"] == {"height": 32, "width": 32}
