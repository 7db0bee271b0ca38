"""METEOR 1.5 through one Java process: pycocoevalcap's jar, command line and protocol, fed a whole batch at once.

pycocoevalcap's own wrapper writes one line and waits for its answer per caption, leaves the JVM's stderr in a pipe
nobody reads, and turns a dead JVM into `float('')`. This one streams every line from a thread while reading the
answers, keeps stderr in a file it quotes when Java fails, and closes the process when done. Same jar, same
arguments, same lines: the same scores (tests/test_evaluation.py compares them).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path


class MetricUnavailableError(RuntimeError):
    """A metric's external resources (Java, jars, models) are not on this machine."""


def pycocoevalcap_dir(subpackage: str) -> Path:
    """The folder of one of pycocoevalcap's scorers (its jars lie there)."""
    spec = importlib.util.find_spec(f"pycocoevalcap.{subpackage}")
    if spec is None or not spec.submodule_search_locations:
        raise MetricUnavailableError(
            f"pycocoevalcap is not installed (pip install pycocoevalcap): it holds the {subpackage} jar"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def require_java(metric: str) -> str:
    java = shutil.which("java")
    if java is None:
        raise MetricUnavailableError(
            f"{metric} runs in Java and no `java` is on PATH: install a Java runtime (e.g. apt-get install "
            f"default-jre-headless) or leave {metric} out"
        )
    return java


class MeteorScorer:
    """A running METEOR process. Starting it loads the paraphrase table (about 8 s), so keep one for many batches;
    use it as a context manager or call `close()`."""

    def __init__(self, max_memory: str = "2G"):
        folder = pycocoevalcap_dir("meteor")
        # -Dfile.encoding: read non-ASCII text as UTF-8 whatever the locale (the only change to pycocoevalcap's line).
        java_options = ["-Dfile.encoding=UTF-8", f"-Xmx{max_memory}"]
        self._stderr = tempfile.TemporaryFile()  # open as long as the process: close() closes it
        self._process = subprocess.Popen(
            [require_java("METEOR"), *java_options, "-jar", "meteor-1.5.jar", "-", "-", "-stdio", "-l", "en", "-norm"],
            cwd=folder,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
        )

    def score(self, captions: list[str], references: list[list[str]]) -> tuple[float, list[float]]:
        """(corpus score, one score per caption) of normalised, non-empty texts (see `inputs.pair_with_references`)."""
        if len(captions) != len(references) or not captions:
            raise ValueError(
                f"need as many reference lists as captions, and at least one: got {len(references)} and {len(captions)}"
            )
        # "SCORE ||| ref 1 ||| ... ||| ref n ||| caption" answers with statistics; "EVAL ||| stats ||| ..." with scores.
        lines = [" ||| ".join(("SCORE", *refs, caption)) + "\n" for caption, refs in zip(captions, references)]
        writer = threading.Thread(target=self._write, args=(lines,), daemon=True)
        writer.start()
        statistics = [self._read_line() for _ in lines]
        writer.join()
        self._write(["EVAL ||| " + " ||| ".join(statistics) + "\n"])
        scores = [float(self._read_line()) for _ in lines]
        return float(self._read_line()), scores

    def _write(self, lines: list[str]) -> None:
        try:
            self._process.stdin.writelines(lines)
            self._process.stdin.flush()
        except BrokenPipeError:  # the reader sees the process end and says why
            pass

    def _read_line(self) -> str:
        line = self._process.stdout.readline()
        if not line:
            self._stderr.seek(0)
            message = self._stderr.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"METEOR's Java process stopped (exit code {self._process.wait()}): {message}")
        return line.strip()

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process.stdout.close()
        self._stderr.close()

    def __enter__(self) -> MeteorScorer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
