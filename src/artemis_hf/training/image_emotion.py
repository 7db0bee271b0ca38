"""Train an image-to-emotion classifier: a timm backbone with an MLP head (the reference), or the hand-crafted baseline.

    artemis-hf train image-emotion --output_dir runs/image-emotion
    artemis-hf train image-emotion --pretrained_backbone --trainable_stages 1 --output_dir runs/reference
    artemis-hf train image-emotion --label_scheme polarity --style_epochs 5 --stage_schedule 1 2 --output_dir runs/genre
    artemis-hf train image-emotion --model handcrafted --output_dir runs/handcrafted
    artemis-hf train image-emotion --init_from org/artemis-image-emotion --output_dir runs/more   (continue a checkpoint)
    accelerate launch -m artemis_hf.training.image_emotion --output_dir runs/image-emotion    (many GPUs or nodes)

A run is a sequence of phases, each one call of the shared loop: optionally the auxiliary style/era task first
("genre then emotion", its head dropped afterwards), then the emotion task once per entry of `--stage_schedule`
(staged fine-tuning: e.g. `1 2` trains the last block, then the last two). Earlier phases live in
`output_dir/phases/`, the last one in `output_dir` itself, which ends up with the model, its processor,
`training_args.json`, `eval_results.json`, `confusion_matrix.png` and `loss_curve.png`.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from accelerate import PartialState
from transformers import AutoImageProcessor, AutoModelForImageClassification

from ..argparsing import run_command
from ..data.paintings import load_painting_splits
from ..data.sources import ART_STYLES, ReleaseArguments, results_dataset_name
from ..data.splits import SPLITS
from ..emotions import EMOTION_TO_SENTIMENT_ID, NUM_EMOTIONS
from ..evaluation.classification import evaluate_classifier
from ..hub import write_model_card
from ..models.image_emotion import (
    LABEL_SCHEMES,
    HandcraftedEmotionConfig,
    HandcraftedEmotionForImageClassification,
    ImageEmotionConfig,
    ImageEmotionForImageClassification,
    ImageEmotionImageProcessor,
    emotion_losses,
)
from .arguments import ImageEmotionArguments, TrainingArguments
from .checkpoints import HISTORY_FILENAME, RUN_FILES, claim_output_dir, latest_checkpoint
from .init_from import InitCheckpoint, load_init_checkpoint, reconcile_arguments
from .loop import TrainingTask, train
from .records import arguments_record, read_run_record, write_run_record

logger = logging.getLogger(__name__)

# The genre-aware study's four art eras, for the 27 WikiArt styles of ArtEmis.
ERAS = ("Renaissance", "Baroque to Romanticism", "Modern", "Contemporary")
STYLE_ERAS = {
    **dict.fromkeys(
        ("Early_Renaissance", "High_Renaissance", "Northern_Renaissance", "Mannerism_Late_Renaissance"), "Renaissance"
    ),
    # Ukiyo-e: Edo-period prints, 17th to 19th century.
    **dict.fromkeys(("Baroque", "Rococo", "Romanticism", "Ukiyo_e"), "Baroque to Romanticism"),
    **dict.fromkeys(
        (
            "Realism",
            "Impressionism",
            "Post_Impressionism",
            "Pointillism",
            "Symbolism",
            "Art_Nouveau_Modern",
            "Fauvism",
            "Expressionism",
            "Cubism",
            "Analytical_Cubism",
            "Synthetic_Cubism",
            "Naive_Art_Primitivism",
        ),
        "Modern",
    ),  # fmt: skip
    **dict.fromkeys(
        (
            "Abstract_Expressionism",
            "Action_painting",
            "Color_Field_Painting",
            "Minimalism",
            "Pop_Art",
            "Contemporary_Realism",
            "New_Realism",
        ),
        "Contemporary",
    ),
}


@dataclass
class Phase:
    name: str
    num_epochs: int
    trainable_stages: int | None = None
    style: bool = False  # train the auxiliary style/era head only


def plan_phases(arguments: ImageEmotionArguments, num_epochs: int) -> list[Phase]:
    phases = (
        [Phase("style", arguments.style_epochs, arguments.trainable_stages, style=True)]
        if arguments.style_epochs
        else []
    )
    for stages in arguments.stage_schedule or [arguments.trainable_stages]:
        phases.append(Phase("emotion" if stages is None else f"emotion-last-{stages}-stages", num_epochs, stages))
    return phases


def scheme_matrix(label_scheme: str) -> np.ndarray:
    """(9, K) 0/1 matrix summing emotion votes into the scheme's labels ("something else" has no polarity)."""
    sentiment = np.eye(3)[EMOTION_TO_SENTIMENT_ID]  # (9, 3)
    return {"emotion": np.eye(NUM_EMOTIONS), "sentiment": sentiment, "polarity": sentiment[:, :2]}[label_scheme]


