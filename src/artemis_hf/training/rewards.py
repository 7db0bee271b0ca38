"""CIDEr-D of token id sequences, vectorised: the reward of self-critical sequence training (`scst.py`).

    reward = CiderD(train_references, vocab_size=len(tokenizer))       # [[ids of each utterance] of each painting]
    reward([[5, 17, 9], [5, 17]], paintings=[0, 0])                     # (2,) one score per candidate
    validation = reward.with_references(validation_references)         # same document frequencies, other paintings

As coco-caption's CiderD (Vedantam et al. 2015; the pycocoevalcap scorer): per n = 1..4, TF-IDF vectors of n-gram
counts with idf = log(paintings) - log(max(1, df)), df counting the paintings among whose references an n-gram occurs;
similarity sum(min(candidate, reference) * reference) / (norms), times exp(-delta^2 / 2 sigma^2) with delta the
difference in length (coco-caption counts bigrams there); the mean over n and over the painting's references, times
10. The document frequencies come from the training references once, as the M2 and self-critical papers do, not from
each batch. Every step runs on whole arrays (numpy), none loops over n-grams: at ArtEmis's scale (390,000
references, 14,469 words) the scorer builds in about 15 s and scores a batch of 250 captions (50 paintings, 5 beams)
in about 16 ms on one CPU core, some 20 times faster than pycocoevalcap's.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np


class _Counts(NamedTuple):
    """The n-grams of S sequences: `ngrams`, the distinct ones sorted (see `_count_ngrams` for their keys), and
    (row, n-gram, count) entries sorted by row then n-gram."""

    rows: np.ndarray  # (E,) the sequence of each entry
    ids: np.ndarray  # (E,) its n-gram, an index into `ngrams`
    counts: np.ndarray  # (E,) how often the sequence holds it
    ngrams: np.ndarray  # (U,)
    lengths: np.ndarray  # (S,) in tokens


class _Vectors(NamedTuple):
    """TF-IDF vectors of S sequences: their `_Counts` weighted, with per-row norms and lengths."""

    rows: np.ndarray  # (E,)
    ids: np.ndarray  # (E,)
    values: np.ndarray  # (E,) count * idf
    orders: np.ndarray  # (E,) n - 1
    ngrams: np.ndarray  # (U,)
    norms: np.ndarray  # (S, max_n)
    lengths: np.ndarray  # (S,) coco-caption's length: the number of bigrams


class CiderD:
    """CIDEr-D with document frequencies from `references` (per painting, its utterances as token id sequences,
    without special tokens), which are also the paintings that `__call__` scores against (by index)."""

    def __init__(
        self, references: Sequence[Sequence[Sequence[int]]], vocab_size: int, max_n: int = 4, sigma: float = 6.0
    ):
        self.base, self.max_n, self.sigma = vocab_size + 1, max_n, sigma  # token ids are digits 1..vocab_size
        if self.base**max_n > 2**63:
            raise ValueError(f"vocab_size={vocab_size} is too large for {max_n}-grams packed into 64-bit integers")
        self.painting_starts, counted = self._count_references(references)
        painting_of_row = np.repeat(np.arange(len(references)), np.diff(self.painting_starts))
        self.ngrams = counted.ngrams
        pairs = np.sort(painting_of_row[counted.rows] * len(self.ngrams) + counted.ids)  # (painting, n-gram)
        first = np.diff(pairs, prepend=-1) != 0  # each painting's n-grams once (np.unique hashes: 5x slower)
        self.document_frequency = np.bincount(pairs[first] % len(self.ngrams), minlength=len(self.ngrams))
        self.log_documents = np.log(float(len(references)))
        self.references = self._weigh(counted, self.document_frequency)

    def with_references(self, references: Sequence[Sequence[Sequence[int]]]) -> CiderD:
        """A scorer against other paintings' `references` (e.g. validation ones) with these document frequencies."""
        scorer = copy.copy(self)
        scorer.painting_starts, counted = self._count_references(references)
        scorer.references = self._weigh(counted, self._document_frequency(counted.ngrams))
        return scorer

    def __call__(self, candidates: Sequence[Sequence[int]], paintings: Sequence[int]) -> np.ndarray:
        """(N,) CIDEr-D of each candidate token id sequence against the references of `paintings[i]`."""
        paintings = np.asarray(paintings, dtype=np.int64)
        if len(paintings) != len(candidates):
            raise ValueError(f"{len(candidates)} candidates but {len(paintings)} paintings: give one per candidate")
        num_paintings = len(self.painting_starts) - 1
        if len(paintings) and not 0 <= paintings.min() <= paintings.max() < num_paintings:
            raise ValueError(
                f"paintings must index the {num_paintings} paintings of the references, got "
                f"{paintings.min()}..{paintings.max()}"
            )
        counted = _count_ngrams(candidates, self)
        hypothesis, refs = self._weigh(counted, self._document_frequency(counted.ngrams)), self.references
        # Every (candidate, reference of its painting) pair, then every n-gram entry of that pair's reference.
        counts = np.diff(self.painting_starts)[paintings]
        pair_candidate, pair_reference = _ragged(self.painting_starts[paintings], counts)
        entry_starts = np.searchsorted(refs.rows, pair_reference)
        entry_pair, entries = _ragged(entry_starts, np.searchsorted(refs.rows, pair_reference, "right") - entry_starts)
        # The candidate's value of each entry's n-gram (0 where it has none). Candidate entries are sorted by (row,
        # n-gram), hence by the integer row * U + n-gram id: search that.
        ngram, in_batch = _find(hypothesis.ngrams, refs.ngrams[refs.ids[entries]])
        packed = hypothesis.rows * len(hypothesis.ngrams) + hypothesis.ids
        index, found = _find(packed, pair_candidate[entry_pair] * len(hypothesis.ngrams) + ngram)
        found &= in_batch
        candidate_values = np.zeros(len(entries))
        candidate_values[found] = hypothesis.values[index[found]]
        reference_values = refs.values[entries]
        overlap = np.bincount(
            entry_pair * self.max_n + refs.orders[entries],
            weights=np.minimum(candidate_values, reference_values) * reference_values,  # CIDEr-D's clipping
            minlength=len(pair_candidate) * self.max_n,
        ).reshape(-1, self.max_n)  # (pairs, max_n)
        norms = hypothesis.norms[pair_candidate] * refs.norms[pair_reference]
        cosine = np.divide(overlap, norms, out=np.zeros(overlap.shape), where=norms > 0)
        delta = hypothesis.lengths[pair_candidate] - refs.lengths[pair_reference]
        pair_scores = cosine.mean(1) * np.exp(-(delta**2) / (2 * self.sigma**2))
        return 10.0 * np.bincount(pair_candidate, weights=pair_scores, minlength=len(candidates)) / counts

    def _count_references(self, references: Sequence[Sequence[Sequence[int]]]) -> tuple[np.ndarray, _Counts]:
        """(P + 1,) where each painting's references start, and their n-grams."""
        empty = [index for index, painting in enumerate(references) if not len(painting)]
        if empty:
            raise ValueError(f"references[{empty[0]}] is empty: every painting needs at least one reference")
        starts = np.cumsum([0] + [len(painting) for painting in references])
        return starts, _count_ngrams([sequence for painting in references for sequence in painting], self)

    def _document_frequency(self, ngrams: np.ndarray) -> np.ndarray:
        """Of each n-gram (by key): 0 for one the training references never use."""
        index, known = _find(self.ngrams, ngrams)
        frequency = np.zeros(len(ngrams), dtype=np.int64)
        frequency[known] = self.document_frequency[index[known]]
        return frequency

    def _weigh(self, counted: _Counts, frequency: np.ndarray) -> _Vectors:
        """TF-IDF vectors from n-gram counts and the document frequency of each of `counted.ngrams`."""
        idf = self.log_documents - np.log(np.maximum(frequency, 1))  # (U,) log(max(1, df)), as coco-caption
        values = counted.counts * idf[counted.ids]
        # An n-gram of n digits 1..base-1 lies in [base^(n-1), base^n): its order is its number of digits.
        powers = np.power(self.base, np.arange(1, self.max_n), dtype=np.int64)
        orders = np.searchsorted(powers, counted.ngrams, "right")[counted.ids]
        norms = np.bincount(
            counted.rows * self.max_n + orders, weights=values**2, minlength=len(counted.lengths) * self.max_n
        )
        bigrams = np.maximum(counted.lengths - 1, 0).astype(np.float64)
        norms = np.sqrt(norms).reshape(-1, self.max_n)
        return _Vectors(counted.rows, counted.ids, values, orders, counted.ngrams, norms, bigrams)


