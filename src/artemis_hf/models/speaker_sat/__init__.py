"""The Show-Attend-Tell speaker, registered with the Auto classes on import."""

from transformers import AutoConfig, AutoModelForImageTextToText, AutoProcessor

from .configuration_speaker_sat import SpeakerSATConfig
from .modeling_speaker_sat import SpeakerSATForConditionalGeneration
from .processing_speaker_sat import SpeakerSATProcessor

AutoConfig.register(SpeakerSATConfig.model_type, SpeakerSATConfig)
AutoModelForImageTextToText.register(SpeakerSATConfig, SpeakerSATForConditionalGeneration)
AutoProcessor.register(SpeakerSATConfig, SpeakerSATProcessor)
# Saved checkpoints carry the code too, for `trust_remote_code=True` where artemis_hf is not installed.
SpeakerSATConfig.register_for_auto_class()
SpeakerSATForConditionalGeneration.register_for_auto_class("AutoModelForImageTextToText")
SpeakerSATProcessor.register_for_auto_class("AutoProcessor")

__all__ = ["SpeakerSATConfig", "SpeakerSATForConditionalGeneration", "SpeakerSATProcessor"]
