"""The ArtEmis Gradio app: `artemis-hf demo` here, `spaces/app.py` on a Hugging Face Space.

Tab "Explain": a painting (uploaded, or one of the synthetic examples drawn at start-up) -> the image classifier's 9
emotions, the caption a speaker writes for the top emotion or for any other, the speaker's attention over the painting
word by word, and on request the Grad-CAM map of the emotion. Tab "Turing test": a painting, one human utterance and
one generated caption for the same emotion, in random order; the visitor guesses which is human. Votes are counted in
SQLite.
Tab "Generate", when an art GAN is configured: paintings the GAN draws for a chosen emotion, each captioned with the
image classifier's verdict on it.

Captioning and Grad-CAM are gradio batch functions: the paintings of visitors who ask at once go through one batched
beam search (several times faster per painting on a CPU than one at a time). A batch mixes visitors, and gradio hands a
batch function the first one's session, so the batched steps touch no per-visitor state: what a visitor needs later
(the attention maps) travels in a hidden JSON component, and the steps that follow run unbatched. Every event that
reads a painting first runs `check_painting`, unbatched, which decodes it as the captioning pipeline does and refuses
a bad file with a message for that visitor alone, so that a batch never fails for everyone.
"""

from __future__ import annotations

import html
import logging
import math
import os
import random
import sqlite3
import tempfile
import threading
import time
import uuid
import warnings
from collections import Counter, defaultdict
from contextlib import closing
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: else it calls api.gradio.app

try:
    import gradio as gr
except ModuleNotFoundError as error:  # an extra: say which
    raise ModuleNotFoundError(f"the demo needs gradio ({error}): pip install 'artemis-hf[demo]'") from error
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from PIL import Image, UnidentifiedImageError  # noqa: E402
from transformers import Pipeline, pipeline  # noqa: E402
from transformers.models.auto.modeling_auto import (  # noqa: E402
    MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING,
    MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING,
)

from .data.images import index_images  # noqa: E402
from .data.release import read_release  # noqa: E402
from .data.sources import pretty_dataset_name, synthetic_default_release  # noqa: E402
from .data.splits import split_paintings  # noqa: E402
from .data.synthetic import make_synthetic_release  # noqa: E402
from .data.text import tokenize  # noqa: E402
from .demo_arguments import DemoArguments, DemoSettings  # noqa: E402
from .emotions import EMOTIONS  # noqa: E402
from .evaluation.art_gan import classify  # noqa: E402
from .generation import load_generator, paint  # noqa: E402
from .models.art_gan import to_pil_images  # noqa: E402
from .models.image_emotion import grad_cam, overlay_heatmap  # noqa: E402
from .pipelines.captioning import AUTO, TASK, load_checked, load_rgb, speaker_config  # noqa: E402

logger = logging.getLogger(__name__)

EMOTION_CHOICES = (AUTO, *EMOTIONS)
DISPLAY_SIZE = 448  # longer side of the images the app draws (overlays, the Turing test's painting)
CSS = ".painting img { width: 100%; height: 100%; object-fit: contain; }"  # uploads shown large, whatever their size
EXAMPLE_SIZE = 256  # synthetic example paintings, drawn at start-up
FORMATS = "JPEG, PNG, WebP, GIF, BMP or TIFF"  # what PIL reads, named in messages
# The events that run models share one queue slot: on a CPU, two model jobs at once only contend for the same cores,
# while the requests that wait meanwhile join the next batch.
ONE_MODEL_JOB = {"concurrency_id": "models", "concurrency_limit": 1}
GALLERY_SIZE = 128  # a GAN's paintings are small: shown enlarged to about this size, each pixel a sharp square
MAX_PAINTINGS = 8  # per click of the Generate tab
MAX_SEED = 2**32 - 1
NEW_SEED = -1  # the seed that asks for new paintings each time (gradio's number field shows 0, never empty)
SPEAKER_KINDS = {
    "artemis-speaker-sat": "Show-Attend-Tell",
    "artemis-speaker-m2": "meshed-memory transformer",
    "artemis-speaker-nn": "nearest neighbour",
}


class PaintingError(ValueError):
    """A file that is not a painting we can read, with the message the visitor sees."""


# --- Reading a painting -------------------------------------------------------------------------------------------


def painting_file(painting) -> tuple[str, str]:
    """(path, name to show) of a painting as events receive it: gradio's file payload (a dict), or a path."""
    if isinstance(painting, dict):
        return painting["path"], painting.get("orig_name") or Path(painting["path"]).name
    return str(painting), Path(painting).name


