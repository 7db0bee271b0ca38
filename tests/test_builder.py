"""The builder's three configs on the synthetic release: splits, histograms, reports, tokenizer, export."""

import datasets
import numpy as np
import pytest

from artemis_hf.data import build_artemis, load_artemis
from artemis_hf.data.export import export_artemis
from artemis_hf.data.release import read_release


@pytest.fixture(scope="module")
def builds(synthetic_release, tmp_path_factory):
    cache = str(tmp_path_factory.mktemp("cache"))
    return {
        config: build_artemis(synthetic_release.csv_path, synthetic_release.images_dir, config, cache_dir=cache)
        for config in ("raw", "deep-nets", "paintings")
    }


def painting_sets(dataset_dict):
    return {split: set(ds["painting_id"]) for split, ds in dataset_dict.items()}


def test_splits_are_disjoint_by_painting_and_about_85_5_10(builds, synthetic_release):
    sets = painting_sets(builds["paintings"].dataset)
    assert (
        sets["train"].isdisjoint(sets["validation"])
        and sets["train"].isdisjoint(sets["test"])
        and sets["validation"].isdisjoint(sets["test"])
    )
    sizes = np.array([len(sets[s]) for s in ("train", "validation", "test")]) / synthetic_release.num_paintings
    np.testing.assert_allclose(sizes, [0.85, 0.05, 0.10], atol=0.01)
    assert painting_sets(builds["raw"].dataset) == sets  # one split assignment for every config


def test_raw_keeps_every_row_with_class_labels_and_images(builds, synthetic_release):
    raw = builds["raw"].dataset
    assert sum(len(ds) for ds in raw.values()) == synthetic_release.num_annotations == builds["raw"].report["rows_out"]
    assert raw["train"].features["emotion"].names[8] == "something else"
    image = raw["train"][0]["image"]
    assert image.size == (32, 32) and image.mode == "RGB"


def test_paintings_histograms_sum_to_annotation_counts(builds, synthetic_release):
    frame = read_release(synthetic_release.csv_path)
    counts = frame.groupby("painting_id").size()
    for ds in builds["paintings"].dataset.values():
        histograms = np.array(ds["emotion_histogram"])
        assert (histograms.sum(axis=1) == counts[ds["painting_id"]].to_numpy()).all()
        assert (histograms.sum(axis=1) == ds["num_annotations"]).all()
        majority = np.array(ds["majority_emotion"])
        has = majority >= 0
        assert (histograms[has, majority[has]] * 2 > histograms[has].sum(axis=1)).all()
        assert (histograms[~has].max(axis=1) * 2 <= histograms[~has].sum(axis=1)).all()


def test_deep_nets_report_accounts_for_every_row(builds, synthetic_release):
    build = builds["deep-nets"]
    report = build.report
    kept = sum(len(ds) for ds in build.dataset.values())
    assert report["rows_in"] == synthetic_release.num_annotations
    assert kept == report["rows_out"] == report["rows_in"] - sum(step["removed"] for step in report["steps"])
    assert sum(report["splits"].values()) == kept
    reasons = {step["reason"].split(" ")[0] for step in report["steps"]}
    assert reasons == {"more", "fewer"}
    lengths = [len(tokens) for tokens in build.dataset["train"]["tokens"]]
    assert 5 <= min(lengths) and max(lengths) <= report["deep_nets"]["max_tokens"]


def test_deep_nets_ids_equal_the_saved_tokenizer_on_raw_text(synthetic_release, tmp_path):
    # Without the spelling pass (which the tokenizer does not do), tokenizing the raw utterance gives the stored ids.
    build = build_artemis(synthetic_release.csv_path, config="deep-nets", spell_check=False, cache_dir=str(tmp_path))
    train = build.dataset["train"].select(range(300))
    assert [build.tokenizer(u)["input_ids"] for u in train["utterance"]] == train["input_ids"]
    vocabulary = build.tokenizer.get_vocab()
    assert all(vocabulary.get(t, 3) == i for row in train for t, i in zip(row["tokens"], row["input_ids"][1:-1]))


def test_rare_words_become_unk_by_train_frequency(builds):
    build = builds["deep-nets"]
    counts = {}
    for tokens in build.dataset["train"]["tokens"]:
        for token in tokens:
            counts[token] = counts.get(token, 0) + 1
    assert all(n >= 5 for token, n in counts.items() if token != "<unk>")
    assert len(build.tokenizer) == 4 + len([t for t in counts if t != "<unk>"])


def test_builds_are_reproducible_and_options_change_the_cache(synthetic_release, builds, tmp_path):
    again = load_artemis(synthetic_release.csv_path, synthetic_release.images_dir, "raw", cache_dir=str(tmp_path))
    assert painting_sets(again) == painting_sets(builds["raw"].dataset)
    reseeded = load_artemis(synthetic_release.csv_path, config="raw", split_seed=7, cache_dir=str(tmp_path))
    assert painting_sets(reseeded) != painting_sets(again)


def test_unknown_config_is_refused(synthetic_release):
    with pytest.raises(ValueError, match="'captions'"):
        load_artemis(synthetic_release.csv_path, config="captions")


def test_export_loads_back_with_plain_load_dataset(builds, synthetic_release, tmp_path):
    export_artemis(
        synthetic_release.csv_path,
        tmp_path,
        synthetic_release.images_dir,
        embed_images=True,
        pretty_name="Synthetic ArtEmis",
    )
    for config, build in builds.items():
        loaded = datasets.load_dataset(str(tmp_path), config)
        assert set(loaded) == set(build.dataset)
        for split, built in build.dataset.items():
            columns = [c for c in built.column_names if c != "image"]
            assert loaded[split].select_columns(columns).to_list() == built.select_columns(columns).to_list()
    paintings = datasets.load_dataset(str(tmp_path), "paintings")["train"]
    assert paintings.features["image"] == datasets.Image()
    assert paintings[0]["image"].size == (32, 32)  # bytes embedded, not a path to this machine
    assert (tmp_path / "deep-nets" / "tokenizer.json").is_file()
    card = (tmp_path / "README.md").read_text()
    assert "config_name: deep-nets" in card
    # The card carries `dataset stats`' figures and what the preprocessing removed, from this very release.
    deep_nets = builds["deep-nets"].report
    annotations = sum(len(split) for split in builds["raw"].dataset.values())
    assert f"| annotations | {annotations:,} |" in card
    assert (
        f"| deep-nets | {deep_nets['rows_in']:,} | {deep_nets['rows_removed']:,} | {deep_nets['rows_out']:,} |" in card
    )
    assert f"a vocabulary of {deep_nets['deep_nets']['vocabulary_size']:,} tokens" in card
