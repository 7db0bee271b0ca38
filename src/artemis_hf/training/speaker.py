"""Train a speaker on ArtEmis (by default on the embedded synthetic release).

    artemis-hf train speaker --arch sat --emotion_grounding --output_dir runs/sat-emo
    artemis-hf train speaker --arch m2 --emotion_grounding --output_dir runs/m2-emo
    accelerate launch -m artemis_hf.training.speaker --arch sat --output_dir runs/sat      # many GPUs or nodes
    artemis-hf train speaker --arch nn --output_dir runs/nn                               # an index, no training
    artemis-hf train speaker --init_from org/artemis-speaker-sat --output_dir runs/sat-more    # continue a checkpoint

`sat` and `m2` run on the shared loop with their recipes as the defaults. Show-Attend-Tell's (the reference's): Adam,
encoder at 1e-4 and decoder at 5e-4, the rate halved when the validation loss stalls, gradients clipped at 5, early
stopping on the validation loss. M2's (the paper's): batch 50, Adam (0.9, 0.98), the rate d_model^-0.5 * min(step^-0.5,
step * warmup^-1.5) with 10,000 warm-up steps, patience 5. `--cache_features` freezes the backbone, computes each
painting's grid once and trains the rest on them. `--scst --init_from DIR` fine-tunes either by self-critical sequence
training (`scst.py`).
Both speakers end by captioning the first `--eval_max_paintings` test paintings (`artemis_hf.sampling`) and scoring
them (`artemis_hf.evaluation.report`, as `artemis-hf evaluate --model_dir`): eval_results.json holds the figures.
The output folder loads with `pipeline("artemis-captioning", model=output_dir)`.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import sys
import time
from pathlib import Path
from typing import NamedTuple

import datasets
import timm
import torch
from accelerate import PartialState
from accelerate.utils import set_seed
from torch.nn.utils.rnn import pad_sequence
from tqdm.auto import tqdm
from transformers import AutoModelForImageTextToText, AutoProcessor, ViTImageProcessor

from ..argparsing import run_command
from ..data.image_cache import decoded_pixel_values, resized_pixel_values
from ..data.images import to_rgb
from ..data.paintings import keep_paintings_with_images, load_speaker_data, paintings_of
from ..data.sources import ReleaseArguments, results_dataset_name
from ..emotions import EMOTIONS
from ..hub import write_model_card
from ..models.speaker_m2 import SpeakerM2Config, SpeakerM2ForConditionalGeneration
from ..models.speaker_nn import SpeakerNNConfig, SpeakerNNModel
from ..models.speaker_sat import SpeakerSATConfig, SpeakerSATForConditionalGeneration, SpeakerSATProcessor
from ..models.speaker_sat.modeling_speaker_sat import IGNORE_INDEX
from ..pipelines.captioning import TASK, ArtEmisCaptioningPipeline
from .arguments import SpeakerArguments, SpeakerTrainingArguments, TrainingArguments, speaker_recipe
from .caption_groups import CaptionGroups
from .checkpoints import claim_output_dir
from .init_from import InitCheckpoint, adopt_vocabulary, load_init_checkpoint, reconcile_arguments
from .loop import TrainingResult, TrainingTask, dataloader_options, train
from .records import run_record, update_run_record, write_run_record

logger = logging.getLogger(__name__)


def image_processor(image_size: int) -> ViTImageProcessor:
    """Resize to a square and normalise with ImageNet statistics, as the reference's transforms."""
    return ViTImageProcessor(
        size={"height": image_size, "width": image_size},
        image_mean=list(timm.data.IMAGENET_DEFAULT_MEAN),
        image_std=list(timm.data.IMAGENET_DEFAULT_STD),
    )


@torch.no_grad()
def encode_images(encode, paintings, processor, batch_size: int, device, description: str) -> torch.Tensor:
    """`encode(pixel_values)` over the `image` column of `paintings`, batch by batch (images are decoded only
    then), with a progress bar; the results stacked on the CPU."""
    outputs = []
    for start in tqdm(
        range(0, len(paintings), batch_size), desc=description, disable=not PartialState().is_local_main_process
    ):
        images = [to_rgb(image) for image in paintings[start : start + batch_size]["image"]]
        outputs.append(encode(processor(images, return_tensors="pt")["pixel_values"].to(device)).cpu())
    return torch.cat(outputs)


