"""Emotional alignment: does the emotion a text classifier reads in a caption match its painting's annotations?

A thin `evaluate` wrapper over `artemis_hf.evaluation.emotional_alignment`; README.md beside this file is the card.
"""

import evaluate

from artemis_hf.evaluation import emotional_alignment, load_text_classifier
from artemis_hf.evaluation.modules import metric_info

_USAGE = """
    text_classifier: a callable, texts -> (N, 9) probabilities or N labels, or a text-classification model folder
        or Hub id whose labels are the nine emotions.
Returns:
    emotional_alignment (`float` 0-1, or None): share of captions classified as their painting's strict-majority
        emotion, over the paintings that have one.
    majority_paintings (`int`): how many paintings have one.
    emotion_cross_entropy (`float` >= 0, or None): mean cross-entropy of the predicted probabilities against the
        paintings' emotion distributions; None for a classifier that gives labels only.
Example:
    >>> alignment.compute(predictions=["so sad"], references=[[0, 0, 0, 0, 0, 0, 0, 4, 1]], text_classifier=lambda t: [7])
"""


class ArtemisEmotionalAlignment(evaluate.Metric):
    def _info(self):
        return metric_info(__doc__, _USAGE, "captions+histograms", ["artemis"])

    def _compute(self, predictions, references, text_classifier=None):
        if text_classifier is None:
            raise ValueError("emotional alignment needs text_classifier=: a callable or a text-classification model")
        classifier = text_classifier if callable(text_classifier) else load_text_classifier(text_classifier)
        return emotional_alignment(predictions, references, classifier)
