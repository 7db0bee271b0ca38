"""Language figures of a text collection: per utterance (one row each), then aggregated over the collection and per
group (art style, genre, era).

Every figure is computed on the collection's tokens as the dataset makes them (`data.preprocess.spelled_tokens`,
the reference's normalisation by default), and the per-utterance analysers read those tokens joined by spaces, as
the reference read its `utterance_spelled`. Similes are found in the raw text, as `dataset stats` finds them.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from importlib.metadata import version

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..data.stats import simile_mask, summary, token_lengths, vocabulary_size
from . import analysers as per_text
from .concreteness import Norms, concreteness_scores, load_norms
from .errors import AnalyserUnavailable
from .options import LANGUAGE_ANALYSERS

logger = logging.getLogger(__name__)

SEGMENT = 1_000  # tokens per segment of the segmental type-token ratio, which unlike the plain ratio ignores size
HISTOGRAM_RANGES = {  # (low, high, bins) of each distribution in analysis.json and the plots
    "length": (0, 60, 30),
    "concreteness": (1, 5, 20),
    "sentiment": (-1, 1, 20),
    "subjectivity": (0, 1, 20),
}
GROUP_COLUMNS = ("length", "concreteness", "sentiment_abs", "subjectivity", *per_text.POS_CLASSES, "simile")


@dataclass
class Analysers:
    """The lexicons and tagger of one analysis, loaded once; those that could not be are in `unavailable`."""

    names: list[str] = field(default_factory=list)
    norms: Norms | None = None
    spacy_model: str | None = None
    num_proc: int = 1
    unavailable: dict[str, str] = field(default_factory=dict)  # analyser -> what to install
    sources: dict[str, str] = field(default_factory=dict)  # analyser -> package and version, or file

    @classmethod
    def load(
        cls,
        names=LANGUAGE_ANALYSERS,
        concreteness_norms: str | None = None,
        spacy_model: str | None = None,
        num_proc: int = 1,
    ) -> Analysers:
        loaded = cls(spacy_model=spacy_model, num_proc=num_proc)
        for name in names:
            try:
                loaded.sources[name] = loaded._load(name, concreteness_norms)
            except AnalyserUnavailable as error:
                logger.warning("%s (the other figures are still computed)", error)
                loaded.unavailable[name] = str(error)
            else:
                loaded.names.append(name)
        return loaded

    def _load(self, name: str, concreteness_norms: str | None) -> str:
        if name == "concreteness":
            self.norms = load_norms(concreteness_norms)
            return f"Brysbaert et al. (2014) norms, {len(self.norms.ratings):,} entries without articles, from {self.norms.source}"
        if name == "pos":
            nlp = per_text.spacy_pipeline(self.spacy_model)
            return f"{nlp.meta['lang']}_{nlp.meta['name']} {nlp.meta['version']}, spaCy {version('spacy')}"
        loader, package = {
            "sentiment": (per_text.vader, "vaderSentiment"),
            "subjectivity": (per_text.textblob, "textblob"),
        }[name]
        loader()
        return f"{package} {version(package)}"


def utterance_figures(utterances, tokens: pa.ListArray, analysers: Analysers, label: str = "") -> pd.DataFrame:
    """One row per utterance: `length` (tokens), `simile`, and the columns of each loaded analyser: `concreteness`
    (NaN where no token is rated) and `rated_tokens`, `sentiment`, `subjectivity`, and one count per POS class."""
    frame = pd.DataFrame({"length": token_lengths(tokens), "simile": simile_mask(utterances)})
    if "concreteness" in analysers.names:
        frame["concreteness"], frame["rated_tokens"] = concreteness_scores(tokens, analysers.norms)
    functions = {
        "sentiment": per_text.sentiment,
        "subjectivity": per_text.subjectivity,
        "pos": functools.partial(per_text.pos_counts, model=analysers.spacy_model),
    }
    names = [name for name in functions if name in analysers.names]
    if not names:
        return frame
    # Each distinct text once: speakers repeat captions, and a few utterances recur in any collection.
    texts = pc.binary_join(tokens, " ")
    distinct = pc.unique(texts)
    inverse = pc.index_in(texts, value_set=distinct).to_numpy(zero_copy_only=False)
    distinct = distinct.to_pylist()
    for name in names:
        values = per_text.map_chunks(functions[name], distinct, analysers.num_proc, f"{name} {label}".strip())[inverse]
        if name == "pos":
            frame = frame.assign(**{pos: values[:, column] for column, pos in enumerate(per_text.POS_CLASSES)})
        else:
            frame[name] = values
    return frame


def language_summary(frame: pd.DataFrame, tokens: pa.ListArray) -> dict:
    """The collection's figures: mean, median and distribution of each per-utterance figure, vocabulary and its
    richness, concreteness coverage, sentiment shares, parts of speech per utterance and the share of similes."""
    lengths = frame["length"].to_numpy()
    figures = {
        "utterances": len(frame),
        "tokens_per_utterance": _distribution(lengths, "length"),
        "vocabulary_size": vocabulary_size(tokens),
        "type_token_ratio": vocabulary_size(tokens) / max(1, int(lengths.sum())),
        "segmental_type_token_ratio": segmental_type_token_ratio(tokens),
        "simile_share": float(frame["simile"].mean()),
    }
    if "concreteness" in frame:
        rated = frame["concreteness"].dropna().to_numpy()
        figures["concreteness"] = {
            **_distribution(rated, "concreteness"),
            "coverage": float(frame["rated_tokens"].sum() / max(1, lengths.sum())),
            "utterances_rated": len(rated) / max(1, len(frame)),
        }
    if "sentiment" in frame:
        scores = frame["sentiment"].to_numpy()
        figures["sentiment"] = {
            "mean_abs": float(np.abs(scores).mean()),
            "median_abs": float(np.median(np.abs(scores))),
            **_distribution(scores, "sentiment"),
            "neutral": float(np.mean(np.abs(scores) < per_text.NEUTRAL_THRESHOLD)),
            "positive": float(np.mean(scores >= per_text.NEUTRAL_THRESHOLD)),
            "negative": float(np.mean(scores <= -per_text.NEUTRAL_THRESHOLD)),
        }
    if "subjectivity" in frame:
        figures["subjectivity"] = _distribution(frame["subjectivity"].to_numpy(), "subjectivity")
    if "nouns" in frame:
        figures["parts_of_speech"] = {pos: float(frame[pos].mean()) for pos in per_text.POS_CLASSES}
    return figures


def language_by_group(frame: pd.DataFrame, groups: pd.Series) -> dict[str, dict]:
    """Per group (NaN: in none), the utterances and the mean of each per-utterance figure (sentiment as |score|)."""
    if "sentiment" in frame:
        frame = frame.assign(sentiment_abs=frame["sentiment"].abs())
    columns = [column for column in GROUP_COLUMNS if column in frame]
    grouped = frame[columns].groupby(groups.to_numpy())
    means, sizes = grouped.mean(), grouped.size()
    return {
        str(group): {"utterances": int(sizes[group]), **{column: float(row[column]) for column in columns}}
        for group, row in means.iterrows()
    }


def segmental_type_token_ratio(tokens: pa.ListArray, segment: int = SEGMENT) -> float | None:
    """Mean distinct-token share of consecutive `segment`-token stretches of the collection (None when shorter): a
    vocabulary richness that, unlike the plain type-token ratio, does not fall as the collection grows."""
    codes = pc.dictionary_encode(pc.list_flatten(tokens)).indices.to_numpy(zero_copy_only=False)
    count = len(codes) // segment
    if count == 0:
        return None
    blocks = np.sort(codes[: count * segment].reshape(count, segment), axis=1)
    return float((1 + (np.diff(blocks, axis=1) != 0).sum(axis=1)).mean() / segment)


def histogram(values: np.ndarray, name: str) -> dict:
    """Counts over `HISTOGRAM_RANGES[name]`; values beyond it fall in the end bins."""
    low, high, bins = HISTOGRAM_RANGES[name]
    counts, edges = np.histogram(np.clip(values, low, high), bins=bins, range=(low, high))
    return {"edges": [round(float(edge), 4) for edge in edges], "counts": counts.tolist()}


def _distribution(values: np.ndarray, name: str) -> dict:
    return {**summary(values), "histogram": histogram(values, name)}
