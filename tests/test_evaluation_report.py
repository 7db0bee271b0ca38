"""The report: captions JSONL + a deep-nets build -> figures, JSON, Markdown, eval_results.json; and the comparison."""

import hashlib
import json
import logging
import re
from pathlib import Path

import numpy as np
import pytest
from huggingface_hub import EvalResult

from artemis_hf.data import PreprocessOptions, build_artemis
from artemis_hf.data.export import export_artemis
from artemis_hf.data.sources import ReleaseArguments
from artemis_hf.evaluation import (
    EvaluationOptions,
    bleu,
    compare,
    evaluate_captions,
    load_references,
    markdown_table,
    read_captions,
    report,
)
from artemis_hf.evaluation.commands import EvaluateArguments, evaluate
from artemis_hf.models.speaker_sat import SpeakerSATConfig
from artemis_hf.models.text_emotion import TextEmotionLSTMConfig

FAST = EvaluationOptions(meteor=False, novelty_sample=200)  # METEOR's own tests are in test_evaluation.py


@pytest.fixture(scope="module")
def deep_nets(synthetic_release, tmp_path_factory):
    cache_dir = str(tmp_path_factory.mktemp("cache"))
    return build_artemis(
        synthetic_release.csv_path, config="deep-nets", spell_check=False, cache_dir=cache_dir
    ).dataset


def speaker_folder(path: Path) -> Path:
    """A folder that holds a speaker, as far as evaluation looks: its config."""
    SpeakerSATConfig(backbone="test_resnet").save_pretrained(path)
    return path


