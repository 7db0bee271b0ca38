"""A synthetic ArtEmis release: same CSV columns and image layout, drawn procedurally, honest to learn from.

Generative model, per painting:
- a main emotion, uniform over the nine. Each emotion is one cell of 3 palette families x 3 shape families
  (`EMOTION_FACTORS`), so colour alone or shape alone narrows it down to three emotions at best;
- its image: objects of one shape variant in two colours of the palette family, plus nuisance factors drawn
  independently of the emotion: background, composition, object scale and count, grain, and a per-style tint.
  Validation and test paintings (those `split_paintings` puts there, with its default fractions and seed) use
  (background, composition, scale) combinations never used in training, so held-out scores measure generalisation;
- min..max annotations. An annotator feels the main emotion with probability 1 - `DISAGREEMENT`, otherwise an emotion
  sharing the palette or the shape family, or "something else" (`_confusion_matrix`). The Bayes ceilings follow
  exactly from that matrix, because the image determines the main emotion and nothing else informs an annotation;
- each utterance fills one of `SENTENCE_PATTERNS` with words for what is drawn in that painting (colours, shapes,
  placement, size, count, background, grain) and for the emotion that annotator felt.
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
PAINTINGS_NAME = "synthetic_paintings.csv"  # painting-level factors, for tests and analysis; not part of a release

ART_STYLES: tuple[str, ...] = (
    "Abstract_Expressionism", "Action_painting", "Analytical_Cubism", "Art_Nouveau_Modern", "Baroque",
    "Color_Field_Painting", "Contemporary_Realism", "Cubism", "Early_Renaissance", "Expressionism", "Fauvism",
    "High_Renaissance", "Impressionism", "Mannerism_Late_Renaissance", "Minimalism", "Naive_Art_Primitivism",
    "New_Realism", "Northern_Renaissance", "Pointillism", "Pop_Art", "Post_Impressionism", "Realism", "Rococo",
    "Romanticism", "Symbolism", "Synthetic_Cubism", "Ukiyo_e",
)  # fmt: skip

# --- Painting names: "<artist>_<title>-<year>", as WikiArt spells them ---
FIRST_NAMES = (
    "anna", "claude", "pierre", "maria", "paul", "henri", "vincent", "egon", "frida", "gustav", "ivan", "jan", "karl",
    "lucas", "marc", "nicolas", "pablo", "piet", "sofia", "thomas", "alfred", "camille", "edgar", "georges", "hans",
    "joan", "kazimir", "mary", "natalia", "oskar", "rosa", "william", "zinaida", "albert", "helen", "louis",
)  # fmt: skip
ACCENTED_FIRST_NAMES = ("eugène", "andré", "théodore", "françois", "jérôme", "rené", "édouard", "józef", "léon", "zoë")
ACCENTED_SHARE = 0.02  # of artists, so that Unicode normalisation is exercised
LAST_NAMES = (
    "albers", "baker", "bellini", "berger", "carter", "castro", "costa", "dubois", "ernst", "fischer", "garnier",
    "hartmann", "ivanov", "jansen", "keller", "larsen", "lopez", "marchand", "moreau", "novak", "olsen", "petrov",
    "quinn", "rossi", "schmidt", "silva", "sokolov", "thompson", "van-der-berg", "de-la-cruz", "vogel", "walker",
    "weber", "young", "zimmermann", "abbott", "brennan", "colombo", "duval", "eriksson", "ferrari", "gallo",
)  # fmt: skip
TITLE_NOUNS = (
    "landscape", "portrait", "still-life", "river", "garden", "harbor", "village", "church", "sea", "mountain",
    "bridge", "boats", "night", "morning", "flowers", "woman", "girl", "street", "forest", "field", "window",
    "composition", "study", "dancer", "bathers", "horses", "city", "lake", "sunset", "interior", "figure", "fruit",
)  # fmt: skip
TITLE_ADJECTIVES = ("red", "blue", "old", "young", "little", "quiet", "white", "golden", "green", "evening", "summer")
TITLE_PATTERNS = ("{noun}", "{adjective}-{noun}", "the-{noun}", "{noun}-and-{other}", "{noun}-with-{other}", "untitled")
YEAR_SHARE, YEAR_RANGE = 0.8, (1400, 2015)
PAINTINGS_PER_ARTIST = 60  # about ArtEmis' 80k paintings by 1.1k artists

# --- What carries the emotion: 3 palette families x 3 shape families ---
PALETTES: dict[str, dict[str, tuple[int, int, int]]] = {
    "warm": {"red": (210, 35, 40), "orange": (240, 130, 25), "yellow": (245, 205, 40), "pink": (235, 90, 150)},
    "cool": {"blue": (40, 90, 200), "teal": (30, 150, 150), "green": (60, 160, 80), "lavender": (150, 120, 215)},
    "dark": {"black": (25, 25, 30), "brown": (95, 60, 30), "olive": (85, 90, 35), "plum": (75, 25, 70)},
}
SHAPE_FAMILIES: dict[str, tuple[str, ...]] = {
    "round": ("circles", "rings", "dots"),
    "angular": ("triangles", "spikes", "zigzags"),
    "flowing": ("stripes", "waves", "streaks"),
}
EMOTION_FACTORS: dict[str, tuple[str, str]] = {
    "amusement": ("warm", "round"), "awe": ("cool", "flowing"), "contentment": ("cool", "round"),
    "excitement": ("warm", "flowing"), "anger": ("warm", "angular"), "disgust": ("dark", "round"),
    "fear": ("dark", "angular"), "sadness": ("dark", "flowing"), "something else": ("cool", "angular"),
}  # fmt: skip
COLOURS = [colour for family in PALETTES.values() for colour in family]
SHAPES = [shape for family in SHAPE_FAMILIES.values() for shape in family]
COLOURS_PER_PALETTE, SHAPES_PER_FAMILY = 4, 3

# --- Nuisance factors, independent of the emotion ---
BACKGROUNDS = {"white": (242, 242, 238), "cream": (238, 228, 196), "beige": (215, 200, 170), "grey": (190, 190, 190)}
COMPOSITIONS = {  # region (x0, y0, x1, y1) where object centres fall, as fractions of the canvas
    "center": (0.3, 0.3, 0.7, 0.7), "left": (0.1, 0.15, 0.4, 0.85), "right": (0.6, 0.15, 0.9, 0.85),
    "top": (0.15, 0.1, 0.85, 0.4), "bottom": (0.15, 0.6, 0.85, 0.9), "scattered": (0.1, 0.1, 0.9, 0.9),
}  # fmt: skip
SCALES = {"small": 0.09, "large": 0.15}  # object radius, as a fraction of the canvas
COUNTS = {"few": (2, 3), "many": (5, 8)}
GRAINS = {"smooth": 3.0, "grainy": 14.0}  # standard deviation of the pixel noise
STYLE_TINTS = np.random.default_rng(27).integers(-10, 11, size=(len(ART_STYLES), 3))  # a fixed cast per style
DISAGREEMENT = 0.2
CONFUSION_WEIGHTS = {"same_palette": 2.0, "same_shape": 1.0, "something_else": 1.0}

# --- Words for what is drawn ---
COLOUR_WORDS = {
    "red": ("red", "scarlet", "crimson"), "orange": ("orange", "tangerine", "amber"),
    "yellow": ("yellow", "golden", "lemon"), "pink": ("pink", "magenta", "rosy"), "blue": ("blue", "cobalt", "azure"),
    "teal": ("teal", "turquoise", "aqua"), "green": ("green", "emerald", "jade"),
    "lavender": ("lavender", "lilac", "violet"), "black": ("black", "charcoal", "inky"),
    "brown": ("brown", "muddy", "chocolate"), "olive": ("olive", "murky", "swampy"), "plum": ("plum", "maroon", "purple"),
}  # fmt: skip
SHAPE_WORDS = {
    "circles": ("circles", "discs", "balls"), "rings": ("rings", "hoops", "loops"), "dots": ("dots", "spots", "specks"),
    "triangles": ("triangles", "wedges", "pyramids"), "spikes": ("spikes", "spiky stars", "thorns"),
    "zigzags": ("zigzags", "jagged lines", "zigzag lines"), "stripes": ("stripes", "bands", "bars"),
    "waves": ("waves", "ripples", "wavy lines"), "streaks": ("streaks", "thin lines", "strokes"),
}  # fmt: skip
SHAPE_ADJECTIVES = {
    "round": ("round", "curved", "soft", "rounded"), "angular": ("sharp", "jagged", "pointy", "angular"),
    "flowing": ("long", "flowing", "sweeping", "parallel"),
}  # fmt: skip
LIKENESSES = {
    "circles": ("balloons at a party", "coins", "soap bubbles", "planets"),
    "rings": ("wedding rings", "halos", "donuts", "ripples in a pond"),
    "dots": ("confetti", "sprinkles on a cake", "polka dots", "a swarm of bees"),
    "triangles": ("mountains", "arrowheads", "sails on the water", "broken glass"),
    "spikes": ("thorns on a rose", "teeth", "claws", "shattered glass"),
    "zigzags": ("lightning", "the teeth of a saw", "cracks in a wall", "a heartbeat on a monitor"),
    "stripes": ("ribbons", "a flag", "wooden planks", "the bars of a cage"),
    "waves": ("the sea", "snakes", "rolling hills", "a river"),
    "streaks": ("rain", "scratches", "falling tears", "shooting stars"),
}  # fmt: skip
BACKGROUND_WORDS = {"white": ("white", "pale"), "cream": ("cream", "ivory"), "beige": ("beige", "sandy", "tan"),
                    "grey": ("grey", "gray", "silver")}  # fmt: skip
PLACE_PHRASES = {
    "center": ("in the center", "in the middle", "at the center of the canvas"),
    "left": ("on the left", "on the left side", "to the left"),
    "right": ("on the right", "on the right side", "to the right"),
    "top": ("at the top", "near the top", "in the upper part"),
    "bottom": ("at the bottom", "near the bottom", "in the lower part"),
    "scattered": ("all over the canvas", "scattered around", "everywhere"),
}  # fmt: skip
SIZE_WORDS = {"small": ("small", "tiny", "little"), "large": ("large", "big", "huge")}
COUNT_WORDS = {"few": ("a few", "a couple of", "two or three"), "many": ("many", "lots of", "plenty of")}
GRAIN_WORDS = {"smooth": ("smooth", "clean", "flat"), "grainy": ("grainy", "rough", "speckled")}

# --- Words for the emotion an annotator felt (none of them is one of the nine names) ---
FEELINGS = {  # how the viewer feels: "makes me feel ..."
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
QUALITIES = {  # how the painting is: "it's so ..."
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
EMOTION_NOUNS = {
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
REACTIONS = {  # third person singular: "this painting ..."
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
NAME_SHARE = 0.7  # of {noun} slots filled with the emotion's own name rather than a synonym

# --- Sentence patterns. Only SIMILE_PATTERNS contain a simile phrase ("looks like", "reminds me", ...). ---
PLAIN_PATTERNS = (
    "the {colour} {shape} {place} make me feel {feeling}",
    "{count} {size} {colour} {shape} on the {background} background, it's so {quality}",
    "i feel {feeling} looking at the {shape_adjective} {colour} {shape} {place}",
    "the way the {shape} are placed {place} {reaction}",
    "there is a sense of {noun} in these {colour} and {colour2} {shape}",
    "the contrast of the {colour} {shape} and the {background} background {reaction}",
    "this painting {reaction} because of the {size} {colour} {shape} {place}",
    "i'm {feeling}, the {shape_adjective} {shape} {place} feel so {quality}",
    "the {grain} {background} background and the {colour} {shape} give me a feeling of {noun}",
    "{count} {shape_adjective} {shape} {place}, the whole thing feels {quality} to me",
    "i don't know why but the {colour} {shape} make me feel {feeling}",
    "the artist used {colour} and {colour2} for the {shape} and it {reaction}",
    "those {size} {shape} {place} fill me with {noun}",
    "the colors are {colour} and {colour2} and the shapes are {shape_adjective}, very {quality}",
    "this is so {quality}, the {colour} {shape} {place} stand out against the {background}",
    "i can't stop feeling {feeling} when i see the {colour} {shape} {place}",
    "the {shape} are {colour} and {size}, which {reaction}",
    "{colour} {shape} on {grain} {background}, i feel {feeling}",
    "the {shape_adjective} {shape} and the {colour} tones create a mood of {noun}",
    "it's the {colour} {shape} {place} that make me {feeling}",
    "i sense {noun} in the {shape_adjective} {colour} {shape}",
    "there's something {quality} about the {count} {colour} {shape} {place}",
    "the painting feels {quality} with its {size} {colour} {shape} and {grain} background",
    "i feel {feeling} seeing how the {colour} {shape} sit {place}",
    "{count} {colour} {shape} {place} over the {background} background, it {reaction}",
    "the {colour} palette and {shape_adjective} forms bring a feeling of {noun}",
    "the mix of {colour} and {colour2} {reaction}, and the {shape} add to it",
    "i get a sense of {noun} from the {size} {shape} {place}",
    "the {shape} {place} are painted in {colour}, it feels {quality}",
    "the {grain} texture and {colour} {shape} make this feel {quality}",
    "this image {reaction}: {colour} {shape} {place} on the {background} background",
    "all these {shape_adjective} {colour} shapes {place} leave me {feeling}",
    "the {colour} {shape} seem to float {place}, i feel {feeling}",
    "i didn't expect to feel {noun} from {count} {colour} {shape}",
    "{feeling}, that's how the {shape_adjective} {colour} {shape} make me feel",
    "the composition with the {shape} {place} is {quality} and {reaction}",
    "nothing but {colour} {shape} and a lot of {noun}",
    "the {size} {colour} {shape} give the painting a mood of {noun}",
)
SIMILE_PATTERNS = (
    "the {colour} {shape} look like {likeness}, it {reaction}",
    "this reminds me of {likeness}, {colour} and {quality}",
    "the {colour} {shape} {place}, it looks like {likeness} and i feel {feeling}",
    "it is like {likeness} on the {background} background, very {quality}",
    "the {shape_adjective} {shape} are like {likeness}, which fills me with {noun}",
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
    " {shape}, maybe the {shape_adjective} forms {place}, or maybe the {grain} {background} background that makes"
    " the whole scene so {quality}",
    "there are {count} {size} {shape} in {colour} and {colour2} sitting {place} on top of the {grain} {background}"
    " background, and honestly the whole composition gives me a deep feeling of {noun} that i can't quite explain",
    "when i look at the {shape_adjective} {colour} {shape} {place} i feel {feeling}, and the more details i notice"
    " in the {grain} background and the {colour2} accents, the stronger this feeling of {noun} becomes for me",
)
PATTERN_GROUPS = ((PLAIN_PATTERNS, 0.73), (SIMILE_PATTERNS, 0.20), (SHORT_PATTERNS, 0.03), (LONG_PATTERNS, 0.04))
SENTENCE_PATTERNS = tuple(pattern for group, _ in PATTERN_GROUPS for pattern in group)
ENDINGS, ENDING_WEIGHTS = ("", ".", "!", "..."), (0.35, 0.5, 0.1, 0.05)
CAPITALISED_SHARE = 0.35
MISSPELLED_SHARE = 0.01
SIMILE_WORDS = {"looks", "look", "reminds", "remind", "seems", "resembles", "resembling", "appear", "could", "think"}


@dataclass
class SyntheticRelease:
    """Where a synthetic release was written, and the figures worth reporting about it."""

    csv_path: Path
    images_dir: Path | None
    paintings_path: Path
    num_paintings: int
    num_annotations: int
    num_artists: int
    split_sizes: dict[str, int]
    bayes_accuracy: float  # best expected accuracy predicting an annotation's emotion from its painting
    bayes_majority_accuracy: float  # same, for the strict-majority emotion of paintings that have one
    expected_majority_share: float  # expected share of paintings with a strict-majority emotion
    agreement: float  # observed share of annotations whose emotion is the painting's main emotion
    emotion_name_share: float
    simile_share: float
    misspelled_share: float
    num_sentence_patterns: int
    seconds: float

    def to_dict(self) -> dict:
        return {key: str(value) if isinstance(value, Path) else value for key, value in asdict(self).items()}


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
    """Write `artemis_dataset_release_v0.csv` (and `images/<art_style>/<painting>.jpg`) under `output_dir`.

    `num_annotations`, when given, fixes the total exactly; each painting still gets min..max annotations.
    Everything depends only on the arguments (not on `num_workers`).
    """
    start = time.perf_counter()
    _check_arguments(num_paintings, num_annotations, min_annotations, max_annotations, image_size)
    rng = np.random.default_rng(seed)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)

    paintings = _draw_paintings(rng, num_paintings)
    counts = _annotation_counts(rng, num_paintings, num_annotations, min_annotations, max_annotations)
    paintings["repetition"] = counts
    owner = np.repeat(np.arange(num_paintings), counts)
    confusion = _confusion_matrix()
    main = paintings["emotion_id"].to_numpy()
    felt = _sample_rows(rng, confusion[main[owner]])
    utterances, flags = _utterances(rng, paintings.iloc[owner], felt)

    release = pd.DataFrame({
        "art_style": paintings["art_style"].to_numpy()[owner], "painting": paintings["painting"].to_numpy()[owner],
        "emotion": np.asarray(EMOTIONS, dtype=object)[felt], "utterance": utterances, "repetition": counts[owner],
    })  # fmt: skip
    csv_path, paintings_path = output_dir / CSV_NAME, output_dir / PAINTINGS_NAME
    release.to_csv(csv_path, index=False)
    paintings.drop(columns=["emotion_id"]).to_csv(paintings_path, index=False)
    images_dir = _write_images(paintings, output_dir / "images", image_size, seed, num_workers) if with_images else None

    ceilings = _bayes_ceilings(confusion, main, counts)
    return SyntheticRelease(
        csv_path=csv_path, images_dir=images_dir, paintings_path=paintings_path, num_paintings=num_paintings,
        num_annotations=len(release), num_artists=paintings["painting"].str.split("_").str[0].nunique(),
        split_sizes=paintings["split"].value_counts().to_dict(), **ceilings, agreement=float(np.mean(felt == main[owner])),
        **{f"{name}_share": float(np.mean(flag)) for name, flag in flags.items()},
        num_sentence_patterns=len(SENTENCE_PATTERNS), seconds=time.perf_counter() - start,
    )  # fmt: skip


def _check_arguments(num_paintings, num_annotations, min_annotations, max_annotations, image_size) -> None:
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


def _draw_paintings(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """One row per painting: its id, split, main emotion, and every factor its image and utterances use."""
    art_style, painting = _painting_names(rng, n)
    painting_id = [f"{style}/{name}" for style, name in zip(art_style, painting)]
    split_of = split_paintings(painting_id)  # default fractions and seed: the splits the dataset builder makes
    split = np.array([split_of[pid] for pid in painting_id], dtype=object)

    emotion = rng.integers(NUM_EMOTIONS, size=n)
    palette, family = (np.array([list(PALETTES).index(EMOTION_FACTORS[e][0]) for e in EMOTIONS]),
                       np.array([list(SHAPE_FAMILIES).index(EMOTION_FACTORS[e][1]) for e in EMOTIONS]))  # fmt: skip
    colour = palette[emotion] * COLOURS_PER_PALETTE + rng.integers(COLOURS_PER_PALETTE, size=n)
    colour2 = colour - colour % COLOURS_PER_PALETTE + (colour + rng.integers(1, COLOURS_PER_PALETTE, size=n)) % 4
    shape = family[emotion] * SHAPES_PER_FAMILY + rng.integers(SHAPES_PER_FAMILY, size=n)
    background, composition, scale = _nuisance_combinations(rng, split != "train")
    return pd.DataFrame({
        "painting_id": painting_id, "art_style": art_style, "painting": painting, "split": split,
        "emotion": np.asarray(EMOTIONS, dtype=object)[emotion], "emotion_id": emotion,
        "colour": _names(COLOURS, colour), "colour2": _names(COLOURS, colour2), "shape": _names(SHAPES, shape),
        "background": _names(BACKGROUNDS, background), "composition": _names(COMPOSITIONS, composition),
        "scale": _names(SCALES, scale), "count": _names(COUNTS, rng.integers(len(COUNTS), size=n)),
        "grain": _names(GRAINS, rng.integers(len(GRAINS), size=n)),
    })  # fmt: skip


def _names(vocabulary, indices: np.ndarray) -> np.ndarray:
    return np.asarray(list(vocabulary), dtype=object)[indices]


def _nuisance_combinations(rng: np.random.Generator, held_out: np.ndarray) -> tuple[np.ndarray, ...]:
    """(background, composition, scale) indices; held-out paintings get the combinations training never sees.

    A quarter of the 48 combinations is held out, chosen so that every single value still occurs in training.
    """
    grid = np.stack(np.meshgrid(*(np.arange(len(f)) for f in (BACKGROUNDS, COMPOSITIONS, SCALES)), indexing="ij"))
    grid = grid.reshape(3, -1).T
    reserved = grid.sum(axis=1) % 4 == 0
    train_rows, held_out_rows = grid[~reserved], grid[reserved]
    picked = np.where(held_out[:, None], held_out_rows[rng.integers(len(held_out_rows), size=len(held_out))],
                      train_rows[rng.integers(len(train_rows), size=len(held_out))])  # fmt: skip
    return tuple(picked.T)


def _painting_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """WikiArt-like (art_style, painting) names in NFC, unique as pairs; each artist paints in one style."""
    num_artists = min(max(2 * len(ART_STYLES), n // PAINTINGS_PER_ARTIST), len(FIRST_NAMES) * len(LAST_NAMES))
    first = np.asarray(FIRST_NAMES, dtype=object)[rng.integers(len(FIRST_NAMES), size=num_artists)]
    accented = rng.choice(num_artists, size=max(1, round(ACCENTED_SHARE * num_artists)), replace=False)
    first[accented] = np.asarray(ACCENTED_FIRST_NAMES, dtype=object)[rng.integers(len(ACCENTED_FIRST_NAMES), size=len(accented))]
    artists = first + "-" + np.asarray(LAST_NAMES, dtype=object)[rng.integers(len(LAST_NAMES), size=num_artists)]
    artist_style = rng.permutation(np.arange(num_artists) % len(ART_STYLES))  # every style has artists

    artist = rng.integers(num_artists, size=n)
    words = {"noun": TITLE_NOUNS, "adjective": TITLE_ADJECTIVES, "other": TITLE_NOUNS}
    slots = {slot: np.asarray(options, dtype=object)[rng.integers(len(options), size=n)] for slot, options in words.items()}
    title = _fill_patterns(rng.integers(len(TITLE_PATTERNS), size=n), TITLE_PATTERNS, slots)
    year = np.where(rng.random(n) < YEAR_SHARE, "-" + rng.integers(*YEAR_RANGE, size=n).astype(str).astype(object), "")
    names = pd.Series(artists[artist] + "_" + title + year).map(lambda name: unicodedata.normalize("NFC", name))
    styles = np.asarray(ART_STYLES, dtype=object)[artist_style[artist]]
    # WikiArt disambiguates repeated names with a numeric suffix; years have four digits, so no new clash arises.
    repeat = pd.Series(styles + "/" + names).groupby(styles + "/" + names).cumcount().to_numpy()
    names = np.where(repeat > 0, names + "-" + repeat.astype(str).astype(object), names)
    return styles, names.astype(object)


def _annotation_counts(rng, n: int, total: int | None, low: int, high: int) -> np.ndarray:
    """Annotations per painting in [low, high]; `total` fixes the sum by handing out the extra slots at random."""
    if total is None:
        return rng.integers(low, high + 1, size=n)
    extra = np.bincount(rng.choice(n * (high - low), size=total - n * low, replace=False) // max(high - low, 1), minlength=n)
    return low + extra[:n]


def _confusion_matrix() -> np.ndarray:
    """P(felt emotion | main emotion): keep the main one, else share its palette or shape family, or 'something else'."""
    factors = [EMOTION_FACTORS[e] for e in EMOTIONS]
    weights = np.zeros((NUM_EMOTIONS, NUM_EMOTIONS))
    for i, (palette, family) in enumerate(factors):
        for j, (other_palette, other_family) in enumerate(factors):
            if i != j:
                weights[i, j] = (CONFUSION_WEIGHTS["same_palette"] * (palette == other_palette)
                                 + CONFUSION_WEIGHTS["same_shape"] * (family == other_family)
                                 + CONFUSION_WEIGHTS["something_else"] * (EMOTIONS[j] == "something else"))  # fmt: skip
    return np.eye(NUM_EMOTIONS) * (1 - DISAGREEMENT) + DISAGREEMENT * weights / weights.sum(axis=1, keepdims=True)


def _sample_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (rows, k) probability matrix."""
    return (rng.random((len(probabilities), 1)) > probabilities.cumsum(axis=1)[:, :-1]).sum(axis=1)


