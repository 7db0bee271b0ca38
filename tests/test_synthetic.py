"""The synthetic ArtEmis release: format, determinism, and a generative model that is honest to learn from."""

import re
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from artemis_hf.data.sources import ART_STYLES
from artemis_hf.data.splits import split_paintings
from artemis_hf.data.synthetic import make_synthetic_release, model
from artemis_hf.data.synthetic import words as word_tables
from artemis_hf.data.synthetic.words import SENTENCE_PATTERNS
from artemis_hf.data.text import SIMILE_PHRASES
from artemis_hf.emotions import EMOTIONS, histograms, majority_emotion

COLUMNS = ["art_style", "painting", "emotion", "utterance", "repetition"]
EMOTION_NAME = re.compile(r"\b(?:" + "|".join(EMOTIONS) + r")\b")
WORD_TABLES = (
    "COLOUR_WORDS", "SHAPE_WORDS", "FAMILY_ADJECTIVES", "LIKENESSES", "BACKGROUND_WORDS", "PLACE_PHRASES",
    "SIZE_WORDS", "COUNT_WORDS", "GRAIN_WORDS", "FEELINGS", "QUALITIES", "EMOTION_NOUNS", "REACTIONS",
)  # fmt: skip


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    return make_synthetic_release(tmp_path_factory.mktemp("synthetic"), num_paintings=300, image_size=32, seed=0)


@pytest.fixture(scope="module")
def larger_release(tmp_path_factory):
    """Enough held-out paintings (about 225) to compare classifiers."""
    return make_synthetic_release(tmp_path_factory.mktemp("larger"), num_paintings=1_500, image_size=32, seed=3)


@pytest.fixture(scope="module")
def rows(release):
    return pd.read_csv(release.csv_path, keep_default_na=False)


@pytest.fixture(scope="module")
def paintings(release):
    return pd.read_csv(release.paintings_path, keep_default_na=False)


@pytest.fixture(scope="module")
def annotations(release):
    return read_annotations(release)


def read_annotations(release) -> pd.DataFrame:
    """Release rows with the factors of their painting (main emotion as emotion_main, colours, shape, split ...)."""
    rows = pd.read_csv(release.csv_path, keep_default_na=False)
    factors = pd.read_csv(release.paintings_path, keep_default_na=False).drop(columns=["art_style", "painting"])
    with_id = rows.assign(painting_id=rows["art_style"] + "/" + rows["painting"])
    return with_id.merge(factors, how="left", on="painting_id", suffixes=("", "_main"), validate="many_to_one")


def test_columns_dtypes_and_values(release, rows):
    assert list(rows.columns) == COLUMNS
    assert all(pd.api.types.is_string_dtype(rows[column]) for column in COLUMNS[:4])
    assert pd.api.types.is_integer_dtype(rows["repetition"])
    assert set(rows["emotion"]) == set(EMOTIONS)  # "something else" spelled as the release does
    assert len(ART_STYLES) == 27 and set(rows["art_style"]) <= set(ART_STYLES)
    assert release.num_annotations == len(rows) and release.num_paintings == 300


def test_counts_within_bounds_and_repetition_is_the_count(rows):
    counts = rows.groupby(["art_style", "painting"])["repetition"].agg(["size", "min", "max"])
    assert len(counts) == 300 and counts["size"].between(5, 7).all()
    assert (counts["size"] == counts["min"]).all() and (counts["size"] == counts["max"]).all()


def test_exact_total_and_infeasible_totals(tmp_path):
    release = make_synthetic_release(tmp_path, num_paintings=500, num_annotations=3_141, with_images=False)
    counts = pd.read_csv(release.csv_path).groupby(["art_style", "painting"]).size()
    assert release.images_dir is None and not (tmp_path / "images").exists()
    assert counts.sum() == 3_141 and counts.between(5, 7).all()
    smallest = make_synthetic_release(tmp_path, num_paintings=50, num_annotations=250, with_images=False)
    assert smallest.num_annotations == 250
    with pytest.raises(ValueError, match="num_annotations=3501 is infeasible.*num_paintings=500"):
        make_synthetic_release(tmp_path, num_paintings=500, num_annotations=3_501, with_images=False)


