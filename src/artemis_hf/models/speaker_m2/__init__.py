"""The meshed-memory transformer speaker, registered with the Auto classes on import. Its processor is the
Show-Attend-Tell speaker's (the same image processor and word-level tokenizer), registered for it in
`artemis_hf.models`: a family imports nothing from another."""

from transformers import AutoConfig, AutoModelForImageTextToText

from .configuration_speaker_m2 import SpeakerM2Config
from .modeling_speaker_m2 import SpeakerM2ForConditionalGeneration

AutoConfig.register(SpeakerM2Config.model_type, SpeakerM2Config)
AutoModelForImageTextToText.register(SpeakerM2Config, SpeakerM2ForConditionalGeneration)
# Saved checkpoints carry the code too, for `trust_remote_code=True` where artemis_hf is not installed.
SpeakerM2Config.register_for_auto_class()
SpeakerM2ForConditionalGeneration.register_for_auto_class("AutoModelForImageTextToText")

__all__ = ["SpeakerM2Config", "SpeakerM2ForConditionalGeneration"]
