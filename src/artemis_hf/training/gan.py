"""Train the emotion-conditioned art GAN on the shared loop, then let an image emotion classifier judge it.

    artemis-hf train gan --output_dir runs/gan
    artemis-hf train gan --classifier runs/image-emotion --output_dir runs/gan   (judged at the end)
    accelerate launch -m artemis_hf.training.gan --output_dir runs/gan

Each painting is conditioned on its most voted emotion. Every step trains the discriminator (hinge loss, real
paintings against generated ones) and then the generator, with an optimizer each; the generator's moving average
samples. The run's folder ends up with that generator (what `AutoModel` and `artemis-hf generate` load), its image
processor, `discriminator/`, `samples/` (a grid per emotion every `--sample_every_steps`), `samples.png`,
`loss_curve.png`, and with `--classifier`, `eval_results.json`; then the card.
"""

from __future__ import annotations

import copy
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from accelerate import PartialState
from torch import nn

from ..argparsing import run_command
from ..data.paintings import load_painting_splits
from ..data.sources import ReleaseArguments, results_dataset_name
from ..emotions import EMOTIONS, dominant_emotion
from ..hub import write_model_card
from ..models.art_gan import DISCRIMINATOR_FOLDER, ArtGANConfig, ArtGANDiscriminator, ArtGANGenerator
from ..models.image_emotion import ImageEmotionImageProcessor
from .arguments import GanArguments, GanTrainingArguments
from .loop import Progress, Step, TrainingTask, train

logger = logging.getLogger(__name__)

SAMPLES_DIR, SAMPLE_GRID = "samples", "samples.png"
SAMPLES_PER_EMOTION = 8  # columns of the sample grids


def gan_processor(image_size: int) -> ImageEmotionImageProcessor:
    """Paintings resized to the GAN's side and scaled to [-1, 1], the generator's range; saved with the generator."""
    return ImageEmotionImageProcessor(
        size={"height": image_size, "width": image_size}, image_mean=[0.5] * 3, image_std=[0.5] * 3
    )


def translate(images: torch.Tensor, fraction: float) -> torch.Tensor:
    """Shift each image of (B, C, H, W) by up to `fraction` of its side, filling with zeros (mid-grey): the same
    differentiable augmentation for real and generated images (Zhao et al., 2020, "DiffAugment")."""
    batch, channels, height, width = images.shape
    shift = round(height * fraction)
    if not shift:
        return images
    padded = nn.functional.pad(images, (shift,) * 4).flatten(2)  # (B, C, (H + 2s) * (W + 2s))
    rows, cols = torch.randint(0, 2 * shift + 1, (2, batch, 1, 1), device=images.device)
    rows = rows + torch.arange(height, device=images.device)[None, :, None]  # (B, H, 1)
    cols = cols + torch.arange(width, device=images.device)[None, None, :]  # (B, 1, W)
    index = (rows * (width + 2 * shift) + cols).flatten(1)  # (B, H * W)
    return padded.gather(2, index[:, None, :].expand(-1, channels, -1)).view(batch, channels, height, width)


