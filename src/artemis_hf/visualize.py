"""`artemis-hf visualize --model IMAGE_CLASSIFIER`: what a trained image emotion classifier takes each emotion to look
like, as the CS230 report showed it: one image per emotion that maximises its logit (class model visualisation).

Writes, in the output folder, `<emotion>.png` (one per emotion, at the model's input size, spaces as '-'),
`class_visualization.png` (a 3 x 3 grid titled with the emotions and their logits) and `class_visualization.json`
(each emotion's logit on the starting noise and on its image, and the settings).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from .emotions import EMOTIONS

logger = logging.getLogger(__name__)

OUTPUT_SUBDIR = "class_visualization"
GRID_FILENAME = "class_visualization.png"
LOGITS_FILENAME = "class_visualization.json"
IMAGE_FAMILIES = ("image-emotion", "handcrafted-emotion")
IMAGE_CLASSIFIER = "an image emotion classifier (image-emotion or handcrafted-emotion)"
GRID_CELL_INCHES = (2.5, 2.8)  # (width, height) of one emotion's cell: the image and a two-line title
GRID_DPI = 100


@dataclass
class VisualizeArguments:
    model: str = field(
        metadata={
            "help": "An image emotion classifier: a folder written by `artemis-hf train image-emotion`, or a Hub id."
        }
    )
    output_dir: str | None = field(
        default=None,
        metadata={
            "help": f"Where to write the images. Default: {OUTPUT_SUBDIR}/ in the model folder (for a Hub id: here)."
        },
    )
    num_steps: int = field(default=200, metadata={"help": "Gradient ascent steps."})
    learning_rate: float = field(
        default=0.05, metadata={"help": "Step size, in normalised pixel units (the gradient is scaled to mean 1)."}
    )
    jitter: int = field(default=8, metadata={"help": "Largest random shift of the image each step, in pixels."})
    blur_every: int = field(default=10, metadata={"help": "Blur the images every N steps (0: never)."})
    blur_sigma: float = field(default=0.5, metadata={"help": "Standard deviation of that Gaussian blur, in pixels."})
    tv_weight: float = field(default=0.5, metadata={"help": "Weight of the total variation penalty (smoothness)."})
    l2_weight: float = field(
        default=0.05, metadata={"help": "Weight of the L2 penalty (pulls towards the mean colour)."}
    )
    noise_std: float = field(default=0.05, metadata={"help": "Standard deviation of the starting noise around grey."})
    image_size: int | None = field(
        default=None, metadata={"help": "Side of the images. Default: the processor's size."}
    )
    seed: int = field(default=0, metadata={"help": "Seed of the starting noise and the jitter."})
    device: str | None = field(
        default=None, metadata={"help": "cpu, cuda, cuda:1, ... Default: the first GPU, else the CPU."}
    )


# The arguments of class_model_visualization that VisualizeArguments carries.
SETTINGS = (
    "num_steps", "learning_rate", "jitter", "blur_every", "blur_sigma", "tv_weight", "l2_weight", "noise_std",
    "image_size", "seed",
)  # fmt: skip


def load_emotion_classifier(name_or_path: str, argument: str):
    """(model in eval mode, image processor) of an image emotion classifier whose labels are the nine emotions in
    order (a folder or a Hub id); anything else is a one-line error naming `argument` and the value."""
    from transformers import AutoImageProcessor, AutoModelForImageClassification
    from transformers.models.auto.modeling_auto import MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING

    from .hub.families import check_folder_family
    from .models.image_emotion.visualize_image_emotion import check_emotion_labels
    from .pipelines.captioning import load_checked

    check_folder_family(name_or_path, IMAGE_FAMILIES, argument, IMAGE_CLASSIFIER)
    model = load_checked(
        lambda: AutoModelForImageClassification.from_pretrained(name_or_path),
        argument,
        name_or_path,
        MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING,
        "an image classifier (AutoModelForImageClassification)",
    )
    check_emotion_labels(model, f"{argument} {name_or_path}")
    return model.eval(), AutoImageProcessor.from_pretrained(name_or_path)


def visualize(args: VisualizeArguments) -> dict:
    """Make and save one image per emotion for `args.model`; returns (and prints) the summary written to the JSON."""
    # Imported here, so that `artemis-hf visualize --help` does not wait for torch and transformers.
    import torch

    from .hub.families import is_local_path
    from .models.image_emotion.visualize_image_emotion import class_model_visualization

    local = is_local_path(args.model)
    model, image_processor = load_emotion_classifier(args.model, "--model")
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device)

    settings = {name: getattr(args, name) for name in SETTINGS}
    logger.info("Class visualisation of %s: %d steps on %s", args.model, args.num_steps, device)
    result = class_model_visualization(model, image_processor, progress=True, **settings)

    output_dir = Path(args.output_dir) if args.output_dir else (Path(args.model) if local else Path()) / OUTPUT_SUBDIR
    output_dir.mkdir(parents=True, exist_ok=True)
    images = (result.images.permute(0, 2, 3, 1).numpy() * 255).round().astype("uint8")  # (9, H, W, 3)
    save_images(images, output_dir)
    initial, final = result.initial_logits.tolist(), result.final_logits.tolist()
    grid = output_dir / GRID_FILENAME
    plot_grid(images, initial, final, grid)
    summary = {
        "model": args.model,
        "output_dir": str(output_dir),
        "image_size": list(images.shape[1:3]),
        "settings": settings,
        "logits": {emotion: {"initial": initial[i], "final": final[i]} for i, emotion in enumerate(EMOTIONS)},
    }
    (output_dir / LOGITS_FILENAME).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    logger.info("Class visualisation written to %s", grid)
    print(json.dumps(summary, indent=2))
    return summary


def image_filename(emotion: str) -> str:
    return emotion.replace(" ", "-") + ".png"


def save_images(images, output_dir: Path) -> None:
    """One PNG per emotion, `<emotion>.png`, from (9, H, W, 3) uint8."""
    from PIL import Image

    for emotion, image in zip(EMOTIONS, images):
        Image.fromarray(image).save(output_dir / image_filename(emotion))


def plot_grid(images, initial: list[float], final: list[float], path: Path) -> None:
    """The nine images as a 3 x 3 grid, each titled with its emotion and its logit before and after, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    width, height = GRID_CELL_INCHES
    figure, axes = plt.subplots(3, 3, figsize=(3 * width, 3 * height))
    for axis, emotion, image, before, after in zip(axes.flat, EMOTIONS, images, initial, final):
        axis.imshow(image)
        axis.set_title(f"{emotion}\nlogit {before:.2f} → {after:.2f}", fontsize=10)
        axis.axis("off")
    figure.tight_layout()
    figure.savefig(path, dpi=GRID_DPI)  # no bbox_inches="tight": the grid keeps the figure's size
    plt.close(figure)


__all__ = ["VisualizeArguments", "visualize"]
