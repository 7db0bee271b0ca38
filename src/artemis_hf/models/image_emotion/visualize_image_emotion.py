"""Class model visualisation (Simonyan et al., 2014; Yosinski et al., 2015) for the image-to-emotion models, as the
CS230 report showed: one image per emotion, grown from faint noise by gradient ascent on that emotion's logit.

Regularisers keep the images readable rather than adversarial: random jitter (a roll) each step and a Gaussian blur
every few steps, total variation and L2 penalties, and pixels clamped to what the image processor can produce.
"""

import math
from dataclasses import dataclass

import torch
from torch import nn
from transformers.utils import ModelOutput
from transformers.utils.logging import tqdm

from .configuration_image_emotion import EMOTIONS


@dataclass
class ClassVisualizationOutput(ModelOutput):
    r"""
    images (`torch.FloatTensor` of shape `(9, 3, height, width)`): one RGB image in [0, 1] per emotion, in the order
        of `EMOTIONS` (the model's labels).
    initial_logits (`torch.FloatTensor` of shape `(9,)`): each emotion's logit on its starting noise.
    final_logits (`torch.FloatTensor` of shape `(9,)`): each emotion's logit on its final image.
    """

    images: torch.FloatTensor | None = None
    initial_logits: torch.FloatTensor | None = None
    final_logits: torch.FloatTensor | None = None


def check_emotion_labels(model, name: str = "model") -> None:
    """Refuse a model whose `config.id2label` is not the nine emotions in order: `name` is how the error names it."""
    labels = [model.config.id2label[index] for index in sorted(model.config.id2label)]
    if labels != list(EMOTIONS):
        raise ValueError(
            f"{name} has the labels {labels}, not the 9 emotions {list(EMOTIONS)} in order: train one with "
            "--label_scheme emotion"
        )


def processor_image_size(image_processor) -> tuple[int, int]:
    """(height, width) of the images the processor makes: its `size` ({"height", "width"} or {"shortest_edge"})."""
    size = image_processor.size
    if "height" in size and "width" in size:
        return size["height"], size["width"]
    if "shortest_edge" in size:
        return size["shortest_edge"], size["shortest_edge"]
    raise ValueError(f"cannot tell the image size from the image processor's size {dict(size)}: pass image_size")


def gaussian_blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """(B, C, H, W) blurred by a separable Gaussian of `sigma` pixels, edges reflected."""
    radius = min(math.ceil(3 * sigma), min(images.shape[-2:]) - 1)
    offsets = torch.arange(-radius, radius + 1, device=images.device, dtype=images.dtype)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = kernel / kernel.sum()
    channels = images.shape[1]
    padded = nn.functional.pad(images, (radius, radius, radius, radius), mode="reflect")
    rows = nn.functional.conv2d(padded, kernel.view(1, 1, 1, -1).repeat(channels, 1, 1, 1), groups=channels)
    return nn.functional.conv2d(rows, kernel.view(1, 1, -1, 1).repeat(channels, 1, 1, 1), groups=channels)


