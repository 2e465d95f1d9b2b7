"""Presence: which symbols occur in a set of rows of a column.

The answer is a bool array over the field's ``nsym`` symbols. The scan stops once it has
seen ``target`` distinct codes (every code the whole column holds, NULL's included, which
the caller knows from the model): a dense row set over a field of few symbols is
answered from its first rows. ``target`` -1 scans every row.

Rows come as all rows, a bool mask or an index list (``rows`` in ``associa.select``).

The key a table's rows are grouped by (``associa.model.clustering``) holds one run of rows
per code: its presence is read from the runs the rows fall in (``of_runs``), without
reading the column.
"""

from __future__ import annotations

import numpy as np

from associa import kernels
from associa.kernels import pool

BLOCK = 1 << 16  # rows per block of the numpy loops
_CHECK_MAX = 1 << 17  # the numpy loops test saturation per block up to this many symbols

_INTP = np.intp


# -- compiled loops ---------------------------------------------------------------------


# The loops are branch-free inside a block of ``_STEP`` rows (a random mask or a new
# symbol is a branch the processor cannot predict): a masked block is first compacted into
# a small buffer of codes, then scattered; saturation is tested once per block.

_STEP = 4096


def _all_loop(col, out, target, lo, hi):
    seen = 0
    for b in range(lo, hi, _STEP):
        for i in range(b, min(b + _STEP, hi)):
            v = col[i]
            seen += out[v] ^ 1
            out[v] = 1
        if seen == target:
            break
    return seen


def _mask_loop(col, rows, out, target, lo, hi):
    buf = np.empty(_STEP, col.dtype)
    seen = 0
    for b in range(lo, hi, _STEP):
        k = 0
        for i in range(b, min(b + _STEP, hi)):
            buf[k] = col[i]
            k += rows[i]
        for j in range(k):
            v = buf[j]
            seen += out[v] ^ 1
            out[v] = 1
        if seen == target:
            break
    return seen


def _index_loop(col, idx, out, target, lo, hi):
    seen = 0
    for b in range(lo, hi, _STEP):
        for j in range(b, min(b + _STEP, hi)):
            v = col[idx[j]]
            seen += out[v] ^ 1
            out[v] = 1
        if seen == target:
            break
    return seen


_all_nb = kernels.jit(_all_loop)
_mask_nb = kernels.jit(_mask_loop)
_index_nb = kernels.jit(_index_loop)


# -- the kernels ------------------------------------------------------------------------


def _numpy(n: int, nsym: int, target: int, codes) -> np.ndarray:
    check = 0 <= target and nsym < _CHECK_MAX

    def part(lo: int, hi: int) -> np.ndarray:
        out = np.zeros(nsym + 1, dtype=bool)
        for b in range(lo, hi, BLOCK):
            out[codes(b, min(b + BLOCK, hi)).astype(_INTP)] = True
            if check and np.count_nonzero(out) >= target:
                break
        return out

    return _merge(pool.run(part, n, _parts(n, target)))


def _compiled(n: int, nsym: int, target: int, loop) -> np.ndarray:
    def part(lo: int, hi: int) -> np.ndarray:
        out = np.zeros(nsym + 1, dtype=bool)
        loop(out.view(np.uint8), lo, hi)
        return out

    return _merge(pool.run(part, n, _parts(n, target)))


def _parts(n: int, target: int) -> int | None:
    """One part when the scan will likely stop early: a part of its own must then see
    every symbol too, and more parts only repeat that work (a uniform column needs about
    ``target * ln(target)`` rows to show every code)."""
    if 0 < target and n > 2 * target * max(1.0, float(np.log(target))):
        return 1
    return None


def _merge(parts: list[np.ndarray]) -> np.ndarray:
    out = parts[0]
    for other in parts[1:]:
        out |= other
    return out[:-1]