def read_painting(painting) -> Image.Image:
    """The painting as the captioning pipeline reads it (`load_rgb`: any mode to RGB, the size limit, EXIF
    orientation, an animated GIF's first frame), or a `PaintingError` that says what is wrong with the file."""
    path, name = painting_file(painting)
    if not os.path.isfile(path):
        raise PaintingError(f"{name}: the file is gone; upload it again")
    if os.path.getsize(path) == 0:
        raise PaintingError(f"{name} is empty (0 bytes): upload a painting as {FORMATS}")
    too_large = f"{name} is too large: over {Image.MAX_IMAGE_PIXELS:,} pixels. Upload a smaller copy of the painting"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # refused below, before decoding
            with Image.open(path) as image:
                width, height = image.size
                if width * height > Image.MAX_IMAGE_PIXELS:
                    raise PaintingError(f"{too_large} ({width}x{height})")
                return load_rgb(image)  # decodes into a new image: the file can close
    except PaintingError:
        raise
    except Image.DecompressionBombError as error:  # PIL refuses to open twice its limit
        raise PaintingError(too_large) from error
    except UnidentifiedImageError as error:
        raise PaintingError(f"{name} is not an image: upload a painting as {FORMATS}") from error
    except (OSError, ValueError, SyntaxError) as error:  # PIL's errors for truncated or corrupt data
        raise PaintingError(f"{name} could not be decoded ({error}): is the file complete?") from error


def check_painting(painting) -> None:
    """First step of every event that reads a painting: a readable message in the page for a file we cannot read."""
    if painting is not None:
        try:
            read_painting(painting)
        except PaintingError as error:
            raise gr.Error(str(error), title="Cannot read this file") from error


def display_copy(image: Image.Image) -> Image.Image:
    """The image scaled to DISPLAY_SIZE on its longer side: a 64-pixel painting shows large, and the overlays of a
    4000-pixel photo stay quick to draw and to send."""
    scale = DISPLAY_SIZE / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.BICUBIC)


# --- Models -------------------------------------------------------------------------------------------------------


@dataclass
class Speaker:
    name: str  # the setting: a folder or a Hub id
    label: str  # what the selector shows
    captioner: Pipeline
    lock: threading.Lock = field(default_factory=threading.Lock)  # one pipeline call at a time: events run in threads

    @property
    def generates(self) -> bool:
        """Show-Attend-Tell generates (with attention); the nearest-neighbour speaker retrieves."""
        return self.captioner.model.can_generate()


@dataclass
class Models:
    speakers: dict[str, Speaker]  # by name, in the order of the settings
    classifier: Pipeline | None  # "image-classification"
    text_classifier: Pipeline | None  # "text-classification"
    generator: torch.nn.Module | None = None  # the art GAN's

    @property
    def has_grad_cam(self) -> bool:
        """Whether the image classifier can show Grad-CAM (it needs a convolutional feature map)."""
        return self.classifier is not None and hasattr(self.classifier.model, "forward_features")


@cache
def load_models(settings: DemoSettings) -> Models:
    """The settings' models, loaded once per process."""
    configs = {name: speaker_config(name, "--speaker") for name in settings.speakers}  # a wrong folder, named now
    generator = settings.gan and load_generator(settings.gan, "--gan", settings.device)  # a wrong folder, named now
    first = configs[settings.speakers[0]]
    classifier_name = settings.chosen_image_classifier(getattr(first, "emotion_classifier_name_or_path", None))
    classifier = None if classifier_name is None else load_image_classifier(classifier_name, settings.device)
    speakers = {}
    for name, config in configs.items():
        logger.info("Loading the speaker %s", name)
        captioner = pipeline(TASK, model=name, emotion_classifier=classifier, device=settings.device)
        kind = SPEAKER_KINDS.get(config.model_type, config.model_type)
        speakers[name] = Speaker(name, f"{kind} ({name.rstrip('/').rsplit('/', 1)[-1]})", captioner)
    text_classifier = settings.text_classifier and load_text_classifier(settings.text_classifier, settings.device)
    return Models(speakers, classifier, text_classifier, generator)


def load_image_classifier(name: str, device: str | None) -> Pipeline:
    logger.info("Loading the image classifier %s", name)
    classifier = load_checked(
        lambda: pipeline("image-classification", model=name, device=device),
        "--image_classifier",
        name,
        MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING,
        "an image classifier (AutoModelForImageClassification)",
    )
    labels = list(classifier.model.config.id2label.values())
    if sorted(labels) != sorted(EMOTIONS):
        raise ValueError(f"--image_classifier {name} predicts {labels}, not the 9 ArtEmis emotions")
    return classifier


