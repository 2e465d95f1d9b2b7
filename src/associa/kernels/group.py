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

from associa.kernels.codes import Codes, code_at, compiled, value_at

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
    def group_keys(terms: list[Codes], n: int, dtype: np.dtype) -> np.ndarray:
        out = np.zeros(n, dtype=dtype)
        for term in terms:
            for lo, hi in term.blocks():
                out[lo:hi] += term.block(lo, hi)
        return out

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


def _gather_lut(out, col, rows, lut, has_col, has_rows):  # pragma: no cover - compiled
    for i in range(out.shape[0]):
        out[i] = value_at(col, rows, lut, i, has_col, has_rows)


def _gather_col(out, col, rows):  # pragma: no cover - compiled
    for i in range(out.shape[0]):
        out[i] = col[rows[i]]


def _add_lut(out, col, rows, lut, has_col, has_rows):  # pragma: no cover - compiled
    for i in range(out.shape[0]):
        out[i] += value_at(col, rows, lut, i, has_col, has_rows)


def _count_keys(key, counts):  # pragma: no cover - compiled
    for i in range(key.shape[0]):
        counts[key[i]] += 1


def _remap(key, lut, out):  # pragma: no cover - compiled
    for i in range(key.shape[0]):
        out[i] = lut[key[i]]


def _presence_until(col, rows, lut, has_col, has_rows, has_lut, n, seen, target, want):
    # pragma: no cover - compiled
    if want == 0:
        for i in range(n):
            seen[code_at(col, rows, lut, i, has_col, has_rows, has_lut)] = True
        return
    left = want
    for i in range(n):
        c = code_at(col, rows, lut, i, has_col, has_rows, has_lut)
        if not seen[c]:
            seen[c] = True
            if target[c]:
                left -= 1
                if left == 0:
                    return


class NumbaKernels:
    gather_lut = compiled(_gather_lut)
    gather_col = compiled(_gather_col)
    add_lut = compiled(_add_lut)
    count_keys_ = compiled(_count_keys)
    remap_ = compiled(_remap)
    presence_until_ = compiled(_presence_until)

    @classmethod
    def gather(cls, codes: Codes) -> np.ndarray:
        if codes.lut is None:
            if codes.col is None or codes.rows is None:
                return codes.materialize()
            out = np.empty(codes.n, dtype=codes.col.dtype)
            cls.gather_col(out, codes.col, codes.rows)
            return out
        out = np.empty(codes.n, dtype=codes.lut.dtype)
        col, rows, lut, has_col, has_rows, _ = codes.parts()
        cls.gather_lut(out, col, rows, lut, has_col, has_rows)
        return out

    @classmethod
    def group_keys(cls, terms: list[Codes], n: int, dtype: np.dtype) -> np.ndarray:
        out = np.zeros(n, dtype=dtype)
        for term in terms:
            assert term.lut is not None, "a group key term reads through a lookup table"
            col, rows, lut, has_col, has_rows, _ = term.parts()
            cls.add_lut(out, col, rows, lut.astype(dtype, copy=False), has_col, has_rows)
        return out

    @classmethod
    def count_keys(cls, key: np.ndarray, space: int) -> np.ndarray:
        counts = np.zeros(space, dtype=np.int64)
        cls.count_keys_(key, counts)
        return counts

    @classmethod
    def remap(cls, key: np.ndarray, lut: np.ndarray) -> np.ndarray:
        out = np.empty(len(key), dtype=lut.dtype)
        cls.remap_(key, lut, out)
        return out

    @classmethod
    def presence_until(cls, codes: Codes, size: int, target: np.ndarray) -> np.ndarray:
        seen = np.zeros(size, dtype=bool)
        col, rows, lut, has_col, has_rows, has_lut = codes.parts()
        want = int(np.count_nonzero(target))
        cls.presence_until_(col, rows, lut, has_col, has_rows, has_lut, codes.n, seen,
                            target, want)
        return seen


IMPLS: dict[str, Any] = {"numpy": NumpyKernels}
if NumbaKernels.gather_lut is not None:
    IMPLS["numba"] = NumbaKernels
_impl: Any = IMPLS.get("numba", NumpyKernels)


def gather(codes: Codes) -> np.ndarray:
    """The codes as an array, in one pass (see ``Codes``)."""
    return _impl.gather(codes)


def group_keys(terms: list[Codes], n: int, dtype: np.dtype) -> np.ndarray:
    """``Σ term[i]`` over the terms, each a gather through a lookup table of scaled codes
    (``term.lut`` is required), as an array of ``n`` keys of ``dtype``."""
    return _impl.group_keys(terms, n, dtype)


def count_keys(key: np.ndarray, space: int) -> np.ndarray:
    """Records per key, over ``0..space-1`` (int64)."""
    return _impl.count_keys(key, space)


def remap(key: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """``lut[key]`` in one pass."""
    return _impl.remap(key, lut)


def presence_until(codes: Codes, size: int, target: np.ndarray) -> np.ndarray:
    """Which codes occur (bool over ``0..size-1``); may stop early once every code where
    ``target`` is True has been seen, so codes outside ``target`` may be missing."""
    return _impl.presence_until(codes, size, target)
