"""The ArtEmis word-level tokenizer for text normalised as the reference code did (`text_normalization="reference"`).

The reference's steps (`reference_normalization.py`) cannot be written as a `tokenizers` normalizer and pre-tokenizer: nltk's Treebank rules rewrite
the text with back-references, and the manual word dictionary applies to whole tokens after splitting. So this
tokenizer runs them in Python before its backend (as CLIP's tokenizer runs its text cleaning), and tokenizer.json
only splits on whitespace. `artemis_hf.data.reference_text` builds datasets with the same `ReferenceNormalizer`,
column-wise; `tests/test_tokenization.py` holds both equal on real utterances.

This file and `reference_normalization.py` import only the standard library, transformers and nltk: `save_pretrained`
copies both next to a model, so that `trust_remote_code=True` loads the tokenizer where artemis_hf is
not installed. The reference's tables travel with the tokenizer in `text_normalization.json`.
"""

from __future__ import annotations

import functools
import os

from transformers import PreTrainedTokenizerFast

from .reference_normalization import ReferenceNormalizer

NORMALIZATION_FILE = "text_normalization.json"


class ArtEmisTokenizer(PreTrainedTokenizerFast):
    """Word-level tokenizer (`<pad> <sos> <eos> <unk>` then the vocabulary) that normalises raw text as the reference.

    Text goes through `ReferenceNormalizer` and is joined by spaces before the backend tokenizer, so offsets refer to
    the normalised text. `is_split_into_words=True` skips the normalisation: the words are taken as they are.
    Build one with `artemis_hf.data.build_tokenizer(words, "reference")`.
    """

    vocab_files_names = {"tokenizer_file": "tokenizer.json", "normalization_file": NORMALIZATION_FILE}

    @functools.cached_property
    def text_normalizer(self) -> ReferenceNormalizer:
        # Read lazily from the `normalization_file` argument: transformers builds tokenizers whose class defines no
        # `__init__` straight from tokenizer.json, which keeps the vocabulary exactly as saved.
        normalization_file = self.init_kwargs.get("normalization_file")
        if normalization_file is None:
            raise ValueError(f"{type(self).__name__} needs `normalization_file` (its {NORMALIZATION_FILE})")
        return ReferenceNormalizer.from_file(normalization_file)

    def normalize(self, text: str) -> str:
        """The reference's tokens of `text`, joined by single spaces."""
        return " ".join(self.text_normalizer(text))

    def _normalize_input(self, text):
        if text is None or isinstance(text, str):
            return text if text is None else self.normalize(text)
        return [self._normalize_input(item) for item in text]

    def _encode_plus(self, text, text_pair=None, *args, is_split_into_words: bool = False, **kwargs):
        if not is_split_into_words:
            text, text_pair = self._normalize_input(text), self._normalize_input(text_pair)
        return super()._encode_plus(text, text_pair, *args, is_split_into_words=is_split_into_words, **kwargs)

    def _save_pretrained(self, save_directory, file_names, legacy_format=None, filename_prefix=None):
        file_names = super()._save_pretrained(save_directory, file_names, legacy_format, filename_prefix)
        path = os.path.join(save_directory, (filename_prefix + "-" if filename_prefix else "") + NORMALIZATION_FILE)
        self.text_normalizer.save(path)
        return (*file_names, path)


ArtEmisTokenizer.register_for_auto_class("AutoTokenizer")
