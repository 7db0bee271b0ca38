"""The metrics: hand-computed toy values, agreement with pycocoevalcap on synthetic captions, and clear errors."""

import math

import numpy as np
import pandas as pd
import pytest
from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.meteor.meteor import Meteor
from pycocoevalcap.rouge.rouge import Rouge, my_lcs

from artemis_hf.evaluation import (
    MeteorScorer,
    MetricUnavailableError,
    bleu,
    cider,
    diversity,
    emotional_alignment,
    lcs_lengths,
    meteor,
    novelty,
    rouge_l,
    simile_share,
    spice,
)
from artemis_hf.evaluation.inputs import normalize


@pytest.fixture(scope="module")
def meteor_scorer():
    """One METEOR process for the module (each start loads the paraphrase table, about 8 s)."""
    with MeteorScorer() as scorer:
        yield scorer


@pytest.fixture(scope="module")
def synthetic_pairs(synthetic_release):
    """Captions and references of the synthetic release, cleaned like `utterance_spelled`: each painting's last
    utterance is its caption, the others its references (about 300 captions, 1,500 references)."""
    frame = pd.read_csv(synthetic_release.csv_path)
    frame["painting_id"] = frame["art_style"] + "/" + frame["painting"]
    frame["text"] = normalize(frame["utterance"].tolist())
    groups = frame.groupby("painting_id", sort=False)["text"].agg(list)
    return {key: texts[-1] for key, texts in groups.items()}, {key: texts[:-1] for key, texts in groups.items()}


# --- Standard metrics, by hand ---

SEA_CAPTIONS = {"p1": "the sea is calm", "p2": "a red fire burns"}
SEA_REFERENCES = {"p1": ["the sea is calm and blue", "a calm sea"], "p2": ["the red fire burns bright"]}


def test_bleu_by_hand():
    # p1 against its best reference for each n-gram: 1-grams 4/4, 2-grams 3/3, 3-grams 2/2, 4-grams 1/1.
    # p2 "a red fire burns" against "the red fire burns bright": 1-grams 3/4 ("a" misses), 2-grams 2/3, 3-grams 1/2, 4-grams 0/1.
    # Corpus sums: matched (7, 5, 3, 1) of (8, 6, 4, 2). Lengths: p1's closest reference has 3 words (|3-4| = 1 beats
    # |6-4| = 2), p2's has 5: 8 reference words for 8 caption words, no brevity penalty (pycocoevalcap's 1e-9 and
    # 1e-15 guards move the ratio by about 1e-10).
    precisions = [7 / 8, 5 / 6, 3 / 4, 1 / 2]
    expected = [math.prod(precisions[:n]) ** (1 / n) for n in range(1, 5)]
    assert list(bleu(SEA_CAPTIONS, SEA_REFERENCES).values()) == pytest.approx(expected, abs=1e-8)


def test_rouge_l_by_hand():
    # p1: LCS 4 with "the sea is calm and blue" (P 4/4, R 4/6), 1 with "a calm sea" (P 1/4, R 1/3);
    # best P = 1, best R = 2/3. p2: LCS 3 with "the red fire burns bright": P 3/4, R 3/5.
    def f_measure(precision, recall, beta=1.2):
        return (1 + beta**2) * precision * recall / (recall + beta**2 * precision)

    expected = (f_measure(1, 2 / 3) + f_measure(3 / 4, 3 / 5)) / 2  # (0.772152 + 0.653571) / 2
    assert rouge_l(SEA_CAPTIONS, SEA_REFERENCES)["rouge_l"] == pytest.approx(expected, abs=1e-12)
    assert expected == pytest.approx(0.712862, abs=1e-6)


