"""A synthetic ArtEmis release: the real CSV columns and image layout, drawn procedurally, honest to learn from.

Generative model, per painting:
- a main emotion, uniform over the nine. Each emotion is one cell of 3 palette families x 3 shape families
  (`EMOTION_FACTORS`), so colour alone or shape alone narrows it down to three emotions at best;
- its image: objects of one shape variant of the family, in two colours of the palette, plus nuisance factors drawn
  independently of the emotion: background, composition, object scale and count, grain, and a tint per art style.
  Validation and test paintings (those `split_paintings` puts there with its default fractions and seed, as the
  dataset builder does) use (background, composition, scale) combinations that training paintings never use;
- min..max annotations. An annotator feels the main emotion with probability 1 - `DISAGREEMENT`, otherwise one that
  shares its palette or shape family, or "something else" (`_confusion_matrix`). The image determines the main
  emotion and nothing else informs an annotation, so the Bayes ceilings follow exactly from that matrix;
- each utterance fills one of `SENTENCE_PATTERNS` with words for what that painting shows (colours, shapes, placement,
  size, count, background, grain) and for the emotion its annotator felt.
`synthetic_paintings.csv`, next to the release CSV, records each painting's split, main emotion and factors.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import re
import time
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from string import Formatter

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw

from ..emotions import EMOTIONS, NUM_EMOTIONS
from .splits import split_paintings

CSV_NAME = "artemis_dataset_release_v0.csv"
PAINTINGS_NAME = "synthetic_paintings.csv"  # the factors of each painting, for tests and analyses; not in a release
SYNTHETIC_DATASET_NAME = "synthetic-artemis"  # results on synthetic data never carry the name of the ArtEmis dataset

# fmt: off
ART_STYLES: tuple[str, ...] = (
    "Abstract_Expressionism", "Action_painting", "Analytical_Cubism", "Art_Nouveau_Modern", "Baroque",
    "Color_Field_Painting", "Contemporary_Realism", "Cubism", "Early_Renaissance", "Expressionism", "Fauvism",
    "High_Renaissance", "Impressionism", "Mannerism_Late_Renaissance", "Minimalism", "Naive_Art_Primitivism",
    "New_Realism", "Northern_Renaissance", "Pointillism", "Pop_Art", "Post_Impressionism", "Realism", "Rococo",
    "Romanticism", "Symbolism", "Synthetic_Cubism", "Ukiyo_e",
)

# --- Painting names, as WikiArt spells them: "<first>-<last>_<title-words>-<year>" ---
FIRST_NAMES = (
    "anna", "claude", "pierre", "maria", "paul", "henri", "vincent", "egon", "frida", "gustav", "ivan", "jan", "karl",
    "lucas", "marc", "nicolas", "pablo", "piet", "sofia", "thomas", "alfred", "camille", "edgar", "georges", "hans",
    "joan", "kazimir", "mary", "natalia", "oskar", "rosa", "william", "zinaida", "albert", "helen", "louis",
)
ACCENTED_FIRST_NAMES = (
    "eugène", "andré", "théodore", "françois", "jérôme", "rené", "édouard", "józef", "léon", "zoë",
)
LAST_NAMES = (
    "albers", "baker", "bellini", "berger", "carter", "castro", "costa", "dubois", "ernst", "fischer", "garnier",
    "hartmann", "ivanov", "jansen", "keller", "larsen", "lopez", "marchand", "moreau", "novak", "olsen", "petrov",
    "quinn", "rossi", "schmidt", "silva", "sokolov", "thompson", "van-der-berg", "de-la-cruz", "vogel", "walker",
    "weber", "young", "zimmermann", "abbott", "brennan", "colombo", "duval", "eriksson", "ferrari", "gallo",
)
TITLE_WORDS = {
    "noun": ("landscape", "portrait", "still-life", "river", "garden", "harbor", "village", "church", "sea", "mountain",
             "bridge", "boats", "night", "morning", "flowers", "woman", "girl", "street", "forest", "field", "window",
             "composition", "study", "dancer", "bathers", "horses", "city", "lake", "sunset", "interior", "figure"),
    "adjective": ("red", "blue", "old", "young", "little", "quiet", "white", "golden", "green", "evening", "summer"),
}
TITLE_PATTERNS = ("{noun}", "{adjective}-{noun}", "the-{noun}", "{noun}-and-{other}", "{noun}-with-{other}", "untitled")
# fmt: on
ACCENTED_SHARE = 0.02  # of artists: enough to exercise Unicode normalisation everywhere
YEAR_SHARE, YEAR_RANGE = 0.8, (1400, 2015)
PAINTINGS_PER_ARTIST = 60  # ArtEmis: 80k paintings by 1.1k artists

# --- What carries the emotion: 3 palette families x 3 shape families, one emotion per cell ---
# fmt: off
PALETTES = {
    "warm": {"red": (210, 35, 40), "orange": (240, 130, 25), "yellow": (245, 205, 40), "pink": (235, 90, 150)},
    "cool": {"blue": (40, 90, 200), "teal": (30, 150, 150), "green": (60, 160, 80), "lavender": (150, 120, 215)},
    "dark": {"black": (25, 25, 30), "brown": (95, 60, 30), "olive": (85, 90, 35), "plum": (75, 25, 70)},
}
SHAPE_FAMILIES = {
    "round": ("circles", "rings", "dots"), "angular": ("triangles", "spikes", "zigzags"),
    "flowing": ("stripes", "waves", "streaks"),
}
EMOTION_FACTORS = {
    "amusement": ("warm", "round"), "awe": ("cool", "flowing"), "contentment": ("cool", "round"),
    "excitement": ("warm", "flowing"), "anger": ("warm", "angular"), "disgust": ("dark", "round"),
    "fear": ("dark", "angular"), "sadness": ("dark", "flowing"), "something else": ("cool", "angular"),
}
DISAGREEMENT = 0.2  # share of annotators who feel another emotion than the painting's main one
CONFUSION_WEIGHTS = {"same_palette": 2.0, "same_shape": 1.0, "something_else": 1.0}

# --- Nuisance factors, independent of the emotion ---
BACKGROUNDS = {"white": (242, 242, 238), "cream": (238, 228, 196), "beige": (215, 200, 170), "grey": (190, 190, 190)}
COMPOSITIONS = {  # region (x0, y0, x1, y1) where object centres fall, as fractions of the canvas
    "center": (0.3, 0.3, 0.7, 0.7), "left": (0.1, 0.15, 0.4, 0.85), "right": (0.6, 0.15, 0.9, 0.85),
    "top": (0.15, 0.1, 0.85, 0.4), "bottom": (0.15, 0.6, 0.85, 0.9), "scattered": (0.1, 0.1, 0.9, 0.9),
}
SCALES = {"small": 0.11, "large": 0.17}  # object radius, as a fraction of the canvas
COUNTS = {"few": (2, 3), "many": (5, 8)}
GRAINS = {"smooth": 3.0, "grainy": 14.0}  # standard deviation of the pixel noise
STYLE_TINTS = np.random.default_rng(27).integers(-10, 11, size=(len(ART_STYLES), 3))  # a fixed cast per style

# --- Words for what a painting shows ---
COLOUR_WORDS = {
    "red": ("red", "scarlet", "crimson"), "orange": ("orange", "tangerine", "amber"),
    "yellow": ("yellow", "golden", "lemon"), "pink": ("pink", "magenta", "rosy"), "blue": ("blue", "cobalt", "azure"),
    "teal": ("teal", "turquoise", "aqua"), "green": ("green", "emerald", "jade"),
    "lavender": ("lavender", "lilac", "violet"), "black": ("black", "charcoal", "inky"),
    "brown": ("brown", "muddy", "chocolate"), "olive": ("olive", "murky", "swampy"),
    "plum": ("plum", "maroon", "purple"),
}
SHAPE_WORDS = {
    "circles": ("circles", "discs", "balls"), "rings": ("rings", "hoops", "loops"), "dots": ("dots", "spots", "specks"),
    "triangles": ("triangles", "wedges", "pyramids"), "spikes": ("spikes", "star shapes", "thorns"),
    "zigzags": ("zigzags", "zigzag lines", "crooked lines"), "stripes": ("stripes", "bands", "bars"),
    "waves": ("waves", "ripples", "wavy lines"), "streaks": ("streaks", "thin lines", "strokes"),
}
FAMILY_ADJECTIVES = {
    "round": ("round", "curved", "soft", "rounded"), "angular": ("sharp", "jagged", "pointy", "angular"),
    "flowing": ("long", "flowing", "sweeping", "parallel"),
}
LIKENESSES = {
    "circles": ("balloons at a party", "coins", "soap bubbles", "planets"),
    "rings": ("wedding rings", "halos", "donuts", "bracelets"),
    "dots": ("confetti", "sprinkles on a cake", "polka dots", "a swarm of bees"),
    "triangles": ("mountains", "arrowheads", "sails on the water", "broken glass"),
    "spikes": ("thorns on a rose", "teeth", "claws", "shattered glass"),
    "zigzags": ("lightning", "the teeth of a saw", "cracks in a wall", "a heartbeat on a monitor"),
    "stripes": ("ribbons", "a flag", "wooden planks", "the bars of a cage"),
    "waves": ("the sea", "snakes", "rolling hills", "a river"),
    "streaks": ("rain", "scratches", "falling tears", "shooting stars"),
}
BACKGROUND_WORDS = {
    "white": ("white", "milky"), "cream": ("cream", "ivory"), "beige": ("beige", "sandy", "tan"),
    "grey": ("grey", "gray", "silver"),
}
PLACE_PHRASES = {
    "center": ("in the center", "in the middle", "at the center of the canvas"),
    "left": ("on the left", "on the left side", "to the left"),
    "right": ("on the right", "on the right side", "to the right"),
    "top": ("at the top", "near the top", "in the upper part"),
    "bottom": ("at the bottom", "near the bottom", "in the lower part"),
    "scattered": ("all over the canvas", "scattered around", "everywhere"),
}
SIZE_WORDS = {"small": ("small", "tiny", "little"), "large": ("large", "big", "huge")}
COUNT_WORDS = {"few": ("a few", "a couple of", "two or three"), "many": ("many", "lots of", "plenty of")}
GRAIN_WORDS = {"smooth": ("smooth", "clean", "flat"), "grainy": ("grainy", "rough", "speckled")}

# --- Words for the emotion an annotator felt; none is one of the nine names, which only {noun} may bring ---
FEELINGS = {  # "makes me feel ..."
    "amusement": ("amused", "entertained", "playful", "cheerful", "giddy", "tickled"),
    "awe": ("amazed", "astonished", "awestruck", "humbled", "speechless", "dazzled"),
    "contentment": ("calm", "peaceful", "relaxed", "content", "serene", "comforted"),
    "excitement": ("excited", "thrilled", "energized", "pumped", "exhilarated", "eager"),
    "anger": ("angry", "furious", "irritated", "annoyed", "enraged", "frustrated"),
    "disgust": ("disgusted", "repulsed", "nauseous", "queasy", "sickened", "grossed out"),
    "fear": ("scared", "afraid", "frightened", "terrified", "nervous", "anxious"),
    "sadness": ("sad", "gloomy", "depressed", "lonely", "heartbroken", "miserable"),
    "something else": ("confused", "puzzled", "curious", "indifferent", "nostalgic", "intrigued"),
}
QUALITIES = {  # "it's so ..."
    "amusement": ("funny", "silly", "whimsical", "comical", "goofy", "humorous"),
    "awe": ("majestic", "breathtaking", "magnificent", "grand", "sublime", "stunning"),
    "contentment": ("soothing", "tranquil", "gentle", "pleasant", "cozy", "harmonious"),
    "excitement": ("lively", "vibrant", "energetic", "dynamic", "exciting", "electric"),
    "anger": ("aggressive", "hostile", "violent", "harsh", "chaotic", "brutal"),
    "disgust": ("gross", "revolting", "nasty", "repulsive", "sickening", "filthy"),
    "fear": ("creepy", "ominous", "menacing", "eerie", "sinister", "threatening"),
    "sadness": ("bleak", "somber", "dreary", "mournful", "sorrowful", "desolate"),
    "something else": ("strange", "odd", "weird", "ambiguous", "unusual", "puzzling"),
}
EMOTION_NOUNS = {  # "a sense of ..."; NAME_SHARE of these slots take the emotion's own name instead
    "amusement": ("fun", "humor", "laughter", "playfulness", "delight"),
    "awe": ("wonder", "amazement", "admiration", "reverence"),
    "contentment": ("peace", "calm", "serenity", "comfort", "tranquility"),
    "excitement": ("energy", "thrill", "enthusiasm", "exhilaration"),
    "anger": ("rage", "fury", "frustration", "irritation", "hostility"),
    "disgust": ("revulsion", "nausea", "distaste", "repulsion"),
    "fear": ("dread", "terror", "anxiety", "panic", "unease"),
    "sadness": ("sorrow", "grief", "melancholy", "despair", "loneliness"),
    "something else": ("curiosity", "confusion", "nostalgia", "indifference", "bewilderment"),
}
REACTIONS = {  # "this painting ..."
    "amusement": ("makes me smile", "makes me laugh", "cracks me up", "cheers me up"),
    "awe": ("takes my breath away", "leaves me speechless", "amazes me", "blows me away"),
    "contentment": ("relaxes me", "calms me down", "puts me at ease", "soothes me"),
    "excitement": ("gets my heart racing", "energizes me", "wakes me up", "pumps me up"),
    "anger": ("makes my blood boil", "irritates me", "annoys me", "infuriates me"),
    "disgust": ("turns my stomach", "makes me sick", "grosses me out", "repels me"),
    "fear": ("gives me chills", "makes me nervous", "unsettles me", "frightens me"),
    "sadness": ("breaks my heart", "brings me down", "makes me want to cry", "depresses me"),
    "something else": ("leaves me puzzled", "confuses me", "makes me ponder", "intrigues me"),
}
NAME_SHARE = 0.7

# --- Sentence patterns; only SIMILE_PATTERNS hold a simile phrase ("looks like", "reminds me", "could be" ...) ---
PLAIN_PATTERNS = (
    "the {colour} {shape} {place} make me feel {feeling}",
    "{count} {size} {colour} {shape} on the {background} background, it's so {quality}",
    "i feel {feeling} looking at the {adjective} {colour} {shape} {place}",
    "the way the {shape} are placed {place} {reaction}",
    "there is a sense of {noun} in these {colour} and {colour2} {shape}",
    "the contrast of the {colour} {shape} and the {background} background {reaction}",
    "this painting {reaction} because of the {size} {colour} {shape} {place}",
    "i'm {feeling}, the {adjective} {shape} {place} feel so {quality}",
    "the {grain} {background} background and the {colour} {shape} give me a feeling of {noun}",
    "{count} {adjective} {shape} {place}, the whole thing feels {quality} to me",
    "i don't know why but the {colour} {shape} make me feel {feeling}",
    "the artist used {colour} and {colour2} for the {shape} and it {reaction}",
    "those {size} {shape} {place} fill me with {noun}",
    "the colors are {colour} and {colour2} and the shapes are {adjective}, very {quality}",
    "this is so {quality}, the {colour} {shape} {place} stand out against the {background}",
    "i can't stop feeling {feeling} when i see the {colour} {shape} {place}",
    "the {shape} are {colour} and {size}, which {reaction}",
    "{colour} {shape} on {grain} {background}, i feel {feeling}",
    "the {adjective} {shape} and the {colour} tones create a mood of {noun}",
    "it's the {colour} {shape} {place} that make me {feeling}",
    "i sense {noun} in the {adjective} {colour} {shape}",
    "there's something {quality} about the {size} {colour} {shape} {place}",
    "the painting feels {quality} with its {size} {colour} {shape} and {grain} background",
    "i feel {feeling} seeing how the {colour} {shape} sit {place}",
    "{count} {colour} {shape} {place} over the {background} background, it {reaction}",
    "the {colour} palette and {adjective} forms bring a feeling of {noun}",
    "the mix of {colour} and {colour2} {reaction}, and the {shape} add to it",
    "i get a sense of {noun} from the {size} {shape} {place}",
    "the {shape} {place} are painted in {colour}, it feels {quality}",
    "the {grain} texture and {colour} {shape} make this feel {quality}",
    "this image {reaction}: {colour} {shape} {place} on the {background} background",
    "all these {adjective} {colour} shapes {place} leave me {feeling}",
    "the {colour} {shape} seem to float {place}, i feel {feeling}",
    "i didn't expect to feel {noun} from {count} {colour} {shape}",
    "{feeling}, that's how the {adjective} {colour} {shape} make me feel",
    "the composition with the {shape} {place} is {quality} and {reaction}",
    "nothing but {colour} {shape} and a lot of {noun}",
    "the {size} {colour} {shape} give the painting a mood of {noun}",
    "the first thing i noticed were the {size} {colour} {shape} {place}, and the longer i look the more {feeling}"
    " i feel",
    "with {count} {colour} {shape} {place} and the {grain} {background} background, the whole painting feels {quality}"
    " and it {reaction}",
    "i love how the artist placed the {adjective} {colour} {shape} {place}, there is so much {noun} in such a simple"
    " composition",
    "the {colour} and {colour2} {shape} against the {background} background give this painting a mood that is {quality}"
    " and leaves me {feeling}",
    "even though it is just {count} {size} {shape} in {colour}, i feel {feeling} every time i look at this painting",
    "the {grain} texture of the {background} background makes the {colour} {shape} {place} stand out, and that"
    " {reaction}",
)
SIMILE_PATTERNS = (
    "the {colour} {shape} look like {likeness}, it {reaction}",
    "this reminds me of {likeness}, {colour} and {quality}",
    "the {colour} {shape} {place}, it looks like {likeness} and i feel {feeling}",
    "it is like {likeness} on the {background} background, very {quality}",
    "the {adjective} {shape} are like {likeness}, which fills me with {noun}",
    "it seems like {likeness} in {colour}, i feel {feeling}",
    "those {size} {shape} remind me of {likeness} and it {reaction}",
    "the painting resembles {likeness}, so {quality} with all the {colour}",
    "the {colour} {shape} appear to be {likeness} and that {reaction}",
    "i think of {likeness} when i see the {colour} {shape}, so {quality}",
    "the {shape} could be {likeness}, the {colour} tones feel {quality}",
    "{count} {colour} {shape} resembling {likeness}, pure {noun}",
)
SHORT_PATTERNS = ("so {quality}", "{quality} {shape}", "pure {noun}", "{colour} means {noun}", "i feel {feeling}")
LONG_PATTERNS = (
    "at first i only noticed the {size} {colour} {shape} {place}, but the longer i look at the {grain} {background}"
    " background and the way everything is arranged, the more this painting {reaction} and leaves me {feeling}",
    "i have been staring at this for a while and i still feel {feeling}, maybe it is the {colour} and {colour2}"
    " {shape}, maybe the {adjective} forms {place}, or maybe the {grain} {background} background that makes"
    " the whole scene so {quality}",
    "there are {count} {size} {shape} in {colour} and {colour2} sitting {place} on top of the {grain} {background}"
    " background, and honestly the whole composition gives me a deep feeling of {noun} that i can't quite explain",
    "when i look at the {adjective} {colour} {shape} {place} i feel {feeling}, and the more details i notice"
    " in the {grain} background and the {colour2} accents, the stronger this feeling of {noun} becomes for me",
)
# fmt: on
PATTERN_GROUPS = ((PLAIN_PATTERNS, 0.73), (SIMILE_PATTERNS, 0.20), (SHORT_PATTERNS, 0.03), (LONG_PATTERNS, 0.04))
SENTENCE_PATTERNS = tuple(pattern for patterns, _ in PATTERN_GROUPS for pattern in patterns)
CAPITAL_I_PATTERNS = tuple(re.sub(r"\bi\b", "I", pattern) for pattern in SENTENCE_PATTERNS)
CAPITALISED_SHARE = 0.35
ENDINGS, ENDING_WEIGHTS = ("", ".", "!", "..."), (0.35, 0.5, 0.1, 0.05)
MISSPELLED_SHARE = 0.01
SIMILE_WORDS = {"looks", "look", "reminds", "remind", "seems", "resembles", "resembling", "appear", "could", "think"}


@dataclass
class SyntheticRelease:
    """Where a synthetic release was written, and the figures worth reporting about it."""

    csv_path: Path
    images_dir: Path | None
    paintings_path: Path  # one row per painting: id, split, main emotion and every factor of its image
    num_paintings: int
    num_annotations: int
    num_artists: int
    split_sizes: dict[str, int]
    bayes_accuracy: float  # best expected accuracy of any model predicting an annotation's emotion from its painting
    bayes_majority_accuracy: float  # the same for the strict-majority emotion, over paintings that have one
    expected_majority_share: float  # expected share of paintings with a strict-majority emotion
    agreement: float  # observed share of annotations that feel the painting's main emotion
    emotion_name_share: float  # of utterances naming one of the nine emotions
    simile_share: float
    misspelled_share: float
    num_sentence_patterns: int
    seconds: float

    def to_dict(self) -> dict:
        return {key: str(value) if isinstance(value, Path) else value for key, value in asdict(self).items()}


def is_synthetic_release(csv_path) -> bool:
    """Whether a release CSV was written by `make_synthetic_release` (its painting factors lie beside it)."""
    return Path(csv_path).with_name(PAINTINGS_NAME).is_file()


def results_dataset_name(csv_path) -> str:
    """The dataset name for results on this release: "ArtEmis", or `SYNTHETIC_DATASET_NAME` for a synthetic one."""
    return SYNTHETIC_DATASET_NAME if is_synthetic_release(csv_path) else "ArtEmis"


def make_synthetic_release(
    output_dir: str | os.PathLike,
    num_paintings: int = 2_000,
    num_annotations: int | None = None,
    min_annotations: int = 5,
    max_annotations: int = 7,
    image_size: int = 64,
    with_images: bool = True,
    seed: int = 0,
    num_workers: int | None = None,
) -> SyntheticRelease:
    """Write `artemis_dataset_release_v0.csv`, `synthetic_paintings.csv` and `images/<art_style>/<painting>.jpg`.

    `num_annotations`, when given, fixes the total exactly, each painting keeping min..max annotations. The output
    depends on the arguments only, not on `num_workers` (processes drawing images; default: the CPU count, up to 8).
    """
    start = time.perf_counter()
    _check_arguments(num_paintings, num_annotations, min_annotations, max_annotations, image_size)
    rng = np.random.default_rng(seed)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)

    paintings = _draw_paintings(rng, num_paintings)
    counts = _annotation_counts(rng, num_paintings, num_annotations, min_annotations, max_annotations)
    paintings["repetition"] = counts
    owner = np.repeat(np.arange(num_paintings), counts)  # the painting of each annotation
    main = pd.Index(EMOTIONS).get_indexer(paintings["emotion"])
    confusion = _confusion_matrix()
    felt = _sample_rows(rng, confusion[main[owner]])
    utterances, flags = _utterances(rng, paintings, owner, felt)

    images_dir = output_dir / "images" if with_images else None
    if images_dir is not None:
        _write_images(paintings, images_dir, image_size, seed, num_workers or min(os.cpu_count() or 1, 8))
    columns = {
        "art_style": paintings["art_style"].to_numpy()[owner],
        "painting": paintings["painting"].to_numpy()[owner],
        "emotion": _names(EMOTIONS, felt),
        "utterance": utterances,
        "repetition": counts[owner],
    }
    paintings.to_csv(output_dir / PAINTINGS_NAME, index=False, lineterminator="\n")
    # Written last, so that its presence means a complete release. Object columns: Arrow strings cost more here.
    pd.DataFrame(columns, dtype=object).to_csv(output_dir / CSV_NAME, index=False, lineterminator="\n")
    return SyntheticRelease(
        csv_path=output_dir / CSV_NAME,
        images_dir=images_dir,
        paintings_path=output_dir / PAINTINGS_NAME,
        num_paintings=num_paintings,
        num_annotations=len(owner),
        num_artists=paintings["artist"].nunique(),
        split_sizes={split: int(size) for split, size in paintings["split"].value_counts().items()},
        **_bayes_ceilings(confusion, main, counts),
        agreement=float(np.mean(felt == main[owner])),
        **{f"{name}_share": float(np.mean(flag)) for name, flag in flags.items()},
        num_sentence_patterns=len(SENTENCE_PATTERNS),
        seconds=round(time.perf_counter() - start, 3),
    )


def _check_arguments(
    num_paintings: int, num_annotations: int | None, min_annotations: int, max_annotations: int, image_size: int
) -> None:
    if num_paintings < 1 or image_size < 8:
        raise ValueError(f"num_paintings must be >= 1 and image_size >= 8, got {num_paintings} and {image_size}")
    if not 1 <= min_annotations <= max_annotations:
        raise ValueError(f"Need 1 <= min_annotations <= max_annotations, got {min_annotations} and {max_annotations}")
    low, high = num_paintings * min_annotations, num_paintings * max_annotations
    if num_annotations is not None and not low <= num_annotations <= high:
        raise ValueError(
            f"num_annotations={num_annotations} is infeasible: num_paintings={num_paintings} with min_annotations="
            f"{min_annotations} and max_annotations={max_annotations} allow {low} to {high} annotations"
        )


def _names(vocabulary, indices: np.ndarray) -> np.ndarray:
    return np.asarray(list(vocabulary), dtype=object)[indices]


def _draw_paintings(rng: np.random.Generator, n: int) -> pd.DataFrame:
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
        "emotion": _names(EMOTIONS, emotion), "colour": colours[palette, colour], "colour2": colours[palette, colour2],
        "shape": shapes[family, rng.integers(shapes.shape[1], size=n)],
        "background": _names(BACKGROUNDS, background), "composition": _names(COMPOSITIONS, composition),
        "scale": _names(SCALES, scale), "count": _names(COUNTS, rng.integers(len(COUNTS), size=n)),
        "grain": _names(GRAINS, rng.integers(len(GRAINS), size=n)),
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
    first, last = np.divmod(rng.choice(len(FIRST_NAMES) * len(LAST_NAMES), num_artists, replace=False), len(LAST_NAMES))
    first = _names(FIRST_NAMES, first)
    accented = rng.choice(num_artists, size=max(1, round(ACCENTED_SHARE * num_artists)), replace=False)
    first[accented] = _names(ACCENTED_FIRST_NAMES, rng.integers(len(ACCENTED_FIRST_NAMES), size=len(accented)))
    artists = np.array([unicodedata.normalize("NFC", f"{a}-{b}") for a, b in zip(first, _names(LAST_NAMES, last))])
    artist_style = rng.permutation(np.arange(num_artists) % len(ART_STYLES))  # every style has artists

    artist = rng.integers(num_artists, size=n)
    words = {**TITLE_WORDS, "other": TITLE_WORDS["noun"]}
    slots = {slot: _names(options, rng.integers(len(options), size=n)) for slot, options in words.items()}
    title = _fill_patterns(rng.integers(len(TITLE_PATTERNS), size=n), TITLE_PATTERNS, slots)
    year = np.where(rng.random(n) < YEAR_SHARE, "-" + rng.integers(*YEAR_RANGE, size=n).astype(str).astype(object), "")
    names = artists.astype(object)[artist] + "_" + title + year
    styles = _names(ART_STYLES, artist_style[artist])
    # WikiArt numbers repeated names; a year has four digits, so "-<k>" cannot clash with another name.
    codes, _ = pd.factorize(styles + "/" + names)
    repeat = pd.Series(codes).groupby(codes).cumcount().to_numpy()
    names = np.where(repeat > 0, names + "-" + repeat.astype(str).astype(object), names)
    return styles, artists[artist], names


def _annotation_counts(rng: np.random.Generator, n: int, total: int | None, low: int, high: int) -> np.ndarray:
    """Annotations per painting, in [low, high]; a given `total` is met by filling that many optional slots."""
    if total is None:
        return rng.integers(low, high + 1, size=n)
    spare = high - low  # optional slots per painting
    filled = rng.choice(n * spare, size=total - n * low, replace=False)
    return low + np.bincount(filled // max(spare, 1), minlength=n)


def _confusion_matrix() -> np.ndarray:
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


def _sample_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (rows, k) probability matrix."""
    return (rng.random((len(probabilities), 1)) > probabilities.cumsum(axis=1)[:, :-1]).sum(axis=1)


