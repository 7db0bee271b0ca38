"""Each metric as a local `evaluate` module, offline; and the text-classifier helper on a tiny random model."""

import evaluate
import numpy as np
import pytest
from transformers import BertConfig, BertForSequenceClassification

from artemis_hf.data.text import build_tokenizer
from artemis_hf.emotions import EMOTIONS
from artemis_hf.evaluation import (
    METRIC_NAMES,
    MetricUnavailableError,
    bleu,
    cider,
    load_text_classifier,
    metric_path,
    rouge_l,
)

CAPTIONS = ["the blue sea", "it looks like a red fire"]
REFERENCES = [["the blue sea is calm", "a calm sea"], ["red fire", "a fire"]]


@pytest.fixture(scope="module")
def text_emotion_model(tmp_path_factory):
    """A tiny random BERT whose labels are the nine emotions, with a word-level tokenizer."""
    folder = tmp_path_factory.mktemp("text-emotion")
    tokenizer = build_tokenizer(sorted({word for text in CAPTIONS for word in text.split()}))
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, id2label=dict(enumerate(EMOTIONS)), label2id={e: i for i, e in enumerate(EMOTIONS)})  # fmt: skip
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_every_metric_loads_offline():
    for name in METRIC_NAMES:
        module = evaluate.load(metric_path(name))
        assert "predictions" in module.features and "@inproceedings" in module.citation and module.inputs_description
    with pytest.raises(ValueError, match="name must be one of"):
        metric_path("sacrebleu")


def test_captioning_modules_give_the_functions_values():
    keyed_captions, keyed_references = dict(enumerate(CAPTIONS)), dict(enumerate(REFERENCES))
    for name, function in (("bleu", bleu), ("rouge_l", rouge_l), ("cider", cider)):
        computed = evaluate.load(metric_path(name)).compute(predictions=CAPTIONS, references=REFERENCES)
        assert computed == function(keyed_captions, keyed_references)


def test_text_modules():
    assert evaluate.load(metric_path("similes")).compute(predictions=CAPTIONS) == {"similes": 0.5}
    assert evaluate.load(metric_path("diversity")).compute(predictions=CAPTIONS)["distinct_tokens"] == 9
    novelty = evaluate.load(metric_path("novelty")).compute(
        predictions=["the sea is calm"], train_utterances=["the calm sea", "a storm"]
    )
    assert novelty == {"lcs_max": 2.0, "lcs_mean": 1.0}


def test_module_errors_are_the_functions_errors():
    with pytest.raises(ValueError, match=r"captions\[1\] = '' has no words"):
        evaluate.load(metric_path("bleu")).compute(predictions=["a sea", ""], references=REFERENCES)
    with pytest.raises(ValueError, match="needs text_classifier"):
        evaluate.load(metric_path("emotional_alignment")).compute(predictions=CAPTIONS, references=[[1] * 9] * 2)
    with pytest.raises(MetricUnavailableError):
        evaluate.load(metric_path("spice")).compute(predictions=CAPTIONS, references=REFERENCES)


def test_text_classifier_from_a_model_folder(text_emotion_model):
    classify = load_text_classifier(text_emotion_model)
    probabilities = classify(CAPTIONS + ["café naïf, à l'été"])
    assert probabilities.shape == (3, 9) and np.allclose(probabilities.sum(axis=1), 1)
    histograms = [[0, 0, 0, 0, 0, 0, 0, 4, 1], [2, 0, 0, 0, 0, 0, 0, 0, 0]]
    alignment = evaluate.load(metric_path("emotional_alignment"))
    figures = alignment.compute(predictions=CAPTIONS, references=histograms, text_classifier=str(text_emotion_model))
    assert figures["majority_paintings"] == 2 and figures["emotion_cross_entropy"] > 0
    expected = np.mean(np.argmax(probabilities[:2], axis=1) == [7, 0])
    assert figures["emotional_alignment"] == pytest.approx(expected)


def test_text_classifier_needs_emotion_labels(text_emotion_model, tmp_path):
    model = BertForSequenceClassification.from_pretrained(
        text_emotion_model, num_labels=3, ignore_mismatched_sizes=True
    )
    model.config.id2label = {0: "positive", 1: "negative", 2: "neutral"}
    model.save_pretrained(tmp_path)
    build_tokenizer(["a"]).save_pretrained(tmp_path)
    with pytest.raises(
        ValueError, match=r"has labels \['positive', 'negative', 'neutral'\]; expected the nine ArtEmis emotions"
    ):
        load_text_classifier(tmp_path)
