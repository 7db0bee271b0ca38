"""A model served on raw text sees the tokens it was trained on: the saved tokenizer against the dataset build, in both
text modes, on the real sample's utterances; and the reference-mode tokenizer's save/load paths."""

import os
import subprocess
import sys

import pytest
from transformers import AutoTokenizer

from artemis_hf.data import PreprocessOptions, build_artemis, build_tokenizer
from artemis_hf.data.tokenization_artemis import NORMALIZATION_FILE, ArtEmisTokenizer

MIN_IDENTICAL_SHARE = 0.995
UTTERANCE = "The man's hat (in 'red') reminds me of colours I'd seen... can't stop!"
# The reference's tokens: possessive and parentheses kept, 'red' unquoted, its dictionary's colours -> colors,
# its table's I'd -> i had, nltk's `can not`, and punctuation gone.
REFERENCE_TOKENS = "the man 's hat ( in red ) reminds me of colors i had seen can not stop".split()


@pytest.mark.parametrize("text_normalization", ["reference", "clean"])
def test_the_saved_tokenizer_encodes_raw_utterances_as_the_build_did(real_sample, tmp_path, text_normalization):
    csv_path, _ = real_sample
    options = PreprocessOptions(text_normalization=text_normalization, spell_check=False, rest_min_repetition=0)
    build = build_artemis(csv_path, config="deep-nets", options=options, cache_dir=str(tmp_path / "cache"))
    build.tokenizer.save_pretrained(tmp_path / "tokenizer")
    tokenizer = AutoTokenizer.from_pretrained(tmp_path / "tokenizer")

    rows = [row for split in build.dataset.values() for row in split]
    encoded = tokenizer([row["utterance"] for row in rows])["input_ids"]
    differing = [(row["utterance"], row["tokens"]) for row, ids in zip(rows, encoded) if ids != row["input_ids"]]
    identical = 1 - len(differing) / len(rows)
    assert len(rows) > 10_000
    assert identical >= MIN_IDENTICAL_SHARE, f"{identical:.2%} identical; for example {differing[:5]}"


def test_reference_mode_tokenizer_normalises_as_the_reference(tmp_path):
    tokenizer = build_tokenizer(REFERENCE_TOKENS, "reference")
    assert tokenizer.tokenize(UTTERANCE) == REFERENCE_TOKENS
    ids = tokenizer(UTTERANCE)["input_ids"]
    assert ids[0] == tokenizer.bos_token_id and ids[-1] == tokenizer.eos_token_id and tokenizer.unk_token_id not in ids
    # Words given as words are taken as they are: nothing is normalised twice.
    words = tokenizer(["colours", "colors"], is_split_into_words=True)["input_ids"][1:-1]
    assert words == [tokenizer.unk_token_id, tokenizer.convert_tokens_to_ids("colors")]

    tokenizer.save_pretrained(tmp_path)
    saved = sorted(os.listdir(tmp_path))
    assert NORMALIZATION_FILE in saved and "tokenization_artemis.py" in saved and "reference_normalization.py" in saved
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    assert isinstance(loaded, ArtEmisTokenizer)
    batch = loaded([UTTERANCE, "A calm sea"], padding=True, return_tensors="pt")
    assert batch["input_ids"][0].tolist() == ids


def test_clean_mode_needs_no_code_of_ours(tmp_path):
    build_tokenizer(["the", "man", "s", "hat"], "clean").save_pretrained(tmp_path)
    assert not any(name.endswith(".py") for name in os.listdir(tmp_path))  # tokenizer.json expresses every step
    assert AutoTokenizer.from_pretrained(tmp_path).tokenize("The man’s hat!") == ["the", "man", "s", "hat"]


def test_reference_tokenizer_loads_as_remote_code_without_artemis_hf(tmp_path):
    build_tokenizer(REFERENCE_TOKENS, "reference").save_pretrained(tmp_path)
    script = (
        "import sys, transformers\n"
        f"tokenizer = transformers.AutoTokenizer.from_pretrained({str(tmp_path)!r}, trust_remote_code=True)\n"
        f"print(' '.join(tokenizer.tokenize({UTTERANCE!r})))\n"
        "assert not any(name.startswith('artemis_hf') for name in sys.modules), 'artemis_hf was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path.parent
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == REFERENCE_TOKENS


def test_unknown_text_normalization_is_refused():
    with pytest.raises(ValueError, match="text_normalization must be 'reference' or 'clean', got 'nltk'"):
        build_tokenizer(["a"], "nltk")
