"""`pipeline("artemis-captioning")`: what a painting makes one feel, and why, from any ArtEmis speaker.

    pipe = pipeline("artemis-captioning", model="org/artemis-speaker-sat-emo")
    pipe("painting.jpg")                  # [{"emotion": "awe", "scores": {... 9 ...}, "generated_text": "..."}]
    pipe(["a.jpg", "b.jpg"], emotion="sadness", num_beams=5, batch_size=8)

The emotion is one of the speaker's labels, or "auto": the top emotion of an image classifier, the one the speaker's
config names (`emotion_classifier_name_or_path`) or `pipeline(..., emotion_classifier=name_or_pipeline)`. The two
models stay separate; the pipeline combines them. A speaker that generates (Show-Attend-Tell) decodes with
`generate()`; one that retrieves (nearest neighbour) copies a training utterance.

Images are read as the speaker's training read them (`to_rgb`: 16-bit greyscale scaled, transparency on white), and
refused over `PIL.Image.MAX_IMAGE_PIXELS`, as the image classifier refuses them.

This file imports only torch, transformers and what transformers itself needs (PIL, safetensors):
`save_pretrained` copies it next to the model, so that `pipeline(model=..., trust_remote_code=True)` runs it where
artemis_hf is not installed.
"""

import io
import math
import os
import urllib.request
from pathlib import Path

import torch
from PIL import Image, ImageOps
from safetensors import SafetensorError, safe_open
from transformers import AutoConfig, AutoModelForImageTextToText, Pipeline
from transformers.models.auto.modeling_auto import (
    MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING,
    MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING,
)
from transformers.utils import logging

logger = logging.get_logger(__name__)

AUTO = "auto"
TASK = "artemis-captioning"
# The task name under which saved models carry this file. Not TASK itself: transformers prefers a repo's pipeline code
# to an installed task of the same name, and would then demand trust_remote_code from artemis_hf's own users.
REMOTE_TASK = "artemis-captioning-remote"


def _label_key(name: str) -> str:
    return name.strip().lower().replace("_", " ")


def _repeat_rows(outputs, repeats: int):
    """`outputs` (a ModelOutput or a dict) with each tensor's rows repeated: one row per returned sequence."""
    return type(outputs)(
        **{name: value.repeat_interleave(repeats, 0) for name, value in outputs.items() if torch.is_tensor(value)}
    )


def _check_positive(name: str, value) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


