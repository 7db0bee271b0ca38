"""Whose run a folder holds: a run is never written over without --overwrite_output_dir, --resume continues only a
checkpoint of the same run, and resuming never unpickles (checkpoints are safetensors and JSON)."""

import dataclasses
import hashlib
import json
import pickle
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from test_image_emotion import TINY_BACKBONE, release_arguments, tiny_run_arguments
from training_toy import ToyRegression, toy_arguments, without_timings
from transformers import AutoConfig

from artemis_hf.cli import main
from artemis_hf.training import train
from artemis_hf.training.arguments import ImageEmotionArguments
from artemis_hf.training.checkpoints import checkpoints, claim_output_dir, latest_checkpoint
from artemis_hf.training.image_emotion import training_function as train_image_emotion


def file_hashes(*folders: Path) -> dict[str, str]:
    """sha256 of every file under the folders: equal before and after means nothing was changed or lost."""
    return {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory) -> tuple[Path, list]:
    """The toy trained for 3 epochs without interruption: (output_dir, history)."""
    output_dir = tmp_path_factory.mktemp("straight")
    return output_dir, train(ToyRegression(), toy_arguments(output_dir)).history


def test_a_folder_that_holds_a_run_is_refused_without_overwrite(tmp_path):
    # The repro: a 4-epoch run, a copy of it, then a 2-epoch run into the copy.
    original, copy = tmp_path / "a", tmp_path / "b"
    train(ToyRegression(), toy_arguments(original, num_epochs=4))
    shutil.copytree(original, copy)
    before = file_hashes(original, copy)
    with pytest.raises(FileExistsError) as refused:
        train(ToyRegression(), toy_arguments(copy, num_epochs=2, checkpoint_every_steps=5))
    assert str(copy) in str(refused.value) and "--overwrite_output_dir" in str(refused.value)
    assert file_hashes(original, copy) == before


def test_overwrite_output_dir_replaces_the_old_run_and_resume_continues_the_new_one(tmp_path):
    train(ToyRegression(), toy_arguments(tmp_path, num_epochs=4))  # checkpoints up to step-80
    (tmp_path / "notes.txt").write_text("left by the old run")
    replaced = train(
        ToyRegression(), toy_arguments(tmp_path, num_epochs=2, checkpoint_every_steps=5, overwrite_output_dir=True)
    )
    assert not (tmp_path / "notes.txt").exists() and len(replaced.history) == 2
    assert [folder.name for folder in checkpoints(tmp_path)] == ["step-00000035", "step-00000040"]  # none of the old

    resumed = train(ToyRegression(), toy_arguments(tmp_path, num_epochs=3, checkpoint_every_steps=5, resume=True))
    assert resumed.history[:2] == replaced.history and [record["step"] for record in resumed.history] == [20, 40, 60]


def test_overwrite_leaves_a_folder_that_holds_no_run_alone(tmp_path):
    (tmp_path / "notes.txt").write_text("not a run")
    claim_output_dir(tmp_path, overwrite=True)
    assert (tmp_path / "notes.txt").read_text() == "not a run"


class WiderToy(ToyRegression):
    def build_model(self):
        return torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(8, 4), torch.nn.Linear(4, 1))


def test_resume_refuses_a_checkpoint_of_another_run_and_names_each_difference(straight_run, tmp_path):
    output_dir = tmp_path / "run"
    shutil.copytree(straight_run[0], output_dir)
    before = file_hashes(output_dir)
    with pytest.raises(ValueError) as refused:
        train(WiderToy(), toy_arguments(output_dir, learning_rate=0.1, seed=7, resume=True))
    message = str(refused.value)
    assert str(latest_checkpoint(output_dir)) in message and "--overwrite_output_dir" in message
    for difference in (
        "task: 'ToyRegression' in the checkpoint, 'WiderToy' now",
        "model.1.weight: [1, 8] in the checkpoint, [4, 8] now",
        "model.2.weight: absent in the checkpoint, [1, 4] now",
        "TrainingArguments.learning_rate: 0.05 in the checkpoint, 0.1 now",
        "TrainingArguments.seed: 2021 in the checkpoint, 7 now",
    ):
        assert difference in message
    assert "num_epochs" not in message  # how long a run goes on is free to change
    assert file_hashes(output_dir) == before


def test_resume_and_overwrite_together_are_refused(tmp_path):
    with pytest.raises(ValueError, match="--resume .* --overwrite_output_dir"):
        toy_arguments(tmp_path, resume=True, overwrite_output_dir=True)


def test_a_checkpoint_holds_only_safetensors_and_json(straight_run):
    output_dir, _ = straight_run
    folders = checkpoints(output_dir)
    assert len(folders) == 2
    for folder in folders:
        names = {path.name for path in folder.iterdir()}
        assert all(Path(name).suffix in (".safetensors", ".json") for name in names), names
        assert {"model.safetensors", "optimizer.safetensors", "rng-0.safetensors", "fingerprint.json"} <= names


