"""Utterance cleaning, tokenization, spelling and the word-level tokenizer, column-wise over whole Arrow arrays.

The same normalisation is written twice on purpose, once for pyarrow (RE2) and once as a `tokenizers` normalizer
(Oniguruma), from the one table below, so that a model served on raw text sees the tokens it was trained on.
`tests/test_text.py` checks that both agree.
"""

from __future__ import annotations

import functools
import importlib.resources
from collections.abc import Iterable, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .options import DEFAULT_TEXT_NORMALIZATION, TextNormalization, check_text_normalization

# Phrases that mark a simile or metaphor, as in the reference analysis: a caption "has a simile" when its lowercased
# text contains one of them as a plain substring (20.9% of all ArtEmis utterances do).
SIMILE_PHRASES: tuple[str, ...] = (
    "could be",
    "appears to be",
    "appear to be",
    "reminds me",
    "remind me",
    "seems like",
    "looks like",
    "look like",
    "is like",
    "are like",
    "think of",
    "resembles",
    "resembling",
)

PAD_TOKEN, SOS_TOKEN, EOS_TOKEN, UNK_TOKEN = "<pad>", "<sos>", "<eos>", "<unk>"
SPECIAL_TOKENS = (PAD_TOKEN, SOS_TOKEN, EOS_TOKEN, UNK_TOKEN)  # ids 0-3, as the reference

APOSTROPHES = "[\u2019\u2018\u02bc`\u00b4]"
# Applied in order after lowercasing; the irregular forms come before the generic "n't".
CONTRACTIONS: tuple[tuple[str, str], ...] = (
    (r"\bcan't\b", "can not"),
    (r"\bwon't\b", "will not"),
    (r"\bshan't\b", "shall not"),
    (r"\bain't\b", "am not"),
    (r"n't\b", " not"),
    (r"'re\b", " are"),
    (r"'ve\b", " have"),
    (r"'ll\b", " will"),
    (r"'m\b", " am"),
    (r"'d\b", " would"),
    (r"\blet's\b", "let us"),
    *(
        (rf"\b{word}'s\b", f"{word} is")
        for word in ("it", "that", "there", "here", "what", "who", "he", "she", "this")
    ),
)
# Anything but letters, digits and whitespace becomes a space (so "painting's" -> "painting s", as the reference).
PUNCTUATION = r"[^\p{L}\p{N}\s]"


def clean_utterances(utterances: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """NFC, lowercase, expand contractions, punctuation to spaces: one vectorised pass per rule over the column."""
    text = pc.utf8_lower(pc.utf8_normalize(utterances, form="NFC"))
    text = pc.replace_substring_regex(text, APOSTROPHES, "'")
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    with_apostrophe = pc.match_substring(text, "'")  # contractions need one; most utterances skip those passes
    contracted = text.filter(with_apostrophe)
    for pattern, replacement in CONTRACTIONS:
        contracted = pc.replace_substring_regex(contracted, pattern, replacement)
    text = pc.replace_with_mask(text, with_apostrophe, contracted)
    return pa.chunked_array([pc.replace_substring_regex(text, PUNCTUATION, " ")])


def tokenize(utterances: pa.Array | pa.ChunkedArray) -> pa.ListArray:
    """Clean and split on whitespace: a list<string> array, one list of tokens per utterance."""
    cleaned = pc.utf8_trim_whitespace(clean_utterances(utterances).combine_chunks())
    return pc.utf8_split_whitespace(cleaned)


def map_tokens(tokens: pa.ListArray, mapping: Mapping[str, str]) -> pa.ListArray:
    """Replace words by `mapping` (others kept), looking each distinct word up once rather than each occurrence."""
    flat = pc.list_flatten(tokens)
    encoded = (
        pc.dictionary_encode(flat).combine_chunks()
        if isinstance(flat, pa.ChunkedArray)
        else pc.dictionary_encode(flat)
    )
    words = encoded.dictionary.to_pylist()
    new_words = pa.array([mapping.get(word, word) for word in words], type=pa.string())
    new_flat = new_words.take(encoded.indices)
    return pa.ListArray.from_arrays(_offsets(tokens), new_flat)


def word_counts(tokens: pa.ListArray) -> dict[str, int]:
    """Occurrences of each distinct token."""
    counts = pc.value_counts(pc.list_flatten(tokens))
    return dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist()))


