"""`--init_from ORG/NAME_OR_FOLDER`: a run that starts from a saved or pushed checkpoint, with the tokenizer and
processor that came with it.

- The checkpoint is resolved once: a Hub id to the commit it points at now, from which the config, weights, tokenizer
  and processor are then all loaded (so that a push in between cannot mix two versions); the commit goes into
  `training_args.json`, for the model card's `base_model`.
- Model settings left at their defaults follow the checkpoint's config; a setting given with another value is an
  error that names it (`reconcile_arguments`).
- A word-level vocabulary (text LSTM, speaker) must be the data's: else an error that says how they differ, or, with
  `--keep_init_vocabulary`, the data re-encoded with the checkpoint's words, the others as `<unk>`, counted
  (`adopt_vocabulary`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import pyarrow.compute as pc

from ..data.preprocess import _encode as encode_tokens  # the build's own token -> id encoding, column-wise
from ..data.text import UNK_TOKEN, map_tokens, word_counts
from .arguments import KEEP_INIT_VOCABULARY

logger = logging.getLogger(__name__)

OPTION = "--init_from"
MAX_SHOWN = 5
SPELLED_COLUMN = "utterance_spelled"  # a deep-nets utterance's words before the build's `<unk>` replacement


class InitCheckpoint(NamedTuple):  # not a dataclass: the loop fingerprints the dataclasses a task holds
    name_or_path: str
    revision: str | None  # the Hub commit everything is loaded from; None for a folder
    config: object  # its PretrainedConfig

    @property
    def load_kwargs(self) -> dict:
        """`from_pretrained` keywords that load from the resolved commit."""
        return {"revision": self.revision} if self.revision else {}

    def record(self) -> dict:
        return {"name_or_path": self.name_or_path, "revision": self.revision, "model_type": self.config.model_type}


def load_init_checkpoint(name_or_path: str, model_types: Iterable[str] | None, command: str) -> InitCheckpoint:
    """The checkpoint's config, refused unless its `model_type` is one of `model_types` (what `command` trains;
    None: any)."""
    from transformers import AutoConfig
    from transformers.utils import CONFIG_NAME
    from transformers.utils.hub import cached_file, extract_commit_hash

    folder = Path(name_or_path)
    if folder.is_dir() and not (folder / CONFIG_NAME).is_file():
        hint = (
            " (a training checkpoint: pass its run folder, or --resume there)"
            if (folder / "fingerprint.json").is_file()
            else ""
        )
        raise FileNotFoundError(f"{OPTION} {name_or_path}: the folder holds no {CONFIG_NAME}{hint}")
    try:
        revision = None if folder.is_dir() else extract_commit_hash(cached_file(name_or_path, CONFIG_NAME), None)
        config = AutoConfig.from_pretrained(name_or_path, revision=revision)
    except (OSError, ValueError) as error:  # no such repo or folder, no access, a model type transformers lacks
        message = f"{OPTION} {name_or_path}: cannot load its config ({' '.join(str(error).split())})"
        raise (OSError if isinstance(error, OSError) else ValueError)(message) from error
    model_types = None if model_types is None else list(model_types)
    if model_types is not None and config.model_type not in model_types:
        raise ValueError(
            f"{OPTION} {name_or_path} holds a {config.model_type!r} model; `{command}` continues one of {model_types}"
        )
    logger.info("Starting from %s%s", name_or_path, f" at commit {revision}" if revision else "")
    return InitCheckpoint(name_or_path, revision, config)


def reconcile_arguments(arguments, checkpoint_values: dict, init_from: str):
    """`arguments` with the checkpoint's model settings (`checkpoint_values`, by argument name, in the arguments'
    form). A setting left at its default takes the checkpoint's value; one given with another is an error."""
    defaults = {
        field.name: field.default if field.default is not dataclasses.MISSING else field.default_factory()
        for field in dataclasses.fields(arguments)
    }
    conflicts = [
        f"--{name} {getattr(arguments, name)!r} (the checkpoint's: {value!r})"
        for name, value in checkpoint_values.items()
        if getattr(arguments, name) not in (defaults[name], value)
    ]
    if conflicts:
        raise ValueError(
            f"{OPTION} {init_from}: {'; '.join(conflicts)} contradict the checkpoint's config: leave them out to keep "
            f"the checkpoint's, or train from scratch without {OPTION}"
        )
    return dataclasses.replace(arguments, **checkpoint_values)


