"""Configuration of the emotion-conditioned art GAN: one config for its generator and its discriminator."""

from transformers import PreTrainedConfig

# Copied from artemis_hf.emotions.EMOTIONS (a model folder is published as remote code: it cannot import it)
EMOTIONS = ("amusement", "awe", "contentment", "excitement", "anger", "disgust", "fear", "sadness", "something else")


class ArtGANConfig(PreTrainedConfig):
    r"""
    A DCGAN-style generator conditioned on an emotion (class-conditional batch norm) and a projection discriminator
    with spectral normalisation, trained with the hinge loss.

    Args:
        image_size (`int`, defaults to 32): side of the square images, a power of two from 8; the generator starts at
            4 x 4 and doubles the side once per entry of `generator_channels` after the first.
        noise_dim (`int`, defaults to 128): length of the generator's noise vector.
        generator_channels (`list[int]`, *optional*): widths of the generator's feature maps from 4 x 4 up to
            `image_size`, one per resolution. Default: 256 halving to no fewer than 32.
        discriminator_channels (`list[int]`, *optional*): widths of the discriminator's feature maps from
            `image_size` down to 4 x 4, one per resolution. Default: 32 doubling to no more than 256.
    Emotions are the labels: `id2label` defaults to the 9 ArtEmis emotions, in the reference order.
    """

    model_type = "artemis-art-gan"

    image_size: int = 32
    noise_dim: int = 128
    generator_channels: list[int] | None = None
    discriminator_channels: list[int] | None = None

    def __post_init__(self, **kwargs):
        if self.id2label is None:
            self.id2label = dict(enumerate(EMOTIONS))
            self.label2id = {name: index for index, name in enumerate(EMOTIONS)}
        size = self.image_size
        if size < 8 or size & (size - 1):
            raise ValueError(f"image_size must be a power of two, at least 8, got {size}")
        if self.noise_dim < 1:
            raise ValueError(f"noise_dim must be positive, got {self.noise_dim}")
        resolutions = size.bit_length() - 2  # 4, 8, ..., image_size
        if self.generator_channels is None:
            self.generator_channels = [max(256 >> index, 32) for index in range(resolutions)]
        if self.discriminator_channels is None:
            self.discriminator_channels = [min(32 << index, 256) for index in range(resolutions)]
        for name in ("generator_channels", "discriminator_channels"):
            channels = list(getattr(self, name))
            if len(channels) != resolutions or min(channels) < 1:
                raise ValueError(
                    f"{name} needs {resolutions} positive widths for image_size={size} (4 x 4 to {size} x {size}), "
                    f"got {channels}"
                )
            setattr(self, name, channels)
        super().__post_init__(**kwargs)


__all__ = ["EMOTIONS", "ArtGANConfig"]
