"""`artemis-hf demo`: which models and data the Gradio app serves, and where: flags, else environment variables (how
a Space is configured), else the quickstart's output folders when they exist, else the models on the Hub (which has
no art GAN: without one, the app has no Generate tab).

This module imports nothing heavy, so that `artemis-hf demo --help` answers at once; the app is `artemis_hf.demo`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .data.sources import cache_root

# What a Space serves when its settings name nothing: the published models and dataset.
HUB_NAMESPACE = "artemis-hf"
HUB_DEFAULTS = {
    "speakers": tuple(f"{HUB_NAMESPACE}/artemis-speaker-{arch}" for arch in ("sat", "m2", "nn")),
    "image_classifier": f"{HUB_NAMESPACE}/artemis-image-emotion",
    "text_classifier": f"{HUB_NAMESPACE}/artemis-text-emotion",
}
# The folders `artemis-hf quickstart` writes under its --output_dir (whose default is QUICKSTART_DIR).
QUICKSTART_DIR = "outputs/quickstart"
QUICKSTART_FOLDERS = {
    "speakers": ("speaker-sat", "speaker-m2", "speaker-nn"),
    "image_classifier": "image-emotion",
    "text_classifier": "text-emotion",
    "gan": "art-gan",
}
# Environment variables, read when the flag is not given (a Space's settings are its variables).
ENVIRONMENT = {
    "speaker": "ARTEMIS_SPEAKERS",  # comma-separated
    "image_classifier": "ARTEMIS_IMAGE_CLASSIFIER",
    "text_classifier": "ARTEMIS_TEXT_CLASSIFIER",
    "gan": "ARTEMIS_GAN",
    "dataset": "ARTEMIS_DATASET",
    "images_dir": "ARTEMIS_IMAGES_DIR",
    "votes_db": "ARTEMIS_VOTES_DB",
}
NONE = "none"  # a setting's value that turns an optional model off


@dataclass
class DemoArguments:
    speaker: list[str] | None = field(
        default=None,
        metadata={
            "help": f"Speakers (folders or Hub ids), selectable in the app. Default: ${ENVIRONMENT['speaker']} "
            f"(comma-separated), else the quickstart's speaker-sat, speaker-m2 and speaker-nn under --quickstart_dir, else "
            f"{', '.join(HUB_DEFAULTS['speakers'])}."
        },
    )
    image_classifier: str | None = field(
        default=None,
        metadata={
            "help": f"Image emotion classifier (emotion distribution, 'auto' emotion, Grad-CAM); '{NONE}' for none. "
            f"Default: ${ENVIRONMENT['image_classifier']}, else the one the first speaker's config names, else the "
            f"quickstart's image-emotion, else {HUB_DEFAULTS['image_classifier']} (with Hub speakers)."
        },
    )
    text_classifier: str | None = field(
        default=None,
        metadata={
            "help": f"Text emotion classifier that reads each caption back; '{NONE}' for none. Default: "
            f"${ENVIRONMENT['text_classifier']}, else the quickstart's text-emotion, else "
            f"{HUB_DEFAULTS['text_classifier']} (with Hub speakers)."
        },
    )
    gan: str | None = field(
        default=None,
        metadata={
            "help": f"Art GAN (folder or Hub id) whose paintings of a chosen emotion the Generate tab shows, judged by "
            f"the image classifier; '{NONE}' for none (no Generate tab). Default: ${ENVIRONMENT['gan']}, else the "
            f"quickstart's {QUICKSTART_FOLDERS['gan']} under --quickstart_dir, else none."
        },
    )
    dataset: str | None = field(
        default=None,
        metadata={
            "help": f"Release CSV whose test paintings and human utterances the Turing test shows. Default: "
            f"${ENVIRONMENT['dataset']}, else the embedded synthetic release."
        },
    )
    images_dir: str | None = field(
        default=None,
        metadata={
            "help": f"Images of --dataset as <art_style>/<painting>.jpg. Default: ${ENVIRONMENT['images_dir']}, "
            "else the folder 'images' beside the CSV."
        },
    )
    votes_db: str | None = field(
        default=None,
        metadata={
            "help": f"SQLite file of the Turing test's votes. Default: ${ENVIRONMENT['votes_db']}, else "
            "demo/turing_test.sqlite3 in the artemis_hf cache."
        },
    )
    quickstart_dir: str = field(
        default=QUICKSTART_DIR, metadata={"help": "Where to look for the quickstart's models (its --output_dir)."}
    )
    num_beams: int = field(default=5, metadata={"help": "Beam width of generated captions (the reference: 5)."})
    max_batch_size: int = field(
        default=8, metadata={"help": "Most visitors' paintings captioned together in one batched beam search."}
    )
    device: str | None = field(default=None, metadata={"help": "cpu, cuda, ... Default: the pipelines' choice."})
    host: str | None = field(
        default=None, metadata={"help": "Address to serve on. Default: $GRADIO_SERVER_NAME, else 127.0.0.1."}
    )
    port: int | None = field(
        default=None, metadata={"help": "Port to serve on. Default: $GRADIO_SERVER_PORT, else 7860 or the next free."}
    )
    share: bool = field(default=False, metadata={"help": "Also serve on a public gradio.live link."})
    max_file_size: str = field(default="20mb", metadata={"help": "Largest upload the server accepts."})

    def __post_init__(self):
        for name in ("num_beams", "max_batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"--{name} must be a positive integer, got {getattr(self, name)}")

    def resolve(self) -> DemoSettings:
        """The models and files to serve: each setting from its flag, its environment variable, or the defaults."""
        defaults = self.defaults()
        speakers = self.speaker or _environment_list("speaker") or defaults["speakers"]
        if not speakers:
            raise ValueError("--speaker: no speaker to serve; name at least one folder or Hub id")
        if len(set(speakers)) != len(speakers):
            raise ValueError(f"--speaker names a model twice: {speakers}")
        dataset = _setting(self.dataset, "dataset")
        if dataset is not None and not Path(dataset).is_file():
            raise FileNotFoundError(f"--dataset {dataset}: no such file")
        images_dir = _setting(self.images_dir, "images_dir")
        if images_dir is None and dataset is not None:
            images_dir = str(Path(dataset).with_name("images"))
        text_classifier = _setting(self.text_classifier, "text_classifier") or defaults["text_classifier"]
        return DemoSettings(
            speakers=tuple(speakers),
            image_classifier=_setting(self.image_classifier, "image_classifier"),
            default_image_classifier=defaults["image_classifier"],
            text_classifier=_unless_none(text_classifier),
            gan=_unless_none(_setting(self.gan, "gan") or defaults["gan"]),
            dataset=dataset,
            images_dir=images_dir,
            votes_db=_setting(self.votes_db, "votes_db") or str(cache_root() / "demo" / "turing_test.sqlite3"),
            num_beams=self.num_beams,
            max_batch_size=self.max_batch_size,
            device=self.device,
        )

    def defaults(self) -> dict:
        """The quickstart's model folders that exist, where it has run (its speaker-sat is there); else the Hub's.
        The GAN is the quickstart's wherever it exists: the Hub has none to fall back on."""
        quickstart = Path(self.quickstart_dir)

        def existing(name: str) -> str | None:
            return str(quickstart / name) if (quickstart / name).is_dir() else None

        gan = existing(QUICKSTART_FOLDERS["gan"])
        if not (quickstart / QUICKSTART_FOLDERS["speakers"][0]).is_dir():
            return {**HUB_DEFAULTS, "speakers": list(HUB_DEFAULTS["speakers"]), "gan": gan}
        return {
            "speakers": [folder for folder in map(existing, QUICKSTART_FOLDERS["speakers"]) if folder],
            "image_classifier": existing(QUICKSTART_FOLDERS["image_classifier"]),
            "text_classifier": existing(QUICKSTART_FOLDERS["text_classifier"]),
            "gan": gan,
        }


