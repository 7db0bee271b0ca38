"""`artemis-hf dataset ...`: one argument dataclass and one function per subcommand (the CLI only dispatches).

Every command defaults to the embedded synthetic release, made once in the cache, so it runs with no download.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .options import PreprocessOptions
from .sources import CONFIG_NAMES, ReleaseArguments, pretty_dataset_name

if TYPE_CHECKING:
    from ..hub.options import PushOptions

# Each function imports what it runs, so that `artemis-hf dataset <command> --help` stays instant.


@dataclass
class SyntheticArguments:
    output_dir: str = field(metadata={"help": "Where to write artemis_dataset_release_v0.csv and images/."})
    paintings: int = field(default=600, metadata={"help": "Number of paintings."})
    annotations: int | None = field(default=None, metadata={"help": "Exact number of annotations (5-7 per painting)."})
    image_size: int = field(default=64, metadata={"help": "Side of the square images, in pixels."})
    no_images: bool = field(default=False, metadata={"help": "Write the CSV only."})
    seed: int = field(default=0, metadata={"help": "Seed of every random draw: the same seed writes the same files."})


def synthetic(args: SyntheticArguments) -> dict:
    from .synthetic import make_synthetic_release

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
    from .builder import build_artemis

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
    embed_images: bool = field(
        default=False, metadata={"help": "Store image bytes in the Parquet files (paintings config)."}
    )
    pretty_name: str | None = field(
        default=None, metadata={"help": "Dataset name in the card. Default: ArtEmis, or Synthetic ArtEmis."}
    )


def export(release: ReleaseArguments, options: PreprocessOptions, args: ExportArguments) -> Path:
    from .export import export_artemis

    csv_path, images_dir = release.resolve()
    name = args.pretty_name or pretty_dataset_name(csv_path)
    folder = export_artemis(
        csv_path, args.output_dir, images_dir, args.configs, args.embed_images, name, options, release.cache_dir
    )
    print(f"Exported {args.configs} to {folder}; load with datasets.load_dataset({str(folder)!r}, 'deep-nets')")
    return folder


@dataclass
class PushArguments:
    repo_id: str = field(metadata={"help": "Hub dataset repo, e.g. org/artemis."})
    export_dir: str = field(metadata={"help": "A folder written by `artemis-hf dataset export`."})


def push(args: PushArguments, options: PushOptions) -> str:
    from .export import push_artemis

    # PushOptions' fields (private, revision, create_pr, commit_message) are push_artemis' keyword arguments.
    url = push_artemis(args.export_dir, args.repo_id, **asdict(options))
    print(f"Pushed {args.export_dir} to {args.repo_id}: {url}")
    return url


@dataclass
class StatsArguments:
    output_dir: str = field(
        default="outputs/statistics", metadata={"help": "Folder for statistics.json and the plots."}
    )


def stats(release: ReleaseArguments, options: PreprocessOptions, args: StatsArguments) -> dict:
    from .preprocess import prepare_release
    from .stats import format_table, write_statistics

    csv_path, images_dir = release.resolve()
    figures = write_statistics(
        prepare_release(csv_path, images_dir, options),
        args.output_dir,
        spell_check=options.spell_check,
        text_normalization=options.text_normalization,
    )
    print(format_table(figures))
    print(f"statistics.json, emotion_distribution.png and emotion_by_style.png written to {args.output_dir}")
    return figures


@dataclass
class ResizeArguments:
    images_dir: str = field(metadata={"help": "WikiArt images as <art_style>/<painting>.jpg."})
    output_dir: str = field(metadata={"help": "Where to write the resized copies (same layout)."})
    max_side: int = field(default=600, metadata={"help": "Longest side of the copies, in pixels."})
    num_workers: int | None = field(
        default=None, metadata={"help": "Processes resizing images. Default: one per CPU core."}
    )


def resize(args: ResizeArguments) -> dict:
    from .images import resize_images

    counts = resize_images(**asdict(args))
    print(json.dumps(counts))
    return counts