def scheme_histograms(histograms, label_scheme: str) -> np.ndarray:
    """Emotion vote counts (N, 9) -> vote counts over the scheme's labels (N, K)."""
    return np.asarray(histograms, dtype=np.float64).reshape(-1, NUM_EMOTIONS) @ scheme_matrix(label_scheme)


def augment_batch(pixel_values: torch.Tensor, augment: str) -> torch.Tensor:
    """Random horizontal flips, and with "flip-rotate" random quarter turns, per image of (B, C, H, W)."""
    if augment == "none":
        return pixel_values
    flipped = torch.rand(len(pixel_values)) < 0.5
    pixel_values = torch.where(flipped[:, None, None, None], pixel_values.flip(-1), pixel_values)
    if augment == "flip-rotate":
        turns = torch.randint(4, (len(pixel_values),))
        pixel_values = torch.stack([image.rot90(int(k), dims=(1, 2)) for image, k in zip(pixel_values, turns)])
    return pixel_values


@dataclass
class PaintingEncoder:
    """Rows of the paintings config -> pixel_values, labels (vote counts or top label) and, for a style phase,
    auxiliary_labels (the index of each art style's era or style). A class, so that DataLoader workers pickle it."""

    processor: ImageEmotionImageProcessor
    label_scheme: str
    targets: str
    auxiliary_index: dict[str, int] | None = None  # art style -> auxiliary label

    def __call__(self, rows: dict) -> dict:
        encoded = {"pixel_values": self.processor(rows["image"], return_tensors="pt")["pixel_values"]}
        votes = torch.from_numpy(scheme_histograms(rows["emotion_histogram"], self.label_scheme)).float()  # (B, K)
        if self.targets == "histogram":
            encoded["labels"] = votes
        else:  # the top label; ties go to the lower index, a painting without votes for the scheme is ignored
            encoded["labels"] = torch.where(votes.sum(dim=1) > 0, votes.argmax(dim=1), -100)
        if self.auxiliary_index is not None:
            encoded["auxiliary_labels"] = torch.tensor([self.auxiliary_index[style] for style in rows["art_style"]])
        return encoded


def collate_paintings(rows: list[dict], augment: str) -> dict:
    batch = torch.utils.data.default_collate(rows)
    batch["pixel_values"] = augment_batch(batch["pixel_values"], augment)
    return batch