def load_text_classifier(name: str, device: str | None) -> Pipeline:
    logger.info("Loading the text classifier %s", name)
    return load_checked(
        lambda: pipeline("text-classification", model=name, device=device),
        "--text_classifier",
        name,
        MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING,
        "a text classifier (AutoModelForSequenceClassification)",
    )


# --- Explain ------------------------------------------------------------------------------------------------------


def group_rows(keys: dict[int, object]) -> dict[object, list[int]]:
    """{key: rows} from {row: key}, in first-seen order: the rows that one pipeline call can serve together."""
    groups = defaultdict(list)
    for row, key in keys.items():
        groups[key].append(row)
    return groups


def read_paintings(paintings: list) -> tuple[dict[int, Image.Image], dict[int, str]]:
    """({row: image}, {row: error message}) of a batch's paintings; rows without a painting are in neither."""
    images, errors = {}, {}
    for row, painting in enumerate(paintings):
        if painting is not None:
            try:
                images[row] = read_painting(painting)
            except PaintingError as error:  # check_painting told this visitor; an API caller may have skipped it
                errors[row] = str(error)
    return images, errors


def words_html(words: list[str], current: int | None = None) -> str:
    """The caption with word `current` (0-based) highlighted: the one whose attention the overlay shows."""
    shown = [
        f"<mark>{html.escape(word)}</mark>" if index == current else html.escape(word)
        for index, word in enumerate(words)
    ]
    return f"<p class='caption-words'>{' '.join(shown)}</p>"


class Explainer:
    """The functions behind the Explain tab; the batched ones take and return one list per component."""

    def __init__(self, models: Models, settings: DemoSettings):
        self.models = models
        self.num_beams = settings.num_beams
        self.batch_sizes = Counter()  # {paintings in a call: calls}: how well visitors' requests were batched

    def emotion_scores(self, images: list[Image.Image]) -> list[dict[str, float]]:
        """The image classifier's distribution over the emotions, as the captioning pipeline computes it for 'auto'."""
        classifier = self.models.classifier
        pixel_values = classifier.image_processor(images=images, return_tensors="pt")["pixel_values"]
        with torch.inference_mode():
            logits = classifier.model(pixel_values=pixel_values.to(classifier.device, classifier.dtype)).logits
        names = classifier.model.config.id2label
        return [{names[k]: float(p) for k, p in enumerate(row)} for row in logits.float().softmax(-1).cpu()]

    def caption(self, speaker: Speaker, images: list[Image.Image], emotion: str | None) -> list[dict]:
        """One pipeline call for paintings that share an emotion choice ('auto' included: the pipeline then takes
        each painting's top emotion from the classifier, within the one batch)."""
        options = {"emotion": emotion} if emotion else {}
        if speaker.generates:
            options.update(num_beams=self.num_beams, return_attention=True)
        with speaker.lock:
            results = speaker.captioner(images, batch_size=len(images), **options)
        return [result for [result] in results]

    def read_back(self, captions: list[str]) -> list[str]:
        """What the text classifier reads in each caption (Markdown), or nothing without one."""
        if self.models.text_classifier is None or not captions:
            return [""] * len(captions)
        readings = self.models.text_classifier(captions, batch_size=len(captions))
        return [f"The text classifier reads it as **{r['label']}** ({r['score']:.0%})." for r in readings]

    def explain(self, paintings: list, speakers: list[str], emotions: list[str]) -> tuple[list, list, list, list]:
        """Batched: per painting, the emotion distribution (gr.Label), the caption, the text classifier's reading, and
        the explanation for the hidden JSON component (speaker, emotion, words, attention maps; or an error)."""
        self.batch_sizes[len(paintings)] += 1
        images, errors = read_paintings(paintings)
        outputs = {row: (None, "", {"error": message}) for row, message in errors.items()}
        for (name, emotion), rows in group_rows({row: (speakers[row], emotions[row]) for row in images}).items():
            outputs.update(zip(rows, self._explain_group(name, emotion, [images[row] for row in rows])))
        nothing = (None, "", None)  # no painting: the outputs are cleared
        scores, captions, explanations = map(list, zip(*(outputs.get(row, nothing) for row in range(len(paintings)))))
        captioned = [row for row, text in enumerate(captions) if text]
        readings = dict(zip(captioned, self.read_back([captions[row] for row in captioned])))
        return scores, captions, [readings.get(row, "") for row in range(len(paintings))], explanations

    def _explain_group(self, name: str, emotion: str, images: list[Image.Image]) -> list[tuple]:
        """(scores, caption, explanation) of paintings that share a speaker and an emotion choice."""
        speaker = self.models.speakers.get(name)
        refusal = self._refusal(speaker, name, emotion)
        if refusal is not None:
            return [(None, "", {"error": refusal})] * len(images)
        if emotion == AUTO and self.models.classifier is None:
            emotion = None  # an ungrounded speaker needs none
        scores = [None] * len(images)
        if emotion != AUTO and self.models.classifier is not None:  # with 'auto' the pipeline returns them
            scores = self.emotion_scores(images)
        results = self.caption(speaker, images, emotion)
        return [
            (
                result.get("scores", distribution),
                result["generated_text"],
                {
                    "speaker": speaker.name,
                    "emotion": result["emotion"],
                    "words": result["generated_text"].split(),
                    "attention": None if "attention" not in result else np.round(result["attention"], 4).tolist(),
                },
            )
            for result, distribution in zip(results, scores)
        ]

    def _refusal(self, speaker: Speaker | None, name: str, emotion: str) -> str | None:
        """Why paintings cannot be explained with this choice (an API caller may send anything), or None."""
        if speaker is None:
            return f"speaker must be one of {list(self.models.speakers)}, got {name!r}"
        if emotion not in EMOTION_CHOICES:
            return f"emotion must be one of {list(EMOTION_CHOICES)}, got {emotion!r}"
        grounded = getattr(speaker.captioner.model.config, "emotion_grounding", False)
        if emotion == AUTO and self.models.classifier is None and grounded:
            return "Choose an emotion: no image classifier is here to pick one"
        return None

    def grad_cams(self, paintings: list, emotions: list[str]) -> tuple[list]:
        """Batched: the Grad-CAM overlay of each painting for its emotion ('auto': the classifier's top one)."""
        classifier, overlays = self.models.classifier, [None] * len(paintings)
        if not self.models.has_grad_cam:
            raise gr.Error("The image classifier of this app cannot show Grad-CAM")
        images, _ = read_paintings(paintings)  # check_painting told the visitors whose files are bad
        unknown = {row: emotions[row] for row in images if emotions[row] not in EMOTION_CHOICES}
        if unknown:  # an API caller's mistake: the others in the batch still get theirs
            logger.warning("Grad-CAM skipped for unknown emotions %s", sorted(set(unknown.values())))
        labels = {row: None if emotions[row] == AUTO else emotions[row] for row in images if row not in unknown}
        for label, rows in group_rows(labels).items():
            # The classifier sees the painting as the caption's classifier did; the map is drawn over a display copy.
            pixel_values = classifier.image_processor(images=[images[row] for row in rows], return_tensors="pt")
            pixel_values = pixel_values["pixel_values"].to(classifier.device, classifier.dtype)
            for row, heatmap in zip(rows, grad_cam(classifier.model, pixel_values, label)):
                overlays[row] = overlay_heatmap(display_copy(images[row]), heatmap)
        return (overlays,)  # one list per output component