class Architecture(NamedTuple):
    config_class: type
    model_class: type
    settings: dict[str, str]  # SpeakerArguments field -> the config attribute it sets


SHARED_SETTINGS = {
    "backbone": "backbone", "feature_layer": "feature_layer", "dropout": "dropout",
    "emotion_grounding": "emotion_grounding", "emotion_classifier": "emotion_classifier_name_or_path",
}  # fmt: skip
ARCHITECTURES = {
    "sat": Architecture(
        SpeakerSATConfig,
        SpeakerSATForConditionalGeneration,
        {**SHARED_SETTINGS, **{name: name for name in (
            "attention_dim", "decoder_dim", "word_embedding_dim", "attention_loss_weight")}},
    ),
    "m2": Architecture(
        SpeakerM2Config,
        SpeakerM2ForConditionalGeneration,
        {**SHARED_SETTINGS, **{name: name for name in (
            "d_model", "encoder_layers", "decoder_layers", "num_heads", "d_ff", "memory_slots")}},
    ),
}  # fmt: skip
ARCH_OF_MODEL_TYPE = {architecture.config_class.model_type: arch for arch, architecture in ARCHITECTURES.items()}


class SpeakerTask(TrainingTask):
    """A generating speaker (Show-Attend-Tell or M2) on the shared loop: utterances as labels, painting images (or
    cached grids).

    With `args.init_from`, the model, its processor and tokenizer come from that checkpoint and `self.args` holds
    its settings, the architecture included (see `init_from.py`)."""

    def __init__(self, release: ReleaseArguments, args: SpeakerArguments):
        build = load_speaker_data(release)
        self.dataset, self.coverage = keep_paintings_with_images(
            build.dataset, ("train", "validation"), release.resolve()[1], args.on_missing_image
        )
        self.init: InitCheckpoint | None = None
        self.vocabulary_record: dict = {}
        if args.init_from is None:
            self.processor = SpeakerSATProcessor(image_processor(args.image_size), build.tokenizer)
        else:
            self.init = load_init_checkpoint(args.init_from, ARCH_OF_MODEL_TYPE, "train speaker")
            self.processor = AutoProcessor.from_pretrained(args.init_from, **self.init.load_kwargs)
            arch = ARCH_OF_MODEL_TYPE[self.init.config.model_type]
            settings = {name: getattr(self.init.config, key) for name, key in ARCHITECTURES[arch].settings.items()}
            settings.update(arch=arch, image_size=self.processor.image_processor.size["height"])
            args = reconcile_arguments(args, settings, args.init_from)
            self.dataset, self.vocabulary_record = adopt_vocabulary(
                self.dataset, build.tokenizer, self.processor.tokenizer, args.init_from, args.keep_init_vocabulary
            )
        self.args = args
        self.tokenizer = self.processor.tokenizer
        self.grids, self.grid_rows = None, None

    def init_record(self) -> dict | None:
        return None if self.init is None else {**self.init.record(), **self.vocabulary_record}

    def build_model(self) -> SpeakerSATForConditionalGeneration | SpeakerM2ForConditionalGeneration:
        if self.init is not None:
            self.model = AutoModelForImageTextToText.from_pretrained(self.init.name_or_path, **self.init.load_kwargs)
        else:
            self.model = self.new_model()
        if self.args.cache_features:
            self.model.encoder.backbone.requires_grad_(
                False
            )  # also keeps DDP from waiting for gradients it never gets
        if self.args.compile:
            self.model.compile_decoder()
        return self.model

    def new_model(self) -> SpeakerSATForConditionalGeneration | SpeakerM2ForConditionalGeneration:
        args = self.args
        architecture = ARCHITECTURES[args.arch]
        config = architecture.config_class(
            vocab_size=len(self.tokenizer),
            **{key: getattr(args, name) for name, key in architecture.settings.items()},
            id2label=dict(enumerate(EMOTIONS)),
            pad_token_id=self.tokenizer.pad_token_id,
            bos_token_id=self.tokenizer.bos_token_id,
            eos_token_id=self.tokenizer.eos_token_id,
            unk_token_id=self.tokenizer.unk_token_id,
        )
        model = architecture.model_class(config)
        if args.pretrained_backbone:
            model.encoder.backbone.load_state_dict(
                timm.create_model(
                    args.backbone, pretrained=True, features_only=True, out_indices=(args.feature_layer,)
                ).state_dict()
            )
        return model

    def get_dataloaders(self, args: TrainingArguments):
        """Painting-grouped batches (`CaptionGroups`): about `per_device_batch_size` captions of
        `--paintings_per_batch` paintings, each image decoded (or read from `--image_cache_dir`) and encoded once."""
        if self.args.cache_features:
            self._cache_grids([self.dataset["train"], self.dataset["validation"]], args.per_device_batch_size)
        captions_per_painting = self.args.captions_per_painting
        if captions_per_painting is None:  # see the argument's help
            captions_per_painting = 1 if self.args.cache_features else 0
        train_split, validation_split = (
            CaptionGroups(
                self.dataset[name],
                captions_per_painting or None,
                with_images=not self.args.cache_features,
                image_cache_dir=self.args.image_cache_dir,
                image_processor=self.processor.image_processor,
                encoded_images=self.args.decode_on_device,
            )
            for name in ("train", "validation")
        )
        paintings = self.args.paintings_per_batch or max(
            1, round(args.per_device_batch_size / train_split.captions_per_item)
        )
        loader = dict(collate_fn=self.collate, batch_size=paintings, **dataloader_options(args))
        return torch.utils.data.DataLoader(train_split, shuffle=True, **loader), torch.utils.data.DataLoader(
            validation_split, **loader
        )

    def _cache_grids(self, splits, batch_size: int) -> None:
        """Each painting's grid, computed once by the frozen backbone in eval mode (every process computes them all,
        so that all hold the same numbers without communicating)."""
        device = PartialState().device
        encoder = self.model.encoder.to(device).eval()
        paintings = datasets.concatenate_datasets([paintings_of(split) for split in splits])
        self.grid_rows = {painting_id: index for index, painting_id in enumerate(paintings["painting_id"])}
        grids = encode_images(
            encoder.forward_features,
            paintings,
            self.processor.image_processor,
            batch_size,
            device,
            "Caching grids",
        )
        self.grids = grids.half()  # (paintings, P, E): half the memory; the decoder gets them back in float32

    def collate(self, items: list[dict]) -> dict:
        """Items of `CaptionGroups` -> the captions' labels (B, T) and emotions (B,), one image (or cached grid) per
        item, and `image_index` (B,), the item of each caption."""
        captions = torch.tensor([len(item["input_ids"]) for item in items])
        labels = [torch.tensor(input_ids[1:]) for item in items for input_ids in item["input_ids"]]  # w1 .. wn <eos>
        batch = {
            "labels": pad_sequence(labels, batch_first=True, padding_value=IGNORE_INDEX),
            "image_index": torch.arange(len(items)).repeat_interleave(captions),
        }
        if self.args.emotion_grounding:
            batch["emotion_ids"] = torch.tensor([emotion for item in items for emotion in item["emotion"]])
        if self.grids is not None:
            batch["image_features"] = self.grids[[self.grid_rows[item["painting_id"]] for item in items]].float()
        elif "image_file" in items[0]:  # decoded in `image_inputs`, on the model's device
            batch["image_files"] = [item["image_file"] for item in items]
        elif "resized_image" in items[0]:
            batch["pixel_values"] = resized_pixel_values(
                self.processor.image_processor, [item["resized_image"] for item in items]
            )
        else:
            batch["pixel_values"] = self.processor.image_processor(
                [to_rgb(item["image"]) for item in items], return_tensors="pt"
            )["pixel_values"]
        return batch

    def image_inputs(self, batch: dict) -> dict:
        """The model's image arguments for a batch: pixels or cached grids, and the image of each caption. Image files
        (`--decode_on_device`) are decoded here, on the device the labels are already on."""
        names = ("pixel_values", "image_features", "image_index")
        inputs = {name: batch[name] for name in names if name in batch}
        if "image_files" in batch:
            processor, device = self.processor.image_processor, batch["labels"].device
            inputs["pixel_values"] = decoded_pixel_values(processor, batch["image_files"], device)
        return inputs

    def item_losses(self, model, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """Per item (painting): its captions' summed token losses and their token count."""
        options = {"label_smoothing": self.args.label_smoothing} if self.args.arch == "m2" and model.training else {}
        inputs = self.image_inputs(batch)
        outputs = model(**inputs, labels=batch["labels"], emotion_ids=batch.get("emotion_ids"), **options)
        images = inputs["pixel_values"] if "pixel_values" in inputs else inputs["image_features"]
        per_item = torch.zeros(len(images), device=images.device)
        index = batch["image_index"]
        return per_item.index_add(0, index, outputs.caption_loss_sums.float()), per_item.index_add(
            0, index, outputs.caption_token_counts.float()
        )

    def parameter_groups(self, model, args: SpeakerTrainingArguments) -> list[dict]:
        """The backbone at `encoder_learning_rate`, the rest (M2's transformer encoder included) at `learning_rate`."""
        backbone = [p for p in model.encoder.backbone.parameters() if p.requires_grad]
        others = [p for name, p in model.named_parameters() if not name.startswith("encoder.backbone.")]
        return [{"params": others, "lr": args.learning_rate}] + (
            [{"params": backbone, "lr": args.encoder_learning_rate}] if backbone else []
        )

    def save(self, model, output_dir: Path) -> None:
        save_speaker(model, self.processor, output_dir)


def save_speaker(model, processor: SpeakerSATProcessor, output_dir: Path) -> None:
    """Model, tokenizer, image processor, processor, and the pipeline code for `trust_remote_code` users."""
    ArtEmisCaptioningPipeline(
        model=model,
        tokenizer=processor.tokenizer,
        image_processor=processor.image_processor,
        task=TASK,
        device=model.device,
    ).save_pretrained(output_dir)
    processor.save_pretrained(output_dir)


def build_nn_speaker(
    release: ReleaseArguments, args: SpeakerArguments, output_dir: str | Path, batch_size: int = 64, seed: int = 2021
) -> SpeakerNNModel:
    """Embed each training painting once and store it with its (cleaned) utterances and their emotions."""
    dataset, coverage = keep_paintings_with_images(
        load_speaker_data(release).dataset, ("train",), release.resolve()[1], args.on_missing_image
    )
    train_split = dataset["train"]
    set_seed(seed)  # the backbone's random weights, when no pretrained ones are asked for
    model = SpeakerNNModel(
        SpeakerNNConfig(
            backbone=args.backbone,
            id2label=dict(enumerate(EMOTIONS)),
            emotion_classifier_name_or_path=args.emotion_classifier,
        )
    )
    if args.pretrained_backbone:
        model.backbone.load_state_dict(timm.create_model(args.backbone, pretrained=True, num_classes=0).state_dict())
    device = PartialState().device
    model.to(device).eval()
    paintings = paintings_of(train_split)
    processor = image_processor(args.image_size)
    embeddings = encode_images(model.embed, paintings, processor, batch_size, device, "Embedding paintings")
    painting_index = {painting_id: index for index, painting_id in enumerate(paintings["painting_id"])}
    model.set_memory(
        embeddings,
        train_split["utterance_spelled"],
        [painting_index[painting_id] for painting_id in train_split["painting_id"]],
        train_split["emotion"],
    )
    ArtEmisCaptioningPipeline(model=model, image_processor=processor, task=TASK, device=device).save_pretrained(
        output_dir
    )
    coverage.save(output_dir)
    return model


def training_function(
    release: ReleaseArguments, args: SpeakerArguments, training_args: SpeakerTrainingArguments
) -> TrainingResult | SpeakerNNModel | None:
    """`artemis-hf train speaker`: the SAT speaker on the shared loop, or the nearest-neighbour speaker's index (built
    by the main process alone when launched on several); then both caption test paintings and score them."""
    output_dir = Path(training_args.output_dir)
    args = without_unavailable_evaluation(args)
    if args.arch == "nn":
        result = train_nn_speaker(release, args, training_args)
    else:
        if args.scst:
            from .scst import ScstTask

            task = ScstTask(release, args)
        else:
            task = SpeakerTask(release, args)
        args = task.args  # with an --init_from checkpoint's settings
        result = train(task, speaker_recipe(args, training_args), (release, args))
        if PartialState().is_main_process:
            task.coverage.save(output_dir)
    if not PartialState().is_main_process:
        return result
    evaluate_speaker(release, args, output_dir)
    write_model_card(output_dir)  # hub: README.md, from training_args.json and eval_results.json
    return result


def without_unavailable_evaluation(args: SpeakerArguments) -> SpeakerArguments:
    """`args` without the test evaluation when pycocoevalcap, which its BLEU, ROUGE-L and CIDEr need, is absent (as on
    a GPU host that gets only a few wheels): said before training, not found after it."""
    if args.eval_max_paintings == 0 or importlib.util.find_spec("pycocoevalcap") is not None:
        return args
    logger.warning(
        "pycocoevalcap is not installed: the speaker is trained but not evaluated (as with --eval_max_paintings 0); "
        "score it later with `artemis-hf sample` and `artemis-hf evaluate` where the evaluation extra is installed"
    )
    return dataclasses.replace(args, eval_max_paintings=0)


def train_nn_speaker(
    release: ReleaseArguments, args: SpeakerArguments, training_args: SpeakerTrainingArguments
) -> SpeakerNNModel | None:
    """The nearest-neighbour speaker's index and its training_args.json, by the main process alone."""
    if training_args.resume:
        raise ValueError("--resume: the nearest-neighbour speaker is built in one pass; there is nothing to resume")
    # As the loop does for the other families: never write over another run without --overwrite_output_dir.
    claim_output_dir(Path(training_args.output_dir), training_args.overwrite_output_dir)
    if not PartialState().is_main_process:
        return None
    started = time.perf_counter()
    model = build_nn_speaker(
        release, args, training_args.output_dir, training_args.per_device_batch_size, training_args.seed
    )
    record = run_record(
        (release, args, training_args),
        device=PartialState().device,
        mixed_precision="no",  # embeddings are computed in float32
        num_processes=1,
        steps=0,
        epochs=0,
        wall_time_s=time.perf_counter() - started,
    )
    write_run_record(training_args.output_dir, record)
    logger.info(
        "Nearest-neighbour speaker over %d paintings saved in %s", model.config.num_paintings, training_args.output_dir
    )
    return model


def evaluate_speaker(release: ReleaseArguments, args: SpeakerArguments, output_dir: Path) -> dict | None:
    """Caption the first `args.eval_max_paintings` test paintings as `artemis-hf sample` does, and score them as
    `artemis-hf evaluate --model_dir` does: captions-test.jsonl, evaluation.json and .md, and the figures as records
    of eval_results.json, in `output_dir`. The settings go into training_args.json ("evaluation")."""
    from ..evaluation.options import EvaluationOptions
    from ..evaluation.report import report
    from ..pipelines.captioning import AUTO
    from ..sampling import DOMINANT, SampleArguments, sample

    if args.eval_max_paintings == 0:
        return None
    dataset = load_speaker_data(release).dataset
    if "test" not in dataset:
        logger.warning("The release has no test split (splits: %s): the speaker is not evaluated", list(dataset))
        return None
    # The paper captions for the image classifier's emotion; without one, each painting's most voted emotion.
    emotion = args.eval_emotion
    if emotion is None and args.emotion_classifier is not None:
        emotion = AUTO
    elif emotion is None and args.emotion_grounding:
        emotion = DOMINANT
    captions = sample(
        release,
        SampleArguments(
            model=str(output_dir),
            split="test",
            output=str(output_dir / "captions-test.jsonl"),
            emotion=emotion,
            on_missing_image=args.on_missing_image,
            max_paintings=args.eval_max_paintings,
            device=str(PartialState().device),
        ),
    )
    options = EvaluationOptions(split="test", text_classifier=args.eval_text_classifier, meteor=args.eval_meteor)
    dataset_name = args.dataset_name or results_dataset_name(release.resolve()[0])
    figures = report(captions, dataset, output_dir, options, output_dir, dataset_name)
    update_run_record(
        output_dir,
        evaluation={
            "split": "test",
            "paintings": figures["num_captions"],
            "split_paintings": figures["num_paintings"],
            "emotion": emotion,
            "dataset_name": dataset_name,
        },
    )
    logger.info("Test figures of %d paintings: %s", figures["num_captions"], figures)
    return figures


def main(argv: list[str] | None = None) -> int:
    arguments = (ReleaseArguments, SpeakerArguments, SpeakerTrainingArguments)
    return run_command(
        training_function, arguments, list(sys.argv[1:] if argv is None else argv), f"python -m {__spec__.name}"
    )


if __name__ == "__main__":
    sys.exit(main())
