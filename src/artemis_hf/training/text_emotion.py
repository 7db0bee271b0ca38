"""Train a text-to-emotion classifier: the reference LSTM over the dataset's vocabulary, or any Hugging Face encoder.

artemis-hf train text-emotion --output_dir runs/text-lstm
artemis-hf train text-emotion --model_name_or_path bert-base-uncased --learning_rate 2e-5 --output_dir runs/text-bert
artemis-hf train text-emotion --init_from org/artemis-text-emotion --output_dir runs/text-more    (continue a checkpoint)
accelerate launch -m artemis_hf.training.text_emotion --output_dir runs/text-lstm     (many GPUs or nodes)
"""

from __future__ import annotations

import json
import logging
import sys

import datasets
import numpy as np
import torch
from accelerate import PartialState
from transformers import AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding

from ..argparsing import run_command
from ..data.builder import build_artemis
from ..data.options import PreprocessOptions
from ..data.sources import ReleaseArguments, results_dataset_name
from ..emotions import EMOTIONS
from ..evaluation.classification import evaluate_classifier
from ..hub import write_model_card
from ..models.text_emotion import TextEmotionLSTMConfig, TextEmotionLSTMForSequenceClassification
from .arguments import LSTM, TextEmotionArguments, TrainingArguments
from .init_from import InitCheckpoint, adopt_vocabulary, load_init_checkpoint, reconcile_arguments
from .loop import TrainingTask, train

LSTM_SETTINGS = ("embedding_dim", "hidden_size", "dropout")  # TextEmotionArguments fields of the same config name

logger = logging.getLogger(__name__)


class TextEmotionTask(TrainingTask):
    """Utterance -> one of the 9 emotions, cross-entropy per utterance.

    With `arguments.init_from`, the model and its tokenizer come from that checkpoint (an LSTM's vocabulary must be
    the data's, or be kept with --keep_init_vocabulary), and `self.arguments` holds its settings."""

    def __init__(self, arguments: TextEmotionArguments, splits, vocabulary_tokenizer):
        self.init: InitCheckpoint | None = None
        self.vocabulary_record: dict = {}
        self.lstm = arguments.model_name_or_path == LSTM  # the LSTM reads the build's word ids
        if arguments.init_from is not None:
            self.init = load_init_checkpoint(arguments.init_from, None, "train text-emotion")
            check_text_classifier(self.init)
            self.lstm = self.init.config.model_type == TextEmotionLSTMConfig.model_type
            self.tokenizer = AutoTokenizer.from_pretrained(arguments.init_from, **self.init.load_kwargs)
        elif self.lstm:
            self.tokenizer = vocabulary_tokenizer
        else:
            self.tokenizer = AutoTokenizer.from_pretrained(arguments.model_name_or_path)
        if self.init is not None and self.lstm:
            settings = {name: getattr(self.init.config, name) for name in LSTM_SETTINGS}
            arguments = reconcile_arguments(arguments, settings, arguments.init_from)
            splits, self.vocabulary_record = adopt_vocabulary(
                splits, vocabulary_tokenizer, self.tokenizer, arguments.init_from, arguments.keep_init_vocabulary
            )
        self.arguments = arguments
        self.splits = splits

    def init_record(self) -> dict | None:
        return None if self.init is None else {**self.init.record(), **self.vocabulary_record}

    def build_model(self):
        labels = {"id2label": dict(enumerate(EMOTIONS)), "label2id": {name: i for i, name in enumerate(EMOTIONS)}}
        if self.init is not None:
            return AutoModelForSequenceClassification.from_pretrained(self.init.name_or_path, **self.init.load_kwargs)
        if self.lstm:
            config = TextEmotionLSTMConfig(
                vocab_size=len(self.tokenizer),
                embedding_dim=self.arguments.embedding_dim,
                hidden_size=self.arguments.hidden_size,
                classifier_hidden_size=self.arguments.hidden_size,
                dropout=self.arguments.dropout,
                pad_token_id=self.tokenizer.pad_token_id,
                **labels,
            )
            return TextEmotionLSTMForSequenceClassification(config)
        return AutoModelForSequenceClassification.from_pretrained(
            self.arguments.model_name_or_path, num_labels=len(EMOTIONS), **labels
        )

    def encode(self, split: str):
        """A dataset of input_ids/attention_mask/labels. The LSTM reads the build's ids, encoders tokenize raw text."""
        dataset = self.splits[split]
        if self.lstm:
            dataset = dataset.map(
                lambda rows: {"attention_mask": [[1] * len(ids) for ids in rows["input_ids"]]}, batched=True
            )
        else:
            dataset = dataset.map(
                lambda rows: self.tokenizer(rows["utterance"], truncation=True, max_length=self.arguments.max_length),
                batched=True,
                remove_columns=["input_ids"],
            )
        dataset = dataset.rename_column("emotion", "labels")
        columns = [c for c in ("input_ids", "attention_mask", "token_type_ids", "labels") if c in dataset.column_names]
        return dataset.select_columns(columns)

    def dataloader(self, split: str, batch_size: int, shuffle: bool) -> torch.utils.data.DataLoader:
        collator = DataCollatorWithPadding(self.tokenizer)
        return torch.utils.data.DataLoader(
            self.encode(split), batch_size=batch_size, shuffle=shuffle, collate_fn=collator
        )

    def get_dataloaders(self, args: TrainingArguments):
        return self.dataloader("train", args.per_device_batch_size, True), self.dataloader(
            "validation", args.per_device_batch_size, False
        )

    def item_losses(self, model, batch):
        logits = model(**{name: value for name, value in batch.items() if name != "labels"}).logits
        losses = torch.nn.functional.cross_entropy(logits.float(), batch["labels"], reduction="none")
        return losses, torch.ones_like(losses)

    def save(self, model, output_dir):
        model.save_pretrained(output_dir)
        self.tokenizer.save_pretrained(output_dir)


