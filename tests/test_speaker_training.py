"""Training and sampling speakers: the tiny SAT and M2 speakers learn the synthetic release better than the
nearest-neighbour speaker, follow their grounding emotion, resume exactly after SIGKILL, and take the same steps on two
processes."""

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from training_toy import without_timings
from transformers import HfArgumentParser, pipeline

from artemis_hf.data.paintings import load_speaker_data, paintings_of
from artemis_hf.data.sources import ReleaseArguments
from artemis_hf.emotions import EMOTIONS
from artemis_hf.evaluation import bleu, cider, load_references, read_captions
from artemis_hf.sampling import SampleArguments, sample
from artemis_hf.training.arguments import SpeakerArguments, SpeakerTrainingArguments, speaker_recipe
from artemis_hf.training.checkpoints import HISTORY_FILENAME, latest_checkpoint
from artemis_hf.training.speaker import without_unavailable_evaluation

pytest_plugins = ["speaker_fixtures"]
pytestmark = pytest.mark.usefixtures("single_thread")


def test_reference_recipe_is_the_default():
    release, args, training = HfArgumentParser(
        (ReleaseArguments, SpeakerArguments, SpeakerTrainingArguments)
    ).parse_args_into_dataclasses(["--output_dir", "out", "--emotion_grounding"])
    assert release.csv is None  # the embedded synthetic release
    assert (
        args.arch,
        args.backbone,
        args.image_size,
        args.attention_dim,
        args.decoder_dim,
        args.word_embedding_dim,
    ) == ("sat", "resnet34", 256, 512, 512, 128)
    assert args.emotion_grounding and args.dropout == 0.1 and not args.cache_features
    assert (training.learning_rate, training.encoder_learning_rate, training.per_device_batch_size) == (
        5e-4,
        1e-4,
        128,
    )
    assert (training.lr_scheduler, training.max_grad_norm, training.early_stopping_patience) == ("plateau", 5.0, 3)


def test_m2_and_scst_recipes_fill_the_settings_left_at_their_defaults():
    def parsed(*argv):
        _, args, training = HfArgumentParser(
            (ReleaseArguments, SpeakerArguments, SpeakerTrainingArguments)
        ).parse_args_into_dataclasses(["--output_dir", "out", *argv])
        return speaker_recipe(args, training)

    m2 = parsed("--arch", "m2")
    assert (m2.per_device_batch_size, m2.lr_scheduler, m2.warmup_steps, m2.adam_beta2) == (
        50,
        "inverse_sqrt",
        10_000,
        0.98,
    )
    assert m2.learning_rate == pytest.approx(512**-0.5 * 10_000**-0.5) and m2.early_stopping_patience == 5
    # What the command line says is kept; the peak rate follows the warm-up it was given.
    mine = parsed("--arch", "m2", "--per_device_batch_size", "32", "--warmup_steps", "400", "--d_model", "256")
    assert mine.per_device_batch_size == 32 and mine.learning_rate == pytest.approx(256**-0.5 * 400**-0.5)
    assert parsed("--arch", "sat") == parsed()  # the loop's defaults are Show-Attend-Tell's recipe
    scst = parsed("--arch", "m2", "--scst", "--init_from", "runs/m2")
    assert (scst.learning_rate, scst.encoder_learning_rate, scst.lr_scheduler, scst.per_device_batch_size) == (
        5e-6,
        5e-6,
        "constant",
        50,
    )


def test_without_pycocoevalcap_the_evaluation_is_dropped_before_training_with_a_warning(monkeypatch, caplog):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "pycocoevalcap" else find_spec(name))
    assert without_unavailable_evaluation(SpeakerArguments()).eval_max_paintings == 0
    assert "pycocoevalcap is not installed: the speaker is trained but not evaluated" in caplog.text
    monkeypatch.undo()
    assert without_unavailable_evaluation(SpeakerArguments()).eval_max_paintings == 200


