"""Postings: a column's rows grouped by code (an inverted index), and the rows where a
lookup table over the codes holds, read from them.

``build(col, counts)`` orders the rows by code (a counting sort: one pass, the rows of each
code ascending): ``order[offsets[c]:offsets[c + 1]]`` are the rows holding code ``c``.
``rows(order, offsets, lut, n, count)`` gives the rows of the codes the lookup table keeps,
ascending, in time proportional to those rows rather than to the column: their posting
lists are marked in a bitset of the ``n`` rows (``n / 8`` bytes, 1.25 MB for 10 million
rows), whose set bits are then read out in order; both passes are split over the cores by
ranges of rows (each part marks and reads its own words). At 10 million rows a lookup
table keeping 3% of them takes about a third of a scan of the column.

A column stored grouped by code (the key a table's rows are grouped by,
``associa.model.clustering``) needs no ``order``: its rows are runs, one per code, and
``rows(None, offsets, ..., runs)`` writes the runs of the kept codes out. ``runs`` is the
code of each run in stored order (``offsets[j]:offsets[j + 1]`` are the rows of code
``runs[j]``); None when the runs are in code order. ``kept`` says which runs a lookup
table keeps; ``run_rows``, ``runs_mask`` and ``spans_of`` write those runs as an index
list, a mask or ``[start, end)`` spans.
"""

from __future__ import annotations

import numpy as np

from associa import kernels
from associa.kernels import pool

_INTP = np.intp

# -- numpy ----------------------------------------------------------------------------


