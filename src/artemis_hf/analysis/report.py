"""The analysis as a Markdown report and PNG plots, both made from the figures of analysis.json alone."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .. import emotions
from .analysers import POS_CLASSES

# Quoted from the reference notebooks (optas/artemis, analysis/), full release vs COCO 2014 captions: not computed
# here. Its vocabulary is its "upper bound on unique tokens"; its entropy notebook used nats, not bits.
REFERENCE_LANGUAGE = {
    "ArtEmis, full release (reference)": {
        "utterances": 454_684,
        "tokens_per_utterance": {"mean": 15.92, "median": 14},
        "vocabulary_size": 37_250,
        "concreteness": {"mean": 2.81, "median": 2.78},
        "sentiment": {"mean_abs": 0.44, "median_abs": 0.46, "neutral": 0.1646},
        "subjectivity": {"mean": 0.47, "median": 0.50},
        "parts_of_speech": {"nouns": 4.0, "pronouns": 0.9, "adjectives": 1.6, "adpositions": 1.9, "verbs": 3.0},
        "simile_share": 0.2091,
    },
    "COCO 2014 captions (reference)": {
        "utterances": 616_767,
        "tokens_per_utterance": {"mean": 10.5},
        "concreteness": {"mean": 3.55, "median": 3.57},
        "sentiment": {"mean_abs": 0.07, "median_abs": 0.00, "neutral": 0.7745},
        "subjectivity": {"mean": 0.19, "median": 0.02},
        "parts_of_speech": {"nouns": 3.7, "pronouns": 0.1, "adjectives": 0.8, "adpositions": 1.7, "verbs": 1.2},
    },
}
REFERENCE_EMOTIONS = {"paintings": 80_031, "at_least_half": 0.4565, "positive_and_negative": 0.61}

COUNT, SHARE, TWO, ONE = "{:,}", "{:.1%}", "{:.2f}", "{:.1f}"
# (row, path of the figure in a collection's (or the emotions') figures, format)
LANGUAGE_ROWS = (
    ("Utterances", ("utterances",), COUNT),
    ("Tokens per utterance, mean", ("tokens_per_utterance", "mean"), TWO),
    ("Tokens per utterance, median", ("tokens_per_utterance", "median"), "{:g}"),
    ("Vocabulary (distinct tokens)", ("vocabulary_size",), COUNT),
    ("Type-token ratio", ("type_token_ratio",), "{:.4f}"),
    ("Segmental type-token ratio (1,000 tokens)", ("segmental_type_token_ratio",), "{:.3f}"),
    ("Concreteness, mean", ("concreteness", "mean"), TWO),
    ("Concreteness, median", ("concreteness", "median"), TWO),
    ("Concreteness coverage (rated tokens)", ("concreteness", "coverage"), SHARE),
    ("Sentiment, mean of abs(VADER compound)", ("sentiment", "mean_abs"), TWO),
    ("Sentiment, median of abs(VADER compound)", ("sentiment", "median_abs"), TWO),
    ("Neutral (abs < 0.05)", ("sentiment", "neutral"), SHARE),
    ("Positive", ("sentiment", "positive"), SHARE),
    ("Negative", ("sentiment", "negative"), SHARE),
    ("Subjectivity (TextBlob), mean", ("subjectivity", "mean"), TWO),
    ("Subjectivity (TextBlob), median", ("subjectivity", "median"), TWO),
    *((f"{name.capitalize()} per utterance", ("parts_of_speech", name), ONE) for name in POS_CLASSES),
    ("Utterances with a simile", ("simile_share",), SHARE),
)
EMOTION_ROWS = (
    ("Paintings", ("paintings",), COUNT),
    ("Entropy of a painting's emotions, mean (bits)", ("entropy_bits", "mean"), TWO),
    ("Entropy of a painting's emotions, median (bits)", ("entropy_bits", "median"), TWO),
    ("Top emotion has more than half of the votes", ("strict_majority",), SHARE),
    ("Top emotion has at least half of the votes", ("at_least_half",), SHARE),
    ("Both positive and negative votes", ("positive_and_negative",), SHARE),
    ("A 'something else' vote", ("something_else",), SHARE),
)
GROUP_ROWS = (  # per group of utterances: (column, key, format)
    ("Utterances", "utterances", COUNT),
    ("Tokens", "length", ONE),
    ("Concreteness", "concreteness", TWO),
    ("abs(sentiment)", "sentiment_abs", TWO),
    ("Subjectivity", "subjectivity", TWO),
    *((name.capitalize(), name, ONE) for name in POS_CLASSES),
    ("Similes", "simile", SHARE),
)
DISTRIBUTIONS = {  # panel of language_distributions.png -> (figure, x label)
    "tokens_per_utterance": "tokens per utterance (last bin: 58+)",
    "concreteness": "concreteness (1 abstract .. 5 concrete)",
    "sentiment": "VADER compound sentiment",
    "subjectivity": "TextBlob subjectivity",
}


def markdown_report(results: dict) -> str:
    release = results["release"]
    lines = [
        f"# Analysis of {release['label']}",
        "",
        f"{release['annotations']:,} utterances of {release['paintings']:,} paintings. Tokens: the dataset's "
        f"'{release['text_normalization']}' normalisation, spelling pass {'on' if release['spell_check'] else 'off'}.",
        "",
        "## Language",
        "",
        *language_table(results),
        "",
        "The two reference columns quote the reference notebooks (optas/artemis) on the full release and on COCO 2014 "
        "captions; they are not computed here.",
        "",
        *(f"![{name}]({name})" for name in results["plots"] if not name.startswith("emotions_")),
        "",
    ]
    for grouping, groups in results["language_per_group"].items():
        lines += [f"## Language per {grouping.replace('_', ' ')}", "", *_group_table(grouping, groups), ""]
    lines += ["## Emotions", "", *emotion_table(results), "", *_emotions_detail(results["emotions"])]
    if results["unavailable"]:
        lines += ["## Not computed", "", *(f"- {message}" for message in results["unavailable"].values()), ""]
    lines += ["## Analysers", "", *(f"- {name}: {source}" for name, source in results["analysers"].items()), ""]
    return "\n".join(lines)


def _emotions_detail(figures: dict) -> list[str]:
    """The most and least agreed-on paintings, then a table and a heat map per grouping."""
    lines = []
    for key, title in (("most_agreed", "Most agreed-on paintings"), ("least_agreed", "Least agreed-on paintings")):
        lines += [f"### {title}", "", "| Painting | Entropy (bits) | Votes |", "|---|---|---|"]
        for painting in figures[key]:
            votes = ", ".join(f"{name} {count}" for name, count in painting["histogram"].items())
            lines.append(f"| {painting['painting_id']} | {painting['entropy_bits']:.2f} | {votes} |")
        lines.append("")
    for name in (key[len("per_") :] for key in figures if key.startswith("per_")):
        lines += [
            f"### Emotions per {name.replace('_', ' ')}",
            "",
            *_emotion_group_table(name, figures[f"per_{name}"]),
        ]
        lines += ["", f"![emotions_by_{name}.png](emotions_by_{name}.png)", ""]
    return lines


def language_table(results: dict) -> list[str]:
    """The language figures of every collection (headed by its size), beside the quoted reference figures."""
    columns = {_legend(name, figures): figures for name, figures in results["language"].items()}
    return _table(LANGUAGE_ROWS, columns, REFERENCE_LANGUAGE)


def emotion_table(results: dict) -> list[str]:
    reference = {"ArtEmis, full release (reference)": REFERENCE_EMOTIONS}
    return _table(EMOTION_ROWS, {results["release"]["label"]: results["emotions"]}, reference)


def _table(rows, computed: dict[str, dict], quoted: dict[str, dict]) -> list[str]:
    """One row per figure that any computed column has, then the quoted columns beside them."""
    columns = {**computed, **quoted}
    lines = ["| Figure | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for label, path, style in rows:
        if all(_get(figures, path) is None for figures in computed.values()):
            continue
        values = [_format(_get(figures, path), style) for figures in columns.values()]
        lines.append(f"| {label} | " + " | ".join(values) + " |")
    return lines


def _group_table(grouping: str, groups: dict[str, dict]) -> list[str]:
    rows = [(label, key, style) for label, key, style in GROUP_ROWS if any(key in g for g in groups.values())]
    lines = [f"| {grouping.replace('_', ' ')} | " + " | ".join(label for label, _, _ in rows) + " |"]
    lines.append("|---" * (len(rows) + 1) + "|")
    for group, figures in groups.items():
        lines.append(f"| {group} | " + " | ".join(_format(figures.get(key), style) for _, key, style in rows) + " |")
    return lines


def _emotion_group_table(grouping: str, groups: dict[str, dict]) -> list[str]:
    lines = [
        f"| {grouping.replace('_', ' ')} | Paintings | Mean entropy (bits) | At least half | Positive and negative "
        "| Top emotion |",
        "|---|---|---|---|---|---|",
    ]
    for group, figures in sorted(groups.items(), key=lambda item: item[1]["mean_entropy_bits"]):
        top = max(figures["emotion_shares"].items(), key=lambda item: item[1])
        lines.append(
            f"| {group} | {figures['paintings']:,} | {figures['mean_entropy_bits']:.2f} | {figures['at_least_half']:.1%} "
            f"| {figures['positive_and_negative']:.1%} | {top[0]} ({top[1]:.0%}) |"
        )
    return lines


def _get(figures: dict, path: tuple[str, ...]):
    for key in path:
        if not isinstance(figures, dict) or key not in figures:
            return None
        figures = figures[key]
    return figures


def _format(value, style: str) -> str:
    return "-" if value is None else style.format(value)


# --- Plots ---


def write_plots(results: dict, output_dir: str | os.PathLike) -> list[str]:
    """Every plot the figures allow, as PNG files in `output_dir`; returns their names."""
    output_dir = Path(output_dir)
    plots = {
        "language_distributions.png": _distributions(results["language"]),
        "sentiment_classes.png": _grouped_bars(
            results["language"], "sentiment", ("neutral", "positive", "negative"), "share of utterances"
        ),
        "parts_of_speech.png": _grouped_bars(
            results["language"], "parts_of_speech", tuple(POS_CLASSES), "per utterance (mean)"
        ),
        "entropy_histogram.png": _entropy_histogram(results["emotions"]),
        **{
            f"emotions_by_{key[len('per_') :]}.png": _emotions_by_group(results["emotions"][key], key[len("per_") :])
            for key in results["emotions"]
            if key.startswith("per_")
        },
    }
    written = []
    for name, figure in plots.items():
        if figure is not None:
            figure.savefig(output_dir / name, dpi=90)
            written.append(name)
    return written


def _figure(nrows: int = 1, ncols: int = 1, figsize=(5, 3.2), **kwargs):
    from matplotlib.figure import Figure  # no pyplot: nothing to close, no GUI backend, safe in threads

    figure = Figure(figsize=figsize)
    return figure, figure.subplots(nrows, ncols, **kwargs)


def _distributions(language: dict[str, dict]):
    """One panel per distribution, each collection's histogram as a share of its utterances, overlaid."""
    panels = [key for key in DISTRIBUTIONS if any(key in figures for figures in language.values())]
    figure, axes = _figure(1, len(panels), figsize=(3.6 * len(panels), 3.2), squeeze=False)
    for axis, key in zip(axes[0], panels):
        for name, figures in language.items():
            if key in figures:
                counts = np.asarray(figures[key]["histogram"]["counts"], dtype=float)
                shares = counts / max(1.0, counts.sum())
                axis.stairs(shares, figures[key]["histogram"]["edges"], label=_legend(name, figures), lw=1.5)
        axis.set_xlabel(DISTRIBUTIONS[key])
    axes[0][0].set_ylabel("share of utterances")
    axes[0][0].legend(fontsize=7)
    figure.tight_layout()
    return figure


