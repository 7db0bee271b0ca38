"""Where a release comes from and what results on it are called: the one home of the release's naming.

A release is the CSV (`RELEASE_FILENAME`) plus, optionally, a folder of images. Every command defaults to the
embedded synthetic release, generated once into the cache. Results on a synthetic release never carry the name of
the ArtEmis dataset: a release is synthetic when its generator's `PAINTINGS_FILENAME` lies beside the CSV.

This module imports nothing heavy, so that command-line help stays instant.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

RELEASE_FILENAME = "artemis_dataset_release_v0.csv"
PAINTINGS_FILENAME = "synthetic_paintings.csv"  # the factors of each synthetic painting; never part of a real release
SYNTHETIC_DATASET_NAME = "synthetic-artemis"
SYNTHETIC_PRETTY_NAME = "Synthetic ArtEmis"
ARTEMIS_DATASET_NAME = "ArtEmis"
CONFIG_NAMES = ("raw", "deep-nets", "paintings")  # the dataset's configs, as `load_dataset` names them
SYNTHETIC_DEFAULT = {"num_paintings": 600, "image_size": 64, "seed": 0}

# fmt: off
# The 27 WikiArt styles of the ArtEmis release (its `art_style` column), in sorted order.
ART_STYLES: tuple[str, ...] = (
    "Abstract_Expressionism", "Action_painting", "Analytical_Cubism", "Art_Nouveau_Modern", "Baroque",
    "Color_Field_Painting", "Contemporary_Realism", "Cubism", "Early_Renaissance", "Expressionism", "Fauvism",
    "High_Renaissance", "Impressionism", "Mannerism_Late_Renaissance", "Minimalism", "Naive_Art_Primitivism",
    "New_Realism", "Northern_Renaissance", "Pointillism", "Pop_Art", "Post_Impressionism", "Realism", "Rococo",
    "Romanticism", "Symbolism", "Synthetic_Cubism", "Ukiyo_e",
)
# fmt: on


def cache_root() -> Path:
    """`$ARTEMIS_HF_CACHE`, else `$HF_HOME/artemis_hf`, else ~/.cache/huggingface/artemis_hf."""
    if "ARTEMIS_HF_CACHE" in os.environ:
        return Path(os.environ["ARTEMIS_HF_CACHE"])
    return Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface")) / "artemis_hf"


def synthetic_default_release() -> tuple[str, str]:
    """(csv_path, images_dir) of the embedded synthetic release, generated on first use."""
    name = "synthetic-{num_paintings}p-{image_size}px-seed{seed}".format(**SYNTHETIC_DEFAULT)
    folder = cache_root() / name
    if not (folder / RELEASE_FILENAME).is_file():  # the CSV is written last, so its presence means complete
        from .synthetic import make_synthetic_release  # drawing paintings needs PIL and pandas: only when generating

        logger.info("Generating the synthetic ArtEmis release in %s", folder)
        make_synthetic_release(folder, **SYNTHETIC_DEFAULT)
    return str(folder / RELEASE_FILENAME), str(folder / "images")


def is_synthetic_release(csv_path: str | os.PathLike) -> bool:
    """Whether a release CSV was written by `make_synthetic_release` (its painting factors lie beside it)."""
    return Path(csv_path).with_name(PAINTINGS_FILENAME).is_file()


def results_dataset_name(csv_path: str | os.PathLike) -> str:
    """The dataset name for results on this release: "ArtEmis", or `SYNTHETIC_DATASET_NAME` for a synthetic one."""
    return SYNTHETIC_DATASET_NAME if is_synthetic_release(csv_path) else ARTEMIS_DATASET_NAME


def pretty_dataset_name(csv_path: str | os.PathLike) -> str:
    """The dataset's name in a card: "ArtEmis", or "Synthetic ArtEmis"."""
    return SYNTHETIC_PRETTY_NAME if is_synthetic_release(csv_path) else ARTEMIS_DATASET_NAME


@dataclass
class ReleaseArguments:
    csv: str | None = field(
        default=None,
        metadata={
            "help": "The release CSV (artemis_dataset_release_v0.csv). Default: the embedded synthetic release."
        },
    )
    images_dir: str | None = field(
        default=None,
        metadata={"help": "WikiArt images as <art_style>/<painting>.jpg. Default: none, or the synthetic images."},
    )
    cache_dir: str | None = field(default=None, metadata={"help": "datasets cache folder for builds."})

    def resolve(self) -> tuple[str, str | None]:
        """(csv_path, images_dir): the paths given, checked before any work starts, or the synthetic default's."""
        if self.csv is None:
            if self.images_dir is not None:
                raise ValueError(
                    f"--images_dir {self.images_dir} was given without --csv: name the release CSV it belongs to"
                )
            return synthetic_default_release()
        if not Path(self.csv).is_file():
            raise FileNotFoundError(f"--csv {self.csv}: no such file")
        if self.images_dir is not None and not Path(self.images_dir).is_dir():
            raise FileNotFoundError(f"--images_dir {self.images_dir}: no such folder")
        return self.csv, self.images_dir
