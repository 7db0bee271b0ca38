"""The model families that the Hub knows, and what makes a folder a model folder of one of them.

A family is one entry of `FAMILIES` plus its card template, `model_cards/<name>.md`: a new family (the art GAN)
joins by adding both. `read_model_folder` is the check that `artemis-hf card` and `artemis-hf push`
make first: a training checkpoint, or a folder that holds no model of ours, is refused with the reason.

Reads JSON only (no torch), so that the checks answer at once.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..emotions import EMOTIONS

CONFIG_FILENAME = "config.json"
EVAL_RESULTS_FILENAME = "eval_results.json"
ARGS_FILENAME = "training_args.json"
# What a training checkpoint holds besides weights (artemis_hf.training.checkpoints: the loop's progress, the run's
# fingerprint, optimizer and RNG states); a test keeps these names equal to the loop's.
CHECKPOINTS_DIR = "checkpoints"
CHECKPOINT_FILES = ("progress.json", "fingerprint.json", "optimizer.json", "optimizer.safetensors")
WEIGHTS_FILES = ("model.safetensors", "model.safetensors.index.json")


@dataclass(frozen=True)
class Family:
    """A kind of model: how the Hub files it and which template writes its card."""

    name: str  # its template: model_cards/<name>.md
    title: str  # the card's title, before what it was trained on
    pipeline_tag: str  # the Hub's task
    model_types: tuple[str, ...]  # the `model_type` of its configs
    tags: tuple[str, ...] = ()
    language: tuple[str, ...] = ()  # of the text it reads or writes
    subfolders: tuple[str, ...] = ()  # other networks saved beside the main one, published with it


FAMILIES: tuple[Family, ...] = (
    Family(
        "image-emotion",
        "Image-to-emotion classifier",
        "image-classification",
        ("artemis-image-emotion",),
        ("image-classification", "timm"),
    ),
    Family(
        "handcrafted-emotion",
        "Hand-crafted-features emotion classifier",
        "image-classification",
        ("artemis-handcrafted-emotion",),
        ("image-classification", "handcrafted-features"),
    ),
    Family(
        "text-emotion",
        "Text-to-emotion classifier",
        "text-classification",
        ("artemis-text-emotion-lstm",),
        ("text-classification",),
        ("en",),
    ),
    # image-to-text: still the Hub's task for prompt-free captioners, though transformers 5 has no such pipeline.
    Family(
        "speaker-sat",
        "Show-Attend-Tell affective speaker",
        "image-to-text",
        ("artemis-speaker-sat",),
        ("image-captioning", "show-attend-tell"),
        ("en",),
    ),
    Family(
        "speaker-m2",
        "Meshed-memory transformer affective speaker",
        "image-to-text",
        ("artemis-speaker-m2",),
        ("image-captioning", "meshed-memory-transformer"),
        ("en",),
    ),
    Family(
        "speaker-nn",
        "Nearest-neighbour affective speaker",
        "image-to-text",
        ("artemis-speaker-nn",),
        ("image-captioning", "nearest-neighbor"),
        ("en",),
    ),
    # The Hub has no task for class-conditional generation: unconditional, tagged as conditioned on the emotion.
    Family(
        "art-gan",
        "Emotion-conditioned art GAN",
        "unconditional-image-generation",
        ("artemis-art-gan",),
        ("gan", "conditional-image-generation", "class-conditional"),
        subfolders=("discriminator",),
    ),
)
TEXT_EMOTION = "text-emotion"


@dataclass
class ModelFolder:
    """A model folder of one of our families, with the JSON that its card is made from."""

    path: Path
    family: Family
    config: dict
    training_args: dict | None = None  # flat, or {"arguments": {group: {...}}, "device", "steps", "wall_time_s"}
    eval_results: list[dict] = field(default_factory=list)  # huggingface_hub.EvalResult fields

    @property
    def remote_code(self) -> bool:
        """Whether the folder carries its model's code (a model of ours, not a Hub encoder fine-tuned)."""
        return bool(self.config.get("auto_map"))


