"""The CS230 report's baseline: a few named, explainable image features into a small MLP.

Features (per image, from RGB in [0, 1]): brightness and its contrast, saturation, colourfulness (Hasler and
Suesstrunk), warmth; the distance of the image's k dominant colours to each label's palette (fitted on training
images with `fit_palettes`); texture contrast and grain; edge strength, density, orientation entropy and coherence.
"""

import math
from collections.abc import Iterable

import torch
from torch import nn
from transformers import PreTrainedModel

from .configuration_handcrafted_emotion import HandcraftedEmotionConfig
from .modeling_image_emotion import ImageEmotionClassifierOutput, emotion_losses, mlp_head

IMAGE_FEATURES = (
    "brightness", "brightness_contrast", "saturation", "colourfulness", "warmth",
    "texture_contrast", "grain", "edge_strength", "edge_density", "orientation_entropy", "orientation_coherence",
)  # fmt: skip
ORIENTATION_BINS = 8
SOBEL_X = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def colour_histograms(pixel_values: torch.Tensor, bins: int) -> torch.Tensor:
    """(B, 3, H, W) in [0, 1] -> (B, bins**3): the share of pixels in each cell of a bins^3 RGB grid."""
    levels = (pixel_values.clamp(0, 1) * bins).long().clamp(max=bins - 1)  # (B, 3, H, W)
    cells = ((levels[:, 0] * bins + levels[:, 1]) * bins + levels[:, 2]).flatten(1)  # (B, H*W)
    counts = torch.zeros(len(cells), bins**3, device=cells.device).scatter_add_(
        1, cells, torch.ones_like(cells, dtype=torch.float)
    )
    return counts / cells.shape[1]


