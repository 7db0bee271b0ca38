"""Token-level longest common subsequence of many pairs at once, bit-parallel (Allison & Dix, 1986).

Each corpus sequence b is a bit vector V over its positions, all ones at first. For each token a of the query, with M
the positions of a in b and U = V & M, the update V <- (V + U) | (V & ~M) keeps the LCS length as the number of zero
bits among the first len(b). So one query token costs a handful of numpy operations over a whole block of
(query, corpus sequence) pairs, instead of a len(a) x len(b) Python table per pair. Sequences over 64 tokens span
several uint64 words, the addition carrying from word to word.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

WORD_BITS = 64
# uint64 words per array in one update: 2 MB arrays stay in cache (3 times faster per pair than 32 MB ones here).
PAIRS_PER_STEP = 1 << 18


def lcs_lengths(queries: Sequence[Sequence[str]], corpus: Sequence[Sequence[str]]) -> np.ndarray:
    """The (len(queries), len(corpus)) int32 matrix of LCS lengths, in tokens, between each query and corpus sequence."""
    query_ids, corpus_ids, vocabulary_size = _token_ids(queries, corpus)
    corpus_lengths = np.array([len(ids) for ids in corpus_ids], dtype=np.int64)
    num_words = max(1, -(-int(corpus_lengths.max(initial=0)) // WORD_BITS))
    block_size = max(1, min(len(corpus), 1024))
    query_chunk = max(1, PAIRS_PER_STEP // (block_size * num_words))
    # Sorting queries by length lets each chunk stop after its own longest query rather than the global longest.
    order = np.argsort([len(ids) for ids in query_ids], kind="stable")
    padded = _pad([query_ids[i] for i in order], pad_id=vocabulary_size)
    result = np.zeros((len(queries), len(corpus)), dtype=np.int32)
    for start in range(0, len(corpus), block_size):
        block = slice(start, min(start + block_size, len(corpus)))
        masks, local_ids = _match_masks(corpus_ids[block], vocabulary_size, num_words)
        low_bits = _low_bit_masks(corpus_lengths[block], num_words)
        for first in range(0, len(order), query_chunk):
            rows = padded[first : first + query_chunk]
            steps = int((rows != vocabulary_size).sum(axis=1).max(initial=0))
            vectors = np.full((len(rows), masks.shape[1], num_words), np.iinfo(np.uint64).max, dtype=np.uint64)
            matches, kept = np.empty_like(vectors), np.empty_like(vectors)
            for step in range(steps):  # in place: V <- (V + U) | (V & ~M), with U = V & M and V & ~M = V ^ U
                np.take(masks, local_ids[rows[:, step]], axis=0, out=matches)
                matches &= vectors
                np.bitwise_xor(vectors, matches, out=kept)
                _add_in_place(vectors, matches)
                vectors |= kept
            zeros = corpus_lengths[block] - np.bitwise_count(vectors & low_bits).sum(axis=-1, dtype=np.int64)
            result[order[first : first + query_chunk], block] = zeros
    return result


def _token_ids(queries, corpus) -> tuple[list[np.ndarray], list[np.ndarray], int]:
    """Integer ids for the tokens of both sides, from one shared vocabulary."""
    sequences = [*queries, *corpus]
    codes, vocabulary = pd.factorize(pd.Series([token for sequence in sequences for token in sequence], dtype=object))
    bounds = np.cumsum([0, *(len(sequence) for sequence in sequences)])
    ids = [codes[bounds[i] : bounds[i + 1]] for i in range(len(sequences))]
    return ids[: len(queries)], ids[len(queries) :], len(vocabulary)


def _pad(sequences: list[np.ndarray], pad_id: int) -> np.ndarray:
    padded = np.full((len(sequences), max((len(s) for s in sequences), default=0)), pad_id, dtype=np.int64)
    for row, sequence in enumerate(sequences):
        padded[row, : len(sequence)] = sequence
    return padded


def _match_masks(block: list[np.ndarray], vocabulary_size: int, num_words: int) -> tuple[np.ndarray, np.ndarray]:
    """masks[k, j] = the positions of token k in sequence j as bits, for the block's own tokens (row 0: none), and the
    map from vocabulary ids (plus the padding id) to those rows; tokens absent from the block map to row 0."""
    tokens = np.concatenate([np.zeros(0, np.int64), *block])
    sequence = np.repeat(np.arange(len(block)), [len(ids) for ids in block])
    position = np.concatenate([np.zeros(0, np.int64), *(np.arange(len(ids)) for ids in block)])
    present = np.unique(tokens)
    local_ids = np.zeros(vocabulary_size + 1, dtype=np.int64)
    local_ids[present] = np.arange(1, len(present) + 1)
    masks = np.zeros((len(present) + 1, len(block), num_words), dtype=np.uint64)
    bits = np.left_shift(np.uint64(1), (position % WORD_BITS).astype(np.uint64))
    np.bitwise_or.at(masks, (local_ids[tokens], sequence, position // WORD_BITS), bits)
    return masks, local_ids


def _low_bit_masks(lengths: np.ndarray, num_words: int) -> np.ndarray:
    """(len(lengths), num_words) uint64: ones at the first `length` bit positions of each sequence."""
    filled = np.clip(lengths[:, None] - WORD_BITS * np.arange(num_words), 0, WORD_BITS).astype(np.uint64)
    full = np.iinfo(np.uint64).max
    # A shift by 64 is undefined, so full words are set apart.
    return np.where(filled == WORD_BITS, full, (np.uint64(1) << (filled % np.uint64(WORD_BITS))) - np.uint64(1))


def _add_in_place(x: np.ndarray, y: np.ndarray) -> None:
    """x += y for unsigned integers of several uint64 words along the last axis (little-endian), modulo the top word."""
    x += y
    if x.shape[-1] == 1:
        return
    carry = x[..., 0] < y[..., 0]
    for word in range(1, x.shape[-1]):
        x[..., word] += carry
        # With a carry in, x == y also means the word wrapped (x was 2**64 - 1).
        carry = (x[..., word] < y[..., word]) | (carry & (x[..., word] == y[..., word]))
