"""METEOR 1.5 of captions against all the reference utterances of their painting, with pycocoevalcap's jar.

A thin `evaluate` wrapper over `artemis_hf.evaluation.meteor`: one Java process per `compute`, for the whole batch.
README.md beside this file is the metric card.
"""

import evaluate

from artemis_hf.evaluation import meteor
from artemis_hf.evaluation.modules import keyed, metric_info

_USAGE = """
Returns:
    meteor (`float`, 0-1): mean of the per-caption scores, the figure the ArtEmis paper reports.
    meteor_corpus (`float`, 0-1): the jar's corpus-level aggregate.
Example:
    >>> meteor.compute(predictions=["the blue sea"], references=[["the blue sea is calm", "a calm sea"]])
"""


class ArtemisMeteor(evaluate.Metric):
    def _info(self):
        return metric_info(__doc__, _USAGE, "captions+references", ["meteor", "coco", "artemis"])

    def _compute(self, predictions, references):
        return meteor(*keyed(predictions, references))