def _count_ngrams(sequences: Sequence[Sequence[int]], scorer: CiderD) -> _Counts:
    """Each sequence's n-grams, n = 1..max_n. An n-gram's key is the number whose digits in base vocab_size + 1 are
    its token ids + 1."""
    lengths = np.array([len(sequence) for sequence in sequences], dtype=np.int64)
    digits = np.zeros((len(sequences), lengths.max(initial=0)), dtype=np.int64)  # (S, L), 0 after the end
    digits[np.arange(digits.shape[1]) < lengths[:, None]] = 1 + np.fromiter(
        itertools.chain.from_iterable(sequences), dtype=np.int64, count=lengths.sum()
    )
    rows, keys, ngram = [], [], digits
    for n in range(1, scorer.max_n + 1):
        if n > 1:
            ngram = ngram[:, :-1] * scorer.base + digits[:, n - 1 :]  # (S, L - n + 1): the n-gram at each start
        row, start = np.nonzero(np.arange(ngram.shape[1]) <= lengths[:, None] - n)
        rows.append(row)
        keys.append(ngram[row, start])
    ngrams, ids = np.unique(np.concatenate(keys), return_inverse=True)  # dense ids: a (row, n-gram) pair is one int
    pairs, counts = np.unique(np.concatenate(rows) * len(ngrams) + ids, return_counts=True)
    return _Counts(pairs // max(len(ngrams), 1), pairs % max(len(ngrams), 1), counts, ngrams, lengths)


def _find(sorted_values: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each query is in `sorted_values`, and whether it is there at all."""
    index = np.searchsorted(sorted_values, queries)
    found = index < len(sorted_values)
    found[found] = sorted_values[index[found]] == queries[found]
    return index, found


def _ragged(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each i, the indices starts[i] .. starts[i] + counts[i] - 1, concatenated, with the i they belong to."""
    owner = np.repeat(np.arange(len(starts)), counts)
    offsets = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, starts[owner] + offsets
