"""Configuration of the meshed-memory transformer speaker (M2, Cornia et al., CVPR 2020), as ArtEmis trains it."""

from transformers import PretrainedConfig

# Copied from artemis_hf.emotions.EMOTIONS (a model folder is published as remote code: it cannot import it)
EMOTIONS = ("amusement", "awe", "contentment", "excitement", "anger", "disgust", "fear", "sadness", "something else")


class SpeakerM2Config(PretrainedConfig):
    r"""
    A timm backbone's grid of features, a memory-augmented transformer encoder over its cells, and a meshed decoder
    that attends to every encoder layer at once (Cornia et al., "Meshed-Memory Transformer for Image Captioning",
    2020), optionally grounded on an emotion as the ArtEmis M2 speaker. The defaults are the paper's sizes.

    Args:
        vocab_size (`int`): size of the word-level vocabulary (the dataset's tokenizer.json).
        backbone (`str`): timm architecture of the image encoder; its weights live in this model's checkpoint. M2 ran
            on Faster R-CNN regions; here it reads the same timm grid as the Show-Attend-Tell speaker, so that the two
            compare on equal inputs.
        feature_layer (`int`): which backbone stage gives the grid (timm `out_indices`; -1 is the last).
        d_model (`int`): width of the transformer.
        encoder_layers (`int`), decoder_layers (`int`): depth of each side (the meshing joins every encoder layer to
            every decoder layer).
        num_heads (`int`): attention heads (d_k = d_v = d_model / num_heads).
        d_ff (`int`): width of the position-wise feed-forward layers.
        dropout (`float`): dropout in every residual branch and after the input projection.
        memory_slots (`int`): learned keys and values appended to each encoder self-attention (m; 0 for none).
        emotion_grounding (`bool`): join the emotion (one-hot -> Linear) to every image feature before the encoder.
        emotion_embedding_dim (`int`): width of that emotion projection (ArtEmis's M2: 10).
        emotion_classifier_name_or_path (`str`, *optional*): an image-to-emotion classifier that
            `pipeline("artemis-captioning")` loads to choose the emotion when none is given. A speaker never
            contains a classifier; this only names one.
        unk_token_id (`int`, *optional*): the `<unk>` id, which `generate()` never writes by default.
    Emotions are the labels: `id2label` defaults to the 9 ArtEmis emotions, in the reference order.
    """

    model_type = "artemis-speaker-m2"
    # The names transformers' generation and cache classes read.
    attribute_map = {
        "hidden_size": "d_model",
        "num_attention_heads": "num_heads",
        "num_hidden_layers": "decoder_layers",
    }

    def __init__(
        self,
        vocab_size: int = 14_469 + 4,
        backbone: str = "resnet34",
        feature_layer: int = -1,
        d_model: int = 512,
        encoder_layers: int = 3,
        decoder_layers: int = 3,
        num_heads: int = 8,
        d_ff: int = 2048,
        dropout: float = 0.1,
        memory_slots: int = 40,
        emotion_grounding: bool = False,
        emotion_embedding_dim: int = 10,
        emotion_classifier_name_or_path: str | None = None,
        pad_token_id: int = 0,
        bos_token_id: int = 1,
        eos_token_id: int = 2,
        unk_token_id: int | None = 3,
        **kwargs,
    ):
        if d_model % num_heads:
            raise ValueError(
                f"d_model must be a multiple of num_heads, got d_model={d_model} and num_heads={num_heads}"
            )
        if "id2label" not in kwargs and "num_labels" not in kwargs:
            kwargs["id2label"] = dict(enumerate(EMOTIONS))
        kwargs.setdefault("decoder_start_token_id", bos_token_id)
        kwargs.setdefault("is_encoder_decoder", True)  # the image is encoded once, then the decoder writes
        kwargs.setdefault("tie_word_embeddings", False)  # as the reference: a separate output projection
        super().__init__(pad_token_id=pad_token_id, bos_token_id=bos_token_id, eos_token_id=eos_token_id, **kwargs)
        self.vocab_size = vocab_size
        self.backbone = backbone
        self.feature_layer = feature_layer
        self.d_model = d_model
        self.encoder_layers = encoder_layers
        self.decoder_layers = decoder_layers
        self.num_heads = num_heads
        self.d_ff = d_ff
        self.dropout = dropout
        self.memory_slots = memory_slots
        self.emotion_grounding = emotion_grounding
        self.emotion_embedding_dim = emotion_embedding_dim
        self.emotion_classifier_name_or_path = emotion_classifier_name_or_path
        self.unk_token_id = unk_token_id
