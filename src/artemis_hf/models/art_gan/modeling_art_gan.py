"""The emotion-conditioned art GAN: a DCGAN-style generator with class-conditional batch norm and a projection
discriminator with spectral normalisation (Miyato & Koyama, 2018), for the hinge loss.

Images are (B, 3, H, W) in [-1, 1]; `to_pil_images` turns them into pictures.
"""

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm
from transformers import PreTrainedModel
from transformers.utils import ModelOutput

from .configuration_art_gan import ArtGANConfig


@dataclass
class ArtGANGeneratorOutput(ModelOutput):
    """images: (batch, 3, image_size, image_size) in [-1, 1]."""

    images: torch.FloatTensor | None = None


@dataclass
class ArtGANDiscriminatorOutput(ModelOutput):
    """scores: (batch,) how real each image looks for its emotion (the hinge loss wants > 1 for real, < -1 for fake).
    logits: (batch, num_labels) the auxiliary classifier's emotion scores (Odena et al., 2017).
    pooler_output: (batch, discriminator_channels[-1]) the pooled features that both read."""

    scores: torch.FloatTensor | None = None
    logits: torch.FloatTensor | None = None
    pooler_output: torch.FloatTensor | None = None


class ArtGANPreTrainedModel(PreTrainedModel):
    config_class = ArtGANConfig
    base_model_prefix = "art_gan"
    input_modalities = ("image",)

    @torch.no_grad()
    def _init_weights(self, module):
        # The generator's layers: DCGAN's N(0, 0.02). The discriminator's keep PyTorch's defaults, whose scale spectral
        # normalisation divides away. The conditional norms start as the identity, so that every emotion starts from
        # the same network.
        if isinstance(module, (nn.ConvTranspose2d, nn.Linear)) and not hasattr(module, "parametrizations"):
            nn.init.normal_(module.weight, 0.0, 0.02)
            nn.init.zeros_(module.bias)
        elif isinstance(module, ConditionalBatchNorm2d):
            nn.init.ones_(module.scale)
            nn.init.zeros_(module.shift)


class ConditionalBatchNorm2d(nn.Module):
    """Batch norm whose scale and shift are looked up per emotion (de Vries et al., 2017)."""

    def __init__(self, channels: int, num_labels: int):
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.scale = nn.Parameter(torch.ones(num_labels, channels))  # one row per emotion
        self.shift = nn.Parameter(torch.zeros(num_labels, channels))

    def forward(self, hidden: torch.Tensor, emotion_ids: torch.Tensor) -> torch.Tensor:
        scale, shift = self.scale[emotion_ids, :, None, None], self.shift[emotion_ids, :, None, None]  # (B, C, 1, 1)
        return self.norm(hidden) * scale + shift


def check_emotion_ids(emotion_ids: torch.Tensor, batch: int, num_labels: int) -> None:
    if emotion_ids.shape != (batch,) or emotion_ids.is_floating_point():
        raise ValueError(f"emotion_ids must be ({batch},) integer ids, got shape {tuple(emotion_ids.shape)}")
    if len(emotion_ids) and not 0 <= int(emotion_ids.min()) <= int(emotion_ids.max()) < num_labels:
        raise ValueError(f"emotion_ids must be in [0, {num_labels}), got {emotion_ids.tolist()}")