class ImageEmotionTask(TrainingTask):
    """Painting -> label distribution (or top label); in a style phase, painting -> era or style.

    `init`: the checkpoint the phase starts from (the previous phase's model, or --init_from's), `processor` the one
    that came with --init_from's."""

    def __init__(
        self,
        arguments: ImageEmotionArguments,
        splits,
        phase: Phase,
        init: InitCheckpoint | None = None,
        processor: ImageEmotionImageProcessor | None = None,
    ):
        self.arguments, self.splits, self.phase, self.init = arguments, splits, phase, init
        if processor is not None:
            self.processor = processor
        elif arguments.model == "handcrafted":
            self.processor = ImageEmotionImageProcessor(
                size={"height": arguments.image_size, "width": arguments.image_size}, do_normalize=False
            )
        else:
            self.processor = ImageEmotionImageProcessor.from_timm(arguments.backbone, size=arguments.image_size)
        self.auxiliary_labels, self.auxiliary_index = None, None
        if phase.style:
            by_era = arguments.style_labels == "era"
            self.auxiliary_labels = list(ERAS if by_era else ART_STYLES)
            self.auxiliary_index = {
                style: self.auxiliary_labels.index(STYLE_ERAS[style] if by_era else style) for style in STYLE_ERAS
            }
            unknown = sorted(set().union(*(splits[split]["art_style"] for split in splits)) - set(STYLE_ERAS))
            if unknown:
                raise ValueError(f"--style_epochs: art styles without an era in STYLE_ERAS: {unknown}")

    def init_record(self) -> dict | None:
        return None if self.init is None else self.init.record()

    def build_model(self):
        if self.init is not None:  # a style head, if any, is dropped
            style = {"auxiliary_labels": self.auxiliary_labels} if self.arguments.model == "deep" else {}
            model = AutoModelForImageClassification.from_pretrained(
                self.init.name_or_path, **self.init.load_kwargs, **style
            )
        elif self.arguments.model == "handcrafted":
            config = HandcraftedEmotionConfig(
                label_scheme=self.arguments.label_scheme, palette_size=self.arguments.palette_size,
                head_hidden_sizes=self.arguments.head_hidden_sizes, head_dropout=self.arguments.head_dropout,
            )  # fmt: skip
            model = HandcraftedEmotionForImageClassification(config)
            model.fit_palettes(
                (batch["pixel_values"], batch["labels"])
                for batch in self.dataloader("train", 64, train=False, targets="histogram")
            )
        else:
            config = ImageEmotionConfig(
                backbone=self.arguments.backbone,
                backbone_kwargs=json.loads(self.arguments.backbone_kwargs) if self.arguments.backbone_kwargs else None,
                label_scheme=self.arguments.label_scheme,
                head_hidden_sizes=self.arguments.head_hidden_sizes,
                head_dropout=self.arguments.head_dropout,
                auxiliary_labels=self.auxiliary_labels,
            )
            model = ImageEmotionForImageClassification(config)
            if self.arguments.pretrained_backbone:
                load_timm_weights(model)
        if self.arguments.model == "deep":
            model.set_trainable_stages(self.phase.trainable_stages)
        return model

    def dataloader(
        self, split: str, batch_size: int, train: bool, targets: str | None = None, num_workers: int = 0
    ) -> torch.utils.data.DataLoader:
        """Workers only when asked: the training batches' flips are drawn in the collate function, and a worker's RNG
        is not the one a resumed run restores."""
        encode = PaintingEncoder(
            self.processor, self.arguments.label_scheme, targets or self.arguments.targets, self.auxiliary_index
        )
        dataset = self.splits[split].select_columns(["image", "emotion_histogram", "art_style"]).with_transform(encode)
        collate = functools.partial(collate_paintings, augment=self.arguments.augment if train else "none")
        # drop_last in training: batch norm cannot normalise a last batch of one painting.
        return torch.utils.data.DataLoader(
            dataset, batch_size, shuffle=train, drop_last=train, collate_fn=collate, num_workers=num_workers
        )

    def get_dataloaders(self, args: TrainingArguments):
        return (
            self.dataloader("train", args.per_device_batch_size, train=True, num_workers=args.num_workers or 0),
            self.dataloader("validation", args.per_device_batch_size, train=False, num_workers=args.num_workers or 0),
        )

    def item_losses(self, model, batch):
        if self.phase.style:
            logits = model(pixel_values=batch["pixel_values"]).auxiliary_logits
            losses = torch.nn.functional.cross_entropy(logits.float(), batch["auxiliary_labels"], reduction="none")
            return losses, torch.ones_like(losses)
        return emotion_losses(model(pixel_values=batch["pixel_values"]).logits, batch["labels"])

    def save(self, model, output_dir):
        model.save_pretrained(output_dir)
        self.processor.save_pretrained(output_dir)