def show_explanation(painting, explanation: dict | None) -> tuple:
    """Unbatched, after `Explainer.explain`: this visitor's error, or the word slider and the first word's overlay
    (and no Grad-CAM: the one shown was of another painting or emotion). The painting, ready to overlay, goes into
    the visitor's session state for the slider's later moves."""
    if explanation and explanation.get("error"):
        raise gr.Error(explanation["error"])
    if not explanation or not explanation.get("attention"):
        note = "" if not explanation else "<p>This speaker retrieves a caption: it has no attention to show.</p>"
        return gr.update(visible=False, value=1), None, note, None, None
    image = np.asarray(display_copy(read_painting(painting)))
    overlay, highlighted = show_word(image, explanation, 1)
    return gr.update(visible=True, maximum=len(explanation["words"]), value=1), overlay, highlighted, image, None


def show_word(image: np.ndarray | None, explanation: dict | None, position: float) -> tuple:
    """The speaker's attention while it wrote word `position` (1-based) over the painting, and the caption with that
    word highlighted."""
    if image is None or not explanation or not explanation.get("attention"):
        return None, ""
    index = min(max(int(position), 1), len(explanation["words"])) - 1
    heatmap = np.asarray(explanation["attention"][index])
    overlay = overlay_heatmap(Image.fromarray(image), heatmap / max(heatmap.max(), 1e-12))
    return overlay, words_html(explanation["words"], index)


# --- Turing test --------------------------------------------------------------------------------------------------


