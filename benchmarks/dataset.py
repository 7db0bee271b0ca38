"""Build `deep-nets` (spelling pass on, no images) from a synthetic release of the full ArtEmis size.

Prints one JSON object: seconds, rows/s and peak memory of the build (run in a fresh process, so the peak is the
build's own), and, on a subsample, the per-row reference design (Python tokenization, one spell lookup per
occurrence) with a check that both give the same tokens.

    python benchmarks/dataset.py [--paintings 80031] [--annotations 454684] [--reference_rows 20000]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build_in_this_process(csv_path: str, cache_dir: str) -> dict:
    from artemis_hf.data import build_artemis

    start = time.perf_counter()
    build = build_artemis(csv_path, config="deep-nets", cache_dir=cache_dir)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rows_in": build.report["rows_in"],
        "rows_out": build.report["rows_out"],
        "rows_per_second": build.report["rows_in"] / seconds,
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "vocabulary_size": build.report["deep_nets"]["vocabulary_size"],
        "spelling_corrections": build.report["deep_nets"]["spelling_corrections"],
    }


def reference_design(utterances: list[str]) -> tuple[float, list[list[str]]]:
    """The per-row design of the reference code: Python regexes per utterance, a spell lookup per occurrence."""
    from symspellpy import Verbosity

    from artemis_hf.data.text import APOSTROPHES, CONTRACTIONS, SpellChecker

    checker = SpellChecker()
    rules = [(re.compile(APOSTROPHES), "'"), *((re.compile(p, re.ASCII), r) for p, r in CONTRACTIONS)]
    punctuation = re.compile(r"[^\w\s]|_")
    start = time.perf_counter()
    rows = []
    for utterance in utterances:
        text = utterance.lower()
        for pattern, replacement in rules:
            text = pattern.sub(replacement, text)
        tokens = []
        for word in punctuation.sub(" ", text).split():
            if word not in checker.known_words and word.isalpha():
                suggestions = checker.symspell.lookup(word, Verbosity.TOP, max_edit_distance=1)
                word = suggestions[0].term if suggestions else word
            tokens.append(word)
        rows.append(tokens)
    return time.perf_counter() - start, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paintings", type=int, default=80_031)
    parser.add_argument("--annotations", type=int, default=454_684)
    parser.add_argument("--reference_rows", type=int, default=20_000, help="rows of the per-row reference design")
    parser.add_argument("--child", nargs=2, metavar=("CSV", "CACHE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(build_in_this_process(*args.child)))
        return

    import pandas as pd

    from artemis_hf.data.preprocess import spelled_tokens
    from artemis_hf.data.synthetic import make_synthetic_release

    with tempfile.TemporaryDirectory() as workdir:
        start = time.perf_counter()
        release = make_synthetic_release(
            Path(workdir) / "release",
            num_paintings=args.paintings,
            num_annotations=args.annotations,
            with_images=False,
        )
        generate_seconds = time.perf_counter() - start
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(release.csv_path), str(Path(workdir) / "cache")],
            check=True,
            capture_output=True,
            text=True,
        )
        build = json.loads(child.stdout.strip().splitlines()[-1])

        utterances = pd.read_csv(release.csv_path, usecols=["utterance"], nrows=args.reference_rows)[
            "utterance"
        ].tolist()
        reference_seconds, reference_tokens = reference_design(utterances)
        ours, _ = spelled_tokens(pd.Series(utterances))
    figures = {
        "benchmark": "dataset deep-nets build (spelling on, no images)",
        "paintings": args.paintings,
        "annotations": args.annotations,
        "generate_seconds": round(generate_seconds, 2),
        "build": {key: round(value, 2) if isinstance(value, float) else value for key, value in build.items()},
        "reference_design": {
            "rows": len(utterances),
            "seconds": round(reference_seconds, 2),
            "seconds_extrapolated_to_all_rows": round(reference_seconds * args.annotations / len(utterances), 1),
            "same_tokens": ours.to_pylist() == reference_tokens,
        },
    }
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
