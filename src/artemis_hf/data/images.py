"""WikiArt image files: find them whatever the Unicode form of their names, check them, write resized copies."""

from __future__ import annotations

import logging
import os
import unicodedata
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image
from tqdm.auto import tqdm

logger = logging.getLogger(__name__)

IMAGE_SUFFIX = ".jpg"


def image_files(images_dir: str | os.PathLike) -> Iterator[tuple[str, os.DirEntry]]:
    """(NFC painting id "<art_style>/<painting>", directory entry) of every `<images_dir>/<art_style>/<painting>.jpg`.

    Files on disk may be named in NFC or NFD (macOS writes NFD), so names are normalised rather than looked up as given.
    One directory scan, not one `stat` per painting.
    """
    root = Path(images_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"images_dir is not a directory: {images_dir}")
    for style_dir in os.scandir(root):
        if not style_dir.is_dir():
            continue
        style = unicodedata.normalize("NFC", style_dir.name)
        for entry in os.scandir(style_dir.path):
            if entry.name.lower().endswith(IMAGE_SUFFIX) and entry.is_file():
                yield f"{style}/{unicodedata.normalize('NFC', entry.name[: -len(IMAGE_SUFFIX)])}", entry


def index_images(images_dir: str | os.PathLike) -> dict[str, str]:
    """Map NFC painting ids ("<art_style>/<painting>") to the paths of their image files."""
    return {painting_id: entry.path for painting_id, entry in image_files(images_dir)}


def check_image(path: str) -> str | None:
    """None when the file decodes completely, else the reason. Decodes at reduced scale (JPEG draft mode): all of
    the file is still read, so truncation is caught, at a fraction of the cost of a full decode."""
    try:
        with Image.open(path) as image:
            image.draft("RGB", (64, 64))
            image.load()
    except Exception as error:  # PIL raises OSError, SyntaxError, ValueError... for bad files
        return f"{type(error).__name__}: {error}"
    return None


def check_images(paths: Iterable[str], num_workers: int | None = None, progress: bool = True) -> dict[str, str]:
    """{path: reason} for every file that does not decode. PIL releases the GIL while decoding, so threads scale."""
    paths = list(paths)
    workers = num_workers or min(8, os.cpu_count() or 1)
    with ThreadPoolExecutor(workers) as pool:
        reasons = list(
            tqdm(pool.map(check_image, paths), total=len(paths), desc="Checking images", disable=not progress)
        )
    return {path: reason for path, reason in zip(paths, reasons) if reason is not None}


def to_rgb(image: Image.Image) -> Image.Image:
    """RGB copy of a PIL image of any mode: 16-bit greyscale scaled to 8 bits, transparency composited on white,
    CMYK/greyscale/palette converted."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.point(lambda value: value / 256).convert("L")  # plain convert would clip at 255
    if image.has_transparency_data:
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image.convert("RGBA"))
    return image.convert("RGB")


def resize_images(
    images_dir: str | os.PathLike,
    output_dir: str | os.PathLike,
    max_side: int = 600,
    num_workers: int | None = None,
    progress: bool = True,
) -> dict[str, int]:
    """Write a copy of every image with its longest side at most `max_side` px (the reference's 600 px copy).

    Keeps the `<art_style>/<painting>.jpg` layout (names in NFC); existing outputs are skipped so a run can resume.
    Returns counts of written, skipped and failed files; failures are logged with their reason.
    """
    if max_side < 1:
        raise ValueError(f"max_side must be a positive number of pixels, got {max_side}")
    jobs = [
        (path, Path(output_dir) / f"{painting_id}{IMAGE_SUFFIX}", max_side)
        for painting_id, path in index_images(images_dir).items()
    ]
    counts = {"written": 0, "skipped": 0, "failed": 0}
    with ThreadPoolExecutor(num_workers or min(8, os.cpu_count() or 1)) as pool:
        for outcome in tqdm(
            pool.map(_resize_one, jobs), total=len(jobs), desc="Resizing images", disable=not progress
        ):
            counts[outcome] += 1
    return counts


def _resize_one(job: tuple[str, Path, int]) -> str:
    source, target, max_side = job
    if target.exists():
        return "skipped"
    try:
        with Image.open(source) as image:
            image.draft("RGB", (max_side, max_side))  # decode JPEGs at the nearest larger scale: much faster
            image = to_rgb(image)
            image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    except Exception as error:
        logger.warning("Cannot resize %s: %s", source, error)
        return "failed"
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, quality=90)
    return "written"
