"""Configuration of the image-to-emotion classifier: a timm backbone and an MLP head, as the ArtEmis reference."""

from transformers import PreTrainedConfig

# Copied from artemis_hf.emotions.EMOTIONS (a model folder is published as remote code: it cannot import it)
EMOTIONS = ("amusement", "awe", "contentment", "excitement", "anger", "disgust", "fear", "sadness", "something else")

# The label names of each scheme, in the order of the logits.
LABEL_SCHEMES = {
    "emotion": EMOTIONS,
    "sentiment": ("positive", "negative", "something else"),  # emotions 0-3, 4-7 and 8
    "polarity": ("positive", "negative"),  # the genre-aware study's task; "something else" has no label
}


def set_scheme_labels(config: PreTrainedConfig) -> None:
    """Fill `id2label`/`label2id` from `config.label_scheme`, or check that given labels have the scheme's count."""
    if config.label_scheme not in LABEL_SCHEMES:
        raise ValueError(f"label_scheme must be one of {list(LABEL_SCHEMES)}, got {config.label_scheme!r}")
    names = LABEL_SCHEMES[config.label_scheme]
    if config.id2label is None:
        config.id2label = dict(enumerate(names))
        config.label2id = {name: index for index, name in enumerate(names)}
    elif len(config.id2label) != len(names):
        raise ValueError(
            f"id2label has {len(config.id2label)} labels but label_scheme={config.label_scheme!r} has {len(names)}"
        )


class ImageEmotionConfig(PreTrainedConfig):
    r"""
    Image -> timm backbone features -> pooled vector -> MLP -> emotion logits.

    Args:
        backbone (`str`, defaults to `"resnet34"`): any `timm.create_model` name (the reference uses ResNet-34).
        backbone_kwargs (`dict`, *optional*): more `timm.create_model` arguments, e.g. `{"output_stride": 8}` or
            the small `{"channels": [16, 32, 64, 128]}` of a test model.
        label_scheme (`str`, defaults to `"emotion"`): `"emotion"` (the 9 emotions), `"sentiment"`
            (positive / negative / something else) or `"polarity"` (positive vs negative); sets `id2label`.
        head_hidden_sizes (`list[int]`, defaults to `[100]`): hidden widths of the MLP head (the reference: 100).
        head_dropout (`float`, defaults to 0.3): dropout after each hidden layer of the head.
        head_batch_norm (`bool`, defaults to `True`): batch norm after each hidden linear layer (as the reference).
        trainable_stages (`int`, *optional*): how many of the backbone's last stages train (its parameter groups as
            timm's coarse `group_matcher` cuts them; for a ResNet: stem, layer1 ... layer4). `None` trains all,
            0 only the head; the reference trains the last block only (1).
        auxiliary_labels (`list[str]`, *optional*): names of an auxiliary task (art styles or eras) whose head is
            trained first and then dropped, as the genre-aware study's "genre then emotion" schedule.
    """

    model_type = "artemis-image-emotion"

    backbone: str = "resnet34"
    backbone_kwargs: dict | None = None
    label_scheme: str = "emotion"
    head_hidden_sizes: list[int] | tuple[int, ...] = (100,)
    head_dropout: float = 0.3
    head_batch_norm: bool = True
    trainable_stages: int | None = None
    auxiliary_labels: list[str] | None = None

    def __post_init__(self, **kwargs):
        set_scheme_labels(self)
        if self.trainable_stages is not None and self.trainable_stages < 0:
            raise ValueError(f"trainable_stages must be None (all) or >= 0, got {self.trainable_stages}")
        if not 0 <= self.head_dropout < 1:
            raise ValueError(f"head_dropout must be in [0, 1), got {self.head_dropout}")
        self.head_hidden_sizes = list(self.head_hidden_sizes)
        super().__post_init__(**kwargs)


__all__ = ["EMOTIONS", "LABEL_SCHEMES", "ImageEmotionConfig"]
