"""`artemis-hf push` and `dataset push` against the local Hub, with the real huggingface_hub and transformers clients:
every family up and down again (same weights, same outputs, the card's snippets run as written), branches and pull
requests, and each fault with its one-line message; no token in anything a push writes or prints."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from huggingface_hub import ModelCard, hf_hub_download
from PIL import Image
from transformers import (
    AutoModel,
    AutoModelForImageClassification,
    AutoModelForImageTextToText,
    AutoModelForSequenceClassification,
    pipeline,
)

from artemis_hf.cli import main
from artemis_hf.evaluation.classification import eval_results_records
from artemis_hf.hub import FAMILIES, write_model_card
from artemis_hf.hub.cards import COMMON_TAGS, SYNTHETIC_TITLE, training_data
from artemis_hf.hub.client import hub_errors
from artemis_hf.hub.families import read_model_folder
from artemis_hf.models.image_emotion import (
    HandcraftedEmotionConfig,
    HandcraftedEmotionForImageClassification,
    ImageEmotionConfig,
    ImageEmotionForImageClassification,
    ImageEmotionImageProcessor,
)

FAMILY = {family.name: family for family in FAMILIES}
PAINTING = Image.new("RGB", (48, 40), (40, 60, 150))
TEXT = "the dark sea and the lonely boat make me feel uneasy"
# Beside the model, what a push must leave out: resume state, earlier phases, a pickle, a list of missing images.
JUNK = (
    "checkpoints/step-00000002/progress.json",
    "phases/01-style/config.json",
    "pytorch_model.bin",
    "missing_images.json",
    "notes.txt",
)


def save_image_model(folder: Path, model, processor) -> Path:
    """A saved tiny image model with what training leaves beside it: synthetic results, the run's (older, flat)
    record naming no --csv, a loss curve, and junk that must not be pushed."""
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    records = eval_results_records(
        {"accuracy": 0.5, "macro_f1": 0.4}, "image-classification", "synthetic-artemis", "paintings", "test"
    )
    (folder / "eval_results.json").write_text(json.dumps(records))
    (folder / "training_args.json").write_text(json.dumps({"csv": None, "images_dir": None, "num_epochs": 1}))
    Image.new("RGB", (8, 8), "white").save(folder / "loss_curve.png")
    for name in JUNK:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"{}")
    return folder


@pytest.fixture(scope="module")
def image_models(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("image-models")
    torch.manual_seed(0)
    deep = ImageEmotionForImageClassification(
        ImageEmotionConfig(
            backbone="resnet10t",
            backbone_kwargs={"channels": [8, 16, 32, 64], "stem_width": 8},
            head_hidden_sizes=[16],
        )
    ).eval()
    handcrafted = HandcraftedEmotionForImageClassification(HandcraftedEmotionConfig()).eval()
    return {
        "image-emotion": save_image_model(
            root / "image-emotion", deep, ImageEmotionImageProcessor.from_timm("resnet10t", size=32)
        ),
        "handcrafted-emotion": save_image_model(
            root / "handcrafted-emotion", handcrafted, ImageEmotionImageProcessor(size=32, do_normalize=False)
        ),
    }


@pytest.fixture
def model_dir(request, tmp_path) -> Path:
    """A copy (cards are written into it) of a trained folder of the family the test is parametrized with."""
    name = request.param
    if name in ("image-emotion", "handcrafted-emotion"):
        source = request.getfixturevalue("image_models")[name]
    elif name == "art-gan":
        source = request.getfixturevalue("trained_gan").model_dir
    else:
        source = request.getfixturevalue("quickstart_outputs").output_dir / name
    return Path(shutil.copytree(source, tmp_path / name))


def push(model_dir: Path, repo_id: str, capsys, *options: str) -> tuple[int, str, str]:
    """`artemis-hf push`: (exit code, stdout, the error line or "")."""
    code = main(["push", "--model_dir", str(model_dir), "--repo_id", repo_id, *options])
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("artemis-hf: error: ")]
    assert len(errors) == (code != 0), captured.err[-3000:]
    return code, captured.out, errors[0] if errors else ""


def loaded(family: str, name_or_path):
    """The model and the outputs that a user of the family gets from `name_or_path`."""
    if family == "art-gan":  # the same noise, the same paintings
        model = AutoModel.from_pretrained(name_or_path)
        return model, model.sample(torch.arange(9), generator=torch.Generator().manual_seed(0)).tolist()
    if family.startswith("speaker"):
        model = AutoModelForImageTextToText.from_pretrained(name_or_path)
        return model, pipeline("artemis-captioning", model=name_or_path)(PAINTING, emotion="awe")
    if family == "text-emotion":
        model = AutoModelForSequenceClassification.from_pretrained(name_or_path)
        return model, pipeline("text-classification", model=name_or_path)(TEXT, top_k=None)
    model = AutoModelForImageClassification.from_pretrained(name_or_path)
    return model, pipeline("image-classification", model=name_or_path)(PAINTING, top_k=None)


NO_ARTEMIS = """
import sys
class NoArtemis:  # artemis_hf is installed here: make sure the snippet never imports it
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "artemis_hf":
            raise ImportError("artemis_hf must not be imported")