def check_text_classifier(init: InitCheckpoint) -> None:
    """A checkpoint to continue must classify text into the 9 emotions (a plain encoder goes to --model_name_or_path)."""
    from transformers.models.auto.modeling_auto import MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING

    from ..pipelines.captioning import check_model_family

    expected = "a text classifier (AutoModelForSequenceClassification)"
    check_model_family(
        init.config, MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING, "--init_from", init.name_or_path, expected
    )
    labels = list(init.config.id2label.values())
    if labels != list(EMOTIONS):
        raise ValueError(
            f"--init_from {init.name_or_path} classifies {labels[:10]}, not the 9 emotions {list(EMOTIONS)}: to fine-tune "
            f"a plain encoder, pass it as --model_name_or_path"
        )


@torch.no_grad()
def predict_probabilities(model, loader) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities (N, 9), labels (N,)) over a loader."""
    model.eval()
    probabilities, labels = [], []
    for batch in loader:
        labels.append(batch.pop("labels").numpy())
        probabilities.append(model(**batch).logits.float().softmax(dim=-1).numpy())
    return np.concatenate(probabilities), np.concatenate(labels)


def training_function(
    release: ReleaseArguments,
    options: PreprocessOptions,
    arguments: TextEmotionArguments,
    training_args: TrainingArguments,
) -> dict:
    """Build the deep-nets config, train, then evaluate the best checkpoint on the test split (main process only)."""
    csv_path, _ = release.resolve()
    build = build_artemis(csv_path, None, "deep-nets", options=options, cache_dir=release.cache_dir)
    missing = [split for split in ("train", "validation", "test") if split not in build.dataset]
    if missing:
        raise ValueError(
            f"The deep-nets build of {csv_path} has no {missing} split(s) (splits: {list(build.dataset)}); with few, "
            "heavily annotated paintings they all go to `rest`: pass --rest_min_repetition 0 to keep them."
        )
    splits = datasets.DatasetDict({split: build.dataset[split] for split in ("train", "validation", "test")})
    task = TextEmotionTask(arguments, splits, build.tokenizer)
    result = train(task, training_args, (release, options, task.arguments))

    figures = {}
    if PartialState().is_main_process:
        model = AutoModelForSequenceClassification.from_pretrained(training_args.output_dir)
        probabilities, labels = predict_probabilities(
            model, task.dataloader("test", training_args.per_device_batch_size, False)
        )
        figures = evaluate_classifier(
            probabilities,
            labels,
            list(EMOTIONS),
            training_args.output_dir,
            task_type="text-classification",
            dataset_name=arguments.dataset_name or results_dataset_name(csv_path),
            dataset_config="deep-nets",
            dataset_split="test",
        )
        logger.info("Test figures: %s", figures)
        write_model_card(training_args.output_dir)  # hub: README.md, from training_args.json and eval_results.json
    return {"best_validation_loss": result.best_validation_loss, "test": figures}


def main(argv: list[str] | None = None) -> int:
    def train_and_print(*arguments):
        print(json.dumps(training_function(*arguments), indent=1))

    arguments = (ReleaseArguments, PreprocessOptions, TextEmotionArguments, TrainingArguments)
    return run_command(
        train_and_print, arguments, list(sys.argv[1:] if argv is None else argv), f"python -m {__spec__.name}"
    )


if __name__ == "__main__":
    sys.exit(main())