def of_all(col: np.ndarray, nsym: int, target: int = -1) -> np.ndarray:
    """Symbols occurring anywhere in ``col`` (codes ``0..nsym``, ``nsym`` for NULL)."""
    if kernels.compiled():
        nb = _all_nb
        return _compiled(len(col), nsym, target, lambda out, lo, hi: nb(col, out, target, lo, hi))
    return _numpy(len(col), nsym, target, lambda lo, hi: col[lo:hi])


def of_mask(col: np.ndarray, rows: np.ndarray, nsym: int, target: int = -1) -> np.ndarray:
    """Symbols occurring in the rows where the bool mask ``rows`` is set."""
    if kernels.compiled():
        nb = _mask_nb
        view = rows.view(np.uint8)
        count = len(col)
        return _compiled(count, nsym, target,
                         lambda out, lo, hi: nb(col, view, out, target, lo, hi))
    # flatnonzero + take: boolean compress is ~2.5x slower on dense masks
    return _numpy(len(col), nsym, target,
                  lambda lo, hi: col[lo:hi].take(np.flatnonzero(rows[lo:hi])))


def of_indices(col: np.ndarray, idx: np.ndarray, nsym: int, target: int = -1) -> np.ndarray:
    """Symbols occurring in the rows of the index list ``idx``."""
    if kernels.compiled():
        nb = _index_nb
        return _compiled(len(idx), nsym, target,
                         lambda out, lo, hi: nb(col, idx, out, target, lo, hi))
    return _numpy(len(idx), nsym, target, lambda lo, hi: col.take(idx[lo:hi]))


@kernels.warmer
def _warm() -> None:
    for dtype in (np.uint8, np.uint16, np.uint32):
        col = np.array([0, 1], dtype=dtype)
        _all_nb(col, np.zeros(3, dtype=np.uint8), -1, 0, 2)
        _mask_nb(col, np.ones(2, dtype=np.uint8), np.zeros(3, dtype=np.uint8), -1, 0, 2)
        for idx_dtype in (_INTP, np.int32):
            _index_nb(col, np.arange(2, dtype=idx_dtype), np.zeros(3, dtype=np.uint8), -1, 0, 2)


# -- runs -------------------------------------------------------------------------------


def _runs_index_loop(offsets, runs, idx, out, lo, hi):  # pragma: no cover - compiled
    # ``idx`` ascending: walk the runs along the rows, a run's other rows skipped
    if lo >= hi:
        return
    j = np.searchsorted(offsets, idx[lo], side="right") - 1
    i = lo
    while i < hi:
        r = idx[i]
        while offsets[j + 1] <= r:
            j += 1
        out[j if runs is None else runs[j]] = 1
        end = offsets[j + 1]
        i += 1
        while i < hi and idx[i] < end:
            i += 1


def _runs_mask_loop(offsets, runs, mask, out, lo, hi):  # pragma: no cover - compiled
    # runs ``lo:hi``: held when a row of the run is set
    for j in range(lo, hi):
        for r in range(offsets[j], offsets[j + 1]):
            if mask[r]:
                out[j if runs is None else runs[j]] = 1
                break


_runs_index_nb = kernels.jit(_runs_index_loop)
_runs_mask_nb = kernels.jit(_runs_mask_loop)


def of_runs(offsets: np.ndarray, runs: np.ndarray | None, nsym: int,
            idx: np.ndarray | None = None, mask: np.ndarray | None = None) -> np.ndarray:
    """Symbols of a column stored as runs (``offsets[j]:offsets[j + 1]`` are the rows of
    code ``runs[j]``, of code ``j`` when ``runs`` is None) occurring in the rows of the
    ascending index list ``idx`` or of the bool mask ``mask``."""
    nruns = len(offsets) - 1
    if not kernels.compiled():
        held = idx if idx is not None else np.flatnonzero(mask)  # type: ignore[arg-type]
        j = np.searchsorted(offsets, held, side="right") - 1
        out = np.zeros(nsym + 1, dtype=bool)
        out[j if runs is None else runs[j]] = True
        return out[:-1]
    if idx is not None:
        loop, rows, n = _runs_index_nb, idx, len(idx)
    else:
        assert mask is not None
        loop, rows, n = _runs_mask_nb, mask.view(np.uint8), nruns

    def part(lo: int, hi: int) -> np.ndarray:
        out = np.zeros(nsym + 1, dtype=bool)
        loop(offsets, runs, rows, out.view(np.uint8), lo, hi)
        return out

    split = len(rows) >= pool.SPLIT_MIN  # the rows the pass may read
    return _merge(pool.run(part, n, None if split else 1, min_split=1))


