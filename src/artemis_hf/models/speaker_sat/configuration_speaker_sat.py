"""Configuration of the Show-Attend-Tell speaker (the ArtEmis reference's neural speaker)."""

from transformers import PretrainedConfig

# Copied from artemis_hf.emotions.EMOTIONS (a model folder is published as remote code: it cannot import it)
EMOTIONS = ("amusement", "awe", "contentment", "excitement", "anger", "disgust", "fear", "sadness", "something else")


class SpeakerSATConfig(PretrainedConfig):
    r"""
    A timm backbone's grid of features, additive attention over it, and an LSTM that writes one word per step
    (Xu et al., "Show, Attend and Tell", 2015), optionally grounded on an emotion, as ArtEmis trains it.

    Args:
        vocab_size (`int`): size of the word-level vocabulary (the dataset's tokenizer.json).
        backbone (`str`): timm architecture of the image encoder; its weights live in this model's checkpoint.
        feature_layer (`int`): which backbone stage gives the grid (timm `out_indices`; -1 is the last: 8x8x512 for
            resnet34 at 256 px, the reference).
        attention_dim (`int`): width of the additive attention.
        decoder_dim (`int`): LSTM state size.
        word_embedding_dim (`int`): word embedding size.
        dropout (`float`): dropout on the LSTM output before the vocabulary projection.
        attention_loss_weight (`float`): weight of the doubly-stochastic attention loss, which pushes every grid cell
            to receive a total attention of one over the caption.
        emotion_grounding (`bool`): feed the emotion (one-hot -> Linear + ReLU) to the LSTM at every step.
        emotion_embedding_dim (`int`): width of that emotion projection (the reference keeps 9).
        emotion_classifier_name_or_path (`str`, *optional*): an image-to-emotion classifier that
            `pipeline("artemis-captioning")` loads to choose the emotion when none is given. A speaker never
            contains a classifier; this only names one.
        unk_token_id (`int`, *optional*): the `<unk>` id, which `generate()` never writes by default.
    Emotions are the labels: `id2label` defaults to the 9 ArtEmis emotions, in the reference order.
    """

    model_type = "artemis-speaker-sat"

    def __init__(
        self,
        vocab_size: int = 14_469 + 4,
        backbone: str = "resnet34",
        feature_layer: int = -1,
        attention_dim: int = 512,
        decoder_dim: int = 512,
        word_embedding_dim: int = 128,
        dropout: float = 0.1,
        attention_loss_weight: float = 1.0,
        emotion_grounding: bool = False,
        emotion_embedding_dim: int = 9,
        emotion_classifier_name_or_path: str | None = None,
        pad_token_id: int = 0,
        bos_token_id: int = 1,
        eos_token_id: int = 2,
        unk_token_id: int | None = 3,
        **kwargs,
    ):
        if "id2label" not in kwargs and "num_labels" not in kwargs:
            kwargs["id2label"] = dict(enumerate(EMOTIONS))
        kwargs.setdefault("decoder_start_token_id", bos_token_id)
        kwargs.setdefault("is_encoder_decoder", True)  # the image is encoded once, then the LSTM decodes
        kwargs.setdefault("tie_word_embeddings", False)  # 128-d embeddings, 512-d LSTM outputs: nothing to tie
        super().__init__(pad_token_id=pad_token_id, bos_token_id=bos_token_id, eos_token_id=eos_token_id, **kwargs)
        self.vocab_size = vocab_size
        self.backbone = backbone
        self.feature_layer = feature_layer
        self.attention_dim = attention_dim
        self.decoder_dim = decoder_dim
        self.word_embedding_dim = word_embedding_dim
        self.dropout = dropout
        self.attention_loss_weight = attention_loss_weight
        self.emotion_grounding = emotion_grounding
        self.emotion_embedding_dim = emotion_embedding_dim
        self.emotion_classifier_name_or_path = emotion_classifier_name_or_path
        self.unk_token_id = unk_token_id
