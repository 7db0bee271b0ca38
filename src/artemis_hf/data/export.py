"""Publish builds as plain Parquet plus a dataset card, the layout the Hub serves without custom code."""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path

import datasets
import pyarrow.parquet as pq
from datasets.table import embed_table_storage

from .builder import CONFIG_NAMES, REPORT_FILENAME, build_artemis
from .preprocess import PreprocessOptions

logger = logging.getLogger(__name__)

CARD_TEMPLATE = Path(__file__).with_name("dataset_card_template.md")
ROWS_PER_SHARD = 200_000
ROWS_PER_SHARD_WITH_IMAGES = 2_000  # ~100 KB per 600 px painting: shards of a few hundred MB


def export_artemis(
    csv_path: str | os.PathLike,
    output_dir: str | os.PathLike,
    images_dir: str | os.PathLike | None = None,
    configs: Sequence[str] = CONFIG_NAMES,
    embed_images: bool = False,
    pretty_name: str = "ArtEmis",
    options: PreprocessOptions | None = None,
    cache_dir: str | None = None,
    statistics: dict | None = None,
) -> Path:
    """Write `<output_dir>/<config>/<split>-XXXXX-of-YYYYY.parquet` for each config, the build's report and
    tokenizer beside them, and a README.md whose YAML `configs:` lets `datasets.load_dataset(output_dir, config)`
    (or the Hub repo it is pushed to) load each config.

    Images travel in `paintings` only (join on `painting_id`): per-annotation configs would repeat each image for
    every annotation (45 GB on the full release). With `embed_images` the image bytes go into the Parquet files;
    without, the column holds paths relative to `images_dir` (`<art_style>/<painting>.jpg`, never this machine's
    layout), and `push_artemis` refuses the export.
    """
    unknown = [config for config in configs if config not in CONFIG_NAMES]
    if unknown or not configs:
        raise ValueError(f"configs must be a non-empty subset of {list(CONFIG_NAMES)}, got {list(configs)}")
    if embed_images and images_dir is None:
        raise ValueError("embed_images=True needs images_dir")
    output_dir = Path(output_dir)
    card_configs, summaries, reports = [], {}, {}
    for config in configs:
        build = build_artemis(csv_path, images_dir, config, options=options, cache_dir=cache_dir)
        config_dir = output_dir / config
        config_dir.mkdir(parents=True, exist_ok=True)
        for stale in config_dir.glob("*.parquet"):
            stale.unlink()
        data_files = []
        for split, dataset in build.dataset.items():
            if config != "paintings" and "image" in dataset.features:
                dataset = dataset.remove_columns("image")
            elif "image" in dataset.features and not embed_images:
                dataset = _relative_image_paths(dataset, images_dir)
            _write_split(dataset, config_dir, split, embed_images and "image" in dataset.features)
            data_files.append({"split": split, "path": f"{config}/{split}-*.parquet"})
        (config_dir / REPORT_FILENAME).write_text(json.dumps(build.report, indent=1))
        reports[config] = build.report
        if build.tokenizer is not None:  # loads with AutoTokenizer.from_pretrained(repo, subfolder=config)
            build.tokenizer.save_pretrained(config_dir)
        card_configs.append(
            {"config_name": config, "data_files": data_files, **({"default": True} if config == "deep-nets" else {})}
        )
        summaries[config] = {split: len(dataset) for split, dataset in build.dataset.items()}
    options = options or PreprocessOptions()
    if statistics is None:  # `dataset stats`' figures for the card; a caller that has them already passes them
        from .preprocess import prepare_release
        from .stats import release_statistics

        # The figures are of the text and the votes: the images need no second check.
        prepared = prepare_release(csv_path, None, options)
        statistics = release_statistics(prepared, options.spell_check, options.text_normalization)
    figures = card_figures(statistics, reports)
    write_dataset_card(output_dir, card_configs, summaries, pretty_name, figures)
    logger.info("Exported %s to %s", list(configs), output_dir)
    return output_dir


def _relative_image_paths(dataset: datasets.Dataset, images_dir: str | os.PathLike) -> datasets.Dataset:
    """Image paths relative to `images_dir`, so that no Parquet file holds an absolute path of this machine."""
    root = os.path.abspath(images_dir)

    def relative(batch: dict) -> dict:
        return {
            "image": [
                None if image is None else {"bytes": None, "path": os.path.relpath(image["path"], root)}
                for image in batch["image"]
            ]
        }

    dataset = dataset.cast_column("image", datasets.Image(decode=False))
    return dataset.map(relative, batched=True, keep_in_memory=True).cast_column("image", datasets.Image())


def _write_split(dataset, config_dir: Path, split: str, embed_images: bool) -> None:
    rows_per_shard = ROWS_PER_SHARD_WITH_IMAGES if embed_images else ROWS_PER_SHARD
    num_shards = max(1, math.ceil(len(dataset) / rows_per_shard))
    for index in range(num_shards):
        shard = dataset.shard(num_shards, index, contiguous=True)
        if embed_images:  # as `push_to_hub` does: read each referenced file into the table
            shard = shard.with_format("arrow").map(
                embed_table_storage, batched=True, batch_size=500, keep_in_memory=True
            )
            shard = shard.with_format(None)
        # Image paths (relative) would be stat-ed to size the row groups: one row group per shard instead.
        rows_per_group = len(shard) if "image" in shard.features and not embed_images else None
        shard.to_parquet(
            str(config_dir / f"{split}-{index:05d}-of-{num_shards:05d}.parquet"), batch_size=rows_per_group
        )


