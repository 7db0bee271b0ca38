"""ROUGE-L of captions against all the reference utterances of their painting, as pycocoevalcap computes it.

A thin `evaluate` wrapper over `artemis_hf.evaluation.rouge_l`; README.md beside this file is the metric card.
"""

import evaluate

from artemis_hf.evaluation import rouge_l
from artemis_hf.evaluation.modules import keyed, metric_info

_USAGE = """
Returns:
    rouge_l (`float`, 0-1): mean over captions of the LCS F-measure (beta 1.2) with the best precision and recall.
Example:
    >>> rouge_l.compute(predictions=["the blue sea"], references=[["the blue sea is calm", "a calm sea"]])
"""


class ArtemisRougeL(evaluate.Metric):
    def _info(self):
        return metric_info(__doc__, _USAGE, "captions+references", ["rouge", "coco", "artemis"])

    def _compute(self, predictions, references):
        return rouge_l(*keyed(predictions, references))
