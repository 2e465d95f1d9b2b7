"""Arithmetic over records: ``+ - * /`` of two operands, each a constant, an array of
numbers or a field read through a lookup table of numbers (``Codes``), in one pass.

The expression semantics are the evaluator's (``expr/evaluate.py``): NaN stands for NULL
and for a value without a number and propagates; division by zero gives NaN; a result
that overflows to an infinity from finite operands gives NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from associa import kernels
from associa.kernels.codes import BLOCK, Codes, samples, value_at

OPS = {"+": 0, "-": 1, "*": 2, "/": 3}

# An operand: a float (constant), an array of numbers, or Codes through a number table.
Operand = float | np.ndarray | Codes


@dataclass(frozen=True, slots=True)
class Formula:
    """``a op b`` over ``n`` records, not computed yet: an aggregation reads it in its own
    pass (``kernels.aggregate``) instead of making an array of ``n`` numbers first.
    ``evaluate`` makes the array."""

    op: str
    a: Operand
    b: Operand
    n: int

    def evaluate(self) -> np.ndarray:
        return binary(self.op, self.a, self.b, self.n)

    def fused(self) -> tuple[int, Codes, Codes | None, float, bool] | None:
        """(op code, codes, other codes or None, constant, swapped) when the kernels read
        it in one pass: one Codes operand with Codes over the same records or a constant;
        None otherwise (evaluate it)."""
        a, b, swap = self.a, self.b, False
        if not isinstance(a, Codes):
            a, b, swap = b, a, True
        if not isinstance(a, Codes) or isinstance(b, np.ndarray):
            return None
        if isinstance(b, Codes):
            if b.rows is not a.rows or a.lut is None or b.lut is None:
                return None
            return OPS[self.op], a, b, 0.0, swap
        if a.lut is None:
            return None
        return OPS[self.op], a, None, float(b), swap


# -- numpy ----------------------------------------------------------------------------


def _np_apply(op: int, x: Any, y: Any) -> np.ndarray:
    with np.errstate(all="ignore"):
        if op == 0:
            r = x + y
        elif op == 1:
            r = x - y
        elif op == 2:
            r = x * y
        else:
            r = np.where(y == 0, np.nan, x / np.where(y == 0, 1, y))
    r = np.asarray(r, dtype=np.float64)
    inf = np.isinf(r)
    if inf.any():
        r = np.where(inf & ~(np.isinf(x) | np.isinf(y)), np.nan, r)
    return r


class NumpyKernels:
    @staticmethod
    def binary(op: int, a: Operand, b: Operand, n: int) -> np.ndarray:
        out = np.empty(n)
        for lo in range(0, n, BLOCK):
            hi = min(lo + BLOCK, n)
            out[lo:hi] = _np_apply(op, _np_part(a, lo, hi), _np_part(b, lo, hi))
        return out


def _np_part(x: Operand, lo: int, hi: int) -> Any:
    if isinstance(x, Codes):
        return x.block(lo, hi)
    if isinstance(x, np.ndarray):
        return x[lo:hi]
    return x


# -- numba ----------------------------------------------------------------------------


def _apply(op, x, y):  # pragma: no cover - compiled
    if op == 0:
        r = x + y
    elif op == 1:
        r = x - y
    elif op == 2:
        r = x * y
    elif y == 0:
        return np.nan
    else:
        r = x / y
    if np.isinf(r) and not (np.isinf(x) or np.isinf(y)):
        return np.nan
    return r


def _codes_codes(op, out, col_a, lut_a, col_b, lut_b, rows):  # pragma: no cover - compiled
    for i in range(out.shape[0]):
        out[i] = apply(op, value_at(col_a, rows, lut_a, i), value_at(col_b, rows, lut_b, i))


def _codes_array(op, out, col, rows, lut, arr, swap):  # pragma: no cover - compiled
    for i in range(out.shape[0]):
        x = value_at(col, rows, lut, i)
        out[i] = apply(op, arr[i], x) if swap else apply(op, x, arr[i])


def _codes_const(op, out, col, rows, lut, c, swap):  # pragma: no cover - compiled
    for i in range(out.shape[0]):
        x = value_at(col, rows, lut, i)
        out[i] = apply(op, c, x) if swap else apply(op, x, c)


def _array_array(op, out, a, b):  # pragma: no cover - compiled
    for i in range(out.shape[0]):
        out[i] = apply(op, a[i], b[i])


def _array_const(op, out, a, c, swap):  # pragma: no cover - compiled
    for i in range(out.shape[0]):
        out[i] = apply(op, c, a[i]) if swap else apply(op, a[i], c)


apply: Any = kernels.jit(_apply)


class NumbaKernels:
    codes_codes = kernels.jit(_codes_codes)
    codes_array = kernels.jit(_codes_array)
    codes_const = kernels.jit(_codes_const)
    array_array = kernels.jit(_array_array)
    array_const = kernels.jit(_array_const)

    @classmethod
    def binary(cls, op: int, a: Operand, b: Operand, n: int) -> np.ndarray:
        out = np.empty(n)
        swap = False
        if not isinstance(a, Codes) and isinstance(b, Codes):
            a, b, swap = b, a, True
        elif isinstance(a, float) and isinstance(b, np.ndarray):
            a, b, swap = b, a, True
        if isinstance(a, Codes):
            if isinstance(b, Codes):
                if b.rows is not a.rows:
                    return NumpyKernels.binary(op, a, b, n)  # different records: numpy
                cls.codes_codes(op, out, a.col, a.lut, b.col, b.lut, a.rows)
            elif isinstance(b, np.ndarray):
                cls.codes_array(op, out, *a.parts(), b, swap)
            else:
                cls.codes_const(op, out, *a.parts(), float(b), swap)
        elif isinstance(a, np.ndarray):
            if isinstance(b, np.ndarray):
                cls.array_array(op, out, a, b)
            else:
                cls.array_const(op, out, a, float(b), swap)  # type: ignore[arg-type]
        else:
            out[:] = _np_apply(op, np.float64(a), np.float64(b))  # type: ignore[arg-type]
        return out


IMPLS: dict[str, Any] = {"numpy": NumpyKernels}
if "numba" in kernels.available():
    IMPLS["numba"] = NumbaKernels


def _impl() -> Any:
    return NumbaKernels if kernels.compiled() else NumpyKernels


def binary(op: str, a: Operand, b: Operand, n: int) -> np.ndarray:
    """``a op b`` for ``n`` records (``op`` one of ``+ - * /``); Codes operands read
    numbers through their lookup tables (and share their rows)."""
    return _impl().binary(OPS[op], a, b, n)


@kernels.warmer
def _warm() -> None:
    nums = np.array([1.0, 2.0, np.nan])
    for col, rows in samples():
        a = Codes(col, rows, nums, 2)
        NumbaKernels.binary(OPS["*"], a, a, 2)
