"""The nine ArtEmis emotions, their grouping, and histograms of annotations.

The order is the reference code's (index 0-8) and is the label order of every model and dataset config.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EMOTIONS: tuple[str, ...] = (
    "amusement",
    "awe",
    "contentment",
    "excitement",
    "anger",
    "disgust",
    "fear",
    "sadness",
    "something else",
)
NUM_EMOTIONS = len(EMOTIONS)
EMOTION_TO_ID: dict[str, int] = {name: index for index, name in enumerate(EMOTIONS)}

POSITIVE_EMOTIONS = EMOTIONS[0:4]
NEGATIVE_EMOTIONS = EMOTIONS[4:8]

# Coarser label schemes used by the classifiers: index 0-2 for pos/neg/else, 0-1 for pos vs neg.
SENTIMENTS: tuple[str, ...] = ("positive", "negative", "something else")
EMOTION_TO_SENTIMENT_ID = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2], dtype=np.int64)


def emotion_id(name: str) -> int:
    """Index of an emotion name, accepting the release's spelling variants ("something_else", any case)."""
    key = name.strip().lower().replace("_", " ")
    if key not in EMOTION_TO_ID:
        raise ValueError(f"Unknown emotion {name!r}; expected one of {list(EMOTIONS)}")
    return EMOTION_TO_ID[key]


def sentiment_ids(emotion_ids: np.ndarray | Sequence[int]) -> np.ndarray:
    """Map emotion indices (0-8) to positive (0), negative (1) or something else (2)."""
    return EMOTION_TO_SENTIMENT_ID[np.asarray(emotion_ids, dtype=np.int64)]


def histograms(
    group_ids: np.ndarray | Sequence[int], emotion_ids: np.ndarray | Sequence[int], num_groups: int
) -> np.ndarray:
    """Count the emotions of each group (e.g. painting): an int64 array of shape (num_groups, 9).

    `group_ids[i]` is the group of annotation i, in [0, num_groups); vectorised, so the whole release takes milliseconds.
    """
    group_ids = np.asarray(group_ids, dtype=np.int64)
    emotion_ids = np.asarray(emotion_ids, dtype=np.int64)
    if group_ids.shape != emotion_ids.shape:
        raise ValueError(f"group_ids {group_ids.shape} and emotion_ids {emotion_ids.shape} must have the same shape")
    flat = np.bincount(group_ids * NUM_EMOTIONS + emotion_ids, minlength=num_groups * NUM_EMOTIONS)
    return flat.reshape(num_groups, NUM_EMOTIONS)


def distributions(counts: np.ndarray) -> np.ndarray:
    """Normalise histograms (..., 9) into probability distributions; an all-zero row raises."""
    counts = np.asarray(counts, dtype=np.float64)
    totals = counts.sum(axis=-1, keepdims=True)
    if np.any(totals == 0):
        raise ValueError("Cannot normalise an emotion histogram with no annotations")
    return counts / totals


def majority_emotion(counts: np.ndarray) -> np.ndarray:
    """Index of the strict-majority emotion of each histogram (more than half of the votes), or -1 where none has it."""
    counts = np.asarray(counts)
    top = counts.argmax(axis=-1)
    has_majority = counts.max(axis=-1) * 2 > counts.sum(axis=-1)
    return np.where(has_majority, top, -1)


def dominant_emotion(counts: np.ndarray) -> np.ndarray:
    """Index of the most voted emotion of each histogram; ties go to the lower index, as numpy's argmax."""
    return np.asarray(counts).argmax(axis=-1)