def _legend(name: str, figures: dict) -> str:
    return f"{name} ({figures['utterances']:,})"


def _grouped_bars(language: dict[str, dict], key: str, bars: tuple[str, ...], ylabel: str):
    names = [name for name, figures in language.items() if key in figures]
    if not names:
        return None
    figure, axis = _figure(figsize=(1.2 * len(bars) + 2.5, 3.2))
    width = 0.8 / len(names)
    for index, name in enumerate(names):
        values = [language[name][key][bar] for bar in bars]
        offsets = np.arange(len(bars)) + (index - (len(names) - 1) / 2) * width
        axis.bar(offsets, values, width, label=_legend(name, language[name]))
    axis.set_xticks(np.arange(len(bars)), bars)
    axis.set_ylabel(ylabel)
    axis.legend(fontsize=7)
    figure.tight_layout()
    return figure


def _entropy_histogram(figures: dict):
    histogram = figures["entropy_bits"]["histogram"]
    figure, axis = _figure(figsize=(5, 3.2))
    axis.stairs(histogram["counts"], histogram["edges"], fill=True, alpha=0.7)
    axis.axvline(figures["entropy_bits"]["mean"], color="black", ls="--", lw=1, label="mean")
    axis.set_xlabel("entropy of a painting's emotion histogram (bits)")
    axis.set_ylabel("paintings")
    axis.legend(fontsize=7)
    figure.tight_layout()
    return figure


