"""`artemis-hf quickstart`, the README's main job: every stage ran and left what a newcomer is told to expect."""

import json

import datasets

from artemis_hf.evaluation.options import REPORT_JSON

SPEAKERS = ("speaker-sat", "speaker-m2", "speaker-nn")


def test_the_dataset_stage_exports_a_loadable_dataset_and_its_statistics(quickstart_outputs):
    summary = quickstart_outputs.summary
    assert summary["statistics"]["paintings"] == 600
    assert "paintings with a majority" in quickstart_outputs.stdout
    loaded = datasets.load_dataset(summary["dataset_dir"], "deep-nets")
    assert {"train", "validation", "test"} <= set(loaded) and len(loaded["train"]) > 1_000


def test_the_text_classifier_learns(quickstart_outputs):
    assert quickstart_outputs.summary["text_emotion"]["accuracy"] > 0.5  # chance: 1/9
    assert (quickstart_outputs.output_dir / "text-emotion" / "model.safetensors").is_file()


def test_the_speakers_caption_the_held_out_paintings_and_are_compared(quickstart_outputs):
    output_dir = quickstart_outputs.output_dir
    table = quickstart_outputs.summary["speaker_table"]
    assert all(f"captions-{name}" in table for name in SPEAKERS) and "BLEU-4" in table
    for name in SPEAKERS:
        assert (
            len((output_dir / f"captions-{name}.jsonl").read_text().splitlines()) == 60
        )  # the test split's paintings
    assert (output_dir / "evaluation" / REPORT_JSON).is_file()


def test_the_run_says_where_its_time_went(quickstart_outputs):
    seconds = quickstart_outputs.summary["seconds"]
    stages = [
        "dataset and statistics",
        "text classifier",
        "image classifier",
        "speakers and captions",
        "evaluation",
        "analysis",
    ]
    assert list(seconds) == stages
    assert all(value >= 0 for value in seconds.values())


def test_the_speakers_name_the_image_classifier_and_every_model_has_a_card(quickstart_outputs):
    output_dir = quickstart_outputs.output_dir
    assert quickstart_outputs.summary["image_emotion"]["accuracy"] >= 0  # trained and evaluated on the test split
    classifier = output_dir / "image-emotion"
    for speaker in SPEAKERS:
        config = json.loads((output_dir / speaker / "config.json").read_text())
        assert config["emotion_classifier_name_or_path"] == str(classifier.absolute())  # emotion="auto" works
    for model in ("text-emotion", "image-emotion", *SPEAKERS):
        assert (output_dir / model / "README.md").read_text().startswith("---\n")  # a card with Hub metadata
    # The run ends with the command that opens the demo on what it trained.
    assert quickstart_outputs.stdout.rstrip().endswith(f"artemis-hf demo --quickstart_dir {output_dir}")


def test_the_analysis_puts_the_speakers_captions_beside_the_human_utterances(quickstart_outputs):
    analysis = json.loads((quickstart_outputs.output_dir / "analysis" / "analysis.json").read_text())
    assert set(analysis["language"]) == {"human utterances", *(f"captions-{name}" for name in SPEAKERS)}
    assert quickstart_outputs.summary["analysers_missing"] == []  # the dev extra installs every analyser