def load_timm_weights(model: ImageEmotionForImageClassification) -> None:
    """Copy timm's pretrained weights for the backbone (downloaded from the Hub, or found in its cache)."""
    import timm

    try:
        pretrained = timm.create_model(
            model.config.backbone, pretrained=True, num_classes=0, **(model.config.backbone_kwargs or {})
        )
    except OSError as error:  # offline and not cached, or no such weights
        raise OSError(
            f"--pretrained_backbone: timm cannot load weights for {model.config.backbone!r} ({error})"
        ) from error
    model.backbone.load_state_dict(pretrained.state_dict())


@torch.no_grad()
def predict_probabilities(model, loader) -> np.ndarray:
    """Softmax scores (N, num_labels) for every item of a loader, in order."""
    model.eval()
    scores = [
        model(pixel_values=batch["pixel_values"].to(model.device)).logits.float().softmax(dim=-1).cpu()
        for batch in loader
    ]
    return torch.cat(scores).numpy()


def evaluate_on_split(
    task: ImageEmotionTask, model_dir: Path, split: str, dataset_name: str, batch_size: int
) -> dict[str, float]:
    """Test figures of the saved model, its confusion matrix PNG and its eval_results.json records."""
    model = AutoModelForImageClassification.from_pretrained(model_dir).to(PartialState().device)
    probabilities = predict_probabilities(model, task.dataloader(split, batch_size, train=False))
    votes = scheme_histograms(task.splits[split]["emotion_histogram"], task.arguments.label_scheme)
    voted = votes.sum(axis=1) > 0  # polarity: paintings with only "something else" votes have no label
    probabilities, votes = probabilities[voted], votes[voted]
    return evaluate_classifier(
        probabilities,
        votes.argmax(axis=1),
        list(LABEL_SCHEMES[task.arguments.label_scheme]),
        model_dir,
        task_type="image-classification",
        dataset_name=dataset_name,
        dataset_config="paintings",
        dataset_split=split,
        histograms=votes,
    )


def training_function(
    release: ReleaseArguments, arguments: ImageEmotionArguments, training_args: TrainingArguments
) -> dict:
    """Build the paintings config, run the phases, then evaluate the final model on the test split."""
    output_dir = Path(training_args.output_dir)
    phases_dir = output_dir / "phases"
    if not training_args.resume:  # refused or emptied once, here: the last phase's folder holds the earlier ones
        claim_output_dir(output_dir, training_args.overwrite_output_dir, (*RUN_FILES, phases_dir.name))
    csv_path, splits, coverage = load_painting_splits(release, SPLITS, arguments.on_missing_image)
    init, processor = None, None
    if arguments.init_from is not None:
        init = load_init_checkpoint(
            arguments.init_from,
            [ImageEmotionConfig.model_type, HandcraftedEmotionConfig.model_type],
            "train image-emotion",
        )
        processor = AutoImageProcessor.from_pretrained(arguments.init_from, **init.load_kwargs)
        arguments = reconcile_arguments(
            arguments, checkpoint_settings(init, processor, arguments), arguments.init_from
        )

    phases = (
        plan_phases(arguments, training_args.num_epochs)
        if arguments.model == "deep"
        else [Phase("handcrafted", training_args.num_epochs)]
    )
    phase_dirs = [output_dir if index == len(phases) - 1 else phases_dir / f"{index + 1:02d}-{phase.name}"
                  for index, phase in enumerate(phases)]  # fmt: skip
    results = []
    for index, (phase, phase_dir) in enumerate(zip(phases, phase_dirs)):
        last = index == len(phases) - 1
        if index:  # each phase starts from the previous one's best model
            init = load_init_checkpoint(str(phase_dirs[index - 1]), None, "train image-emotion")
        task = ImageEmotionTask(arguments, splits, phase, init, processor)
        if training_args.resume and not last and (phase_dir / HISTORY_FILENAME).is_file():
            logger.info("Phase %s is complete in %s", phase.name, phase_dir)
            continue
        # Resume the phase that was interrupted; later phases start fresh (the first one errors without a checkpoint).
        resume = training_args.resume and (index == 0 or latest_checkpoint(phase_dir) is not None)
        logger.info(
            "Phase %d/%d: %s, %d epochs, in %s", index + 1, len(phases), phase.name, phase.num_epochs, phase_dir
        )
        phase_args = dataclasses.replace(
            training_args,
            output_dir=str(phase_dir),
            num_epochs=phase.num_epochs,
            resume=resume,
            overwrite_output_dir=False,
        )
        results.append(train(task, phase_args, (release, arguments)))
        PartialState().wait_for_everyone()  # every process loads this phase's model next

    figures = {}
    if PartialState().is_main_process:
        write_run_record(output_dir, combine_phase_records(phases, phase_dirs, training_args))
        coverage.save(output_dir)
        # A synthetic release has its generator's synthetic_paintings.csv beside the CSV: never report it as ArtEmis.
        dataset_name = arguments.dataset_name or results_dataset_name(csv_path)
        figures = evaluate_on_split(task, output_dir, "test", dataset_name, training_args.per_device_batch_size)
        logger.info("Test figures: %s", figures)
        write_model_card(output_dir)  # hub: README.md, from training_args.json and eval_results.json
    return {
        "phases": [phase.name for phase in phases],
        "best_validation_loss": [result.best_validation_loss for result in results],
        "test": figures,
    }


