"""Diversity of a speaker's captions: distinct captions, distinct tokens and mean length.

A thin `evaluate` wrapper over `artemis_hf.evaluation.diversity`; README.md beside this file is the metric card.
"""

import evaluate

from artemis_hf.evaluation import diversity
from artemis_hf.evaluation.modules import metric_info

_USAGE = """
Returns:
    distinct_captions (`int`), distinct_caption_share (`float`, 0-1], distinct_tokens (`int`),
    mean_length (`float`, tokens).
Example:
    >>> diversity.compute(predictions=["A calm sea.", "a calm sea", "a storm"])
    {'distinct_captions': 2, 'distinct_caption_share': 0.6666666666666666, 'distinct_tokens': 4, 'mean_length': 2.6666666666666665}
"""


class ArtemisDiversity(evaluate.Metric):
    def _info(self):
        return metric_info(__doc__, _USAGE, "captions", ["artemis"])

    def _compute(self, predictions):
        return diversity(predictions)
