from __future__ import annotations

import math

import numpy as np
import pytest

from associa.kernels import arithmetic
from associa.kernels.codes import Codes

IMPLS = sorted(arithmetic.IMPLS)


def _reference(op: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    out = []
    for a, b in zip(np.broadcast_to(x, np.broadcast(x, y).shape).tolist(),
                    np.broadcast_to(y, np.broadcast(x, y).shape).tolist(), strict=True):
        try:
            r = {"+": a + b, "-": a - b, "*": a * b}[op] if op != "/" else (
                math.nan if b == 0 else a / b)
        except OverflowError:
            r = math.inf
        if math.isinf(r) and not (math.isinf(a) or math.isinf(b)):
            r = math.nan  # an overflow is NULL
        out.append(r)
    return np.array(out, dtype=np.float64)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_operands_of_every_kind(impl: str, op: str) -> None:
    rng = np.random.default_rng(2)
    n = 400
    lut_a = np.append(rng.normal(size=20) * 10, math.nan)
    lut_a[[2, 5]] = [0.0, 1e308]
    lut_b = np.append(rng.integers(-3, 4, 30).astype(float), math.nan)
    col_a = rng.integers(0, 21, 3 * n).astype(np.uint8)
    col_b = rng.integers(0, 31, 3 * n).astype(np.uint16)
    rows = np.sort(rng.choice(3 * n, n, replace=False)).astype(np.int32)
    a = Codes(col_a, rows, lut_a, n)
    b = Codes(col_b, rows, lut_b, n)
    xa, xb = lut_a[col_a[rows]], lut_b[col_b[rows]]
    arr = rng.normal(size=n) * 1e300
    k = arithmetic.IMPLS[impl]
    o = arithmetic.OPS[op]
    cases = [
        (a, b, xa, xb), (b, a, xb, xa), (a, arr, xa, arr), (arr, a, arr, xa),
        (a, 2.0, xa, np.float64(2.0)), (0.0, a, np.float64(0.0), xa),
        (arr, xb, arr, xb), (xb, 3.0, xb, np.float64(3.0)), (-1.0, arr, np.float64(-1.0), arr),
        (a, Codes(col_b[rows], None, lut_b, n), xa, xb),  # other rows: numpy
    ]
    for left, right, x, y in cases:
        np.testing.assert_array_equal(k.binary(o, left, right, n), _reference(op, x, y))
