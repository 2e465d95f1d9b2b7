"""Aggregation kernels: per-group sums, counts, minima and maxima over records.

Every kernel takes the group key of each record (``key``, in ``0..n-1``) and the records'
values, either as numbers (``num`` float64, NaN where the value has no number, and an
optional ``null`` mask), as ``Codes`` whose lookup table gives each code's number (NaN
for text and for the NULL code): the value of a field is then read through its symbol
table in the same pass, or as a ``Formula`` (``a op b`` of such codes, computed in the
same pass too). A value counts when it is a number (not NaN, not NULL).

Sums are made per block of ``BLOCK`` records: within a block one record after the other,
then the blocks' sums one after the other, so that a group's sum is the same whatever the
kernel and however a long scan is split over the cores (the blocks of a part are its own;
the parts' block sums are added in block order). ``total`` (the sum over every record,
made the same way) is what one sum over all records gives. Counts, minima and maxima do
not depend on the order; their parts are merged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from associa import kernels
from associa.kernels import pool
from associa.kernels.arithmetic import Formula, apply
from associa.kernels.codes import BLOCK, Codes, samples, value_at

PARTIAL_CELLS = 1 << 20  # block × group sums kept at once; past this one thread, block by block
SPLIT_MIN = 1 << 21  # records before a scan is split over the cores

# -- numpy ----------------------------------------------------------------------------


def _np_values(codes: Codes | None, num: np.ndarray | None, null: np.ndarray | None,
               lo: int, hi: int, formula: Formula | None = None) -> np.ndarray:
    if formula is not None:
        return Formula(formula.op, _np_slice(formula.a, lo, hi), _np_slice(formula.b, lo, hi),
                       hi - lo).evaluate()
    if codes is not None:
        return codes.block(lo, hi)
    assert num is not None
    v = num[lo:hi]
    if null is not None and null[lo:hi].any():
        v = np.where(null[lo:hi], np.nan, v)
    return v


def _np_slice(x: Any, lo: int, hi: int) -> Any:
    if isinstance(x, Codes):
        return x.slice(lo, hi)
    if isinstance(x, np.ndarray):
        return x[lo:hi]
    return x


def _np_ranges(n: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + BLOCK, n)) for lo in range(0, n, BLOCK)]


class NumpyKernels:
    @staticmethod
    def sum_count(key: np.ndarray, n: int, codes: Codes | None, num: np.ndarray | None,
                  null: np.ndarray | None, formula: Formula | None = None,
                  ) -> tuple[np.ndarray, np.ndarray, float]:
        sums = np.zeros(n)
        counts = np.zeros(n, dtype=np.int64)
        total = 0.0
        for lo, hi in _np_ranges(len(key)):
            v = _np_values(codes, num, null, lo, hi, formula)
            ok = ~np.isnan(v)
            k = key[lo:hi]
            if not ok.all():
                v, k = v[ok], k[ok]
            sums += np.bincount(k, weights=v, minlength=n)
            counts += np.bincount(k, minlength=n)
            if len(v):
                total += float(v.cumsum()[-1])  # the block in record order
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

# The sum loops fill, for each block of their part, a row of block sums and a block total
# (``psums[j]``, ``ptotals[j]`` for the part's j-th block) and add the counts up.


def _sum_count_codes(key, col, rows, lut, psums, counts, ptotals, lo, hi, block):  # pragma: no cover - compiled
    for b in range(lo, hi, block):
        j = (b - lo) // block
        total = 0.0
        for i in range(b, min(b + block, hi)):
            v = value_at(col, rows, lut, i)
            if v == v:
                g = key[i]
                psums[j, g] += v
                counts[g] += 1
                total += v
        ptotals[j] = total


def _sum_count_values(key, num, null, psums, counts, ptotals, lo, hi, block):  # pragma: no cover - compiled
    for b in range(lo, hi, block):
        j = (b - lo) // block
        total = 0.0
        for i in range(b, min(b + block, hi)):
            v = num[i]
            if v == v and (null is None or not null[i]):
                g = key[i]
                psums[j, g] += v
                counts[g] += 1
                total += v
        ptotals[j] = total


def _sum_count_formula(key, op, col, rows, lut, col2, lut2, c, swap,  # pragma: no cover - compiled
                       psums, counts, ptotals, lo, hi, block):
    # ``lut2`` None: the other operand is the constant ``c``
    for b in range(lo, hi, block):
        j = (b - lo) // block
        total = 0.0
        for i in range(b, min(b + block, hi)):
            x = value_at(col, rows, lut, i)
            y = c if lut2 is None else value_at(col2, rows, lut2, i)
            v = apply(op, y, x) if swap else apply(op, x, y)
            if v == v:
                g = key[i]
                psums[j, g] += v
                counts[g] += 1
                total += v
        ptotals[j] = total


def _count_true(key, col, rows, lut, counts, lo, hi):  # pragma: no cover - compiled
    for i in range(lo, hi):
        if value_at(col, rows, lut, i):
            counts[key[i]] += 1


def _extreme_codes(key, col, rows, lut, out, largest, lo, hi):  # pragma: no cover - compiled
    for i in range(lo, hi):
        v = value_at(col, rows, lut, i)
        if v == v:
            g = key[i]
            o = out[g]
            if o != o or (v > o if largest else v < o):
                out[g] = v


def _extreme_values(key, num, null, out, largest, lo, hi):  # pragma: no cover - compiled
    for i in range(lo, hi):
        v = num[i]
        if v == v and (null is None or not null[i]):
            g = key[i]
            o = out[g]
            if o != o or (v > o if largest else v < o):
                out[g] = v


def _blocked_sums(nrec: int, n: int,
                  loop: Callable[[np.ndarray, np.ndarray, np.ndarray, int, int], None],
                  ) -> tuple[np.ndarray, np.ndarray, float]:
    """Sums, counts and total from ``loop(psums, counts, ptotals, lo, hi)`` run over parts
    of whole blocks (split over the cores when the block sums fit), added in block order."""
    nblocks = -(-nrec // BLOCK)
    sums = np.zeros(n)
    total = 0.0
    if nblocks * n <= PARTIAL_CELLS:
        psums = np.zeros((nblocks, n))
        ptotals = np.zeros(nblocks)
        spans = pool.ranges(nrec, min_split=SPLIT_MIN, align=BLOCK)

        def part(lo: int, hi: int) -> np.ndarray:
            counts = np.zeros(n, dtype=np.int64)
            first = lo // BLOCK
            loop(psums[first:], counts, ptotals[first:], lo, hi)
            return counts

        parts = pool.run_spans(part, spans)
        counts = parts[0]
        for other in parts[1:]:
            counts += other
        for j in range(nblocks):
            sums += psums[j]
            total += float(ptotals[j])
        return sums, counts, total
    # many groups: one block at a time in this thread, its sums then added
    counts = np.zeros(n, dtype=np.int64)
    psums = np.zeros((1, n))
    ptotals = np.zeros(1)
    for lo in range(0, nrec, BLOCK):
        psums[0] = 0.0
        loop(psums, counts, ptotals, lo, min(lo + BLOCK, nrec))
        sums += psums[0]
        total += float(ptotals[0])
    return sums, counts, total


def _merged(nrec: int, make: Callable[[], np.ndarray],
            loop: Callable[[np.ndarray, int, int], None],
            merge: Callable[[np.ndarray, np.ndarray], Any], cells: int) -> np.ndarray:
    """``loop(out, lo, hi)`` over parts (split when the per-part outputs are small), each
    into an output of its own, merged in order."""
    spans = pool.ranges(nrec, min_split=SPLIT_MIN) if cells <= PARTIAL_CELLS else [(0, nrec)]

    def part(lo: int, hi: int) -> np.ndarray:
        out = make()
        loop(out, lo, hi)
        return out

    parts = pool.run_spans(part, spans)
    out = parts[0]
    for other in parts[1:]:
        merge(out, other)
    return out


class NumbaKernels:
    sum_count_codes = kernels.jit(_sum_count_codes)
    sum_count_values = kernels.jit(_sum_count_values)
    sum_count_formula = kernels.jit(_sum_count_formula)
    count_true_ = kernels.jit(_count_true)
    extreme_codes = kernels.jit(_extreme_codes)
    extreme_values = kernels.jit(_extreme_values)

    @classmethod
    def sum_count(cls, key: np.ndarray, n: int, codes: Codes | None, num: np.ndarray | None,
                  null: np.ndarray | None, formula: Formula | None = None,
                  ) -> tuple[np.ndarray, np.ndarray, float]:
        loop: Callable[[np.ndarray, np.ndarray, np.ndarray, int, int], None]
        if formula is not None:
            fused = formula.fused()
            if fused is None:
                num, null = formula.evaluate(), None
            else:
                op, a, b, c, swap = fused
                k = cls.sum_count_formula
                col2 = None if b is None else b.col
                lut2 = None if b is None else b.lut

                def loop(ps, cs, ts, lo, hi):
                    k(key, op, a.col, a.rows, a.lut, col2, lut2, c, swap, ps, cs, ts, lo, hi, BLOCK)

                return _blocked_sums(len(key), n, loop)
        if codes is not None:
            kc = cls.sum_count_codes
            col, rows, lut = codes.parts()

            def loop(ps, cs, ts, lo, hi):
                kc(key, col, rows, lut, ps, cs, ts, lo, hi, BLOCK)
        else:
            kv = cls.sum_count_values

            def loop(ps, cs, ts, lo, hi):
                kv(key, num, null, ps, cs, ts, lo, hi, BLOCK)

        return _blocked_sums(len(key), n, loop)

    @classmethod
    def count_true(cls, key: np.ndarray, n: int, codes: Codes) -> np.ndarray:
        k = cls.count_true_
        col, rows, lut = codes.parts()
        return _merged(len(key), lambda: np.zeros(n, dtype=np.int64),
                       lambda out, lo, hi: k(key, col, rows, lut, out, lo, hi),
                       lambda a, b: np.add(a, b, out=a), n)

    @classmethod
    def extreme(cls, key: np.ndarray, n: int, codes: Codes | None, num: np.ndarray | None,
                null: np.ndarray | None, largest: bool) -> np.ndarray:
        loop: Callable[[np.ndarray, int, int], None]
        if codes is not None:
            kc = cls.extreme_codes
            col, rows, lut = codes.parts()

            def loop(out, lo, hi):
                kc(key, col, rows, lut, out, largest, lo, hi)
        else:
            kv = cls.extreme_values

            def loop(out, lo, hi):
                kv(key, num, null, out, largest, lo, hi)

        ufunc = np.fmax if largest else np.fmin
        return _merged(len(key), lambda: np.full(n, np.nan), loop,
                       lambda a, b: ufunc(a, b, out=a), n)


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
    formula: Formula | None = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """(sum, count of numbers) per group and the sum over all records, over the numbers
    of ``codes`` (its lookup table holds the numbers), of ``num`` (``null`` masks out
    values) or of ``formula``. Groups without a number sum to 0."""
    return _impl().sum_count(key, n, codes, num, null, formula)


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
        codes = Codes(col, rows, nums, 2)
        NumbaKernels.sum_count(key, 1, codes, None, None)
        NumbaKernels.sum_count(key, 1, None, None, None, Formula("*", codes, codes, 2))
        NumbaKernels.sum_count(key, 1, None, None, None, Formula("*", codes, 2.0, 2))
    NumbaKernels.sum_count(key, 1, None, nums[:2], None)
    # a script's GROUP BY: int64 group ids over builder codes (int32, -1 for NULL)
    NumbaKernels.sum_count(key.astype(np.int64), 1,
                           Codes(np.array([0, -1], dtype=np.int32), None, nums, 2), None, None)
