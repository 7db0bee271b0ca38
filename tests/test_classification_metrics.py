"""Classifier figures against values computed by hand."""

import numpy as np
import pytest

from artemis_hf.evaluation.classification import (
    classification_figures,
    eval_results_records,
    macro_f1,
    plot_confusion_matrix,
)


def one_hot_probabilities(predictions, num_classes=9):
    return np.eye(num_classes)[predictions] * 0.9 + 0.1 / num_classes


def test_figures_by_hand():
    labels = np.array([0, 1, 4, 7, 8, 2])
    predictions = np.array([0, 2, 5, 1, 8, 2])
    figures = classification_figures(one_hot_probabilities(predictions), labels)
    assert figures["accuracy"] == pytest.approx(3 / 6)  # items 0, 4, 5
    # groups: true (pos, pos, neg, neg, else, pos), predicted (pos, pos, neg, pos, else, pos): 5 of 6
    assert figures["sentiment_accuracy"] == pytest.approx(5 / 6)
    # pos vs neg over the 5 polar items: only item 3 (sadness -> awe) is wrong
    assert figures["positive_negative_accuracy"] == pytest.approx(4 / 5)
    # per-class F1: 0 -> 1, 1 -> 0 (no tp), 2 -> 2*1/(2+1), 4 -> 0, 5 -> 0, 7 -> 0, 8 -> 1
    assert figures["macro_f1"] == pytest.approx((1 + 0 + 2 / 3 + 0 + 0 + 0 + 1) / 7)


def test_majority_accuracy_and_kl_with_histograms():
    histograms = np.zeros((2, 9))
    histograms[0, [1, 2]] = [3, 1]  # majority awe
    histograms[1, [4, 6]] = [2, 2]  # no strict majority: excluded
    probabilities = np.full((2, 9), 0.5 / 7)
    probabilities[0, [1, 2]] = [0.25, 0.25]
    probabilities[1, [4, 6]] = [0.25, 0.25]
    figures = classification_figures(probabilities, np.array([1, 4]), histograms)
    assert figures["majority_accuracy"] == 1.0
    expected_kl = np.mean([0.75 * np.log(0.75 / 0.25) + 0.25 * np.log(0.25 / 0.25), 2 * 0.5 * np.log(0.5 / 0.25)])
    assert figures["kl_divergence"] == pytest.approx(expected_kl)


def test_two_class_scheme_and_bad_shapes():
    figures = classification_figures(np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]]), np.array([0, 1, 1]))
    assert figures == {"accuracy": pytest.approx(2 / 3), "macro_f1": pytest.approx((2 / 3 + 2 / 3) / 2)}
    with pytest.raises(ValueError, match=r"\(N, K\)"):
        classification_figures(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="no items"):
        classification_figures(np.zeros((0, 9)), np.zeros(0))
    assert macro_f1(np.array([0, 0]), np.array([0, 0]), 3) == 1.0


def test_eval_results_records_and_confusion_matrix(tmp_path):
    records = eval_results_records(
        {"accuracy": 0.5, "macro_f1": 0.4}, "text-classification", "synthetic-artemis", "deep-nets", "test"
    )
    expected = {
        "task_type": "text-classification",
        "dataset_type": "synthetic-artemis",
        "dataset_name": "synthetic-artemis",
        "dataset_config": "deep-nets",
        "dataset_split": "test",
        "metric_type": "accuracy",
        "metric_value": 0.5,
    }
    assert {key: records[0][key] for key in expected} == expected
    assert records[1]["metric_type"] == "f1"
    counts = plot_confusion_matrix(np.array([0, 0, 1]), np.array([0, 1, 1]), ["a", "b"], tmp_path / "cm.png")
    assert counts.tolist() == [[1, 1], [0, 1]] and (tmp_path / "cm.png").stat().st_size > 5_000
