"""The generative model: each painting's factors and name, how many annotate it, what each annotator feels and
says, and the Bayes ceilings that follow exactly from it.

The sampling functions take the release's one random generator; `make_synthetic_release` calls them in a fixed order,
so that a seed fixes the release.
"""

from __future__ import annotations

import math
import re
import unicodedata
from string import Formatter

import numpy as np
import pandas as pd

from ...emotions import EMOTIONS, NUM_EMOTIONS
from ..sources import ART_STYLES
from ..splits import split_paintings
from .drawing import BACKGROUNDS, COMPOSITIONS, COUNTS, GRAINS, PALETTES, SCALES, SHAPE_FAMILIES
from .words import (
    ACCENTED_FIRST_NAMES,
    BACKGROUND_WORDS,
    COLOUR_WORDS,
    COUNT_WORDS,
    EMOTION_NOUNS,
    FAMILY_ADJECTIVES,
    FEELINGS,
    FIRST_NAMES,
    GRAIN_WORDS,
    LAST_NAMES,
    LIKENESSES,
    PATTERN_GROUPS,
    PLACE_PHRASES,
    QUALITIES,
    REACTIONS,
    SENTENCE_PATTERNS,
    SHAPE_WORDS,
    SIMILE_PATTERNS,
    SIMILE_WORDS,
    SIZE_WORDS,
    TITLE_PATTERNS,
    TITLE_WORDS,
)

# --- Which look carries which emotion: one emotion per (palette family, shape family) cell ---
# fmt: off
EMOTION_FACTORS = {
    "amusement": ("warm", "round"), "awe": ("cool", "flowing"), "contentment": ("cool", "round"),
    "excitement": ("warm", "flowing"), "anger": ("warm", "angular"), "disgust": ("dark", "round"),
    "fear": ("dark", "angular"), "sadness": ("dark", "flowing"), "something else": ("cool", "angular"),
}
# fmt: on
DISAGREEMENT = 0.2  # share of annotators who feel another emotion than the painting's main one
CONFUSION_WEIGHTS = {"same_palette": 2.0, "same_shape": 1.0, "something_else": 1.0}

# --- Painting names, as WikiArt spells them: "<first>-<last>_<title-words>-<year>" (tables in `words`) ---
ACCENTED_SHARE = 0.02  # of artists: enough to exercise Unicode normalisation everywhere
YEAR_SHARE, YEAR_RANGE = 0.8, (1400, 2015)
PAINTINGS_PER_ARTIST = 60  # ArtEmis: 80k paintings by 1.1k artists

# --- Utterances: a pattern of `words.PATTERN_GROUPS` filled with words, then typing habits ---
NAME_SHARE = 0.7  # of {noun} slots: the felt emotion's own name, else one of its `words.EMOTION_NOUNS`
CAPITALISED_SHARE = 0.35
CAPITAL_I_PATTERNS = tuple(re.sub(r"\bi\b", "I", pattern) for pattern in SENTENCE_PATTERNS)
ENDINGS, ENDING_WEIGHTS = ("", ".", "!", "..."), (0.35, 0.5, 0.1, 0.05)
MISSPELLED_SHARE = 0.01