def test_cider_by_hand():
    # Two paintings: every n-gram's IDF weight is log(2) - log(max(1, df)), df = paintings whose references hold it.
    # "the" is in both reference sets: weight 0. Every other n-gram (seen once, or never): log 2.
    # p1 "the red sea" vs "the red sky": 1-grams (the, red, sea) . (the, red, sky) = log2^2 over norms sqrt2 log2 each
    # -> 1/2; 2-grams ("the red", "red sea") . ("the red", "red sky") -> 1/2; 3-grams differ -> 0; no 4-grams -> 0.
    # Both have two bigrams (pycocoevalcap's length), so no length penalty. Mean over n, one reference, times 10:
    # 10 * (1/2 + 1/2 + 0 + 0) / 4 = 2.5, and the same for p2 by symmetry.
    captions = {"p1": "the red sea", "p2": "the blue sky"}
    references = {"p1": ["the red sky"], "p2": ["the blue sea"]}
    assert cider(captions, references)["cider"] == pytest.approx(2.5, abs=1e-12)


def test_meteor_by_hand(meteor_scorer):
    # METEOR 1.5, English parameters alpha 0.85, beta 0.2, gamma 0.6; all words here are content words matched exactly.
    # 1) "crimson waves crash" vs "crimson waves crash loudly tonight": P = 1, R = 3/5, one chunk of 3 matches.
    # 2) "red sky" vs "sky red": P = R = 1, two chunks of 2 matches.
    def score(precision, recall, chunks, matches, alpha=0.85, beta=0.2, gamma=0.6):
        f_mean = precision * recall / (alpha * precision + (1 - alpha) * recall)
        return f_mean * (1 - gamma * (chunks / matches) ** beta)

    captions = {"a": "crimson waves crash", "b": "red sky"}
    references = {"a": ["crimson waves crash loudly tonight"], "b": ["sky red"]}
    expected = [score(1, 3 / 5, 1, 3), score(1, 1, 2, 2)]  # 0.330865 and 0.4
    assert meteor(captions, references, meteor_scorer)["meteor"] == pytest.approx(np.mean(expected), abs=1e-6)
    # The best reference counts: adding the caption itself as a reference gives a perfect score.
    assert meteor({"b": "red sky"}, {"b": ["sky red", "red sky"]}, meteor_scorer)["meteor"] == pytest.approx(1.0)


# --- Standard metrics, against pycocoevalcap on synthetic captions ---


def test_bleu_rouge_cider_equal_pycocoevalcap(synthetic_pairs):
    captions, references = synthetic_pairs
    assert len(captions) >= 250
    gts, res = references, {key: [caption] for key, caption in captions.items()}
    bleu_scores, _ = Bleu(4).compute_score(gts, res, verbose=0)
    assert list(bleu(captions, references).values()) == pytest.approx(bleu_scores, abs=1e-6)
    assert rouge_l(captions, references)["rouge_l"] == pytest.approx(Rouge().compute_score(gts, res)[0], abs=1e-6)
    assert cider(captions, references)["cider"] == pytest.approx(Cider().compute_score(gts, res)[0], abs=1e-6)


def test_meteor_equals_pycocoevalcap(synthetic_pairs, meteor_scorer):
    captions, references = synthetic_pairs
    corpus, scores = Meteor().compute_score(references, {key: [caption] for key, caption in captions.items()})
    figures = meteor(captions, references, meteor_scorer)
    assert figures["meteor"] == pytest.approx(np.mean(scores), abs=1e-6)
    assert figures["meteor_corpus"] == pytest.approx(corpus, abs=1e-6)


def test_raw_text_scores_as_its_normalised_form(synthetic_pairs):
    captions, references = synthetic_pairs
    shouted = {key: caption.upper().replace(" ", ", ", 1) + "!" for key, caption in captions.items()}
    assert cider(shouted, references) == cider(captions, references)


def test_non_ascii_text_is_scored(meteor_scorer):
    captions = {"Impressionism/eugène-boudin_plage": "l'été à Arles, un café naïf"}
    references = {"Impressionism/eugène-boudin_plage": ["l été à arles un café naïf", "un café au soleil"]}
    assert bleu(captions, references)["bleu_4"] == pytest.approx(1.0)
    assert rouge_l(captions, references)["rouge_l"] == pytest.approx(1.0)
    assert meteor(captions, references, meteor_scorer)["meteor"] == pytest.approx(1.0)
    assert cider(captions, references)["cider"] == 0.0  # a single painting: every IDF is log(1/1) = 0


