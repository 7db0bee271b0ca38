"""A disk cache of paintings already resized to a model's square input, so that epochs after the first decode no JPEG.

One row per painting in two NumPy memmaps (`.npy`): `pixels.npy` (paintings, S, S, 3) uint8, the image processor's own
resize output, and `fingerprints.npy` (paintings,) uint64, a hash of the image file's path, size and mtime (or of the
embedded bytes); 0 means empty. A row is served only while its fingerprint matches the image's, so a changed image is
read again. The files live in `<cache_dir>/<S>px-<hash>/`, the hash taken over S, the resample filter, the processor's
backend and the ordered painting ids, so caches for other sizes or releases never collide; `cache.json` says what
they hold. Several DataLoader workers may share a cache: each process maps the files itself.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
from collections.abc import Sequence
from pathlib import Path

import datasets
import numpy as np
import torch
from transformers.image_utils import ChannelDimension

from .images import to_rgb

FORMAT_VERSION = 1
_decoder = datasets.Image()  # decode as the dataset's `image` column does (EXIF orientation included)


def fingerprint(image: dict) -> int:
    """Non-zero 64-bit hash of an image file's (path, size, mtime), read from `os.stat` alone, or of its bytes."""
    if image.get("bytes") is not None:  # datasets reads embedded bytes in preference to the path
        key = b"bytes\0" + image["bytes"]
    else:
        stat = os.stat(image["path"])
        key = f"path\0{image['path']}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little") or 1  # 0 marks an empty row


def _create(path: Path, shape: tuple, dtype) -> None:
    """Create a zeroed .npy file (sparse, so free until written) unless it exists."""
    if path.exists():
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    np.lib.format.open_memmap(tmp, mode="w+", dtype=dtype, shape=shape)  # writes the header; the rest reads as zeros
    try:
        os.link(tmp, path)  # unlike a rename, never replaces a file another process may have open already
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


class ResizedImageCache:
    """Model-sized uint8 copies of `painting_ids`' images, row i for painting i, made on first use.

    `get(row, image)` takes the dataset's undecoded image dict (`split.cast_column("image",
    datasets.Image(decode=False))`); `pixel_values(rows, images)` gives exactly what `image_processor` gives for the
    decoded RGB images. `hits` and `misses` count this process's lookups.
    """

    def __init__(self, cache_dir: str | os.PathLike, painting_ids: Sequence[str], image_processor):
        height, width = image_processor.size["height"], image_processor.size["width"]
        if not height or height != width:
            raise ValueError(f"image_processor.size must be a square height x width, got {image_processor.size}")
        if len(painting_ids) == 0:
            raise ValueError("painting_ids is empty: there is nothing to cache")
        self.processor, self.size, self.count = image_processor, height, len(painting_ids)
        resample = getattr(image_processor.resample, "name", str(image_processor.resample))
        backend = getattr(image_processor, "backend", type(image_processor).__name__)  # PIL and torch resize differ
        key = json.dumps([FORMAT_VERSION, height, resample, backend, list(painting_ids)]).encode()
        self.directory = Path(cache_dir) / f"{height}px-{hashlib.blake2b(key, digest_size=6).hexdigest()}"
        self.directory.mkdir(parents=True, exist_ok=True)
        # Pixels first: a process that finds the fingerprints file can rely on the pixels file being there
        _create(self.directory / "pixels.npy", (self.count, height, height, 3), np.uint8)
        _create(self.directory / "fingerprints.npy", (self.count,), np.uint64)
        description = {"format_version": FORMAT_VERSION, "size": height, "resample": resample, "backend": backend}
        description["num_paintings"] = self.count
        tmp = self.directory / f"cache.json.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(description, indent=2) + "\n")
        os.replace(tmp, self.directory / "cache.json")  # every writer writes the same text
        self.hits = self.misses = 0
        self._pid, self._pixels, self._fingerprints = None, None, None

    def __len__(self) -> int:
        return self.count

    def __getstate__(self) -> dict:
        # Workers started by spawn get the paths, not open maps; `_arrays` maps the files in each process
        return {**self.__dict__, "_pid": None, "_pixels": None, "_fingerprints": None}

    def _arrays(self) -> tuple[np.memmap, np.memmap]:
        if self._pid != os.getpid():  # first use in this process (a forked worker re-maps and counts afresh)
            self._pixels = np.load(self.directory / "pixels.npy", mmap_mode="r+")
            self._fingerprints = np.load(self.directory / "fingerprints.npy", mmap_mode="r+")
            self._pid, self.hits, self.misses = os.getpid(), 0, 0
        return self._pixels, self._fingerprints

    def get(self, row: int, image: dict) -> np.ndarray:
        """The (S, S, 3) uint8 resized image of painting `row`, decoded and stored first if absent or changed."""
        row = operator.index(row)
        if not 0 <= row < self.count:
            raise IndexError(f"row {row} is out of range for a cache of {self.count} paintings")
        if not isinstance(image, dict) or (image.get("path") is None and image.get("bytes") is None):
            raise ValueError(
                f"image for row {row} must be an undecoded dict with a 'path' or 'bytes', got {image!r:.200} "
                "(read the column with cast_column('image', datasets.Image(decode=False)))"
            )
        pixels, fingerprints = self._arrays()
        current = fingerprint(image)
        if fingerprints[row] == current:
            cached = np.array(pixels[row])
            if fingerprints[row] == current:  # unchanged while copying: no other process was rewriting the row
                self.hits += 1
                return cached
        self.misses += 1
        resized = self.resize(_decoder.decode_example({"path": image.get("path"), "bytes": image.get("bytes")}))
        # Readers stop trusting the row before its pixels change, and trust it again only once they are all written.
        # No flush: the pages are the OS's, written back even if this process dies.
        fingerprints[row] = 0
        pixels[row] = resized
        fingerprints[row] = current
        return resized

    def resize(self, image) -> np.ndarray:
        """The processor's own resize of a PIL image, as (S, S, 3) uint8: its pipeline with normalisation off."""
        resized = self.processor(to_rgb(image), do_rescale=False, do_normalize=False, return_tensors="np")
        resized = resized["pixel_values"][0]
        if resized.dtype != np.uint8:  # stored as uint8, floats would be rounded: no longer identical pixel values
            raise TypeError(f"image_processor {type(self.processor).__name__} resizes to {resized.dtype}, not uint8")
        return np.ascontiguousarray(resized.transpose(1, 2, 0))

    def pixel_values(self, rows: Sequence[int], images: Sequence[dict]) -> torch.Tensor:
        """(N, 3, S, S) float pixel values of `rows`, equal to `image_processor` applied to the decoded images."""
        if len(rows) != len(images):
            raise ValueError(f"rows and images differ in length: {len(rows)} != {len(images)}")
        return resized_pixel_values(self.processor, [self.get(row, image) for row, image in zip(rows, images)])


