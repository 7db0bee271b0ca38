"""A run's folder and its checkpoints: what makes a folder hold a run, and checkpoints written as safetensors and
JSON only, so that resuming never unpickles.

A checkpoint (`checkpoints/step-N`) holds the weights, the optimizer, scheduler and gradient scaler states (tensors
in `<name>.safetensors`, the rest in `<name>.json`), each process's RNG states (`rng-<process>`), the loop's progress
and the run's fingerprint (`fingerprint.json`: task, model config, the arguments that shape the run). `--resume`
continues only a checkpoint of the same run.
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from accelerate import Accelerator, PartialState
from safetensors.torch import load_file, load_model, save_file, save_model

from .arguments import TrainingArguments

if TYPE_CHECKING:  # the loop imports this module
    from .loop import Progress, TrainingTask

logger = logging.getLogger(__name__)

CHECKPOINTS_DIR = "checkpoints"
HISTORY_FILENAME = "log_history.json"
ARGS_FILENAME = "training_args.json"
FINGERPRINT_FILENAME = "fingerprint.json"
PROGRESS_FILENAME = "progress.json"
# What the loop and `save_pretrained` write: a folder holding one of these holds a run.
RUN_FILES = (ARGS_FILENAME, HISTORY_FILENAME, CHECKPOINTS_DIR, "config.json", "model.safetensors")
# Argument fields free to change between a run and its resumption: where it runs, for how long, how often it saves,
# what it logs, how it reads its data or compiles, and how the global batch is split over processes (the fingerprint
# has the global batch size).
NOT_FINGERPRINTED = frozenset(
    {
        "output_dir", "resume", "overwrite_output_dir", "num_epochs", "max_steps", "early_stopping_patience",
        "checkpoint_every_steps", "keep_checkpoints", "report_to", "num_workers", "cpu", "per_device_batch_size",
        "gradient_accumulation_steps", "paintings_per_batch", "image_cache_dir", "compile",
    }
)  # fmt: skip
# Config entries that differ between two builds of the same model: the library version, where it was loaded from.
UNFINGERPRINTED_CONFIG_KEYS = frozenset({"transformers_version", "_name_or_path"})


@dataclass
class TrainingState:
    """What a checkpoint holds, written as safetensors and JSON only: resuming must never unpickle."""

    accelerator: Accelerator
    model: torch.nn.Module
    optimizers: dict[str, torch.optim.Optimizer]  # by name: "optimizer", or one per network of a GAN
    schedulers: dict[str, object]  # by the name of the optimizer each one drives
    progress: Progress
    fingerprint: dict

    def _state_dicts(self) -> dict:
        """Objects with `state_dict`/`load_state_dict`, by file name; the gradient scaler of fp16 runs too."""
        objects = {**self.optimizers}
        objects.update({name.replace("optimizer", "scheduler"): each for name, each in self.schedulers.items()})
        if self.accelerator.scaler is not None:
            objects["scaler"] = self.accelerator.scaler
        return objects

    def save(self, folder: Path) -> None:
        """Each process writes its RNG states (dropout differs between processes), the main process the rest (the
        same on every process)."""
        save_tensor_tree(rng_states(), folder / f"rng-{self.accelerator.process_index}")
        if self.accelerator.is_main_process:
            save_model(self.accelerator.unwrap_model(self.model), str(folder / "model.safetensors"))
            for name, stateful in self._state_dicts().items():
                save_tensor_tree(stateful.state_dict(), folder / name)
            (folder / PROGRESS_FILENAME).write_text(json.dumps(self.progress.state_dict(), indent=1))
            (folder / FINGERPRINT_FILENAME).write_text(json.dumps(self.fingerprint, indent=1))

    def load(self, folder: Path) -> None:
        check_fingerprint(folder, self.fingerprint)
        load_model(self.accelerator.unwrap_model(self.model), str(folder / "model.safetensors"))
        for name, stateful in self._state_dicts().items():
            state = load_tensor_tree(folder / name)
            # JSON made the parameter indices that key an optimizer's per-parameter state strings.
            if name.startswith("optimizer"):
                state["state"] = {int(index): value for index, value in state["state"].items()}
            stateful.load_state_dict(state)
        self.progress.load_state_dict(json.loads((folder / PROGRESS_FILENAME).read_text()))
        rng = folder / f"rng-{self.accelerator.process_index}"
        if Path(f"{rng}.json").is_file():
            set_rng_states(load_tensor_tree(rng))
        else:  # a checkpoint of fewer processes: this one keeps the RNG states its seed gave it
            logger.info("%s has no RNG states for process %d", folder, self.accelerator.process_index)


def save_checkpoint(state: TrainingState, output_dir: Path, keep: int) -> None:
    """The training state into checkpoints/step-N; keep the latest `keep`."""
    accelerator = state.accelerator
    folder = output_dir / CHECKPOINTS_DIR / f"step-{state.progress.global_step:08d}"
    partial = folder.with_name(folder.name + ".partial")  # renamed when complete: a kill mid-save leaves no checkpoint
    if accelerator.is_main_process:
        shutil.rmtree(partial, ignore_errors=True)  # left by a run killed while saving
        partial.mkdir(parents=True)
    accelerator.wait_for_everyone()
    state.save(partial)
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(partial, folder)
        for old in checkpoints(output_dir)[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    accelerator.wait_for_everyone()


TENSOR_REFERENCE = "__tensor__"


def save_tensor_tree(tree, stem: Path) -> None:
    """Nested dicts and lists of tensors and JSON values as `<stem>.safetensors` (the tensors) and `<stem>.json` (the
    rest, each tensor replaced by {"__tensor__": its key}); tuples come back as lists."""
    tensors = {}

    def strip(node, path: tuple):
        if isinstance(node, torch.Tensor):
            key = ".".join(path)
            tensors[key] = node.detach().cpu().contiguous()
            return {TENSOR_REFERENCE: key}
        if isinstance(node, dict):
            return {name: strip(value, (*path, str(name))) for name, value in node.items()}
        if isinstance(node, (list, tuple)):
            return [strip(value, (*path, str(index))) for index, value in enumerate(node)]
        return node

    skeleton = strip(tree, ())
    save_file(tensors, f"{stem}.safetensors")
    Path(f"{stem}.json").write_text(json.dumps(skeleton))


def load_tensor_tree(stem: Path):
    tensors = load_file(f"{stem}.safetensors")

    def fill(node):
        if isinstance(node, dict):
            if node.keys() == {TENSOR_REFERENCE}:
                return tensors[node[TENSOR_REFERENCE]]
            return {name: fill(value) for name, value in node.items()}
        if isinstance(node, list):
            return [fill(value) for value in node]
        return node

    return fill(json.loads(Path(f"{stem}.json").read_text()))


def rng_states() -> dict:
    """Python's, NumPy's, torch's and CUDA's global generators, as tensors and JSON values."""
    _, keys, position, has_gauss, cached_gaussian = np.random.get_state()
    return {
        "python": random.getstate(),
        "numpy": [keys.tolist(), position, has_gauss, cached_gaussian],
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def set_rng_states(states: dict) -> None:
    version, internal_state, gauss_next = states["python"]
    random.setstate((version, tuple(internal_state), gauss_next))
    keys, position, has_gauss, cached_gaussian = states["numpy"]
    np.random.set_state(("MT19937", np.array(keys, dtype=np.uint32), position, has_gauss, cached_gaussian))
    torch.set_rng_state(states["torch"])
    if states["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def run_fingerprint(
    task: TrainingTask,
    model: torch.nn.Module,
    args: TrainingArguments,
    num_processes: int,
    train_loader,
    validation_loader,
) -> dict:
    """What makes a run this run, as flat `key: JSON value` pairs: the task, its model's config (a model without one:
    its class and weight shapes), the arguments that shape the steps, the data's size and the task's own settings."""
    fingerprint = {"task": type(task).__name__}
    config = getattr(model, "config", None)
    if config is None:
        fingerprint["model"] = type(model).__name__
        fingerprint.update({f"model.{name}": list(tensor.shape) for name, tensor in model.state_dict().items()})
    else:
        fingerprint.update(
            {
                f"config.{key}": value
                for key, value in config.to_dict().items()
                if key not in UNFINGERPRINTED_CONFIG_KEYS
            }
        )
    fingerprint.update(
        {
            f"{type(args).__name__}.{f.name}": getattr(args, f.name)
            for f in fields(args)
            if f.name not in NOT_FINGERPRINTED
        }
    )
    # In the loader's items (paintings, for grouped captions), whatever argument set its batch size.
    fingerprint["global_batch_size"] = train_loader.batch_size * args.gradient_accumulation_steps * num_processes
    fingerprint["train_items"], fingerprint["validation_items"] = (
        len(train_loader.dataset),
        len(validation_loader.dataset),
    )
    fingerprint.update(task.run_fingerprint())
    return json.loads(json.dumps(fingerprint, default=str))  # as it reads back from fingerprint.json


def check_fingerprint(checkpoint: Path, fingerprint: dict) -> None:
    """Refuse to resume a checkpoint of another run, naming each setting that differs."""
    path = checkpoint / FINGERPRINT_FILENAME
    if not path.is_file():
        raise ValueError(
            f"--resume: {checkpoint} has no {FINGERPRINT_FILENAME} (a checkpoint of an older artemis-hf) and cannot be "
            "resumed: train again with --overwrite_output_dir instead of --resume"
        )
    saved = json.loads(path.read_text())

    def shown(values: dict, key: str) -> str:
        return repr(values[key]) if key in values else "absent"

    differing = [
        f"{key}: {shown(saved, key)} in the checkpoint, {shown(fingerprint, key)} now"
        for key in sorted(saved.keys() | fingerprint.keys())
        if key not in saved or key not in fingerprint or saved[key] != fingerprint[key]
    ]
    if differing:
        raise ValueError(
            f"--resume: {checkpoint} is a checkpoint of another run ({'; '.join(differing)}): resume with the same "
            "settings, train into another --output_dir, or replace the run with --overwrite_output_dir (without --resume)"
        )


def claim_output_dir(output_dir: Path, overwrite: bool, run_files: tuple[str, ...] = RUN_FILES) -> None:
    """Refuse a folder that holds a run (any of `run_files`) unless `overwrite`, which empties it first."""
    found = [name for name in run_files if (output_dir / name).exists()]
    if found and not overwrite:
        raise FileExistsError(
            f"{output_dir} already holds a run ({', '.join(found)}): pass --resume to continue it, "
            "--overwrite_output_dir to replace it, or choose another --output_dir"
        )
    if overwrite:
        state = PartialState()
        if found and state.is_main_process:
            logger.warning("--overwrite_output_dir: emptying %s", output_dir)
            for child in output_dir.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        state.wait_for_everyone()  # no process writes into the folder before it is empty


def checkpoints(output_dir: Path) -> list[Path]:
    """Complete checkpoints, oldest first."""
    return sorted(
        path for path in (Path(output_dir) / CHECKPOINTS_DIR).glob("step-*") if not path.name.endswith(".partial")
    )


def latest_checkpoint(output_dir: Path) -> Path | None:
    folders = checkpoints(output_dir)
    return folders[-1] if folders else None
