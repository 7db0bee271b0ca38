"""artemis-hf: the ArtEmis affective-art dataset and its models as Hugging Face software."""

from . import models  # noqa: F401  (registers every model family with the Auto classes)
from .data import build_artemis, load_artemis
from .emotions import EMOTIONS

__version__ = "0.1.0"
__all__ = ["EMOTIONS", "build_artemis", "load_artemis"]
