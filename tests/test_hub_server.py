"""Round trips through the local Hub (hub_server.py) with the real huggingface_hub, transformers and datasets."""

import os
import re
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from huggingface_hub import (
    DatasetCard,
    DatasetCardData,
    EvalResult,
    HfApi,
    ModelCard,
    ModelCardData,
    constants,
    hf_hub_download,
    snapshot_download,
)
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from transformers import AutoModel, AutoTokenizer, BertConfig, BertModel, BertTokenizerFast


def read_tree(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_whoami(hub):
    assert hub.api.whoami()["name"] == hub.user


def test_upload_folder_then_snapshot_download(hub, tmp_path):
    repo_id = hub.repo_id("files")
    folder = tmp_path / "upload"
    (folder / "weights").mkdir(parents=True)
    (folder / "notes.txt").write_text("a small text file\n")
    (folder / "weights" / "blob.bin").write_bytes(bytes(range(256)) * 400)  # 100 KB

    hub.api.create_repo(repo_id)
    hub.api.upload_folder(repo_id=repo_id, folder_path=folder)

    siblings = hub.api.model_info(repo_id, files_metadata=True).siblings
    assert {s.rfilename: s.lfs is not None for s in siblings} == {"notes.txt": False, "weights/blob.bin": True}
    assert sorted(hub.api.list_repo_files(repo_id)) == ["notes.txt", "weights/blob.bin"]
    assert read_tree(Path(snapshot_download(repo_id))) == read_tree(folder)


def test_model_and_tokenizer_push_then_from_pretrained(hub, tmp_path):
    repo_id = hub.repo_id("tiny-bert")
    config = BertConfig(
        vocab_size=16, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37
    )
    model = BertModel(config)
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "art", "makes", "me", "smile"]))
    tokenizer = BertTokenizerFast(vocab_file=str(vocab))

    model.push_to_hub(repo_id)
    tokenizer.push_to_hub(repo_id)

    loaded = AutoModel.from_pretrained(repo_id)
    assert isinstance(loaded, BertModel)
    expected, actual = model.state_dict(), loaded.state_dict()
    assert expected.keys() == actual.keys()
    assert all(torch.equal(expected[name], actual[name]) for name in expected)
    text = "art makes me smile"
    assert AutoTokenizer.from_pretrained(repo_id)(text).input_ids == tokenizer(text).input_ids


def test_dataset_dict_push_then_load_dataset(hub):
    repo_id = hub.repo_id("splits")
    splits = datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict({"utterance": ["calm sea", "dark woods"], "emotion": [0, 4]}),
            "test": datasets.Dataset.from_dict({"utterance": ["bright sky"], "emotion": [1]}),
        }
    )

    splits.push_to_hub(repo_id)

    loaded = datasets.load_dataset(repo_id)
    assert {name: split.to_list() for name, split in loaded.items()} == {
        name: split.to_list() for name, split in splits.items()
    }
    streamed = datasets.load_dataset(repo_id, split="train", streaming=True)  # reads byte ranges
    assert list(streamed) == splits["train"].to_list()


README = """\
---
configs:
- config_name: emotions
  data_files:
  - split: train
    path: emotions/train.parquet
- config_name: captions
  data_files:
  - split: train
    path: captions/train-*.parquet
  - split: test
    path: captions/test.parquet
---
# Two configs
"""


