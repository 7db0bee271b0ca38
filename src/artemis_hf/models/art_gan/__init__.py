"""The emotion-conditioned art GAN, registered with the Auto classes on import: `AutoModel` loads its generator (the
sampling weights, an exponential moving average of the trained ones); the discriminator is saved beside it, in
`discriminator/`, for whoever continues the training."""

from transformers import AutoConfig, AutoModel

from .configuration_art_gan import EMOTIONS, ArtGANConfig
from .modeling_art_gan import (
    ArtGANDiscriminator,
    ArtGANDiscriminatorOutput,
    ArtGANGenerator,
    ArtGANGeneratorOutput,
    ArtGANPreTrainedModel,
    to_pil_images,
)

DISCRIMINATOR_FOLDER = "discriminator"

AutoConfig.register(ArtGANConfig.model_type, ArtGANConfig, exist_ok=True)
AutoModel.register(ArtGANConfig, ArtGANGenerator, exist_ok=True)
# Saved checkpoints carry the code too, for `trust_remote_code=True` where artemis_hf is not installed.
ArtGANConfig.register_for_auto_class()
ArtGANGenerator.register_for_auto_class("AutoModel")

__all__ = [
    "DISCRIMINATOR_FOLDER",
    "EMOTIONS",
    "ArtGANConfig",
    "ArtGANDiscriminator",
    "ArtGANDiscriminatorOutput",
    "ArtGANGenerator",
    "ArtGANGeneratorOutput",
    "ArtGANPreTrainedModel",
    "to_pil_images",
]
