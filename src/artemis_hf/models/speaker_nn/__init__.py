"""The nearest-neighbour speaker, registered with the Auto classes on import."""

from transformers import AutoConfig, AutoModelForImageTextToText

from .configuration_speaker_nn import SpeakerNNConfig
from .modeling_speaker_nn import SpeakerNNModel, SpeakerNNOutput

AutoConfig.register(SpeakerNNConfig.model_type, SpeakerNNConfig)
AutoModelForImageTextToText.register(SpeakerNNConfig, SpeakerNNModel)
# Saved checkpoints carry the code too, for `trust_remote_code=True` where artemis_hf is not installed.
SpeakerNNConfig.register_for_auto_class()
SpeakerNNModel.register_for_auto_class("AutoModelForImageTextToText")

__all__ = ["SpeakerNNConfig", "SpeakerNNModel", "SpeakerNNOutput"]