class VoteStore:
    """The Turing test's votes in SQLite: one row per round, each written in its own transaction, so that visitors
    voting at once (threads, processes, or replicas sharing the file) never lose a vote, and a round voted twice
    counts once. WAL mode: reading the tally never blocks a vote, nor a vote the tally."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as connection, connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS votes (round_id TEXT PRIMARY KEY, speaker TEXT NOT NULL, "
                "fooled INTEGER NOT NULL, voted_at REAL NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)  # waits for another writer's transaction instead of failing

    def record(self, round_id: str, speaker: str, fooled: bool) -> bool:
        """Count one vote; False when this round was counted already."""
        with closing(self._connect()) as connection, connection:
            cursor = connection.execute(
                "INSERT OR IGNORE INTO votes VALUES (?, ?, ?, ?)", (round_id, speaker, int(fooled), time.time())
            )
        return cursor.rowcount == 1

    def tally(self) -> tuple[int, int]:
        """(visitors fooled, votes)."""
        with closing(self._connect()) as connection:
            fooled, votes = connection.execute("SELECT COALESCE(SUM(fooled), 0), COUNT(*) FROM votes").fetchone()
        return int(fooled), int(votes)


@dataclass
class Utterances:
    """Human utterances of the test paintings that have an image: the Turing test's half written by people."""

    texts: list[str]  # cleaned as the speakers' training text was, so that case and punctuation give nothing away
    emotions: list[str]
    images: list[str]  # paths

    @classmethod
    def load(cls, csv_path: str, images_dir: str | None) -> Utterances:
        frame = read_release(csv_path)
        split = split_paintings(frame["painting_id"])  # the builder's default split: paintings no speaker trained on
        paths = index_images(images_dir) if images_dir and os.path.isdir(images_dir) else {}
        frame = frame[frame["painting_id"].map(split).eq("test") & frame["painting_id"].isin(paths)]
        if frame.empty:
            raise ValueError(f"--dataset {csv_path}: no test painting has an image in {images_dir}")
        texts = [" ".join(tokens) for tokens in tokenize(frame["utterance"].tolist()).to_pylist()]
        return cls(texts, [EMOTIONS[e] for e in frame["emotion"]], [paths[p] for p in frame["painting_id"]])


class TuringTest:
    """The emotional Turing test: which of two explanations of a painting's emotion did a person write?"""

    def __init__(self, speaker: Speaker, utterances: Utterances, votes: VoteStore, num_beams: int):
        self.speaker, self.utterances, self.votes, self.num_beams = speaker, utterances, votes, num_beams
        self.random = random.Random()

    def deal(self, score: dict | None) -> tuple:
        """A new round: painting, the emotion, explanations A and B, and a fresh result line."""
        row = self.random.randrange(len(self.utterances.texts))
        emotion, image = self.utterances.emotions[row], self.utterances.images[row]
        options = {"num_beams": self.num_beams} if self.speaker.generates else {}
        with self.speaker.lock:
            [generated] = self.speaker.captioner(image, emotion=emotion, **options)
        human = self.random.choice("AB")
        texts = {human: self.utterances.texts[row], "B" if human == "A" else "A": generated["generated_text"]}
        round_ = {"id": uuid.uuid4().hex, "human": human, "voted": False}
        prompt = f"Both explain why this painting made someone feel **{emotion}**. Which one did a person write?"
        painting = display_copy(read_painting(image))  # an image, not the path: gradio serves only its own files
        return painting, prompt, texts["A"], texts["B"], "", round_, self.score_line(score)

    def vote(self, guess: str, round_: dict | None, score: dict | None) -> tuple:
        """Count this visitor's guess once: (result line, round, score, score line, tally line)."""
        if not round_:
            raise gr.Error("Press 'New painting' first")
        fooled = guess != round_["human"]
        # The round's id is the vote's key: a second click, however quick, counts nothing.
        if round_["voted"] or not self.votes.record(round_["id"], self.speaker.name, fooled):
            raise gr.Error("You voted on this painting already: press 'New painting'")
        score = dict(score or {"right": 0, "played": 0})
        score = {"right": score["right"] + (not fooled), "played": score["played"] + 1}
        machine = "B" if round_["human"] == "A" else "A"
        result = (
            f"Fooled! {round_['human']} was written by a person; {machine} by the {self.speaker.label} speaker."
            if fooled
            else f"Right: {round_['human']} was written by a person."
        )
        return result, {**round_, "voted": True}, score, self.score_line(score), self.tally_line()

    def score_line(self, score: dict | None) -> str:
        score = score or {"right": 0, "played": 0}
        return f"Your score: {score['right']} of {score['played']}"

    def tally_line(self) -> str:
        fooled, votes = self.votes.tally()
        return f"People fooled: {fooled} of {votes}"


# --- Generate -----------------------------------------------------------------------------------------------------


