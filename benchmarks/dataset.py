"""Build `deep-nets` (spelling pass on, no images) at the full ArtEmis size from real text, in both text modes.

The release has the full release's shape (the synthetic generator's paintings and annotation counts), and its
utterances are real: each joins the start of one utterance of the shared ArtEmis sample to the end of another, so
that the vocabulary, the misspellings and the punctuation are ArtEmis's and nearly every utterance is distinct (the
synthetic generator's 555 words would hide the cost of spelling). Each build runs in a fresh process, so that its
peak memory is its own. Prints one JSON object.

    python benchmarks/dataset.py [--paintings 80031] [--annotations 454684] [--sample ../shared/data/artemis-sample]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODES = ("reference", "clean")
DEFAULT_SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "artemis-sample"


def build_in_this_process(csv_path: str, cache_dir: str, mode: str) -> dict:
    # The imports are timed apart: transformers (for the tokenizer) registers every model family on import, which
    # is the same few seconds whatever the release's size.
    start = time.perf_counter()
    import transformers  # noqa: F401

    from artemis_hf.data import PreprocessOptions, build_artemis
    from artemis_hf.data.reference_text import word_tokenize

    word_tokenize("")  # nltk, for the reference mode
    import_seconds = time.perf_counter() - start

    start = time.perf_counter()
    build = build_artemis(
        csv_path, config="deep-nets", cache_dir=cache_dir, options=PreprocessOptions(text_normalization=mode)
    )
    seconds = time.perf_counter() - start
    return {
        "seconds": round(seconds, 2),
        "import_seconds": round(import_seconds, 2),
        "rows_per_second": round(build.report["rows_in"] / seconds),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rows_out": build.report["rows_out"],
        "vocabulary_size": build.report["deep_nets"]["vocabulary_size"],
        "spelling_corrections": build.report["deep_nets"]["spelling_corrections"],
    }


def real_text_release(folder: Path, sample_csv: Path, paintings: int, annotations: int, seed: int = 0) -> Path:
    """The synthetic release's rows with real utterances: the first half of one sample utterance, the second of another."""
    import numpy as np
    import pandas as pd

    from artemis_hf.data.synthetic import make_synthetic_release

    release = make_synthetic_release(folder, num_paintings=paintings, num_annotations=annotations, with_images=False)
    rows = pd.read_csv(release.csv_path, dtype=str, keep_default_na=False)
    words = pd.read_csv(sample_csv, dtype=str, keep_default_na=False)["utterance"].str.split().to_numpy()
    rng = np.random.default_rng(seed)
    starts, ends = words[rng.integers(0, len(words), len(rows))], words[rng.integers(0, len(words), len(rows))]
    rows["utterance"] = [" ".join(a[: len(a) // 2] + b[len(b) // 2 :]) for a, b in zip(starts, ends)]
    rows.to_csv(release.csv_path, index=False)
    return release.csv_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paintings", type=int, default=80_031)
    parser.add_argument("--annotations", type=int, default=454_684)
    parser.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE, help="the shared real ArtEmis sample folder")
    parser.add_argument("--child", nargs=3, metavar=("CSV", "CACHE", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(build_in_this_process(*args.child)))
        return
    sample_csv = args.sample / "artemis_sample.csv"
    if not sample_csv.is_file():
        sys.exit(f"benchmarks/dataset.py needs the real ArtEmis sample: {sample_csv} is missing (--sample DIR)")

    with tempfile.TemporaryDirectory() as workdir:
        start = time.perf_counter()
        csv_path = real_text_release(Path(workdir) / "release", sample_csv, args.paintings, args.annotations)
        generate_seconds = time.perf_counter() - start
        builds = {}
        for mode in MODES:
            command = [sys.executable, __file__, "--child", str(csv_path), str(Path(workdir) / f"cache-{mode}"), mode]
            child = subprocess.run(command, check=True, capture_output=True, text=True)
            builds[mode] = json.loads(child.stdout.strip().splitlines()[-1])
    figures = {
        "benchmark": "dataset deep-nets build from real text (spelling on, no images)",
        "paintings": args.paintings,
        "annotations": args.annotations,
        "generate_seconds": round(generate_seconds, 2),
        "build": builds,
    }
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
