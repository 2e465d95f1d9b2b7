"""Distinct counting: which (group, value) pairs occur among the records.

Values are given as ``Codes`` that read value ids ``0..K-1`` through a lookup table (a
caller may remap a field's symbols onto the values that can occur, so that the bitmap
stays small), or -1 for a record whose value does not count (NULL). Pairs are marked in a
group × value bitmap while it has at most ``BITMAP_LIMIT`` cells (one bit each in the
compiled kernel, a byte in numpy); past that the pairs are sorted instead. The distinct
count over all groups (a grand total) is the number of values marked in any group: the
bitmap's rows ORed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from associa import kernels
from associa.kernels import pool
from associa.kernels.codes import BLOCK, Codes, samples, value_at

BITMAP_LIMIT = 1 << 28  # group × value cells before the sort fallback
SPLIT_WORDS = 1 << 19  # bitmap words (4 MiB) up to which a long pass is split over the cores
SPLIT_MIN = 1 << 21  # records before a pass over a column is split
SPLIT_ROWS = 1 << 18  # records before a pass through an index list is split


def fits(n: int, K: int) -> bool:
    """Whether ``n`` groups × ``K`` values are counted in a bitmap."""
    return n * K <= BITMAP_LIMIT


# -- sort fallback --------------------------------------------------------------------


def _sorted_pairs(key: np.ndarray, codes: Codes, K: int) -> np.ndarray:
    """The distinct ``key * K + value`` pairs, sorted (no np.unique: it is slow here)."""
    parts = []
    for lo in range(0, codes.n, BLOCK):
        hi = min(lo + BLOCK, codes.n)
        v = codes.block(lo, hi).astype(np.int64, copy=False)
        ok = v >= 0
        parts.append(key[lo:hi][ok].astype(np.int64) * K + v[ok])
    pairs = np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    if len(pairs) > 1:
        keep = np.empty(len(pairs), dtype=bool)
        keep[0] = True
        np.not_equal(pairs[1:], pairs[:-1], out=keep[1:])
        pairs = pairs[keep]
    return pairs


def _from_pairs(pairs: np.ndarray, n: int, K: int) -> tuple[np.ndarray, int]:
    counts = np.bincount(pairs // K, minlength=n).astype(np.int64, copy=False)[:n]
    seen = np.zeros(K, dtype=bool)
    seen[pairs % K] = True
    return counts, int(np.count_nonzero(seen))


# -- numpy ----------------------------------------------------------------------------


class NumpyKernels:
    @staticmethod
    def counts(key: np.ndarray, n: int, codes: Codes, K: int) -> tuple[np.ndarray, int]:
        bm = np.zeros(n * K, dtype=bool)
        for lo in range(0, codes.n, BLOCK):
            hi = min(lo + BLOCK, codes.n)
            v = codes.block(lo, hi).astype(np.intp, copy=False)
            ok = v >= 0
            bm[key[lo:hi][ok].astype(np.intp) * K + v[ok]] = True
        cells = bm.reshape(n, K)
        if not n:
            return np.zeros(0, dtype=np.int64), 0
        return (np.count_nonzero(cells, axis=1).astype(np.int64),
                int(np.count_nonzero(cells.any(axis=0))))


# -- numba ----------------------------------------------------------------------------


def _mark(key, col, rows, lut, words, bm, lo, hi):  # pragma: no cover - compiled
    # one bit per (group, value); set without testing it first (a test would mispredict)
    for i in range(lo, hi):
        v = value_at(col, rows, lut, i)
        if v >= 0:
            bm[key[i] * words + (v >> 6)] |= np.uint64(1) << np.uint64(v & 63)


class NumbaKernels:
    mark = kernels.jit(_mark)

    @classmethod
    def counts(cls, key: np.ndarray, n: int, codes: Codes, K: int) -> tuple[np.ndarray, int]:
        assert codes.lut is not None, "values are read through a lookup table"
        words = (K + 63) // 64
        col, rows, lut = codes.parts()
        mark = cls.mark
        # a bitmap per part (ORed after) while they are small
        spans = (pool.ranges(codes.n, min_split=SPLIT_MIN if rows is None else SPLIT_ROWS)
                 if n * words <= SPLIT_WORDS else [(0, codes.n)])

        def part(lo: int, hi: int) -> np.ndarray:
            bm = np.zeros(n * words, dtype=np.uint64)
            mark(key, col, rows, lut, words, bm, lo, hi)
            return bm

        parts = pool.run_spans(part, spans)
        bm = parts[0]
        for other in parts[1:]:
            bm |= other
        if not n:
            return np.zeros(0, dtype=np.int64), 0
        cells = bm.reshape(n, words)
        counts = np.bitwise_count(cells).sum(axis=1, dtype=np.int64)
        total = int(np.bitwise_count(np.bitwise_or.reduce(cells, axis=0)).sum())
        return counts, total


IMPLS: dict[str, Any] = {"numpy": NumpyKernels}
if "numba" in kernels.available():
    IMPLS["numba"] = NumbaKernels


def _impl() -> Any:
    return NumbaKernels if kernels.compiled() else NumpyKernels


def distinct_counts(key: np.ndarray, n: int, codes: Codes, K: int) -> tuple[np.ndarray, int]:
    """(distinct values per group, distinct values over all groups). ``codes`` reads value
    ids ``0..K-1`` through its lookup table, or -1 where a record's value does not count."""
    if fits(n, K):
        return _impl().counts(key, n, codes, K)
    return _from_pairs(_sorted_pairs(key, codes, K), n, K)


@kernels.warmer
def _warm() -> None:
    key = np.zeros(2, dtype=np.int32)
    remap = np.array([0, 1, -1], dtype=np.int32)
    for col, rows in samples():
        NumbaKernels.counts(key, 1, Codes(col, rows, remap, 2), 2)