def family_of(config: dict) -> Family | None:
    """The family whose model_type the config has; a Hub encoder fine-tuned on the 9 emotions is a text-emotion model
    (`train text-emotion --model_name_or_path bert-base-uncased` keeps the encoder's own model_type)."""
    for family in FAMILIES:
        if config.get("model_type") in family.model_types:
            return family
    labels = [name for _, name in sorted((config.get("id2label") or {}).items(), key=lambda item: int(item[0]))]
    architectures = config.get("architectures") or []
    if labels == list(EMOTIONS) and any(name.endswith("ForSequenceClassification") for name in architectures):
        return next(family for family in FAMILIES if family.name == TEXT_EMOTION)
    return None


def read_model_folder(model_dir: str | os.PathLike, argument: str = "--model_dir") -> ModelFolder:
    """The folder as a `ModelFolder`, or an error naming `argument` and the path: no such folder, a training
    checkpoint (resume state, never published), no config, a config of no family of ours, no safetensors weights."""
    path = Path(model_dir)
    if not path.is_dir():
        raise FileNotFoundError(f"{argument} {model_dir}: no such folder")
    if path.parent.name == CHECKPOINTS_DIR or any((path / name).exists() for name in CHECKPOINT_FILES):
        raise ValueError(
            f"{argument} {model_dir} is a training checkpoint (resume state: optimizer, RNG, progress), not a model "
            f"folder: use the run's folder{f' {path.parent.parent}' if path.parent.name == CHECKPOINTS_DIR else ''}, "
            "which holds the best model"
        )
    config = _read_json(path / CONFIG_FILENAME, argument)
    if config is None:
        waiting = " (training has not saved a model yet)" if (path / CHECKPOINTS_DIR).is_dir() else ""
        raise ValueError(
            f"{argument} {model_dir} holds no {CONFIG_FILENAME}{waiting}: not a model folder; expected the output "
            "folder of `artemis-hf train ...`"
        )
    family = family_of(config)
    if family is None:
        known = [model_type for family in FAMILIES for model_type in family.model_types]
        raise ValueError(
            f"{argument} {model_dir}: its {CONFIG_FILENAME} has model_type {config.get('model_type')!r}, not an "
            f"artemis-hf model (one of {known}, or a text encoder fine-tuned on the 9 emotions)"
        )
    if not any((path / name).is_file() for name in WEIGHTS_FILES):
        pickles = sorted(p.name for p in path.glob("*") if p.suffix in (".bin", ".pt", ".pth", ".pkl", ".ckpt"))
        found = f" (found {pickles}: pickles, which are never published; save with safetensors)" if pickles else ""
        raise ValueError(f"{argument} {model_dir} holds no weights: {' or '.join(WEIGHTS_FILES)} is missing{found}")
    eval_results = _read_json(path / EVAL_RESULTS_FILENAME, argument) or []
    if not isinstance(eval_results, list) or not all(isinstance(record, dict) for record in eval_results):
        raise ValueError(f"{argument} {model_dir}: {EVAL_RESULTS_FILENAME} must hold a list of EvalResult records")
    training_args = _read_json(path / ARGS_FILENAME, argument)
    if training_args is not None and not isinstance(training_args, dict):
        raise ValueError(f"{argument} {model_dir}: {ARGS_FILENAME} must hold a JSON object")
    return ModelFolder(path, family, config, training_args, eval_results)


def is_local_path(name: str) -> bool:
    """Whether `name` means a local folder: an existing path, or one that cannot be a Hub id (absolute, '.', '~')."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    if os.path.exists(name):
        return True
    try:
        validate_repo_id(name)
    except HFValidationError:
        return True
    return False


def check_folder_family(name_or_path: str, families: tuple[str, ...], argument: str, wanted: str) -> None:
    """When `name_or_path` is a local folder, refuse it in one line unless it holds a model of one of `families`
    (`wanted` says what that is); a Hub id is checked once loaded."""
    if not is_local_path(name_or_path):
        return
    folder = read_model_folder(name_or_path, argument)
    if folder.family.name not in families:
        raise ValueError(
            f"{argument} {name_or_path} holds a '{folder.config.get('model_type')}' model (the "
            f"{folder.family.name} family), not {wanted}"
        )


def _read_json(path: Path, argument: str):
    """The JSON in `path`, None when there is no such file, or an error naming the file."""
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{argument} {path.parent}: {path.name} is not valid JSON ({error})") from error