# Copied from artemis_hf.data.images.to_rgb (the pipeline must read an image as the speaker's training did)
def to_rgb(image: Image.Image) -> Image.Image:
    """RGB copy of a PIL image of any mode: 16-bit greyscale scaled to 8 bits, transparency composited on white,
    CMYK/greyscale/palette converted."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.point(lambda value: value / 256).convert("L")  # plain convert would clip at 255
    if image.has_transparency_data:
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image.convert("RGBA"))
    return image.convert("RGB")


# Copied from artemis_hf.models.image_emotion.image_processing_image_emotion.decode_rgb (one size limit for both)
def decode_rgb(image: Image.Image) -> Image.Image:
    """`to_rgb`, after checking the size the header claims, so that a decompression bomb is refused before decoding."""
    width, height = image.size
    limit = Image.MAX_IMAGE_PIXELS
    if width < 1 or height < 1:
        raise ValueError(f"Image has no pixels ({width}x{height})")
    if limit and width * height > limit:
        raise ValueError(
            f"Image of {width}x{height} pixels is over PIL.Image.MAX_IMAGE_PIXELS={limit} (a decompression bomb?): "
            "resize it first, or raise that limit if the image is trusted"
        )
    try:
        return to_rgb(image)
    except (OSError, SyntaxError, ValueError) as error:  # PIL's errors for truncated or corrupt data
        name = getattr(image, "filename", "") or "the image"
        raise ValueError(f"Cannot decode {name}: {error}") from error


def load_rgb(image, timeout: float | None = None) -> Image.Image:
    """A path, URL or PIL image as the RGB image a dataset row gives training: `decode_rgb`, then turned upright as
    its EXIF orientation says (as `datasets.Image` does)."""
    if isinstance(image, (str, os.PathLike)):
        if str(image).startswith(("http://", "https://")):
            with urllib.request.urlopen(str(image), timeout=timeout) as response:
                image = Image.open(io.BytesIO(response.read()))
        elif not os.path.isfile(image):
            raise FileNotFoundError(f"image {str(image)!r}: no such file")
        else:
            image = Image.open(image)
    elif not isinstance(image, Image.Image):
        raise TypeError(f"images must be paths, URLs or PIL images, got {type(image).__name__}")
    image = decode_rgb(image)
    ImageOps.exif_transpose(image, in_place=True)
    return image


def check_model_family(config, model_mapping, argument: str, name_or_path, expected: str) -> None:
    """Refuse, in one line, a checkpoint whose config `model_mapping` (an Auto class's) does not take: transformers
    would list every config class it knows."""
    if type(config) not in model_mapping:
        architectures = ", ".join(config.architectures or []) or type(config).__name__
        raise ValueError(
            f"{argument}={str(name_or_path)!r} holds a {config.model_type!r} model ({architectures}), not {expected}"
        )


SPEAKER = "a speaker (AutoModelForImageTextToText)"


def speaker_config(name_or_path, argument: str, **config_kwargs):
    """The config of a speaker checkpoint, read and checked before anything loads its weights."""
    config = AutoConfig.from_pretrained(name_or_path, **config_kwargs)
    check_model_family(config, MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING, argument, name_or_path, SPEAKER)
    return config


def load_checked(load, argument: str, name_or_path, model_mapping, expected: str, config=None, trust_remote_code=None):
    """`load()`, a from_pretrained or pipeline() call on `name_or_path`, after `check_model_family` on its `config`
    (read from `name_or_path` when not given), and with a damaged weights file named (safetensors names none)."""
    config = config or AutoConfig.from_pretrained(name_or_path, trust_remote_code=trust_remote_code)
    if not (trust_remote_code and getattr(config, "auto_map", None)):  # remote code's classes are in no Auto mapping
        check_model_family(config, model_mapping, argument, name_or_path, expected)
    try:
        return load()
    except SafetensorError as error:
        damaged = _unreadable_weights(name_or_path) or name_or_path
        raise OSError(
            f"{argument}={str(name_or_path)!r}: cannot read {damaged} ({error}): the file is damaged or incomplete, "
            "save or download it again"
        ) from error


def _unreadable_weights(folder) -> str | None:
    """The first safetensors file of a local folder whose header does not read; None for a Hub id."""
    for path in sorted(Path(folder).glob("*.safetensors")) if os.path.isdir(folder) else ():
        try:
            safe_open(path, "pt")
        except SafetensorError:
            return str(path)
    return None


class AutoSpeaker(AutoModelForImageTextToText):
    """The task's model class: `AutoModelForImageTextToText`, refusing in one line a folder of another family or
    a damaged weights file."""

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        return load_checked(
            lambda: super(AutoSpeaker, cls).from_pretrained(pretrained_model_name_or_path, *args, **kwargs),
            "model",
            pretrained_model_name_or_path,
            MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING,
            SPEAKER,
            kwargs.get("config"),
        )


class ArtEmisCaptioningPipeline(Pipeline):
    """Per image, a list of `num_return_sequences` dicts: `emotion` (the one the caption was made for, or None),
    `scores` ({emotion: probability}, when a classifier ran), `generated_text`, and `attention` when
    `return_attention=True`: one map per word of the text, (words, grid height, grid width) nested lists of floats
    (JSON-ready), or a tensor with `return_tensors=True`."""

    _load_processor = False
    _load_image_processor = True
    _load_feature_extractor = False
    _load_tokenizer = None  # a retrieving speaker has none
    _pipeline_calls_generate = True

    def __init__(self, *args, emotion_classifier=None, **kwargs):
        model = kwargs.get("model", args[0] if args else None)
        self._classifier = emotion_classifier or getattr(model.config, "emotion_classifier_name_or_path", None)
        super().__init__(*args, **kwargs)

    def save_pretrained(self, save_directory, **kwargs):
        """The model, tokenizer and image processor, plus this file and `custom_pipelines` (task REMOTE_TASK) for
        `pipeline(model=..., trust_remote_code=True)` where artemis_hf is not installed."""
        if TASK in getattr(self, "_registered_impl", {}):
            # Remote code names its model class by a transformers name: AutoSpeaker lives in artemis_hf.
            self._registered_impl = {
                REMOTE_TASK: {**self._registered_impl[TASK], "pt": (AutoModelForImageTextToText,)}
            }
        super().save_pretrained(save_directory, **kwargs)

    @property
    def labels(self) -> dict[str, int]:
        return {_label_key(name): int(index) for index, name in self.model.config.id2label.items()}

    def _sanitize_parameters(
        self,
        emotion=None,
        num_beams=None,
        temperature=None,
        max_new_tokens=None,
        num_return_sequences=None,
        return_attention=None,
        return_tensors=None,
        generate_kwargs=None,
        timeout=None,
    ):
        preprocess, forward, postprocess = {}, {}, {}
        if timeout is not None:
            preprocess["timeout"] = timeout
        if emotion is None and self._classifier is not None:
            emotion = AUTO
        if emotion is not None:
            if emotion != AUTO and _label_key(emotion) not in self.labels:
                raise ValueError(
                    f"emotion must be one of {list(self.model.config.id2label.values())} or {AUTO!r}, got {emotion!r}"
                )
            preprocess["emotion"] = emotion
        # generate() would fail on tensor internals (a division by zero, a negative dimension)
        _check_positive("num_return_sequences", num_return_sequences)
        if num_return_sequences is not None:
            forward["num_return_sequences"] = num_return_sequences
        generation = {
            "num_beams": num_beams,
            "temperature": temperature,
            "max_new_tokens": max_new_tokens,
            "return_attention": return_attention,
            "return_tensors": return_tensors,
            "generate_kwargs": generate_kwargs,
        }
        generation = {name: value for name, value in generation.items() if value is not None}
        if not self.model.can_generate():
            if generation:
                logger.warning(f"A retrieving speaker copies training utterances: it ignores {', '.join(generation)}")
            return preprocess, forward, postprocess

        generate_kwargs = dict(generate_kwargs or {})
        for name in ("num_beams", "temperature", "max_new_tokens"):
            if name in generation:
                generate_kwargs[name] = generation[name]
        if temperature is not None:
            generate_kwargs.setdefault("do_sample", True)  # a temperature means sampling (with beams: beam sampling)
        _check_positive("num_beams", generate_kwargs.get("num_beams"))
        if generate_kwargs:
            forward["generate_kwargs"] = generate_kwargs
        if return_attention is not None:
            forward["return_attention"] = return_attention
        if return_tensors is not None:
            postprocess["return_tensors"] = return_tensors
        return preprocess, forward, postprocess

    def __call__(self, images, **kwargs):
        """Caption `images`: a path, URL or PIL image, or a list of them (batched with `batch_size=`).

        Options: `emotion` (a label of the speaker, or "auto"), `num_beams`, `temperature` (turns sampling on),
        `max_new_tokens`, `num_return_sequences`, `return_attention` (with `return_tensors` for tensors),
        `generate_kwargs` (any other `generate()` argument); a retrieving speaker takes only the first and
        `num_return_sequences`, and warns about the others. Returns a list of `num_return_sequences` dicts per image.
        """
        if kwargs.get("emotion", self._preprocess_params.get("emotion")) == AUTO:
            self._load_classifier()  # here, in this process, before any DataLoader worker starts
        return super().__call__(images, **kwargs)

    def _load_classifier(self) -> None:
        if self._classifier is None:
            raise ValueError(
                f"emotion={AUTO!r} needs an image emotion classifier: the speaker's config names none, so pass "
                f"pipeline(..., emotion_classifier=...) or an emotion out of {list(self.model.config.id2label.values())}"
            )
        if not isinstance(self._classifier, Pipeline):  # a name or path, loaded once
            from transformers import pipeline

            name_or_path = self._classifier
            # Running as remote code means its user passed trust_remote_code=True: the classifier that the speaker's
            # config names is then loaded the same way (it is remote code too where artemis_hf is not installed).
            trusted = type(self).__module__.startswith("transformers_modules")
            self._classifier = load_checked(
                lambda: pipeline(
                    "image-classification", model=name_or_path, device=self.device, trust_remote_code=trusted or None
                ),
                "emotion_classifier",
                name_or_path,
                MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING,
                "an image classifier (AutoModelForImageClassification)",
                trust_remote_code=trusted or None,
            )
        names = [_label_key(name) for name in self._classifier.model.config.id2label.values()]
        unknown = [name for name in names if name not in self.labels]
        if unknown:
            raise ValueError(f"The emotion classifier's labels {unknown} are not the speaker's {list(self.labels)}")
        self._to_speaker_label = torch.tensor([self.labels[name] for name in names])

    def preprocess(self, image, emotion=None, timeout=None):
        image = load_rgb(image, timeout=timeout)
        inputs = {
            "pixel_values": self.image_processor(images=image, return_tensors="pt")["pixel_values"].to(self.dtype)
        }
        if emotion == AUTO:
            classifier_inputs = self._classifier.image_processor(images=image, return_tensors="pt")["pixel_values"]
            inputs["classifier_pixel_values"] = classifier_inputs.to(self._classifier.dtype)
        elif emotion is not None:
            inputs["emotion_ids"] = torch.tensor([self.labels[_label_key(emotion)]])
        elif getattr(self.model.config, "emotion_grounding", False):
            raise ValueError(
                f"This speaker is emotion-grounded: pass emotion= one of {list(self.model.config.id2label.values())}, or "
                f"{AUTO!r} with an emotion classifier (pipeline(..., emotion_classifier=...))"
            )
        return inputs

    def _forward(self, model_inputs, num_return_sequences=1, return_attention=False, generate_kwargs=None):
        pixel_values, emotion_ids, scores = model_inputs["pixel_values"], model_inputs.get("emotion_ids"), None
        if "classifier_pixel_values" in model_inputs:
            scores = (
                self._classifier.model(pixel_values=model_inputs["classifier_pixel_values"]).logits.float().softmax(-1)
            )  # (B, 9)
            emotion_ids = self._to_speaker_label.to(scores.device)[scores.argmax(-1)]
        if not self.model.can_generate():  # a retrieving speaker: one training utterance per neighbour
            found = self.model(pixel_values, emotion_ids=emotion_ids, num_neighbours=num_return_sequences)
            return {"utterance_ids": found.utterance_ids, "emotion_ids": emotion_ids, "scores": scores}

        grounding = {"emotion_ids": emotion_ids} if self.model.config.emotion_grounding else {}
        # Once, for generate() and the attention below; a speaker that grounds its encoder takes the emotion here.
        encoder_outputs = self.model.get_encoder()(pixel_values=pixel_values, **grounding)
        generate_kwargs = self._prepare_generate_kwargs(
            generate_kwargs or {}, num_return_sequences=num_return_sequences
        )
        # A shallow copy: generate() expands its tensors for the beams in place.
        sequences = self.model.generate(
            encoder_outputs=type(encoder_outputs)(**encoder_outputs), **grounding, **generate_kwargs
        )  # (B * k, T)
        outputs = {
            "sequences": sequences.view(len(pixel_values), num_return_sequences, -1),
            "emotion_ids": emotion_ids,
            "scores": scores,
        }
        if return_attention:
            # Read the chosen captions again with teacher forcing: beam search keeps only the running beams' maps.
            attention = self.model.caption_attention(
                _repeat_rows(encoder_outputs, num_return_sequences),
                sequences[:, :-1],
                **_repeat_rows(grounding, num_return_sequences),
            )  # (B * k, T - 1, P): step t wrote token t + 1
            height = round(math.sqrt(attention.shape[-1] * pixel_values.shape[-2] / pixel_values.shape[-1]))
            outputs["attention"] = attention.reshape(
                len(pixel_values), num_return_sequences, attention.shape[1], height, -1
            )
        return outputs

    def postprocess(self, model_outputs, return_tensors=False):
        emotion_ids, scores = model_outputs["emotion_ids"], model_outputs["scores"]
        emotion = None if emotion_ids is None else self.model.config.id2label[int(emotion_ids[0])]
        common = {"emotion": emotion}
        if scores is not None:
            names = self._classifier.model.config.id2label
            common["scores"] = {names[index]: float(score) for index, score in enumerate(scores[0])}
        if "utterance_ids" in model_outputs:
            return [
                {**common, "generated_text": text} for text in self.model.utterances(model_outputs["utterance_ids"])[0]
            ]

        results = []
        for k, ids in enumerate(model_outputs["sequences"][0]):
            result = {**common, "generated_text": self.tokenizer.decode(ids, skip_special_tokens=True)}
            if "attention" in model_outputs:
                words = ~torch.isin(
                    ids[1:], torch.tensor(self.tokenizer.all_special_ids)
                )  # the steps that wrote a word
                attention = model_outputs["attention"][0, k][words]
                result["attention"] = attention if return_tensors else attention.tolist()
            results.append(result)
        return results
