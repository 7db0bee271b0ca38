"""The reference's text normalisation (optas/artemis `tokenize_and_spell`), reproduced token for token, column-wise.

Published vocabularies, figures and checkpoints were computed on the reference's tokens (`text_normalization=
"reference"`). Its steps (see `reference_normalization.ReferenceNormalizer`, which applies them to one utterance), then
SymSpell for words outside GloVe-6B's vocabulary and its whitelist.
Its data (dictionaries, word lists) ships in `reference/` under its MIT licence (see `reference/NOTICE`).

Speed: every step runs once per distinct utterance, chunk or word, never per row.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import lzma
from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .reference_normalization import ReferenceNormalizer, word_tokenize

# The reference's unquoting (`reference_normalization.QUOTED_WORD`) in RE2, which spells Python's \w as these classes.
QUOTED_WORD = r"['|\"]([\p{L}\p{N}_]+)['|\"]"
# nltk's tokenizer acts within space-separated chunks (it pads each text with spaces, and a `"` opens a quote both at
# the start and after a space), so the distinct chunks of the whole column are tokenized in one call, joined by a
# marker that lowercased text cannot contain. One rule looks past a chunk: `''` after a space opens a quote, at a
# chunk's start it closes one; utterances with `''` are tokenized whole.
WHOLE_UTTERANCE = "''"
CHUNK_MARKER = "CHUNKBOUNDARY"


@functools.lru_cache(maxsize=1)
def reference_data() -> dict:
    """The reference's sentence and word dictionaries, whitelist and contraction table (`reference/dictionaries.json`)."""
    return json.loads(_data_file("dictionaries.json").read_text(encoding="utf-8"))


def _data_file(name: str):
    return importlib.resources.files(__package__) / "reference" / name


def _read_xz_lines(name: str) -> list[str]:
    with _data_file(name).open("rb") as raw, lzma.open(raw, "rt", encoding="utf-8") as text:
        return text.read().splitlines()


@functools.lru_cache(maxsize=1)
def reference_normalizer() -> ReferenceNormalizer:
    """The reference's normalisation with its tables, as `ArtEmisTokenizer` applies it to one utterance."""
    return ReferenceNormalizer.from_tables(reference_data())  # the file is parsed once, for both


def reference_tables_file() -> str:
    """The path of `reference/dictionaries.json`, whose sentence, word and contraction tables the normaliser reads."""
    # A package installed from a wheel or in editable mode is a folder on disk, so the resource is a real file.
    return str(_data_file("dictionaries.json"))


def reference_tokens(utterances: pa.Array | pa.ChunkedArray) -> pa.ListArray:
    """The reference's tokens before its automatic spelling pass (its manual word dictionary applied)."""
    text = utterances.combine_chunks() if isinstance(utterances, pa.ChunkedArray) else utterances
    sentences = reference_data()["sentences"]
    fixed = pc.is_in(text, pa.array(list(sentences), pa.string()))
    if pc.any(fixed).as_py():
        text = pc.replace_with_mask(text, fixed, pa.array([sentences[s] for s in text.filter(fixed).to_pylist()]))
    text = pc.replace_substring_regex(pc.utf8_lower(text), QUOTED_WORD, r" \1 ")
    # Contractions and punctuation never span a space either, so they too apply per distinct chunk.
    whole = pc.match_substring(text, WHOLE_UTTERANCE).to_numpy(zero_copy_only=False)
    chunks = pc.split_pattern(text, " ")
    if whole.any():
        as_one_chunk = pa.ListArray.from_arrays(pa.array(np.arange(len(text) + 1), pa.int32()), text)
        chunks = pc.if_else(pa.array(whole), as_one_chunk, chunks)
    encoded = pc.dictionary_encode(pc.list_flatten(chunks))
    per_chunk = pa.array(_tokenize_chunks(encoded.dictionary.to_pylist()), pa.list_(pa.string())).take(encoded.indices)
    chunk_ends = np.concatenate([[0], np.cumsum(pc.list_value_length(per_chunk).to_numpy(zero_copy_only=False))])
    row_ends = chunk_ends[
        np.concatenate([[0], np.cumsum(pc.list_value_length(chunks).to_numpy(zero_copy_only=False))])
    ]
    return pa.ListArray.from_arrays(pa.array(row_ends, pa.int32()), pc.list_flatten(per_chunk))


def _tokenize_chunks(chunks: list[str]) -> list[list[str]]:
    """Contractions, punctuation to spaces, nltk and the manual word dictionary for each chunk, nltk in one call."""
    normalizer = reference_normalizer()
    cleaned = [normalizer.clean(chunk) for chunk in chunks]
    # A chunk that starts with `''` would follow a space when joined: it is tokenized alone.
    alone = [chunk.startswith(WHOLE_UTTERANCE) for chunk in cleaned]
    tokens = word_tokenize(f" {CHUNK_MARKER} ".join(c for c, a in zip(cleaned, alone) if not a))
    bounds = [-1, *(index for index, token in enumerate(tokens) if token == CHUNK_MARKER), len(tokens)]
    joined = (tokens[start + 1 : end] for start, end in zip(bounds, bounds[1:]))
    return [normalizer.map_words(word_tokenize(c) if a else next(joined)) for c, a in zip(cleaned, alone)]


@functools.lru_cache(maxsize=1)
def _reference_symspell(max_edit_distance: int):
    # Built on the first unknown word, once per process (3-5 s): text within GloVe's vocabulary never pays for it.
    from symspellpy import SymSpell

    symspell = SymSpell(max_dictionary_edit_distance=max_edit_distance)
    for line in _read_xz_lines("symspell_frequency_dictionary_en_82_765.txt.xz"):
        term, count = line.split()
        symspell.create_dictionary_entry(term, int(count))
    return symspell


class ReferenceSpeller:
    """The reference's automatic spelling: SymSpell with its frequency dictionary corrects every word outside
    GloVe-6B's 400,000-word vocabulary and its whitelist to the closest dictionary word, up to two edits away.

    The reference asks for `lookup(token, 1)`: the 1 is SymSpell's verbosity (CLOSEST), not the edit distance, which
    stays the dictionary's default of 2. Reproduced as is, wrong corrections included (peice -> price).
    """

    max_edit_distance = 2

    def __init__(self):
        self.known_words = set(_read_xz_lines("glove_6b_vocabulary.txt.xz"))
        self.known_words.update(reference_data()["known_words"])

    @property
    def symspell(self):
        return _reference_symspell(self.max_edit_distance)

    def corrections(self, words: Iterable[str]) -> dict[str, str]:
        """{word: correction} for the given distinct words that are unknown and have a dictionary word nearby."""
        from symspellpy import Verbosity

        fixes = {}
        for word in words:
            if word in self.known_words:
                continue
            suggestions = self.symspell.lookup(word, Verbosity.CLOSEST, max_edit_distance=self.max_edit_distance)
            if suggestions and suggestions[0].term != word:
                fixes[word] = suggestions[0].term
        return fixes