def resized_pixel_values(image_processor, arrays: Sequence[np.ndarray]) -> torch.Tensor:
    """(N, 3, S, S) float pixel values of images `ResizedImageCache.get` returned: the processor without its resize."""
    batch = image_processor(arrays, do_resize=False, input_data_format=ChannelDimension.LAST, return_tensors="pt")
    return batch["pixel_values"]


JPEG_MAGIC = b"\xff\xd8\xff"


def read_image_bytes(image: dict) -> bytes:
    """The file of an undecoded `datasets.Image` value: its embedded bytes, else the file at its path."""
    if image.get("bytes") is not None:
        return image["bytes"]
    return Path(image["path"]).read_bytes()


def decoded_pixel_values(image_processor, encoded: Sequence[np.ndarray], device: torch.device) -> torch.Tensor:
    """(N, 3, H, W) float pixel values of image files' bytes (uint8 arrays), decoded and resized on `device`: JPEGs
    by torchvision's GPU decoder (nvJPEG) on a GPU, anything else (and everything on a CPU) by its CPU decoder. The
    resize is torch's antialiased bilinear one, close to the processor's but not bit-equal."""
    from torchvision.io import ImageReadMode, decode_image, decode_jpeg

    files = [torch.from_numpy(np.asarray(data, dtype=np.uint8)) for data in encoded]
    on_gpu = [index for index, data in enumerate(encoded) if device.type == "cuda" and bytes(data[:3]) == JPEG_MAGIC]
    images = [
        None if index in on_gpu else decode_image(data, mode=ImageReadMode.RGB) for index, data in enumerate(files)
    ]
    if on_gpu:  # one batched call
        for index, image in zip(on_gpu, decode_jpeg([files[i] for i in on_gpu], ImageReadMode.RGB, device=device)):
            images[index] = image  # (3, h, w) uint8
    size = (image_processor.size["height"], image_processor.size["width"])
    pixels = torch.stack(
        [
            torch.nn.functional.interpolate(image[None].to(device).float(), size, mode="bilinear", antialias=True)[0]
            for image in images
        ]
    )  # (N, 3, H, W) in [0, 255]
    mean = torch.tensor(image_processor.image_mean, device=device)[:, None, None]
    std = torch.tensor(image_processor.image_std, device=device)[:, None, None]
    return (pixels * image_processor.rescale_factor - mean) / std