def digests(folder: Path) -> dict[str, str]:
    return {str(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.rglob("*") if path.is_file()}


def write_captions(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.fixture(scope="module")
def speakers(deep_nets, tmp_path_factory):
    """Two speakers on the test split: one copies each painting's first reference, one says the same thing always."""
    folder = tmp_path_factory.mktemp("speakers")
    test = (
        deep_nets["test"]
        .select_columns(["painting_id", "utterance_spelled"])
        .to_pandas()
        .groupby("painting_id", sort=False)
        .first()
    )
    copier = [
        {"painting_id": key, "emotion": "awe", "caption": text} for key, text in test["utterance_spelled"].items()
    ]
    parrot = [dict(row, caption="it looks like a painting") for row in copier]
    return write_captions(folder / "copier.jsonl", copier), write_captions(folder / "parrot.jsonl", parrot)


def test_references_group_the_split_by_painting(deep_nets):
    references = load_references(deep_nets)
    test = deep_nets["test"]
    assert sum(map(len, references.utterances.values())) == len(test)
    assert set(references.utterances) == set(test["painting_id"])
    assert sum(int(counts.sum()) for counts in references.emotion_histograms.values()) == len(test)
    assert references.train_utterances == list(deep_nets["train"]["utterance_spelled"])
    with pytest.raises(ValueError, match=r"have no split 'validate'; they have \['train', 'validation', 'test'\]"):
        load_references(deep_nets, split="validate")


def test_references_load_from_a_saved_folder_and_an_export(deep_nets, synthetic_release, tmp_path):
    expected = load_references(deep_nets)
    deep_nets.save_to_disk(str(tmp_path / "saved"))
    assert load_references(tmp_path / "saved").utterances == expected.utterances
    options = PreprocessOptions(spell_check=False)
    export_artemis(
        synthetic_release.csv_path,
        tmp_path / "export",
        configs=["deep-nets"],
        options=options,
        cache_dir=str(tmp_path / "cache"),
    )
    exported = load_references(tmp_path / "export")
    assert exported.utterances == expected.utterances and exported.train_utterances == expected.train_utterances


def test_report_writes_figures_table_and_eval_results(deep_nets, speakers, tmp_path):
    copier, _ = speakers
    model_dir = speaker_folder(tmp_path / "model")
    other = {
        "task_type": "text-classification",
        "dataset_type": "x",
        "dataset_name": "X",
        "metric_type": "accuracy",
        "metric_value": 0.5,
    }
    (model_dir / "eval_results.json").write_text(json.dumps([other]))
    figures = report(copier, deep_nets, tmp_path / "out", FAST, model_dir=model_dir, dataset_name="Synthetic ArtEmis")

    captions = read_captions(copier)
    references = load_references(deep_nets)
    assert figures["num_captions"] == len(captions) == len(references.utterances) == figures["num_paintings"]
    assert figures["coverage"] == 1.0
    assert {key: figures[key] for key in ("bleu_1", "bleu_2", "bleu_3", "bleu_4")} == bleu(
        captions, references.utterances
    )
    assert figures["bleu_1"] == pytest.approx(1.0)  # each caption is one of its references
    assert figures["lcs_max"] > 0 and figures["distinct_tokens"] > 10 and "emotional_alignment" not in figures
    assert json.loads((tmp_path / "out" / "evaluation.json").read_text()) == {"copier": figures}
    assert (tmp_path / "out" / "evaluation.md").read_text().startswith("| Speaker | BLEU-1 | BLEU-2 |")

    records = json.loads((model_dir / "eval_results.json").read_text())
    # The record already there, then BLEU-1..4, ROUGE-L, CIDEr, max- and mean-LCS, similes, length, 2 distinct counts.
    assert records[0] == other and len(records) == 1 + 12
    for record in records[1:]:
        result = EvalResult(**record)
        assert (result.dataset_name, result.dataset_type, result.dataset_config, result.dataset_split) == (
            "Synthetic ArtEmis", "synthetic-artemis", "deep-nets", "test")  # fmt: skip
        assert result.metric_value == figures[result.metric_type]
    report(copier, deep_nets, tmp_path / "out", FAST, model_dir=model_dir, dataset_name="Synthetic ArtEmis")
    assert len(json.loads((model_dir / "eval_results.json").read_text())) == len(records)  # replaced, not repeated


def test_report_needs_a_dataset_name_for_eval_results(deep_nets, speakers, tmp_path):
    with pytest.raises(ValueError, match="needs dataset_name"):
        report(speakers[0], deep_nets, tmp_path, FAST, model_dir=tmp_path)


def test_alignment_enters_with_a_classifier(deep_nets, speakers):
    references = load_references(deep_nets)
    captions = read_captions(speakers[0])
    majority = {key: int(np.argmax(counts)) for key, counts in references.emotion_histograms.items()}
    figures = evaluate_captions(
        captions,
        references,
        text_classifier=lambda texts: [majority[key] for key in captions],
        meteor_scorer=False,
        novelty_sample=50,
    )
    assert figures["emotional_alignment"] == 1.0 and figures["emotion_cross_entropy"] is None


def test_compare_makes_one_row_per_speaker(deep_nets, speakers, tmp_path):
    table = compare(speakers, deep_nets, tmp_path, FAST)
    lines = table.splitlines()
    assert len(lines) == 4 and lines[2].startswith("| copier | 1.000 |") and lines[3].startswith("| parrot |")
    rows = json.loads((tmp_path / "evaluation.json").read_text())
    assert rows["parrot"]["distinct_captions"] == 1 and rows["parrot"]["similes"] == 1.0
    assert markdown_table(rows) == table


def test_same_file_names_are_told_apart_by_folder(deep_nets, speakers, tmp_path):
    for name in ("sat", "sat-emo"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "samples.jsonl").write_text(speakers[1].read_text())
    files = [tmp_path / "sat" / "samples.jsonl", tmp_path / "sat-emo" / "samples.jsonl"]
    table = compare(files, load_references(deep_nets), tmp_path, FAST)
    assert "| sat/samples |" in table and "| sat-emo/samples |" in table


@pytest.mark.parametrize(
    "lines, message",
    [
        (
            ['{"painting_id": "a/b", "caption": "x"}', '{"painting_id": "a/b", "caption": "y"}'],
            r":2: a second caption for painting_id 'a/b' \(first on line 1\)",
        ),
        (['{"painting_id": "a/b", "caption": " "}'], r":1: empty caption for painting_id 'a/b'"),
        (['{"painting_id": "a/b"}'], r':1: expected \{"painting_id": str'),
        (["not json"], ":1: not a JSON object"),
        ([], "holds no captions"),
    ],
)
def test_bad_captions_files_are_named_by_line(tmp_path, lines, message):
    path = tmp_path / "captions.jsonl"
    path.write_text("\n".join(lines))
    with pytest.raises(ValueError, match=message):
        read_captions(path)


def test_captions_of_unknown_paintings_are_named(deep_nets, tmp_path):
    path = write_captions(
        tmp_path / "c.jsonl", [{"painting_id": "Nowhere/nothing", "emotion": "awe", "caption": "a sea"}]
    )
    with pytest.raises(ValueError, match="painting_id 'Nowhere/nothing'"):
        report(path, deep_nets, tmp_path, FAST)


def test_command_runs_both_modes_and_refuses_mixing_them(deep_nets, speakers, tmp_path, capsys):
    folder = tmp_path / "saved"
    deep_nets.save_to_disk(str(folder))
    release = ReleaseArguments()
    figures = evaluate(
        release,
        EvaluateArguments(references=str(folder), captions=str(speakers[0]), output_dir=str(tmp_path / "one")),
        FAST,
    )
    assert figures["bleu_1"] == pytest.approx(1.0) and "| copier |" in capsys.readouterr().out
    evaluate(
        release,
        EvaluateArguments(
            references=str(folder), compare=[str(path) for path in speakers], output_dir=str(tmp_path / "two")
        ),
        FAST,
    )
    assert "| parrot |" in capsys.readouterr().out
    with pytest.raises(ValueError, match="either --captions FILE or --compare"):
        evaluate(release, EvaluateArguments(references=str(folder)), FAST)
    with pytest.raises(ValueError, match="--model_dir goes with --captions"):
        evaluate(
            release,
            EvaluateArguments(references=str(folder), compare=[str(speakers[0])], model_dir=str(tmp_path)),
            FAST,
        )


def test_command_takes_its_references_from_a_release_csv(synthetic_release, speakers, tmp_path, capsys):
    release = ReleaseArguments(csv=str(synthetic_release.csv_path), cache_dir=str(tmp_path / "cache"))
    arguments = EvaluateArguments(
        captions=str(speakers[0]), output_dir=str(tmp_path / "out"), model_dir=str(speaker_folder(tmp_path / "model"))
    )
    figures = evaluate(release, arguments, FAST)
    assert (
        figures["bleu_1"] > 0.95
    )  # the copier's captions, against references spelled as the default build spells them
    records = json.loads((tmp_path / "model" / "eval_results.json").read_text())
    assert {record["dataset_name"] for record in records} == {"synthetic-artemis"}  # never ArtEmis's name
    with pytest.raises(ValueError, match="not both"):
        evaluate(release, EvaluateArguments(references=str(tmp_path), captions=str(speakers[0])), FAST)
    with pytest.raises(FileNotFoundError, match="nowhere.jsonl: no such file"):
        evaluate(release, EvaluateArguments(compare=[str(speakers[0]), str(tmp_path / "nowhere.jsonl")]), FAST)


def test_a_caption_of_an_unknown_painting_is_named_also_with_a_text_classifier(deep_nets, tmp_path):
    """The alignment looks up each caption's painting: the clear check must come first, not a bare KeyError."""
    path = write_captions(
        tmp_path / "c.jsonl", [{"painting_id": "Nowhere/nothing", "emotion": "awe", "caption": "a sea"}]
    )
    before = digests(tmp_path)
    with pytest.raises(ValueError, match="the first for painting_id 'Nowhere/nothing'"):
        evaluate_captions(
            read_captions(path), load_references(deep_nets), text_classifier=lambda texts: [1], meteor_scorer=False
        )
    assert digests(tmp_path) == before


@pytest.mark.parametrize("holds", ["a text classifier", "nothing"])
def test_eval_results_go_only_into_a_speakers_folder(deep_nets, speakers, tmp_path, holds):
    model_dir = tmp_path / "model"
    if holds == "a text classifier":
        TextEmotionLSTMConfig().save_pretrained(model_dir)
        (model_dir / "eval_results.json").write_text("[]")
        message = (
            f"model_dir='{model_dir}' holds a 'artemis-text-emotion-lstm' model (TextEmotionLSTMConfig), not a speaker"
        )
    else:
        model_dir.mkdir()
        message = f"model_dir='{model_dir}' holds no config.json: expected a speaker's folder"
    before = digests(tmp_path)
    with pytest.raises((ValueError, FileNotFoundError), match=re.escape(message)):
        report(speakers[0], deep_nets, tmp_path / "out", FAST, model_dir=model_dir, dataset_name="Synthetic ArtEmis")
    assert digests(tmp_path) == before and not (tmp_path / "out").exists()


def test_the_coverage_of_the_references_is_reported(deep_nets, tmp_path, caplog):
    references = load_references(deep_nets)
    few = {painting_id: utterances[0] for painting_id, utterances in list(references.utterances.items())[:5]}
    with caplog.at_level(logging.WARNING):
        figures = evaluate_captions(few, references, meteor_scorer=False, novelty_sample=50)
    total = len(references.utterances)
    assert (figures["num_captions"], figures["num_paintings"]) == (5, total)
    assert figures["coverage"] == pytest.approx(5 / total)
    assert f"The captions cover 5 of the {total} paintings of the references ({100 * 5 / total:.1f}%)" in caplog.text