def sample_paintings(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """One row per painting: its id, split, main emotion and every factor its image and utterances use."""
    art_style, artist, painting = _painting_names(rng, n)
    painting_id = art_style + "/" + painting
    split_of = split_paintings(painting_id)  # default fractions and seed: the splits the dataset builder makes
    split = np.array([split_of[pid] for pid in painting_id], dtype=object)

    emotion = rng.integers(NUM_EMOTIONS, size=n)
    palette = pd.Index(PALETTES).get_indexer([EMOTION_FACTORS[e][0] for e in EMOTIONS])[emotion]
    family = pd.Index(SHAPE_FAMILIES).get_indexer([EMOTION_FACTORS[e][1] for e in EMOTIONS])[emotion]
    colours = np.array([list(colours) for colours in PALETTES.values()], dtype=object)
    shapes = np.array(list(SHAPE_FAMILIES.values()), dtype=object)
    colour = rng.integers(colours.shape[1], size=n)
    colour2 = (colour + rng.integers(1, colours.shape[1], size=n)) % colours.shape[1]  # another of the palette
    background, composition, scale = _nuisance_combinations(rng, held_out=split != "train")
    return pd.DataFrame({
        "painting_id": painting_id, "art_style": art_style, "artist": artist, "painting": painting, "split": split,
        "emotion": names_of(EMOTIONS, emotion), "colour": colours[palette, colour],
        "colour2": colours[palette, colour2], "shape": shapes[family, rng.integers(shapes.shape[1], size=n)],
        "background": names_of(BACKGROUNDS, background), "composition": names_of(COMPOSITIONS, composition),
        "scale": names_of(SCALES, scale), "count": names_of(COUNTS, rng.integers(len(COUNTS), size=n)),
        "grain": names_of(GRAINS, rng.integers(len(GRAINS), size=n)),
    })  # fmt: skip


def _nuisance_combinations(rng: np.random.Generator, held_out: np.ndarray) -> tuple[np.ndarray, ...]:
    """(background, composition, scale) indices; held-out paintings get the combinations training never sees.

    A quarter of the 48 combinations is held out, chosen so that every single value still occurs in training.
    """
    sizes = (len(BACKGROUNDS), len(COMPOSITIONS), len(SCALES))
    grid = np.stack(np.unravel_index(np.arange(np.prod(sizes)), sizes), axis=1)
    reserved = grid.sum(axis=1) % 4 == 0
    train_rows, held_out_rows = grid[~reserved], grid[reserved]
    picked = np.where(
        held_out[:, None],
        held_out_rows[rng.integers(len(held_out_rows), size=len(held_out))],
        train_rows[rng.integers(len(train_rows), size=len(held_out))],
    )
    return tuple(picked.T)


def _painting_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Art style, artist and painting name (NFC) of each painting, unique as pairs; an artist keeps one style."""
    num_artists = min(max(2 * len(ART_STYLES), n // PAINTINGS_PER_ARTIST), len(FIRST_NAMES) * len(LAST_NAMES))
    first, last = np.divmod(
        rng.choice(len(FIRST_NAMES) * len(LAST_NAMES), num_artists, replace=False), len(LAST_NAMES)
    )
    first = names_of(FIRST_NAMES, first)
    accented = rng.choice(num_artists, size=max(1, round(ACCENTED_SHARE * num_artists)), replace=False)
    first[accented] = names_of(ACCENTED_FIRST_NAMES, rng.integers(len(ACCENTED_FIRST_NAMES), size=len(accented)))
    artists = np.array([unicodedata.normalize("NFC", f"{a}-{b}") for a, b in zip(first, names_of(LAST_NAMES, last))])
    artist_style = rng.permutation(np.arange(num_artists) % len(ART_STYLES))  # every style has artists

    artist = rng.integers(num_artists, size=n)
    words = {**TITLE_WORDS, "other": TITLE_WORDS["noun"]}
    slots = {slot: names_of(options, rng.integers(len(options), size=n)) for slot, options in words.items()}
    title = _fill_patterns(rng.integers(len(TITLE_PATTERNS), size=n), TITLE_PATTERNS, slots)
    year = np.where(rng.random(n) < YEAR_SHARE, "-" + rng.integers(*YEAR_RANGE, size=n).astype(str).astype(object), "")
    names = artists.astype(object)[artist] + "_" + title + year
    styles = names_of(ART_STYLES, artist_style[artist])
    # WikiArt numbers repeated names; a year has four digits, so "-<k>" cannot clash with another name.
    codes, _ = pd.factorize(styles + "/" + names)
    repeat = pd.Series(codes).groupby(codes).cumcount().to_numpy()
    names = np.where(repeat > 0, names + "-" + repeat.astype(str).astype(object), names)
    return styles, artists[artist], names


def annotation_counts(rng: np.random.Generator, n: int, total: int | None, low: int, high: int) -> np.ndarray:
    """Annotations per painting, in [low, high]; a given `total` is met by filling that many optional slots."""
    if total is None:
        return rng.integers(low, high + 1, size=n)
    spare = high - low  # optional slots per painting
    filled = rng.choice(n * spare, size=total - n * low, replace=False)
    return low + np.bincount(filled // max(spare, 1), minlength=n)


def confusion_matrix() -> np.ndarray:
    """P(felt | main emotion): the main one, else one sharing its palette or shape family, or 'something else'."""
    palette, family = zip(*(EMOTION_FACTORS[emotion] for emotion in EMOTIONS))
    palette, family = np.array(palette), np.array(family)
    weights = (
        CONFUSION_WEIGHTS["same_palette"] * (palette[:, None] == palette[None, :])
        + CONFUSION_WEIGHTS["same_shape"] * (family[:, None] == family[None, :])
        + CONFUSION_WEIGHTS["something_else"] * (np.array(EMOTIONS) == "something else")[None, :]
    )
    np.fill_diagonal(weights, 0.0)
    return (1 - DISAGREEMENT) * np.eye(NUM_EMOTIONS) + DISAGREEMENT * weights / weights.sum(axis=1, keepdims=True)


def sample_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (rows, k) probability matrix."""
    return (rng.random((len(probabilities), 1)) > probabilities.cumsum(axis=1)[:, :-1]).sum(axis=1)


def bayes_ceilings(confusion: np.ndarray, main: np.ndarray, counts: np.ndarray) -> dict[str, float]:
    """Exact ceilings for these paintings, from the confusion matrix (the image reveals the main emotion).

    At most one emotion can hold a strict majority of n votes, so P(majority = k) is the binomial tail P(X_k > n/2).
    """
    sizes = np.unique(counts)
    tails = np.stack([_binomial_tail(int(n), confusion) for n in sizes])  # (size, main, k)
    majority = tails[np.searchsorted(sizes, counts), main]  # (painting, k)
    return {
        "bayes_accuracy": float(np.sum(confusion.max(axis=1)[main] * counts) / counts.sum()),
        "bayes_majority_accuracy": float(majority.max(axis=1).sum() / majority.sum()),
        "expected_majority_share": float(majority.sum(axis=1).mean()),
    }


def _binomial_tail(n: int, p: np.ndarray) -> np.ndarray:
    """P(X > n / 2) for X ~ Binomial(n, p), elementwise."""
    votes = np.arange(n // 2 + 1, n + 1)
    ways = np.array([math.comb(n, v) for v in votes], dtype=np.float64)
    return (p[..., None] ** votes * (1 - p[..., None]) ** (n - votes)) @ ways


def sample_utterances(rng: np.random.Generator, paintings: pd.DataFrame, owner: np.ndarray, felt: np.ndarray):
    """An utterance per annotation (of painting `owner`, feeling `felt`), and flags of what each one shows."""
    slots, named = _utterance_slots(rng, paintings, owner, felt)
    group_sizes = np.array([len(patterns) for patterns, _ in PATTERN_GROUPS])
    group = rng.choice(len(PATTERN_GROUPS), size=len(felt), p=[share for _, share in PATTERN_GROUPS])
    pattern = (np.cumsum(group_sizes) - group_sizes)[group] + (rng.random(len(felt)) * group_sizes[group]).astype(int)
    capitalised = rng.random(len(felt)) < CAPITALISED_SHARE
    text = _fill_patterns(
        pattern + capitalised * len(SENTENCE_PATTERNS), SENTENCE_PATTERNS + CAPITAL_I_PATTERNS, slots
    )

    misspelled = np.zeros(len(text), dtype=bool)
    for row in np.flatnonzero(rng.random(len(text)) < MISSPELLED_SHARE):  # ~1% of the rows: a loop is cheap
        text[row], misspelled[row] = _misspell(text[row], rng)
    text[capitalised] = [sentence[:1].upper() + sentence[1:] for sentence in text[capitalised]]
    text = text + names_of(ENDINGS, rng.choice(len(ENDINGS), size=len(text), p=ENDING_WEIGHTS))
    has_noun = np.array(["{noun}" in pattern for pattern in SENTENCE_PATTERNS])
    is_simile = np.isin(SENTENCE_PATTERNS, SIMILE_PATTERNS)
    return text, {"emotion_name": has_noun[pattern] & named, "simile": is_simile[pattern], "misspelled": misspelled}


def _utterance_slots(rng: np.random.Generator, paintings: pd.DataFrame, owner: np.ndarray, felt: np.ndarray):
    """Words for every slot of every annotation: what its painting shows and what its annotator felt."""

    def shown(table: dict, factor: pd.Series) -> np.ndarray:
        return _pick(rng, table, pd.Index(list(table)).get_indexer(factor)[owner])

    def felt_as(table: dict) -> np.ndarray:
        return _pick(rng, table, pd.Index(list(table)).get_indexer(EMOTIONS)[felt])

    family = paintings["shape"].map({shape: family for family, shapes in SHAPE_FAMILIES.items() for shape in shapes})
    slots = {
        "colour": shown(COLOUR_WORDS, paintings["colour"]), "colour2": shown(COLOUR_WORDS, paintings["colour2"]),
        "shape": shown(SHAPE_WORDS, paintings["shape"]), "likeness": shown(LIKENESSES, paintings["shape"]),
        "adjective": shown(FAMILY_ADJECTIVES, family), "background": shown(BACKGROUND_WORDS, paintings["background"]),
        "place": shown(PLACE_PHRASES, paintings["composition"]), "size": shown(SIZE_WORDS, paintings["scale"]),
        "count": shown(COUNT_WORDS, paintings["count"]), "grain": shown(GRAIN_WORDS, paintings["grain"]),
        "feeling": felt_as(FEELINGS), "quality": felt_as(QUALITIES), "reaction": felt_as(REACTIONS),
    }  # fmt: skip
    named = rng.random(len(felt)) < NAME_SHARE
    slots["noun"] = np.where(named, names_of(EMOTIONS, felt), felt_as(EMOTION_NOUNS))
    return slots, named


def _pick(rng: np.random.Generator, table: dict[str, tuple[str, ...]], codes: np.ndarray) -> np.ndarray:
    """For each row, a word drawn uniformly from the `codes[row]`-th entry of `table`."""
    lengths = np.array([len(words) for words in table.values()])
    flat = np.array([word for words in table.values() for word in words], dtype=object)
    return flat[(np.cumsum(lengths) - lengths)[codes] + (rng.random(len(codes)) * lengths[codes]).astype(np.int64)]


def _fill_patterns(pattern_ids: np.ndarray, patterns: tuple[str, ...], slots: dict[str, np.ndarray]) -> np.ndarray:
    """Fill each row's pattern with its slot values, concatenating whole columns pattern by pattern."""
    out = np.empty(len(pattern_ids), dtype=object)
    for pattern_id, pattern in enumerate(patterns):
        rows = np.flatnonzero(pattern_ids == pattern_id)
        text = np.full(len(rows), "", dtype=object)
        for literal, field, _, _ in Formatter().parse(pattern):
            text = text + literal + (slots[field][rows] if field else "")
        out[rows] = text
    return out


def _misspell(sentence: str, rng: np.random.Generator) -> tuple[str, bool]:
    """Swap two inner letters of, or drop one from, a word of six letters or more, as hurried typing does."""
    words = sentence.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 6 and word.isalpha() and word not in SIMILE_WORDS]
    if not candidates:
        return sentence, False
    i = candidates[rng.integers(len(candidates))]
    word, k = words[i], int(rng.integers(1, len(words[i]) - 2))
    swapped = word[:k] + word[k + 1] + word[k] + word[k + 2 :]
    words[i] = swapped if rng.random() < 0.5 and swapped != word else word[:k] + word[k + 1 :]
    return " ".join(words), True


def names_of(vocabulary, indices: np.ndarray) -> np.ndarray:
    """The entries of `vocabulary` (a sequence, or a dict's keys) at `indices`, as an object array."""
    return np.asarray(list(vocabulary), dtype=object)[indices]
