"""The shared training loop on a toy task: it learns, resumes exactly after SIGKILL, and two processes take the
same steps as one with the same global batch."""

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from safetensors.torch import load_file
from training_toy import ToyRegression, toy_arguments, without_timings

from artemis_hf.training import loop, train
from artemis_hf.training.checkpoints import latest_checkpoint
from artemis_hf.training.loop import dataloader_options

TOY_SCRIPT = str(Path(__file__).with_name("training_toy.py"))


def run_toy(*args, timeout=120):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, TOY_SCRIPT, *args], capture_output=True, text=True, timeout=timeout, env=env
    )


def test_loss_falls_and_outputs_are_written(tmp_path):
    result = train(ToyRegression(), toy_arguments(tmp_path, num_epochs=4))
    first, last = result.history[0], result.history[-1]
    assert last["validation_loss"] < 0.25 * first["train_loss"] and last["train_loss"] < 0.5 * first["train_loss"]
    assert (tmp_path / "model.safetensors").is_file() and (tmp_path / "loss_curve.png").is_file()
    record = json.loads((tmp_path / "training_args.json").read_text())
    assert record["arguments"]["TrainingArguments"]["learning_rate"] == 0.05
    assert len(list((tmp_path / "checkpoints").glob("step-*"))) == 2  # keep_checkpoints


def test_dataloader_workers_decode_only_where_a_gpu_computes(tmp_path, monkeypatch):
    assert dataloader_options(toy_arguments(tmp_path, cpu=True)) == {"num_workers": 0, "pin_memory": False}
    assert dataloader_options(toy_arguments(tmp_path, num_workers=3))["num_workers"] == 3  # as asked
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    # Not Accelerate's own state, a singleton that would keep believing in the GPU after this test.
    monkeypatch.setattr(loop, "PartialState", lambda: SimpleNamespace(num_processes=1))
    gpu = dataloader_options(toy_arguments(tmp_path, cpu=False))
    assert gpu == {"num_workers": min(8, len(os.sched_getaffinity(0)) - 1), "pin_memory": True}


def test_early_stopping(tmp_path):
    # A learning rate of zero never improves on the first epoch's validation loss.
    arguments = toy_arguments(tmp_path, num_epochs=10, learning_rate=0.0, early_stopping_patience=2)
    result = train(ToyRegression(), arguments)
    assert result.stopped_early and len(result.history) == 3
    resumed = train(ToyRegression(), dataclasses.replace(arguments, resume=True))
    assert resumed.stopped_early and resumed.history == result.history  # a run that stopped early stays stopped


def test_resume_without_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        train(ToyRegression(), toy_arguments(tmp_path, resume=True))


def test_sigkill_mid_epoch_then_resume_ends_with_the_same_weights(tmp_path):
    uninterrupted = run_toy(str(tmp_path / "straight"))
    assert uninterrupted.returncode == 0, uninterrupted.stderr[-2000:]

    killed_dir = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, TOY_SCRIPT, str(killed_dir), "--slow"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 90
    while (
        time.time() < deadline and not (killed_dir / "checkpoints" / "step-00000024").exists()
    ):  # epoch 2 of 3, mid-epoch
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    checkpoint = latest_checkpoint(killed_dir)
    assert checkpoint is not None and checkpoint.name < "step-00000060"  # really interrupted before the end

    resumed = run_toy(str(killed_dir), "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    final_straight = load_file(str(latest_checkpoint(tmp_path / "straight") / "model.safetensors"))
    final_resumed = load_file(str(latest_checkpoint(killed_dir) / "model.safetensors"))
    for name, tensor in final_straight.items():
        assert (final_resumed[name] == tensor).all(), name
    assert without_timings(json.loads(resumed.stdout.strip().splitlines()[-1])) == without_timings(
        json.loads(uninterrupted.stdout.strip().splitlines()[-1])
    )


def test_two_cpu_processes_take_the_same_steps_as_one(tmp_path):
    # Dropout off: each process draws its own masks, so with it the runs would differ by design.
    torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable))
    assert torchrun, "torchrun comes with torch"
    env = {
        **os.environ,
        "ACCELERATE_USE_CPU": "1",
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]),
        "TOY_DROPOUT": "0",
    }
    # The toy's 320 training rows at a global batch of 32 (32 on one process, 16 on each of two) make 10 steps an
    # epoch; 15 steps cut the second, reshuffled epoch halfway. One record per epoch, at the step it ended on.
    num_epochs, max_steps, steps_per_epoch = 2, 15, 320 // 32
    expected_steps = [min(epoch * steps_per_epoch, max_steps) for epoch in range(1, num_epochs + 1)]  # [10, 15]
    settings = ["--max_steps", str(max_steps), "--num_epochs", str(num_epochs)]
    one = subprocess.run(
        [sys.executable, TOY_SCRIPT, str(tmp_path / "one"), "--batch_size", "32", *settings],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    two = subprocess.run(
        [
            torchrun,
            "--nproc_per_node",
            "2",
            "--master_port",
            "29517",
            TOY_SCRIPT,
            str(tmp_path / "two"),
            "--batch_size",
            "16",
            *settings,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert one.returncode == 0, one.stderr[-2000:]
    assert two.returncode == 0, two.stderr[-3000:]
    history_one = json.loads(one.stdout.strip().splitlines()[-1])
    history_two = json.loads(two.stdout.strip().splitlines()[-1])
    # Same, non-empty and expected lengths first: zip() would pass on two empty histories.
    assert [record["step"] for record in history_one] == [record["step"] for record in history_two] == expected_steps
    for a, b in zip(history_one, history_two):
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-5)
        assert a["validation_loss"] == pytest.approx(b["validation_loss"], rel=1e-5)
