"""Row sets: counts, the indices of a bool mask, the mask of an index list.

A row set of a table is all its rows, a bool mask over them or an ascending index list
(``associa.select.rows``); these kernels turn one form into another. Long masks are split
over the cores (``pool``).
"""

from __future__ import annotations

import numpy as np

from associa import kernels
from associa.kernels import pool

_INTP = np.intp


def _compact_loop(mask, out, lo, hi, start):
    # parts write next to each other: no write past a part's own rows
    k = start
    for i in range(lo, hi):
        if mask[i]:
            out[k] = i
            k += 1
    return k


_compact_nb = kernels.jit(_compact_loop)


def count(mask: np.ndarray) -> int:
    """How many rows the mask holds."""
    return int(sum(pool.run(lambda lo, hi: int(np.count_nonzero(mask[lo:hi])), len(mask))))


def nonzero(mask: np.ndarray) -> np.ndarray:
    """The rows of a mask as ascending intp indices."""
    spans = pool.ranges(len(mask))
    if len(spans) == 1:
        return np.flatnonzero(mask)
    sizes = pool.run(lambda lo, hi: int(np.count_nonzero(mask[lo:hi])), len(mask))
    starts = np.concatenate(([0], np.cumsum(sizes)))
    out = np.empty(int(starts[-1]), dtype=_INTP)
    if kernels.compiled():
        nb = _compact_nb
        part = {span: int(s) for span, s in zip(spans, starts[:-1], strict=True)}
        pool.run(lambda lo, hi: nb(mask, out, lo, hi, part[(lo, hi)]), len(mask))
    else:
        part = {span: int(s) for span, s in zip(spans, starts[:-1], strict=True)}

        def fill(lo: int, hi: int) -> None:
            got = np.flatnonzero(mask[lo:hi])
            got += lo
            out[part[(lo, hi)] : part[(lo, hi)] + len(got)] = got

        pool.run(fill, len(mask))
    return out


def to_mask(idx: np.ndarray, n: int) -> np.ndarray:
    """The bool mask over ``n`` rows of an index list."""
    out = np.zeros(n, dtype=bool)
    out[idx] = True
    return out


@kernels.warmer
def _warm() -> None:
    _compact_nb(np.array([True, False]), np.zeros(3, dtype=_INTP), 0, 2, 0)