def whole_number(value, name: str, low: int, high: int) -> int:
    """`value` as an int from `low` to `high`, or an error naming the input: an API caller may send anything."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not (number.is_integer() and low <= number <= high):
        raise gr.Error(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    return int(number)


def enlarged(image: Image.Image) -> Image.Image:
    """The painting scaled by a whole factor to about GALLERY_SIZE, without smoothing: the GAN's pixels as drawn."""
    factor = max(1, round(GALLERY_SIZE / max(image.size)))
    return image.resize((image.width * factor, image.height * factor), Image.Resampling.NEAREST)


class Painter:
    """The function behind the Generate tab: the GAN's paintings of an emotion, each judged by the image classifier."""

    def __init__(self, generator: torch.nn.Module, classifier: Pipeline | None):
        self.generator, self.classifier = generator, classifier
        self.random = random.Random()

    def generate(self, emotion: str, num_paintings, seed=None) -> tuple[list[tuple[Image.Image, str]], str]:
        """(gallery: (enlarged painting, verdict) pairs, summary in Markdown). Without a seed (None or NEW_SEED) a
        fresh one is drawn and shown, so that a visitor can paint the same again."""
        if emotion not in EMOTIONS:
            raise gr.Error(f"emotion must be one of {list(EMOTIONS)}, got {emotion!r}")
        num_paintings = whole_number(num_paintings, "number of paintings", 1, MAX_PAINTINGS)
        if seed in (None, "", NEW_SEED):
            seed = self.random.randint(0, MAX_SEED)
        seed = whole_number(seed, f"seed ({NEW_SEED} for new paintings)", 0, MAX_SEED)
        pictures = to_pil_images(paint(self.generator, emotion, num_paintings, seed))
        verdicts = self.verdicts(pictures)
        if verdicts is None:
            captions = ["not classified: this app has no image classifier"] * num_paintings
            summary = "No image classifier here to judge them."
        else:
            captions = [f"classified: {label} ({confidence:.0%})" for label, confidence in verdicts]
            matches = sum(label == emotion for label, _ in verdicts)
            summary = f"**{matches} of {num_paintings}** classified as {emotion}, the emotion they were drawn for."
        return list(zip(map(enlarged, pictures), captions)), f"{summary} Seed {seed}: enter it to paint these again."

    def verdicts(self, pictures: list[Image.Image]) -> list[tuple[str, float]] | None:
        """(top emotion, its probability) of each painting as the GAN's evaluation judges it, at the GAN's own size;
        None without a classifier."""
        if self.classifier is None:
            return None
        probabilities, _ = classify(self.classifier.model, self.classifier.image_processor, pictures)
        names = self.classifier.model.config.id2label
        return [(names[int(row.argmax())], float(row.max())) for row in probabilities]


# --- The app ------------------------------------------------------------------------------------------------------


def make_examples(folder: str | os.PathLike) -> list[tuple[str, str]]:
    """(path, emotion) of one synthetic painting per emotion, drawn at start-up: the repository holds no WikiArt image."""
    release = make_synthetic_release(folder, num_paintings=60, image_size=EXAMPLE_SIZE, seed=0, num_workers=1)
    paintings = pd.read_csv(release.paintings_path).drop_duplicates("emotion").set_index("emotion")
    return [
        (str(release.images_dir / row.art_style / f"{row.painting}.jpg"), emotion)
        for emotion, row in paintings.reindex(EMOTIONS).dropna().iterrows()
    ]


INTRO = """# ArtEmis: affective language for visual art
What emotion does a painting evoke, and why? An image classifier reads the emotion; a *speaker* explains it in words,
looking at parts of the painting as it writes."""


def build_app(settings: DemoSettings) -> gr.Blocks:
    """The Gradio app for these settings: models loaded once per process, examples drawn into a temporary folder
    that lives as long as the app. `app.explainer`, `app.turing` and `app.painter` are the functions behind its
    tabs; without a GAN there is no Generate tab, and `app.painter` is None."""
    models = load_models(settings)
    explainer = Explainer(models, settings)
    csv_path, images_dir = (settings.dataset, settings.images_dir) if settings.dataset else synthetic_default_release()
    first = next(iter(models.speakers.values()))
    turing = TuringTest(first, Utterances.load(csv_path, images_dir), VoteStore(settings.votes_db), settings.num_beams)
    examples_dir = tempfile.TemporaryDirectory(prefix="artemis-demo-examples-")
    examples = make_examples(examples_dir.name)
    painter = None if models.generator is None else Painter(models.generator, models.classifier)
    with gr.Blocks(title="ArtEmis", delete_cache=(3600, 3600)) as app:  # uploads leave gradio's cache within hours
        gr.Markdown(INTRO)
        with gr.Tab("Explain", id="explain"):
            explain_tab(explainer, examples, settings.max_batch_size)
        with gr.Tab("Turing test", id="turing") as tab:
            turing_tab(turing, tab, pretty_dataset_name(csv_path))
        if painter is not None:  # hidden like the other optional parts: the Hub has no GAN for a Space to default to
            with gr.Tab("Generate", id="generate"):
                generate_tab(painter)
    app.explainer, app.turing, app.painter, app.examples_dir = explainer, turing, painter, examples_dir
    return app