def test_parquet_configs_upload_folder_then_load_dataset_config(hub, tmp_path):
    repo_id = hub.repo_id("configs")
    folder = tmp_path / "upload"
    (folder / "emotions").mkdir(parents=True)
    (folder / "captions").mkdir()
    (folder / "README.md").write_text(README)
    pq.write_table(pa.table({"emotion": ["awe", "fear"]}), folder / "emotions" / "train.parquet")
    pq.write_table(pa.table({"caption": ["a red sky"]}), folder / "captions" / "train-0.parquet")
    pq.write_table(pa.table({"caption": ["a calm sea"]}), folder / "captions" / "train-1.parquet")
    pq.write_table(pa.table({"caption": ["a dark room"]}), folder / "captions" / "test.parquet")

    hub.api.create_repo(repo_id, repo_type="dataset")
    hub.api.upload_folder(repo_id=repo_id, repo_type="dataset", folder_path=folder)

    captions = datasets.load_dataset(repo_id, "captions")
    assert sorted(captions["train"]["caption"]) == ["a calm sea", "a red sky"]
    assert captions["test"]["caption"] == ["a dark room"]
    assert datasets.load_dataset(repo_id, "emotions", split="train")["emotion"] == ["awe", "fear"]


def test_missing_things_raise_the_client_errors(hub):
    repo_id = hub.repo_id("errors")
    hub.api.create_repo(repo_id)
    hub.api.upload_file(path_or_fileobj=b"{}", path_in_repo="config.json", repo_id=repo_id)

    with pytest.raises(EntryNotFoundError):
        hf_hub_download(repo_id, "missing.json")
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(repo_id, "config.json", revision="v1.0")
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download(hub.repo_id("never-created"), "config.json")
    with pytest.raises(RepositoryNotFoundError):
        hub.api.model_info(hub.repo_id("never-created"))


def read(repo_id: str, path: str, revision: str, repo_type: str | None = None) -> bytes:
    return Path(hf_hub_download(repo_id, path, revision=revision, repo_type=repo_type)).read_bytes()


def test_branches_keep_their_own_files_and_history(hub):
    repo_id = hub.repo_id("branches")
    hub.api.create_repo(repo_id)
    first = hub.api.upload_file(path_or_fileobj=b"v1", path_in_repo="notes.txt", repo_id=repo_id)
    hub.api.create_branch(repo_id, branch="feature/tiny")  # from main; the "/" travels URL-quoted
    second = hub.api.upload_file(
        path_or_fileobj=b"v2", path_in_repo="notes.txt", repo_id=repo_id, revision="feature/tiny"
    )
    tip = hub.api.upload_file(
        path_or_fileobj=b"{}", path_in_repo="extra.json", repo_id=repo_id, revision="feature/tiny"
    )
    hub.api.create_branch(repo_id, branch="v1", revision=second.oid)  # from a commit sha

    revisions = ("main", "feature/tiny", "v1", first.oid)
    assert [read(repo_id, "notes.txt", rev) for rev in revisions] == [b"v1", b"v2", b"v2", b"v1"]
    assert hub.api.list_repo_files(repo_id) == ["notes.txt"]
    assert hub.api.list_repo_files(repo_id, revision="feature/tiny") == ["extra.json", "notes.txt"]
    assert hub.api.list_repo_files(repo_id, revision=first.oid) == ["notes.txt"]  # every commit keeps its tree
    assert hub.api.model_info(repo_id, revision="refs/heads/feature/tiny").sha == tip.oid
    refs = hub.api.list_repo_refs(repo_id)
    assert {(ref.name, ref.ref, ref.target_commit) for ref in refs.branches} == {
        ("main", "refs/heads/main", first.oid),
        ("feature/tiny", "refs/heads/feature/tiny", tip.oid),
        ("v1", "refs/heads/v1", second.oid),
    }
    assert [commit.commit_id for commit in hub.api.list_repo_commits(repo_id, revision="feature/tiny")][:3] == [
        tip.oid,
        second.oid,
        first.oid,
    ]
    with pytest.raises(HfHubHTTPError) as exists:
        hub.api.create_branch(repo_id, branch="v1")
    assert exists.value.response.status_code == 409
    hub.api.create_branch(repo_id, branch="v1", exist_ok=True)