# --- Errors ---


@pytest.mark.parametrize(
    "captions, references, message",
    [
        ({"p": "   "}, {"p": ["a calm sea"]}, r"captions\['p'\] = '   ' has no words"),
        ({"p": "?!"}, {"p": ["a calm sea"]}, r"captions\['p'\] = '\?!' has no words"),
        ({"p": "a sea"}, {"p": []}, r"references\['p'\] is an empty list"),
        ({"p": "a sea"}, {"p": ["a calm sea", ""]}, r"references\['p'\]\[1\] = '' has no words"),
        (
            {"p": "a sea", "q": "a sky"},
            {"p": ["a calm sea"]},
            r"1 caption\(s\) have no references, the first for painting_id 'q'",
        ),
        ({}, {"p": ["a calm sea"]}, "captions is empty"),
    ],
)
def test_bad_inputs_are_named(captions, references, message):
    for metric in (bleu, rouge_l, cider):
        with pytest.raises(ValueError, match=message):
            metric(captions, references)


def test_wrong_types_are_named():
    with pytest.raises(TypeError, match=r"captions\['p'\] must be a string, got int"):
        bleu({"p": 3}, {"p": ["a calm sea"]})
    with pytest.raises(TypeError, match=r"references\['p'\] must be a list of strings, got str"):
        bleu({"p": "a sea"}, {"p": "a calm sea"})
    with pytest.raises(TypeError, match="mappings keyed by painting_id"):
        bleu(["a sea"], [["a calm sea"]])


def test_spice_without_its_models_says_so_and_downloads_nothing():
    from artemis_hf.evaluation.meteor_scorer import pycocoevalcap_dir
    from artemis_hf.evaluation.standard import SPICE_MODELS

    if all((pycocoevalcap_dir("spice") / "lib" / name).is_file() for name in SPICE_MODELS):
        pytest.skip("SPICE's Stanford CoreNLP models are installed here")
    with pytest.raises(MetricUnavailableError, match="stanford-corenlp-3.6.0.jar .* never downloads"):
        spice({"p": "a sea"}, {"p": ["a calm sea"]})


# --- Affective metrics, by hand ---

HISTOGRAMS = np.array(
    [
        [3, 1, 0, 0, 0, 0, 0, 0, 0],  # amusement has 3 of 4 votes: majority 0
        [2, 2, 0, 0, 0, 0, 0, 0, 0],  # a tie: no strict majority, left out of the alignment
        [0, 0, 0, 0, 0, 0, 1, 4, 0],  # sadness 4 of 5: majority 7
        [0, 0, 2, 0, 0, 0, 0, 0, 0],  # contentment 2 of 2: majority 2
    ]
)
PROBABILITIES = np.zeros((4, 9))
PROBABILITIES[0, [0, 1]] = 0.5  # predicts amusement (argmax takes the first of the tie): aligned
PROBABILITIES[1] = 1 / 9  # excluded painting
PROBABILITIES[2, [6, 7]] = 0.6, 0.4  # predicts fear, the painting is sad: not aligned
PROBABILITIES[3, 2] = 1.0  # predicts contentment: aligned
CAPTIONS = ["funny", "odd", "scary", "calm"]


def test_emotional_alignment_by_hand():
    figures = emotional_alignment(CAPTIONS, HISTOGRAMS, lambda texts: PROBABILITIES)
    # Cross-entropy -sum p log q per caption, p the histogram normalised:
    # (3/4, 1/4) vs (1/2, 1/2): log 2; (1/2, 1/2) vs uniform: log 9; (1/5, 4/5) vs (0.6, 0.4); (1) vs (1): 0.
    cross_entropies = [math.log(2), math.log(9), -(0.2 * math.log(0.6) + 0.8 * math.log(0.4)), 0.0]
    assert figures["emotional_alignment"] == pytest.approx(2 / 3)
    assert figures["majority_paintings"] == 3
    assert figures["emotion_cross_entropy"] == pytest.approx(np.mean(cross_entropies))  # 0.931392


