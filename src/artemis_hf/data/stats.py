"""The figures of the reference analysis of ArtEmis, as JSON, a short table and plots."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import emotions
from .options import DEFAULT_TEXT_NORMALIZATION, TextNormalization
from .preprocess import PreparedRelease, spelled_tokens
from .text import has_simile


def release_statistics(
    prepared: PreparedRelease,
    spell_check: bool = True,
    text_normalization: TextNormalization = DEFAULT_TEXT_NORMALIZATION,
) -> dict:
    """Annotations, paintings, annotators per painting, utterance lengths, vocabulary, emotion and sentiment shares,
    paintings with both positive and negative responses or a majority emotion, and the share of similes."""
    frame, paintings = prepared.annotations, prepared.paintings
    tokens, _ = spelled_tokens(frame["utterance"], spell_check, text_normalization=text_normalization)
    counts = painting_histograms(paintings)
    agreement = agreement_shares(counts)
    return {
        "annotations": len(frame),
        "paintings": len(paintings),
        "art_styles": int(paintings["art_style"].nunique()),
        "duplicate_rows": prepared.report.notes["duplicate_rows"]["count"],  # in the CSV, whether dropped or kept
        "annotators_per_painting": summary(paintings["num_annotations"].to_numpy()),
        "tokens_per_utterance": summary(token_lengths(tokens)),
        "vocabulary_size": vocabulary_size(tokens),
        "emotion_shares": emotion_shares(counts.sum(axis=0)),
        "sentiment_shares": sentiment_shares(counts.sum(axis=0)),
        "paintings_with_positive_and_negative": agreement["positive_and_negative"],
        "paintings_with_majority_emotion": agreement["strict_majority"],
        "simile_share": simile_share(frame["utterance"]),
    }


# The figures below are the one implementation that `dataset stats` and `artemis_hf.analysis` both report.


def painting_histograms(paintings: pd.DataFrame) -> np.ndarray:
    """The (paintings, 9) emotion counts of `PreparedRelease.paintings`."""
    if len(paintings) == 0:
        return np.zeros((0, emotions.NUM_EMOTIONS), dtype=np.int64)
    return np.stack(paintings["emotion_histogram"].to_numpy())


def emotion_shares(emotion_counts: np.ndarray) -> dict[str, float]:
    """{emotion: share of the annotations} from the nine counts."""
    total = max(1, emotion_counts.sum())
    return {name: float(n / total) for name, n in zip(emotions.EMOTIONS, emotion_counts)}


def sentiment_shares(emotion_counts: np.ndarray) -> dict[str, float]:
    """{positive, negative, something else: share of the annotations} from the nine counts."""
    counts = np.bincount(emotions.EMOTION_TO_SENTIMENT_ID, weights=emotion_counts, minlength=3)
    total = max(1, emotion_counts.sum())
    return {name: float(n / total) for name, n in zip(emotions.SENTIMENTS, counts)}


def agreement_shares(counts: np.ndarray) -> dict[str, float]:
    """Shares of the histograms (paintings) whose top emotion has more than half of the votes (`strict_majority`, the
    paper's test set), at least half (`at_least_half`: 45.65% of ArtEmis's paintings), that have both a positive and
    a negative vote (`positive_and_negative`: 61%), and a "something else" vote (`something_else`)."""
    if len(counts) == 0:
        return dict.fromkeys(("strict_majority", "at_least_half", "positive_and_negative", "something_else"), 0.0)
    positive = counts[:, : len(emotions.POSITIVE_EMOTIONS)].sum(axis=1) > 0
    negative = counts[:, len(emotions.POSITIVE_EMOTIONS) : emotions.EMOTION_TO_ID["something else"]].sum(axis=1) > 0
    return {
        "strict_majority": float(np.mean(emotions.majority_emotion(counts) >= 0)),
        "at_least_half": float(np.mean(counts.max(axis=1) * 2 >= counts.sum(axis=1))),
        "positive_and_negative": float(np.mean(positive & negative)),
        "something_else": float(np.mean(counts[:, emotions.EMOTION_TO_ID["something else"]] > 0)),
    }


def simile_mask(utterances) -> np.ndarray:
    """Per utterance: it contains one of `text.SIMILE_PHRASES` (the raw text, lowercased, as the reference)."""
    return has_simile(pa.array(utterances, pa.string())) if len(utterances) else np.zeros(0, dtype=bool)


def simile_share(utterances) -> float:
    """Share of the utterances that contain one of `text.SIMILE_PHRASES` (20.9% of ArtEmis's)."""
    return float(simile_mask(utterances).mean()) if len(utterances) else 0.0


def token_lengths(tokens: pa.ListArray) -> np.ndarray:
    return pc.list_value_length(tokens).to_numpy(zero_copy_only=False)


def vocabulary_size(tokens: pa.ListArray) -> int:
    """Distinct tokens."""
    return len(pc.unique(pc.list_flatten(tokens)))


def summary(values: np.ndarray) -> dict:
    """Mean, median, min and max (min and max keep the values' type: integer counts stay integers)."""
    if len(values) == 0:
        return {"mean": 0.0, "median": 0.0, "min": 0, "max": 0}
    return {
        "mean": float(np.mean(values)),
        "median": float(np.median(values)),
        "min": np.min(values).item(),
        "max": np.max(values).item(),
    }


def headline_figures(statistics: dict) -> list[tuple[str, str]]:
    """(name, value) of the headline figures, as `format_table` prints them and the dataset card shows them."""
    return [
        ("annotations", f"{statistics['annotations']:,}"),
        ("paintings", f"{statistics['paintings']:,} in {statistics['art_styles']} styles"),
        (
            "annotators per painting",
            "mean {mean:.1f}, median {median:g}, min {min}, max {max}".format(**statistics["annotators_per_painting"]),
        ),
        (
            "tokens per utterance",
            "mean {mean:.1f}, median {median:g}, max {max}".format(**statistics["tokens_per_utterance"]),
        ),
        ("vocabulary", f"{statistics['vocabulary_size']:,} words"),
        (
            "positive / negative / else",
            " / ".join(f"{share:.1%}" for share in statistics["sentiment_shares"].values()),
        ),
        ("paintings with pos. and neg.", f"{statistics['paintings_with_positive_and_negative']:.1%}"),
        ("paintings with a majority", f"{statistics['paintings_with_majority_emotion']:.1%}"),
        ("utterances with a simile", f"{statistics['simile_share']:.1%}"),
        *((f"  {name}", f"{share:.1%}") for name, share in statistics["emotion_shares"].items()),
    ]


def format_table(statistics: dict) -> str:
    """A short plain-text table of the headline figures."""
    rows = headline_figures(statistics)
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def plot_statistics(prepared: PreparedRelease, output_dir: str | os.PathLike) -> list[Path]:
    """emotion_distribution.png (share of each emotion) and emotion_by_style.png (emotion shares per art style)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    frame = prepared.annotations
    shares = list(emotion_shares(np.bincount(frame["emotion"], minlength=emotions.NUM_EMOTIONS)).values())
    colors = plt.get_cmap("tab10").colors[: emotions.NUM_EMOTIONS]

    figure, axis = plt.subplots(figsize=(8, 4))
    axis.bar(emotions.EMOTIONS, shares, color=colors)
    axis.set_ylabel("share of annotations")
    axis.set_title(f"Emotions of {len(frame):,} annotations")
    axis.tick_params(axis="x", rotation=30)
    figure.tight_layout()
    paths = [output_dir / "emotion_distribution.png"]
    figure.savefig(paths[0], dpi=120)
    plt.close(figure)

    by_style = pd.crosstab(frame["art_style"], frame["emotion"], normalize="index").reindex(
        columns=range(emotions.NUM_EMOTIONS), fill_value=0
    )
    figure, axis = plt.subplots(figsize=(9, 0.3 * len(by_style) + 1.5))
    left = np.zeros(len(by_style))
    for emotion_index, name in enumerate(emotions.EMOTIONS):
        values = by_style[emotion_index].to_numpy()
        axis.barh(by_style.index, values, left=left, color=colors[emotion_index], label=name)
        left += values
    axis.set_xlabel("share of annotations")
    axis.set_xlim(0, 1)
    axis.legend(ncol=3, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    axis.set_title("Emotions per art style")
    figure.tight_layout()
    paths.append(output_dir / "emotion_by_style.png")
    figure.savefig(paths[1], dpi=120)
    plt.close(figure)
    return paths


def write_statistics(
    prepared: PreparedRelease,
    output_dir: str | os.PathLike,
    spell_check: bool = True,
    text_normalization: TextNormalization = DEFAULT_TEXT_NORMALIZATION,
) -> dict:
    """Compute, save statistics.json and the plots in `output_dir`, and return the figures."""
    statistics = release_statistics(prepared, spell_check, text_normalization)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "statistics.json").write_text(json.dumps(statistics, indent=1))
    plot_statistics(prepared, output_dir)
    return statistics
