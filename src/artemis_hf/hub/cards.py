"""Model cards: `model_cards/<family>.md` filled from a model folder's config, training_args.json and
eval_results.json, with `huggingface_hub.ModelCard.from_template`.

The template holds what is particular to its family (what the model does, how to use it, its own limits); this
module computes what every card shares: the metadata, the training data and recipe, the results table, the plots,
the common limits and the citation, handed to the template as variables.

The rule for synthetic data (`TrainingData`): a model trained on the synthetic release says so in its title, its
training section and its results, and its metadata never names the ArtEmis dataset: no `datasets:` at all (the
synthetic release is on no Hub), and only its results on synthetic data in `model-index`, under the synthetic
name (`synthetic-artemis`) that eval_results.json gives them.
"""

from __future__ import annotations

import importlib.resources
import json
import logging
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .client import current_token, scrub
from .families import ARGS_FILENAME, EVAL_RESULTS_FILENAME, Family, ModelFolder, read_model_folder

logger = logging.getLogger(__name__)

CARD_FILENAME = "README.md"
LICENSE = "mit"  # the project's licence (pyproject.toml)
COMMON_TAGS = ("artemis", "affective-computing", "art", "emotion")
SYNTHETIC_TAG = "synthetic-data"
SYNTHETIC_TITLE = " (synthetic ArtEmis demo)"
REAL_TITLE = " trained on ArtEmis"
ARTEMIS_DATASET_TYPE = "artemis"  # the dataset_type that eval_results_records gives the name "ArtEmis"
REPO_PLACEHOLDER = "your-username/{name}"  # in the usage snippets of a card written before the repo is known
# The last line of every card: how `write_model_card` tells its own card from one that a person wrote.
GENERATED_MARKER = "<!-- Written by artemis-hf"
GENERATED_NOTE = (
    f"{GENERATED_MARKER} from this folder's config.json, training_args.json and eval_results.json: "
    "`artemis-hf card --model_dir .` rewrites it; edit the family's template in model_cards/ instead. -->"
)
LOSS_CURVE, CONFUSION_MATRIX, SAMPLES = "loss_curve.png", "confusion_matrix.png", "samples.png"
PLOTS = {
    LOSS_CURVE: "Training and validation loss per epoch",
    CONFUSION_MATRIX: "Confusion matrix",
    SAMPLES: "Samples, a row per emotion",  # an art GAN's
}
# Arguments that say where a run ran, not how it trained (and would print this machine's paths in the card).
LOCAL_ARGUMENTS = frozenset(
    {
        "output_dir",
        "cache_dir",
        "csv",
        "images_dir",
        "overwrite_output_dir",
        "resume",
        "report_to",
        "num_workers",
        "image_cache_dir",
    }
)
# What the loop records of a run besides its arguments, with how the card names it.
RUN_FACTS = {
    "device": "device",
    "mixed_precision": "mixed precision",
    "num_processes": "processes",
    "epochs": "epochs",
    "steps": "optimizer steps",
    "wall_time_s": "wall time (s)",
    "artemis_hf_version": "artemis-hf",
    "transformers_version": "transformers",
    "torch_version": "torch",
}
SECRET_ARGUMENT = re.compile(r"token|secret|password|credential", re.IGNORECASE)
INIT_FROM = "init_from"
LSTM = "lstm"  # TextEmotionArguments.model_name_or_path of the reference LSTM (no base model)

COMMON_LIMITATIONS = """\
- **Emotions evoked by art are subjective.** ArtEmis annotators often feel different emotions before the same
  painting, and many paintings have no emotion that a majority of them chose. A prediction is one plausible reading
  of a painting, not a fact about it or about the person looking at it.
- **The data reflects its annotators.** ArtEmis was written by Amazon Mechanical Turk workers, mostly
  English-speaking, with their culture, taste and vocabulary; the paintings are WikiArt's, mostly Western art. Other
  viewers and other art traditions are under-represented, and the model inherits these skews.
- **WikiArt images keep their copyright.** The paintings (and many reproductions of them) belong to their owners:
  the model's weights contain no image, but using the images themselves is subject to their terms.
- Not for decisions about people (their mood, health or personality), nor for moderating what they write."""

