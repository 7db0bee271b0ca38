"""BLEU-1..4, METEOR, ROUGE-L, CIDEr and SPICE of one caption per painting against all its reference utterances.

The scores are pycocoevalcap's, as in the reference code: its own scorer classes are called (METEOR's jar through
`MeteorScorer`), on the texts of `inputs.pair_with_references`. pycocoevalcap's PTBTokenizer is not used, as the
reference did not use it: it would split text differently from the tokenizer the speakers are trained with
("painting's" -> "painting 's", not "painting s") and start one more JVM.

Each function takes {painting_id: caption} and {painting_id: [reference utterances]} and returns {name: value}.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Mapping, Sequence

import numpy as np

from .inputs import pair_with_references
from .meteor_scorer import MeteorScorer, MetricUnavailableError, pycocoevalcap_dir, require_java

SPICE_MODELS = ("stanford-corenlp-3.6.0.jar", "stanford-corenlp-3.6.0-models.jar")


def bleu(captions: Mapping[str, str], references: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """Corpus BLEU-1..4 (closest reference length for the brevity penalty), 0-1."""
    from pycocoevalcap.bleu.bleu import Bleu

    scores, _ = Bleu(4).compute_score(*pair_with_references(captions, references), verbose=0)
    return {f"bleu_{order}": float(score) for order, score in enumerate(scores, start=1)}


def rouge_l(captions: Mapping[str, str], references: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """Mean over captions of the LCS-based F-measure (beta 1.2) against the best-matching references, 0-1."""
    from pycocoevalcap.rouge.rouge import Rouge

    score, _ = Rouge().compute_score(*pair_with_references(captions, references))
    return {"rouge_l": float(score)}


def cider(captions: Mapping[str, str], references: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """Mean over captions of the TF-IDF n-gram (1-4) similarity to the references, times 10; IDF comes from the
    references of the captioned paintings, so the value depends on the evaluated set. 0-10 in principle."""
    from pycocoevalcap.cider.cider import Cider

    score, _ = Cider().compute_score(*pair_with_references(captions, references))
    return {"cider": float(score)}


def meteor(
    captions: Mapping[str, str], references: Mapping[str, Sequence[str]], scorer: MeteorScorer | None = None
) -> dict[str, float]:
    """METEOR 1.5, 0-1: `meteor` is the mean of the per-caption scores (the figure the ArtEmis paper reports),
    `meteor_corpus` the jar's own corpus-level aggregate. Pass a running `scorer` to skip the JVM start."""
    gts, res = pair_with_references(captions, references)
    with MeteorScorer() if scorer is None else contextlib.nullcontext(scorer) as running:
        corpus, scores = running.score([caption for [caption] in res.values()], list(gts.values()))
    return {"meteor": float(np.mean(scores)), "meteor_corpus": corpus}


def spice(captions: Mapping[str, str], references: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """SPICE (scene-graph F-score), 0-1, where its Stanford CoreNLP models are present. pycocoevalcap would download
    them on first use; this raises `MetricUnavailableError` instead, naming the files and where they belong."""
    folder = pycocoevalcap_dir("spice") / "lib"
    missing = [name for name in SPICE_MODELS if not (folder / name).is_file()]
    if missing:
        raise MetricUnavailableError(
            f"SPICE needs {' and '.join(missing)} in {folder} (from stanford-corenlp-full-2015-12-09.zip); "
            "artemis-hf never downloads them: put them there, or leave SPICE out"
        )
    require_java("SPICE")
    gts, res = pair_with_references(captions, references)
    from pycocoevalcap.spice.spice import Spice

    try:
        score, _ = Spice().compute_score(gts, res)
    except (subprocess.CalledProcessError, OSError, ValueError) as error:  # the jar failed, or wrote no results
        raise RuntimeError(f"SPICE failed ({error}); SPICE 1.0 needs Java 8") from error
    return {"spice": float(score)}
