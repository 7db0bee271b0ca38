"""Configuration of the nearest-neighbour speaker (the ArtEmis baseline every learned speaker must beat)."""

from transformers import PretrainedConfig

# Copied from artemis_hf.emotions.EMOTIONS (a model folder is published as remote code: it cannot import it)
EMOTIONS = ("amusement", "awe", "contentment", "excitement", "anger", "disgust", "fear", "sadness", "something else")


class SpeakerNNConfig(PretrainedConfig):
    r"""
    Embed a painting with a timm backbone (global average pool) and say what was said about the training painting
    closest to it (cosine similarity), optionally the closest one that has an utterance of the requested emotion.

    Args:
        backbone (`str`): timm architecture of the image embedder; its weights live in this model's checkpoint.
        num_paintings (`int`), num_utterances (`int`), num_utterance_bytes (`int`): sizes of the stored memory,
            set by `SpeakerNNModel.set_memory`.
        emotion_classifier_name_or_path (`str`, *optional*): an image-to-emotion classifier that
            `pipeline("artemis-captioning")` loads for `emotion="auto"`.
    Emotions are the labels: `id2label` defaults to the 9 ArtEmis emotions, in the reference order.
    """

    model_type = "artemis-speaker-nn"

    def __init__(
        self,
        backbone: str = "resnet34",
        num_paintings: int = 0,
        num_utterances: int = 0,
        num_utterance_bytes: int = 0,
        emotion_classifier_name_or_path: str | None = None,
        **kwargs,
    ):
        if "id2label" not in kwargs and "num_labels" not in kwargs:
            kwargs["id2label"] = dict(enumerate(EMOTIONS))
        super().__init__(**kwargs)
        self.backbone = backbone
        self.num_paintings = num_paintings
        self.num_utterances = num_utterances
        self.num_utterance_bytes = num_utterance_bytes
        self.emotion_classifier_name_or_path = emotion_classifier_name_or_path