class ArtGANTraining(nn.Module):
    """The generator, the discriminator and the generator's moving average, as one module for the loop: its forward
    computes one network's loss, so that Accelerate's wrappers (autocast, DDP) see every call."""

    def __init__(self, config: ArtGANConfig, ema_decay: float, translate_fraction: float, classifier_weight: float):
        super().__init__()
        self.generator, self.discriminator = ArtGANGenerator(config), ArtGANDiscriminator(config)
        self.average_generator = copy.deepcopy(self.generator).requires_grad_(False)
        self.register_buffer("average_steps", torch.zeros((), dtype=torch.long))
        self.ema_decay, self.translate_fraction = ema_decay, translate_fraction
        self.classifier_weight = classifier_weight

    @property
    def config(self) -> ArtGANConfig:
        return self.generator.config

    def discriminate(self, images: torch.Tensor, emotion_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(scores (B,), the auxiliary classifier's loss (B,), times its weight) of augmented `images`."""
        output = self.discriminator(translate(images, self.translate_fraction), emotion_ids)
        classification = nn.functional.cross_entropy(output.logits.float(), emotion_ids, reduction="none")
        return output.scores, self.classifier_weight * classification

    def forward(self, images: torch.Tensor, emotion_ids: torch.Tensor, network: str):
        """Per-painting hinge losses (B,) of `network`:
        - "discriminator": real `images` against fakes of the same emotions; returns (losses, fakes), the fakes still
          attached to the generator, whose step trains on them next (one generator pass a step);
        - "generator": the fakes (`images`) that the updated discriminator scores;
        - "validation": the discriminator's loss on real `images` against the average generator's fakes."""
        if network == "generator":  # fakes that look real, and of their emotion to the auxiliary classifier
            scores, classification = self.discriminate(images, emotion_ids)
            return classification - scores
        noise = torch.randn(len(emotion_ids), self.config.noise_dim, device=emotion_ids.device)
        painter = self.average_generator if network == "validation" else self.generator
        fakes = painter(noise, emotion_ids).images  # (B, 3, H, W)
        (real_scores, classification), (fake_scores, _) = (
            self.discriminate(images, emotion_ids),
            self.discriminate(fakes.detach(), emotion_ids),
        )
        losses = torch.relu(1 - real_scores) + torch.relu(1 + fake_scores) + classification
        return losses if network == "validation" else (losses, fakes)

    @torch.no_grad()
    def update_average(self) -> None:
        """One step of the moving average; its batch-norm statistics are the generator's."""
        self.average_steps += 1
        steps = self.average_steps.item()
        decay = min(self.ema_decay, (1 + steps) / (10 + steps))
        for average, current in zip(self.average_generator.parameters(), self.generator.parameters()):
            average.lerp_(current, 1 - decay)
        for average, current in zip(self.average_generator.buffers(), self.generator.buffers()):
            average.copy_(current)


@dataclass
class PaintingEmotions:
    """Rows of the paintings config -> pixel_values in [-1, 1] and each painting's most voted emotion. A class, so
    that DataLoader workers pickle it."""

    processor: ImageEmotionImageProcessor

    def __call__(self, rows: dict) -> dict:
        return {
            "pixel_values": self.processor(rows["image"], return_tensors="pt")["pixel_values"],
            "emotion_ids": torch.from_numpy(dominant_emotion(np.asarray(rows["emotion_histogram"]))),
        }


class GanTask(TrainingTask):
    selects_by_validation_loss = False  # hinge losses do not say how good the paintings are: keep the latest

    def __init__(self, arguments: GanArguments, splits, output_dir: Path, seed: int):
        self.arguments, self.splits, self.output_dir = arguments, splits, output_dir
        self.processor = gan_processor(arguments.image_size)
        self.config = ArtGANConfig(
            image_size=arguments.image_size,
            noise_dim=arguments.noise_dim,
            generator_channels=arguments.generator_channels,
            discriminator_channels=arguments.discriminator_channels,
        )
        # The same noise for every grid of the run, drawn apart from the global RNG (which exact resume replays).
        self.grid_noise = torch.randn(
            len(EMOTIONS) * SAMPLES_PER_EMOTION, self.config.noise_dim, generator=torch.Generator().manual_seed(seed)
        )

    def build_model(self) -> ArtGANTraining:
        arguments = self.arguments
        return ArtGANTraining(self.config, arguments.ema_decay, arguments.translate, arguments.classifier_loss_weight)

    def build_optimizers(self, model: ArtGANTraining, args: GanTrainingArguments) -> dict:
        rates = {"generator": args.learning_rate, "discriminator": self.arguments.discriminator_learning_rate}
        rates["discriminator"] = rates["discriminator"] or 2 * args.learning_rate
        return {
            f"optimizer-{name}": torch.optim.Adam(
                getattr(model, name).parameters(), lr=rate, betas=(args.adam_beta1, args.adam_beta2)
            )
            for name, rate in rates.items()
        }

    def dataloader(self, split: str, batch_size: int, train: bool, num_workers: int):
        dataset = self.splits[split].select_columns(["image", "emotion_histogram"])
        # drop_last in training: batch norm cannot normalise a last batch of one painting.
        return torch.utils.data.DataLoader(
            dataset.with_transform(PaintingEmotions(self.processor)),
            batch_size,
            shuffle=train,
            drop_last=train,
            num_workers=num_workers,
        )

    def get_dataloaders(self, args: GanTrainingArguments):
        workers = args.num_workers or 0
        return (
            self.dataloader("train", args.per_device_batch_size, True, workers),
            self.dataloader("validation", args.per_device_batch_size, False, workers),
        )

    def item_losses(self, model, batch):
        """Validation: the discriminator's hinge loss on held-out paintings against the average generator's fakes.
        It rising while the training loss falls is the discriminator memorising the training paintings."""
        losses = model(batch["pixel_values"], batch["emotion_ids"], network="validation")
        return losses, torch.ones_like(losses)

    def training_step(self, model, batch: dict, step: Step) -> dict[str, tuple[float, float]]:
        accelerator = step.accelerator
        if accelerator.gradient_accumulation_steps != 1:
            raise ValueError("train gan: --gradient_accumulation_steps must be 1 (each step alternates two networks)")
        real = batch["pixel_values"]
        flipped = torch.rand(len(real), device=real.device) < 0.5  # the model's RNG, which resume restores
        real = torch.where(flipped[:, None, None, None], real.flip(-1), real)
        emotions = batch["emotion_ids"]
        discriminator_losses, fakes = model(real, emotions, network="discriminator")
        losses = {"discriminator_loss": optimize(model, discriminator_losses, "discriminator", step)}
        # The generator trains on the same fakes, as the updated discriminator scores them.
        generator_losses = model(fakes, emotions, network="generator")
        losses["generator_loss"] = optimize(model, generator_losses, "generator", step)
        accelerator.unwrap_model(model).update_average()
        return losses

    def after_step(self, model, progress: Progress, accelerator) -> None:
        every = self.arguments.sample_every_steps
        if every and progress.global_step % every == 0 and accelerator.is_main_process:
            generator = accelerator.unwrap_model(model).average_generator
            save_sample_grid(
                generator, self.grid_noise, self.output_dir / SAMPLES_DIR / f"step-{progress.global_step:08d}.png"
            )

    def save(self, model: ArtGANTraining, output_dir: Path) -> None:
        model.average_generator.refresh_batch_norm_statistics()  # the next average step copies the generator's back
        model.average_generator.save_pretrained(output_dir)
        model.discriminator.save_pretrained(output_dir / DISCRIMINATOR_FOLDER)
        self.processor.save_pretrained(output_dir)


def optimize(model, item_losses: torch.Tensor, network: str, step: Step) -> tuple[float, float]:
    """One step of `network`'s optimizer on the mean of `item_losses`; returns their (sum, count) over processes. The
    gradients are cleared after it: the generator's loss reaches the discriminator's weights too."""
    accelerator = step.accelerator
    accelerator.backward(item_losses.mean())
    step.optimizers[f"optimizer-{network}"].step()
    step.schedulers[f"optimizer-{network}"].step()
    model.zero_grad(set_to_none=True)
    total = accelerator.reduce(item_losses.detach().sum(), reduction="sum").item()
    return total, len(item_losses) * accelerator.num_processes


@torch.no_grad()
def save_sample_grid(generator: ArtGANGenerator, noise: torch.Tensor, path: Path) -> None:
    """A row of samples per emotion, from fixed `noise` (rows x columns, noise_dim)."""
    from ..generation import save_image_grid

    was_training = generator.training
    generator.eval()
    emotion_ids = torch.arange(len(EMOTIONS)).repeat_interleave(len(noise) // len(EMOTIONS))
    images = generator(noise.to(generator.device), emotion_ids.to(generator.device)).images
    generator.train(was_training)
    save_image_grid(images, path, columns=len(noise) // len(EMOTIONS), row_labels=list(EMOTIONS))


def training_function(release: ReleaseArguments, arguments: GanArguments, training_args: GanTrainingArguments) -> dict:
    """Train, write the final sample grid, judge with `--classifier` when given, then write the card."""
    if training_args.lr_scheduler == "plateau":
        raise ValueError("train gan: --lr_scheduler plateau follows the validation loss, which does not measure a GAN")
    output_dir = Path(training_args.output_dir)
    csv_path, splits, coverage = load_painting_splits(release, ("train", "validation"), arguments.on_missing_image)
    task = GanTask(arguments, splits, output_dir, training_args.seed)
    result = train(task, training_args, (release, arguments))
    summary = {"steps": result.steps, "epochs": result.epochs, "history": result.history[-1:]}
    if PartialState().is_main_process:
        coverage.save(output_dir)
        generator = ArtGANGenerator.from_pretrained(output_dir)
        save_sample_grid(generator, task.grid_noise, output_dir / SAMPLE_GRID)
        if arguments.classifier is not None:
            from ..evaluation.art_gan import judge_and_record

            dataset_name = arguments.dataset_name or results_dataset_name(csv_path)
            summary["judged"] = judge_and_record(
                generator, arguments.classifier, splits["train"], output_dir, dataset_name,
                arguments.judge_images_per_emotion, training_args.seed,
            )  # fmt: skip
        write_model_card(output_dir)
    return summary


def main(argv: list[str] | None = None) -> int:
    def train_and_print(*arguments):
        print(json.dumps(training_function(*arguments), indent=1))

    arguments = (ReleaseArguments, GanArguments, GanTrainingArguments)
    return run_command(
        train_and_print, arguments, list(sys.argv[1:] if argv is None else argv), f"python -m {__spec__.name}"
    )


if __name__ == "__main__":
    sys.exit(main())
