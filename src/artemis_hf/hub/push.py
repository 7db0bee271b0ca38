"""`push_model`: a model folder to a Hub model repo, with its card, and only what a user of the model needs.

What goes up: weights (safetensors), configs, tokenizer and processor files, the copied remote code, the card,
eval_results.json, training_args.json, log_history.json and the plots; top-level files only, and those of the
family's own model subfolders (the GAN's `discriminator/`). What never does: any other subfolder (`checkpoints/`,
`phases/`), resume state, pickles. A model trained on the synthetic release is never
pushed over a card that claims ArtEmis.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from .cards import CARD_FILENAME, model_card, save_card, synthetic_record, training_data
from .client import check_revision, current_token, hub_errors, upload
from .families import ModelFolder, read_model_folder

logger = logging.getLogger(__name__)

UPLOADED_SUFFIXES = (".safetensors", ".json", ".py", ".png")
# Tokenizer files that are neither JSON nor pickles: WordPiece and BPE vocabularies, sentencepiece models.
UPLOADED_NAMES = ("README.md", "vocab.txt", "merges.txt", "spiece.model", "sentencepiece.bpe.model", "tokenizer.model")
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")
# Resume state and run bookkeeping, should any lie beside the model (the loop keeps them in checkpoints/).
NOT_UPLOADED = re.compile(
    r"((optimizer|scheduler)(-\w+)?|scaler|progress|fingerprint|rng-\d+)\.(json|safetensors)|missing_images\.json"
)
TEXT_SUFFIXES = (".json", ".py", ".md", ".txt")
ARTEMIS_WORD = re.compile(r"(?<![\w-])artemis(?![\w-])", re.IGNORECASE)


def files_to_upload(
    model_dir: str | os.PathLike, subfolders: tuple[str, ...] = ()
) -> tuple[list[str], dict[str, str]]:
    """(the files a push uploads, {each file or folder left out: why}), names relative to `model_dir`; the files of
    `subfolders` (a family's other networks) are chosen by the same rules."""
    uploaded, left_out = [], {}
    for path in sorted(Path(model_dir).iterdir()):
        name = path.name
        if path.is_dir() and name in subfolders:
            inner_uploaded, inner_left_out = files_to_upload(path)
            uploaded += [f"{name}/{inner}" for inner in inner_uploaded]
            left_out.update({f"{name}/{inner}": why for inner, why in inner_left_out.items()})
        elif path.is_dir():
            left_out[f"{name}/"] = "a folder: checkpoints, phases and other runs are never pushed"
        elif path.suffix in PICKLE_SUFFIXES:
            left_out[name] = "a pickle"
        elif NOT_UPLOADED.fullmatch(name):
            left_out[name] = "resume state or run bookkeeping"
        elif path.suffix in UPLOADED_SUFFIXES or name in UPLOADED_NAMES:
            uploaded.append(name)
        else:
            left_out[name] = "not a model, tokenizer, card, result or plot file"
    return uploaded, left_out


def push_model(
    model_dir: str | os.PathLike,
    repo_id: str,
    private: bool = False,
    revision: str | None = None,
    create_pr: bool = False,
    commit_message: str | None = None,
    token: str | None = None,
    overwrite_card: bool = False,
) -> str:
    """Write the folder's card for `repo_id`, then upload the model to it (created if needed), on `revision` (a
    branch, created from main when missing) or as a pull request; returns the commit URL, or the pull request's."""
    folder = read_model_folder(model_dir)
    check_revision(revision)
    token = current_token(token)
    card = model_card(model_dir, repo_id, token)
    from huggingface_hub import HfApi

    with hub_errors(repo_id, revision, model_dir, token):
        refuse_synthetic_over_artemis(HfApi(token=token), folder, repo_id, revision)
        validate_card(card, folder)
    save_card(card, model_dir, overwrite_card)
    warn_of_a_local_classifier(folder)
    files, left_out = files_to_upload(model_dir, folder.family.subfolders)
    if left_out:
        logger.info("Not pushed: %s", "; ".join(f"{name}: {why}" for name, why in left_out.items()))
    refuse_token_in_files(Path(model_dir), files, token)
    return upload(
        model_dir,
        repo_id,
        files=files,
        private=private,
        revision=revision,
        create_pr=create_pr,
        commit_message=commit_message or f"Upload {folder.family.title} with artemis-hf",
        token=token,
        wrote=CARD_FILENAME,
    )


def warn_of_a_local_classifier(folder: ModelFolder) -> None:
    """A speaker whose config names a classifier folder of this machine: on the Hub, emotion="auto" cannot find it."""
    classifier = folder.config.get("emotion_classifier_name_or_path")
    if classifier and os.path.isdir(classifier):
        logger.warning(
            "--model_dir %s names the local classifier %s (emotion_classifier_name_or_path): users of the pushed "
            "speaker must pass emotion= or emotion_classifier=. Push the classifier too and set that config field to "
            "its repo id to make emotion='auto' work from the Hub",
            folder.path,
            classifier,
        )


def validate_card(card, folder: ModelFolder) -> None:
    """The Hub's metadata checks, before anything is created or uploaded."""
    try:
        card.validate()
    except ValueError as error:  # what the Hub answers 400 with: the fields it refuses
        raise ValueError(
            f"--model_dir {folder.path}: the Hub refuses its card's metadata ({' '.join(str(error).split())}); "
            f"the card comes from model_cards/{folder.family.name}.md and the folder's JSON files"
        ) from error


def refuse_synthetic_over_artemis(api, folder: ModelFolder, repo_id: str, revision: str | None) -> None:
    """A model trained on the synthetic release must not land in a repo whose card presents an ArtEmis model."""
    data = training_data(folder)
    if not data.synthetic:
        return
    card = existing_card(api, repo_id, revision)
    claim = card is not None and artemis_claim(card)
    if claim:
        raise ValueError(
            f"--repo_id {repo_id}: its card claims the ArtEmis dataset ({claim}), but --model_dir {folder.path} was "
            f"trained on the synthetic release ({data.reason}): push it to another repo, or train on the real "
            "release (--csv) first"
        )


def existing_card(api, repo_id: str, revision: str | None):
    """The card on `revision` (main when that branch does not exist yet), or None: no repo, or no README.md."""
    from huggingface_hub import ModelCard
    from huggingface_hub.errors import EntryNotFoundError, RepositoryNotFoundError, RevisionNotFoundError

    for branch in dict.fromkeys([revision or "main", "main"]):
        try:
            path = api.hf_hub_download(repo_id, "README.md", revision=branch)
        except RevisionNotFoundError:
            continue
        except (RepositoryNotFoundError, EntryNotFoundError):
            return None
        return ModelCard.load(path, ignore_metadata_errors=True)
    return None


def artemis_claim(card) -> str | None:
    """What in a card presents it as trained or evaluated on ArtEmis (not on synthetic data): a dataset of its
    metadata, a model-index result, or its title; None when nothing does."""
    datasets = card.data.get("datasets") or []
    names = [datasets] if isinstance(datasets, str) else list(datasets)
    for result in card.data.get("eval_results") or []:
        record = {"dataset_type": result.dataset_type, "dataset_name": result.dataset_name}
        if not synthetic_record(record):
            names += [result.dataset_type, result.dataset_name]
    for name in names:
        if isinstance(name, str) and ARTEMIS_WORD.search(name) and "synthetic" not in name.lower():
            return f"dataset {name!r}"
    title = next((line[2:].strip() for line in card.text.splitlines() if line.startswith("# ")), "")
    if ARTEMIS_WORD.search(title) and "synthetic" not in title.lower():
        return f"title {title!r}"
    return None


def refuse_token_in_files(model_dir: Path, files: list[str], token: str | None) -> None:
    """Nothing that goes up may hold the token in use (a training argument that recorded it, say)."""
    if not token:
        return
    holding = [
        name
        for name in files
        if Path(name).suffix in TEXT_SUFFIXES and token in (model_dir / name).read_text(errors="replace")
    ]
    if holding:
        raise ValueError(
            f"--model_dir {model_dir}: {holding} hold your Hub token; nothing was pushed. Remove it from them first"
        )