def test_images_exist_rgb_of_the_right_size(release, paintings):
    files = sorted(Path(release.images_dir).glob("*/*.jpg"))
    assert len(files) == len(paintings)
    for style, name in paintings[["art_style", "painting"]].values[::15]:
        with Image.open(Path(release.images_dir) / style / f"{name}.jpg") as image:
            assert image.format == "JPEG" and image.mode == "RGB" and image.size == (32, 32)


def test_same_seed_same_bytes_whatever_the_workers(tmp_path):
    one, two = (make_synthetic_release(tmp_path / str(n), 150, image_size=16, num_workers=n) for n in (1, 2))
    assert one.csv_path.read_bytes() == two.csv_path.read_bytes()
    for path in sorted(Path(one.images_dir).glob("*/*.jpg")):
        assert path.read_bytes() == (Path(two.images_dir) / path.relative_to(one.images_dir)).read_bytes()
    other = make_synthetic_release(tmp_path / "other", 150, with_images=False, seed=1)
    assert other.csv_path.read_bytes() != one.csv_path.read_bytes()


def test_names_wikiart_like_unique_with_accents_in_nfc(paintings):
    names = paintings["painting"]
    assert paintings["painting_id"].is_unique
    assert names.str.fullmatch(r"[^\W\d_]+(-[^\W\d_]+)+_[a-z0-9-]+").all()
    assert all(unicodedata.is_normalized("NFC", name) for name in names)
    accented = ~names.map(str.isascii)
    assert 0 < accented.mean() < 0.1


def test_held_out_paintings_use_unseen_nuisance_combinations(paintings):
    assert (paintings["split"] == paintings["painting_id"].map(split_paintings(paintings["painting_id"]))).all()
    factors = ["background", "composition", "scale"]
    train = paintings["split"] == "train"
    seen = set(map(tuple, paintings.loc[train, factors].values))
    assert not seen & set(map(tuple, paintings.loc[~train, factors].values))
    for factor in factors:  # every single value is seen in training: only the combinations are new
        assert set(paintings.loc[~train, factor]) <= set(paintings.loc[train, factor])


def test_disagreement_is_plausible_and_bayes_ceilings_match_observations(release, annotations, paintings):
    disagree = annotations["emotion"] != annotations["emotion_main"]
    assert 0.17 < disagree.mean() < 0.23
    assert release.bayes_accuracy == pytest.approx(1 - model.DISAGREEMENT)
    assert 1 - disagree.mean() == pytest.approx(release.bayes_accuracy, abs=0.03)
    factors = {emotion: set(pair) for emotion, pair in model.EMOTION_FACTORS.items()}
    shares_a_factor = [
        felt == "something else" or bool(factors[felt] & factors[main])
        for felt, main in annotations.loc[disagree, ["emotion", "emotion_main"]].values
    ]
    assert all(shares_a_factor)

    painting_index = pd.Index(paintings["painting_id"]).get_indexer(annotations["painting_id"])
    counts = histograms(painting_index, pd.Index(EMOTIONS).get_indexer(annotations["emotion"]), len(paintings))
    majority = majority_emotion(counts)
    main = pd.Index(EMOTIONS).get_indexer(paintings["emotion"])
    assert (majority >= 0).mean() == pytest.approx(release.expected_majority_share, abs=0.05)
    assert (majority == main)[majority >= 0].mean() == pytest.approx(release.bayes_majority_accuracy, abs=0.02)


def test_utterance_lengths_names_similes_and_patterns(release, rows):
    utterances = rows["utterance"]
    lengths = utterances.map(lambda text: len(words(text)))
    assert lengths.between(8, 25).mean() > 0.75 and (lengths < 5).any() and (lengths > 30).any()
    names_emotion = utterances.str.lower().str.contains(EMOTION_NAME)
    assert 0.05 < names_emotion.mean() <= 1 / 3
    assert names_emotion.mean() == pytest.approx(release.emotion_name_share, abs=0.01)
    simile = utterances.str.lower().map(lambda text: any(phrase in text for phrase in SIMILE_PHRASES))
    assert 0.15 < simile.mean() < 0.25 and simile.mean() == pytest.approx(release.simile_share, abs=0.01)
    assert utterances.str.contains(r"\b(?:don't|it's|i'm|can't)\b", case=False).mean() > 0.03
    assert utterances.str.match(r"[A-Z]").mean() > 0.2 and utterances.str.endswith((".", "!")).mean() > 0.4

    as_regex = [re.compile(re.sub(r"\\\{\w+\\\}", "(.+)", re.escape(pattern))) for pattern in SENTENCE_PATTERNS]
    stripped = utterances.str.lower().str.rstrip(".!")
    used = {i for text in stripped for i, regex in enumerate(as_regex) if regex.fullmatch(text)}
    assert len(SENTENCE_PATTERNS) >= 40 and len(used) >= 40