sys.meta_path.insert(0, NoArtemis())
"""


def run_snippets(readme: str, cwd: Path) -> None:
    """Each python block of the card as written, each in its own process (they run side by side): the first with
    artemis_hf, the others (trust_remote_code) in a process that cannot import it."""
    installed, *remote = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    scripts = [installed] + [NO_ARTEMIS + script for script in remote]
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd
        )
        for script in scripts
    ]
    for script, run in zip(scripts, runs):
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0 and out.strip(), f"{script}\n{err[-3000:]}"


@pytest.mark.parametrize("model_dir", list(FAMILY), indirect=True, ids=list(FAMILY))
def test_push_and_pull_each_family(model_dir, hub, capsys, tmp_path):
    family = FAMILY[model_dir.name]
    repo_id = hub.repo_id(model_dir.name)
    code, out, error = push(model_dir, repo_id, capsys)
    assert code == 0, error
    assert re.search(
        rf"Pushed {re.escape(str(model_dir))} to {repo_id}: http://\S+/{repo_id}/commit/[0-9a-f]{{40}}", out
    )

    # Up went exactly the top-level model, tokenizer, processor, code, card, results and plot files.
    pushed = set(hub.api.list_repo_files(repo_id))
    kept_out = {"pytorch_model.bin", "notes.txt", "missing_images.json"}
    expected = {
        str(path.relative_to(model_dir))
        for path in [*model_dir.iterdir(), *(p for sub in family.subfolders for p in (model_dir / sub).iterdir())]
        if path.is_file()
        and (path.suffix in (".safetensors", ".json", ".py", ".png") or path.name == "README.md")
        and path.name not in kept_out
    }
    assert pushed - {".gitattributes"} == expected and {"README.md", "config.json", "model.safetensors"} <= pushed
    if family.name.endswith("emotion") and family.name != "text-emotion":
        assert expected >= {"preprocessor_config.json", "eval_results.json", "training_args.json", "loss_curve.png"}

    # Down again: the same weights, the same predictions or captions.
    local_model, local_outputs = loaded(family.name, str(model_dir))
    hub_model, hub_outputs = loaded(family.name, repo_id)
    local_state = local_model.state_dict()
    assert all(torch.equal(tensor, local_state[name]) for name, tensor in hub_model.state_dict().items())
    assert hub_outputs == local_outputs

    # The card: the family's metadata, never the ArtEmis dataset for synthetic data, snippets that run as written.
    card = ModelCard.load(hf_hub_download(repo_id, "README.md"))
    assert (card.data.pipeline_tag, card.data.library_name, card.data.license) == (
        family.pipeline_tag,
        "transformers",
        "mit",
    )
    assert set(COMMON_TAGS) <= set(card.data.tags) and card.data.datasets is None
    assert all(result.dataset_type == "synthetic-artemis" for result in card.data.eval_results or [])
    # Every folder here is of the synthetic release, and its training_args.json or eval_results.json says so.
    assert training_data(read_model_folder(model_dir)).synthetic
    assert card.text.splitlines()[1].endswith(SYNTHETIC_TITLE)
    assert f'model="{repo_id}"' in card.text or f'from_pretrained("{repo_id}")' in card.text
    run_snippets(card.text, tmp_path)


@pytest.mark.parametrize("model_dir", ["text-emotion"], indirect=True)
def test_a_branch_and_a_pull_request_land_where_they_should(model_dir, hub, capsys):
    repo_id = hub.repo_id("text-emotion")
    assert push(model_dir, repo_id, capsys)[0] == 0
    main_head = hub.api.model_info(repo_id).sha

    (model_dir / "log_history.json").write_text("[]")  # a change, so that each push below commits
    code, out, _ = push(model_dir, repo_id, capsys, "--revision", "dev", "--commit_message", "Try dev")
    assert code == 0 and hub.api.model_info(repo_id).sha == main_head  # main did not move
    assert (
        hf_hub_download(repo_id, "log_history.json", revision="dev", force_download=True)
        and json.loads(Path(hf_hub_download(repo_id, "log_history.json", revision="dev")).read_text()) == []
    )
    assert [commit.title for commit in hub.api.list_repo_commits(repo_id, revision="dev")][0] == "Try dev"

    (model_dir / "log_history.json").write_text('[{"epoch": 1}]')
    code, out, _ = push(model_dir, repo_id, capsys, "--create_pr")
    assert code == 0 and re.search(rf"{repo_id}: http://\S+/{repo_id}/discussions/1$", out.strip())
    assert hub.api.model_info(repo_id).sha == main_head
    pr_history = Path(hf_hub_download(repo_id, "log_history.json", revision="refs/pr/1")).read_text()
    assert json.loads(pr_history) == [{"epoch": 1}]
    # A second push to the open pull request commits there.
    (model_dir / "log_history.json").write_text('[{"epoch": 2}]')
    assert push(model_dir, repo_id, capsys, "--revision", "refs/pr/1")[0] == 0
    assert len(hub.api.list_repo_commits(repo_id, revision="refs/pr/1")) == len(hub.api.list_repo_commits(repo_id)) + 2


def tiny_export(folder: Path) -> Path:
    """The smallest folder that `dataset push` takes: a card with one config and a Parquet file."""
    (folder / "data").mkdir(parents=True)
    pq.write_table(
        pa.table({"utterance": ["a calm sea", "a dark wood"], "emotion": [2, 6]}), folder / "data" / "train.parquet"
    )
    card = "---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/*.parquet\n---\n# Tiny\n"
    (folder / "README.md").write_text(card)
    return folder


def test_dataset_push_to_a_branch_and_as_a_pull_request(hub, tmp_path, capsys):
    export_dir, repo_id = tiny_export(tmp_path / "export"), hub.repo_id("artemis")
    argv = ["dataset", "push", "--export_dir", str(export_dir), "--repo_id", repo_id]
    assert main([*argv, "--revision", "v1", "--commit_message", "First export"]) == 0
    assert "data/train.parquet" in hub.api.list_repo_files(repo_id, repo_type="dataset", revision="v1")
    assert "data/train.parquet" not in hub.api.list_repo_files(repo_id, repo_type="dataset")
    assert hub.api.list_repo_commits(repo_id, repo_type="dataset", revision="v1")[0].title == "First export"
    assert main([*argv, "--create_pr"]) == 0
    assert capsys.readouterr().out.strip().endswith(f"/datasets/{repo_id}/discussions/1")
    assert "data/train.parquet" in hub.api.list_repo_files(repo_id, repo_type="dataset", revision="refs/pr/1")


def folder_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.mark.parametrize("model_dir", ["text-emotion"], indirect=True)
def test_faults_are_one_line_and_leave_the_folder_as_it_was(model_dir, hub, capsys, monkeypatch):
    repo_id = hub.repo_id("faults")
    # What is not a model folder: a checkpoint of the run, and the checkpoints folder.
    step = next((model_dir / "checkpoints").iterdir())
    code, _, error = push(step, repo_id, capsys)
    assert (
        code == 2 and f"--model_dir {step} is a training checkpoint" in error and f"run's folder {model_dir}" in error
    )
    code, _, error = push(model_dir / "checkpoints", repo_id, capsys)
    assert code == 2 and f"--model_dir {model_dir / 'checkpoints'} holds no config.json" in error
    with monkeypatch.context() as patch:  # a card the Hub would refuse: nothing is created
        patch.setattr("artemis_hf.hub.cards.LICENSE", "MIT License")
        code, _, error = push(model_dir, repo_id, capsys)
    assert code == 2 and f'--model_dir {model_dir}: the Hub refuses its card\'s metadata ("license" must be' in error
    assert not hub.api.repo_exists(repo_id)

    write_model_card(model_dir, repo_id)  # the card is what a push writes first: the same card again below
    before = folder_digest(model_dir)
    with hub.server.fail_next(1, path="/commit/") as fault:
        code, _, error = push(model_dir, repo_id, capsys)
    assert code == 2 and fault.failed and "The Hub failed (500" in error
    assert f"pushing {model_dir} to {repo_id}: the local folder is untouched" in error and "a retry is safe" in error
    assert folder_digest(model_dir) == before
    assert push(model_dir, repo_id, capsys)[0] == 0 and "model.safetensors" in hub.api.list_repo_files(repo_id)

    code, _, error = push(model_dir, repo_id, capsys, "--private")
    assert code == 2 and f"--private: {repo_id} already exists and is public; nothing was uploaded" in error
    code, _, error = push(model_dir, repo_id, capsys, "--revision", "refs/pr/7")
    assert code == 2 and f"--revision refs/pr/7: {repo_id} has no such branch or pull request" in error
    code, _, error = push(model_dir, repo_id, capsys, "--revision", "0" * 40)
    assert code == 2 and "name a branch (created when missing) or refs/pr/N, not a commit" in error
    with pytest.raises(
        ValueError, match=f"--repo_id {hub.user}/missing: no such repo on the Hub, or one that your token"
    ):
        with hub_errors(f"{hub.user}/missing", None, model_dir):
            hub.api.model_info(f"{hub.user}/missing")


@pytest.mark.parametrize("model_dir", ["text-emotion"], indirect=True)
def test_no_token_in_anything_a_push_writes_or_prints(model_dir, hub, capsys, monkeypatch):
    repo_id = hub.repo_id("token")
    assert push(model_dir, repo_id, capsys, "--debug")[0] == 0  # HF_TOKEN is the Hub's token: a recognisable one
    bad = "hf_RecognisableFakeToken0123456789abcdefXYZ"
    monkeypatch.setenv("HF_TOKEN", bad)
    (model_dir / "log_history.json").write_text("[]")
    code = main(["push", "--model_dir", str(model_dir), "--repo_id", repo_id, "--debug"])  # with the traceback
    printed = capsys.readouterr()
    assert code == 2 and "401 Unauthorized" in printed.err
    assert "log in with `hf auth login`, or set the HF_TOKEN environment variable" in printed.err
    written = b"".join(p.read_bytes() for p in model_dir.rglob("*") if p.is_file())
    card = Path(hf_hub_download(repo_id, "README.md", token=hub.token))  # what went up, as the Hub serves it
    written += b"".join(p.read_bytes() for p in card.parent.rglob("*") if p.is_file())
    for token in (hub.token, bad):
        assert token not in printed.out + printed.err and token.encode() not in written


@pytest.mark.parametrize("model_dir", ["handcrafted-emotion"], indirect=True)
def test_a_synthetic_model_is_not_pushed_over_an_artemis_card(model_dir, hub, capsys):
    repo_id = hub.repo_id("artemis-image-emotion")
    hub.api.create_repo(repo_id)
    claim = "---\ndatasets:\n- artemis\nlicense: mit\n---\n# Image-to-emotion classifier trained on ArtEmis\n"
    hub.api.upload_file(path_or_fileobj=claim.encode(), path_in_repo="README.md", repo_id=repo_id)
    code, _, error = push(model_dir, repo_id, capsys)
    assert code == 2 and f"--repo_id {repo_id}: its card claims the ArtEmis dataset (dataset 'artemis')" in error
    assert "trained on the synthetic release" in error and not (model_dir / "README.md").exists()
    assert "model.safetensors" not in hub.api.list_repo_files(repo_id)
    # A repo whose card is a synthetic model's (this one's, pushed before) takes it again.
    other = hub.repo_id("demo")
    assert push(model_dir, other, capsys)[0] == 0
    (model_dir / "log_history.json").write_text("[]")
    assert push(model_dir, other, capsys)[0] == 0


OFFLINE_RELOAD = """
import json, sys
import artemis_hf  # noqa: F401
from PIL import Image
from transformers import pipeline
family, repo_id = sys.argv[1:]
if family == "text-emotion":
    outputs = pipeline("text-classification", model=repo_id)({text!r}, top_k=None)