def has_simile(utterances: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Boolean mask: the lowercased utterance contains one of SIMILE_PHRASES as a substring."""
    lowered = pc.utf8_lower(utterances)
    mask = np.zeros(len(utterances), dtype=bool)
    for phrase in SIMILE_PHRASES:
        mask |= pc.match_substring(lowered, phrase).to_numpy(zero_copy_only=False)
    return mask


def _offsets(tokens: pa.ListArray) -> pa.Array:
    if tokens.offset == 0 and tokens.null_count == 0:
        return tokens.offsets
    return pa.array(
        np.concatenate([[0], np.cumsum(pc.list_value_length(tokens).to_numpy(zero_copy_only=False))]), pa.int32()
    )


class SpellChecker:
    """Correct words outside a known-word list to their closest dictionary word (SymSpell, one edit away).

    As in the reference, only unknown words are touched, so rare but valid words (artists, art terms) survive: the
    known-word list is wordfreq's large English list (320k words, "sfumato" and "chiaroscuro" included) plus
    SymSpell's own dictionary. Words with digits are left alone.
    """

    def __init__(self, max_edit_distance: int = 1, known_words: Iterable[str] | None = None):
        from symspellpy import SymSpell

        self.max_edit_distance = max_edit_distance
        self.symspell = SymSpell(max_dictionary_edit_distance=max_edit_distance)
        dictionary = importlib.resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
        with importlib.resources.as_file(dictionary) as path:
            self.symspell.load_dictionary(str(path), term_index=0, count_index=1)
        self.known_words = set(known_words) if known_words is not None else _wordfreq_words()
        self.known_words.update(self.symspell.words)

    def corrections(self, words: Iterable[str]) -> dict[str, str]:
        """{misspelled: corrected} for the given distinct words that are unknown and have a close dictionary word."""
        from symspellpy import Verbosity

        fixes = {}
        for word in words:
            if word in self.known_words or not word.isalpha():
                continue
            suggestions = self.symspell.lookup(word, Verbosity.TOP, max_edit_distance=self.max_edit_distance)
            if suggestions and suggestions[0].term != word:
                fixes[word] = suggestions[0].term
        return fixes


@functools.lru_cache(maxsize=1)
def _wordfreq_words_frozen() -> frozenset[str]:
    from wordfreq import top_n_list

    return frozenset(top_n_list("en", 500_000, wordlist="large"))


def _wordfreq_words() -> set[str]:
    return set(_wordfreq_words_frozen())


def build_tokenizer(vocabulary: Iterable[str], text_normalization: TextNormalization = DEFAULT_TEXT_NORMALIZATION):
    """A word-level `PreTrainedTokenizerFast` that normalises raw text as the dataset build did in `text_normalization`.

    Ids 0-3 are `<pad> <sos> <eos> <unk>`; the given words follow in order. Encoding adds `<sos>` ... `<eos>`.
    "clean": the normalizer repeats `clean_utterances` rule for rule, so tokenizer.json alone suffices.
    "reference": an `ArtEmisTokenizer`, which runs the reference's steps in Python before splitting on spaces.
    """
    from tokenizers import Regex, Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordLevel

    words = [word for word in vocabulary if word not in SPECIAL_TOKENS]
    vocab = {token: index for index, token in enumerate([*SPECIAL_TOKENS, *words])}
    if len(vocab) != len(SPECIAL_TOKENS) + len(words):
        raise ValueError("vocabulary contains duplicate words")
    tokenizer = Tokenizer(WordLevel(vocab, unk_token=UNK_TOKEN))
    if text_normalization == "clean":
        tokenizer.normalizer = normalizers.Sequence(
            [
                normalizers.NFC(),
                normalizers.Lowercase(),
                normalizers.Replace(Regex(APOSTROPHES), "'"),
                *(normalizers.Replace(Regex(pattern), replacement) for pattern, replacement in CONTRACTIONS),
                normalizers.Replace(Regex(PUNCTUATION), " "),
            ]
        )
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{SOS_TOKEN} $A {EOS_TOKEN}",
        special_tokens=[(SOS_TOKEN, vocab[SOS_TOKEN]), (EOS_TOKEN, vocab[EOS_TOKEN])],
    )
    return _fast_tokenizer(text_normalization, tokenizer_object=tokenizer)


def load_tokenizer(tokenizer_file: str, text_normalization: TextNormalization = DEFAULT_TEXT_NORMALIZATION):
    """The tokenizer of a tokenizer.json written by a build in `text_normalization` mode."""
    return _fast_tokenizer(text_normalization, tokenizer_file=tokenizer_file)


def _fast_tokenizer(text_normalization: str, **source):
    check_text_normalization(text_normalization)
    if text_normalization == "reference":
        from .reference_text import reference_tables_file
        from .tokenization_artemis import ArtEmisTokenizer as tokenizer_class

        source["normalization_file"] = reference_tables_file()
    else:
        from transformers import PreTrainedTokenizerFast as tokenizer_class

    return tokenizer_class(
        **source,
        pad_token=PAD_TOKEN,
        bos_token=SOS_TOKEN,
        eos_token=EOS_TOKEN,
        unk_token=UNK_TOKEN,
        model_input_names=["input_ids", "attention_mask"],
    )