CITATION = """\
```bibtex
@inproceedings{achlioptas2021artemis,
  title     = {ArtEmis: Affective Language for Visual Art},
  author    = {Achlioptas, Panos and Ovsjanikov, Maks and Haydarov, Kilichbek and Elhoseiny, Mohamed and Guibas, Leonidas},
  booktitle = {Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)},
  year      = {2021}
}
```"""


@dataclass(frozen=True)
class TrainingData:
    """What a model was trained on, as far as its folder tells."""

    synthetic: bool | None  # None: the folder does not say
    reason: str  # the evidence, for the card's training section
    datasets: tuple[str, ...] = ()  # real datasets, as dataset ids for `datasets:`


def is_synthetic_name(name: str | None) -> bool:
    from ..data.sources import SYNTHETIC_DATASET_NAME

    return bool(name) and name.lower().replace(" ", "-") == SYNTHETIC_DATASET_NAME


def synthetic_record(record: dict) -> bool:
    return is_synthetic_name(record.get("dataset_type")) or is_synthetic_name(record.get("dataset_name"))


def training_data(folder: ModelFolder) -> TrainingData:
    """What the model learnt from. The release its training_args.json names decides (no --csv: the embedded synthetic
    release); without one, the data of its results, for every training command evaluates on the release it trained
    on."""
    from ..data.sources import is_synthetic_release

    groups = argument_groups(folder.training_args)
    csvs = [group["csv"] for group in groups.values() if "csv" in group]
    if csvs and (csvs[0] is None or is_synthetic_release(csvs[0])):
        how = "names no --csv" if csvs[0] is None else "names a synthetic release"
        return TrainingData(True, f"its {ARGS_FILENAME} {how}")
    if csvs and Path(csvs[0]).is_file():
        return TrainingData(False, f"its {ARGS_FILENAME} names the release CSV", (ARTEMIS_DATASET_TYPE,))
    if any(synthetic_record(record) for record in folder.eval_results):
        return TrainingData(True, f"its {EVAL_RESULTS_FILENAME} is on synthetic data")
    datasets = sorted({record["dataset_type"] for record in folder.eval_results if record.get("dataset_type")})
    if datasets:
        return TrainingData(False, f"its {EVAL_RESULTS_FILENAME} is on {', '.join(datasets)}", tuple(datasets))
    return TrainingData(None, f"neither its {ARGS_FILENAME} nor an {EVAL_RESULTS_FILENAME} says")


def argument_groups(training_args: dict | None) -> dict[str, dict]:
    """The argument dataclasses of a run, by name: the loop's `{"arguments": {group: {...}}, ...}`, or a flat dict of
    arguments (the older format) as one group."""
    if not training_args:
        return {}
    groups = training_args.get("arguments")
    if isinstance(groups, dict) and all(isinstance(group, dict) for group in groups.values()):
        return groups
    return {"Arguments": training_args}


def base_model(folder: ModelFolder) -> tuple[str | None, str | None]:
    """(Hub id for `base_model:`, what the card says) of the checkpoint this model was fine-tuned from: the run's
    `init_from` record ({"name_or_path", "revision": the Hub commit, None for a folder}), an argument `init_from`,
    or a fine-tuned text encoder's `model_name_or_path`. A local folder is named in the text only."""
    args, groups = folder.training_args or {}, argument_groups(folder.training_args)
    record = args.get(INIT_FROM)
    if isinstance(record, dict) and record.get("name_or_path"):
        name, revision = str(record["name_or_path"]), record.get("revision")
        if revision and _is_hub_id(name):
            return name, f"[{name}](https://huggingface.co/{name}) (commit `{str(revision)[:10]}`)"
        return None, f"a local checkpoint (`{Path(name).name}`)"
    candidates = [record] + [group.get(INIT_FROM) for group in groups.values()]
    if folder.family.name == "text-emotion" and not folder.remote_code:
        candidates += [group.get("model_name_or_path") for group in groups.values()]
    origin = next((value for value in candidates if isinstance(value, str) and value and value != LSTM), None)
    if origin is None:
        return None, None
    if _is_hub_id(origin):
        return origin, f"[{origin}](https://huggingface.co/{origin})"
    return None, f"a local checkpoint (`{Path(origin).name}`)"


def _is_hub_id(name: str) -> bool:
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    if os.path.isabs(name) or name.startswith(".") or os.path.exists(name) or name.count("/") > 1:
        return False
    try:
        validate_repo_id(name)
    except HFValidationError:
        return False
    return True


