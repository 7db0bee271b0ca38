"""The affective and linguistic figures of the ArtEmis speaker table: emotional alignment, similes, novelty, diversity.

Each function takes the captions as a list of strings (and what the figure compares them with) and returns
{name: value}.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa

from ..data.text import has_simile
from ..emotions import EMOTIONS, NUM_EMOTIONS, distributions, emotion_id, majority_emotion
from .inputs import check_texts
from .lcs import lcs_lengths

TextClassifier = Callable[[list[str]], "np.ndarray | Sequence"]
PROBABILITY_TOLERANCE = 1e-4


def emotional_alignment(
    captions: Sequence[str], emotion_histograms: np.ndarray | Sequence[Sequence[int]], text_classifier: TextClassifier
) -> dict[str, float | int | None]:
    """How well the emotion a text classifier reads in each caption matches its painting's annotations.

    `emotion_histograms[i]` counts the 9 emotions annotated for the painting of `captions[i]`. `text_classifier`
    maps a list of texts to (N, 9) probabilities or to N labels (indices 0-8 or emotion names).
    - `emotional_alignment`: share of captions whose predicted emotion is their painting's strict-majority emotion
      (more than half of the votes), over the paintings that have one (`majority_paintings`); None when none has.
    - `emotion_cross_entropy`: mean over all captions of -sum_k p_k log q_k, p the painting's emotion distribution and
      q the predicted probabilities (floored at 1e-12); None when the classifier gives labels only.
    """
    check_texts(captions)
    counts = np.asarray(emotion_histograms)
    if counts.shape != (len(captions), NUM_EMOTIONS):
        expected = (len(captions), NUM_EMOTIONS)
        raise ValueError(f"emotion_histograms must have shape {expected}, one row per caption; got {counts.shape}")
    labels, probabilities = _predict(text_classifier, list(captions))
    majority = majority_emotion(counts)
    has_majority = majority >= 0
    figures = {
        "emotional_alignment": float((labels == majority)[has_majority].mean()) if has_majority.any() else None,
        "majority_paintings": int(has_majority.sum()),
        "emotion_cross_entropy": None,
    }
    if probabilities is not None:
        log_q = np.log(np.maximum(probabilities, 1e-12))
        figures["emotion_cross_entropy"] = float(-(distributions(counts) * log_q).sum(axis=1).mean())
    return figures


def _predict(text_classifier: TextClassifier, texts: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """(labels, probabilities or None) from a classifier's output, checked."""
    output = np.asarray(text_classifier(texts))
    if output.shape == (len(texts), NUM_EMOTIONS) and output.dtype.kind == "f":
        rows_sum = output.sum(axis=1)
        if (output < 0).any() or not np.allclose(rows_sum, 1.0, atol=PROBABILITY_TOLERANCE):
            raise ValueError(
                "text_classifier returned (N, 9) scores that are not probabilities (rows sum to "
                f"{rows_sum.min():.3g}..{rows_sum.max():.3g}): apply a softmax to logits"
            )
        return output.argmax(axis=1), output
    if output.shape == (len(texts),):
        if output.dtype.kind in "UO":
            return np.array([emotion_id(str(label)) for label in output]), None
        if output.dtype.kind in "iu" and ((output >= 0) & (output < NUM_EMOTIONS)).all():
            return output.astype(np.int64), None
    raise ValueError(
        f"text_classifier returned an array of shape {output.shape} and dtype {output.dtype} for {len(texts)} texts; "
        f"expected ({len(texts)}, {NUM_EMOTIONS}) probabilities or {len(texts)} labels (0-8 or emotion names)"
    )


def load_text_classifier(
    model: str | os.PathLike, batch_size: int = 64, device: int | str | None = None
) -> TextClassifier:
    """A `TextClassifier` from a `transformers` text-classification model (folder or Hub id) or pipeline whose
    `config.id2label` names the nine emotions: texts -> (N, 9) softmax probabilities in `EMOTIONS` order."""
    from transformers import Pipeline, pipeline
    from transformers.models.auto.modeling_auto import MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING

    from ..pipelines.captioning import load_checked

    classify = model
    if not isinstance(model, Pipeline):
        classify = load_checked(
            lambda: pipeline("text-classification", model=str(model), device=device),
            "text_classifier",
            model,
            MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING,
            "a text classifier (AutoModelForSequenceClassification)",
        )
    names = list(classify.model.config.id2label.values())
    try:
        columns = {name: emotion_id(name) for name in names}
    except ValueError as error:
        raise ValueError(
            f"text classifier {model} has labels {names}; expected the nine ArtEmis emotions {list(EMOTIONS)}"
        ) from error
    if sorted(columns.values()) != list(range(NUM_EMOTIONS)):
        raise ValueError(
            f"text classifier {model} has labels {names}; expected each of the nine ArtEmis emotions once"
        )

    def predict(texts: list[str]) -> np.ndarray:
        outputs = classify(texts, top_k=None, function_to_apply="softmax", batch_size=batch_size, truncation=True)
        probabilities = np.zeros((len(texts), NUM_EMOTIONS))
        for row, scores in enumerate(outputs):
            for item in scores:
                probabilities[row, columns[item["label"]]] = item["score"]
        return probabilities

    return predict


def simile_share(captions: Sequence[str]) -> dict[str, float]:
    """Share of captions containing one of `artemis_hf.data.text.SIMILE_PHRASES` in their lowercased text."""
    check_texts(captions)
    return {"similes": float(has_simile(pa.array(captions, pa.string())).mean())}


def novelty(
    captions: Sequence[str], train_utterances: Sequence[str], sample_size: int | None = 5_000, seed: int = 2021
) -> dict[str, float]:
    """Longest common subsequence, in tokens, of each caption with each of `sample_size` training utterances drawn
    with `seed` (all of them for None): `lcs_max` and `lcs_mean` average the per-caption maximum and mean over
    captions. Lower is more novel; a caption copied from the sample has `lcs_max` equal to its length."""
    tokens = [text.split() for text in check_texts(captions)]
    if not train_utterances:
        raise ValueError("train_utterances is empty: novelty needs training utterances to compare with")
    if sample_size is not None and sample_size < 1:
        raise ValueError(f"sample_size must be at least 1, or None for all, got {sample_size}")
    sample = train_utterances
    if sample_size is not None and sample_size < len(train_utterances):
        picked = np.random.default_rng(seed).choice(len(train_utterances), size=sample_size, replace=False)
        sample = [train_utterances[i] for i in picked]
    lengths = lcs_lengths(tokens, [text.split() for text in check_texts(sample, name="sampled train_utterances")])
    return {"lcs_max": float(lengths.max(axis=1).mean()), "lcs_mean": float(lengths.mean(axis=1).mean())}


def diversity(captions: Sequence[str]) -> dict[str, float | int]:
    """Distinct captions (count and share) and distinct tokens, and the mean length in tokens, on normalised text."""
    texts = check_texts(captions)
    tokens = [text.split() for text in texts]
    distinct = len(set(texts))
    return {
        "distinct_captions": distinct,
        "distinct_caption_share": distinct / len(texts),
        "distinct_tokens": len({token for caption in tokens for token in caption}),
        "mean_length": float(np.mean([len(caption) for caption in tokens])),
    }
