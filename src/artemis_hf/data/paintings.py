"""What a model learns from the images: a release's build restricted to paintings that have one, and one row per
painting.

WikiArt copies are usually incomplete, so paintings without an image are the normal case: they are left out of image
training and captioning, counted and named (`ImageCoverage`), or refused before any work with `on_missing="error"`.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from .builder import ArtEmisBuild, build_artemis
from .sources import ReleaseArguments

logger = logging.getLogger(__name__)

MISSING_IMAGES_FILENAME = "missing_images.json"
MAX_SHOWN = 5


@dataclass
class ImageCoverage:
    """Which paintings of a build have an image, and which (by `painting_id`) were left out for lack of one."""

    images_dir: str
    num_paintings: int
    missing: list[str]

    @property
    def num_with_image(self) -> int:
        return self.num_paintings - len(self.missing)

    def expected_paths(self, limit: int | None = None) -> list[str]:
        return [os.path.join(self.images_dir, f"{painting_id}.jpg") for painting_id in self.missing[:limit]]

    def save(self, folder: str | os.PathLike) -> Path | None:
        """`missing_images.json` in `folder`, when any painting was left out: the full list behind the log's count."""
        if not self.missing:
            return None
        path = Path(folder, MISSING_IMAGES_FILENAME)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(
                {"images_dir": self.images_dir, "paintings": self.num_paintings, "missing": self.missing}, indent=1
            )
        )
        return path


def keep_paintings_with_images(
    dataset, splits: Sequence[str], images_dir: str, on_missing: Literal["skip", "error"] = "skip"
):
    """(dataset, coverage): the `splits` of a `DatasetDict` without the rows whose painting has no readable image.

    `on_missing="error"` raises instead, naming how many paintings lack an image and the first few expected paths;
    so does a split left without any painting.
    """
    if on_missing not in ("skip", "error"):
        raise ValueError(f"on_missing_image must be 'skip' or 'error', got {on_missing!r}")
    dataset = type(dataset)({name: dataset[name] for name in splits})
    has_image = {
        name: ~split.with_format("arrow")["image"].is_null().to_numpy(zero_copy_only=False)
        for name, split in dataset.items()
    }
    all_ids, missing = set(), set()
    for name, split in dataset.items():
        painting_ids = np.asarray(split["painting_id"], dtype=object)
        all_ids.update(painting_ids)
        missing.update(painting_ids[~has_image[name]])
    coverage = ImageCoverage(str(images_dir), len(all_ids), sorted(missing))
    emptied = [name for name in splits if len(dataset[name]) and not has_image[name].any()]
    if coverage.missing and (on_missing == "error" or emptied):
        problem = f" (no painting of the {' and '.join(emptied)} split has one)" if emptied else ""
        fix = "add the images" + ("" if emptied else ", or pass --on_missing_image skip to leave them out (counted)")
        raise FileNotFoundError(
            f"{len(coverage.missing):,} of {coverage.num_paintings:,} paintings have no readable image in {images_dir}"
            f"{problem}, e.g. {', '.join(coverage.expected_paths(MAX_SHOWN))}: {fix}"
        )
    if coverage.missing:
        logger.warning(
            "%s of %s paintings have an image; %s without one are left out (e.g. %s)",
            f"{coverage.num_with_image:,}",
            f"{coverage.num_paintings:,}",
            f"{len(coverage.missing):,}",
            ", ".join(coverage.missing[:MAX_SHOWN]),
        )
        dataset = type(dataset)(
            {name: split.select(np.flatnonzero(has_image[name])) for name, split in dataset.items()}
        )
    return dataset, coverage


def load_painting_splits(release: ReleaseArguments, splits: Sequence[str], on_missing_image: Literal["skip", "error"]):
    """(csv path, the paintings config's `splits`, their `ImageCoverage`) of the release the arguments name, for the
    models that learn from the images alone; the splits keep only paintings with an image (see
    `keep_paintings_with_images`)."""
    csv_path, images_dir = release.resolve()
    if images_dir is None:
        raise ValueError(f"--images_dir is needed to train on images (csv: {csv_path})")
    dataset = build_artemis(csv_path, images_dir, "paintings", cache_dir=release.cache_dir).dataset
    missing = [split for split in splits if split not in dataset]
    if missing:
        raise ValueError(f"The paintings build of {csv_path} has no {missing} split(s) (splits: {list(dataset)})")
    return csv_path, *keep_paintings_with_images(dataset, splits, images_dir, on_missing_image)


def load_speaker_data(release: ReleaseArguments) -> ArtEmisBuild:
    """The deep-nets build (utterances, painting images, tokenizer) of the release the arguments name; restrict it
    with `keep_paintings_with_images` (the vocabulary stays the whole release's)."""
    csv_path, images_dir = release.resolve()
    if images_dir is None:
        raise ValueError(f"A speaker learns from the paintings: pass --images_dir for the release {csv_path}")
    return build_artemis(csv_path, images_dir, "deep-nets", cache_dir=release.cache_dir)


def paintings_of(split):
    """One row per painting (its first utterance's), in order of first appearance."""
    first_rows = {}
    for index, painting_id in enumerate(split["painting_id"]):
        first_rows.setdefault(painting_id, index)
    return split.select(list(first_rows.values()))