def _bayes_ceilings(confusion: np.ndarray, main: np.ndarray, counts: np.ndarray) -> dict[str, float]:
    """Exact ceilings given the drawn paintings: the image reveals the main emotion, the rest is annotator noise.

    At most one emotion can hold a strict majority, so P(majority = k) is a binomial tail for each k.
    """
    best = confusion.max(axis=1)[main]
    tails = {n: np.vectorize(lambda p, n=n: sum(math.comb(n, v) * p**v * (1 - p) ** (n - v) for v in range(n // 2 + 1, n + 1)))(confusion)
             for n in np.unique(counts)}  # fmt: skip
    majority = np.stack([tails[n][e] for e, n in zip(main, counts)])
    return {
        "bayes_accuracy": float(np.sum(best * counts) / counts.sum()),
        "bayes_majority_accuracy": float(majority.max(axis=1).sum() / majority.sum()),
        "expected_majority_share": float(majority.sum(axis=1).mean()),
    }


def _pick(rng: np.random.Generator, table: dict[str, tuple[str, ...]], keys: np.ndarray) -> np.ndarray:
    """For each row, a uniformly drawn word of `table[key]`, vectorised over rows."""
    lengths = np.array([len(words) for words in table.values()])
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    flat = np.asarray([word for words in table.values() for word in words], dtype=object)
    index = [list(table).index(key) for key in np.unique(keys)]
    codes = np.asarray(index)[np.searchsorted(np.unique(keys), keys)]
    return flat[offsets[codes] + (rng.random(len(keys)) * lengths[codes]).astype(np.int64)]


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


def _utterances(rng: np.random.Generator, paintings: pd.DataFrame, felt: np.ndarray) -> tuple[np.ndarray, dict]:
    """One utterance per annotation (rows of `paintings`, one per annotation), and flags of what each one shows."""
    emotion = np.asarray(EMOTIONS, dtype=object)[felt]
    family = {shape: family for family, shapes in SHAPE_FAMILIES.items() for shape in shapes}
    slots = {
        "colour": _pick(rng, COLOUR_WORDS, paintings["colour"]), "colour2": _pick(rng, COLOUR_WORDS, paintings["colour2"]),
        "shape": _pick(rng, SHAPE_WORDS, paintings["shape"]), "likeness": _pick(rng, LIKENESSES, paintings["shape"]),
        "shape_adjective": _pick(rng, SHAPE_ADJECTIVES, paintings["shape"].map(family).to_numpy()),
        "background": _pick(rng, BACKGROUND_WORDS, paintings["background"]),
        "place": _pick(rng, PLACE_PHRASES, paintings["composition"]), "size": _pick(rng, SIZE_WORDS, paintings["scale"]),
        "count": _pick(rng, COUNT_WORDS, paintings["count"]), "grain": _pick(rng, GRAIN_WORDS, paintings["grain"]),
        "feeling": _pick(rng, FEELINGS, emotion), "quality": _pick(rng, QUALITIES, emotion),
        "reaction": _pick(rng, REACTIONS, emotion),
    }  # fmt: skip
    named = rng.random(len(felt)) < NAME_SHARE
    slots["noun"] = np.where(named, emotion, _pick(rng, EMOTION_NOUNS, emotion))
    group_sizes = [len(group) for group, _ in PATTERN_GROUPS]
    group = rng.choice(len(PATTERN_GROUPS), size=len(felt), p=[share for _, share in PATTERN_GROUPS])
    pattern = np.concatenate([[0], np.cumsum(group_sizes)[:-1]])[group] + (rng.random(len(felt)) * np.take(group_sizes, group)).astype(int)
    text = _fill_patterns(pattern, SENTENCE_PATTERNS, {key: np.asarray(value, dtype=object) for key, value in slots.items()})

    misspelled = np.flatnonzero(rng.random(len(text)) < MISSPELLED_SHARE)
    text[misspelled] = [_misspell(sentence, np.random.default_rng([int(rng.integers(2**32))])) for sentence in text[misspelled]]
    capitalised = np.flatnonzero(rng.random(len(text)) < CAPITALISED_SHARE)
    text[capitalised] = [re.sub(r"\bi\b", "I", sentence[:1].upper() + sentence[1:]) for sentence in text[capitalised]]
    text = text + np.asarray(ENDINGS, dtype=object)[rng.choice(len(ENDINGS), size=len(text), p=ENDING_WEIGHTS)]
    uses_noun = np.array(["{noun}" in p for p in SENTENCE_PATTERNS])[pattern]
    flags = {"emotion_name": uses_noun & named, "simile": group == 1, "misspelled": np.isin(np.arange(len(text)), misspelled)}
    return text, flags


def _misspell(sentence: str, rng: np.random.Generator) -> str:
    """Swap two inner letters of, or drop one from, a word of six letters or more, as hurried typing does."""
    words = sentence.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 6 and word.isalpha() and word not in SIMILE_WORDS]
    if not candidates:
        return sentence
    i = candidates[rng.integers(len(candidates))]
    word, k = words[i], int(rng.integers(1, len(words[i]) - 2))
    swapped = word[:k] + word[k + 1] + word[k] + word[k + 2 :]
    words[i] = swapped if rng.random() < 0.5 and swapped != word else word[:k] + word[k + 1 :]
    return " ".join(words)
