"""Group kernels: gathers of codes, combined group keys, group counts and compaction,
and presence that stops once every wanted symbol has been seen.

A chart's group key is a sum of lookups: each dimension's code is multiplied by its
stride, and dimensions read through the same column share one lookup table of the scaled
sums (``key[i] = Σ lut_t[col_t[rows[i]]]``), so a group key costs one gather per column,
not per dimension.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from associa import kernels
from associa.kernels import pool
from associa.kernels.codes import Codes, code_at, samples, value_at

# -- numpy ----------------------------------------------------------------------------


class NumpyKernels:
    @staticmethod
    def gather(codes: Codes) -> np.ndarray:
        if codes.lut is None:
            return codes.materialize()
        out = np.empty(codes.n, dtype=codes.lut.dtype)
        for lo, hi in codes.blocks():
            out[lo:hi] = codes.block(lo, hi)
        return out

    @staticmethod
    def group_keys(terms: list[Codes], n: int, dtype: np.dtype,
                   space: int | None) -> tuple[np.ndarray, np.ndarray | None]:
        out = np.zeros(n, dtype=dtype)
        for term in terms:
            for lo, hi in term.blocks():
                out[lo:hi] += term.block(lo, hi)
        counts = None if space is None else NumpyKernels.count_keys(out, space)
        return out, counts

    @staticmethod
    def count_keys(key: np.ndarray, space: int) -> np.ndarray:
        return np.bincount(key, minlength=space).astype(np.int64, copy=False)

    @staticmethod
    def remap(key: np.ndarray, lut: np.ndarray) -> np.ndarray:
        return lut[key]

    @staticmethod
    def presence_until(codes: Codes, size: int, target: np.ndarray) -> np.ndarray:
        seen = np.zeros(size, dtype=bool)
        want = int(np.count_nonzero(target))
        step = 1 << 18
        for lo in range(0, codes.n, step):
            seen[codes.block(lo, min(lo + step, codes.n)).astype(np.intp, copy=False)] = True
            if want and np.count_nonzero(seen & target) == want:
                break
        return seen


# -- numba ----------------------------------------------------------------------------

# Long passes are split over the cores (``pool``): each part writes its own positions of
# the output and counts into counts of its own, added up after. A gather through an index
# list costs more per record (a random read each) and is split from fewer records.

SPLIT_ROWS = 1 << 18  # records through an index list before a pass is split
COUNT_CELLS = 1 << 20  # keys counted per part at most (else one part)


def _gather_lut(out, col, rows, lut, lo, hi):  # pragma: no cover - compiled
    for i in range(lo, hi):
        out[i] = value_at(col, rows, lut, i)


def _take(out, col, rows, lo, hi):  # pragma: no cover - compiled
    for i in range(lo, hi):
        out[i] = col[rows[i]]


def _keys(out, first, col, rows, lut, col2, lut2, counts, lo, hi):  # pragma: no cover - compiled
    # one or two terms sharing rows (``lut2`` None for one); the first call writes, later
    # calls add; with ``counts`` (the last call) the keys are counted as they are made
    for i in range(lo, hi):
        k = value_at(col, rows, lut, i)
        if lut2 is not None:
            k += value_at(col2, rows, lut2, i)
        if not first:
            k += out[i]
        out[i] = k
        if counts is not None:
            counts[k] += 1


def _count_keys(key, counts, lo, hi):  # pragma: no cover - compiled
    for i in range(lo, hi):
        counts[key[i]] += 1


def _remap(key, lut, out, lo, hi):  # pragma: no cover - compiled
    for i in range(lo, hi):
        out[i] = lut[key[i]]


def _presence_until(col, rows, lut, n, seen, target, want):  # pragma: no cover - compiled
    if want == 0:
        for i in range(n):
            seen[code_at(col, rows, lut, i)] = True
        return
    left = want
    for i in range(n):
        c = code_at(col, rows, lut, i)
        if not seen[c]:
            seen[c] = True
            if target[c]:
                left -= 1
                if left == 0:
                    return


def _spans(n: int, rows: np.ndarray | None) -> list[tuple[int, int]]:
    return pool.ranges(n, min_split=None if rows is None else SPLIT_ROWS)


class NumbaKernels:
    gather_lut = kernels.jit(_gather_lut)
    take_ = kernels.jit(_take)
    keys = kernels.jit(_keys)
    count_keys_ = kernels.jit(_count_keys)
    remap_ = kernels.jit(_remap)
    presence_until_ = kernels.jit(_presence_until)

    @classmethod
    def gather(cls, codes: Codes) -> np.ndarray:
        col, rows, lut = codes.parts()
        if lut is None:
            if col is None or rows is None:
                return codes.materialize()
            out = np.empty(codes.n, dtype=col.dtype)
            k = cls.take_
            pool.run_spans(lambda lo, hi: k(out, col, rows, lo, hi), _spans(codes.n, rows))
            return out
        out = np.empty(codes.n, dtype=lut.dtype)
        g = cls.gather_lut
        pool.run_spans(lambda lo, hi: g(out, col, rows, lut, lo, hi), _spans(codes.n, rows))
        return out

    @classmethod
    def group_keys(cls, terms: list[Codes], n: int, dtype: np.dtype,
                   space: int | None) -> tuple[np.ndarray, np.ndarray | None]:
        out = np.empty(n, dtype=dtype)
        if not terms:
            out[:] = 0
            counts = None if space is None else np.zeros(space, dtype=np.int64)
            if counts is not None and space:
                counts[0] = n
            return out, counts
        calls = []
        pending = list(terms)
        while pending:
            a = pending.pop(0)
            b = pending.pop(0) if pending and pending[0].rows is a.rows else None
            assert a.lut is not None and (b is None or b.lut is not None)
            calls.append((a.col, a.rows, a.lut.astype(dtype, copy=False),
                          None if b is None else b.col,
                          None if b is None else b.lut.astype(dtype, copy=False)))  # type: ignore[union-attr]
        rows = terms[0].rows if all(t.rows is terms[0].rows for t in terms) else None
        spans = _spans(n, rows)
        if space is not None and space > COUNT_CELLS:
            spans = [(0, n)]
        k = cls.keys

        def part(lo: int, hi: int) -> np.ndarray | None:
            counts = None if space is None else np.zeros(space, dtype=np.int64)
            for i, (col, rws, lut, col2, lut2) in enumerate(calls):
                k(out, i == 0, col, rws, lut, col2, lut2,
                  counts if i == len(calls) - 1 else None, lo, hi)
            return counts

        parts = pool.run_spans(part, spans)
        counts = parts[0]
        for other in parts[1:]:
            assert counts is not None and other is not None
            counts += other
        return out, counts

    @classmethod
    def count_keys(cls, key: np.ndarray, space: int) -> np.ndarray:
        k = cls.count_keys_
        spans = pool.ranges(len(key)) if space <= COUNT_CELLS else [(0, len(key))]

        def part(lo: int, hi: int) -> np.ndarray:
            counts = np.zeros(space, dtype=np.int64)
            k(key, counts, lo, hi)
            return counts

        parts = pool.run_spans(part, spans)
        counts = parts[0]
        for other in parts[1:]:
            counts += other
        return counts

    @classmethod
    def remap(cls, key: np.ndarray, lut: np.ndarray) -> np.ndarray:
        out = np.empty(len(key), dtype=lut.dtype)
        k = cls.remap_
        pool.run(lambda lo, hi: k(key, lut, out, lo, hi), len(key))
        return out

    @classmethod
    def presence_until(cls, codes: Codes, size: int, target: np.ndarray) -> np.ndarray:
        seen = np.zeros(size, dtype=bool)
        want = int(np.count_nonzero(target))
        cls.presence_until_(*codes.parts(), codes.n, seen, target, want)
        return seen


IMPLS: dict[str, Any] = {"numpy": NumpyKernels}
if "numba" in kernels.available():
    IMPLS["numba"] = NumbaKernels


def _impl() -> Any:
    return NumbaKernels if kernels.compiled() else NumpyKernels


def gather(codes: Codes) -> np.ndarray:
    """The codes as an array, in one pass (see ``Codes``)."""
    return _impl().gather(codes)


def group_keys(terms: list[Codes], n: int, dtype: np.dtype,
               space: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """``Σ term[i]`` over the terms, each a gather through a lookup table of scaled codes
    (``term.lut`` is required), as an array of ``n`` keys of ``dtype``; with ``space``,
    also the records per key over ``0..space-1`` (else None)."""
    return _impl().group_keys(terms, n, dtype, space)


def count_keys(key: np.ndarray, space: int) -> np.ndarray:
    """Records per key, over ``0..space-1`` (int64)."""
    return _impl().count_keys(key, space)


def remap(key: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """``lut[key]`` in one pass."""
    return _impl().remap(key, lut)


def presence_until(codes: Codes, size: int, target: np.ndarray) -> np.ndarray:
    """Which codes occur (bool over ``0..size-1``); may stop early once every code where
    ``target`` is True has been seen, so codes outside ``target`` may be missing."""
    return _impl().presence_until(codes, size, target)


@kernels.warmer
def _warm() -> None:
    lut = np.array([0, 2, 1], dtype=np.int32)
    for col, rows in samples():
        codes = Codes(col, rows, lut, 2)
        NumbaKernels.group_keys([codes], 2, np.dtype(np.int32), 3)
        NumbaKernels.group_keys([codes, codes], 2, np.dtype(np.int32), 5)
        NumbaKernels.gather(Codes(col, rows, np.zeros(3), 2))
        NumbaKernels.gather(Codes(col, rows, None, 2))
        NumbaKernels.presence_until(Codes(col, rows, None, 2), 3, np.ones(3, dtype=bool))
    for dtype in (np.int32, np.intp):
        key = np.array([0, 1], dtype=dtype)
        NumbaKernels.count_keys(key, 2)
        NumbaKernels.remap(key, np.array([1, 0], dtype=dtype))
