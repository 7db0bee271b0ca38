"""Grad-CAM (Selvaraju et al., 2017) for the image-to-emotion model: which regions of the backbone's last feature
map raise the score of a chosen emotion. Heat maps come as arrays in [0, 1] and as overlays on the image (PNG-ready)."""

import numpy as np
import torch
from PIL import Image
from torch import nn

from .image_processing_image_emotion import to_rgb


def _label_index(model, label: int | str) -> int:
    if isinstance(label, str):
        if label not in model.config.label2id:
            raise ValueError(f"label {label!r} is not one of the model's labels {list(model.config.label2id)}")
        return model.config.label2id[label]
    if not 0 <= label < model.config.num_labels:
        raise ValueError(f"label must be in [0, {model.config.num_labels}), got {label}")
    return label


def grad_cam(model, pixel_values: torch.Tensor, label: int | str | None = None) -> np.ndarray:
    """Heat maps (B, H, W) in [0, 1] at the input's resolution, for `label` (an index or a name of
    `model.config.id2label`; None: each image's top prediction). `model` has `forward_features`/`forward_head`."""
    was_training = model.training
    model.eval()
    with torch.enable_grad():
        features = model.forward_features(pixel_values).detach().requires_grad_()  # (B, C, h, w)
        if features.dim() != 4:
            raise ValueError(
                f"Grad-CAM needs a convolutional feature map (B, C, h, w); {model.config.backbone} gives {tuple(features.shape)}"
            )
        logits = model.forward_head(features)  # (B, K)
        if label is None:
            targets = logits.argmax(dim=-1)
        else:
            targets = torch.full((len(logits),), _label_index(model, label), device=logits.device)
        (gradients,) = torch.autograd.grad(logits.gather(1, targets[:, None]).sum(), features)
    model.train(was_training)
    weights = gradients.mean(dim=(2, 3), keepdim=True)  # (B, C, 1, 1): how much each channel raises the score
    cam = torch.relu((weights * features).sum(dim=1, keepdim=True))  # (B, 1, h, w)
    cam = nn.functional.interpolate(cam, size=pixel_values.shape[-2:], mode="bilinear", align_corners=False)[:, 0]
    peak = cam.flatten(1).max(dim=1).values.clamp(min=1e-12)
    return (cam / peak[:, None, None]).detach().float().cpu().numpy()


def jet(values: np.ndarray) -> np.ndarray:
    """The classic 'jet' colour map: (...) in [0, 1] -> (..., 3) uint8, blue (cold) to red (hot)."""
    channels = [np.clip(1.5 - np.abs(4 * values - centre), 0, 1) for centre in (3, 2, 1)]  # red, green, blue
    return (np.stack(channels, axis=-1) * 255).round().astype(np.uint8)


def overlay_heatmap(image: Image.Image, heatmap: np.ndarray, alpha: float = 0.5) -> Image.Image:
    """The heat map (h, w) in [0, 1], resized to the image and coloured with `jet`, blended over it (RGB)."""
    heat = Image.fromarray((np.clip(heatmap, 0, 1) * 255).astype(np.uint8)).resize(
        image.size, Image.Resampling.BILINEAR
    )
    coloured = Image.fromarray(jet(np.asarray(heat, dtype=np.float64) / 255))
    return Image.blend(to_rgb(image), coloured, alpha)


def explain_image(
    model, image_processor, image: Image.Image, label: int | str | None = None
) -> tuple[np.ndarray, Image.Image]:
    """Grad-CAM of one PIL image: its heat map (H, W) at the model's input size, and the overlay at the image's size."""
    pixel_values = image_processor(image, return_tensors="pt")["pixel_values"].to(model.device, model.dtype)
    heatmap = grad_cam(model, pixel_values, label)[0]
    return heatmap, overlay_heatmap(image, heatmap)


__all__ = ["explain_image", "grad_cam", "jet", "overlay_heatmap"]