def checkpoint_settings(
    init: InitCheckpoint, processor: ImageEmotionImageProcessor, arguments: ImageEmotionArguments
) -> dict:
    """The model settings of an --init_from checkpoint, as ImageEmotionArguments values."""
    config = init.config
    deep = config.model_type == ImageEmotionConfig.model_type
    settings = {
        "model": "deep" if deep else "handcrafted",
        "label_scheme": config.label_scheme,
        "head_hidden_sizes": list(config.head_hidden_sizes),
        "head_dropout": config.head_dropout,
        "image_size": processor.size["height"],
    }
    if deep:
        given, kwargs = arguments.backbone_kwargs, config.backbone_kwargs
        same = given is not None and json.loads(given) == kwargs  # the same JSON, perhaps spaced otherwise
        settings["backbone"] = config.backbone
        settings["backbone_kwargs"] = given if same else (None if kwargs is None else json.dumps(kwargs))
    else:
        settings["palette_size"] = config.palette_size
    return settings


def combine_phase_records(phases: list[Phase], phase_dirs: list[Path], training_args: TrainingArguments) -> dict:
    """The run's training_args.json from its phases' own: the last phase's, with the run's training arguments, the
    first phase's starting point, steps, epochs and time summed over the phases, and each phase's share."""
    records = [read_run_record(folder) for folder in phase_dirs]
    record = records[-1]
    record["arguments"].update(arguments_record(training_args))
    record["init_from"] = records[0]["init_from"]
    for key in ("steps", "epochs", "wall_time_s"):
        record[key] = sum(phase_record[key] for phase_record in records)
    record["wall_time_s"] = round(record["wall_time_s"], 1)
    record["phases"] = [
        {"name": phase.name, "trainable_stages": phase.trainable_stages, "steps": phase_record["steps"],
         "epochs": phase_record["epochs"], "output_dir": str(folder)}
        for phase, folder, phase_record in zip(phases, phase_dirs, records)
    ]  # fmt: skip
    return record


def main(argv: list[str] | None = None) -> int:
    def train_and_print(*arguments):
        print(json.dumps(training_function(*arguments), indent=1))

    arguments = (ReleaseArguments, ImageEmotionArguments, TrainingArguments)
    return run_command(
        train_and_print, arguments, list(sys.argv[1:] if argv is None else argv), f"python -m {__spec__.name}"
    )


if __name__ == "__main__":
    sys.exit(main())