@kernels.warmer
def _warm_runs() -> None:
    offsets = np.array([0, 1, 3], dtype=np.int64)
    for runs in (None, np.array([1, 0], dtype=np.intp)):
        for dtype in (np.int32, np.intp):
            _runs_index_nb(offsets, runs, np.array([0, 2], dtype=dtype), np.zeros(3, np.uint8), 0, 2)
        _runs_mask_nb(offsets, runs, np.ones(3, dtype=np.uint8), np.zeros(3, np.uint8), 0, 2)


# -- first appearance ---------------------------------------------------------------------


def _first_seen_loop(codes, seen, out):  # pragma: no cover - compiled
    # codes -1 (NULL) .. n-1, seen over code + 1; stops once every code has been seen
    k = 0
    for i in range(len(codes)):
        c = codes[i] + 1
        if not seen[c]:
            seen[c] = 1
            out[k] = c - 1
            k += 1
            if k == len(seen):
                break
    return k


_first_seen_nb = kernels.jit(_first_seen_loop)


def first_seen(codes: np.ndarray, nvalues: int) -> np.ndarray:
    """The codes (``-1`` for NULL, else ``0..nvalues-1``) occurring in ``codes``, each
    once, in order of first appearance (int32). Stops once every code has been seen."""
    codes = np.asarray(codes).astype(np.int32, copy=False)
    if kernels.compiled():
        seen = np.zeros(nvalues + 1, dtype=np.uint8)
        out = np.empty(min(len(codes), nvalues + 1), dtype=np.int32)
        return out[: _first_seen_nb(codes, seen, out)]
    uniq, first = np.unique(codes, return_index=True)
    return uniq[np.argsort(first, kind="stable")].astype(np.int32, copy=False)


@kernels.warmer
def _warm_first_seen() -> None:
    out = np.empty(2, dtype=np.int32)
    _first_seen_nb(np.array([1, -1], dtype=np.int32), np.zeros(3, dtype=np.uint8), out)


# -- multiplicity -----------------------------------------------------------------------


def _count_loop(col, out, lo, hi):
    for i in range(lo, hi):
        out[col[i]] += 1


_count_nb = kernels.jit(_count_loop)


def counts(col: np.ndarray, nsym: int) -> np.ndarray:
    """Rows holding each code, ``nsym + 1`` int64 counts (the last for NULL)."""
    if kernels.compiled():
        nb = _count_nb

        def cpart(lo: int, hi: int) -> np.ndarray:
            out = np.zeros(nsym + 1, dtype=np.int64)
            nb(col, out, lo, hi)
            return out

        parts = pool.run(cpart, len(col))
    else:

        def part(lo: int, hi: int) -> np.ndarray:
            out = np.zeros(nsym + 1, dtype=np.int64)
            for b in range(lo, hi, BLOCK):
                out += np.bincount(col[b : min(b + BLOCK, hi)].astype(_INTP), minlength=nsym + 1)
            return out

        parts = pool.run(part, len(col))
    total = parts[0]
    for other in parts[1:]:
        total += other
    return total


@kernels.warmer
def _warm_counts() -> None:
    for dtype in (np.uint8, np.uint16, np.uint32):
        _count_nb(np.array([0, 1], dtype=dtype), np.zeros(3, dtype=np.int64), 0, 2)
