"""What the analysis reads besides the release: other text collections to compare with it, and group mappings.

A collection is named by one string, `SOURCE[?key=value&...]`:
- `sat.jsonl`: a speaker's captions, JSON lines of {"painting_id", "emotion", "caption"} (what `sample` writes);
- `coco.csv?column=caption`: a CSV and its text column;
- `org/artemis?config=deep-nets&split=test&column=utterance`: a `datasets` dataset, from the Hub or a local folder
  (`load_dataset`), or a folder written by `save_to_disk`.
`label=NAME` names it in the report (default: the file's stem, or the dataset's name). Without `column`, the first of
`TEXT_COLUMNS` that the table has is read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import pandas as pd

OPTIONS = ("label", "column", "config", "split")
TEXT_COLUMNS = ("caption", "utterance", "text")
GROUP_KEYS = ("art_style", "painting")


@dataclass
class TextCollection:
    label: str
    texts: list[str]
    source: str


def load_collection(spec: str) -> TextCollection:
    """The texts that `spec` names (see the module docstring); errors name the spec and what was wrong."""
    source, _, query = spec.partition("?")
    options = _options(spec, query)
    if source.endswith(".jsonl") or source.lower().endswith(".csv"):
        if not Path(source).is_file():
            raise FileNotFoundError(f"--compare {spec}: no such file {source}")
        texts = _captions(spec, source, options) if source.endswith(".jsonl") else _csv_texts(spec, source, options)
        label = Path(source).stem
    else:
        texts = _dataset_texts(spec, source, options)
        label = " ".join(filter(None, (source, options.get("config"), options.get("split"))))
    _check_texts(spec, texts)
    return TextCollection(options.get("label", label), texts, spec)


def _options(spec: str, query: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError as error:
        raise ValueError(f"--compare {spec}: after '?' expected key=value&..., got {query!r}") from error
    unknown = [key for key, _ in pairs if key not in OPTIONS]
    if unknown:
        raise ValueError(f"--compare {spec}: unknown option(s) {unknown}; known: {list(OPTIONS)}")
    return dict(pairs)


def _captions(spec: str, source: str, options: dict) -> list[str]:
    if "column" in options:
        raise ValueError(f"--compare {spec}: a captions file has no column to choose (its texts are the captions)")
    from ..evaluation.report import read_captions

    return list(read_captions(source).values())


def _csv_texts(spec: str, source: str, options: dict) -> list[str]:
    # Blank lines kept: in a one-column CSV a blank line is an empty text, to be refused, not skipped.
    frame = pd.read_csv(source, dtype=str, keep_default_na=False, skip_blank_lines=False)
    return frame[_column(spec, list(frame.columns), options.get("column"))].tolist()


def _dataset_texts(spec: str, source: str, options: dict) -> list[str]:
    import datasets

    folder = Path(source)
    if (folder / "dataset_dict.json").is_file() or (folder / "state.json").is_file():  # written by save_to_disk
        data = datasets.load_from_disk(source)
    else:
        data = datasets.load_dataset(source, options.get("config"))
    if isinstance(data, datasets.DatasetDict):
        split = options.get("split") or (next(iter(data)) if len(data) == 1 else None)
        if split not in data:
            raise ValueError(f"--compare {spec}: name a split with &split=, one of {list(data)}")
        data = data[split]
    column = _column(spec, data.column_names, options.get("column"))
    return data.select_columns([column]).data.column(column).to_pylist()


def _column(spec: str, columns: list[str], column: str | None) -> str:
    if column is None:
        column = next((name for name in TEXT_COLUMNS if name in columns), None)
        if column is None:
            raise ValueError(f"--compare {spec}: none of {list(TEXT_COLUMNS)} among {columns}; add ?column=NAME")
    elif column not in columns:
        raise ValueError(f"--compare {spec}: no column {column!r}; columns: {columns}")
    return column


def _check_texts(spec: str, texts: list) -> None:
    if not texts:
        raise ValueError(f"--compare {spec}: no texts")
    bad = next((row for row, text in enumerate(texts) if not isinstance(text, str) or not text.strip()), None)
    if bad is not None:
        raise ValueError(f"--compare {spec}: text {bad} (0-based) is empty or not a string: {texts[bad]!r}")


@dataclass
class Grouping:
    """A mapping of paintings (art_style, painting) or of art styles to a group, such as a genre or an era."""

    name: str
    table: pd.DataFrame  # the key columns and `name`, one row per key

    def labels(self, rows: pd.DataFrame) -> pd.Series:
        """The group of each row of `rows` (which have the key columns), NaN where the mapping has none."""
        keys = [key for key in GROUP_KEYS if key in self.table]
        return rows[keys].merge(self.table, on=keys, how="left")[self.name]


def read_grouping(path: str | os.PathLike) -> Grouping:
    """A CSV of art_style,painting,<group> or art_style,<group>: one group column, each key once."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.columns = [str(column).strip() for column in frame.columns]
    keys = [key for key in GROUP_KEYS if key in frame]
    names = [column for column in frame.columns if column not in GROUP_KEYS]
    if "art_style" not in keys or len(names) != 1:
        raise ValueError(
            f"groups_csv {path}: expected columns art_style[,painting] and one group column, got {list(frame.columns)}"
        )
    for key in keys:  # as the release: names in NFC
        frame[key] = frame[key].str.strip().str.normalize("NFC")
    repeated = frame.duplicated(keys)
    if repeated.any():
        row = int(repeated.to_numpy().argmax())
        raise ValueError(f"groups_csv {path}: row {row + 2} repeats {frame[keys].iloc[row].tolist()}")
    return Grouping(names[0], frame[[*keys, names[0]]].replace({names[0]: {"": None}}))
