"""Novelty: longest common subsequence (in tokens) of each caption with a sample of training utterances.

A thin `evaluate` wrapper over `artemis_hf.evaluation.novelty`; README.md beside this file is the metric card.
"""

import evaluate

from artemis_hf.evaluation import novelty
from artemis_hf.evaluation.modules import metric_info

_USAGE = """
    train_utterances (`list` of `str`): the training utterances to compare with.
    sample_size (`int` or None, default 5000): how many of them to draw (None: all).
    seed (`int`, default 2021): seed of the draw.
Returns:
    lcs_max (`float`, >= 0): mean over captions of the longest LCS with any sampled utterance.
    lcs_mean (`float`, >= 0): mean over captions of the mean LCS over the sampled utterances.
Example:
    >>> novelty.compute(predictions=["the sea is calm"], train_utterances=["the calm sea", "a storm"])
    {'lcs_max': 2.0, 'lcs_mean': 1.0}
"""


class ArtemisNovelty(evaluate.Metric):
    def _info(self):
        return metric_info(__doc__, _USAGE, "captions", ["artemis", "lcs"])

    def _compute(self, predictions, train_utterances, sample_size=5_000, seed=2021):
        return novelty(predictions, train_utterances, sample_size, seed)