def test_create_pr_commits_to_a_pull_request_and_leaves_main_alone(hub, tmp_path):
    repo_id = hub.repo_id("pull-requests")
    hub.api.create_repo(repo_id, repo_type="dataset")
    hub.api.upload_file(path_or_fileobj=b"a,b\n", path_in_repo="data.csv", repo_id=repo_id, repo_type="dataset")
    main = hub.api.dataset_info(repo_id).sha
    folder = tmp_path / "upload"
    folder.mkdir()
    (folder / "data.csv").write_bytes(b"a,b\n1,2\n")
    (folder / "extra.bin").write_bytes(bytes(range(256)))  # goes through LFS

    opened = hub.api.upload_folder(repo_id=repo_id, repo_type="dataset", folder_path=folder, create_pr=True)

    assert (opened.pr_revision, opened.pr_num) == ("refs/pr/1", 1)
    assert opened.pr_url == f"{hub.endpoint}/datasets/{repo_id}/discussions/1"
    assert hub.api.dataset_info(repo_id).sha == main
    assert hub.api.list_repo_files(repo_id, repo_type="dataset") == ["data.csv"]
    assert read(repo_id, "data.csv", "main", "dataset") == b"a,b\n"
    assert hub.api.list_repo_files(repo_id, repo_type="dataset", revision="refs/pr/1") == ["data.csv", "extra.bin"]
    assert read(repo_id, "data.csv", "refs/pr/1", "dataset") == b"a,b\n1,2\n"
    assert read(repo_id, "extra.bin", opened.pr_revision, "dataset") == bytes(range(256))

    # A second pull request is refs/pr/2; committing to refs/pr/1 adds to it.
    assert (
        hub.api.upload_file(
            path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=repo_id, repo_type="dataset", create_pr=True
        ).pr_revision
        == "refs/pr/2"
    )
    added = hub.api.upload_file(
        path_or_fileobj=b"y", path_in_repo="y.txt", repo_id=repo_id, repo_type="dataset", revision="refs/pr/1"
    )
    assert added.pr_url is None
    refs = hub.api.list_repo_refs(repo_id, repo_type="dataset", include_pull_requests=True)
    assert [(ref.ref, ref.target_commit) for ref in refs.branches] == [("refs/heads/main", main)]
    assert [ref.ref for ref in refs.pull_requests] == ["refs/pr/1", "refs/pr/2"]
    assert refs.pull_requests[0].target_commit == added.oid
    assert "y.txt" in hub.api.list_repo_files(repo_id, repo_type="dataset", revision="refs/pr/1")


@pytest.mark.parametrize("revision", ["no-such-branch", "refs/pr/7", "0123456789abcdef0123456789abcdef01234567"])
def test_a_missing_revision_raises_revision_not_found(hub, revision):
    repo_id = hub.repo_id("revisions")
    hub.api.create_repo(repo_id)
    hub.api.upload_file(path_or_fileobj=b"{}", path_in_repo="config.json", repo_id=repo_id)

    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(repo_id, "config.json", revision=revision)
    with pytest.raises(RevisionNotFoundError):
        hub.api.list_repo_files(repo_id, revision=revision)
    with pytest.raises(RevisionNotFoundError):
        hub.api.upload_file(path_or_fileobj=b"[]", path_in_repo="config.json", repo_id=repo_id, revision=revision)
    with pytest.raises(RevisionNotFoundError):
        hub.api.create_branch(repo_id, branch="from-nowhere", revision=revision)
    assert hub.api.list_repo_refs(repo_id).branches[0].name == "main"  # nothing was made


