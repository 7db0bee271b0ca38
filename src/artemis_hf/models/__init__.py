"""Model families, one folder each; importing a family registers it with the Auto classes."""

from . import text_emotion  # noqa: F401
