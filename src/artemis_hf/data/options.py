"""Options of the reference preprocessing (light: command-line help reads them without importing pandas)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .splits import DEFAULT_FRACTIONS, DEFAULT_SEED

TextNormalization = Literal["reference", "clean"]
# The reference's tokens, as published vocabularies, figures and checkpoints assume.
DEFAULT_TEXT_NORMALIZATION: TextNormalization = "reference"


def check_text_normalization(text_normalization: str) -> None:
    if text_normalization not in ("reference", "clean"):
        raise ValueError(f"text_normalization must be 'reference' or 'clean', got {text_normalization!r}")


@dataclass
class PreprocessOptions:
    """Options of the reference preprocessing; the defaults reproduce its "for deep nets" release."""

    split_fractions: list[float] = field(
        default_factory=lambda: list(DEFAULT_FRACTIONS),
        metadata={"help": "train/validation/test shares of paintings."},
    )
    split_seed: int = field(default=DEFAULT_SEED, metadata={"help": "Seed of the painting split."})
    on_bad_row: Literal["error", "skip"] = field(
        default="error", metadata={"help": "Invalid CSV rows: raise, or drop and count them."}
    )
    drop_duplicates: bool = field(
        default=False,
        metadata={
            "help": "Drop (and count) rows equal in all five columns to an earlier row. They are always reported; "
            "the reference keeps them."
        },
    )
    check_images: bool = field(
        default=True, metadata={"help": "Decode every image once to find truncated or corrupt files."}
    )
    on_bad_image: Literal["error", "skip"] = field(
        default="error", metadata={"help": "Unreadable images: raise, or treat them as missing."}
    )
    drop_missing_images: bool = field(
        default=False, metadata={"help": "Drop (and count) paintings without a readable image."}
    )
    text_normalization: TextNormalization = field(
        default=DEFAULT_TEXT_NORMALIZATION,
        metadata={
            "help": "How utterances become tokens. 'reference': token for token as the reference code (published "
            "vocabularies, figures and checkpoints assume it): its dictionaries, nltk's tokens (punctuation such as "
            "'s ( ) & `` kept), SymSpell up to two edits outside GloVe-6B's vocabulary. 'clean': curly apostrophes expanded, no punctuation tokens, one-edit spelling "
            "outside a large English word list."
        },
    )
    # deep-nets only
    spell_check: bool = field(
        default=True, metadata={"help": "deep-nets: correct words outside a large English vocabulary."}
    )
    min_tokens: int = field(default=5, metadata={"help": "deep-nets: drop utterances shorter than this."})
    max_tokens: int | None = field(
        default=None, metadata={"help": "deep-nets: drop longer utterances. Default: a percentile of train lengths."}
    )
    max_tokens_percentile: float = field(
        default=95.0, metadata={"help": "deep-nets: that percentile (30 tokens on the release)."}
    )
    min_word_frequency: int = field(default=5, metadata={"help": "deep-nets: rarer words in train become <unk>."})
    rest_min_repetition: int | None = field(
        default=41, metadata={"help": "deep-nets: paintings annotated this often go to `rest`; 0 turns it off."}
    )

    def __post_init__(self):
        for name in ("on_bad_row", "on_bad_image"):
            if getattr(self, name) not in ("error", "skip"):
                raise ValueError(f"{name} must be 'error' or 'skip', got {getattr(self, name)!r}")
        check_text_normalization(self.text_normalization)
        if self.min_tokens < 0 or (self.max_tokens is not None and self.max_tokens < self.min_tokens):
            raise ValueError(
                f"need 0 <= min_tokens <= max_tokens, got min_tokens={self.min_tokens}, max_tokens={self.max_tokens}"
            )
        if self.rest_min_repetition == 0:  # the command-line spelling of "off"
            self.rest_min_repetition = None
        if not 0 < self.max_tokens_percentile <= 100:
            raise ValueError(f"max_tokens_percentile must be in (0, 100], got {self.max_tokens_percentile}")


def on_missing_image_option():
    """The `on_missing_image` field of every command that reads the images (WikiArt copies are usually incomplete)."""
    return field(
        default="skip",
        metadata={
            "help": "Paintings without an image: leave them out (counted, listed in missing_images.json), or stop."
        },
    )
