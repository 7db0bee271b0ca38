"""The `artemis-hf` commands end to end: synthetic -> build -> export -> push -> load_dataset, stats, quickstart."""

import json
import os
import subprocess
import sys

import datasets
import pytest

from artemis_hf.cli import main


@pytest.fixture(scope="module")
def small_release(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-release")
    assert main(["dataset", "synthetic", "--output_dir", str(folder), "--paintings", "120", "--image_size", "32"]) == 0
    return folder / "artemis_dataset_release_v0.csv", folder / "images"


def test_build_prints_the_report(small_release, capsys, tmp_path):
    csv_path, _ = small_release
    main(["dataset", "build", "--csv", str(csv_path), "--config", "deep-nets", "--no_spell_check", "--cache_dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert '"rows_in"' in out and "deep-nets length filter: removed" in out


def test_export_push_and_load_from_the_hub(small_release, hub, tmp_path):
    csv_path, images_dir = small_release
    export_dir = tmp_path / "export"
    main(["dataset", "export", "--csv", str(csv_path), "--images_dir", str(images_dir), "--output_dir", str(export_dir), "--embed_images", "--cache_dir", str(tmp_path / "cache")])
    repo_id = hub.repo_id("artemis")
    main(["dataset", "push", "--export_dir", str(export_dir), "--repo_id", repo_id])
    assert "deep-nets/tokenizer.json" in hub.api.list_repo_files(repo_id, repo_type="dataset")
    for config in ("raw", "deep-nets", "paintings"):
        local = datasets.load_dataset(str(export_dir), config)
        remote = datasets.load_dataset(repo_id, config)
        assert set(remote) == set(local)
        for split in local:
            assert remote[split].to_list() == local[split].to_list()
    assert remote["train"][0]["image"].size == (32, 32)


def test_push_refuses_a_folder_that_is_not_an_export(tmp_path):
    with pytest.raises(FileNotFoundError, match="no README.md"):
        main(["dataset", "push", "--export_dir", str(tmp_path), "--repo_id", "org/artemis"])


def test_stats_writes_json_and_plots(small_release, tmp_path, capsys):
    csv_path, _ = small_release
    main(["dataset", "stats", "--csv", str(csv_path), "--output_dir", str(tmp_path)])
    figures = json.loads((tmp_path / "statistics.json").read_text())
    assert figures["paintings"] == 120 and abs(sum(figures["emotion_shares"].values()) - 1) < 1e-9
    assert (tmp_path / "emotion_distribution.png").stat().st_size > 10_000
    assert (tmp_path / "emotion_by_style.png").stat().st_size > 10_000
    assert "utterances with a simile" in capsys.readouterr().out


def test_images_dir_without_csv_is_refused():
    with pytest.raises(ValueError, match="--images_dir .* without --csv"):
        main(["dataset", "build", "--images_dir", "somewhere"])


def test_usage_lists_the_commands(capsys):
    assert main([]) == 0 and "dataset export" in capsys.readouterr().out
    assert main(["dataset", "nonsense"]) == 2


def test_quickstart_console_script_on_the_embedded_default(tmp_path):
    # The README's main job, as a newcomer runs it: the installed console script, a fresh process, no arguments
    # but where to write.
    script = os.path.join(os.path.dirname(sys.executable), "artemis-hf")
    result = subprocess.run([script, "quickstart", "--output_dir", str(tmp_path), "--epochs", "2", "--speaker_epochs", "2"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "quickstart.json").read_text())
    assert summary["statistics"]["paintings"] == 600
    loaded = datasets.load_dataset(summary["dataset_dir"], "deep-nets")
    assert {"train", "validation", "test"} <= set(loaded)
    assert "paintings with a majority" in result.stdout
    assert summary["text_emotion"]["accuracy"] > 0.5
    assert (tmp_path / "text-emotion" / "model.safetensors").is_file()
    assert "speaker-sat" in summary["speaker_table"] and "speaker-nn" in summary["speaker_table"]
    assert (tmp_path / "evaluation" / "evaluation.json").is_file()
