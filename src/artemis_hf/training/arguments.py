"""The arguments of every training command, as dataclasses (`artemis-hf train ...`, `accelerate launch -m ...`).

Kept apart from the training code, which needs torch, so that command-line help reads them instantly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from ..data.options import on_missing_image_option

LSTM = "lstm"  # TextEmotionArguments.model_name_or_path for the reference LSTM instead of a Hub encoder
KEEP_INIT_VOCABULARY = "--keep_init_vocabulary"


def init_from_option(family: str) -> Any:
    return field(
        default=None,
        metadata={
            "help": f"Start from a checkpoint: a folder written by `artemis-hf train {family}` or a Hub repo id (ORG/NAME), "
            "with the tokenizer and processor that came with it. Model settings left at their defaults follow the "
            "checkpoint; a setting given with another value than the checkpoint's is an error."
        },
    )


def keep_init_vocabulary_option() -> Any:
    return field(
        default=False,
        metadata={
            "help": "With --init_from: keep the checkpoint's vocabulary when the data's differs (words outside it become "
            "<unk>, counted in the log and in training_args.json). Without it, a different vocabulary is an error."
        },
    )


def dataset_name_option() -> Any:
    return field(
        default=None,
        metadata={
            "help": "Name in eval_results.json. Default: ArtEmis, or synthetic-artemis for a synthetic release."
        },
    )


@dataclass
class TrainingArguments:
    output_dir: str = field(metadata={"help": "Where the trained model, checkpoints, logs and plots go."})
    num_epochs: int = field(default=10, metadata={"help": "Maximum number of epochs."})
    per_device_batch_size: int = field(default=32, metadata={"help": "Batch size on each process."})
    gradient_accumulation_steps: int = field(default=1, metadata={"help": "Micro-batches per optimizer step."})
    learning_rate: float = field(
        default=1e-3, metadata={"help": "Peak learning rate (a family may set one per parameter group)."}
    )
    weight_decay: float = field(
        default=0.0, metadata={"help": "Decoupled weight decay (AdamW); 0 keeps plain Adam, as the reference."}
    )
    lr_scheduler: Literal["plateau", "cosine", "linear", "constant", "inverse_sqrt"] = field(
        default="plateau",
        metadata={
            "help": "plateau: halve the rate when validation loss stalls (the reference); inverse_sqrt: linear warm-up, "
            "then the rate times sqrt(warmup_steps / step) (the transformer recipe)."
        },
    )
    warmup_steps: int = field(
        default=0, metadata={"help": "Linear warm-up steps (cosine, linear, constant and inverse_sqrt schedules)."}
    )
    adam_beta2: float = field(default=0.999, metadata={"help": "Adam's second-moment decay (transformers: 0.98)."})
    plateau_patience: int = field(
        default=1, metadata={"help": "Epochs without improvement before the plateau schedule lowers the rate."}
    )
    max_grad_norm: float | None = field(
        default=5.0, metadata={"help": "Gradient clipping (the reference clips at 5); None for none."}
    )
    early_stopping_patience: int | None = field(
        default=3, metadata={"help": "Stop after this many epochs without a better validation loss."}
    )
    mixed_precision: Literal["auto", "no", "bf16", "fp16"] = field(
        default="auto",
        metadata={
            "help": "auto: bf16 on a GPU that has it, else fp32 (bf16 is ~8x slower on CPUs without bf16 units)."
        },
    )
    seed: int = field(
        default=2021, metadata={"help": "Seed of weights, shuffling and dropout: the same seed takes the same steps."}
    )
    num_workers: int | None = field(
        default=None,
        metadata={
            "help": "DataLoader worker processes, which decode the images. Default for the speakers: none on a CPU (its "
            "cores compute), else one per free core of the process's share, at most 8; for the image classifiers, none "
            "(their training flips are drawn where the batches are made, and a resumed run restores only the main "
            "process's RNG)."
        },
    )
    checkpoint_every_steps: int | None = field(
        default=None, metadata={"help": "Also save a checkpoint every N optimizer steps, not only after each epoch."}
    )
    keep_checkpoints: int = field(default=2, metadata={"help": "How many of the latest checkpoints to keep."})
    resume: bool = field(
        default=False,
        metadata={"help": "Continue exactly from the latest checkpoint in output_dir (refused if of another run)."},
    )
    overwrite_output_dir: bool = field(
        default=False,
        metadata={"help": "Empty output_dir first when it holds a run; without it, such a folder is refused."},
    )
    max_steps: int | None = field(
        default=None, metadata={"help": "Stop after this many optimizer steps (smoke runs)."}
    )
    report_to: str | None = field(
        default=None, metadata={"help": "An Accelerate tracker: tensorboard, wandb, mlflow, ..."}
    )
    cpu: bool = field(default=False, metadata={"help": "Train on the CPU even when a GPU is present."})

    def __post_init__(self):
        for name in ("num_epochs", "per_device_batch_size", "gradient_accumulation_steps", "keep_checkpoints"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.resume and self.overwrite_output_dir:
            raise ValueError("--resume continues the run in output_dir, --overwrite_output_dir replaces it: pass one")
        if self.num_workers is not None and self.num_workers < 0:
            raise ValueError(f"num_workers must be >= 0 (or None: sized to the machine), got {self.num_workers}")


@dataclass
class ImageEmotionArguments:
    model: Literal["deep", "handcrafted"] = field(
        default="deep",
        metadata={"help": "deep: a timm backbone with an MLP head; handcrafted: the CS230 features baseline."},
    )
    backbone: str = field(default="resnet34", metadata={"help": "A timm model name (the reference: resnet34)."})
    backbone_kwargs: str | None = field(
        default=None, metadata={"help": "More timm.create_model arguments as JSON, e.g. '{\"output_stride\": 8}'."}
    )
    pretrained_backbone: bool = field(
        default=False,
        metadata={"help": "Start from timm's ImageNet weights, as the reference (needs the Hub or its cache)."},
    )
    image_size: int = field(
        default=256, metadata={"help": "Side of the square model input, in pixels (the reference: 256)."}
    )
    label_scheme: Literal["emotion", "sentiment", "polarity"] = field(
        default="emotion", metadata={"help": "9 emotions, pos/neg/else, or pos vs neg."}
    )
    targets: Literal["histogram", "dominant"] = field(
        default="histogram",
        metadata={
            "help": "histogram: KL divergence from each painting's vote distribution (the reference); dominant: cross-entropy to its top label."
        },
    )
    head_hidden_sizes: list[int] = field(
        default_factory=lambda: [100], metadata={"help": "Hidden widths of the MLP head."}
    )
    head_dropout: float = field(default=0.3, metadata={"help": "Dropout in the MLP head."})
    trainable_stages: int | None = field(
        default=None, metadata={"help": "Train the backbone's last N stages only (the reference: 1); default all."}
    )
    stage_schedule: list[int] | None = field(
        default=None,
        metadata={
            "help": "Staged fine-tuning: emotion phases training the last N stages in turn, e.g. 1 2 (num_epochs each)."
        },
    )
    style_epochs: int = field(
        default=0,
        metadata={"help": "Genre then emotion: epochs of the auxiliary style/era task before the emotion phases."},
    )
    style_labels: Literal["era", "style"] = field(
        default="era", metadata={"help": "Auxiliary labels: the 4 eras or the 27 styles."}
    )
    augment: Literal["none", "flip", "flip-rotate"] = field(
        default="flip", metadata={"help": "Training augmentation: horizontal flips, and quarter turns."}
    )
    on_missing_image: Literal["skip", "error"] = on_missing_image_option()
    palette_size: int = field(
        default=5, metadata={"help": "handcrafted: dominant colours per image and per label palette."}
    )
    dataset_name: str | None = dataset_name_option()
    init_from: str | None = init_from_option("image-emotion")

    def __post_init__(self):
        if self.init_from is not None and self.pretrained_backbone:
            raise ValueError(
                f"--init_from {self.init_from} and --pretrained_backbone both say where the weights come from: pass one"
            )
        if self.model == "handcrafted" and (
            self.style_epochs or self.stage_schedule or self.trainable_stages is not None or self.pretrained_backbone
        ):
            raise ValueError(
                "--style_epochs, --stage_schedule, --trainable_stages and --pretrained_backbone apply to --model deep only"
            )
        if self.style_epochs < 0:
            raise ValueError(f"style_epochs must be >= 0, got {self.style_epochs}")


@dataclass
class TextEmotionArguments:
    model_name_or_path: str = field(
        default=LSTM,
        metadata={
            "help": "'lstm' for the reference LSTM over the dataset's vocabulary, or a Hub encoder / local folder (bert-base-uncased as in the paper)."
        },
    )
    max_length: int = field(default=64, metadata={"help": "Encoder models: truncate utterances to this many tokens."})
    embedding_dim: int = field(default=128, metadata={"help": "lstm: word embedding size."})
    hidden_size: int = field(default=128, metadata={"help": "lstm: LSTM state size."})
    dropout: float = field(default=0.1, metadata={"help": "lstm: dropout."})
    dataset_name: str | None = dataset_name_option()
    init_from: str | None = init_from_option("text-emotion")
    keep_init_vocabulary: bool = keep_init_vocabulary_option()

    def __post_init__(self):
        if self.init_from is not None and self.model_name_or_path != LSTM:
            raise ValueError(
                f"--init_from {self.init_from} and --model_name_or_path {self.model_name_or_path} both name the model "
                "to start from: pass one"
            )


@dataclass
class SpeakerArguments:
    arch: Literal["sat", "m2", "nn"] = field(
        default="sat",
        metadata={
            "help": "sat: Show-Attend-Tell; m2: meshed-memory transformer (training arguments left at their defaults "
            "take M2's recipe: batch 50, Adam (0.9, 0.98), inverse_sqrt schedule with 10,000 warm-up steps, patience "
            "5); nn: nearest neighbour."
        },
    )
    emotion_grounding: bool = field(
        default=False, metadata={"help": "Ground the captions on each utterance's emotion (sat, m2)."}
    )
    backbone: str = field(default="resnet34", metadata={"help": "timm architecture of the image encoder."})
    pretrained_backbone: bool = field(
        default=False, metadata={"help": "Start from timm's ImageNet weights, as the reference (needs the Hub)."}
    )
    feature_layer: int = field(
        default=-1, metadata={"help": "Backbone stage whose feature map is the grid (-1: the last)."}
    )
    image_size: int = field(default=256, metadata={"help": "Side of the square the images are resized to."})
    attention_dim: int = field(
        default=512, metadata={"help": "Size of the additive attention's hidden layer (the reference: 512)."}
    )
    decoder_dim: int = field(default=512, metadata={"help": "LSTM state size of the decoder (the reference: 512)."})
    word_embedding_dim: int = field(default=128, metadata={"help": "Word embedding size (the reference: 128)."})
    dropout: float = field(
        default=0.1, metadata={"help": "sat: dropout before the word projection; m2: in every residual branch (0.1)."}
    )
    attention_loss_weight: float = field(
        default=1.0, metadata={"help": "sat: weight of the doubly-stochastic attention loss."}
    )
    d_model: int = field(default=512, metadata={"help": "m2: width of the transformer (the paper: 512)."})
    encoder_layers: int = field(default=3, metadata={"help": "m2: memory-augmented encoder layers (3)."})
    decoder_layers: int = field(default=3, metadata={"help": "m2: meshed decoder layers (3)."})
    num_heads: int = field(default=8, metadata={"help": "m2: attention heads (8)."})
    d_ff: int = field(default=2048, metadata={"help": "m2: width of the feed-forward layers (2048)."})
    memory_slots: int = field(
        default=40, metadata={"help": "m2: learned memory keys and values per encoder layer (40)."}
    )
    label_smoothing: float = field(
        default=0.0, metadata={"help": "m2: share of each token's target spread over the vocabulary in the loss."}
    )
    scst: bool = field(
        default=False,
        metadata={
            "help": "Self-critical sequence training of the --init_from speaker (sat, m2): beam-search samples, their "
            "mean reward as the baseline, CIDEr-D against the training references as the reward. Training arguments "
            "left at their defaults take its recipe: Adam at 5e-6, constant rate, batch 50."
        },
    )
    scst_num_beams: int = field(
        default=5, metadata={"help": "--scst: beams, all kept as the samples of an image (5)."}
    )
    scst_emotion_weight: float = field(
        default=0.0,
        metadata={
            "help": "--scst: weight of an emotional-alignment reward, the probability that --eval_text_classifier gives "
            "a sample's grounding emotion (0: CIDEr-D alone)."
        },
    )
    cache_features: bool = field(
        default=False, metadata={"help": "Freeze the backbone and train the decoder on grids computed once."}
    )
    captions_per_painting: int | None = field(
        default=None,
        metadata={
            "help": "Painting-grouped batches: an item is a painting with up to this many of its captions, its image "
            "decoded and encoded once for them all; 0: all of them; 1: ungrouped, one caption per item. Default: all "
            "when the backbone runs in the batch, 1 with --cache_features (the grids are computed once anyway, and a "
            "batch of single captions shows each step more paintings)."
        },
    )
    paintings_per_batch: int | None = field(
        default=None,
        metadata={
            "help": "Items (paintings) per batch on each process. Default: per_device_batch_size divided by the mean "
            "captions per item, so that a batch holds about per_device_batch_size captions."
        },
    )
    image_cache_dir: str | None = field(
        default=None,
        metadata={
            "help": "Keep the model-sized images here as uint8 arrays: the first epoch decodes each image once, later "
            "epochs and runs decode none (a changed image file is read again)."
        },
    )
    decode_on_device: bool = field(
        default=False,
        metadata={
            "help": "Decode and resize the images where the model runs (sat, m2): on a GPU, JPEGs by torchvision's "
            "nvJPEG decoder, which frees the CPU cores; the loader workers then only read files. Its antialiased "
            "resize is close to the processor's, not equal. Not with --image_cache_dir."
        },
    )
    compile: bool = field(
        default=False,
        metadata={"help": "torch.compile the decoder's per-word step (sat, m2): on a GPU, fewer kernel launches."},
    )
    on_missing_image: Literal["skip", "error"] = on_missing_image_option()
    emotion_classifier: str | None = field(
        default=None, metadata={"help": "Image emotion classifier that the pipeline uses for emotion='auto'."}
    )
    init_from: str | None = init_from_option("speaker")
    keep_init_vocabulary: bool = keep_init_vocabulary_option()
    eval_max_paintings: int | None = field(
        default=200,
        metadata={
            "help": "After training, caption the first N paintings of the test split (0: no evaluation; ArtEmis's has "
            "about 8,000) and score them as `artemis-hf evaluate` does, into eval_results.json."
        },
    )
    eval_emotion: str | None = field(
        default=None,
        metadata={
            "help": "The emotion the test captions are made for, as `artemis-hf sample --emotion`. Default: 'auto' "
            "with --emotion_classifier; else 'dominant' (each painting's most voted, an oracle) for an "
            "emotion-grounded speaker, none for others."
        },
    )
    eval_text_classifier: str | None = field(
        default=None,
        metadata={"help": "Text-emotion classifier (folder or Hub id) for the test captions' emotional alignment."},
    )
    eval_meteor: bool = field(
        default=False,
        metadata={"help": "Add METEOR to the test figures (starts a Java process: about 8 s more)."},
    )
    dataset_name: str | None = dataset_name_option()

    def __post_init__(self):
        if self.init_from is not None and (self.arch == "nn" or self.pretrained_backbone):
            raise ValueError(
                f"--init_from {self.init_from} continues a generating speaker: it goes with --arch sat or m2 and without "
                "--pretrained_backbone"
            )
        if self.scst and self.init_from is None:
            raise ValueError("--scst fine-tunes a trained speaker: name it with --init_from (a folder or a Hub id)")
        if self.scst and self.scst_emotion_weight and self.eval_text_classifier is None:
            raise ValueError(
                f"--scst_emotion_weight {self.scst_emotion_weight} rewards the emotion a text classifier reads: name "
                "one with --eval_text_classifier"
            )
        if not 0 <= self.label_smoothing < 1:
            raise ValueError(f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        if self.scst_num_beams < 2:
            raise ValueError(
                f"scst_num_beams must be at least 2 (their mean is the baseline), got {self.scst_num_beams}"
            )
        if self.captions_per_painting is not None and self.captions_per_painting < 0:
            raise ValueError(f"captions_per_painting must be >= 0 (0: all), got {self.captions_per_painting}")
        if self.paintings_per_batch is not None and self.paintings_per_batch < 1:
            raise ValueError(f"paintings_per_batch must be at least 1, got {self.paintings_per_batch}")
        if self.eval_max_paintings is not None and self.eval_max_paintings < 0:
            raise ValueError(f"eval_max_paintings must be >= 0 or None, got {self.eval_max_paintings}")
        if self.decode_on_device and (self.image_cache_dir is not None or self.cache_features):
            raise ValueError(
                "--decode_on_device decodes the images every epoch; --image_cache_dir and --cache_features decode them "
                "once: pass one"
            )


@dataclass
class SpeakerTrainingArguments(TrainingArguments):
    """The shared loop's arguments with the reference recipe as defaults; `learning_rate` is the decoder's."""

    per_device_batch_size: int = field(
        default=128, metadata={"help": "Batch size on each process (the reference: 128)."}
    )
    learning_rate: float = field(default=5e-4, metadata={"help": "Decoder learning rate (the reference: 5e-4)."})
    encoder_learning_rate: float = field(
        default=1e-4, metadata={"help": "Backbone learning rate (the reference: 1e-4)."}
    )


# Where a speaker's recipe differs from the loop's defaults (Show-Attend-Tell's, the reference's).
M2_RECIPE = {
    "per_device_batch_size": 50,
    "lr_scheduler": "inverse_sqrt",
    "warmup_steps": 10_000,
    "adam_beta2": 0.98,
    "early_stopping_patience": 5,
}
SCST_RECIPE = {
    "per_device_batch_size": 50,
    "learning_rate": 5e-6,
    "encoder_learning_rate": 5e-6,
    "lr_scheduler": "constant",
    "warmup_steps": 0,
}


def speaker_recipe(args: SpeakerArguments, training_args: SpeakerTrainingArguments) -> SpeakerTrainingArguments:
    """`training_args` where the settings left at their defaults take the recipe of `args.arch` (M2: the paper's,
    its peak rate d_model^-0.5 * warmup^-0.5) and of `--scst`. A setting given on the command line is kept."""
    defaults = type(training_args)(output_dir=training_args.output_dir)
    left = {
        f.name
        for f in dataclasses.fields(training_args)
        if getattr(training_args, f.name) == getattr(defaults, f.name)
    }
    recipe = {}
    if args.arch == "m2":
        recipe.update(M2_RECIPE)
        warmup = recipe["warmup_steps"] if "warmup_steps" in left else training_args.warmup_steps
        recipe["learning_rate"] = args.d_model**-0.5 * max(warmup, 1) ** -0.5
    if args.scst:
        recipe.update(SCST_RECIPE)
    return dataclasses.replace(training_args, **{name: value for name, value in recipe.items() if name in left})


@dataclass
class GanArguments:
    image_size: int = field(default=32, metadata={"help": "Side of the generated paintings, a power of two from 8."})
    noise_dim: int = field(default=64, metadata={"help": "Length of the generator's noise vector."})
    generator_channels: list[int] | None = field(
        default=None,
        metadata={
            "help": "Generator widths at 4 x 4, 8 x 8, ... up to image_size / 2 (default: 32 doubling towards 4 x 4)."
        },
    )
    discriminator_channels: list[int] | None = field(
        default=None,
        metadata={"help": "Discriminator widths at image_size / 2 down to 4 x 4 (default: 32 doubling)."},
    )
    discriminator_learning_rate: float | None = field(
        default=None,
        metadata={"help": "The discriminator's rate (default: twice --learning_rate, the generator's)."},
    )
    ema_decay: float = field(
        default=0.999,
        metadata={
            "help": "Decay of the generator's moving average, the weights that sample; it warms up as "
            "min(decay, (1 + step) / (10 + step)), so that short runs sample from their recent weights."
        },
    )
    translate: float = field(
        default=0.0,
        metadata={
            "help": "Shift real and generated images alike by up to this share of their side before the "
            "discriminator sees them (differentiable augmentation, which keeps it from memorising few paintings); 0: none."
        },
    )
    classifier_loss_weight: float = field(
        default=1.0,
        metadata={
            "help": "Weight of the discriminator's auxiliary emotion classifier: trained on real paintings, it asks the "
            "generator's paintings to be recognisably of their emotion (AC-GAN), besides the projection; 0: off."
        },
    )
    sample_every_steps: int = field(
        default=500, metadata={"help": "Write a grid of samples per emotion to samples/ every N steps (0: never)."}
    )
    classifier: str | None = field(
        default=None,
        metadata={
            "help": "An image emotion classifier (a folder of `train image-emotion`, or a Hub id) that judges the "
            "trained GAN: the share of its paintings classified as their emotion, and the Frechet distance to the "
            "training paintings in the classifier's features, into eval_results.json and the card."
        },
    )
    judge_images_per_emotion: int = field(
        default=100, metadata={"help": "Generated paintings per emotion that the classifier judges."}
    )
    on_missing_image: Literal["skip", "error"] = on_missing_image_option()
    dataset_name: str | None = dataset_name_option()

    def __post_init__(self):
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in [0, 1), got {self.ema_decay}")
        if not 0 <= self.translate < 0.5:
            raise ValueError(f"translate must be in [0, 0.5), got {self.translate}")
        if self.judge_images_per_emotion < 1:
            raise ValueError(f"judge_images_per_emotion must be at least 1, got {self.judge_images_per_emotion}")
        if self.sample_every_steps < 0:
            raise ValueError(f"sample_every_steps must be >= 0, got {self.sample_every_steps}")


@dataclass
class GanTrainingArguments(TrainingArguments):
    """The shared loop's arguments with a GAN's defaults: Adam(0, 0.9) at a constant rate, no clipping, and no early
    stopping (a GAN's losses do not say when it is good)."""

    num_epochs: int = field(default=100, metadata={"help": "Epochs: passes over the training paintings."})
    per_device_batch_size: int = field(default=64, metadata={"help": "Paintings per batch on each process."})
    learning_rate: float = field(default=2e-4, metadata={"help": "The generator's learning rate."})
    adam_beta1: float = field(default=0.0, metadata={"help": "Adam's first-moment decay (GANs: 0 or 0.5)."})
    adam_beta2: float = field(default=0.9, metadata={"help": "Adam's second-moment decay."})
    lr_scheduler: Literal["plateau", "cosine", "linear", "constant", "inverse_sqrt"] = field(
        default="constant", metadata={"help": "Schedule of both learning rates."}
    )
    max_grad_norm: float | None = field(default=None, metadata={"help": "Gradient clipping; None for none."})
    early_stopping_patience: int | None = field(
        default=None, metadata={"help": "None: a GAN trains its epochs; its validation loss selects nothing."}
    )
