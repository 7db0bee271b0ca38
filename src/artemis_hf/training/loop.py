"""The one training loop every model family uses: Accelerate set-up, epochs, early stopping, checkpoints, resume.

A family plugs in through a `TrainingTask` (how to build the model and the batches, how to compute the loss, how to
save). Losses are returned per item as (sum, count) pairs, so the loop can normalise by the count over the *global*
batch: one process with batch 2B and two processes with batch B then take the same steps.

Checkpoints (safetensors and JSON only) and what makes a folder hold a run are in `checkpoints.py`.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path

import torch
from accelerate import Accelerator, PartialState
from accelerate.utils import DataLoaderConfiguration, set_seed
from tqdm.auto import tqdm

from .arguments import TrainingArguments
from .checkpoints import (
    CHECKPOINTS_DIR,
    HISTORY_FILENAME,
    NOT_FINGERPRINTED,
    TrainingState,
    claim_output_dir,
    latest_checkpoint,
    run_fingerprint,
    save_checkpoint,
)
from .records import run_record, write_run_record

logger = logging.getLogger(__name__)

# Entries of an epoch's record that measure the machine, not the learning: they differ between equal runs.
TIMINGS = ("train_time_s", "data_wait_share")


class TrainingTask:
    """What a model family provides to the loop. Batches are dicts of tensors."""

    def build_model(self) -> torch.nn.Module:
        raise NotImplementedError

    def get_dataloaders(
        self, args: TrainingArguments
    ) -> tuple[torch.utils.data.DataLoader, torch.utils.data.DataLoader]:
        """(train, validation); the train loader shuffles, Accelerate makes the order depend on seed and epoch only."""
        raise NotImplementedError

    def item_losses(self, model: torch.nn.Module, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """Per item of the batch: the summed loss (B,) and how many units it sums over (B,), e.g. tokens."""
        raise NotImplementedError

    def parameter_groups(self, model: torch.nn.Module, args: TrainingArguments) -> list[dict]:
        return [{"params": [p for p in model.parameters() if p.requires_grad], "lr": args.learning_rate}]

    # Whether the validation loss measures the model: then the loop keeps the best model and stops early on it. A GAN's
    # losses do not; the loop saves its latest model after every epoch instead.
    selects_by_validation_loss: bool = True

    def build_optimizers(self, model: torch.nn.Module, args: TrainingArguments) -> dict[str, torch.optim.Optimizer]:
        """The optimizers by name, each with its own file in the checkpoints; by default one AdamW, "optimizer"."""
        optimizer = torch.optim.AdamW(
            self.parameter_groups(model, args),
            lr=args.learning_rate,
            betas=(0.9, args.adam_beta2),
            weight_decay=args.weight_decay,
        )
        return {"optimizer": optimizer}

    def training_step(self, model: torch.nn.Module, batch: dict, step: Step) -> dict[str, tuple[float, float]]:
        """Train on one batch: the batch's losses by name, each as (sum, count) over every process, for the epoch's
        means in the history ("loss" is its `train_loss`). By default one optimizer step (or micro-batch) on
        `item_losses`; a task with several optimizers (a GAN) alternates them here."""
        accelerator, args = step.accelerator, step.args
        (optimizer,), (scheduler,) = step.optimizers.values(), step.schedulers.values()
        with accelerator.accumulate(model):
            loss_sum, count = self.item_losses(model, batch)
            loss_sum, count = loss_sum.sum(), count.sum().float()
            global_count = accelerator.reduce(count.detach(), reduction="sum")
            # DDP averages gradients over processes, hence the factor: the step is that of sum / global count.
            accelerator.backward(loss_sum * accelerator.num_processes / global_count.clamp(min=1))
            if accelerator.sync_gradients and args.max_grad_norm is not None:
                accelerator.clip_grad_norm_(model.parameters(), args.max_grad_norm)
            optimizer.step()
            if accelerator.sync_gradients and args.lr_scheduler != "plateau":
                scheduler.step()
            optimizer.zero_grad()
        return {"loss": (accelerator.reduce(loss_sum.detach(), reduction="sum").item(), global_count.item())}

    def after_step(self, model: torch.nn.Module, progress: Progress, accelerator: Accelerator) -> None:
        """Called after every optimizer step, on every process (e.g. to write samples every N steps)."""

    def save(self, model: torch.nn.Module, output_dir: Path) -> None:
        """Write the model (and its processor or tokenizer) with `save_pretrained`."""
        model.save_pretrained(output_dir)

    def init_record(self) -> dict | None:
        """The checkpoint the model starts from, as training_args.json's "init_from" (None: built from scratch). When
        there is one, the loop measures its validation loss before the first step."""
        return None

    def run_fingerprint(self) -> dict:
        """The task's own settings that make its run, for the checkpoints' fingerprint: by default the fields of every
        dataclass the task holds (the family's arguments), as `ClassName.field`."""
        return {
            f"{type(settings).__name__}.{name}": value
            for settings in vars(self).values()
            if is_dataclass(settings) and not isinstance(settings, type)
            for name, value in asdict(settings).items()
            if name not in NOT_FINGERPRINTED
        }


@dataclass
class Step:
    """What a task's `training_step` steps with: the optimizers and their schedulers by name."""

    accelerator: Accelerator
    optimizers: dict[str, torch.optim.Optimizer]
    schedulers: dict[str, object]
    args: TrainingArguments


@dataclass
class Progress:
    """Loop state saved with every checkpoint, so that a resumed run continues where it stopped."""

    epoch: int = 0
    batches_done_in_epoch: int = 0
    global_step: int = 0
    best_validation_loss: float = math.inf
    epochs_without_improvement: int = 0
    epoch_sums: dict = field(default_factory=dict)  # of the epoch's training losses by name, and their counts
    epoch_counts: dict = field(default_factory=dict)
    history: list = field(default_factory=list)
    wall_time_s: float = 0.0  # up to the last checkpoint: a resumed run adds its own time
    initial_validation_loss: float | None = None  # of the checkpoint a run starts from, before any step

    def state_dict(self) -> dict:
        return asdict(self)

    def load_state_dict(self, state: dict) -> None:
        self.__dict__.update(state)


@dataclass
class TrainingResult:
    output_dir: Path
    best_validation_loss: float
    history: list
    stopped_early: bool
    steps: int = 0
    epochs: int = 0
    wall_time_s: float = 0.0
    initial_validation_loss: float | None = None  # with a task that starts from a checkpoint


def make_accelerator(args: TrainingArguments) -> Accelerator:
    precision = args.mixed_precision
    if precision == "auto":
        precision = "bf16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() and not args.cpu else "no"
    return Accelerator(
        mixed_precision=precision,
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        cpu=args.cpu,
        log_with=args.report_to,
        project_dir=args.output_dir,
        dataloader_config=DataLoaderConfiguration(use_seedable_sampler=True),
    )


def train(task: TrainingTask, args: TrainingArguments, arguments: Sequence = ()) -> TrainingResult:
    """Train `task`'s model; the best model by validation loss is saved in `args.output_dir`.

    Without `args.resume`, a folder that holds a run is refused (or emptied first with `args.overwrite_output_dir`);
    with it, the latest checkpoint must be of the same run, else nothing is written. `arguments`: the run's other
    argument dataclasses, recorded with `args` in training_args.json."""
    started = time.perf_counter()
    output_dir = Path(args.output_dir)
    accelerator = make_accelerator(args)
    if args.resume:
        resume_from = latest_checkpoint(output_dir)
        if resume_from is None:
            raise FileNotFoundError(f"--resume: no checkpoint in {output_dir / CHECKPOINTS_DIR}")
    else:
        claim_output_dir(output_dir, args.overwrite_output_dir)
    set_seed(args.seed)
    model = task.build_model()
    train_loader, validation_loader = task.get_dataloaders(args)
    fingerprint = run_fingerprint(task, model, args, accelerator.num_processes, train_loader, validation_loader)
    optimizers = task.build_optimizers(model, args)
    model, train_loader, validation_loader, *prepared = accelerator.prepare(
        model, train_loader, validation_loader, *optimizers.values()
    )
    optimizers = dict(zip(optimizers, prepared))
    steps_per_epoch = math.ceil(len(train_loader) / args.gradient_accumulation_steps)
    schedulers = {
        name: make_scheduler(optimizer, args, steps_per_epoch * args.num_epochs)
        for name, optimizer in optimizers.items()
    }
    step = Step(accelerator, optimizers, schedulers, args)
    progress = Progress()
    state = TrainingState(accelerator, model, optimizers, schedulers, progress, fingerprint)

    resumed_rng_state = None
    if args.resume:
        state.load(resume_from)
        if progress.batches_done_in_epoch:  # a mid-epoch checkpoint: see the first batch below
            resumed_rng_state = torch.get_rng_state()
        logger.info("Resumed from %s (epoch %d, step %d)", resume_from, progress.epoch, progress.global_step)
    elif task.init_record() is not None:
        progress.initial_validation_loss = evaluate_loss(task, model, validation_loader, accelerator)
        logger.info("Validation loss before the first step: %.6f", progress.initial_validation_loss)
    wall_time_before = progress.wall_time_s  # of the interrupted run, when resumed

    def write_record() -> None:
        progress.wall_time_s = wall_time_before + time.perf_counter() - started
        if accelerator.is_main_process:
            write_run_record(output_dir, _run_record(task, args, arguments, accelerator, progress))

    write_record()  # from the start: the folder holds a run
    if args.report_to:
        accelerator.init_trackers(output_dir.name, config={k: v for k, v in asdict(args).items() if v is not None})

    bar = tqdm(
        total=steps_per_epoch * args.num_epochs,
        initial=progress.global_step,
        desc="Training",
        disable=not accelerator.is_local_main_process,
    )
    while (
        progress.epoch < args.num_epochs
        and not _reached_max_steps(progress, args)
        and not _stopped_early(progress, args)
    ):
        train_loader.set_epoch(progress.epoch)
        batches = (
            accelerator.skip_first_batches(train_loader, progress.batches_done_in_epoch)
            if progress.batches_done_in_epoch
            else train_loader
        )
        model.train()
        epoch_started, data_wait = time.perf_counter(), [0.0]
        for batch in timed(batches, data_wait):
            if resumed_rng_state is not None:
                # Starting the loader draws a seed from the global RNG, which the interrupted run did before its
                # checkpoint: restore the checkpoint's state after that, so dropout draws what it would have drawn.
                torch.set_rng_state(resumed_rng_state)
                resumed_rng_state = None
            for name, (loss_sum, count) in task.training_step(model, batch, step).items():
                progress.epoch_sums[name] = progress.epoch_sums.get(name, 0.0) + loss_sum
                progress.epoch_counts[name] = progress.epoch_counts.get(name, 0.0) + count
            progress.batches_done_in_epoch += 1
            if accelerator.sync_gradients:
                progress.global_step += 1
                bar.update(1)
                bar.set_postfix({name: f"{mean:.4f}" for name, mean in epoch_means(progress).items()})
                task.after_step(model, progress, accelerator)
                if args.checkpoint_every_steps and progress.global_step % args.checkpoint_every_steps == 0:
                    write_record()
                    save_checkpoint(state, output_dir, args.keep_checkpoints)
                if _reached_max_steps(progress, args):
                    break

        train_time = time.perf_counter() - epoch_started
        validation_loss = evaluate_loss(task, model, validation_loader, accelerator)
        record = {
            "epoch": progress.epoch + 1,
            "step": progress.global_step,
            **{f"train_{name}": mean for name, mean in epoch_means(progress).items()},
            "validation_loss": validation_loss,
            "learning_rate": next(iter(optimizers.values())).param_groups[0]["lr"],
            # Of this process's training batches (since the resumption, for a resumed epoch): a share near 1 means
            # the model waits for its data loaders.
            "train_time_s": train_time,
            "data_wait_share": data_wait[0] / train_time if train_time else 0.0,
        }
        progress.history.append(record)
        accelerator.log(record, step=progress.global_step)
        logger.info(
            "epoch %d: %s", record["epoch"], ", ".join(f"{k} {v:.4f}" for k, v in record.items() if "loss" in k)
        )
        if args.lr_scheduler == "plateau":
            for scheduler in schedulers.values():
                scheduler.step(validation_loss)
        # A task whose validation loss selects nothing keeps its latest model, as if each epoch improved.
        if not task.selects_by_validation_loss or validation_loss < progress.best_validation_loss:
            progress.best_validation_loss, progress.epochs_without_improvement = validation_loss, 0
            accelerator.wait_for_everyone()
            if accelerator.is_main_process:
                task.save(accelerator.unwrap_model(model), output_dir)
        else:
            progress.epochs_without_improvement += 1
        progress.epoch += 1
        progress.batches_done_in_epoch, progress.epoch_sums, progress.epoch_counts = 0, {}, {}
        write_record()
        save_checkpoint(state, output_dir, args.keep_checkpoints)
        if _stopped_early(progress, args):
            logger.info("Early stop: no better validation loss for %d epochs", progress.epochs_without_improvement)
    bar.close()
    accelerator.end_training()
    write_record()
    if accelerator.is_main_process:
        (output_dir / HISTORY_FILENAME).write_text(json.dumps(progress.history, indent=1))
        plot_losses(progress.history, output_dir / "loss_curve.png")
    return TrainingResult(
        output_dir,
        progress.best_validation_loss,
        progress.history,
        _stopped_early(progress, args),
        steps=progress.global_step,
        epochs=progress.epoch,
        wall_time_s=progress.wall_time_s,
        initial_validation_loss=progress.initial_validation_loss,
    )


def epoch_means(progress: Progress) -> dict[str, float]:
    """The epoch's mean training losses so far, by name."""
    return {name: total / max(progress.epoch_counts[name], 1) for name, total in progress.epoch_sums.items()}


def timed(batches, waited: list[float]):
    """`batches`, adding to `waited[0]` the seconds spent waiting for each."""
    iterator = iter(batches)
    while True:
        started = time.perf_counter()
        try:
            batch = next(iterator)
        except StopIteration:
            return
        waited[0] += time.perf_counter() - started
        yield batch


def _run_record(
    task: TrainingTask, args: TrainingArguments, arguments: Sequence, accelerator: Accelerator, progress: Progress
) -> dict:
    """training_args.json of the run so far; `args` (this run's) replaces any TrainingArguments in `arguments`."""
    init_from = task.init_record()
    if init_from is not None:
        init_from = {**init_from, "validation_loss_before_training": progress.initial_validation_loss}
    return run_record(
        [*arguments, args],
        device=accelerator.device,
        mixed_precision=accelerator.mixed_precision,
        num_processes=accelerator.num_processes,
        steps=progress.global_step,
        epochs=progress.epoch,
        wall_time_s=progress.wall_time_s,
        init_from=init_from,
    )


def _reached_max_steps(progress: Progress, args: TrainingArguments) -> bool:
    return args.max_steps is not None and progress.global_step >= args.max_steps


def _stopped_early(progress: Progress, args: TrainingArguments) -> bool:
    """Checked before each epoch too: a resumed run that had stopped early stays stopped."""
    return (
        args.early_stopping_patience is not None
        and progress.epochs_without_improvement >= args.early_stopping_patience
    )


@torch.no_grad()
def evaluate_loss(task: TrainingTask, model, loader, accelerator: Accelerator) -> float:
    """Mean loss per unit over the whole validation set, each item counted once across processes."""
    model.eval()
    total, count = 0.0, 0.0
    for batch in loader:
        loss_sum, item_count = task.item_losses(model, batch)
        loss_sum, item_count = accelerator.gather_for_metrics((loss_sum.detach().float(), item_count.detach().float()))
        total += loss_sum.sum().item()
        count += item_count.sum().item()
    model.train()
    return total / count if count else math.nan


def dataloader_options(args: TrainingArguments) -> dict:
    """DataLoader settings for `args.num_workers` (when None: none on a CPU, whose cores compute; else one per core of
    the process's share but one, at most 8), with pinned memory for a GPU. Workers are not kept between epochs: a new
    iterator draws its workers' seed from the global RNG, and a resumed run must draw what the uninterrupted one did."""
    workers, gpu = args.num_workers, torch.cuda.is_available() and not args.cpu
    if workers is None:
        workers = 0
        if gpu:
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
            workers = max(min(8, cores // max(PartialState().num_processes, 1) - 1), 0)
    return {"num_workers": workers, "pin_memory": gpu}


def make_scheduler(optimizer, args: TrainingArguments, total_steps: int):
    if args.lr_scheduler == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode="min", factor=0.5, patience=args.plateau_patience
        )
    from transformers import get_scheduler

    name = {
        "cosine": "cosine",
        "linear": "linear",
        "constant": "constant_with_warmup",
        "inverse_sqrt": "inverse_sqrt",
    }[args.lr_scheduler]
    return get_scheduler(name, optimizer, num_warmup_steps=args.warmup_steps, num_training_steps=max(1, total_steps))


def plot_losses(history: list[dict], path: Path) -> None:
    """The training losses (a GAN has two) and the validation loss per epoch, as PNG."""
    if not history:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [record["epoch"] for record in history]
    figure, axis = plt.subplots(figsize=(6, 4))
    names = [name for name in history[-1] if name.startswith("train_") and name.endswith("loss")]
    for name in [*names, "validation_loss"]:
        label = "train" if name == "train_loss" else name.removesuffix("_loss").replace("_", " ")
        axis.plot(epochs, [record.get(name, math.nan) for record in history], marker="o", label=label)
    axis.set_xlabel("epoch")
    axis.set_ylabel("loss")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
