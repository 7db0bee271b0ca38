"""Configuration of the hand-crafted-features emotion classifier (the CS230 report's baseline)."""

from transformers import PreTrainedConfig

from .configuration_image_emotion import set_scheme_labels


class HandcraftedEmotionConfig(PreTrainedConfig):
    r"""
    Image -> named colour, palette, texture and edge features -> standardisation -> small MLP -> emotion logits.

    Args:
        label_scheme (`str`, defaults to `"emotion"`): `"emotion"`, `"sentiment"` or `"polarity"`, as
            `ImageEmotionConfig`; each label gets a reference palette.
        palette_size (`int`, defaults to 5): dominant colours per image and per label palette.
        colour_bins (`int`, defaults to 6): levels per RGB channel of the colour histogram the palettes come from.
        edge_threshold (`float`, defaults to 0.5): Sobel magnitude (on [0, 1] luminance) above which a pixel is an edge.
        head_hidden_sizes (`list[int]`, defaults to `[64]`): hidden widths of the MLP.
        head_dropout (`float`, defaults to 0.2): dropout after each hidden layer of the MLP.
    """

    model_type = "artemis-handcrafted-emotion"

    label_scheme: str = "emotion"
    palette_size: int = 5
    colour_bins: int = 6
    edge_threshold: float = 0.5
    head_hidden_sizes: list[int] | tuple[int, ...] = (64,)
    head_dropout: float = 0.2

    def __post_init__(self, **kwargs):
        set_scheme_labels(self)
        if not 1 <= self.palette_size <= self.colour_bins**3:
            raise ValueError(
                f"palette_size must be in [1, colour_bins**3 = {self.colour_bins**3}], got {self.palette_size}"
            )
        self.head_hidden_sizes = list(self.head_hidden_sizes)
        super().__post_init__(**kwargs)


__all__ = ["HandcraftedEmotionConfig"]
