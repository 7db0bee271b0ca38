"""How viewers agree on a painting's emotion: the entropy of each painting's histogram (in bits: 0 when every viewer
picked one emotion, log2(9) = 3.17 at most), the agreement shares of `data.stats`, and both per group (art style,
genre, era), with the paintings viewers agreed on most and least."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import emotions
from ..data.stats import agreement_shares, emotion_shares, painting_histograms, summary

ENTROPY_BINS = 20


def entropy_bits(counts: np.ndarray) -> np.ndarray:
    """Shannon entropy, in bits, of each emotion histogram (rows of `counts`)."""
    probabilities = emotions.distributions(counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(probabilities > 0, -probabilities * np.log2(probabilities), 0.0)
    return terms.sum(axis=-1)


def emotion_figures(paintings: pd.DataFrame, groupings: dict[str, pd.Series], top: int = 10) -> dict:
    """Entropy and agreement over all paintings (`PreparedRelease.paintings`), per group of each grouping
    ({name: one group label per painting, NaN for none}), and the `top` most and least agreed-on paintings."""
    counts = painting_histograms(paintings)
    entropy = entropy_bits(counts)
    edges = np.linspace(0, np.log2(emotions.NUM_EMOTIONS), ENTROPY_BINS + 1)
    figures = {
        "paintings": len(paintings),
        "emotion_shares": emotion_shares(counts.sum(axis=0)),
        "entropy_bits": {
            **summary(entropy),
            "histogram": {"edges": edges.round(4).tolist(), "counts": np.histogram(entropy, edges)[0].tolist()},
        },
        **agreement_shares(counts),
    }
    for name, labels in groupings.items():
        figures[f"per_{name}"] = _per_group(counts, entropy, labels.to_numpy())
    # Ties in entropy: more viewers first (their agreement means more), then painting_id, so the lists are stable.
    ties = (paintings["painting_id"].to_numpy(dtype=str), -counts.sum(axis=1))
    for key, sign in (("most_agreed", 1), ("least_agreed", -1)):
        figures[key] = [
            _painting(paintings, counts, entropy, row) for row in np.lexsort((*ties, sign * entropy))[:top]
        ]
    return figures


def _per_group(counts: np.ndarray, entropy: np.ndarray, labels: np.ndarray) -> dict[str, dict]:
    known = pd.notna(labels)
    result = {}
    for group in sorted(set(labels[known].tolist())):
        rows = known & (labels == group)
        result[str(group)] = {
            "paintings": int(rows.sum()),
            "mean_entropy_bits": float(entropy[rows].mean()),
            **agreement_shares(counts[rows]),
            "emotion_shares": emotion_shares(counts[rows].sum(axis=0)),
        }
    return result


def _painting(paintings: pd.DataFrame, counts: np.ndarray, entropy: np.ndarray, row: int) -> dict:
    return {
        "painting_id": paintings["painting_id"].iloc[row],
        "entropy_bits": round(float(entropy[row]), 4),
        "annotations": int(counts[row].sum()),
        "histogram": {name: int(n) for name, n in zip(emotions.EMOTIONS, counts[row]) if n},
    }
