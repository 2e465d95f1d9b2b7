"""Aggregation kernels: per-group sums, counts, minima and maxima over records.

Every kernel takes the group key of each record (``key``, in ``0..n-1``) and the records'
values, either as numbers (``num`` float64, NaN where the value has no number, and an
optional ``null`` mask) or as ``Codes`` whose lookup table gives each code's number (NaN
for text and for the NULL code): the value of a field is then read through its symbol
table in the same pass. A value counts when it is a number (not NaN, not NULL).

Sums accumulate in record order, one record after the other, so that a group's sum is the
same whatever the kernel, and ``total`` (the sum over every record, also in record order)
is what one sum over all records gives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from associa import kernels
from associa.kernels.codes import BLOCK, Codes, samples, value_at

# -- numpy ----------------------------------------------------------------------------


def _np_values(codes: Codes | None, num: np.ndarray | None, null: np.ndarray | None,
               lo: int, hi: int) -> np.ndarray:
    if codes is not None:
        return codes.block(lo, hi)
    assert num is not None
    v = num[lo:hi]
    if null is not None and null[lo:hi].any():
        v = np.where(null[lo:hi], np.nan, v)
    return v


def _np_ranges(n: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + BLOCK, n)) for lo in range(0, n, BLOCK)]


class NumpyKernels:
    @staticmethod
    def sum_count(key: np.ndarray, n: int, codes: Codes | None, num: np.ndarray | None,
                  null: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, float]:
        sums = np.zeros(n)
        counts = np.zeros(n, dtype=np.int64)
        total = 0.0
        for lo, hi in _np_ranges(len(key)):
            v = _np_values(codes, num, null, lo, hi)
            ok = ~np.isnan(v)
            k = key[lo:hi]
            if not ok.all():
                v, k = v[ok], k[ok]
            sums += np.bincount(k, weights=v, minlength=n)
            counts += np.bincount(k, minlength=n)
            if len(v):
                total = float(np.concatenate(([total], v)).cumsum()[-1])  # in record order
        return sums, counts, total

    @staticmethod
    def count_true(key: np.ndarray, n: int, codes: Codes) -> np.ndarray:
        counts = np.zeros(n, dtype=np.int64)
        for lo, hi in _np_ranges(len(key)):
            ok = codes.block(lo, hi)
            counts += np.bincount(key[lo:hi][ok], minlength=n)
        return counts

    @staticmethod
    def extreme(key: np.ndarray, n: int, codes: Codes | None, num: np.ndarray | None,
                null: np.ndarray | None, largest: bool) -> np.ndarray:
        out = np.full(n, np.nan)
        ufunc = np.fmax if largest else np.fmin  # NaN (no value yet) gives way to a number
        for lo, hi in _np_ranges(len(key)):
            v = _np_values(codes, num, null, lo, hi)
            ok = ~np.isnan(v)
            ufunc.at(out, key[lo:hi][ok], v[ok])
        return out


# -- numba ----------------------------------------------------------------------------


def _sum_count_codes(key, col, rows, lut, sums, counts):  # pragma: no cover - compiled
    total = 0.0
    for i in range(key.shape[0]):
        v = value_at(col, rows, lut, i)
        if v == v:
            g = key[i]
            sums[g] += v
            counts[g] += 1
            total += v
    return total


def _sum_count_values(key, num, null, sums, counts):  # pragma: no cover - compiled
    total = 0.0
    for i in range(key.shape[0]):
        v = num[i]
        if v == v and (null is None or not null[i]):
            g = key[i]
            sums[g] += v
            counts[g] += 1
            total += v
    return total


def _count_true(key, col, rows, lut, counts):  # pragma: no cover - compiled
    for i in range(key.shape[0]):
        if value_at(col, rows, lut, i):
            counts[key[i]] += 1


def _extreme_codes(key, col, rows, lut, out, largest):  # pragma: no cover - compiled
    for i in range(key.shape[0]):
        v = value_at(col, rows, lut, i)
        if v == v:
            g = key[i]
            o = out[g]
            if o != o or (v > o if largest else v < o):
                out[g] = v


def _extreme_values(key, num, null, out, largest):  # pragma: no cover - compiled
    for i in range(key.shape[0]):
        v = num[i]
        if v == v and (null is None or not null[i]):
            g = key[i]
            o = out[g]
            if o != o or (v > o if largest else v < o):
                out[g] = v


class NumbaKernels:
    sum_count_codes = kernels.jit(_sum_count_codes)
    sum_count_values = kernels.jit(_sum_count_values)
    count_true_ = kernels.jit(_count_true)
    extreme_codes = kernels.jit(_extreme_codes)
    extreme_values = kernels.jit(_extreme_values)

    @classmethod
    def sum_count(cls, key: np.ndarray, n: int, codes: Codes | None, num: np.ndarray | None,
                  null: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, float]:
        sums = np.zeros(n)
        counts = np.zeros(n, dtype=np.int64)
        if codes is not None:
            total = cls.sum_count_codes(key, *codes.parts(), sums, counts)
        else:
            total = cls.sum_count_values(key, num, null, sums, counts)
        return sums, counts, float(total)

    @classmethod
    def count_true(cls, key: np.ndarray, n: int, codes: Codes) -> np.ndarray:
        counts = np.zeros(n, dtype=np.int64)
        cls.count_true_(key, *codes.parts(), counts)
        return counts

    @classmethod
    def extreme(cls, key: np.ndarray, n: int, codes: Codes | None, num: np.ndarray | None,
                null: np.ndarray | None, largest: bool) -> np.ndarray:
        out = np.full(n, np.nan)
        if codes is not None:
            cls.extreme_codes(key, *codes.parts(), out, largest)
        else:
            cls.extreme_values(key, num, null, out, largest)
        return out


IMPLS: dict[str, Any] = {"numpy": NumpyKernels}
if "numba" in kernels.available():
    IMPLS["numba"] = NumbaKernels


def _impl() -> Any:
    return NumbaKernels if kernels.compiled() else NumpyKernels


def sum_count(
    key: np.ndarray,
    n: int,
    codes: Codes | None = None,
    num: np.ndarray | None = None,
    null: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """(sum, count of numbers) per group and the sum over all records, over the numbers
    of ``codes`` (its lookup table holds the numbers) or of ``num`` (``null`` masks out
    values). Groups without a number sum to 0."""
    return _impl().sum_count(key, n, codes, num, null)


def count_true(key: np.ndarray, n: int, codes: Codes) -> np.ndarray:
    """Records per group where ``codes`` (through a bool lookup table) is True."""
    return _impl().count_true(key, n, codes)


def extreme(
    key: np.ndarray,
    n: int,
    codes: Codes | None = None,
    num: np.ndarray | None = None,
    null: np.ndarray | None = None,
    largest: bool = False,
) -> np.ndarray:
    """The smallest (or ``largest``) number per group, NaN for a group without one."""
    return _impl().extreme(key, n, codes, num, null, largest)


@kernels.warmer
def _warm() -> None:
    key = np.zeros(2, dtype=np.int32)
    nums = np.array([1.0, 2.0, np.nan])
    for col, rows in samples():
        NumbaKernels.sum_count(key, 1, Codes(col, rows, nums, 2), None, None)
    NumbaKernels.sum_count(key, 1, None, nums[:2], None)
