"""Image to emotion: any timm backbone, its pooled features and an MLP head, trained as the ArtEmis reference does
(KL divergence from each painting's normalised emotion histogram) or with plain class labels."""

from dataclasses import dataclass

import timm
import torch
from timm.models import group_parameters
from torch import nn
from transformers import PreTrainedModel
from transformers.utils import ModelOutput

from .configuration_image_emotion import ImageEmotionConfig


def emotion_losses(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-item loss (B,) and weight (B,) of `logits` (B, K) against `labels`:

    - (B, K) vote counts or probabilities: KL divergence from the normalised row (the reference's loss); a row
      without votes weighs 0;
    - (B,) class indices: cross-entropy; -100 weighs 0.
    """
    if labels.dim() == 2 and labels.shape == logits.shape:
        mass = labels.float().sum(dim=-1, keepdim=True)  # (B, 1)
        target = labels.float() / mass.clamp(min=1e-12)
        losses = nn.functional.kl_div(logits.float().log_softmax(dim=-1), target, reduction="none").sum(dim=-1)
        return losses, (mass.squeeze(-1) > 0).float()
    if labels.dim() == 1 and len(labels) == len(logits) and not labels.is_floating_point():
        losses = nn.functional.cross_entropy(logits.float(), labels, reduction="none", ignore_index=-100)
        return losses, (labels != -100).float()
    raise ValueError(
        f"labels must be ({len(logits)},) class indices or ({len(logits)}, {logits.shape[-1]}) vote counts or "
        f"probabilities, got shape {tuple(labels.shape)} and dtype {labels.dtype}"
    )


def mlp_head(
    in_features: int, hidden_sizes: list[int], num_labels: int, dropout: float, batch_norm: bool
) -> nn.Sequential:
    """Linear -> [BatchNorm] -> ReLU -> Dropout for each hidden width, then Linear to the logits."""
    layers = []
    for width in hidden_sizes:
        layers += [
            nn.Linear(in_features, width),
            nn.BatchNorm1d(width) if batch_norm else nn.Identity(),
            nn.ReLU(),
            nn.Dropout(dropout),
        ]
        in_features = width
    layers.append(nn.Linear(in_features, num_labels))
    return nn.Sequential(*layers)


@dataclass
class ImageEmotionClassifierOutput(ModelOutput):
    """
    loss: the label loss (mean over weighted items), plus the auxiliary cross-entropy when auxiliary labels are given.
    logits: (batch, num_labels) scores of the label scheme.
    auxiliary_logits: (batch, len(config.auxiliary_labels)) scores of the auxiliary task, if the model has its head.
    pooler_output: (batch, backbone.num_features) pooled backbone features (e.g. for nearest-neighbour search).
    """

    loss: torch.FloatTensor | None = None
    logits: torch.FloatTensor | None = None
    auxiliary_logits: torch.FloatTensor | None = None
    pooler_output: torch.FloatTensor | None = None


class ImageEmotionPreTrainedModel(PreTrainedModel):
    config_class = ImageEmotionConfig
    base_model_prefix = "image_emotion"
    main_input_name = "pixel_values"
    input_modalities = ("image",)
    # A checkpoint of the "genre then emotion" schedule's first phase loads without its auxiliary head, by design.
    _keys_to_ignore_on_load_unexpected = [r"auxiliary_head\."]


class ImageEmotionForImageClassification(ImageEmotionPreTrainedModel):
    def __init__(self, config: ImageEmotionConfig):
        super().__init__(config)
        try:  # weights come from a checkpoint or training, never from a download here
            self.backbone = timm.create_model(
                config.backbone, pretrained=False, num_classes=0, **(config.backbone_kwargs or {})
            )
        except RuntimeError as error:
            raise ValueError(
                f"backbone={config.backbone!r} is not a model of timm {timm.__version__}: {error}"
            ) from error
        width = self.backbone.num_features
        self.head = mlp_head(
            width, config.head_hidden_sizes, config.num_labels, config.head_dropout, config.head_batch_norm
        )
        self.auxiliary_head = nn.Linear(width, len(config.auxiliary_labels)) if config.auxiliary_labels else None
        self.post_init()
        self.set_trainable_stages(config.trainable_stages)

    @torch.no_grad()
    def _init_weights(self, module):
        # timm initialised the backbone as its authors intend. The heads get PyTorch's defaults: from transformers'
        # N(0, 0.02), Adam's steps swamp the tiny hidden weights (scale-free under batch norm) and training stalls
        # (synthetic paintings, 20 epochs: 44% test accuracy against 70%).
        heads = [self.head] + ([self.auxiliary_head] if self.auxiliary_head is not None else [])
        if any(module is layer for head in heads for layer in head.modules()) and hasattr(module, "reset_parameters"):
            module.reset_parameters()

    def backbone_stages(self) -> list[list[nn.Parameter]]:
        """The backbone's parameters by stage, input side first, as timm's coarse `group_matcher` groups them."""
        named = dict(self.backbone.named_parameters())
        groups = group_parameters(self.backbone, self.backbone.group_matcher(coarse=True))
        return [[named[name] for name in groups[index]] for index in sorted(groups)]

    def set_trainable_stages(self, trainable_stages: int | None) -> None:
        """Train the last `trainable_stages` stages of the backbone (None: all, 0: none); the heads always train."""
        stages = self.backbone_stages()
        if trainable_stages is not None and not 0 <= trainable_stages <= len(stages):
            raise ValueError(
                f"trainable_stages must be None or in [0, {len(stages)}] for {self.config.backbone}, got {trainable_stages}"
            )
        first_trained = 0 if trainable_stages is None else len(stages) - trainable_stages
        for index, parameters in enumerate(stages):
            for parameter in parameters:
                parameter.requires_grad_(index >= first_trained)
        self.config.trainable_stages = trainable_stages

    def forward_features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) -> the backbone's last feature map, (B, C, h, w) for convolutional backbones."""
        channels = (self.config.backbone_kwargs or {}).get("in_chans", 3)
        if pixel_values.dim() != 4 or pixel_values.shape[1] != channels:
            raise ValueError(
                f"pixel_values must be (batch, {channels}, height, width), got shape {tuple(pixel_values.shape)}"
            )
        return self.backbone.forward_features(pixel_values)

    def forward_head(self, features: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        """Feature map -> logits (B, num_labels), or the pooled features (B, C) with `pre_logits`, as timm does."""
        pooled = self.backbone.forward_head(features, pre_logits=True)  # (B, C)
        return pooled if pre_logits else self.head(pooled)

    def forward(
        self,
        pixel_values: torch.Tensor,
        labels: torch.Tensor | None = None,
        auxiliary_labels: torch.LongTensor | None = None,
    ) -> ImageEmotionClassifierOutput:
        r"""
        labels: (B,) class indices, or (B, num_labels) vote counts or probabilities (e.g. emotion histograms), see
            `emotion_losses`.
        auxiliary_labels: (B,) indices into `config.auxiliary_labels` (-100 ignored).
        """
        pooled = self.forward_head(self.forward_features(pixel_values), pre_logits=True)  # (B, C)
        logits = self.head(pooled)  # (B, num_labels)
        auxiliary_logits = self.auxiliary_head(pooled) if self.auxiliary_head is not None else None
        loss = None
        if labels is not None:
            losses, weights = emotion_losses(logits, labels)
            loss = (losses * weights).sum() / weights.sum().clamp(min=1)
        if auxiliary_labels is not None:
            if auxiliary_logits is None:
                raise ValueError(
                    "auxiliary_labels were given, but config.auxiliary_labels is None: this model has no auxiliary head"
                )
            auxiliary_loss = nn.functional.cross_entropy(auxiliary_logits.float(), auxiliary_labels)
            loss = auxiliary_loss if loss is None else loss + auxiliary_loss
        return ImageEmotionClassifierOutput(
            loss=loss, logits=logits, auxiliary_logits=auxiliary_logits, pooler_output=pooled
        )


__all__ = [
    "ImageEmotionClassifierOutput",
    "ImageEmotionForImageClassification",
    "ImageEmotionPreTrainedModel",
    "emotion_losses",
    "mlp_head",
]
