"""The reference's text normalisation (optas/artemis `tokenize_and_spell`) up to its spelling pass, one utterance at a time.

Shared by the dataset build (`reference_text`, column-wise) and `ArtEmisTokenizer` (raw text at inference).
Standard library and nltk only (its Treebank tokenizer needs no downloaded data): it travels as remote code with the
tokenizer.
"""

from __future__ import annotations

import functools
import json
import os
import re

# The reference's punctuation-to-space set, taken literally from its code (`\-` there is a backslash and a hyphen).
PUNCTUATION_TO_SPACE = ".?!,:;/\\-~*_=[–]{}$^@|%#<—>"
# Its unquoting: a word between two of ' | " loses them.
QUOTED_WORD = re.compile(r"['|\"](\w+)['|\"]")
# The reference ran nltk 3.4.5, whose word_tokenize split an opening quote only from a one-letter word ("'a" but not
# "'artist"); later nltk versions split it from any word. This is that version's rule, the only one that changed.
NLTK_345_OPEN_SINGLE_QUOTE = (re.compile(r"(?i)(\')(?!re|ve|ll|m|t|s|d)(\w)\b", re.U), r"\1 \2")


@functools.lru_cache(maxsize=1)
def _treebank_tokenizer():
    from nltk.tokenize import NLTKWordTokenizer

    tokenizer = NLTKWordTokenizer()
    tokenizer.STARTING_QUOTES = [*NLTKWordTokenizer.STARTING_QUOTES[:-1], NLTK_345_OPEN_SINGLE_QUOTE]
    return tokenizer


def word_tokenize(text: str) -> list[str]:
    """nltk's `word_tokenize(text, preserve_line=True)` as the reference ran it (nltk 3.4.5)."""
    return _treebank_tokenizer().tokenize(text)


class ReferenceNormalizer:
    """The reference's `tokenize_and_spell` up to its automatic spelling pass, for one utterance at a time.

    In its order: whole-sentence fixes, lowercase, unquote 'words', expand contractions (its table, matched anywhere),
    its punctuation to spaces, nltk's Treebank tokenizer, its manual word dictionary (a word may become several).
    """

    def __init__(self, sentences: dict[str, str], words: dict[str, str | list[str]], contractions: dict[str, str]):
        self.sentences, self.words, self.contractions = sentences, words, contractions
        # One alternation in the table's order, no word boundaries, case-insensitive: what the reference matches.
        self._contraction = re.compile("|".join(map(re.escape, contractions)), re.IGNORECASE | re.DOTALL)
        self._to_space = str.maketrans(PUNCTUATION_TO_SPACE, " " * len(PUNCTUATION_TO_SPACE))

    @classmethod
    def from_tables(cls, tables: dict) -> ReferenceNormalizer:
        """From the reference's "sentences", "tokens" (words) and "contractions" tables (other keys are ignored)."""
        return cls(tables["sentences"], tables["tokens"], tables["contractions"])

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> ReferenceNormalizer:
        """From a JSON file of those tables."""
        with open(path, encoding="utf-8") as file:
            return cls.from_tables(json.load(file))

    def save(self, path: str | os.PathLike) -> None:
        tables = {"sentences": self.sentences, "tokens": self.words, "contractions": self.contractions}
        with open(path, "w", encoding="utf-8") as file:
            json.dump(tables, file, ensure_ascii=False, indent=1)

    def clean(self, text: str) -> str:
        """Contractions expanded and punctuation to spaces: the steps that act within space-separated chunks."""
        if "'" in text:  # every contraction has one
            text = self._contraction.sub(self._expansion, text)
        return text.translate(self._to_space)

    def _expansion(self, match: re.Match) -> str:
        return (self.contractions.get(match[0]) or self.contractions[match[0].lower()]).lower()

    def map_words(self, tokens: list[str]) -> list[str]:
        """The manual word dictionary, token by token."""
        mapped = []
        for token in tokens:
            replacement = self.words.get(token, token)
            mapped.extend(replacement if isinstance(replacement, list) else [replacement])
        return mapped

    def __call__(self, utterance: str) -> list[str]:
        text = QUOTED_WORD.sub(r" \1 ", self.sentences.get(utterance, utterance).lower())
        return self.map_words(word_tokenize(self.clean(text)))
