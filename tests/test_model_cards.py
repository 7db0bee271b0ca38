"""Model cards: one template per family that ships in the wheel, the synthetic-data rule, the training record in both
formats, the base model, the folder checks of `artemis-hf card`, and the Hub's metadata checks.

Cards are made from folders that hold only JSON (and an empty weights file): rendering a card reads no weights.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from huggingface_hub import ModelCard
from setuptools import find_namespace_packages

from artemis_hf.cli import main
from artemis_hf.emotions import EMOTIONS
from artemis_hf.hub import FAMILIES, model_card, write_model_card
from artemis_hf.hub import families as families_module
from artemis_hf.hub.cards import COMMON_TAGS, GENERATED_MARKER, SYNTHETIC_TITLE
from artemis_hf.hub.push import artemis_claim
from artemis_hf.training import checkpoints

REPO_ROOT = Path(__file__).resolve().parents[1]
SECRET = "hf_CardTestSecretToken0123456789abcdefXYZ"


def record(metric: str, value: float, dataset: str = "synthetic-artemis", task: str = "text-classification") -> dict:
    """An eval_results.json record, as evaluation.classification.eval_results_records writes them."""
    return {
        "task_type": task,
        "dataset_type": dataset.lower(),
        "dataset_name": dataset,
        "dataset_config": "deep-nets",
        "dataset_split": "test",
        "metric_type": metric,
        "metric_name": metric,
        "metric_value": value,
    }


def model_folder(folder: Path, model_type: str = "artemis-text-emotion-lstm", **files) -> Path:
    """A folder with a config of `model_type`, an (empty) weights file and the JSON files given by name."""
    folder.mkdir(parents=True, exist_ok=True)
    config = {"model_type": model_type, "auto_map": {"AutoConfig": "x.Y"}, "id2label": dict(enumerate(EMOTIONS))}
    (folder / "config.json").write_text(json.dumps(config | {"embedding_dim": 8, "hidden_size": 8, "vocab_size": 40}))
    (folder / "model.safetensors").write_bytes(b"")
    for name, content in files.items():
        (folder / f"{name}.json").write_text(json.dumps(content))
    return folder


def test_every_family_has_its_template_and_every_template_a_family():
    assert sorted(family.name for family in FAMILIES) == sorted(
        p.stem for p in (REPO_ROOT / "model_cards").glob("*.md")
    )
    model_types = [model_type for family in FAMILIES for model_type in family.model_types]
    assert len(model_types) == len(set(model_types))


def test_the_checkpoint_names_are_the_loops():
    assert families_module.CHECKPOINTS_DIR == checkpoints.CHECKPOINTS_DIR
    assert {checkpoints.PROGRESS_FILENAME, checkpoints.FINGERPRINT_FILENAME} <= set(families_module.CHECKPOINT_FILES)


def test_pyproject_lists_every_package():
    """The package list is written out (to map model_cards/ into the wheel): a new subpackage must join it."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    listed = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    found = [name for name in find_namespace_packages(str(REPO_ROOT / "src")) if "__pycache__" not in name]
    missing = sorted(set(found) - set(listed))
    assert not missing, f"add {missing} to [tool.setuptools] packages in pyproject.toml, or the wheel lacks them"
    assert "artemis_hf.model_cards" in listed


WHEEL_SCRIPT = """
import sys, artemis_hf
from artemis_hf.hub.cards import template_path
from artemis_hf.hub.families import FAMILIES
assert artemis_hf.__file__.startswith(sys.argv[1]), artemis_hf.__file__
for family in FAMILIES:
    with template_path(family) as path:
        assert str(path).startswith(sys.argv[1]) and "{{ card_data }}" in path.read_text(), path
print("ok")
"""


