"""The one error of an analyser that cannot run here, and its message."""

from __future__ import annotations

from .options import INSTALL_HINT


class AnalyserUnavailable(RuntimeError):
    """A lexicon, package or tagger that is not installed: the analysis reports the message and goes on without it."""

    def __init__(self, analyser: str, message: str):
        super().__init__(message)
        self.analyser = analyser


def missing(analyser: str, what: str) -> AnalyserUnavailable:
    return AnalyserUnavailable(analyser, f"{analyser} needs {what}: {INSTALL_HINT}")
