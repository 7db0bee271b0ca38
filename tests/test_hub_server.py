"""Round trips through the local Hub (hub_server.py) with the real huggingface_hub, transformers and datasets."""

import os
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from huggingface_hub import constants, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    EntryNotFoundError,
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


@pytest.mark.skipif(os.environ.get("HF_HUB_OFFLINE") != "1", reason="checks that HF_HUB_OFFLINE=1 is honoured")
def test_offline_mode_is_back_after_the_hub_tests(local_hub):
    # Runs after the tests above (file order): their `hub` fixture must have restored offline mode.
    assert constants.HF_HUB_OFFLINE and constants.is_offline_mode()
    assert datasets.config.HF_HUB_OFFLINE
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    with pytest.raises(OfflineModeIsEnabled):  # the server runs, but no request reaches it
        local_hub.api.whoami()
