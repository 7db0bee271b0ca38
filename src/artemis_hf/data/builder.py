"""The ArtEmis `datasets` builder: configs `raw`, `deep-nets` and `paintings` from the release CSV and images.

datasets >= 4 no longer runs loading scripts, so the builder is used by import (`load_artemis`, or
`ArtEmis(config_name=..., csv_path=...)` with `download_and_prepare()` / `as_dataset()`), and published as plain
Parquet by `export_artemis` for `datasets.load_dataset(repo, config)` without custom code.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import datasets
import pyarrow as pa

from ..emotions import EMOTIONS, NUM_EMOTIONS
from .images import image_files
from .preprocess import PreprocessOptions, deep_nets, prepare_release
from .sources import CONFIG_NAMES
from .splits import REST_SPLIT, SPLITS

logger = logging.getLogger(__name__)

REPORT_FILENAME = "preprocessing_report.json"
TOKENIZER_FILENAME = "tokenizer.json"

_CITATION = """\
@inproceedings{achlioptas2021artemis,
  title={ArtEmis: Affective Language for Visual Art},
  author={Achlioptas, Panos and Ovsjanikov, Maks and Haydarov, Kilichbek and Elhoseiny, Mohamed and Guibas, Leonidas},
  booktitle={CVPR},
  year={2021}
}
"""
_DESCRIPTIONS = {
    "raw": "One row per annotation of the release, validated, with its painting-level split.",
    "deep-nets": "The reference preprocessing for neural nets: cleaned, spell-checked, length-filtered and tokenized "
    "utterances, rare words as <unk>, high-repetition paintings in a `rest` split.",
    "paintings": "One row per painting: its emotion histogram over the 9 emotions, majority emotion and all utterances.",
}


@dataclass
class ArtEmisConfig(datasets.BuilderConfig):
    """`csv_path`: the release CSV; `images_dir`: WikiArt images as `<art_style>/<painting>.jpg` (optional)."""

    csv_path: str | None = None
    images_dir: str | None = None
    options: PreprocessOptions = field(default_factory=PreprocessOptions)
    # Of the CSV and image files (`_fingerprint`): the cache is rebuilt when a file changes under the same name.
    fingerprint: str | None = None


class ArtEmis(datasets.ArrowBasedBuilder):
    BUILDER_CONFIG_CLASS = ArtEmisConfig
    BUILDER_CONFIGS = [
        ArtEmisConfig(name=name, version=datasets.Version("1.0.0"), description=_DESCRIPTIONS[name])
        for name in CONFIG_NAMES
    ]
    DEFAULT_CONFIG_NAME = "deep-nets"

    def _info(self) -> datasets.DatasetInfo:
        return datasets.DatasetInfo(
            description=_DESCRIPTIONS[self.config.name],
            features=features_for(self.config.name, with_images=self.config.images_dir is not None),
            homepage="https://www.artemisdataset.org",
            citation=_CITATION,
        )

    def _split_generators(self, dl_manager):
        if not self.config.csv_path:
            raise ValueError("ArtEmis needs csv_path: the path of artemis_dataset_release_v0.csv")
        prepared = prepare_release(self.config.csv_path, self.config.images_dir, self.config.options)
        if self.config.name == "deep-nets":
            release = deep_nets(prepared, self.config.options)
            release.tokenizer.backend_tokenizer.save(os.path.join(self._output_dir, TOKENIZER_FILENAME))
            table, report = deep_nets_table(release), release.report
        elif self.config.name == "paintings":
            table, report = paintings_table(prepared), prepared.report
        else:
            table, report = raw_table(prepared), prepared.report
        Path(self._output_dir, REPORT_FILENAME).write_text(json.dumps(report.to_dict(), indent=1))
        split_column = table.column("split").to_numpy(zero_copy_only=False)
        generators = []
        for split in (*SPLITS, REST_SPLIT):
            rows = split_column == split
            if rows.any():  # an empty split would be an error for most consumers; the report lists it as 0
                generators.append(
                    datasets.SplitGenerator(
                        name=split, gen_kwargs={"table": table.filter(pa.array(rows)).drop_columns(["split"])}
                    )
                )
        return generators

    def _generate_tables(self, table: pa.Table):
        batch_rows = 10_000
        for start in range(0, len(table), batch_rows):
            yield start, table.slice(start, batch_rows)


def features_for(config_name: str, with_images: bool) -> datasets.Features:
    emotion = datasets.ClassLabel(names=list(EMOTIONS))
    common = {
        "painting_id": datasets.Value("string"),
        "art_style": datasets.Value("string"),
        "painting": datasets.Value("string"),
    }
    if config_name == "raw":
        columns = {
            **common,
            "emotion": emotion,
            "utterance": datasets.Value("string"),
            "repetition": datasets.Value("int32"),
        }
    elif config_name == "deep-nets":
        columns = {
            **common,
            "emotion": emotion,
            "utterance": datasets.Value("string"),
            "utterance_spelled": datasets.Value("string"),
            "tokens": datasets.List(datasets.Value("string")),
            "input_ids": datasets.List(datasets.Value("int32")),
        }
    elif config_name == "paintings":
        columns = {
            **common,
            "emotion_histogram": datasets.List(datasets.Value("int32"), length=NUM_EMOTIONS),
            "num_annotations": datasets.Value("int32"),
            "majority_emotion": emotion,  # -1 where no emotion has more than half of the votes
            "dominant_emotion": emotion,
            "utterances": datasets.List(datasets.Value("string")),
            "emotions": datasets.List(emotion),
        }
    else:
        raise ValueError(f"config must be one of {list(CONFIG_NAMES)}, got {config_name!r}")
    if with_images:
        columns["image"] = datasets.Image()
    return datasets.Features(columns)


def _table(frame, columns: list[str], config_name: str, with_images: bool, extra: dict | None = None) -> pa.Table:
    """Arrow table in the feature schema, plus the `split` column the split generators cut on."""
    arrays = {name: pa.array(frame[name].to_numpy(), from_pandas=True) for name in columns}
    arrays.update(extra or {})
    if with_images:
        paths = frame["image"].to_numpy()
        arrays["image"] = pa.array(
            [{"bytes": None, "path": p} if isinstance(p, str) else None for p in paths], datasets.Image().pa_type
        )
    features = features_for(config_name, with_images)
    table = pa.table({name: arrays[name] for name in features}).cast(features.arrow_schema)
    return table.append_column("split", pa.array(frame["split"].to_numpy(), pa.string()))


def raw_table(prepared) -> pa.Table:
    columns = ["painting_id", "art_style", "painting", "emotion", "utterance", "repetition"]
    return _table(prepared.annotations, columns, "raw", prepared.has_images)


def paintings_table(prepared) -> pa.Table:
    frame = prepared.paintings
    columns = [
        "painting_id",
        "art_style",
        "painting",
        "num_annotations",
        "majority_emotion",
        "dominant_emotion",
        "utterances",
        "emotions",
    ]
    extra = {"emotion_histogram": pa.array(list(frame["emotion_histogram"]), pa.list_(pa.int32(), NUM_EMOTIONS))}
    return _table(frame, columns, "paintings", prepared.has_images, extra)


def deep_nets_table(release) -> pa.Table:
    columns = ["painting_id", "art_style", "painting", "emotion", "utterance", "utterance_spelled"]
    extra = {"tokens": release.tokens, "input_ids": release.input_ids}
    return _table(release.annotations, columns, "deep-nets", "image" in release.annotations, extra)


@dataclass
class ArtEmisBuild:
    """What a build gives: the `DatasetDict`, its preprocessing report and, for deep-nets, the tokenizer."""

    dataset: datasets.DatasetDict
    report: dict
    tokenizer: object | None
    cache_dir: str


def build_artemis(
    csv_path: str | os.PathLike,
    images_dir: str | os.PathLike | None = None,
    config: str = "deep-nets",
    options: PreprocessOptions | None = None,
    cache_dir: str | None = None,
    **option_overrides,
) -> ArtEmisBuild:
    """Build one config (cached by `datasets`, rebuilt when the inputs or options change)."""
    if config not in CONFIG_NAMES:
        raise ValueError(f"config must be one of {list(CONFIG_NAMES)}, got {config!r}")
    options = dataclasses.replace(options or PreprocessOptions(), **option_overrides)
    csv_path = os.path.abspath(csv_path)
    images_dir = os.path.abspath(images_dir) if images_dir is not None else None
    builder = ArtEmis(
        config_name=config,
        cache_dir=cache_dir,
        csv_path=csv_path,
        images_dir=images_dir,
        options=options,
        fingerprint=_fingerprint(csv_path, images_dir),
    )
    builder.download_and_prepare()
    dataset = builder.as_dataset()
    report = json.loads(Path(builder.cache_dir, REPORT_FILENAME).read_text())
    tokenizer = None
    if config == "deep-nets":
        from .text import load_tokenizer

        tokenizer = load_tokenizer(os.path.join(builder.cache_dir, TOKENIZER_FILENAME), options.text_normalization)
    return ArtEmisBuild(dataset, report, tokenizer, builder.cache_dir)


def load_artemis(
    csv_path: str | os.PathLike, images_dir: str | os.PathLike | None = None, config: str = "deep-nets", **kwargs
) -> datasets.DatasetDict:
    """The ArtEmis release as a `DatasetDict` of one config ("raw", "deep-nets" or "paintings").

    Keyword arguments are `PreprocessOptions` fields (e.g. `spell_check=False`, `rest_min_repetition=None`) or
    `cache_dir`. Use `build_artemis` for the preprocessing report and the tokenizer too.
    """
    return build_artemis(csv_path, images_dir, config, **kwargs).dataset


def _fingerprint(csv_path: str, images_dir: str | None) -> str:
    """Size and mtime of the CSV and of every image file (a stat each, no read), so that a file replaced in place under
    the same name, as well as one added, removed or renamed, rebuilds the cache."""
    stats = [(csv_path, os.stat(csv_path))]
    if images_dir is not None:
        stats += [(painting_id, entry.stat()) for painting_id, entry in image_files(images_dir)]
    digest = hashlib.sha256()
    for name, stat in stats:
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()
