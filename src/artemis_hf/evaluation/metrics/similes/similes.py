"""Share of captions that make a simile or metaphor ("looks like", "reminds me", ... 13 phrases of the ArtEmis paper).

A thin `evaluate` wrapper over `artemis_hf.evaluation.simile_share`; README.md beside this file is the metric card.
"""

import evaluate

from artemis_hf.evaluation import simile_share
from artemis_hf.evaluation.modules import metric_info

_USAGE = """
Returns:
    similes (`float`, 0-1): share of captions whose lowercased text contains one of
        `artemis_hf.data.text.SIMILE_PHRASES`.
Example:
    >>> similes.compute(predictions=["it looks like a storm", "a calm sea"])
    {'similes': 0.5}
"""


class ArtemisSimiles(evaluate.Metric):
    def _info(self):
        return metric_info(__doc__, _USAGE, "captions", ["artemis"])

    def _compute(self, predictions):
        return simile_share(predictions)
