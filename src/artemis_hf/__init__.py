"""artemis-hf: the ArtEmis affective-art dataset and its models as Hugging Face software."""

from . import models, pipelines  # noqa: F401  (Auto classes for every family, and pipeline("artemis-captioning"))
from .data import build_artemis, load_artemis
from .emotions import EMOTIONS

__version__ = "0.1.0"
__all__ = ["EMOTIONS", "build_artemis", "load_artemis"]