def _bayes_ceilings(confusion: np.ndarray, main: np.ndarray, counts: np.ndarray) -> dict[str, float]:
    """Exact ceilings for the drawn paintings, from the confusion matrix (the image reveals the main emotion).

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


def _utterances(rng: np.random.Generator, paintings: pd.DataFrame, owner: np.ndarray, felt: np.ndarray):
    """An utterance per annotation (of painting `owner`, feeling `felt`), and flags of what each one shows."""
    slots, named = _utterance_slots(rng, paintings, owner, felt)
    group_sizes = np.array([len(patterns) for patterns, _ in PATTERN_GROUPS])
    group = rng.choice(len(PATTERN_GROUPS), size=len(felt), p=[share for _, share in PATTERN_GROUPS])
    pattern = (np.cumsum(group_sizes) - group_sizes)[group] + (rng.random(len(felt)) * group_sizes[group]).astype(int)
    capitalised = rng.random(len(felt)) < CAPITALISED_SHARE
    text = _fill_patterns(pattern + capitalised * len(SENTENCE_PATTERNS), SENTENCE_PATTERNS + CAPITAL_I_PATTERNS, slots)

    misspelled = np.zeros(len(text), dtype=bool)
    for row in np.flatnonzero(rng.random(len(text)) < MISSPELLED_SHARE):  # ~1% of the rows: a loop is cheap
        text[row], misspelled[row] = _misspell(text[row], rng)
    text[capitalised] = [sentence[:1].upper() + sentence[1:] for sentence in text[capitalised]]
    text = text + _names(ENDINGS, rng.choice(len(ENDINGS), size=len(text), p=ENDING_WEIGHTS))
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
    slots["noun"] = np.where(named, _names(EMOTIONS, felt), felt_as(EMOTION_NOUNS))
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


# --- Images ---
COLOUR_RGB = {name: rgb for palette in PALETTES.values() for name, rgb in palette.items()}
JPEG_QUALITY = 90
CHUNK_SIZE = 64  # paintings per process-pool task


def _write_images(paintings: pd.DataFrame, images_dir: Path, image_size: int, seed: int, num_workers: int) -> None:
    """Draw every painting to `<images_dir>/<art_style>/<painting>.jpg`, each from its own random stream."""
    for style in paintings["art_style"].unique():
        (images_dir / style).mkdir(parents=True, exist_ok=True)
    paths = [str(images_dir / style / f"{name}.jpg") for style, name in paintings[["art_style", "painting"]].values]
    jobs = list(enumerate(zip(paintings.to_dict("records"), paths)))
    chunks = [(jobs[i : i + CHUNK_SIZE], image_size, seed) for i in range(0, len(jobs), CHUNK_SIZE)]
    if num_workers <= 1 or len(chunks) == 1:
        for chunk in chunks:
            _draw_chunk(chunk)
        return
    # Fork where available: the workers need this module's constants only, and a fresh interpreter would re-import
    # the whole package (transformers included) in every worker.
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    with ProcessPoolExecutor(num_workers, mp_context=context) as pool:
        list(pool.map(_draw_chunk, chunks))


def _draw_chunk(chunk: tuple[list, int, int]) -> None:
    jobs, image_size, seed = chunk
    for index, (painting, path) in jobs:
        _draw_painting(painting, image_size, np.random.default_rng([seed, index])).save(path, quality=JPEG_QUALITY)


def _draw_painting(painting: dict, image_size: int, rng: np.random.Generator) -> Image.Image:
    canvas = 2 * image_size  # drawn at twice the size, then halved: anti-aliased edges
    image = Image.new("RGB", (canvas, canvas), BACKGROUNDS[painting["background"]])
    draw = ImageDraw.Draw(image)
    low, high = np.reshape(COMPOSITIONS[painting["composition"]], (2, 2)) * canvas
    angle = rng.uniform(0, np.pi)  # one direction per painting: flowing shapes run parallel
    colours = np.array([COLOUR_RGB[painting["colour"]], COLOUR_RGB[painting["colour2"]]])
    fewest, most = COUNTS[painting["count"]]
    for _ in range(rng.integers(fewest, most + 1)):
        fill = tuple(np.clip(colours[int(rng.random() < 1 / 3)] + rng.integers(-15, 16, size=3), 0, 255).tolist())
        radius = SCALES[painting["scale"]] * canvas * rng.uniform(0.8, 1.2)
        _draw_object(draw, rng, painting["shape"], rng.uniform(low, high), radius, angle, fill)
    tint = STYLE_TINTS[ART_STYLES.index(painting["art_style"])]
    noise = rng.normal(0.0, GRAINS[painting["grain"]], size=(image_size, image_size, 3))
    pixels = np.asarray(image.reduce(2), dtype=np.float64) + tint + noise
    return Image.fromarray(np.clip(pixels, 0, 255).round().astype(np.uint8), mode="RGB")


def _draw_object(draw: ImageDraw.ImageDraw, rng: np.random.Generator, shape: str, centre: np.ndarray, r: float,
                 angle: float, fill: tuple[int, int, int]) -> None:  # fmt: skip
    """One object of a shape variant; each covers about 1.5 r^2, so that how much colour shows says little of shape."""
    match shape:
        case "circles":
            draw.ellipse([*(centre - 0.7 * r), *(centre + 0.7 * r)], fill=fill)
        case "rings":
            draw.ellipse([*(centre - r), *(centre + r)], outline=fill, width=round(0.3 * r))
        case "dots":
            for dot in centre + rng.normal(0.0, 0.7 * r, size=(3, 2)):
                draw.ellipse([*(dot - 0.4 * r), *(dot + 0.4 * r)], fill=fill)
        case "triangles":
            draw.polygon(_star(rng, centre, 1.07 * r, points=3, inner=0.5), fill=fill)
        case "spikes":
            draw.polygon(_star(rng, centre, 1.3 * r, points=5, inner=0.35), fill=fill)
        case "zigzags":
            along, across = np.linspace(-1.8, 1.8, 5) * r, np.array([1, -1, 1, -1, 1]) * 0.5 * r
            draw.line(_place(centre, rng.uniform(0, np.pi), along, across), fill=fill, width=round(0.4 * r))
        case "stripes":
            draw.line(_place(centre, angle, np.array([-1.5, 1.5]) * r, np.zeros(2)), fill=fill, width=round(0.5 * r))
        case "waves":
            along = np.linspace(-1.75, 1.75, 17) * r
            across = 0.35 * r * np.sin(1.5 * np.pi * along / (1.75 * r))
            draw.line(_place(centre, angle, along, across), fill=fill, width=round(0.35 * r), joint="curve")
        case "streaks":
            for offset in (-0.6, 0.0, 0.6):
                line = _place(centre, angle, np.array([-1.5, 1.5]) * r, np.full(2, offset * r))
                draw.line(line, fill=fill, width=round(0.2 * r))
        case _:
            raise ValueError(f"Unknown shape {shape!r}; expected one of {list(SHAPE_WORDS)}")


def _place(centre: np.ndarray, angle: float, along: np.ndarray, across: np.ndarray) -> list[tuple[float, float]]:
    """Points given along and across a direction `angle` from `centre`, as PIL wants them."""
    direction, normal = np.array([np.cos(angle), np.sin(angle)]), np.array([-np.sin(angle), np.cos(angle)])
    return [tuple(point) for point in (centre + np.outer(along, direction) + np.outer(across, normal)).tolist()]


def _star(rng: np.random.Generator, centre: np.ndarray, r: float, points: int, inner: float) -> list[tuple]:
    """A star polygon turned at random; `points=3, inner=0.5` is a triangle (its inner vertices lie on its edges)."""
    turns = rng.uniform(0, 2 * np.pi) + np.arange(2 * points) * np.pi / points
    lengths = np.where(np.arange(2 * points) % 2 == 0, r, inner * r)
    return _place(centre, 0.0, lengths * np.cos(turns), lengths * np.sin(turns))
