"""The data layer on 11,912 real ArtEmis rows (250 paintings, 78 images); skipped when ../shared is absent."""

import datasets
import numpy as np
import pandas as pd
import pytest

from artemis_hf.data import build_artemis
from artemis_hf.data.export import export_artemis


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("real-cache"))


def test_export_and_load_dataset_give_the_built_rows(real_sample, cache, tmp_path):
    csv_path, images_dir = real_sample
    export_artemis(csv_path, tmp_path, images_dir, configs=["raw", "paintings"], cache_dir=cache)
    for config in ("raw", "paintings"):
        built = build_artemis(csv_path, images_dir, config, cache_dir=cache)
        loaded = datasets.load_dataset(str(tmp_path), config)
        for split, dataset in built.dataset.items():
            columns = [c for c in dataset.column_names if c != "image"]
            assert loaded[split].select_columns(columns).to_list() == dataset.select_columns(columns).to_list()
    assert (
        sum(len(ds) for ds in datasets.load_dataset(str(tmp_path), "raw").values()) == 11_912
    )  # the duplicate row too


def test_histograms_and_images(real_sample, cache):
    csv_path, images_dir = real_sample
    build = build_artemis(csv_path, images_dir, "paintings", cache_dir=cache)
    per_painting = pd.read_csv(csv_path).assign(pid=lambda f: f.art_style + "/" + f.painting).groupby("pid").size()
    rows = datasets.concatenate_datasets(list(build.dataset.values()))
    assert len(rows) == 250
    assert (np.array(rows["emotion_histogram"]).sum(axis=1) == per_painting[rows["painting_id"]].to_numpy()).all()
    images = build.report["images"]
    assert (images["found"], images["missing"], images["unreadable"]) == (78, 172, [])
    assert (
        sum(
            image is not None
            for image in rows.select_columns(["image"]).cast_column("image", datasets.Image(decode=False))["image"]
        )
        == 78
    )


def test_deep_nets_moves_every_painting_to_rest_and_accounts_for_every_row(real_sample, cache):
    csv_path, _ = real_sample
    build = build_artemis(csv_path, config="deep-nets", cache_dir=cache)
    report = build.report
    assert list(build.dataset) == ["rest"]
    assert len(set(build.dataset["rest"]["painting_id"])) == 250
    assert report["deep_nets"]["rest"] == {"paintings": 250, "rows": 11_912}
    assert report["rows_in"] == 11_912
    assert (
        len(build.dataset["rest"]) == report["rows_out"] == 11_912 - sum(step["removed"] for step in report["steps"])
    )


def test_without_the_rest_rule_splits_are_by_painting(real_sample, cache):
    csv_path, _ = real_sample
    build = build_artemis(csv_path, config="deep-nets", rest_min_repetition=None, cache_dir=cache)
    assert set(build.dataset) == {"train", "validation", "test"}
    sets = [set(ds["painting_id"]) for ds in build.dataset.values()]
    assert all(a.isdisjoint(b) for i, a in enumerate(sets) for b in sets[i + 1 :])
    assert len(set.union(*sets)) == 250
    assert build.report["deep_nets"]["vocabulary_size"] > 1000
