"""The reference's dataset analysis as a library: language figures (length, vocabulary, concreteness, sentiment,
subjectivity, parts of speech, similes) of the release and of any texts compared with it, and emotion figures
(entropy and agreement per painting, per art style, genre or era). `artemis-hf analyze` runs it.

Names load on first use, so that the command-line help reads `options` without pandas.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "agreement": ["emotion_figures", "entropy_bits"],
        "analysers": ["pos_counts", "sentiment", "subjectivity"],
        "concreteness": ["Norms", "concreteness_scores", "load_norms"],
        "errors": ["AnalyserUnavailable"],
        "language": ["Analysers", "language_by_group", "language_summary", "utterance_figures"],
        "options": ["AnalyzeArguments", "LANGUAGE_ANALYSERS"],
        "run": ["analyze_release", "collection_figures"],
        "texts": ["Grouping", "TextCollection", "load_collection", "read_grouping"],
    },
)
