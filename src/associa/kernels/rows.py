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
_STEP = 4096  # rows compacted at a time into a buffer that stays in the first-level cache


def _compact_loop(mask, out, lo, hi, start):
    # branch-free (a random mask is a branch the processor cannot predict): each block is
    # compacted into a buffer with a spare slot (the write before the test), then copied;
    # a part writes its own slots of ``out`` only
    buf = np.empty(_STEP + 1, out.dtype)
    k = start
    for b in range(lo, hi, _STEP):
        j = 0
        for i in range(b, min(b + _STEP, hi)):
            buf[j] = i
            j += mask[i]
        out[k : k + j] = buf[:j]
        k += j
    return k


_compact_nb = kernels.jit(_compact_loop)


def count(mask: np.ndarray) -> int:
    """How many rows the mask holds."""
    return int(sum(pool.run(lambda lo, hi: int(np.count_nonzero(mask[lo:hi])), len(mask))))


def nonzero(mask: np.ndarray, dtype: np.dtype | type = _INTP) -> np.ndarray:
    """The rows of a mask as ascending indices (intp, or ``dtype``: int32 where the rows
    fit, for the compiled kernels that read half the bytes then)."""
    dtype = np.dtype(dtype)
    spans = pool.ranges(len(mask))
    if not kernels.compiled():
        if len(spans) == 1:
            return np.flatnonzero(mask).astype(dtype, copy=False)
    sizes = pool.run_spans(lambda lo, hi: int(np.count_nonzero(mask[lo:hi])), spans)
    starts = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    out = np.empty(int(starts[-1]), dtype=dtype)
    part = {span: int(s) for span, s in zip(spans, starts[:-1], strict=True)}
    if kernels.compiled():
        nb = _compact_nb
        view = mask.view(np.uint8)
        pool.run_spans(lambda lo, hi: nb(view, out, lo, hi, part[(lo, hi)]), spans)
    else:

        def fill(lo: int, hi: int) -> None:
            got = np.flatnonzero(mask[lo:hi])
            got += lo
            out[part[(lo, hi)] : part[(lo, hi)] + len(got)] = got

        pool.run_spans(fill, spans)
    return out


def to_mask(idx: np.ndarray, n: int) -> np.ndarray:
    """The bool mask over ``n`` rows of an index list."""
    out = np.zeros(n, dtype=bool)
    out[idx] = True
    return out


@kernels.warmer
def _warm() -> None:
    mask = np.array([1, 0], dtype=np.uint8)
    for dtype in (_INTP, np.int32):
        _compact_nb(mask, np.zeros(3, dtype=dtype), 0, 2, 0)
