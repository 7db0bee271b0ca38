"""BLEU-1..4 of captions against all the reference utterances of their painting, as pycocoevalcap computes them.

A thin `evaluate` wrapper over `artemis_hf.evaluation.bleu`; README.md beside this file is the metric card.
"""

import evaluate

from artemis_hf.evaluation import bleu
from artemis_hf.evaluation.modules import keyed, metric_info

_USAGE = """
Returns:
    bleu_1, bleu_2, bleu_3, bleu_4 (`float`, 0-1): corpus-level BLEU, closest reference length.
Example:
    >>> bleu.compute(predictions=["the blue sea"], references=[["the blue sea is calm", "a calm sea"]])
"""


class ArtemisBleu(evaluate.Metric):
    def _info(self):
        return metric_info(__doc__, _USAGE, "captions+references", ["bleu", "coco", "artemis"])

    def _compute(self, predictions, references):
        return bleu(*keyed(predictions, references))
