"""Painting-grouped batches: a split's captions as items of one painting each, so its image is decoded and encoded once.

ArtEmis has about 5.3 training utterances per painting. Batched one caption per item, a batch of 128 captions runs the
backbone on 128 images, most of them copies; grouped, on ~24 paintings. An item holds up to `captions_per_painting` of a
painting's captions (all of them by default; a painting with more is split into near-equal items), so the loss per
caption is unchanged and only the images are shared. `captions_per_painting=1` is the ungrouped batching, in the split's
own order.
"""

from __future__ import annotations

import datasets
import numpy as np
import pandas as pd
import torch

from ..data.image_cache import ResizedImageCache, read_image_bytes


class CaptionGroups(torch.utils.data.Dataset):
    """Items `{"painting_id", "emotion": [..], "input_ids": [[..], ..]}` and the painting's image: `"image"` decoded
    (PIL), or with `image_cache_dir`, `"resized_image"`, the model-sized uint8 array that `ResizedImageCache` keeps
    (decoded on first use only), or with `encoded_images`, `"image_file"`, the file's bytes as a uint8 array (decoded
    where the model runs); no image when `with_images` is False (for grids cached by painting id)."""

    def __init__(
        self,
        split: datasets.Dataset,
        captions_per_painting: int | None = None,
        with_images: bool = True,
        image_cache_dir: str | None = None,
        image_processor=None,
        encoded_images: bool = False,
    ):
        if captions_per_painting is not None and captions_per_painting < 1:
            raise ValueError(f"captions_per_painting must be at least 1 (or None: all), got {captions_per_painting}")
        codes, self.painting_ids = pd.factorize(split.select_columns(["painting_id"]).to_pandas()["painting_id"])
        self.groups = []
        by_painting = np.argsort(codes, kind="stable")  # each painting's rows, in the split's order
        for rows in np.split(by_painting, np.cumsum(np.bincount(codes))[:-1]):
            parts = 1 if captions_per_painting is None else -(-len(rows) // captions_per_painting)
            self.groups.extend(np.array_split(rows, parts))
        self.groups.sort(key=lambda rows: rows[0])  # items in the order of their first row
        self.group_paintings = [int(codes[rows[0]]) for rows in self.groups]
        self.captions = split.select_columns(["emotion", "input_ids"])
        self.images, self.image_cache, self.encoded_images = None, None, encoded_images
        if with_images:
            self.images = split.select_columns(["image"])
            if image_cache_dir is not None or encoded_images:  # decoded later, if at all
                self.images = self.images.cast_column("image", datasets.Image(decode=False))
            if image_cache_dir is not None:
                self.image_cache = ResizedImageCache(image_cache_dir, list(self.painting_ids), image_processor)

    @property
    def captions_per_item(self) -> float:
        return sum(len(rows) for rows in self.groups) / max(len(self.groups), 1)

    def __len__(self) -> int:
        return len(self.groups)

    def __getitem__(self, index: int) -> dict:
        rows = self.groups[index]
        painting_row = self.group_paintings[index]
        item = {"painting_id": self.painting_ids[painting_row], **self.captions[rows.tolist()]}
        if self.image_cache is not None:
            item["resized_image"] = self.image_cache.get(painting_row, self.images[int(rows[0])]["image"])
        elif self.encoded_images:  # an array, which Accelerate leaves on the CPU, where the decoder reads it
            file = bytearray(read_image_bytes(self.images[int(rows[0])]["image"]))  # writable, as torch wants it
            item["image_file"] = np.frombuffer(file, dtype=np.uint8)
        elif self.images is not None:
            item["image"] = self.images[int(rows[0])]["image"]
        return item