def test_sat_and_m2_speakers_beat_the_nearest_neighbour_speaker_on_held_out_paintings(
    trained_speakers, speaker_release, tmp_path
):
    for history in (trained_speakers.history, trained_speakers.m2_history):
        assert history[-1]["validation_loss"] < 0.5 * history[0]["validation_loss"]
    references = load_references(load_speaker_data(speaker_release).dataset).utterances
    # SAT and M2 are grounded on each test painting's most voted emotion (a perfect image classifier). The
    # nearest-neighbour speaker copies what was said about the closest training painting (the reference baseline),
    # or, a stronger baseline, the closest painting's utterance of that same emotion.
    runs = {
        "sat": (trained_speakers.sat, "dominant"),
        "m2": (trained_speakers.m2, "dominant"),
        "nn": (trained_speakers.nn, None),
        "nn_same_emotion": (trained_speakers.nn, "dominant"),
    }
    scores = {}
    for name, (model, emotion) in runs.items():
        path = sample(
            speaker_release, SampleArguments(model=str(model), output=str(tmp_path / f"{name}.jsonl"), emotion=emotion)
        )
        captions = read_captions(path)
        assert captions.keys() == references.keys()
        scores[name] = {**bleu(captions, references), **cider(captions, references)}
    print(json.dumps(scores, indent=1))
    for speaker in ("sat", "m2"):
        for baseline in ("nn", "nn_same_emotion"):
            assert scores[speaker]["bleu_4"] > scores[baseline]["bleu_4"], (speaker, baseline)
            assert scores[speaker]["cider"] > scores[baseline]["cider"], (speaker, baseline)


@pytest.mark.parametrize("arch", ["sat", "m2"])
def test_the_text_classifier_recovers_the_grounding_emotion(trained_speakers, text_classifier, speaker_release, arch):
    paintings = paintings_of(load_speaker_data(speaker_release).dataset["test"]).select(range(4))
    speaker = pipeline("artemis-captioning", model=str(getattr(trained_speakers, arch)))
    classifier = pipeline("text-classification", model=str(text_classifier))
    hits = 0
    for emotion in EMOTIONS:
        captions = [
            result["generated_text"] for [result] in speaker(list(paintings["image"]), emotion=emotion, batch_size=4)
        ]
        hits += sum(prediction["label"] == emotion for prediction in classifier(captions))
    accuracy = hits / (len(EMOTIONS) * len(paintings))
    print(
        f"grounding accuracy {accuracy:.3f} over {len(EMOTIONS) * len(paintings)} captions (chance {1 / len(EMOTIONS):.3f})"
    )
    assert accuracy > 0.6


def test_sample_writes_one_json_line_per_painting(trained_speakers, speaker_release, tmp_path):
    path = sample(
        speaker_release,
        SampleArguments(
            model=str(trained_speakers.sat),
            split="validation",
            emotion="awe",
            max_paintings=5,
            batch_size=2,
            num_beams=2,
        ),
    )
    assert path == trained_speakers.sat / "captions-validation.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(rows) == 5 and {row["emotion"] for row in rows} == {"awe"}
    assert all(row.keys() == {"painting_id", "emotion", "caption"} and row["caption"] for row in rows)
    with pytest.raises(ValueError, match="--split 'tests' is not in the dataset"):
        sample(speaker_release, SampleArguments(model=str(trained_speakers.sat), split="tests"))
    with pytest.raises(ValueError, match="is emotion-grounded and names no image emotion classifier: pass --emotion"):
        sample(speaker_release, SampleArguments(model=str(trained_speakers.sat)))


# --- Exact resume and distributed training, in subprocesses of `python -m artemis_hf.training.speaker` ---


ARCH_OPTIONS = {
    "sat": ["--arch", "sat"],
    "m2": ["--arch", "m2", "--d_model", "32", "--encoder_layers", "2", "--decoder_layers", "1", "--num_heads", "4",
           "--d_ff", "64", "--memory_slots", "4"],
}  # fmt: skip


def speaker_command(release: ReleaseArguments, output_dir: Path, *options: str) -> list[str]:
    tiny = [
        "--backbone",
        "test_resnet",
        "--feature_layer",
        "2",
        "--image_size",
        "32",
        "--attention_dim",
        "16",
        "--decoder_dim",
        "32",
        "--word_embedding_dim",
        "16",
    ]
    data = ["--csv", release.csv, "--images_dir", release.images_dir, "--cache_dir", release.cache_dir]
    loop = [
        "--output_dir",
        str(output_dir),
        "--mixed_precision",
        "no",
        "--cpu",
        "--lr_scheduler",
        "constant",
        "--learning_rate",
        "3e-3",
    ]
    return ["-m", "artemis_hf.training.speaker", *data, *tiny, *loop, *options]


