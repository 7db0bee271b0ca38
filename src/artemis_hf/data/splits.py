"""Painting-level train/validation/test splits, reproducible across runs and machines."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SPLITS = ("train", "validation", "test")
REST_SPLIT = "rest"
DEFAULT_FRACTIONS = (0.85, 0.05, 0.10)
DEFAULT_SEED = 2021


def split_paintings(
    painting_ids: Sequence[str], fractions: Sequence[float] = DEFAULT_FRACTIONS, seed: int = DEFAULT_SEED
) -> dict[str, str]:
    """Assign each distinct painting id to "train", "validation" or "test".

    The ids are sorted before a seeded permutation, so the result depends only on the set of ids, the fractions and
    the seed: not on row order, platform or Python's hash seed.
    """
    if len(fractions) != len(SPLITS) or any(f < 0 for f in fractions) or not np.isclose(sum(fractions), 1.0):
        raise ValueError(f"fractions must be three non-negative numbers summing to 1, got {tuple(fractions)}")
    unique_ids = sorted(set(painting_ids))
    order = np.random.default_rng(seed).permutation(len(unique_ids))
    n_train = int(round(fractions[0] * len(unique_ids)))
    n_validation = int(round(fractions[1] * len(unique_ids)))
    bounds = (n_train, n_train + n_validation)
    assignment: dict[str, str] = {}
    for rank, index in enumerate(order):
        split = SPLITS[0] if rank < bounds[0] else SPLITS[1] if rank < bounds[1] else SPLITS[2]
        assignment[unique_ids[index]] = split
    return assignment
