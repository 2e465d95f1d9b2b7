"""Samples for the kernel tests: every backend (numpy always, numba when importable) against
plain numpy references, over codes given every way (``Codes`` with or without rows, a
column and a lookup table)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from associa.kernels.codes import Codes


def codes_variants(rng: np.random.Generator, n: int, nsym: int,
                   lut: np.ndarray | None) -> Iterator[tuple[str, Codes, np.ndarray]]:
    """(name, Codes, the codes' values as an array) for ``n`` records of codes below
    ``nsym`` read through ``lut`` (None: the codes themselves)."""
    size = 3 * n + 5
    col = rng.integers(0, nsym, size).astype(np.uint16 if nsym <= 0xFFFF else np.uint32)
    rows = np.sort(rng.choice(size, n, replace=False))

    def through(c: np.ndarray) -> np.ndarray:
        return c if lut is None else lut[c]

    yield "col+rows", Codes(col, rows.astype(np.intp), lut, n), through(col[rows])
    yield "col+rows32", Codes(col, rows.astype(np.int32), lut, n), through(col[rows])
    yield "col", Codes(col[:n], None, lut, n), through(col[:n])
    if nsym >= size:  # an identity column: the row number is the code
        yield "identity+rows", Codes(None, rows.astype(np.intp), lut, n), through(rows)