@dataclass
class ExplainView:
    """The Explain tab's components."""

    painting: gr.Image
    examples: gr.Examples
    speaker: gr.Dropdown
    emotion: gr.Dropdown
    emotions: gr.Label
    caption: gr.Textbox
    reading: gr.Markdown
    attention: gr.Image
    word: gr.Slider
    words: gr.HTML
    cam: gr.Image
    cam_button: gr.Button
    explanation: gr.JSON  # hidden: what the batched step hands the visitor's own steps
    overlay_image: gr.State  # this visitor's painting, ready for the slider's overlays


def explain_view(models: Models, examples: list[tuple[str, str]]) -> ExplainView:
    image = {"height": 360, "elem_classes": ["painting"]}
    with gr.Row():
        with gr.Column():
            painting = gr.Image(label="Painting", type="filepath", sources=["upload"], elem_id="painting", **image)
            example_list = gr.Examples(
                [path for path, _ in examples],
                inputs=painting,
                example_labels=[f"drawn for {emotion}" for _, emotion in examples],
                label="Synthetic paintings (drawn for this session)",
                elem_id="examples",
            )
            speaker = gr.Dropdown(
                [(s.label, s.name) for s in models.speakers.values()],
                value=next(iter(models.speakers)),
                label="Speaker",
                visible=len(models.speakers) > 1,
                elem_id="speaker",
            )
            emotion = gr.Dropdown(
                list(EMOTION_CHOICES),
                value=AUTO if models.classifier is not None else EMOTIONS[0],
                label="Explain which emotion ('auto': the one the image classifier rates highest)",
                elem_id="emotion",
            )
        with gr.Column():
            emotions = gr.Label(label="Emotions it evokes", num_top_classes=len(EMOTIONS), elem_id="emotions")
            caption = gr.Textbox(label="Caption", interactive=False, elem_id="caption")
            reading = gr.Markdown(elem_id="reading")
    with gr.Row():
        with gr.Column():
            attention = gr.Image(
                label="Where the speaker looked", type="pil", interactive=False, elem_id="attention", **image
            )
            word = gr.Slider(1, 30, value=1, step=1, label="Word", visible=False, elem_id="word")
            words = gr.HTML(elem_id="words")
        with gr.Column():
            cam = gr.Image(label="Grad-CAM of the emotion", type="pil", interactive=False, elem_id="grad-cam", **image)
            cam_button = gr.Button("Show Grad-CAM", visible=models.has_grad_cam, elem_id="grad-cam-button")
    explanation = gr.JSON(visible=False, elem_id="explanation")
    return ExplainView(painting, example_list, speaker, emotion, emotions, caption, reading, attention, word, words,
                       cam, cam_button, explanation, gr.State())  # fmt: skip


def explain_tab(explainer: Explainer, examples: list[tuple[str, str]], max_batch_size: int) -> None:
    view = explain_view(explainer.models, examples)
    batched = {"preprocess": False, "batch": True, "max_batch_size": max_batch_size, **ONE_MODEL_JOB}
    shown = [
        view.emotions,
        view.caption,
        view.reading,
        view.explanation,
        view.word,
        view.attention,
        view.words,
        view.cam,
    ]

    def clear() -> tuple:  # nothing of the previous painting stays beside a new one, or beside an error
        return None, "", "", None, gr.update(visible=False), None, "", None

    # An upload fires `change` twice: `upload` once. An example fires no `upload`: its loading event is chained.
    for start, api in (
        (partial(gr.on, [view.painting.upload, view.speaker.change, view.emotion.change]), True),
        (view.examples.load_input_event.then, False),
    ):
        checked = start(check_painting, view.painting, None, preprocess=False, concurrency_limit=None,
                        **api_options("check_painting", api))  # fmt: skip
        checked.failure(clear, None, shown, api_visibility="private")
        checked.success(
            explainer.explain,
            [view.painting, view.speaker, view.emotion],
            [view.emotions, view.caption, view.reading, view.explanation],
            **batched,
            **api_options("explain", api),
        ).success(
            show_explanation,
            [view.painting, view.explanation],
            [view.word, view.attention, view.words, view.overlay_image, view.cam],
            preprocess=False,
            api_visibility="private",
        )
    view.painting.clear(clear, None, shown, api_visibility="private")
    view.word.input(
        show_word,
        [view.overlay_image, view.explanation, view.word],
        [view.attention, view.words],
        show_progress="hidden",
        api_visibility="private",
    )
    view.cam_button.click(
        check_painting, view.painting, None, preprocess=False, concurrency_limit=None, api_visibility="private"
    ).success(explainer.grad_cams, [view.painting, view.emotion], view.cam, **batched, api_name="grad_cam")


