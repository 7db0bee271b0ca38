"""`training_args.json`: the record of a run, from which its model card describes the training.

    {"arguments": {"ReleaseArguments": {...}, "SpeakerArguments": {...}, "SpeakerTrainingArguments": {...}},
     "init_from": null or {"name_or_path", "revision", ...}, "device": "cuda:0 (NVIDIA H200)", "mixed_precision": "bf16",
     "num_processes": 1, "steps": 1200, "epochs": 10, "wall_time_s": 812.4,
     "artemis_hf_version": ..., "transformers_version": ..., "torch_version": ..., and what a family adds}

Every argument dataclass of the run is written as it was given (paths too); nothing is read from the environment, so
no token or variable can end up in it.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import torch
import transformers

from .. import __version__
from .checkpoints import ARGS_FILENAME


def arguments_record(*arguments) -> dict[str, dict]:
    """{dataclass name: its fields}; a later dataclass of the same type replaces an earlier one."""
    return {type(settings).__name__: dataclasses.asdict(settings) for settings in arguments}


def device_name(device: torch.device | str) -> str:
    """ "cpu", "mps", or "cuda:0 (NVIDIA H200)": the accelerator's model, which the card names."""
    device = torch.device(device)
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return str(device)


def run_record(
    arguments,
    *,
    device: torch.device | str,
    mixed_precision: str,
    num_processes: int,
    steps: int,
    epochs: int,
    wall_time_s: float,
    init_from: dict | None = None,
) -> dict:
    """The record of a run: `arguments` (its dataclasses), where and how it ran, and how far it went."""
    return {
        "arguments": arguments_record(*arguments),
        "init_from": init_from,
        "device": device_name(device),
        "mixed_precision": mixed_precision,
        "num_processes": num_processes,
        "steps": steps,
        "epochs": epochs,
        "wall_time_s": round(wall_time_s, 1),
        "artemis_hf_version": __version__,
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
    }


def write_run_record(output_dir: str | os.PathLike, record: dict) -> Path:
    path = Path(output_dir, ARGS_FILENAME)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, default=str))
    return path


def read_run_record(output_dir: str | os.PathLike) -> dict:
    path = Path(output_dir, ARGS_FILENAME)
    record = json.loads(path.read_text())
    if not isinstance(record, dict) or "arguments" not in record:
        raise ValueError(f"{path} is not a run record of this artemis-hf (no 'arguments'): train the model again")
    return record


def update_run_record(output_dir: str | os.PathLike, **entries) -> dict:
    """Add or replace top-level entries of the folder's record (e.g. a family's evaluation settings)."""
    record = {**read_run_record(output_dir), **entries}
    write_run_record(output_dir, record)
    return record
