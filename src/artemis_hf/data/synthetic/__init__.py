"""A synthetic ArtEmis release: the real CSV columns and image layout, drawn procedurally, honest to learn from.

Generative model (`model`), per painting:
- a main emotion, uniform over the nine. Each emotion is one cell of 3 palette families x 3 shape families
  (`EMOTION_FACTORS`), so colour alone or shape alone narrows it down to three emotions at best;
- its image (`drawing`): objects of one shape variant of the family, in two colours of the palette, plus nuisance
  factors drawn independently of the emotion: background, composition, object scale and count, grain, and a tint per
  art style. Validation and test paintings (those `split_paintings` puts there with its default fractions and seed, as
  the dataset builder does) use (background, composition, scale) combinations that training paintings never use;
- min..max annotations. An annotator feels the main emotion with probability 1 - `DISAGREEMENT`, otherwise one that
  shares its palette or shape family, or "something else" (`model.confusion_matrix`). The image determines the main
  emotion and nothing else informs an annotation, so the Bayes ceilings follow exactly from that matrix;
- each utterance fills one of `SENTENCE_PATTERNS` with words (`words`) for what that painting shows (colours, shapes,
  placement, size, count, background, grain) and for the emotion its annotator felt.
`synthetic_paintings.csv` (`sources.PAINTINGS_FILENAME`), next to the release CSV, records each painting's split,
main emotion and factors.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ...emotions import EMOTIONS
from ..sources import PAINTINGS_FILENAME, RELEASE_FILENAME
from .drawing import write_images
from .model import (
    annotation_counts,
    bayes_ceilings,
    confusion_matrix,
    names_of,
    sample_paintings,
    sample_rows,
    sample_utterances,
)
from .words import SENTENCE_PATTERNS


@dataclass
class SyntheticRelease:
    """Where a synthetic release was written, and the figures worth reporting about it."""

    csv_path: Path
    images_dir: Path | None
    paintings_path: Path  # one row per painting: id, split, main emotion and every factor of its image
    num_paintings: int
    num_annotations: int
    num_artists: int
    split_sizes: dict[str, int]
    bayes_accuracy: float  # best expected accuracy of any model predicting an annotation's emotion from its painting
    bayes_majority_accuracy: float  # the same for the strict-majority emotion, over paintings that have one
    expected_majority_share: float  # expected share of paintings with a strict-majority emotion
    agreement: float  # observed share of annotations that feel the painting's main emotion
    emotion_name_share: float  # of utterances naming one of the nine emotions
    simile_share: float
    misspelled_share: float
    num_sentence_patterns: int
    seconds: float

    def to_dict(self) -> dict:
        return {key: str(value) if isinstance(value, Path) else value for key, value in asdict(self).items()}


def make_synthetic_release(
    output_dir: str | os.PathLike,
    num_paintings: int = 2_000,
    num_annotations: int | None = None,
    min_annotations: int = 5,
    max_annotations: int = 7,
    image_size: int = 64,
    with_images: bool = True,
    seed: int = 0,
    num_workers: int | None = None,
) -> SyntheticRelease:
    """Write `artemis_dataset_release_v0.csv`, `synthetic_paintings.csv` and `images/<art_style>/<painting>.jpg`.

    `num_annotations`, when given, fixes the total exactly, each painting keeping min..max annotations. The output
    depends on the arguments only, not on `num_workers` (processes drawing images; default: the CPU count, up to 8).
    """
    start = time.perf_counter()
    _check_arguments(num_paintings, num_annotations, min_annotations, max_annotations, image_size)
    rng = np.random.default_rng(seed)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)

    paintings = sample_paintings(rng, num_paintings)
    counts = annotation_counts(rng, num_paintings, num_annotations, min_annotations, max_annotations)
    paintings["repetition"] = counts
    owner = np.repeat(np.arange(num_paintings), counts)  # the painting of each annotation
    main = pd.Index(EMOTIONS).get_indexer(paintings["emotion"])
    confusion = confusion_matrix()
    felt = sample_rows(rng, confusion[main[owner]])
    utterances, flags = sample_utterances(rng, paintings, owner, felt)

    images_dir = output_dir / "images" if with_images else None
    if images_dir is not None:
        write_images(paintings, images_dir, image_size, seed, num_workers or min(os.cpu_count() or 1, 8))
    columns = {
        "art_style": paintings["art_style"].to_numpy()[owner],
        "painting": paintings["painting"].to_numpy()[owner],
        "emotion": names_of(EMOTIONS, felt),
        "utterance": utterances,
        "repetition": counts[owner],
    }
    paintings.to_csv(output_dir / PAINTINGS_FILENAME, index=False, lineterminator="\n")
    # Written last, so that its presence means a complete release. Object columns: Arrow strings cost more here.
    pd.DataFrame(columns, dtype=object).to_csv(output_dir / RELEASE_FILENAME, index=False, lineterminator="\n")
    return SyntheticRelease(
        csv_path=output_dir / RELEASE_FILENAME,
        images_dir=images_dir,
        paintings_path=output_dir / PAINTINGS_FILENAME,
        num_paintings=num_paintings,
        num_annotations=len(owner),
        num_artists=paintings["artist"].nunique(),
        split_sizes={split: int(size) for split, size in paintings["split"].value_counts().items()},
        **bayes_ceilings(confusion, main, counts),
        agreement=float(np.mean(felt == main[owner])),
        **{f"{name}_share": float(np.mean(flag)) for name, flag in flags.items()},
        num_sentence_patterns=len(SENTENCE_PATTERNS),
        seconds=round(time.perf_counter() - start, 3),
    )


def _check_arguments(
    num_paintings: int, num_annotations: int | None, min_annotations: int, max_annotations: int, image_size: int
) -> None:
    if num_paintings < 1 or image_size < 8:
        raise ValueError(f"num_paintings must be >= 1 and image_size >= 8, got {num_paintings} and {image_size}")
    if not 1 <= min_annotations <= max_annotations:
        raise ValueError(f"Need 1 <= min_annotations <= max_annotations, got {min_annotations} and {max_annotations}")
    low, high = num_paintings * min_annotations, num_paintings * max_annotations
    if num_annotations is not None and not low <= num_annotations <= high:
        raise ValueError(
            f"num_annotations={num_annotations} is infeasible: num_paintings={num_paintings} with min_annotations="
            f"{min_annotations} and max_annotations={max_annotations} allow {low} to {high} annotations"
        )