def run(command: list[str], processes: int = 1, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "ACCELERATE_USE_CPU": "1", "OMP_NUM_THREADS": "1"}
    if processes > 1:
        torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable))
        command = [torchrun, "--nproc_per_node", str(processes), "--master_port", "29523", *command]
    else:
        command = [sys.executable, *command]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def final_weights(output_dir: Path) -> dict:
    return load_file(str(latest_checkpoint(output_dir) / "model.safetensors"))


@pytest.mark.parametrize("arch", ["sat", "m2"])
def test_sigkill_mid_epoch_then_resume_ends_with_the_same_weights(speaker_release, tmp_path, arch):
    # Images, not cached grids: the backbone trains (batch norm in train mode) and dropout draws masks.
    options = [
        *ARCH_OPTIONS[arch],
        "--emotion_grounding",
        "--per_device_batch_size",
        "64",
        "--num_epochs",
        "1",
        "--max_steps",
        "10",
        "--checkpoint_every_steps",
        "2",
        "--keep_checkpoints",
        "10",
    ]
    run(speaker_command(speaker_release, tmp_path / "straight", *options))

    killed = tmp_path / "killed"
    process = subprocess.Popen(
        [sys.executable, *speaker_command(speaker_release, killed, *options)],
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Kill once the step-4 checkpoint is complete: its folder gets its name only when every file is written.
    deadline = time.time() + 90
    while time.time() < deadline and not (killed / "checkpoints" / "step-00000004").exists():
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert "step-00000004" <= latest_checkpoint(killed).name < "step-00000010"  # really interrupted mid-epoch

    run(speaker_command(speaker_release, killed, *options, "--resume"))
    straight, resumed = final_weights(tmp_path / "straight"), final_weights(killed)
    assert latest_checkpoint(killed).name == "step-00000010"
    for name, tensor in straight.items():
        assert torch.equal(resumed[name], tensor), name
    assert without_timings(json.loads((killed / HISTORY_FILENAME).read_text())) == without_timings(
        json.loads((tmp_path / "straight" / HISTORY_FILENAME).read_text())
    )


@pytest.fixture(scope="module")
def one_and_two_processes(speaker_release, tmp_path_factory):
    """The same 5 steps with a global batch of 6 paintings (all their captions): one process of 6, and two of 3.
    Cached grids and no dropout, so that nothing differs by design; a mid-epoch checkpoint at step 3."""
    root = tmp_path_factory.mktemp("distributed")
    options = [
        "--emotion_grounding",
        "--cache_features",
        "--captions_per_painting",
        "0",
        "--dropout",
        "0",
        "--num_epochs",
        "1",
        "--max_steps",
        "5",
        "--checkpoint_every_steps",
        "3",
    ]
    run(speaker_command(speaker_release, root / "one", *options, "--paintings_per_batch", "6"))
    run(
        speaker_command(speaker_release, root / "two", *options, "--paintings_per_batch", "3"),
        processes=2,
        timeout=180,
    )
    return root, options


def assert_same_losses(a: Path, b: Path) -> None:
    # Losses, not weights: Adam scales each gradient by its own running size, so a parameter whose gradient is all
    # but zero moves by rounding noise times the learning rate, which summation order changes.
    history_a, history_b = (json.loads((folder / HISTORY_FILENAME).read_text()) for folder in (a, b))
    assert len(history_a) == len(history_b) == 1
    for name in ("train_loss", "validation_loss"):
        assert history_a[0][name] == pytest.approx(history_b[0][name], rel=1e-5), name


def test_two_cpu_processes_take_the_same_steps_as_one(one_and_two_processes):
    root, _ = one_and_two_processes
    assert latest_checkpoint(root / "two").name == "step-00000005"
    assert_same_losses(root / "one", root / "two")


def test_a_checkpoint_of_one_process_resumes_on_two_and_back(one_and_two_processes, speaker_release):
    root, options = one_and_two_processes
    for source, processes, paintings in (("one", 2, "3"), ("two", 1, "6")):
        resumed = root / f"{source}-resumed-on-{processes}"
        shutil.copytree(root / source, resumed)
        shutil.rmtree(latest_checkpoint(resumed))  # back to the mid-epoch checkpoint of step 3
        assert latest_checkpoint(resumed).name == "step-00000003"
        run(
            speaker_command(speaker_release, resumed, *options, "--paintings_per_batch", paintings, "--resume"),
            processes=processes,
            timeout=180,
        )
        assert_same_losses(root / source, resumed)
