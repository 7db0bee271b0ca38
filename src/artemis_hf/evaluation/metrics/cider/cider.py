"""CIDEr of captions against all the reference utterances of their painting, as pycocoevalcap computes it.

A thin `evaluate` wrapper over `artemis_hf.evaluation.cider` (Hugging Face `evaluate` has no CIDEr of its own);
README.md beside this file is the metric card.
"""

import evaluate

from artemis_hf.evaluation import cider
from artemis_hf.evaluation.modules import keyed, metric_info

_USAGE = """
Returns:
    cider (`float`, >= 0, 10 at most in practice): mean over captions; IDF from the references of this batch.
Example:
    >>> cider.compute(predictions=["the blue sea", "a red fire"], references=[["the blue sea is calm"], ["red fire"]])
"""


class ArtemisCider(evaluate.Metric):
    def _info(self):
        return metric_info(__doc__, _USAGE, "captions+references", ["cider", "coco", "artemis"])

    def _compute(self, predictions, references):
        return cider(*keyed(predictions, references))