def card_figures(statistics: dict, reports: dict[str, dict]) -> str:
    """The card's figures in Markdown: `dataset stats`' headline figures, and what each config's preprocessing removed."""
    from .stats import headline_figures

    lines = ["| figure | value |", "|---|---|"]
    lines += [
        f"| {name.strip() if name[0] != ' ' else 'emotion: ' + name.strip()} | {value} |"
        for name, value in headline_figures(statistics)
    ]
    lines += ["", "| config | rows in | removed | rows out | removed by |", "|---|---|---|---|---|"]
    for config, report in reports.items():
        steps = "; ".join(f"{step['step']} ({step['reason']}): {step['removed']:,}" for step in report["steps"])
        lines.append(
            f"| {config} | {report['rows_in']:,} | {report['rows_removed']:,} | {report['rows_out']:,} | {steps or '-'} |"
        )
    deep_nets = reports.get("deep-nets", {}).get("deep_nets")
    if deep_nets:
        lines += [
            "",
            f"deep-nets: text normalisation `{deep_nets['text_normalization']}`, "
            f"{deep_nets['spelling_corrections']:,} words spell-corrected, utterances of at most "
            f"{deep_nets['max_tokens']} tokens, a vocabulary of {deep_nets['vocabulary_size']:,} tokens "
            f"(`<unk>`: {deep_nets['unk_share']:.2%} of tokens).",
        ]
    return "\n".join(lines)


def write_dataset_card(
    output_dir: Path, card_configs: list[dict], summaries: dict, pretty_name: str, figures: str = ""
) -> None:
    from huggingface_hub import DatasetCard, DatasetCardData

    total_rows = max(sum(count or 0 for count in counts.values()) for counts in summaries.values())
    card_data = DatasetCardData(
        pretty_name=pretty_name,
        language=["en"],
        license="other",
        task_categories=["image-to-text", "image-classification", "text-classification"],
        size_categories=[_size_category(total_rows)],
        tags=["art", "emotion", "affective-computing", "wikiart"],
        configs=card_configs,
    )
    split_table = "\n".join(
        f"| {config} | "
        + ", ".join(split if count is None else f"{split}: {count:,}" for split, count in counts.items())
        + " |"
        for config, counts in summaries.items()
    )
    card = DatasetCard.from_template(
        card_data,
        template_path=str(CARD_TEMPLATE),
        pretty_name=pretty_name,
        split_table=split_table,
        figures=figures or "Run `artemis-hf dataset export` on the release: its card lists the figures here.",
    )
    card.save(str(output_dir / "README.md"))


def write_builder_card(output_dir: str | os.PathLike) -> None:
    """The card of `dataset_script/`: the export's layout for the full release, whose row counts are not known here."""
    splits = {
        "raw": ["train", "validation", "test"],
        "deep-nets": ["train", "validation", "test", "rest"],
        "paintings": ["train", "validation", "test"],
    }
    card_configs = [
        {
            "config_name": config,
            "data_files": [{"split": s, "path": f"{config}/{s}-*.parquet"} for s in names],
            **({"default": True} if config == "deep-nets" else {}),
        }
        for config, names in splits.items()
    ]
    write_dataset_card(
        Path(output_dir), card_configs, {config: dict.fromkeys(names) for config, names in splits.items()}, "ArtEmis"
    )


def _size_category(rows: int) -> str:
    if rows == 0:
        return "100K<n<1M"  # the full release, whose counts the builder card does not know
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if rows < limit:
            return label
    return "1M<n<10M"


def push_artemis(
    export_dir: str | os.PathLike,
    repo_id: str,
    private: bool = False,
    token: str | None = None,
    commit_message: str | None = None,
    revision: str | None = None,
    create_pr: bool = False,
) -> str:
    """Upload an `export_artemis` folder to a Hub dataset repo (created if needed), on `revision` (a branch, created
    from main when missing, or refs/pr/N) or as a new pull request with `create_pr`; returns the commit URL (or the
    pull request's)."""
    from ..hub.client import upload  # the model push's Hub calls and error messages; imports nothing of ours

    export_dir = Path(export_dir)
    if not (export_dir / "README.md").is_file():
        raise FileNotFoundError(f"{export_dir} has no README.md: run `artemis-hf dataset export` into it first")
    without_bytes = {path: count for path in export_dir.rglob("*.parquet") if (count := _images_without_bytes(path))}
    if without_bytes:
        files = sorted(str(path.relative_to(export_dir)) for path in without_bytes)
        raise ValueError(
            f"{export_dir}: {sum(without_bytes.values())} image(s) in {files} are paths to files of the machine that "
            "exported them, not image bytes: nobody could open them from the Hub. Re-export with the images embedded "
            "(`artemis-hf dataset export --embed_images ...`), or without --images_dir to publish no images."
        )
    return upload(
        export_dir,
        repo_id,
        repo_type="dataset",
        private=private,
        revision=revision,
        create_pr=create_pr,
        commit_message=commit_message or "Upload ArtEmis Parquet export",
        token=token,
    )


def _images_without_bytes(parquet_path: Path) -> int:
    """Rows whose image is a path without bytes, from the Parquet column statistics: no image is read."""
    metadata = pq.ParquetFile(parquet_path).metadata
    missing = 0
    for group in map(metadata.row_group, range(metadata.num_row_groups)):
        leaves = {group.column(j).path_in_schema: group.column(j).statistics for j in range(group.num_columns)}
        if "image.bytes" not in leaves:
            continue
        nulls = [leaves["image.bytes"], leaves["image.path"]]
        if all(statistics is not None and statistics.has_null_count for statistics in nulls):
            missing += nulls[0].null_count - nulls[1].null_count
        else:  # written without statistics, so not by `export_artemis`: the bytes cannot be vouched for
            missing += group.num_rows
    return missing
