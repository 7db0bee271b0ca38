"""Text to emotion: the reference LSTM classifier as a `PreTrainedModel` (any Hub encoder also works, through
`AutoModelForSequenceClassification`; see `artemis_hf.training.text_emotion`)."""

from transformers import AutoConfig, AutoModelForSequenceClassification

from .configuration_text_emotion import TextEmotionLSTMConfig
from .modeling_text_emotion import TextEmotionLSTMForSequenceClassification, TextEmotionLSTMPreTrainedModel

AutoConfig.register(TextEmotionLSTMConfig.model_type, TextEmotionLSTMConfig, exist_ok=True)
AutoModelForSequenceClassification.register(
    TextEmotionLSTMConfig, TextEmotionLSTMForSequenceClassification, exist_ok=True
)
TextEmotionLSTMConfig.register_for_auto_class()
TextEmotionLSTMForSequenceClassification.register_for_auto_class("AutoModelForSequenceClassification")

__all__ = ["TextEmotionLSTMConfig", "TextEmotionLSTMForSequenceClassification", "TextEmotionLSTMPreTrainedModel"]
