"""The ArtEmis data layer: release CSV + images -> validated, split, tokenized `datasets` tables."""

from .builder import CONFIG_NAMES, ArtEmis, ArtEmisBuild, ArtEmisConfig, build_artemis, features_for, load_artemis
from .preprocess import PreprocessOptions
from .release import ReleaseFormatError, read_release
from .splits import split_paintings
from .text import SIMILE_PHRASES, build_tokenizer, load_tokenizer

__all__ = [
    "CONFIG_NAMES",
    "SIMILE_PHRASES",
    "ArtEmis",
    "ArtEmisBuild",
    "ArtEmisConfig",
    "PreprocessOptions",
    "ReleaseFormatError",
    "build_artemis",
    "build_tokenizer",
    "features_for",
    "load_artemis",
    "load_tokenizer",
    "read_release",
    "split_paintings",
]
