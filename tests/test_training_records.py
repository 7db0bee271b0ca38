"""training_args.json records a whole run (every argument dataclass, the device, the steps, the time) and nothing from
the environment; every trained model, speakers included, has its test results in eval_results.json."""

import dataclasses
import json
import shutil

import pytest
from test_image_emotion import TINY_BACKBONE, release_arguments, tiny_run_arguments
from training_toy import ToyRegression, toy_arguments

import artemis_hf
from artemis_hf.training import train
from artemis_hf.training.arguments import ImageEmotionArguments
from artemis_hf.training.checkpoints import ARGS_FILENAME, PROGRESS_FILENAME, latest_checkpoint

FAKE_TOKEN = "hf_RecognisableFakeToken4711"
RECORD_KEYS = {"arguments", "init_from", "device", "mixed_precision", "num_processes", "steps", "epochs",
               "wall_time_s", "artemis_hf_version", "transformers_version", "torch_version"}  # fmt: skip
CAPTION_METRICS = {"bleu_1", "bleu_2", "bleu_3", "bleu_4", "rouge_l", "cider"}


@dataclasses.dataclass
class ToyOptions:
    data_dir: str = "relative/data"  # a path is recorded as given


def read_record(output_dir) -> dict:
    return json.loads((output_dir / ARGS_FILENAME).read_text())


def test_the_loop_records_every_argument_dataclass_where_it_ran_and_how_far(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    train(ToyRegression(), toy_arguments(tmp_path), (ToyOptions(),))
    record = read_record(tmp_path)
    assert RECORD_KEYS <= record.keys()
    assert record["arguments"]["ToyOptions"] == {"data_dir": "relative/data"}
    assert record["arguments"]["TrainingArguments"]["learning_rate"] == 0.05
    assert (record["device"], record["mixed_precision"], record["num_processes"]) == ("cpu", "no", 1)
    assert (record["steps"], record["epochs"], record["init_from"]) == (60, 3, None)  # 320 rows, batch 16, 3 epochs
    assert record["wall_time_s"] > 0 and record["artemis_hf_version"] == artemis_hf.__version__
    assert FAKE_TOKEN not in (tmp_path / ARGS_FILENAME).read_text()


def test_a_resumed_run_records_all_its_steps_and_its_time_before_the_interruption(tmp_path):
    train(ToyRegression(), toy_arguments(tmp_path, max_steps=26))
    shutil.rmtree(tmp_path / "checkpoints" / "step-00000026")  # interrupted after the checkpoint of step 24
    interrupted = json.loads((latest_checkpoint(tmp_path) / PROGRESS_FILENAME).read_text())["wall_time_s"]
    train(ToyRegression(), toy_arguments(tmp_path, resume=True))
    record = read_record(tmp_path)
    assert (record["steps"], record["epochs"]) == (60, 3)
    # The checkpoint kept the interrupted run's time (on an idle machine the toy's 24 steps take about 0.05 s, which
    # the record's one decimal may round to 0.0), and the resumed run's record adds to it.
    assert interrupted > 0 and record["wall_time_s"] >= round(interrupted, 1)


def test_image_emotion_phases_make_one_record(synthetic_release, tmp_path):
    from artemis_hf.training.image_emotion import training_function

    arguments = ImageEmotionArguments(
        backbone=TINY_BACKBONE["backbone"], backbone_kwargs=json.dumps(TINY_BACKBONE["backbone_kwargs"]),
        image_size=32, style_epochs=1, head_hidden_sizes=[16],
    )  # fmt: skip
    training_args = tiny_run_arguments(tmp_path, max_steps=2)
    training_function(release_arguments(synthetic_release), arguments, training_args)
    record = read_record(tmp_path)
    assert record["arguments"]["TrainingArguments"] == dataclasses.asdict(training_args)  # the run's, not a phase's
    assert record["arguments"]["ImageEmotionArguments"]["style_epochs"] == 1
    assert [phase["name"] for phase in record["phases"]] == ["style", "emotion"]
    assert record["steps"] == 4 and record["epochs"] == 2 and record["init_from"] is None
    assert read_record(tmp_path / "phases" / "01-style")["steps"] == 2


@pytest.mark.parametrize(
    "model, arguments",
    [
        ("text-emotion", {"ReleaseArguments", "PreprocessOptions", "TextEmotionArguments", "TrainingArguments"}),
        ("speaker-sat", {"ReleaseArguments", "SpeakerArguments", "SpeakerTrainingArguments"}),
        ("speaker-nn", {"ReleaseArguments", "SpeakerArguments", "SpeakerTrainingArguments"}),
    ],
)
def test_every_quickstart_model_records_its_run_and_its_test_results(quickstart_outputs, model, arguments):
    output_dir = quickstart_outputs.output_dir / model
    record = read_record(output_dir)
    assert RECORD_KEYS <= record.keys() and set(record["arguments"]) == arguments and record["wall_time_s"] > 0
    assert (record["steps"] == 0) == (model == "speaker-nn")  # the nearest-neighbour speaker takes no step
    results = json.loads((output_dir / "eval_results.json").read_text())
    assert {(result["dataset_name"], result["dataset_config"], result["dataset_split"]) for result in results} == {
        ("synthetic-artemis", "deep-nets", "test")
    }
    if model.startswith("speaker"):
        assert {result["task_type"] for result in results} == {"image-to-text"}
        assert CAPTION_METRICS <= {result["metric_type"] for result in results}
        assert record["evaluation"]["paintings"] == record["evaluation"]["split_paintings"] > 0  # all, at this size
        assert (output_dir / "captions-test.jsonl").is_file() and (output_dir / "evaluation.json").is_file()