def test_vocabulary_is_real_english_but_for_a_few_misspellings(release, rows):
    wordfreq = pytest.importorskip("wordfreq")
    known = set(wordfreq.top_n_list("en", 500_000, wordlist="large"))
    vocabulary = {word for pattern in SENTENCE_PATTERNS for word in words(re.sub(r"\{\w+\}", " ", pattern))}
    for table in WORD_TABLES:
        vocabulary |= set(words(" ".join(" ".join(phrases) for phrases in getattr(word_tables, table).values())))
    assert vocabulary <= known, sorted(vocabulary - known)
    misspelled = rows["utterance"].map(lambda text: not set(words(text)) <= known)
    assert 0.003 < misspelled.mean() < 0.025 and misspelled.mean() <= release.misspelled_share + 1e-9


def test_utterances_describe_their_painting_and_carry_the_felt_emotion(annotations):
    said = annotations["utterance"].map(words).map(set)
    colour_words = set(words(" ".join(" ".join(phrases) for phrases in word_tables.COLOUR_WORDS.values())))
    shown = annotations["colour"].map(word_tables.COLOUR_WORDS) + annotations["colour2"].map(word_tables.COLOUR_WORDS)
    assert all(found & colour_words <= set(own) for found, own in zip(said, shown))
    generic = {"lines", "shapes"}
    shape_words = {shape: set(words(" ".join(names))) - generic for shape, names in word_tables.SHAPE_WORDS.items()}
    any_shape = set().union(*shape_words.values())
    assert all(found & any_shape <= shape_words[shape] for found, shape in zip(said, annotations["shape"]))

    tables = [word_tables.FEELINGS, word_tables.QUALITIES, word_tables.EMOTION_NOUNS, word_tables.REACTIONS]
    cues = {emotion: [emotion, *(cue for table in tables for cue in table[emotion])] for emotion in EMOTIONS}
    cue_regex = {e: re.compile(r"\b(?:" + "|".join(map(re.escape, cue)) + r")\b") for e, cue in cues.items()}
    lowered = annotations["utterance"].str.lower()
    carries = [bool(cue_regex[emotion].search(text)) for text, emotion in zip(lowered, annotations["emotion"])]
    assert np.mean(carries) > 0.98  # all but some misspelled ones


def test_text_alone_predicts_the_felt_emotion(larger_release):
    """Multinomial naive Bayes on bags of words, trained on training paintings, scored on held-out ones."""
    rows = read_annotations(larger_release)
    vocabulary = {word: i for i, word in enumerate(sorted({w for text in rows["utterance"] for w in words(text)}))}
    bags = np.zeros((len(rows), len(vocabulary)))
    for row, text in enumerate(rows["utterance"]):
        for word, count in Counter(words(text)).items():
            bags[row, vocabulary[word]] = count
    felt, main = (pd.Index(EMOTIONS).get_indexer(rows[column]) for column in ("emotion", "emotion_main"))
    train = (rows["split"] == "train").to_numpy()
    log_word = np.log(np.stack([bags[train & (felt == k)].sum(axis=0) + 1 for k in range(len(EMOTIONS))]))
    log_word -= np.log(np.exp(log_word).sum(axis=1, keepdims=True))
    correct = (bags[~train] @ log_word.T).argmax(axis=1) == felt[~train]
    disagree = felt[~train] != main[~train]  # the image cannot tell these annotators' emotion: only their words do
    assert correct.mean() > 0.85 and correct[disagree].mean() > 0.5, (correct.mean(), correct[disagree].mean())


# --- The image carries the emotion, but only palette and shape jointly ---


