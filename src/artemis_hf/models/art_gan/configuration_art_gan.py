"""Configuration of the emotion-conditioned art GAN: one config for its generator and its discriminator."""

from transformers import PreTrainedConfig

# Copied from artemis_hf.emotions.EMOTIONS (a model folder is published as remote code: it cannot import it)
EMOTIONS = ("amusement", "awe", "contentment", "excitement", "anger", "disgust", "fear", "sadness", "something else")


class ArtGANConfig(PreTrainedConfig):
    r"""
    A DCGAN-style generator conditioned on an emotion (class-conditional batch norm) and a projection discriminator
    with spectral normalisation, trained with the hinge loss.

    Args:
        image_size (`int`, defaults to 32): side of the square images, a power of two from 8.
        noise_dim (`int`, defaults to 64): length of the generator's noise vector.
        generator_channels (`list[int]`, *optional*): widths of the generator's feature maps at 4 x 4, 8 x 8, ... up
            to image_size / 2, each followed by a 4 x 4 transposed convolution of stride 2 (the last one to RGB).
            Default: 32 doubling towards 4 x 4, at most 512 (32 px: 128, 64, 32).
        discriminator_channels (`list[int]`, *optional*): widths of the discriminator's feature maps at
            image_size / 2 down to 4 x 4, each made by a 4 x 4 convolution of stride 2. Default: 32 doubling, at
            most 512 (32 px: 32, 64, 128).
    Emotions are the labels: `id2label` defaults to the 9 ArtEmis emotions, in the reference order.
    """

    model_type = "artemis-art-gan"

    image_size: int = 32
    noise_dim: int = 64
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
        resolutions = size.bit_length() - 3  # 4, 8, ..., image_size / 2
        if self.generator_channels is None:
            self.generator_channels = [min(32 << index, 512) for index in reversed(range(resolutions))]
        if self.discriminator_channels is None:
            self.discriminator_channels = [min(32 << index, 512) for index in range(resolutions)]
        for name in ("generator_channels", "discriminator_channels"):
            channels = list(getattr(self, name))
            if len(channels) != resolutions or min(channels) < 1:
                raise ValueError(
                    f"{name} needs {resolutions} positive widths for image_size={size} (4 x 4 to {size // 2} x {size // 2}), "
                    f"got {channels}"
                )
            setattr(self, name, channels)
        super().__post_init__(**kwargs)


__all__ = ["EMOTIONS", "ArtGANConfig"]
