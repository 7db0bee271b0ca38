"""Model families, one folder each; importing a family registers it with the Auto classes."""

from . import image_emotion, speaker_nn, speaker_sat, text_emotion  # noqa: F401