@dataclass(frozen=True)
class DemoSettings:
    """What the app serves, resolved (hashable: the models of one set of settings load once per process)."""

    speakers: tuple[str, ...]
    image_classifier: str | None = None  # as set; NONE: no classifier at all
    # Where no setting names one: the first speaker's config's, else this one.
    default_image_classifier: str | None = None
    text_classifier: str | None = None
    gan: str | None = None  # None: no Generate tab
    dataset: str | None = None  # None: the embedded synthetic release
    images_dir: str | None = None
    votes_db: str = "turing_test.sqlite3"
    num_beams: int = 5
    max_batch_size: int = 8
    device: str | None = None

    def chosen_image_classifier(self, named_by_speaker: str | None) -> str | None:
        """The image classifier to load, given the one the first speaker's config names (if any)."""
        if self.image_classifier is not None:
            return _unless_none(self.image_classifier)
        return named_by_speaker or self.default_image_classifier


def _environment_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(ENVIRONMENT[name], "").split(",") if item.strip()]


def _setting(value: str | None, name: str) -> str | None:
    """The flag's value, else the environment variable's, else None."""
    return value or os.environ.get(ENVIRONMENT[name]) or None


def _unless_none(value: str | None) -> str | None:
    return None if value is None or value.lower() == NONE else value
