import numpy as np
import pytest

from artemis_hf import emotions


def test_reference_order_and_groups():
    assert emotions.EMOTIONS[0] == "amusement" and emotions.EMOTIONS[8] == "something else"
    assert emotions.POSITIVE_EMOTIONS == ("amusement", "awe", "contentment", "excitement")
    assert emotions.NEGATIVE_EMOTIONS == ("anger", "disgust", "fear", "sadness")
    assert emotions.sentiment_ids(range(9)).tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2]


def test_emotion_id_accepts_release_spellings():
    assert emotions.emotion_id("something_else") == 8
    assert emotions.emotion_id(" Awe ") == 1
    with pytest.raises(ValueError, match="'joy'"):
        emotions.emotion_id("joy")


def test_histograms_majority_and_distributions():
    groups = np.array([0, 0, 0, 1, 1, 1, 1])
    labels = np.array([1, 1, 6, 2, 2, 7, 7])
    counts = emotions.histograms(groups, labels, num_groups=2)
    assert counts.tolist() == [[0, 2, 0, 0, 0, 0, 1, 0, 0], [0, 0, 2, 0, 0, 0, 0, 2, 0]]
    assert emotions.majority_emotion(counts).tolist() == [1, -1]  # a 2-2 tie is no strict majority
    assert emotions.dominant_emotion(counts).tolist() == [1, 2]
    np.testing.assert_allclose(emotions.distributions(counts).sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="no annotations"):
        emotions.distributions(np.zeros((1, 9)))