def card_title(family: Family, data: TrainingData) -> str:
    """The family's title, and what it was trained on: synthetic data says so."""
    if data.synthetic:
        return family.title + SYNTHETIC_TITLE
    return family.title + (REAL_TITLE if data.synthetic is False and ARTEMIS_DATASET_TYPE in data.datasets else "")


def card_data(folder: ModelFolder, data: TrainingData, model_name: str, base: str | None):
    """The YAML metadata. Synthetic data: no `datasets:`, and only the synthetic results in model-index (see the
    module's docstring)."""
    from huggingface_hub import EvalResult, ModelCardData

    records = [record for record in folder.eval_results if synthetic_record(record) or not data.synthetic]
    try:
        eval_results = [EvalResult(**record) for record in records]
    except (TypeError, ValueError) as error:
        raise ValueError(f"{folder.path / EVAL_RESULTS_FILENAME}: a record is not an EvalResult ({error})") from error
    family = folder.family
    return ModelCardData(
        model_name=model_name if eval_results else None,
        library_name="transformers",
        pipeline_tag=family.pipeline_tag,
        license=LICENSE,
        language=list(family.language) or None,
        tags=[*COMMON_TAGS, *family.tags, *([SYNTHETIC_TAG] if data.synthetic else [])],
        datasets=None if data.synthetic or not data.datasets else list(data.datasets),
        base_model=base,
        eval_results=eval_results or None,
    )


def data_section(data: TrainingData) -> str:
    if data.synthetic:
        return (
            "Trained on the **synthetic ArtEmis release** that artemis-hf draws itself: procedural paintings whose "
            "colours and shapes carry the emotion, with utterances that describe them, in the columns of the real "
            "release. It shows that the code learns end to end; it is **not** a model of how people respond to art, "
            f"and was never shown a real painting or annotation ({data.reason})."
        )
    if data.synthetic is False:
        return (
            "Trained on [ArtEmis](https://www.artemisdataset.org) (Achlioptas et al., CVPR 2021): 454,684 "
            "annotations of 80,031 WikiArt paintings, each an emotion out of nine and a sentence explaining it, split "
            f"by painting 85/5/10 (seed 2021) with the reference preprocessing ({data.reason})."
        )
    return f"This folder does not record the data the model was trained on ({data.reason})."


def recipe_section(training_args: dict | None, token: str | None) -> str:
    """Every argument group of the run as a table (without where it ran, or anything secret), then its device,
    steps and wall time when recorded."""
    groups = argument_groups(training_args)
    if not groups:
        return f"No {ARGS_FILENAME} was found beside the model: the training recipe is not recorded."
    parts = []
    for name, group in groups.items():
        rows = [
            f"| `{key}` | {_cell(value, token)} |"
            for key, value in group.items()
            if key not in LOCAL_ARGUMENTS and not SECRET_ARGUMENT.search(key)
        ]
        if rows:
            parts.append(f"**{name}**\n\n| argument | value |\n|---|---|\n" + "\n".join(rows))
    run = training_args if training_args and "arguments" in training_args else {}
    facts = [f"{label}: {_cell(run[key], token)}" for key, label in RUN_FACTS.items() if run.get(key) is not None]
    if facts:
        parts.append("The run: " + "; ".join(facts) + ".")
    return "\n\n".join(parts)


def _cell(value, token: str | None) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return scrub(text, token).replace("|", "\\|").replace("\n", " ")


def results_section(folder: ModelFolder, data: TrainingData) -> str:
    if not folder.eval_results:
        return (
            f"No {EVAL_RESULTS_FILENAME} in this folder yet: `artemis-hf evaluate` (speakers) or the training "
            "commands (classifiers) write one."
        )
    rows = [
        "| data (config) | split | metric | value |",
        "|---|---|---|---|",
        *(
            f"| {record.get('dataset_name', '?')} ({record.get('dataset_config', '-')}) | "
            f"{record.get('dataset_split', '-')} | {record.get('metric_name') or record.get('metric_type')} | "
            f"{_number(record.get('metric_value'))} |"
            for record in folder.eval_results
        ),
    ]
    table = "\n".join(rows) + plot(folder, CONFUSION_MATRIX) + plot(folder, SAMPLES)
    if data.synthetic:
        table = (
            "On held-out **synthetic** data: the figures show that the model learnt the synthetic release's rules, "
            "and say nothing of how it does on real paintings or real text.\n\n" + table
        )
    return table