def test_the_templates_ship_in_the_wheel(tmp_path):
    source = tmp_path / "source"  # a copy: building writes build/ and *.egg-info beside the sources
    for name in ("src", "model_cards"):
        shutil.copytree(REPO_ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source / name)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)]
    build = subprocess.run([*command, str(source)], capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = tmp_path.glob("artemis_hf-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"artemis_hf/model_cards/{family.name}.md" for family in FAMILIES} <= set(names)
    assert "artemis_hf/hub/cards.py" in names and not any(name.startswith("model_cards/") for name in names)
    zipfile.ZipFile(wheel).extractall(tmp_path / "installed")
    # The unpacked wheel comes first on the path, before the editable install's src/.
    run = subprocess.run(
        [sys.executable, "-c", WHEEL_SCRIPT, str(tmp_path / "installed")],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(tmp_path / "installed"), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-3000:]


def test_a_synthetic_model_says_so_and_names_no_artemis_dataset(tmp_path):
    folder = model_folder(
        tmp_path / "text-emotion",
        eval_results=[record("accuracy", 0.9), record("accuracy", 0.4, dataset="ArtEmis")],  # also tried on real data
        training_args={"csv": None, "num_epochs": 2, "output_dir": str(tmp_path)},  # the older, flat record
    )
    card = model_card(folder, "org/tiny")
    assert card.data.datasets is None and "synthetic-data" in card.data.tags
    assert set(COMMON_TAGS) <= set(card.data.tags) and card.data.pipeline_tag == "text-classification"
    # model-index: the synthetic results only, under the synthetic name; the real-data figure stays in the text.
    assert [(r.dataset_type, r.metric_value) for r in card.data.eval_results] == [("synthetic-artemis", 0.9)]
    assert card.text.splitlines()[1] == f"# Text-to-emotion classifier{SYNTHETIC_TITLE}"
    assert "synthetic ArtEmis release" in card.text and "| ArtEmis (deep-nets) | test | accuracy | 0.4 |" in card.text
    assert "| `num_epochs` | 2 |" in card.text and str(tmp_path) not in card.text  # no path of this machine


def test_a_model_of_the_real_release_with_the_loops_record(tmp_path):
    record_of_run = {
        "arguments": {
            "ReleaseArguments": {"csv": "/data/gone/artemis_dataset_release_v0.csv", "images_dir": None},
            "TextEmotionArguments": {"model_name_or_path": "lstm", "embedding_dim": 8},
            "TrainingArguments": {"learning_rate": 0.001, "output_dir": "/runs/x", "hub_token": SECRET},
        },
        "init_from": {"name_or_path": "org/artemis-text-emotion", "revision": "a" * 40, "model_type": "x"},
        "device": "cuda:0 (NVIDIA H200)",
        "steps": 1200,
        "wall_time_s": 812.4,
    }
    folder = model_folder(
        tmp_path / "real",
        eval_results=[record("accuracy", 0.63, dataset="ArtEmis")],
        training_args=record_of_run,
    )
    card = model_card(folder, "org/real", token=SECRET)
    assert card.data.datasets == ["artemis"] and card.data.base_model == "org/artemis-text-emotion"
    assert card.data.eval_results[0].dataset_name == "ArtEmis" and card.data.model_name == "org/real".split("/")[1]
    assert "# Text-to-emotion classifier trained on ArtEmis" in card.text and "synthetic" not in card.text.lower()
    for shown in (
        "**TextEmotionArguments**",
        "| `learning_rate` | 0.001 |",
        "cuda:0 (NVIDIA H200)",
        "optimizer steps: 1200",
    ):
        assert shown in card.text, shown
    assert SECRET not in str(card) and "/runs/x" not in card.text and "hub_token" not in card.text


def test_the_base_model_is_a_hub_id_never_a_local_folder(tmp_path):
    local = {"arguments": {"SpeakerArguments": {}}, "init_from": {"name_or_path": str(tmp_path), "revision": None}}
    folder = model_folder(tmp_path / "sat", "artemis-speaker-sat", training_args=local)
    card = model_card(folder)
    assert card.data.base_model is None and f"Fine-tuned from a local checkpoint (`{tmp_path.name}`)" in card.text
    assert 'pipeline("artemis-captioning", model="your-username/sat")' in card.text  # no repo yet: a placeholder
    argument = model_folder(tmp_path / "image", "artemis-image-emotion", training_args={"init_from": "org/base"})
    assert model_card(argument).data.base_model == "org/base"


def test_a_folder_that_says_nothing_of_its_data_claims_nothing(tmp_path):
    card = model_card(model_folder(tmp_path / "nn", "artemis-speaker-nn"))
    assert card.data.datasets is None and card.data.eval_results is None
    assert card.text.splitlines()[1] == "# Nearest-neighbour affective speaker"
    assert "does not record the data" in card.text and "No eval_results.json" in card.text


def run_cli(argv: list[str], capsys) -> tuple[int, list[str]]:
    code = main(argv)
    return code, [line for line in capsys.readouterr().err.splitlines() if line.startswith("artemis-hf")]


def test_card_refuses_what_is_not_a_model_folder(tmp_path, capsys):
    checkpoint = model_folder(tmp_path / "run" / "checkpoints" / "step-00000010")
    (checkpoint / "progress.json").write_text("{}")
    other = tmp_path / "bert"
    other.mkdir()
    (other / "config.json").write_text(json.dumps({"model_type": "bert", "id2label": {"0": "a", "1": "b"}}))
    pickled = model_folder(tmp_path / "pickled")
    (pickled / "model.safetensors").unlink()
    (pickled / "pytorch_model.bin").write_bytes(b"\x80")
    cases = {
        tmp_path / "nowhere": "no such folder",
        checkpoint: f"is a training checkpoint (resume state: optimizer, RNG, progress), not a model folder: use the run's folder {tmp_path / 'run'}",
        tmp_path / "run": "holds no config.json (training has not saved a model yet): not a model folder",
        other: "its config.json has model_type 'bert', not an artemis-hf model",
        pickled: "holds no weights: model.safetensors or model.safetensors.index.json is missing (found ['pytorch_model.bin']: pickles",
    }
    for folder, message in cases.items():
        code, errors = run_cli(["card", "--model_dir", str(folder)], capsys)
        assert code == 2 and len(errors) == 1 and f"--model_dir {folder}" in errors[0] and message in errors[0], errors
    assert not (tmp_path / "run" / "README.md").exists()


def test_a_hand_written_readme_is_kept_unless_overwrite(tmp_path, capsys):
    folder = model_folder(tmp_path / "text")
    (folder / "README.md").write_text("# My own notes\n")
    code, errors = run_cli(["card", "--model_dir", str(folder)], capsys)
    assert code == 2 and "was not written by artemis-hf" in errors[0] and "--overwrite_card" in errors[0]
    assert (folder / "README.md").read_text() == "# My own notes\n"
    assert main(["card", "--model_dir", str(folder), "--overwrite_card"]) == 0
    assert GENERATED_MARKER in (folder / "README.md").read_text()
    assert write_model_card(folder) == folder / "README.md"  # its own card is refreshed without asking


@pytest.mark.parametrize("family", FAMILIES, ids=lambda family: family.name)
def test_every_card_passes_the_hubs_metadata_checks(family, hub, tmp_path):
    synthetic = [record("accuracy", 0.5, task=family.pipeline_tag)]
    folder = model_folder(tmp_path / family.name, family.model_types[0], eval_results=synthetic)
    card = ModelCard.load(write_model_card(folder, "org/model"))
    card.validate()  # against the local Hub's /api/validate-yaml
    assert card.data.license == "mit" and card.data.library_name == "transformers"
    assert card.data.pipeline_tag == family.pipeline_tag and set(family.tags) <= set(card.data.tags)
    broken = ModelCard(str(card).replace("license: mit", "license: MIT License", 1))
    with pytest.raises(ValueError, match='"license" must be a license id'):
        broken.validate()


def test_what_in_a_card_claims_artemis(tmp_path):
    """What `push` reads in a repo's card before putting a synthetic model there."""
    claims = {
        "---\nlicense: mit\n---\n# Speaker trained on ArtEmis\n": "title 'Speaker trained on ArtEmis'",
        "---\ndatasets:\n- org/artemis\n---\n# A model\n": "dataset 'org/artemis'",
        "---\ndatasets:\n- synthetic-artemis\n---\n# Notes on artemis-hf\n": None,
    }
    for text, claim in claims.items():
        assert artemis_claim(ModelCard(text)) == claim, text
    real = model_folder(tmp_path / "real", eval_results=[record("accuracy", 0.6, dataset="ArtEmis")])
    synthetic = model_folder(tmp_path / "synthetic", eval_results=[record("accuracy", 0.9)])
    assert artemis_claim(model_card(real)) == "dataset 'artemis'" and artemis_claim(model_card(synthetic)) is None
