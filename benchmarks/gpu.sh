#!/usr/bin/env bash
# Every GPU figure of the README's performance table in one run, on a machine whose Python has torch, transformers,
# timm and accelerate but no registry: the project and the few wheels it lacks travel with it.
#
#   bash benchmarks/gpu.sh download        # here: the wheels to carry into wheels/ (about 23 MiB, cp312)
#   bash benchmarks/gpu.sh run [OUT]       # there: install them, then the benchmarks' JSON into OUT (default: gpu-figures)
#
# SIZE=small runs the same steps at a size a CPU finishes in minutes (to rehearse the script before GPU time is spent).
set -euo pipefail
cd "$(dirname "$0")/.."

# What that machine lacks: datasets (and its own dependencies), the project's lazy-import helpers, the reference
# tokenisation's nltk and symspellpy, and the transformers/timm versions the model folders are tested with.
CARRY="datasets dill multiprocess xxhash lazy_loader wrapt nltk symspellpy transformers==5.23.0 timm==1.0.31"

case "${1:-}" in
download)
    pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 -d wheels $CARRY
    pip wheel --no-deps -w wheels .
    du -sh wheels
    ;;
run)
    out="${2:-gpu-figures}"
    mkdir -p "$out"
    if [ -d wheels ]; then pip install --no-index --no-deps wheels/*.whl; fi  # none: already installed
    if [ "${SIZE:-full}" = small ]; then
        speaker=(--batch_size 8 --image_size 64 --backbone resnet18 --repeats 1)
        epoch=(--num_paintings 120 --image_size 64 --backbone resnet18 --batch_size 32)
    else
        speaker=(--batch_size 128 --repeats 5)
        epoch=(--num_paintings 80031 --batch_size 128)  # the full release's paintings, ~5.3 utterances each
    fi
    python benchmarks/speaker.py "${speaker[@]}" > "$out/speaker.json"
    python benchmarks/speaker.py "${speaker[@]}" --arch sat m2 --compile > "$out/speaker-compiled.json"
    python benchmarks/epoch.py "${epoch[@]}" --modes grouped_cached grouped_on_device > "$out/epoch.json"
    python benchmarks/epoch.py "${epoch[@]}" --modes grouped_cached --arch m2 > "$out/epoch-m2.json"
    ;;
*)
    echo "usage: bash benchmarks/gpu.sh download | run [OUT]" >&2
    exit 2
    ;;
esac
