import pyarrow as pa
import pytest

from artemis_hf.data import reference_text, text

UTTERANCES = [
    "The sky's colours don't stop, it's like a DREAM!",
    "I can’t look at this dark, scary corner… it reminds me of my childhood",
    "Café scene: naïve figures, won't they dance? Let's see.",
    "A 17th-century_portrait; she'd rather be elsewhere (I think).",
    "   spaces   and\ttabs\nand new lines   ",
]


def test_cleaning_expands_contractions_and_strips_punctuation():
    cleaned = text.clean_utterances(pa.array(UTTERANCES)).to_pylist()
    assert cleaned[0].split() == ["the", "sky", "s", "colours", "do", "not", "stop", "it", "is", "like", "a", "dream"]
    assert cleaned[1].split()[:4] == ["i", "can", "not", "look"]  # typographic apostrophe too
    assert "will not" in cleaned[2] and "let us" in cleaned[2] and "naïve" in cleaned[2]
    assert text.tokenize(pa.array(UTTERANCES)).to_pylist()[4] == ["spaces", "and", "tabs", "and", "new", "lines"]


def test_tokenizer_sees_the_tokens_the_data_layer_made():
    tokens = text.tokenize(pa.array(UTTERANCES))
    vocabulary = sorted(text.word_counts(tokens))
    tokenizer = text.build_tokenizer(vocabulary[::2], "clean")  # half the words: the rest must become <unk>
    vocab = tokenizer.get_vocab()
    for utterance, words in zip(UTTERANCES, tokens.to_pylist()):
        expected = [vocab.get(word, vocab[text.UNK_TOKEN]) for word in words]
        assert tokenizer(utterance)["input_ids"] == [tokenizer.bos_token_id, *expected, tokenizer.eos_token_id]
    assert [tokenizer.convert_ids_to_tokens(i) for i in range(4)] == list(text.SPECIAL_TOKENS)


@pytest.mark.parametrize("text_normalization", ["reference", "clean"])
def test_tokenizer_round_trips_through_tokenizer_json(tmp_path, text_normalization):
    tokenizer = text.build_tokenizer(["red", "sky"], text_normalization)
    tokenizer.backend_tokenizer.save(str(tmp_path / "tokenizer.json"))
    loaded = text.load_tokenizer(str(tmp_path / "tokenizer.json"), text_normalization)
    assert loaded("Red SKY, blue!")["input_ids"] == tokenizer("Red SKY, blue!")["input_ids"] == [1, 4, 5, 3, 2]
    assert loaded.pad_token_id == 0 and loaded.unk_token_id == 3


def test_duplicate_vocabulary_is_refused():
    with pytest.raises(ValueError, match="duplicate"):
        text.build_tokenizer(["red", "red"])


def test_spelling_corrects_unknown_words_only_and_each_once():
    checker = text.SpellChecker()
    fixes = checker.corrections(["paintng", "sfumato", "chiaroscuro", "impasto", "beautiful", "1880s"])
    assert fixes == {"paintng": "painting"}

    looked_up = []
    lookup = checker.symspell.lookup
    checker.symspell.lookup = lambda word, *args, **kwargs: looked_up.append(word) or lookup(word, *args, **kwargs)
    tokens = text.tokenize(pa.array(["the paintng is sad"] * 1000 + ["a paintng"]))
    corrected = text.map_tokens(tokens, checker.corrections(text.word_counts(tokens)))
    assert looked_up == ["paintng"]
    assert corrected.to_pylist()[-1] == ["a", "painting"]


def test_simile_phrases_are_the_reference_list():
    assert len(text.SIMILE_PHRASES) == 13 and "resembling" in text.SIMILE_PHRASES
    mask = text.has_simile(pa.array(["It LOOKS LIKE rain", "a plain sky", "this resembles a face"]))
    assert mask.tolist() == [True, False, True]


def test_reference_tokens_are_nltks_per_utterance_whatever_else_is_in_the_column():
    # Distinct chunks of the whole column go through nltk in one call: each row must come out as if alone.
    utterances = [
        *UTTERANCES,
        "''Quoted'' twice, \"double\" and 'single' words; the man's hat & (a) coat",
        "It's a 'lone' boat... I'd say gonna cannot wanna—maybe “so” ’tis",
        "colours of lillypads",
    ]
    together = reference_text.reference_tokens(pa.array(utterances)).to_pylist()
    assert together == [reference_text.reference_tokens(pa.array([u])).to_pylist()[0] for u in utterances]
    assert together[0][:6] == ["the", "sky", "'s", "colors", "do", "not"]  # manual dictionary: colours -> colors
    assert together[-1] == ["colors", "of", "lily", "pads"]


def test_reference_speller_corrects_up_to_two_edits_outside_glove():
    fixes = reference_text.ReferenceSpeller().corrections(["beatiful", "peice", "chiaroscuro", "painting", "xqzvw"])
    assert fixes == {"beatiful": "beautiful", "peice": "price"}  # two edits, as the reference (wrongly) does
