"""Drawing paintings to JPEG: every value a factor of a painting can take, what it looks like, and the shapes.

`model.EMOTION_FACTORS` ties palette and shape families to emotions; the other factors are nuisances.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw

from ..sources import ART_STYLES

# --- What carries the emotion: 3 palette families x 3 shape families ---
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
# fmt: on

# --- Nuisance factors, independent of the emotion ---
BACKGROUNDS = {"white": (242, 242, 238), "cream": (238, 228, 196), "beige": (215, 200, 170), "grey": (190, 190, 190)}
COMPOSITIONS = {  # region (x0, y0, x1, y1) where object centres fall, as fractions of the canvas
    "center": (0.3, 0.3, 0.7, 0.7),
    "left": (0.1, 0.15, 0.4, 0.85),
    "right": (0.6, 0.15, 0.9, 0.85),
    "top": (0.15, 0.1, 0.85, 0.4),
    "bottom": (0.15, 0.6, 0.85, 0.9),
    "scattered": (0.1, 0.1, 0.9, 0.9),
}
SCALES = {"small": 0.11, "large": 0.17}  # object radius, as a fraction of the canvas
COUNTS = {"few": (2, 3), "many": (5, 8)}
GRAINS = {"smooth": 3.0, "grainy": 14.0}  # standard deviation of the pixel noise
STYLE_TINTS = np.random.default_rng(27).integers(-10, 11, size=(len(ART_STYLES), 3))  # a fixed cast per style

COLOUR_RGB = {name: rgb for palette in PALETTES.values() for name, rgb in palette.items()}
JPEG_QUALITY = 90
CHUNK_SIZE = 64  # paintings per process-pool task


def write_images(paintings: pd.DataFrame, images_dir: Path, image_size: int, seed: int, num_workers: int) -> None:
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
            raise ValueError(f"Unknown shape {shape!r}; expected one of the shapes in {SHAPE_FAMILIES}")


def _place(centre: np.ndarray, angle: float, along: np.ndarray, across: np.ndarray) -> list[tuple[float, float]]:
    """Points given along and across a direction `angle` from `centre`, as PIL wants them."""
    direction, normal = np.array([np.cos(angle), np.sin(angle)]), np.array([-np.sin(angle), np.cos(angle)])
    return [tuple(point) for point in (centre + np.outer(along, direction) + np.outer(across, normal)).tolist()]


def _star(rng: np.random.Generator, centre: np.ndarray, r: float, points: int, inner: float) -> list[tuple]:
    """A star polygon turned at random; `points=3, inner=0.5` is a triangle (its inner vertices lie on its edges)."""
    turns = rng.uniform(0, 2 * np.pi) + np.arange(2 * points) * np.pi / points
    lengths = np.where(np.arange(2 * points) % 2 == 0, r, inner * r)
    return _place(centre, 0.0, lengths * np.cos(turns), lengths * np.sin(turns))
