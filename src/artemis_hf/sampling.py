"""`artemis-hf sample --model DIR --split test`: one caption per painting of a split, ready for evaluation.

Writes JSON lines `{"painting_id", "emotion", "caption"}`, `emotion` being the one the caption was made for (None for
a speaker that used none). Captions come from `pipeline("artemis-captioning")`, batched, with a progress bar.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from .data.options import on_missing_image_option
from .data.sources import ReleaseArguments
from .emotions import EMOTIONS, dominant_emotion, histograms

logger = logging.getLogger(__name__)

DOMINANT = "dominant"


@dataclass
class SampleArguments:
    model: str = field(metadata={"help": "A speaker: a folder written by `artemis-hf train speaker`, or a Hub id."})
    split: str = field(default="test", metadata={"help": "Split of the deep-nets config whose paintings to caption."})
    output: str | None = field(
        default=None,
        metadata={"help": "JSON lines file. Default: captions-<split>.jsonl in the model folder (or here)."},
    )
    emotion: str | None = field(
        default=None,
        metadata={
            "help": f"One of the 9 emotions for every painting; 'auto': the image classifier's; '{DOMINANT}': each painting's "
            "most voted emotion in the data (an oracle). Default: 'auto' where the speaker names a classifier, else none."
        },
    )
    on_missing_image: Literal["skip", "error"] = on_missing_image_option()
    emotion_classifier: str | None = field(
        default=None, metadata={"help": "Image emotion classifier for 'auto' (default: the speaker's)."}
    )
    batch_size: int = field(
        default=32, metadata={"help": "Paintings per forward pass (about 32 is fastest on a CPU at beam 5)."}
    )
    num_beams: int | None = field(
        default=None, metadata={"help": "Default: the speaker's generation config (the reference: 5)."}
    )
    max_new_tokens: int | None = field(
        default=None, metadata={"help": "Longest caption, in tokens. Default: the speaker's generation config (30)."}
    )
    temperature: float | None = field(
        default=None, metadata={"help": "Sample with this temperature instead of searching."}
    )
    max_paintings: int | None = field(
        default=None, metadata={"help": "Caption only the first N paintings (smoke runs)."}
    )
    device: str | None = field(
        default=None, metadata={"help": "cpu, cuda, cuda:1, ... Default: the first GPU, else the CPU."}
    )
    trust_remote_code: bool = field(
        default=False,
        metadata={"help": "Run the model code stored with a Hub speaker (where artemis-hf is not installed)."},
    )


def sample(release: ReleaseArguments, args: SampleArguments) -> Path:
    """Caption every painting of `args.split`; returns the JSON lines file."""
    # Imported here, so that `artemis-hf sample --help` does not wait for torch and transformers.
    from tqdm.auto import tqdm
    from transformers import pipeline
    from transformers.pipelines.pt_utils import KeyDataset

    from .data.paintings import keep_paintings_with_images, load_speaker_data, paintings_of
    from .pipelines.captioning import AUTO, TASK, speaker_config

    dataset = load_speaker_data(release).dataset
    if args.split not in dataset:
        raise ValueError(f"--split {args.split!r} is not in the dataset; it has {list(dataset)}")
    dataset, _ = keep_paintings_with_images(dataset, (args.split,), release.resolve()[1], args.on_missing_image)
    split = dataset[args.split]
    paintings = paintings_of(split)
    if args.max_paintings is not None:
        paintings = paintings.select(range(min(args.max_paintings, len(paintings))))
    output = (
        Path(args.output)
        if args.output
        else (Path(args.model) if Path(args.model).is_dir() else Path()) / f"captions-{args.split}.jsonl"
    )

    # A folder of another family is named here in one line; inside pipeline() transformers would bury it.
    config = speaker_config(args.model, "--model", trust_remote_code=args.trust_remote_code)
    if args.emotion_classifier is None and getattr(config, "emotion_classifier_name_or_path", None) is None:
        if args.emotion == AUTO:
            raise ValueError(
                f"--emotion auto needs an image emotion classifier: pass --emotion_classifier ({args.model} names none)"
            )
        if args.emotion is None and getattr(config, "emotion_grounding", False):
            raise ValueError(
                f"{args.model} is emotion-grounded and names no image emotion classifier: pass --emotion (one of "
                f"{list(config.id2label.values())} or '{DOMINANT}') or --emotion_classifier"
            )
    captioner = pipeline(
        TASK,
        model=args.model,
        emotion_classifier=args.emotion_classifier,
        device=args.device,
        trust_remote_code=args.trust_remote_code,
    )
    options = {
        name: getattr(args, name)
        for name in ("num_beams", "max_new_tokens", "temperature")
        if getattr(args, name) is not None
    }
    # Paintings that share an emotion go through the pipeline together: one call per emotion.
    if args.emotion == DOMINANT:
        groups = _dominant_emotions(split, paintings["painting_id"])
    else:
        groups = {args.emotion: np.arange(len(paintings))}
    captions = {}
    with tqdm(total=len(paintings), desc=f"Captioning {args.split}") as bar:
        for emotion, rows in groups.items():
            group = paintings.select(rows)
            emotion_option = {} if emotion is None else {"emotion": emotion}
            results = captioner(KeyDataset(group, "image"), batch_size=args.batch_size, **emotion_option, **options)
            for painting_id, [result] in zip(group["painting_id"], results):
                captions[painting_id] = {
                    "painting_id": painting_id,
                    "emotion": result["emotion"],
                    "caption": result["generated_text"],
                }
                bar.update(1)
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as file:
        for painting_id in paintings["painting_id"]:
            file.write(json.dumps(captions[painting_id], ensure_ascii=False) + "\n")
    logger.info("%d captions of %s written to %s", len(captions), args.split, output)
    return output


def _dominant_emotions(split, painting_ids: list[str]) -> dict[str, np.ndarray]:
    """{emotion name: rows of `painting_ids`} by each painting's most voted emotion among its utterances."""
    index = {painting_id: row for row, painting_id in enumerate(painting_ids)}
    utterances = [
        (index[painting_id], emotion)
        for painting_id, emotion in zip(split["painting_id"], split["emotion"])
        if painting_id in index
    ]
    rows, emotions = np.array(utterances).T
    dominant = dominant_emotion(histograms(rows, emotions, len(painting_ids)))
    return {EMOTIONS[emotion]: np.flatnonzero(dominant == emotion) for emotion in np.unique(dominant)}