def test_resume_mid_epoch_never_unpickles_and_ends_where_the_straight_run_ends(straight_run, tmp_path, monkeypatch):
    straight_dir, straight_history = straight_run
    # Interrupted at step 26 of 60, then set back to its mid-epoch checkpoint of step 24 (epoch 2 has 20 steps).
    train(ToyRegression(), toy_arguments(tmp_path, max_steps=26))
    shutil.rmtree(tmp_path / "checkpoints" / "step-00000026")
    assert latest_checkpoint(tmp_path).name == "step-00000024"

    def refuse(*args, **kwargs):
        raise AssertionError("resume unpickled")

    torch_load = torch.load

    def load_weights_only(*args, **kwargs):
        assert kwargs.get("weights_only") is True, "torch.load without weights_only=True"
        return torch_load(*args, **kwargs)

    for name in ("Unpickler", "load", "loads"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(torch, "load", load_weights_only)
    resumed = train(ToyRegression(), toy_arguments(tmp_path, resume=True))
    monkeypatch.undo()

    assert without_timings(resumed.history) == without_timings(straight_history)
    final_straight = load_file(latest_checkpoint(straight_dir) / "model.safetensors")
    final_resumed = load_file(latest_checkpoint(tmp_path) / "model.safetensors")
    assert final_straight.keys() == final_resumed.keys()
    for name, tensor in final_straight.items():
        assert torch.equal(final_resumed[name], tensor), name


def test_image_emotion_refuses_a_folder_that_holds_earlier_phases(tmp_path, capsys):
    phase = tmp_path / "phases" / "01-style"
    phase.mkdir(parents=True)
    (phase / "model.safetensors").write_bytes(b"weights of an earlier run")
    before = file_hashes(tmp_path)
    assert main(["train", "image-emotion", "--output_dir", str(tmp_path)]) != 0
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and str(tmp_path) in error and "phases" in error
    assert "--overwrite_output_dir" in error
    assert file_hashes(tmp_path) == before


def test_image_emotion_phases_are_refused_resumed_only_by_their_run_and_overwritten(synthetic_release, tmp_path):
    release = release_arguments(synthetic_release)
    arguments = ImageEmotionArguments(
        backbone=TINY_BACKBONE["backbone"], backbone_kwargs=json.dumps(TINY_BACKBONE["backbone_kwargs"]), image_size=32,
        label_scheme="polarity", style_epochs=1, head_hidden_sizes=[16],
    )  # fmt: skip
    train_image_emotion(release, arguments, tiny_run_arguments(tmp_path, max_steps=2))
    (tmp_path / "notes.txt").write_text("left by the old run")
    before = file_hashes(tmp_path)
    with pytest.raises(FileExistsError, match="--overwrite_output_dir"):
        train_image_emotion(release, arguments, tiny_run_arguments(tmp_path, max_steps=2))
    other = dataclasses.replace(arguments, head_hidden_sizes=[8])
    with pytest.raises(
        ValueError, match=r"ImageEmotionArguments.head_hidden_sizes: \[16\] in the checkpoint, \[8\] now"
    ):
        train_image_emotion(release, other, tiny_run_arguments(tmp_path, max_steps=2, resume=True))
    assert file_hashes(tmp_path) == before

    train_image_emotion(release, other, tiny_run_arguments(tmp_path, max_steps=2, overwrite_output_dir=True))
    assert not (tmp_path / "notes.txt").exists()
    for folder in (tmp_path / "phases" / "01-style", tmp_path):
        assert AutoConfig.from_pretrained(folder).head_hidden_sizes == [8]


def test_the_nearest_neighbour_speaker_never_writes_over_a_run(synthetic_release, tmp_path):
    from artemis_hf.data.sources import ReleaseArguments
    from artemis_hf.training.arguments import SpeakerArguments, SpeakerTrainingArguments
    from artemis_hf.training.speaker import training_function as train_speaker

    release = ReleaseArguments(
        str(synthetic_release.csv_path), str(synthetic_release.images_dir), str(tmp_path / "cache")
    )
    nn = SpeakerArguments(arch="nn", backbone="test_resnet", image_size=32)
    output_dir = tmp_path / "nn"
    train_speaker(release, nn, SpeakerTrainingArguments(output_dir=str(output_dir)))
    before = file_hashes(output_dir)
    with pytest.raises(FileExistsError, match=f"{output_dir} already holds a run .*--overwrite_output_dir"):
        train_speaker(release, nn, SpeakerTrainingArguments(output_dir=str(output_dir)))
    with pytest.raises(ValueError, match="nothing to resume"):
        train_speaker(release, nn, SpeakerTrainingArguments(output_dir=str(output_dir), resume=True))
    assert file_hashes(output_dir) == before
    train_speaker(release, nn, SpeakerTrainingArguments(output_dir=str(output_dir), overwrite_output_dir=True))
    assert (output_dir / "model.safetensors").is_file()