class ArtGANGenerator(ArtGANPreTrainedModel):
    """Noise and an emotion -> a painting: a linear map to 4 x 4, then per resolution conditional batch norm, ReLU
    and a 4 x 4 transposed convolution of stride 2 (DCGAN's), the last one to RGB, and tanh."""

    main_input_name = "noise"

    def __init__(self, config: ArtGANConfig):
        super().__init__(config)
        channels = config.generator_channels
        self.project = nn.Linear(config.noise_dim, channels[0] * 4 * 4)
        self.norms = nn.ModuleList(ConditionalBatchNorm2d(width, config.num_labels) for width in channels)
        self.upsamples = nn.ModuleList(
            nn.ConvTranspose2d(width, next_width, 4, stride=2, padding=1)
            for width, next_width in zip(channels, [*channels[1:], 3])
        )
        self.post_init()

    def forward(self, noise: torch.Tensor, emotion_ids: torch.LongTensor) -> ArtGANGeneratorOutput:
        r"""
        noise: (B, noise_dim), standard normal.
        emotion_ids: (B,) indices into `config.id2label`.
        """
        if noise.dim() != 2 or noise.shape[1] != self.config.noise_dim:
            raise ValueError(f"noise must be (batch, {self.config.noise_dim}), got shape {tuple(noise.shape)}")
        check_emotion_ids(emotion_ids, len(noise), self.config.num_labels)
        hidden = self.project(noise).view(len(noise), -1, 4, 4)  # (B, C0, 4, 4)
        for norm, upsample in zip(self.norms, self.upsamples):
            hidden = upsample(torch.relu(norm(hidden, emotion_ids)))  # (B, C, 2h, 2w), then (B, 3, H, W)
        return ArtGANGeneratorOutput(images=torch.tanh(hidden))

    @torch.no_grad()
    def refresh_batch_norm_statistics(self, num_batches: int = 16, batch_size: int = 64, seed: int = 0) -> None:
        """Set the batch-norm statistics to this generator's own, averaged over `num_batches` of random noise and
        emotions ("standing statistics", Brock et al., 2019): a moving average of weights, or untrained weights, have
        none of their own. Draws from its own seeded RNG, never the global one."""
        rng = torch.Generator(self.device).manual_seed(seed)
        was_training = self.training
        self.train()
        for norm in self.norms:
            norm.norm.reset_running_stats()
            norm.norm.momentum = None  # a cumulative average over the batches below
        for _ in range(num_batches):
            emotion_ids = torch.randint(self.config.num_labels, (batch_size,), generator=rng, device=self.device)
            self(torch.randn(batch_size, self.config.noise_dim, generator=rng, device=self.device), emotion_ids)
        for norm in self.norms:
            norm.norm.momentum = 0.1  # BatchNorm2d's default, for whoever trains it further
        self.train(was_training)

    @torch.no_grad()
    def sample(self, emotion_ids: torch.LongTensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Images (B, 3, H, W) in [-1, 1] for `emotion_ids` (B,), from noise drawn with `generator` (a seeded
        `torch.Generator` on the model's device makes them repeatable)."""
        emotion_ids = emotion_ids.to(self.device)
        noise = torch.randn(len(emotion_ids), self.config.noise_dim, generator=generator, device=self.device)
        return self(noise, emotion_ids).images


class ArtGANDiscriminator(ArtGANPreTrainedModel):
    """A painting and an emotion -> a realness score: spectrally normalised 4 x 4 convolutions of stride 2 down to
    4 x 4, each with LeakyReLU, sum pooling, and a linear score plus the projection of the pooled features on the
    emotion's embedding; an auxiliary head classifies the emotion from the same features."""

    main_input_name = "pixel_values"

    def __init__(self, config: ArtGANConfig):
        super().__init__(config)
        channels = config.discriminator_channels
        layers = []
        for width, next_width in zip([3, *channels], channels):
            layers += [spectral_norm(nn.Conv2d(width, next_width, 4, stride=2, padding=1)), nn.LeakyReLU(0.1)]
        self.features = nn.Sequential(*layers)
        self.score = spectral_norm(nn.Linear(channels[-1], 1))
        self.emotion_embedding = spectral_norm(nn.Embedding(config.num_labels, channels[-1]))
        self.classifier = spectral_norm(nn.Linear(channels[-1], config.num_labels))
        self.post_init()

    def forward(self, pixel_values: torch.Tensor, emotion_ids: torch.LongTensor) -> ArtGANDiscriminatorOutput:
        r"""
        pixel_values: (B, 3, image_size, image_size) in [-1, 1].
        emotion_ids: (B,) indices into `config.id2label`.
        """
        size = self.config.image_size
        if pixel_values.dim() != 4 or tuple(pixel_values.shape[1:]) != (3, size, size):
            raise ValueError(f"pixel_values must be (batch, 3, {size}, {size}), got shape {tuple(pixel_values.shape)}")
        check_emotion_ids(emotion_ids, len(pixel_values), self.config.num_labels)
        pooled = self.features(pixel_values).sum(dim=(2, 3))  # (B, C)
        projection = (self.emotion_embedding(emotion_ids) * pooled).sum(dim=1)  # (B,)
        scores = self.score(pooled).squeeze(1) + projection
        return ArtGANDiscriminatorOutput(scores=scores, logits=self.classifier(pooled), pooler_output=pooled)


def to_pil_images(images: torch.Tensor) -> list[Image.Image]:
    """(B, 3, H, W) in [-1, 1] -> RGB pictures."""
    pixels = ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)  # (B, 3, H, W)
    return [Image.fromarray(np.ascontiguousarray(image.permute(1, 2, 0).cpu().numpy())) for image in pixels]


__all__ = [
    "ArtGANDiscriminator",
    "ArtGANDiscriminatorOutput",
    "ArtGANGenerator",
    "ArtGANGeneratorOutput",
    "ArtGANPreTrainedModel",
    "to_pil_images",
]