def api_options(name: str, public: bool) -> dict:
    """An event's API name, or none: the same step chained to a second trigger stays out of the API."""
    return {"api_name": name} if public else {"api_visibility": "private"}


def turing_tab(turing: TuringTest, tab: gr.Tab, dataset: str) -> None:
    round_, score = gr.State(), gr.State()
    gr.Markdown(
        f"One of these explanations was written by a person who looked at the painting (a test painting of "
        f"{dataset}), the other by the {turing.speaker.label} speaker. Can you tell which?"
    )
    with gr.Row():
        painting = gr.Image(
            label="Painting", interactive=False, height=360, elem_classes=["painting"], elem_id="turing-painting"
        )
        with gr.Column():
            prompt = gr.Markdown(elem_id="turing-prompt")
            text_a = gr.Textbox(label="A", interactive=False, elem_id="turing-a")
            text_b = gr.Textbox(label="B", interactive=False, elem_id="turing-b")
            with gr.Row():
                guess_a = gr.Button("A is human", elem_id="guess-a")
                guess_b = gr.Button("B is human", elem_id="guess-b")
            result = gr.Markdown(elem_id="turing-result")
            score_line = gr.Markdown(turing.score_line(None), elem_id="turing-score")
            tally = gr.Markdown(elem_id="turing-tally")
            new_round = gr.Button("New painting", variant="primary", elem_id="turing-next")
    dealt = [painting, prompt, text_a, text_b, result, round_, score_line]

    def first_round(current: dict | None, score: dict | None) -> tuple:  # on opening the tab, once per visitor
        return turing.deal(score) if current is None else (gr.skip(),) * len(dealt)

    tab.select(first_round, [round_, score], dealt, api_visibility="private", **ONE_MODEL_JOB)
    tab.select(turing.tally_line, None, tally, api_visibility="private")
    new_round.click(turing.deal, score, dealt, api_name="deal", **ONE_MODEL_JOB)
    voted = [result, round_, score, score_line, tally]
    for button, guess in ((guess_a, "A"), (guess_b, "B")):
        button.click(
            lambda r, s, guess=guess: turing.vote(guess, r, s),
            [round_, score],
            voted,
            concurrency_limit=None,  # SQLite serialises the writes; a vote need not wait for a caption
            api_name=f"vote_{guess.lower()}",
        )


def generate_tab(painter: Painter) -> None:
    gr.Markdown(
        "Paintings that an art GAN draws for an emotion, each captioned with what the image classifier sees in it: "
        "does it see the emotion they were drawn for?"
    )
    with gr.Row():
        with gr.Column(scale=1):
            emotion = gr.Dropdown(list(EMOTIONS), value=EMOTIONS[1], label="Emotion", elem_id="generate-emotion")
            number = gr.Slider(1, MAX_PAINTINGS, value=4, step=1, label="Paintings", elem_id="generate-number")
            seed = gr.Number(NEW_SEED, label=f"Seed ({NEW_SEED}: new paintings each time)", precision=0,
                             elem_id="generate-seed")  # fmt: skip
            button = gr.Button("Paint", variant="primary", elem_id="generate-button")
        with gr.Column(scale=3):
            summary = gr.Markdown(elem_id="generate-summary")
            # PNG: the paintings arrive as drawn (the default WebP would blur their few pixels).
            gallery = gr.Gallery(label="Paintings", columns=4, format="png", elem_id="generate-gallery")
    # Unprocessed inputs: the function checks them itself, with messages that name the input (gradio's do not).
    button.click(painter.generate, [emotion, number, seed], [gallery, summary], preprocess=False,
                 api_name="generate", **ONE_MODEL_JOB)  # fmt: skip


def launch(app: gr.Blocks, **options) -> None:
    """Queue and serve the app with its style; `options` go to `gr.Blocks.launch` (server_name, server_port, ...)."""
    app.queue(default_concurrency_limit=1)  # each event one call at a time: batching is how visitors share the CPU
    app.launch(css=CSS, **options)


def serve(args: DemoArguments) -> None:
    """`artemis-hf demo`: build the app and serve it until interrupted."""
    app = build_app(args.resolve())
    launch(app, server_name=args.host, server_port=args.port, share=args.share, max_file_size=args.max_file_size)