def test_tokens_the_hub_does_not_know_get_401(hub):
    repo_id, private_id = hub.repo_id("public"), hub.repo_id("private")
    hub.api.create_repo(repo_id)
    hub.api.create_repo(private_id, private=True)
    wrong = HfApi(endpoint=hub.endpoint, token="hf_a_token_this_hub_never_issued")
    anonymous = HfApi(endpoint=hub.endpoint, token=False)

    # A wrong token: 401 everywhere, which the client does not take for a missing repo.
    for call in (wrong.whoami, lambda: wrong.create_repo(hub.repo_id("denied")), lambda: wrong.model_info(repo_id)):
        with pytest.raises(HfHubHTTPError) as denied:
            call()
        assert denied.value.response.status_code == 401
        assert not isinstance(denied.value, RepositoryNotFoundError)
    # No token: public repos can be read, not written; private ones look missing, as on the Hub.
    assert anonymous.model_info(repo_id).sha == hub.api.model_info(repo_id).sha
    with pytest.raises(HfHubHTTPError) as denied:
        anonymous.create_repo(hub.repo_id("anonymous"))
    assert denied.value.response.status_code == 401
    with pytest.raises(RepositoryNotFoundError) as denied:
        anonymous.upload_file(path_or_fileobj=b"{}", path_in_repo="config.json", repo_id=repo_id)
    assert denied.value.response.status_code == 401
    with pytest.raises(RepositoryNotFoundError):
        anonymous.model_info(private_id)
    assert hub.api.model_info(private_id).private
    assert hub.api.list_repo_files(repo_id) == []


def test_fail_next_the_client_retries_preupload_but_not_the_commit(hub):
    repo_id = hub.repo_id("faults")
    hub.api.create_repo(repo_id)

    # The first request of an upload is the preupload, which http_backoff retries after 1 s.
    with hub.server.fail_next(1) as fault:
        hub.api.upload_file(path_or_fileobj=b"one", path_in_repo="notes.txt", repo_id=repo_id)
    assert fault.failed == [f"POST /api/models/{repo_id}/preupload/main"]
    assert read(repo_id, "notes.txt", "main") == b"one"

    # The commit is not retried: the upload fails, changes nothing, and the next one goes through.
    with hub.server.fail_next(1, path="/commit/") as fault, pytest.raises(HfHubHTTPError) as failed:
        hub.api.upload_file(path_or_fileobj=b"two", path_in_repo="notes.txt", repo_id=repo_id)
    assert failed.value.response.status_code == 500
    assert fault.failed == [f"POST /api/models/{repo_id}/commit/main"]
    assert read(repo_id, "notes.txt", "main") == b"one"
    hub.api.upload_file(path_or_fileobj=b"two", path_in_repo="notes.txt", repo_id=repo_id)
    assert read(repo_id, "notes.txt", "main") == b"two"

    # Nor is repo info; a fault left unused is disarmed when its block ends.
    with hub.server.fail_next(1, status=503, method="GET") as fault, pytest.raises(HfHubHTTPError) as failed:
        hub.api.model_info(repo_id)
    assert failed.value.response.status_code == 503
    with hub.server.fail_next(1, path="/never-asked-for/"):
        pass
    assert hub.api.model_info(repo_id).id == repo_id