def _number(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def plot(folder: ModelFolder, name: str) -> str:
    """A link to the plot when the folder has it (relative links resolve in the repo), else nothing."""
    return f"\n\n![{PLOTS[name]}]({name})" if (folder.path / name).is_file() else ""


def training_section(folder: ModelFolder, data: TrainingData, base_text: str | None, token: str | None) -> str:
    """The data, the base model, the recipe and the loss curve."""
    base = f"\n\nFine-tuned from {base_text}." if base_text else ""
    recipe = recipe_section(folder.training_args, token)
    return f"{data_section(data)}{base}\n\n{recipe}{plot(folder, LOSS_CURVE)}"


def template_variables(folder: ModelFolder, repo_id: str | None, token: str | None) -> dict:
    data = training_data(folder)
    base, base_text = base_model(folder)
    config = folder.config
    labels = [name for _, name in sorted((config.get("id2label") or {}).items(), key=lambda item: int(item[0]))]
    return {
        "title": card_title(folder.family, data),
        "repo_id": repo_id or REPO_PLACEHOLDER.format(name=folder.path.resolve().name),
        "synthetic": bool(data.synthetic),
        "config": config,
        "labels": labels,
        "remote_code": folder.remote_code,
        "training_section": training_section(folder, data, base_text, token),
        "results_section": results_section(folder, data),
        "common_limitations": COMMON_LIMITATIONS,
        "citation": CITATION,
        "_card_data": card_data(folder, data, _model_name(folder, repo_id, data), base),
    }


def _model_name(folder: ModelFolder, repo_id: str | None, data: TrainingData) -> str:
    name = repo_id.split("/")[-1] if repo_id else folder.path.resolve().name
    return name + (SYNTHETIC_TITLE if data.synthetic and "synthetic" not in name.lower() else "")


@contextmanager
def template_path(family: Family):
    """The family's template as a file: package data of an installed artemis-hf (artemis_hf.model_cards), else the
    top-level model_cards/ of the source tree (an editable install whose .pth puts src/ on the path)."""
    try:
        resource = importlib.resources.files("artemis_hf.model_cards") / f"{family.name}.md"
    except ModuleNotFoundError:
        resource = Path(__file__).resolve().parents[3] / "model_cards" / f"{family.name}.md"
    if not resource.is_file():
        raise FileNotFoundError(
            f"No card template for the {family.name!r} family: add model_cards/{family.name}.md (see the others)"
        )
    with importlib.resources.as_file(resource) as path:
        yield path


def model_card(model_dir: str | os.PathLike, repo_id: str | None = None, token: str | None = None):
    """The `huggingface_hub.ModelCard` of a model folder (checked by `read_model_folder`), not written. `repo_id`
    goes into its usage snippets (else a placeholder); `token` (else the one in use) is kept out of it."""
    from huggingface_hub import ModelCard

    folder = read_model_folder(model_dir)
    token = current_token(token)
    variables = template_variables(folder, repo_id, token)
    with template_path(folder.family) as path:
        card = ModelCard.from_template(variables.pop("_card_data"), template_path=str(path), **variables)
    return ModelCard(scrub(f"{str(card).rstrip()}\n\n{GENERATED_NOTE}\n", token))


def write_model_card(
    model_dir: str | os.PathLike, repo_id: str | None = None, overwrite: bool = False, token: str | None = None
) -> Path:
    """Write or refresh `<model_dir>/README.md`, the model's card; returns its path. Training commands call it at
    their end. A README.md that artemis-hf did not write is kept unless `overwrite`."""
    return save_card(model_card(model_dir, repo_id, token), model_dir, overwrite)


def save_card(card, model_dir: str | os.PathLike, overwrite: bool = False) -> Path:
    """`card` as `<model_dir>/README.md`, unless a README.md that artemis-hf did not write is there (and not
    `overwrite`): a person's card is never replaced unasked."""
    path = Path(model_dir, CARD_FILENAME)
    if path.is_file() and GENERATED_MARKER not in path.read_text(encoding="utf-8", errors="replace") and not overwrite:
        raise FileExistsError(
            f"--model_dir {model_dir}: its {CARD_FILENAME} was not written by artemis-hf; move it away, or pass "
            "--overwrite_card to replace it with the generated card"
        )
    card.save(str(path))
    logger.info("Wrote the model card %s", path)
    return path
