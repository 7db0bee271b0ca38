"""Configuration of the LSTM text-to-emotion classifier (the reference's text classifier)."""

from transformers import PretrainedConfig

# Copied from artemis_hf.emotions.EMOTIONS (a model folder is published as remote code: it cannot import it)
EMOTIONS = ("amusement", "awe", "contentment", "excitement", "anger", "disgust", "fear", "sadness", "something else")


class TextEmotionLSTMConfig(PretrainedConfig):
    r"""
    Word embeddings -> LSTM -> max-pooling over time -> MLP, as the ArtEmis reference text classifier.

    Args:
        vocab_size (`int`): size of the word-level vocabulary (the dataset's tokenizer.json).
        embedding_dim (`int`): word embedding size.
        hidden_size (`int`): LSTM state size (per direction).
        num_layers (`int`): stacked LSTM layers.
        bidirectional (`bool`): read the utterance both ways.
        classifier_hidden_size (`int`): hidden width of the MLP head.
        dropout (`float`): dropout on embeddings and before the head.
        pad_token_id (`int`), bos_token_id (`int`), eos_token_id (`int`): the ids of `<pad>`, `<sos>` and `<eos>`
            (0, 1 and 2 in artemis-hf vocabularies); a text with no other token has no words, and is refused.
        max_text_length (`int`): texts are read up to this many tokens (`<sos>` included); longer ones are truncated.
    Labels default to the 9 ArtEmis emotions, in the reference order, in `id2label`.
    """

    model_type = "artemis-text-emotion-lstm"

    def __init__(
        self,
        vocab_size: int = 14_469 + 4,
        embedding_dim: int = 128,
        hidden_size: int = 128,
        num_layers: int = 1,
        bidirectional: bool = False,
        classifier_hidden_size: int = 128,
        dropout: float = 0.1,
        pad_token_id: int = 0,
        bos_token_id: int = 1,
        eos_token_id: int = 2,
        max_text_length: int = 512,
        **kwargs,
    ):
        if "id2label" not in kwargs and "num_labels" not in kwargs:
            kwargs["id2label"] = dict(enumerate(EMOTIONS))
        super().__init__(pad_token_id=pad_token_id, bos_token_id=bos_token_id, eos_token_id=eos_token_id, **kwargs)
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.classifier_hidden_size = classifier_hidden_size
        self.dropout = dropout
        self.max_text_length = max_text_length