def total_variation(images: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B,): the squared differences of neighbouring pixels, summed (penalises high-frequency noise)."""
    down = (images[..., 1:, :] - images[..., :-1, :]).pow(2).flatten(1).sum(1)
    right = (images[..., 1:] - images[..., :-1]).pow(2).flatten(1).sum(1)
    return down + right


def class_model_visualization(
    model,
    image_processor,
    num_steps: int = 200,
    learning_rate: float = 0.05,
    jitter: int = 8,
    blur_every: int = 10,
    blur_sigma: float = 0.5,
    tv_weight: float = 0.5,
    l2_weight: float = 0.05,
    noise_std: float = 0.05,
    image_size: int | tuple[int, int] | None = None,
    seed: int = 0,
    progress: bool = False,
) -> ClassVisualizationOutput:
    """One image per emotion that maximises that emotion's logit of `model` (an image emotion classifier whose labels
    are the nine emotions), optimised in the `image_processor`'s normalised space from mid-grey plus `noise_std`
    noise (seeded by `seed` alone: the global RNG is untouched).

    Each step rolls the images by up to `jitter` pixels, takes a step of `learning_rate` (normalised units) up the
    target logit (its gradient scaled to a mean magnitude of 1) minus `tv_weight` * total variation minus
    `l2_weight` * squared norm, blurs with `blur_sigma` every `blur_every` steps (0: never), and clamps to the values
    that pixels in [0, 1] give. `image_size`: an int or (height, width); default: the processor's size.
    """
    check_emotion_labels(model)
    if num_steps < 0 or jitter < 0 or blur_every < 0:
        raise ValueError(f"num_steps, jitter and blur_every must be >= 0, got {num_steps}, {jitter}, {blur_every}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    height, width = image_size or processor_image_size(image_processor)
    if height < 1 or width < 1:
        raise ValueError(f"image_size must be positive, got {height} x {width}")
    device = model.device
    generator = torch.Generator(device="cpu").manual_seed(seed)

    # Pixels in [0, 1] map to [(0 - mean) / std, (1 - mean) / std] per channel after the processor's normalisation.
    if getattr(image_processor, "do_normalize", True):
        mean, std = (
            torch.tensor(values, dtype=torch.float32, device=device).reshape(-1).expand(3).reshape(1, 3, 1, 1)
            for values in (image_processor.image_mean, image_processor.image_std)
        )  # a float or one value per channel
    else:
        mean, std = torch.zeros(1, 3, 1, 1, device=device), torch.ones(1, 3, 1, 1, device=device)
    low, high = (0 - mean) / std, (1 - mean) / std  # (1, 3, 1, 1) each

    num_labels = len(EMOTIONS)
    targets = torch.arange(num_labels, device=device)  # image i raises logit i
    noise = torch.randn(num_labels, 3, height, width, generator=generator)
    start = ((0.5 + noise_std * noise).clamp(0, 1).to(device) - mean) / std  # (9, 3, H, W), normalised
    images = start.clone()

    def target_logits(pixel_values: torch.Tensor) -> torch.Tensor:  # (9, 3, H, W) -> (9,)
        logits = model(pixel_values=pixel_values.to(model.dtype)).logits.float()  # (9, 9)
        return logits.gather(1, targets[:, None])[:, 0]

    was_training = model.training
    model.eval()  # batch norm's running statistics: nine images are no batch to normalise by
    try:
        with torch.no_grad():
            initial_logits = target_logits(start)
        for step in tqdm(range(num_steps), desc="Class visualisation", disable=not progress):
            shift_y, shift_x = torch.randint(-jitter, jitter + 1, (2,), generator=generator).tolist()
            # A different crop of the image each step: features that only work at one pixel offset do not survive.
            shifted = images.roll((shift_y, shift_x), dims=(2, 3)).requires_grad_()
            with torch.enable_grad():
                (ascent,) = torch.autograd.grad(target_logits(shifted).sum(), shifted)  # (9, 3, H, W)
                penalty = tv_weight * total_variation(shifted) + l2_weight * shifted.pow(2).flatten(1).sum(1)  # (9,)
                (descent,) = torch.autograd.grad(penalty.sum(), shifted)  # (9, 3, H, W)
            # The logit's gradient is scaled to a mean magnitude of 1, as its scale differs from model to model; the
            # penalties' stay in pixel units, so that their weights mean the same for every model.
            ascent = ascent / ascent.abs().flatten(1).mean(1).clamp(min=1e-12)[:, None, None, None]
            images = (shifted.detach() + learning_rate * (ascent - descent)).roll((-shift_y, -shift_x), dims=(2, 3))
            if blur_every and blur_sigma > 0 and (step + 1) % blur_every == 0:
                images = gaussian_blur(images, blur_sigma)
            images = torch.maximum(
                torch.minimum(images, high), low
            )  # after the blur: its sums can round past the bounds
        with torch.no_grad():
            final_logits = target_logits(images)
    finally:
        model.train(was_training)
    pixels = (images * std + mean).clamp(0, 1)  # (9, 3, H, W) in [0, 1]
    return ClassVisualizationOutput(
        images=pixels.detach().cpu(), initial_logits=initial_logits.cpu(), final_logits=final_logits.cpu()
    )


__all__ = [
    "ClassVisualizationOutput",
    "check_emotion_labels",
    "class_model_visualization",
    "gaussian_blur",
    "total_variation",
]