def dominant_colours(histograms: torch.Tensor, bins: int, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The k most frequent cells of (N, bins**3) histograms: their centre colours (N, k, 3) and shares (N, k)."""
    shares, cells = histograms.topk(k, dim=1)
    rgb = torch.stack([cells // (bins * bins), cells // bins % bins, cells % bins], dim=-1)  # (N, k, 3)
    return (rgb.float() + 0.5) / bins, shares


def palette_distances(colours: torch.Tensor, shares: torch.Tensor, palettes: torch.Tensor) -> torch.Tensor:
    """Share-weighted distance from each image colour (B, k, 3) to the nearest colour of each palette (L, k, 3): (B, L)."""
    distances = torch.cdist(colours[:, None], palettes[None].to(colours))  # (B, L, k, k)
    nearest = distances.min(dim=-1).values  # (B, L, k)
    return (nearest * shares[:, None]).sum(dim=-1) / shares.sum(dim=-1, keepdim=True).clamp(min=1e-12)


def image_features(pixel_values: torch.Tensor, edge_threshold: float) -> torch.Tensor:
    """(B, 3, H, W) in [0, 1] -> (B, len(IMAGE_FEATURES)), in that order."""
    red, green, blue = pixel_values.unbind(dim=1)  # (B, H, W) each
    luminance = 0.299 * red + 0.587 * green + 0.114 * blue
    brightest, darkest = pixel_values.max(dim=1).values, pixel_values.min(dim=1).values
    saturation = (brightest - darkest) / brightest.clamp(min=1e-6)
    red_green, yellow_blue = red - green, 0.5 * (red + green) - blue
    colourfulness = torch.hypot(red_green.flatten(1).std(1), yellow_blue.flatten(1).std(1)) + 0.3 * torch.hypot(
        red_green.flatten(1).mean(1), yellow_blue.flatten(1).mean(1)
    )

    lum = luminance[:, None]  # (B, 1, H, W)
    texture_contrast = 0.5 * (
        (lum[..., 1:] - lum[..., :-1]).abs().flatten(1).mean(1)
        + (lum[..., 1:, :] - lum[..., :-1, :]).abs().flatten(1).mean(1)
    )
    grain = (lum - nn.functional.avg_pool2d(lum, 3, stride=1, padding=1, count_include_pad=False)).flatten(1).std(1)

    sobel = torch.stack([SOBEL_X, SOBEL_X.T])[:, None].to(lum)  # (2, 1, 3, 3)
    gx, gy = nn.functional.conv2d(nn.functional.pad(lum, (1, 1, 1, 1), mode="replicate"), sobel).unbind(dim=1)
    magnitude = torch.hypot(gx, gy)  # (B, H, W)
    edges = magnitude > edge_threshold
    # Orientation histogram of edge pixels, weighted by strength: flowing parallel strokes concentrate it.
    orientation = (torch.atan2(gy, gx) % math.pi / math.pi * ORIENTATION_BINS).long().clamp(max=ORIENTATION_BINS - 1)
    weights = (magnitude * edges).flatten(1)
    histogram = torch.zeros(len(weights), ORIENTATION_BINS, device=weights.device).scatter_add_(
        1, orientation.flatten(1), weights
    )
    histogram = histogram / histogram.sum(dim=1, keepdim=True).clamp(min=1e-12)
    entropy = -(histogram * histogram.clamp(min=1e-12).log()).sum(dim=1) / math.log(ORIENTATION_BINS)
    # Coherence of the mean structure tensor: 1 when all gradients share one direction, 0 when isotropic.
    jxx, jyy, jxy = (gx * gx).flatten(1).mean(1), (gy * gy).flatten(1).mean(1), (gx * gy).flatten(1).mean(1)
    coherence = torch.hypot(jxx - jyy, 2 * jxy) / (jxx + jyy).clamp(min=1e-12)

    columns = [
        luminance.flatten(1).mean(1), luminance.flatten(1).std(1), saturation.flatten(1).mean(1), colourfulness,
        (red - blue).flatten(1).mean(1), texture_contrast, grain, magnitude.flatten(1).mean(1),
        edges.flatten(1).float().mean(1), entropy, coherence,
    ]  # fmt: skip
    return torch.stack(columns, dim=1)


class HandcraftedEmotionPreTrainedModel(PreTrainedModel):
    config_class = HandcraftedEmotionConfig
    base_model_prefix = "handcrafted_emotion"
    main_input_name = "pixel_values"
    input_modalities = ("image",)


class HandcraftedEmotionForImageClassification(HandcraftedEmotionPreTrainedModel):
    def __init__(self, config: HandcraftedEmotionConfig):
        super().__init__(config)
        # Each label's reference palette, (num_labels, palette_size, RGB in [0, 1]): set by `fit_palettes`.
        self.register_buffer("label_palettes", torch.zeros(config.num_labels, config.palette_size, 3))
        self.feature_norm = nn.BatchNorm1d(len(self.feature_names), affine=False)  # features differ in scale
        self.head = mlp_head(
            len(self.feature_names), config.head_hidden_sizes, config.num_labels, config.head_dropout, batch_norm=False
        )
        self.post_init()

    @torch.no_grad()
    def _init_weights(self, module):
        if hasattr(module, "reset_parameters"):  # PyTorch's defaults, as the deep model's head
            module.reset_parameters()

    @property
    def feature_names(self) -> list[str]:
        return list(IMAGE_FEATURES) + [
            f"palette_distance_{self.config.id2label[i]}" for i in range(self.config.num_labels)
        ]

    @torch.no_grad()
    def fit_palettes(self, batches: Iterable[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        """Set each label's palette to the dominant colours of the training images, each image counting for a label
        by its weight. `batches` yields (pixel_values (B, 3, H, W) in [0, 1], label weights (B, num_labels))."""
        bins = self.config.colour_bins
        totals = torch.zeros(self.config.num_labels, bins**3, device=self.label_palettes.device)
        for pixel_values, weights in batches:
            totals += weights.float().to(totals).T @ colour_histograms(pixel_values.to(totals.device), bins)
        if not totals.sum(dim=1).all():
            raise ValueError(
                f"fit_palettes: no training image has weight for label(s) {(totals.sum(dim=1) == 0).nonzero().flatten().tolist()}"
            )
        self.label_palettes.copy_(dominant_colours(totals, bins, self.config.palette_size)[0])
        return self.label_palettes

    def extract_features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) RGB in [0, 1] -> (B, len(feature_names)) raw features, named by `feature_names`."""
        if pixel_values.dim() != 4 or pixel_values.shape[1] != 3:
            raise ValueError(f"pixel_values must be (batch, 3, height, width), got shape {tuple(pixel_values.shape)}")
        if pixel_values.min() < 0 or pixel_values.max() > 1:
            raise ValueError(
                "pixel_values must be RGB in [0, 1]: use this model's image processor (do_normalize=False)"
            )
        pixel_values = pixel_values.float()
        colours, shares = dominant_colours(
            colour_histograms(pixel_values, self.config.colour_bins), self.config.colour_bins, self.config.palette_size
        )
        distances = palette_distances(colours, shares, self.label_palettes)  # (B, num_labels)
        return torch.cat([image_features(pixel_values, self.config.edge_threshold), distances], dim=1)

    def forward(self, pixel_values: torch.Tensor, labels: torch.Tensor | None = None) -> ImageEmotionClassifierOutput:
        r"""labels: (B,) class indices or (B, num_labels) vote counts or probabilities, as `ImageEmotionForImageClassification`."""
        features = self.extract_features(pixel_values)  # (B, F)
        logits = self.head(self.feature_norm(features))  # (B, num_labels)
        loss = None
        if labels is not None:
            losses, weights = emotion_losses(logits, labels)
            loss = (losses * weights).sum() / weights.sum().clamp(min=1)
        return ImageEmotionClassifierOutput(loss=loss, logits=logits, pooler_output=features)


__all__ = ["HandcraftedEmotionForImageClassification", "HandcraftedEmotionPreTrainedModel", "IMAGE_FEATURES"]
