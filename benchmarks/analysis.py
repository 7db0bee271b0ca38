"""Time `artemis-hf analyze` on 454,684 synthetic utterances (the full release's size), analyser by analyser.

The release is the synthetic generator's at the full release's shape (80,031 paintings, no images): its utterances
are the generator's sentences, nearly all distinct (431,545 of 454,684), so that no analyser gains from repeats.
Every stage runs in a fresh process, so that its peak memory is its own. Each first reads and tokenizes the release
('prepare': read, validate, the reference's tokens with the spelling pass), timed apart; a stage's `seconds` is its
own work, `load_seconds` loading its lexicon or model. `full_without_pos` is the whole analysis (every figure but
parts of speech, the report and the plots) as `analyze_release` runs it, prepare included: the figure to hold under
3 minutes on a 2-core machine. Prints one JSON object.

    python benchmarks/analysis.py [--paintings 80031] [--annotations 454684] [--num_proc 2] [--skip pos]
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

STAGES = (
    "emotions",
    "length_vocabulary_similes",
    "concreteness",
    "sentiment",
    "subjectivity",
    "pos",
    "full_without_pos",
)


def peak_memory_mb(who: int = resource.RUSAGE_SELF) -> int:
    return round(resource.getrusage(who).ru_maxrss / 1024)


def run_stage(csv_path: str, stage: str, num_proc: int, output_dir: str) -> dict:
    import pyarrow as pa

    from artemis_hf.analysis import Analysers, analyze_release, emotion_figures, language_summary, utterance_figures
    from artemis_hf.analysis.options import LANGUAGE_ANALYSERS
    from artemis_hf.data.preprocess import prepare_release, spelled_tokens

    start = time.perf_counter()
    prepared = prepare_release(csv_path)
    if stage == "full_without_pos":
        analysers = Analysers.load([name for name in LANGUAGE_ANALYSERS if name != "pos"], num_proc=num_proc)
        analyze_release(prepared, output_dir, label="Synthetic ArtEmis", analysers=analysers)
        return {"seconds": round(time.perf_counter() - start, 2), "peak_memory_mb": peak_memory_mb()}
    tokens, _ = spelled_tokens(prepared.annotations["utterance"])
    tokens = tokens.combine_chunks() if isinstance(tokens, pa.ChunkedArray) else tokens
    figures = {"prepare_seconds": round(time.perf_counter() - start, 2), "memory_before_mb": peak_memory_mb()}

    start = time.perf_counter()
    analysers = Analysers.load([stage] if stage in LANGUAGE_ANALYSERS else [], num_proc=num_proc)
    if analysers.unavailable:
        raise SystemExit(f"benchmarks/analysis.py: {analysers.unavailable[stage]}")
    figures["load_seconds"] = round(time.perf_counter() - start, 2)
    start = time.perf_counter()
    if stage == "emotions":
        emotion_figures(prepared.paintings, {"art_style": prepared.paintings["art_style"]})
    else:
        frame = utterance_figures(prepared.annotations["utterance"], tokens, analysers)
        language_summary(frame, tokens)
    seconds = round(time.perf_counter() - start, 2)
    # The largest worker process of `num_proc` (none for the analysers that run in this one).
    return {
        **figures,
        "seconds": seconds,
        "peak_memory_mb": peak_memory_mb(),
        "peak_worker_memory_mb": peak_memory_mb(resource.RUSAGE_CHILDREN),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paintings", type=int, default=80_031)
    parser.add_argument("--annotations", type=int, default=454_684)
    parser.add_argument("--num_proc", type=int, default=2, help="processes of the per-utterance analysers")
    parser.add_argument("--skip", nargs="*", default=[], choices=STAGES, help="stages not to run")
    parser.add_argument("--child", nargs=3, metavar=("CSV", "STAGE", "OUTPUT_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_stage(args.child[0], args.child[1], args.num_proc, args.child[2])))
        return

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
        stages = {}
        for stage in (stage for stage in STAGES if stage not in args.skip):
            command = [sys.executable, __file__, "--num_proc", str(args.num_proc), "--child"]
            command += [str(release.csv_path), stage, str(Path(workdir) / "analysis")]
            child = subprocess.run(command, check=True, capture_output=True, text=True)
            stages[stage] = json.loads(child.stdout.strip().splitlines()[-1])
    analysers = {name: figures for name, figures in stages.items() if name != "full_without_pos"}
    figures = {
        "benchmark": "artemis-hf analyze on synthetic utterances, one fresh process per stage",
        "paintings": args.paintings,
        "annotations": args.annotations,
        "num_proc": args.num_proc,
        "generate_seconds": round(generate_seconds, 2),
        "stages": stages,
        "sum_of_stages_without_pos_seconds": round(
            sum(figures["seconds"] + figures["load_seconds"] for name, figures in analysers.items() if name != "pos"),
            2,
        ),
    }
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