def _np_build(col: np.ndarray, offsets: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return np.argsort(col, kind="stable").astype(dtype, copy=False)


def _np_rows(order: np.ndarray, offsets: np.ndarray, lut: np.ndarray, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    for c in np.flatnonzero(lut[: len(offsets) - 1]).tolist():
        mask[order[offsets[c] : offsets[c + 1]]] = True
    return np.flatnonzero(mask)


# -- numba ----------------------------------------------------------------------------


def _build_loop(col, offsets, order):  # pragma: no cover - compiled
    pos = offsets[:-1].copy()
    for i in range(col.shape[0]):
        c = col[i]
        order[pos[c]] = i
        pos[c] += 1


# the lowest set bit's position: (x & -x) times a de Bruijn sequence, its top 6 bits, a table
_MAGIC = 0x03F79D71B4CB0A89
_DEBRUIJN = np.uint64(_MAGIC)
_DEBRUIJN_TABLE = np.zeros(64, dtype=np.int64)
for _i in range(64):
    _DEBRUIJN_TABLE[(((1 << _i) * _MAGIC) & 0xFFFFFFFFFFFFFFFF) >> 58] = _i


def _mark_loop(order, offsets, codes, bits, lo, hi):  # pragma: no cover - compiled
    # the rows in [lo, hi) of each code's posting list (``lo`` and ``hi`` multiples of 64:
    # a part writes its own words of the bitset only)
    one = np.uint64(1)
    for c in codes:
        a = offsets[c]
        b = offsets[c + 1]
        if lo > 0:
            a += np.searchsorted(order[a:b], lo)
        for j in range(a, b):
            r = order[j]
            if r >= hi:
                break
            bits[r >> 6] |= one << np.uint64(r & 63)


def _extract_loop(bits, out, wlo, whi, start, table, magic):  # pragma: no cover - compiled
    one = np.uint64(1)
    shift = np.uint64(58)
    k = start
    for w in range(wlo, whi):
        x = bits[w]
        base = w * 64
        while x:
            low = x & (~x + one)
            out[k] = base + table[(low * magic) >> shift]
            k += 1
            x ^= low
    return k


def _ranges_loop(offsets, codes, out, first, last, start):  # pragma: no cover - compiled
    # the rows of codes[first:last], written from out[start]
    k = start
    for j in range(first, last):
        c = codes[j]
        for r in range(offsets[c], offsets[c + 1]):
            out[k] = r
            k += 1


def _fill_loop(offsets, keep, mask):  # pragma: no cover - compiled
    # each kept run's rows set (a run of kept runs as one fill)
    j = 0
    nruns = len(offsets) - 1
    while j < nruns:
        if keep[j]:
            k = j
            while k + 1 < nruns and keep[k + 1]:
                k += 1
            mask[offsets[j] : offsets[k + 1]] = 1
            j = k + 1
        else:
            j += 1


_build_nb = kernels.jit(_build_loop)
_fill_nb = kernels.jit(_fill_loop)
_ranges_nb = kernels.jit(_ranges_loop)
_mark_nb = kernels.jit(_mark_loop)
_extract_nb = kernels.jit(_extract_loop)

SPLIT_MIN = 1 << 16  # rows before the marking and reading out are split over the cores


# -- the kernels ------------------------------------------------------------------------


def build(col: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, offsets) of a column whose code counts (``counts[c]`` rows hold code ``c``,
    every code the column holds counted) are known: the rows of code ``c`` are
    ``order[offsets[c]:offsets[c + 1]]``, ascending. ``order`` is int32 below 2**31 rows."""
    offsets = offsets_of(counts)
    if int(offsets[-1]) != len(col):
        raise ValueError("the code counts do not add up to the column's rows")
    dtype = np.dtype(np.int32 if len(col) < 1 << 31 else np.int64)
    if kernels.compiled():
        order = np.empty(len(col), dtype=dtype)
        _build_nb(col, offsets, order)
    else:
        order = _np_build(col, offsets, dtype)
    return order, offsets


def offsets_of(counts: np.ndarray) -> np.ndarray:
    """Where each code's rows start in code order (one more than the codes: the end)."""
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def rows(order: np.ndarray | None, offsets: np.ndarray, lut: np.ndarray, n: int,
         count: int, runs: np.ndarray | None = None) -> np.ndarray:
    """The rows (ascending) whose code the bool lookup table keeps, ``count`` of them
    (the caller knows it from the code counts). ``order`` None: the column is stored
    grouped by code, its runs in the order ``runs`` (None: code order). int32 from the
    compiled kernels below 2**31 rows (what they read rows as), else intp."""
    if order is None:
        return run_rows(offsets, kept(offsets, lut, runs), count, n)
    if kernels.compiled():
        words = (n + 63) // 64
        bits = np.zeros(words, dtype=np.uint64)
        codes = np.flatnonzero(lut[: len(offsets) - 1])
        # parts of whole words: each marks and reads out its own rows
        spans = [(lo * 64, min(hi * 64, n)) for lo, hi in
                 pool.ranges(words, min_split=1 if count >= SPLIT_MIN else words + 1, align=1)]
        pool.run_spans(lambda lo, hi: _mark_nb(order, offsets, codes, bits, lo, hi), spans)
        sizes = [int(np.bitwise_count(bits[lo // 64 : -(-hi // 64)]).sum()) for lo, hi in spans]
        if sum(sizes) != count:
            raise ValueError("more rows than counted" if sum(sizes) > count
                             else "fewer rows than counted")
        out = np.empty(count, dtype=index_dtype(n))
        starts = np.concatenate(([0], np.cumsum(sizes))).tolist()
        part = {span: int(s) for span, s in zip(spans, starts, strict=False)}
        pool.run_spans(lambda lo, hi: _extract_nb(bits, out, lo // 64, -(-hi // 64), part[(lo, hi)],
                                                  _DEBRUIJN_TABLE, _DEBRUIJN), spans)
        return out
    out = _np_rows(order, offsets, lut, n)
    if len(out) != count:
        raise ValueError("more rows than counted" if len(out) > count else "fewer rows than counted")
    return out


def index_dtype(n: int) -> np.dtype:
    """The dtype of the compiled kernels' row lists over ``n`` rows."""
    return np.dtype(np.int32 if n < 1 << 31 else _INTP)


def kept(offsets: np.ndarray, lut: np.ndarray, runs: np.ndarray | None = None) -> np.ndarray:
    """Which runs of a column stored grouped by code (as for ``rows``: ``runs`` the code
    of each, None for code order) the lookup table over the codes keeps."""
    return lut[: len(offsets) - 1] if runs is None else lut[runs]


def spans_of(offsets: np.ndarray, keep: np.ndarray, most: int = 1 << 12) -> np.ndarray | None:
    """The rows of the kept runs (``kept``) as ``[start, end)`` spans, adjacent runs
    merged (k x 2 int64); None when there are more than ``most``."""
    which = np.flatnonzero(keep)
    starts, ends = offsets[which], offsets[which + 1]
    if len(which) > 1:
        cut = np.flatnonzero(starts[1:] != ends[:-1])  # a gap after span i
        starts = np.concatenate((starts[:1], starts[cut + 1]))
        ends = np.concatenate((ends[cut], ends[-1:]))
    if len(starts) > most:
        return None
    return np.stack((starts, ends), axis=1).astype(np.int64, copy=False).reshape(-1, 2)


def runs_mask(offsets: np.ndarray, keep: np.ndarray, n: int) -> np.ndarray:
    """The bool mask over the ``n`` rows of the kept runs (``kept``), each run written
    whole."""
    if int(offsets[-1]) != n:
        raise ValueError("the runs do not cover the rows")
    if not kernels.compiled():
        return np.repeat(keep.astype(bool, copy=False), np.diff(offsets))
    mask = np.zeros(n, dtype=bool)
    _fill_nb(offsets, keep.view(np.uint8), mask.view(np.uint8))
    return mask


def run_rows(offsets: np.ndarray, keep: np.ndarray, count: int, n: int) -> np.ndarray:
    """The rows of the kept runs (``kept``), ``count`` of them, ascending (int32 from the
    compiled kernels below 2**31 rows, else intp)."""
    codes = np.flatnonzero(keep[: len(offsets) - 1])
    starts = offsets[codes]
    sizes = offsets[codes + 1] - starts
    if int(sizes.sum()) != count:
        raise ValueError("more rows than counted" if int(sizes.sum()) > count
                         else "fewer rows than counted")
    if not kernels.compiled():
        # row i of the output: its code's start plus its place among that code's rows
        before = np.cumsum(sizes) - sizes
        return np.arange(count, dtype=_INTP) + np.repeat(starts - before, sizes)
    out = np.empty(count, dtype=index_dtype(n))
    if not count:
        return out
    ends = np.cumsum(sizes)
    # parts of about equal rows, each writing its own codes' ranges (a part ends with the
    # code whose range reaches its last row)
    parts = pool.ranges(count, min_split=SPLIT_MIN)
    inner = np.searchsorted(ends, [hi for _, hi in parts[:-1]], side="left") + 1
    cuts = [0, *np.minimum(inner, len(codes)).tolist(), len(codes)]
    spans = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if a < b]
    pool.run_spans(lambda a, b: _ranges_nb(offsets, codes, out, a, b,
                                           int(ends[a - 1]) if a else 0), spans)
    return out


@kernels.warmer
def _warm() -> None:
    for dtype in (np.uint8, np.uint16, np.uint32):
        col = np.array([1, 0, 1], dtype=dtype)
        order, offsets = np.zeros(3, dtype=np.int32), np.array([0, 1, 3, 3], dtype=np.int64)
        _build_nb(col, offsets, order)
    bits = np.zeros(1, dtype=np.uint64)
    _mark_nb(order, offsets, np.array([1], dtype=np.intp), bits, 0, 64)
    _mark_nb(order, offsets, np.array([1], dtype=np.intp), bits, 64, 128)
    _fill_nb(offsets, np.ones(3, dtype=np.uint8), np.zeros(3, dtype=np.uint8))
    for out_dtype in (_INTP, np.int32):
        _extract_nb(bits, np.zeros(2, dtype=out_dtype), 0, 1, 0, _DEBRUIJN_TABLE, _DEBRUIJN)
        _ranges_nb(offsets, np.array([1], dtype=np.intp), np.zeros(2, dtype=out_dtype), 0, 1, 0)