def colour_features(images: np.ndarray) -> np.ndarray:
    """Colour histogram, 3 levels per channel."""
    levels = np.minimum((images * 3).astype(int), 2)
    codes = (levels * [9, 3, 1]).sum(axis=-1).reshape(len(images), -1)
    return np.stack([np.bincount(c, minlength=27) for c in codes]) / codes.shape[1]


def shape_features(images: np.ndarray) -> np.ndarray:
    """Colour-blind: rotation-invariant binary patterns of the foreground mask, and how gradient directions spread."""
    background = np.median(images.reshape(len(images), -1, 3), axis=1)[:, None, None]
    distance = np.linalg.norm(images - background, axis=-1)
    distance /= np.percentile(distance, 99, axis=(1, 2), keepdims=True) + 1e-6
    mask = (distance > 0.5).astype(int)
    rotation_invariant = np.array([min(((c >> s) | (c << (8 - s))) & 255 for s in range(8)) for c in range(256)])
    pattern_ids = np.unique(rotation_invariant)
    features = []
    for step in (1, 2, 3):
        padded = np.pad(mask, ((0, 0), (step, step), (step, step)))
        code = sum(
            np.roll(padded, (-dy * step, -dx * step), axis=(1, 2))[:, step:-step, step:-step] << bit
            for bit, (dy, dx) in enumerate([(-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1)])
        )
        code = np.searchsorted(pattern_ids, rotation_invariant[code])
        edge = (code != 0) & (code != len(pattern_ids) - 1)  # neither all background nor all foreground
        counts = np.stack([np.bincount(c[e], minlength=len(pattern_ids)) for c, e in zip(code, edge)])
        features.append(counts / (counts.sum(axis=1, keepdims=True) + 1e-9))
    dy, dx = np.gradient(distance, axis=(1, 2))
    magnitude, direction = np.hypot(dx, dy), np.mod(np.arctan2(dy, dx), np.pi)
    bins = np.minimum((direction / np.pi * 12).astype(int), 11)
    spread = np.stack([np.bincount(b.ravel(), weights=m.ravel(), minlength=12) for b, m in zip(bins, magnitude)])
    coherence = np.abs((magnitude * np.exp(2j * direction)).sum(axis=(1, 2))) / magnitude.sum(axis=(1, 2))
    features += [np.sort(spread / spread.sum(axis=1, keepdims=True), axis=1), coherence[:, None]]
    return np.concatenate(features, axis=1)


def nearest_centroid_accuracy(blocks: list[np.ndarray], labels: np.ndarray, train: np.ndarray) -> float:
    """Standardised features, each block weighted equally; accuracy on the rows outside `train`."""
    scaled = []
    for block in blocks:
        mean, std = block[train].mean(axis=0), block[train].std(axis=0) + 1e-6
        scaled.append((block - mean) / std / np.sqrt(block.shape[1]))
    features = np.concatenate(scaled, axis=1)
    centroids = np.stack([features[train & (labels == k)].mean(axis=0) for k in range(len(EMOTIONS))])
    distances = ((features[~train, None] - centroids[None]) ** 2).sum(axis=-1)
    return float((distances.argmin(axis=1) == labels[~train]).mean())


def read_image(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image, dtype=np.float64) / 255


def test_images_carry_the_emotion_only_through_palette_and_shape_jointly(larger_release):
    paintings = pd.read_csv(larger_release.paintings_path)
    folder = Path(larger_release.images_dir)
    names = paintings[["art_style", "painting"]].values
    images = np.stack([read_image(folder / style / f"{name}.jpg") for style, name in names])
    labels = pd.Index(EMOTIONS).get_indexer(paintings["emotion"])
    train = (paintings["split"] == "train").to_numpy()
    colour, shape = colour_features(images), shape_features(images)
    accuracy = {
        "colour": nearest_centroid_accuracy([colour], labels, train),
        "shape": nearest_centroid_accuracy([shape], labels, train),
        "both": nearest_centroid_accuracy([colour, shape], labels, train),
    }
    assert accuracy["colour"] < 0.5 and accuracy["shape"] < 0.5, accuracy
    assert accuracy["both"] > max(accuracy["colour"], accuracy["shape"]) + 0.15, accuracy
