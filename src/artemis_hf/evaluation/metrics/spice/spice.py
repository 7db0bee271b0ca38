"""SPICE of captions against all the reference utterances of their painting, with pycocoevalcap's jar.

A thin `evaluate` wrapper over `artemis_hf.evaluation.spice`. It runs only where Stanford CoreNLP 3.6.0 lies beside
pycocoevalcap's SPICE jar; elsewhere `compute` raises `MetricUnavailableError` saying what to put where, and never
downloads. README.md beside this file is the metric card.
"""

import evaluate

from artemis_hf.evaluation import spice
from artemis_hf.evaluation.modules import keyed, metric_info

_USAGE = """
Returns:
    spice (`float`, 0-1): mean over captions of the scene-graph tuple F-score.
"""


class ArtemisSpice(evaluate.Metric):
    def _info(self):
        return metric_info(__doc__, _USAGE, "captions+references", ["spice", "artemis"])

    def _compute(self, predictions, references):
        return spice(*keyed(predictions, references))