MODEL_INDEX = "[{name: tiny, results: [{task: {type: image-classification}, dataset: %s, metrics: %s}]}]"


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ("license: not-a-license", '"license"'),
        ("license: [mit]", '"license"'),
        ("pipeline_tag: painting-sorting", '"pipeline_tag"'),
        ("tags: [art, 3]", '"tags[1]"'),
        ("datasets: {name: artemis}", '"datasets"'),
        ("language: [en, 7]", '"language[1]"'),
        ("language: EN", '"language"'),
        ("library_name: [transformers]", '"library_name"'),
        ("base_model: 12", '"base_model"'),
    ],
)
def test_validate_yaml_rejects_bad_model_card_fields(hub, metadata, field):
    with pytest.raises(ValueError, match=re.escape(field)):
        ModelCard(f"---\n{metadata}\n---\n# A card\n").validate()


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ("configs: [{config_name: default}]", '"configs[0].data_files"'),
        ("configs: [{data_files: data/*.parquet}]", '"configs[0].config_name"'),
        ("configs: [{config_name: default, data_files: 3}]", '"configs[0].data_files"'),
        ("configs: [{config_name: default, data_files: [{split: train}]}]", '"configs[0].data_files[0].path"'),
        (
            "configs: [{config_name: default, data_files: [{split: train, path: [a, 1]}]}]",
            '"configs[0].data_files[0].path[1]"',
        ),
        ("license: [mit]", '"license"'),
    ],
)
def test_validate_yaml_rejects_bad_dataset_card_fields(hub, metadata, field):
    with pytest.raises(ValueError, match=re.escape(field)):
        DatasetCard(f"---\n{metadata}\n---\n# A card\n").validate()


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        ("license: mit\ntags: [art", "Invalid YAML"),
        ("- a list", "mapping"),
        ("license: mits", '"license"'),
        ("model-index: {name: tiny}", '"model-index"'),
        ("model-index: [{results: []}]", '"model-index[0].name"'),
        ("model-index: [{name: tiny, results: {}}]", '"model-index[0].results"'),
        (
            "model-index: " + MODEL_INDEX % ("{name: ArtEmis}", "[{type: accuracy, value: 0.5}]"),
            '"model-index[0].results[0].dataset.type"',
        ),
        (
            "model-index: " + MODEL_INDEX % ("{name: ArtEmis, type: artemis}", "[{type: accuracy}]"),
            '"model-index[0].results[0].metrics[0].value"',
        ),
    ],
)
def test_a_readme_with_bad_metadata_is_refused_before_the_commit(hub, metadata, reason):
    repo_id = hub.repo_id("cards")
    hub.api.create_repo(repo_id)
    readme = f"---\n{metadata}\n---\n# A card\n".encode()  # as written: ModelCard(readme) would refuse most

    with pytest.raises(ValueError, match=f"Invalid metadata in README.md.(.|\n)*{re.escape(reason)}"):
        hub.api.upload_file(path_or_fileobj=readme, path_in_repo="README.md", repo_id=repo_id)
    assert hub.api.list_repo_files(repo_id) == []


def test_validate_yaml_accepts_cards_made_with_card_data(hub):
    result = EvalResult(
        task_type="image-classification",
        dataset_type="artemis",
        dataset_name="ArtEmis",
        dataset_split="test",
        metric_type="accuracy",
        metric_value=0.61,
    )
    model_data = ModelCardData(
        license="mit",
        library_name="transformers",
        pipeline_tag="image-classification",
        tags=["art", "emotion"],
        datasets=["artemis"],
        language="en",
        base_model="google/vit-base-patch16-224",
        eval_results=[result],
        model_name="tiny-vit",
    )
    ModelCard.from_template(model_data).validate()
    dataset_data = DatasetCardData(
        license="cc-by-nc-4.0",
        language=["en"],
        task_categories=["image-to-text"],
        pretty_name="ArtEmis",
        configs=[{"config_name": "default", "data_files": [{"split": "train", "path": "data/train-*"}]}],
    )
    DatasetCard.from_template(dataset_data).validate()
    ModelCard("---\nmodel-index:\n- name: tiny\n  results: []\n---\n").validate()  # as Trainer writes it unevaluated

    repo_id = hub.repo_id("valid-card")
    hub.api.create_repo(repo_id)
    with pytest.warns(UserWarning, match="empty or missing yaml metadata"):  # the Hub warns, and takes it
        hub.api.upload_file(path_or_fileobj=b"# No metadata\n", path_in_repo="README.md", repo_id=repo_id)
    assert hub.api.list_repo_files(repo_id) == ["README.md"]


@pytest.mark.skipif(os.environ.get("HF_HUB_OFFLINE") != "1", reason="checks that HF_HUB_OFFLINE=1 is honoured")
def test_offline_mode_is_back_after_the_hub_tests(local_hub):
    # Runs after the tests above (file order): their `hub` fixture must have restored offline mode.
    assert constants.HF_HUB_OFFLINE and constants.is_offline_mode()
    assert datasets.config.HF_HUB_OFFLINE
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    with pytest.raises(OfflineModeIsEnabled):  # the server runs, but no request reaches it
        local_hub.api.whoami()
