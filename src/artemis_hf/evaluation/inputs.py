"""Checks and text normalisation shared by the metrics: captions keyed by painting_id, references per painting.

Every text is normalised by the cleaning the references went through (`artemis_hf.data.text.tokenize`: lowercase,
contractions expanded, punctuation to spaces, single spaces). A speaker's output and the references already have that
form, so for them this is the identity and the scores are pycocoevalcap's on the very same strings; other text
(a human caption with punctuation, capitals) is brought to the references' form instead of being scored against it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from ..data.text import tokenize


def normalize(texts: Sequence[str]) -> list[str]:
    """The texts as lowercase tokens joined by single spaces (see the module docstring)."""
    return pc.binary_join(tokenize(pa.array(texts, pa.string())), " ").to_pylist()


def check_texts(texts: Sequence[str], name: str = "captions") -> list[str]:
    """`texts` normalised, after checking it is a non-empty sequence of strings that each keep a word."""
    if isinstance(texts, str) or not isinstance(texts, Sequence):
        raise TypeError(f"{name} must be a sequence of strings, got {type(texts).__name__}")
    if not texts:
        raise ValueError(f"{name} is empty")
    return _normalized(texts, lambda index: f"{name}[{index}]")


def _normalized(texts: Sequence[str], label: Callable[[int], str]) -> list[str]:
    """Normalised texts; a non-string or a text without words raises, named by `label(index)`."""
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"{label(index)} must be a string, got {type(text).__name__}: {text!r}")
    normalized = normalize(texts)
    for index, text in enumerate(normalized):
        if not text:
            raise ValueError(f"{label(index)} = {texts[index]!r} has no words")
    return normalized


def check_painting_ids(captions: Mapping[str, str], references: Mapping[str, object]) -> None:
    """Every caption's painting_id must be a key of `references` (the same split, the same painting ids)."""
    if not captions:
        raise ValueError("captions is empty")
    missing = [key for key in captions if key not in references]
    if missing:
        raise ValueError(
            f"{len(missing)} caption(s) have no references, the first for painting_id {missing[0]!r}: "
            "references must hold the utterances of every captioned painting (same split, same painting_id)"
        )


def pair_with_references(
    captions: Mapping[str, str], references: Mapping[str, Sequence[str]]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """pycocoevalcap's inputs `(gts, res)`: {painting_id: [references]} and {painting_id: [caption]}, normalised,
    for the captioned paintings in the captions' order. References of paintings without a caption are left out."""
    if not isinstance(captions, Mapping) or not isinstance(references, Mapping):
        raise TypeError(
            "captions and references must be mappings keyed by painting_id, got "
            f"{type(captions).__name__} and {type(references).__name__}"
        )
    check_painting_ids(captions, references)
    keys = list(captions)
    for key in keys:
        if isinstance(references[key], str) or not isinstance(references[key], Sequence):
            raise TypeError(f"references[{key!r}] must be a list of strings, got {type(references[key]).__name__}")
        if not references[key]:
            raise ValueError(f"references[{key!r}] is an empty list: every captioned painting needs a reference")
    texts = _normalized([captions[key] for key in keys], lambda index: f"captions[{keys[index]!r}]")
    owners = [(key, position) for key in keys for position in range(len(references[key]))]
    flat = [references[key][position] for key, position in owners]
    gts = {key: [] for key in keys}
    for (key, _), text in zip(owners, _normalized(flat, lambda index: "references[{!r}][{}]".format(*owners[index]))):
        gts[key].append(text)
    return gts, {key: [text] for key, text in zip(keys, texts)}
