"""`artemis-hf quickstart`, the README's main job: every stage ran and left what a newcomer is told to expect."""

import datasets

from artemis_hf.evaluation.options import REPORT_JSON


def test_the_dataset_stage_exports_a_loadable_dataset_and_its_statistics(quickstart_outputs):
    summary = quickstart_outputs.summary
    assert summary["statistics"]["paintings"] == 600
    assert "paintings with a majority" in quickstart_outputs.stdout
    loaded = datasets.load_dataset(summary["dataset_dir"], "deep-nets")
    assert {"train", "validation", "test"} <= set(loaded) and len(loaded["train"]) > 1_000


def test_the_text_classifier_learns(quickstart_outputs):
    assert quickstart_outputs.summary["text_emotion"]["accuracy"] > 0.5  # chance: 1/9
    assert (quickstart_outputs.output_dir / "text-emotion" / "model.safetensors").is_file()


def test_both_speakers_caption_the_held_out_paintings_and_are_compared(quickstart_outputs):
    output_dir = quickstart_outputs.output_dir
    table = quickstart_outputs.summary["speaker_table"]
    assert "captions-speaker-sat" in table and "captions-speaker-nn" in table and "BLEU-4" in table
    for name in ("speaker-sat", "speaker-nn"):
        assert (
            len((output_dir / f"captions-{name}.jsonl").read_text().splitlines()) == 60
        )  # the test split's paintings
    assert (output_dir / "evaluation" / REPORT_JSON).is_file()


def test_the_run_says_where_its_time_went(quickstart_outputs):
    seconds = quickstart_outputs.summary["seconds"]
    assert list(seconds) == ["dataset and statistics", "text classifier", "speakers and captions", "evaluation"]
    assert all(value >= 0 for value in seconds.values())