else:
    outputs = pipeline("artemis-captioning", model=repo_id)(Image.new("RGB", (48, 40), (40, 60, 150)), emotion="awe")
print(json.dumps(outputs))
"""


@pytest.mark.parametrize("model_dir", ["text-emotion", "speaker-sat"], indirect=True)
def test_a_pulled_model_reloads_offline_with_the_hub_gone(model_dir, hub, capsys):
    repo_id = hub.repo_id(model_dir.name)
    assert push(model_dir, repo_id, capsys)[0] == 0
    _, online_outputs = loaded(model_dir.name, repo_id)  # the download that fills the cache
    # A fresh process, offline, pointed at a port where no Hub answers: everything must come from the cache.
    from hub_fixtures import _free_port

    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": f"http://127.0.0.1:{_free_port()}"}
    script = OFFLINE_RELOAD.format(text=TEXT)
    result = subprocess.run(
        [sys.executable, "-c", script, model_dir.name, repo_id], capture_output=True, text=True, env=environment
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.splitlines()[-1]) == json.loads(json.dumps(online_outputs))


@pytest.mark.parametrize("model_dir", ["speaker-nn"], indirect=True)
def test_a_speaker_naming_a_local_classifier_is_pushed_with_a_warning(model_dir, hub, capsys, caplog):
    classifier = json.loads((model_dir / "config.json").read_text())["emotion_classifier_name_or_path"]
    assert Path(classifier).is_dir()  # the quickstart's speakers name its image classifier's folder
    with caplog.at_level("WARNING", logger="artemis_hf.hub.push"):
        assert push(model_dir, hub.repo_id("speaker-nn"), capsys)[0] == 0
    assert f"names the local classifier {classifier}" in caplog.text and "emotion_classifier=" in caplog.text


@pytest.mark.parametrize("model_dir", ["text-emotion"], indirect=True)
def test_a_file_missing_from_a_repo_is_named(model_dir, hub, capsys):
    from artemis_hf.training.init_from import load_init_checkpoint

    repo_id = hub.repo_id("incomplete")
    assert push(model_dir, repo_id, capsys)[0] == 0
    hub.api.delete_file("config.json", repo_id)
    with pytest.raises((OSError, ValueError), match=f"--init_from {repo_id}: cannot load its config .*config.json"):
        load_init_checkpoint(repo_id, None, "train text-emotion")
    assert (model_dir / "config.json").is_file()  # nothing local was touched
