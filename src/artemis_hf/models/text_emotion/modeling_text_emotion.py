"""The LSTM text-to-emotion classifier: embeddings, LSTM, max-pooling over time, MLP."""

import torch
from torch import nn
from transformers import PreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput
from transformers.utils import logging

from .configuration_text_emotion import TextEmotionLSTMConfig

logger = logging.get_logger(__name__)


class TextEmotionLSTMPreTrainedModel(PreTrainedModel):
    config_class = TextEmotionLSTMConfig
    base_model_prefix = "lstm_classifier"
    main_input_name = "input_ids"

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, std=0.1)
            if module.padding_idx is not None:
                module.weight.data[module.padding_idx].zero_()


class TextEmotionLSTMForSequenceClassification(TextEmotionLSTMPreTrainedModel):
    def __init__(self, config: TextEmotionLSTMConfig):
        super().__init__(config)
        self.embeddings = nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=config.pad_token_id)
        self.lstm = nn.LSTM(
            config.embedding_dim,
            config.hidden_size,
            num_layers=config.num_layers,
            bidirectional=config.bidirectional,
            batch_first=True,
        )
        directions = 2 if config.bidirectional else 1
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Sequential(
            nn.Linear(directions * config.hidden_size, config.classifier_hidden_size),
            nn.ReLU(),
            nn.Dropout(config.dropout),
            nn.Linear(config.classifier_hidden_size, config.num_labels),
        )
        self.post_init()

    def forward(
        self,
        input_ids: torch.LongTensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> SequenceClassifierOutput:
        if attention_mask is None:
            attention_mask = (input_ids != self.config.pad_token_id).long()
        # Here rather than in the tokenizer: the text-classification pipeline truncates only when asked to.
        if input_ids.shape[1] > self.config.max_text_length:
            logger.warning_once(f"Texts are truncated to max_text_length={self.config.max_text_length} tokens")
            input_ids = input_ids[:, : self.config.max_text_length]
            attention_mask = attention_mask[:, : self.config.max_text_length]
        self._check_words(input_ids, attention_mask)
        embedded = self.dropout(self.embeddings(input_ids))  # (B, T, E)
        lengths = attention_mask.sum(dim=1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
        states, _ = self.lstm(packed)
        states, _ = nn.utils.rnn.pad_packed_sequence(
            states, batch_first=True, total_length=input_ids.shape[1]
        )  # (B, T, H)
        # Max-pool over real tokens only: padding must never win the max.
        padding = attention_mask[:, :, None] == 0
        pooled = states.masked_fill(padding, torch.finfo(states.dtype).min).max(dim=1).values  # (B, H)
        logits = self.classifier(self.dropout(pooled))  # (B, num_labels)

        loss = None
        if labels is not None:
            # Integer labels, or per-item label distributions (e.g. normalised emotion histograms).
            if labels.dtype.is_floating_point and labels.dim() == 2:
                loss = -(labels * logits.log_softmax(dim=-1)).sum(dim=-1).mean()
            else:
                loss = nn.functional.cross_entropy(logits, labels)
        return SequenceClassifierOutput(loss=loss, logits=logits)

    def _check_words(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> None:
        """Refuse rows without a word: an empty or punctuation-only text would get the emotion of the bias alone."""
        specials = [self.config.pad_token_id, self.config.bos_token_id, self.config.eos_token_id]
        specials = torch.tensor([token for token in specials if token is not None], device=input_ids.device)
        words = attention_mask.bool() & ~torch.isin(input_ids, specials)
        empty = (~words.any(dim=1)).nonzero().flatten().tolist()
        if empty:
            raise ValueError(
                f"An empty or punctuation-only text has no emotion to read: input_ids rows {empty} hold no word, "
                "only <sos>/<eos>/<pad>"
            )