def adopt_vocabulary(dataset, data_tokenizer, checkpoint_tokenizer, init_from: str, keep: bool) -> tuple[object, dict]:
    """(dataset, record): the deep-nets `dataset` with its `input_ids` in the checkpoint's vocabulary, and what that
    took, for training_args.json. The same vocabulary leaves the dataset as it is."""
    data_vocabulary, vocabulary = data_tokenizer.get_vocab(), checkpoint_tokenizer.get_vocab()
    record = {"vocabulary_size": len(vocabulary), "kept_vocabulary": False}
    if data_vocabulary == vocabulary:
        return dataset, record
    if not keep:
        raise ValueError(
            f"{OPTION} {init_from}: {describe_difference(data_vocabulary, vocabulary)}. Pass {KEEP_INIT_VOCABULARY} "
            f"to keep the checkpoint's (the data's words outside it become {UNK_TOKEN}, counted), or train from scratch "
            f"without {OPTION}"
        )
    encoded, unknown = {}, Counter()
    for name, split in dataset.items():
        encoded[name], split_unknown = encode_with_vocabulary(split, checkpoint_tokenizer)
        unknown.update(split_unknown)
    examples = sorted(unknown, key=lambda word: (-unknown[word], word))[:MAX_SHOWN]
    occurrences = unknown.total()
    logger.warning(
        "%s: kept the checkpoint's vocabulary of %d words; %d words of the data (%d occurrences in %s) are outside it "
        "and became %s, e.g. %s",
        KEEP_INIT_VOCABULARY, len(vocabulary), len(unknown), occurrences, "/".join(dataset), UNK_TOKEN, examples,
    )  # fmt: skip
    record.update(kept_vocabulary=True, unknown_words=len(unknown), unknown_occurrences=occurrences)
    record["unknown_examples"] = examples
    return type(dataset)(encoded), record


def encode_with_vocabulary(split, tokenizer) -> tuple[object, dict[str, int]]:
    """(split, unknown words and their counts): a deep-nets split's `input_ids` encoded anew from its spelled
    utterances with a word-level `tokenizer`'s vocabulary, words outside it as `<unk>`, framed `<sos> ... <eos>`."""
    vocabulary = tokenizer.get_vocab()
    tokens = pc.split_pattern(split.with_format("arrow")[SPELLED_COLUMN].combine_chunks(), " ")
    unknown = {word: count for word, count in word_counts(tokens).items() if word not in vocabulary}
    input_ids = encode_tokens(
        map_tokens(tokens, dict.fromkeys(unknown, UNK_TOKEN)),
        vocabulary,
        vocabulary[tokenizer.bos_token],
        vocabulary[tokenizer.eos_token],
    )
    split = split.remove_columns("input_ids").add_column("input_ids", input_ids, feature=split.features["input_ids"])
    return split, unknown


def describe_difference(data_vocabulary: dict[str, int], vocabulary: dict[str, int]) -> str:
    """How two vocabularies differ, in words: counts each way, a few examples (the data's most frequent first)."""

    def examples(words: list[str]) -> str:
        return f" (e.g. {', '.join(words[:MAX_SHOWN])})" if words else ""

    by_id = sorted(data_vocabulary, key=data_vocabulary.get)  # a build numbers words by frequency
    new = [word for word in by_id if word not in vocabulary]
    gone = [word for word in sorted(vocabulary, key=vocabulary.get) if word not in data_vocabulary]
    moved = [word for word in by_id if word in vocabulary and vocabulary[word] != data_vocabulary[word]]
    parts = [
        f"{len(new):,} of the data's words are not in the checkpoint's{examples(new)}",
        f"{len(gone):,} of the checkpoint's are not in the data's{examples(gone)}",
    ]
    if moved:
        parts.append(f"{len(moved):,} words have other ids{examples(moved)}")
    return (
        f"the data's vocabulary ({len(data_vocabulary):,} tokens) differs from the checkpoint's "
        f"({len(vocabulary):,}): {'; '.join(parts)}"
    )
