"""`artemis-hf dataset ...`: one argument dataclass and one function per subcommand (the CLI only dispatches).

Every command defaults to the embedded synthetic release, made once in the cache, so it runs with no download.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .builder import CONFIG_NAMES, build_artemis
from .export import export_artemis, push_artemis
from .images import resize_images
from .preprocess import PreprocessOptions, prepare_release
from .release import RELEASE_FILENAME
from .stats import format_table, write_statistics
from .synthetic import is_synthetic_release, make_synthetic_release

logger = logging.getLogger(__name__)

SYNTHETIC_DEFAULT = {"num_paintings": 600, "image_size": 64, "seed": 0}


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
        logger.info("Generating the synthetic ArtEmis release in %s", folder)
        make_synthetic_release(folder, **SYNTHETIC_DEFAULT)
    return str(folder / RELEASE_FILENAME), str(folder / "images")


@dataclass
class ReleaseArguments:
    csv: str | None = field(default=None, metadata={"help": "The release CSV (artemis_dataset_release_v0.csv). Default: the embedded synthetic release."})
    images_dir: str | None = field(default=None, metadata={"help": "WikiArt images as <art_style>/<painting>.jpg. Default: none, or the synthetic images."})
    cache_dir: str | None = field(default=None, metadata={"help": "datasets cache folder for builds."})

    def resolve(self) -> tuple[str, str | None]:
        if self.csv is not None:
            return self.csv, self.images_dir
        if self.images_dir is not None:
            raise ValueError(f"--images_dir {self.images_dir} was given without --csv: name the release CSV it belongs to")
        return synthetic_default_release()


@dataclass
class SyntheticArguments:
    output_dir: str = field(metadata={"help": "Where to write artemis_dataset_release_v0.csv and images/."})
    paintings: int = field(default=600, metadata={"help": "Number of paintings."})
    annotations: int | None = field(default=None, metadata={"help": "Exact number of annotations (5-7 per painting)."})
    image_size: int = field(default=64, metadata={"help": "Side of the square images, in pixels."})
    no_images: bool = field(default=False, metadata={"help": "Write the CSV only."})
    seed: int = 0


def synthetic(args: SyntheticArguments) -> dict:
    release = make_synthetic_release(
        args.output_dir,
        num_paintings=args.paintings,
        num_annotations=args.annotations,
        image_size=args.image_size,
        with_images=not args.no_images,
        seed=args.seed,
    )
    print(json.dumps(release.to_dict(), indent=1, default=str))
    return release.to_dict()


@dataclass
class BuildArguments:
    config: str = field(default="deep-nets", metadata={"help": f"One of {list(CONFIG_NAMES)}."})


def build(release: ReleaseArguments, options: PreprocessOptions, args: BuildArguments) -> dict:
    csv_path, images_dir = release.resolve()
    result = build_artemis(csv_path, images_dir, args.config, options=options, cache_dir=release.cache_dir)
    print(result.dataset)
    print(json.dumps({key: value for key, value in result.report.items() if key != "steps"}, indent=1))
    for step in result.report["steps"]:
        print(f"{step['step']}: removed {step['removed']:,} rows ({step['reason']})")
    return result.report


@dataclass
class ExportArguments:
    output_dir: str = field(metadata={"help": "Folder for the Parquet shards and README.md card."})
    configs: list[str] = field(default_factory=lambda: list(CONFIG_NAMES), metadata={"help": "Configs to export."})
    embed_images: bool = field(default=False, metadata={"help": "Store image bytes in the Parquet files (paintings config)."})
    pretty_name: str | None = field(default=None, metadata={"help": "Dataset name in the card. Default: ArtEmis, or Synthetic ArtEmis."})


def export(release: ReleaseArguments, options: PreprocessOptions, args: ExportArguments) -> Path:
    csv_path, images_dir = release.resolve()
    name = args.pretty_name or ("Synthetic ArtEmis" if is_synthetic_release(csv_path) else "ArtEmis")
    folder = export_artemis(csv_path, args.output_dir, images_dir, args.configs, args.embed_images, name, options, release.cache_dir)
    print(f"Exported {args.configs} to {folder}; load with datasets.load_dataset({str(folder)!r}, 'deep-nets')")
    return folder


@dataclass
class PushArguments:
    repo_id: str = field(metadata={"help": "Hub dataset repo, e.g. org/artemis."})
    export_dir: str = field(metadata={"help": "A folder written by `artemis-hf dataset export`."})
    private: bool = False


def push(args: PushArguments) -> str:
    url = push_artemis(args.export_dir, args.repo_id, private=args.private)
    print(f"Pushed {args.export_dir} to {args.repo_id}: {url}")
    return url


@dataclass
class StatsArguments:
    output_dir: str = field(default="outputs/statistics", metadata={"help": "Folder for statistics.json and the plots."})


def stats(release: ReleaseArguments, options: PreprocessOptions, args: StatsArguments) -> dict:
    csv_path, images_dir = release.resolve()
    figures = write_statistics(prepare_release(csv_path, images_dir, options), args.output_dir, spell_check=options.spell_check)
    print(format_table(figures))
    print(f"statistics.json, emotion_distribution.png and emotion_by_style.png written to {args.output_dir}")
    return figures


@dataclass
class ResizeArguments:
    images_dir: str = field(metadata={"help": "WikiArt images as <art_style>/<painting>.jpg."})
    output_dir: str = field(metadata={"help": "Where to write the resized copies (same layout)."})
    max_side: int = field(default=600, metadata={"help": "Longest side of the copies, in pixels."})
    num_workers: int | None = None


def resize(args: ResizeArguments) -> dict:
    counts = resize_images(**asdict(args))
    print(json.dumps(counts))
    return counts
