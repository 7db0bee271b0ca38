"""Figures for emotion classifiers (image or text), as the reference reports them, and their `eval_results.json`.

From 9-way probabilities: 9-way accuracy and macro F1; pos/neg/else accuracy (the argmax mapped to its group); the
pos-vs-neg accuracy on items whose true emotion is positive or negative (the summed probability of each group
decides); with emotion histograms, the reference's accuracy on items whose top emotion has more than half of the
votes and the KL divergence from the normalised histogram to the prediction.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np

from ..emotions import EMOTION_TO_SENTIMENT_ID, NUM_EMOTIONS, majority_emotion
from .options import EVAL_RESULTS

CONFUSION_MATRIX_PNG = "confusion_matrix.png"

logger = logging.getLogger(__name__)


def macro_f1(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> float:
    """Unweighted mean of per-class F1 over the classes present in labels or predictions."""
    scores = []
    for k in range(num_classes):
        true_positive = np.sum((predictions == k) & (labels == k))
        predicted, actual = np.sum(predictions == k), np.sum(labels == k)
        if predicted + actual:
            scores.append(2 * true_positive / (predicted + actual))
    return float(np.mean(scores)) if scores else 0.0


def classification_figures(
    probabilities: np.ndarray, labels: np.ndarray, histograms: np.ndarray | None = None
) -> dict[str, float]:
    """All figures for (N, K) probabilities against (N,) integer labels; K = 9 adds the grouped accuracies."""
    probabilities, labels = np.asarray(probabilities, dtype=np.float64), np.asarray(labels)
    if probabilities.ndim != 2 or len(probabilities) != len(labels):
        raise ValueError(f"probabilities must be (N, K) and labels (N,), got {probabilities.shape} and {labels.shape}")
    if len(labels) == 0:
        raise ValueError("no items to evaluate")
    predictions = probabilities.argmax(axis=1)
    figures = {
        "accuracy": float(np.mean(predictions == labels)),
        "macro_f1": macro_f1(labels, predictions, probabilities.shape[1]),
    }
    if probabilities.shape[1] == NUM_EMOTIONS:
        figures["sentiment_accuracy"] = float(
            np.mean(EMOTION_TO_SENTIMENT_ID[predictions] == EMOTION_TO_SENTIMENT_ID[labels])
        )
        true_group = EMOTION_TO_SENTIMENT_ID[labels]
        polar = true_group < 2
        if polar.any():
            positive, negative = probabilities[:, :4].sum(axis=1), probabilities[:, 4:8].sum(axis=1)
            figures["positive_negative_accuracy"] = float(
                np.mean((negative > positive)[polar] == (true_group[polar] == 1))
            )
    if histograms is not None:
        histograms = np.asarray(histograms, dtype=np.float64)
        majority = majority_emotion(histograms)
        has_majority = majority >= 0
        if has_majority.any():
            figures["majority_accuracy"] = float(np.mean(predictions[has_majority] == majority[has_majority]))
        target = histograms / histograms.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(target > 0, target * (np.log(target) - np.log(np.clip(probabilities, 1e-12, None))), 0.0)
        figures["kl_divergence"] = float(terms.sum(axis=1).mean())
    return figures


def plot_confusion_matrix(
    labels: np.ndarray, predictions: np.ndarray, names: list[str], path: str | Path
) -> np.ndarray:
    """Row-normalised confusion matrix as a PNG; returns the counts (true x predicted)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = np.zeros((len(names), len(names)), dtype=np.int64)
    np.add.at(counts, (np.asarray(labels), np.asarray(predictions)), 1)
    shares = counts / np.clip(counts.sum(axis=1, keepdims=True), 1, None)
    figure, axis = plt.subplots(figsize=(1 + 0.7 * len(names), 0.8 + 0.6 * len(names)))
    image = axis.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    axis.set_xticks(range(len(names)), names, rotation=45, ha="right")
    axis.set_yticks(range(len(names)), names)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    for (row, column), share in np.ndenumerate(shares):
        axis.text(
            column,
            row,
            f"{share:.2f}",
            ha="center",
            va="center",
            fontsize=7,
            color="white" if share > 0.5 else "black",
        )
    figure.colorbar(image, ax=axis, fraction=0.046)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return counts


def eval_results_records(
    figures: dict[str, float],
    task_type: str,
    dataset_name: str,
    dataset_config: str,
    dataset_split: str,
    dataset_type: str | None = None,
) -> list[dict]:
    """Records with the fields of `huggingface_hub.EvalResult`, one per figure, for eval_results.json and model cards.

    `dataset_type` is the Hub id of the dataset; synthetic data gets a name of its own, never ArtEmis's.
    """
    from huggingface_hub import EvalResult

    records = []
    for metric, value in figures.items():
        result = EvalResult(
            task_type=task_type,
            dataset_type=dataset_type or dataset_name.lower().replace(" ", "-"),
            dataset_name=dataset_name,
            dataset_config=dataset_config,
            dataset_split=dataset_split,
            metric_type="f1" if metric == "macro_f1" else metric,
            metric_name=metric.replace("_", " "),
            metric_value=value,
        )
        records.append({key: value for key, value in vars(result).items() if value is not None})
    return records


def write_eval_results(records: list[dict], model_dir: str | os.PathLike) -> Path:
    """Merge records into `<model_dir>/eval_results.json`: a record replaces the one that differs from it by value only."""
    from huggingface_hub import EvalResult

    path = Path(model_dir, EVAL_RESULTS)
    existing = json.loads(path.read_text()) if path.is_file() else []
    if not isinstance(existing, list):
        raise ValueError(f"{path} must hold a list of EvalResult records, found {type(existing).__name__}")
    new = [EvalResult(**record) for record in records]
    kept = [
        record for record in existing if not any(EvalResult(**record).is_equal_except_value(other) for other in new)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(kept + records, indent=1))
    logger.info("Wrote %d results to %s", len(records), path)
    return path


def evaluate_classifier(
    probabilities: np.ndarray,
    labels: np.ndarray,
    label_names: list[str],
    output_dir: str | os.PathLike,
    *,
    task_type: str,
    dataset_name: str,
    dataset_config: str,
    dataset_split: str,
    histograms: np.ndarray | None = None,
) -> dict[str, float]:
    """A classifier's figures on a split, written beside the model: `confusion_matrix.png` and its records merged into
    `eval_results.json`. Call it from one process only."""
    figures = classification_figures(probabilities, labels, histograms)
    plot_confusion_matrix(
        labels, np.asarray(probabilities).argmax(axis=1), label_names, Path(output_dir, CONFUSION_MATRIX_PNG)
    )
    records = eval_results_records(figures, task_type, dataset_name, dataset_config, dataset_split)
    write_eval_results(records, output_dir)
    return figures
