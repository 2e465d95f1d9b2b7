"""Order: a permutation reordered by a small integer key, stably.

A list object sorts its field's symbols by state first (a rank of a few values), the
rest of its order (number, text, load order) given by a permutation computed once per
model. Reordering that permutation by the rank is a stable counting sort: one pass
counting each rank, one pass placing each symbol after the ones of lower ranks, instead
of a comparison sort of the whole field at every click.
"""

from __future__ import annotations

import numpy as np

from associa import kernels


def _by_rank_loop(base, key, lo, counts, out):  # pragma: no cover - compiled
    for i in range(base.shape[0]):
        counts[key[base[i]] - lo + 1] += 1
    for r in range(1, counts.shape[0]):
        counts[r] += counts[r - 1]
    for i in range(base.shape[0]):
        s = base[i]
        r = key[s] - lo
        out[counts[r]] = s
        counts[r] += 1


_by_rank_nb = kernels.jit(_by_rank_loop)


def by_rank(base: np.ndarray, key: np.ndarray) -> np.ndarray:
    """``base`` (indices into ``key``) reordered by ``key[base]`` ascending, ties in
    ``base`` order. ``key`` is a small integer array (int8: a rank)."""
    if not len(base):
        return base
    if not kernels.compiled() or key.dtype != np.int8:
        return base[np.argsort(key[base], kind="stable")]
    lo, hi = int(key.min()), int(key.max())
    counts = np.zeros(hi - lo + 2, dtype=np.int64)
    out = np.empty_like(base)
    _by_rank_nb(base, key, lo, counts, out)
    return out


@kernels.warmer
def _warm() -> None:
    key = np.array([1, 0, -1], dtype=np.int8)
    for dtype in (np.intp,):
        by_rank(np.array([2, 0, 1], dtype=dtype), key)
