"""`artemis-hf generate --model DIR --emotion awe --num_images 16 [--seed S]`: new paintings from a trained art GAN.

Writes `<emotion>-<index>.png` for each painting and `grid.png` with all of them to `--output_dir`, and prints where.
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from .emotions import EMOTIONS

logger = logging.getLogger(__name__)

ART_GAN_MODEL_TYPE = "artemis-art-gan"  # artemis_hf.models.art_gan.ArtGANConfig.model_type, without importing torch


@dataclass
class GenerateArguments:
    model: str = field(metadata={"help": "An art GAN: a folder written by `artemis-hf train gan`, or a Hub id."})
    emotion: str = field(metadata={"help": f"The emotion to paint: one of {', '.join(EMOTIONS)}."})
    num_images: int = field(default=16, metadata={"help": "How many paintings."})
    seed: int | None = field(default=None, metadata={"help": "Seed of the noise: the same seed paints the same."})
    output_dir: str | None = field(
        default=None,
        metadata={"help": "Where the PNGs go. Default: generated/<emotion> in the model folder (or here)."},
    )
    device: str | None = field(default=None, metadata={"help": "Default: cuda when there is one, else cpu."})

    def __post_init__(self):
        if self.emotion not in EMOTIONS:
            raise ValueError(f"--emotion {self.emotion!r} is not one of the 9 emotions: {', '.join(EMOTIONS)}")
        if self.num_images < 1:
            raise ValueError(f"--num_images must be at least 1, got {self.num_images}")


def load_generator(name_or_path: str, argument: str = "--model", device: str | None = None):
    """The art GAN's generator from a folder or the Hub; another family's folder is an error naming `argument`."""
    import torch
    from transformers import AutoConfig

    from .hub.families import check_folder_family
    from .models.art_gan import ArtGANGenerator

    check_folder_family(name_or_path, ("art-gan",), argument, "an art GAN: train one with `artemis-hf train gan`")
    model_type = AutoConfig.from_pretrained(name_or_path).model_type
    if model_type != ART_GAN_MODEL_TYPE:
        raise ValueError(f"{argument} {name_or_path} has model_type {model_type!r}, not an art GAN's")
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    return ArtGANGenerator.from_pretrained(name_or_path).to(device).eval()


def paint(generator, emotion: str, num_images: int, seed: int | None = None):
    """(num_images, 3, H, W) in [-1, 1] of `emotion`, from noise seeded with `seed` (None: a fresh one)."""
    import torch

    emotion_id = generator.config.label2id[emotion]
    rng = torch.Generator(generator.device)
    if seed is None:
        rng.seed()
    else:
        rng.manual_seed(seed)
    return generator.sample(torch.full((num_images,), emotion_id, dtype=torch.long), generator=rng)


def save_image_grid(images, path: str | os.PathLike, columns: int, row_labels: list[str] | None = None) -> Path:
    """(N, 3, H, W) images in [-1, 1] as one PNG, `columns` per row, each row titled with its label if given."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .models.art_gan import to_pil_images

    pictures = to_pil_images(images)
    rows = math.ceil(len(pictures) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 0.9 + 1.2, rows * 0.9), squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.set_xticks([])
        axis.set_yticks([])
        axis.set_frame_on(False)
        if index < len(pictures):
            axis.imshow(pictures[index])
        if row_labels and index % columns == 0:
            axis.set_ylabel(row_labels[index // columns], rotation=0, ha="right", va="center", fontsize=8)
    figure.tight_layout(pad=0.3)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return Path(path)


def generate(args: GenerateArguments) -> dict:
    generator = load_generator(args.model, "--model", args.device)
    images = paint(generator, args.emotion, args.num_images, args.seed)
    default = Path(args.model if os.path.isdir(args.model) else ".") / "generated" / args.emotion.replace(" ", "-")
    output_dir = Path(args.output_dir or default)
    output_dir.mkdir(parents=True, exist_ok=True)
    from .models.art_gan import to_pil_images

    paths = []
    for index, picture in enumerate(to_pil_images(images)):
        paths.append(output_dir / f"{args.emotion.replace(' ', '-')}-{index:03d}.png")
        picture.save(paths[-1])
    grid = save_image_grid(images, output_dir / "grid.png", columns=min(8, args.num_images))
    summary = {"emotion": args.emotion, "seed": args.seed, "images": [str(p) for p in paths], "grid": str(grid)}
    print(json.dumps(summary, indent=1))
    return summary