def test_emotional_alignment_from_labels():
    for labels in ([0, 5, 6, 2], ["amusement", "disgust", "fear", "contentment"]):
        figures = emotional_alignment(CAPTIONS, HISTOGRAMS, lambda texts, labels=labels: labels)
        assert figures == {
            "emotional_alignment": pytest.approx(2 / 3),
            "majority_paintings": 3,
            "emotion_cross_entropy": None,
        }


def test_emotional_alignment_refuses_bad_classifier_output():
    with pytest.raises(ValueError, match="not probabilities .* softmax"):
        emotional_alignment(CAPTIONS, HISTOGRAMS, lambda texts: PROBABILITIES * 3)
    with pytest.raises(ValueError, match=r"shape \(4, 3\)"):
        emotional_alignment(CAPTIONS, HISTOGRAMS, lambda texts: np.ones((4, 3)) / 3)
    with pytest.raises(ValueError, match=r"emotion_histograms must have shape \(4, 9\)"):
        emotional_alignment(CAPTIONS, HISTOGRAMS[:3], lambda texts: PROBABILITIES)


def test_similes_are_substrings_of_the_lowercased_caption():
    captions = ["it looks like a storm", "The sea Reminds Me of home", "a calm sea", "it is likely calm"]
    # The last one counts too: "is like" is a plain substring of "is likely", as in the reference analysis.
    assert simile_share(captions) == {"similes": 0.75}


def test_novelty_by_hand():
    train = ["the calm sea", "a storm at sea", "red fire"]
    # "the sea is calm": LCS 2 ("the sea"), 1 ("sea"), 0 -> max 2, mean 1.
    # "a red fire at sea": LCS 1 ("sea"), 3 ("a at sea"), 2 ("red fire") -> max 3, mean 2.
    figures = novelty(["the sea is calm", "a red fire at sea"], train, sample_size=None)
    assert figures == {"lcs_max": 2.5, "lcs_mean": 1.5}
    assert novelty(["the sea is calm", "a red fire at sea"], train, sample_size=10) == figures  # more than there are
    with pytest.raises(ValueError, match="sample_size must be at least 1"):
        novelty(["a sea"], train, sample_size=0)
    with pytest.raises(ValueError, match="train_utterances is empty"):
        novelty(["a sea"], [])


def test_bit_parallel_lcs_equals_dynamic_programming():
    rng = np.random.default_rng(0)
    words = ["a", "b", "c", "d", "e"]

    def sequences(count, low, high):
        return [list(rng.choice(words, rng.integers(low, high))) for _ in range(count)]

    queries = sequences(30, 1, 12) + sequences(10, 60, 140) + [["a"] * 130]
    corpus = sequences(20, 1, 12) + sequences(10, 60, 140) + [["a"] * 150]  # up to 3 words of 64 bits, carries
    expected = [[my_lcs(query, sequence) for sequence in corpus] for query in queries]
    assert lcs_lengths(queries, corpus).tolist() == expected


def test_diversity_by_hand():
    # Normalised: "a calm sea" twice and "a storm": 2 distinct of 3; tokens a, calm, sea, storm; lengths 3, 3, 2.
    assert diversity(["A calm sea.", "a calm sea", "a storm"]) == {
        "distinct_captions": 2,
        "distinct_caption_share": pytest.approx(2 / 3),
        "distinct_tokens": 4,
        "mean_length": pytest.approx(8 / 3),
    }


def test_affective_metrics_name_bad_captions():
    with pytest.raises(ValueError, match=r"captions\[1\] = '' has no words"):
        diversity(["a sea", ""])
    with pytest.raises(ValueError, match="captions is empty"):
        simile_share([])
    with pytest.raises(TypeError, match="captions must be a sequence of strings, got str"):
        novelty("a sea", ["the sea"])