def _emotions_by_group(groups: dict[str, dict], grouping: str):
    """A heat map of each group's emotion shares beside its mean entropy, groups from most to least agreed."""
    if not groups:
        return None
    names = sorted(groups, key=lambda group: groups[group]["mean_entropy_bits"])
    shares = np.array([[groups[name]["emotion_shares"][emotion] for emotion in emotions.EMOTIONS] for name in names])
    figure, (heat, bars) = _figure(
        1, 2, figsize=(10, 0.28 * len(names) + 1.8), gridspec_kw={"width_ratios": [3, 1]}, sharey=True
    )
    image = heat.imshow(shares, aspect="auto", cmap="Blues", vmin=0)
    heat.set_xticks(range(emotions.NUM_EMOTIONS), emotions.EMOTIONS, rotation=40, ha="right", fontsize=8)
    heat.set_yticks(range(len(names)), names, fontsize=7)
    figure.colorbar(image, ax=heat, label="share of annotations", fraction=0.04)
    bars.barh(range(len(names)), [groups[name]["mean_entropy_bits"] for name in names], color="grey")
    bars.set_xlabel("mean entropy (bits)")
    heat.set_title(f"Emotions per {grouping.replace('_', ' ')}", fontsize=9)
    figure.tight_layout()
    return figure
