"""Model families, one folder each; importing a family registers it with the Auto classes."""

from transformers import AutoProcessor

from . import art_gan, image_emotion, speaker_m2, speaker_nn, speaker_sat, text_emotion  # noqa: F401

# The generating speakers share one processor (images, and captions in the dataset's word-level vocabulary): saved
# with an M2 speaker, its file travels with it as remote code.
AutoProcessor.register(speaker_m2.SpeakerM2Config, speaker_sat.SpeakerSATProcessor)
