"""Selections as lookup tables over symbols, applied to a column of symbol codes.

A lookup table (LUT) is a bool array over a field's codes, ``nsym + 1`` long so that the
NULL code (``nsym``) reads its last slot; a column holds one code per row (uint8, uint16
or uint32). ``lut[col]`` says which rows the selection keeps. The kernels here compute it
without the temporaries numpy needs: the compiled loops read the narrow codes directly,
count as they go and compact into row indices in the same pass; the numpy versions cast
each block of codes to intp while it is in cache (a narrow fancy index costs up to twice
as much) and build index lists block by block.

A lookup table of more than ``BITS_OVER`` symbols is read as packed bits by the compiled
loops: 100,000 symbols fit in 12.5 KiB, inside the core's first-level cache, where the
bytes would not (1.7x faster at 10M rows; smaller tables are faster as bytes).

Long columns are split over the cores (``pool``).
"""

from __future__ import annotations

import numpy as np

from associa import kernels
from associa.kernels import pool

BLOCK = 1 << 16  # rows per block of the numpy loops: an intp block of 512 KiB stays in cache
BITS_OVER = 1 << 15  # symbols above which the compiled loops read the table as packed bits

_INTP = np.intp


def _blocks(lo: int, hi: int) -> range:
    return range(lo, hi, BLOCK)


# -- compiled loops ---------------------------------------------------------------------


def _mask_loop(lut, col, out, lo, hi):
    count = 0
    for i in range(lo, hi):
        v = lut[col[i]]
        out[i] = v
        count += v
    return count


def _restrict_loop(lut, col, mask, lo, hi):
    # branch-free: a random mask is a branch the processor cannot predict
    count = 0
    for i in range(lo, hi):
        v = mask[i] & lut[col[i]]
        mask[i] = v
        count += v
    return count


def _compact_loop(lut, col, out, lo, hi):
    # out has room for every kept row plus one: the write before the test never overflows
    k = 0
    for i in range(lo, hi):
        out[k] = i
        k += lut[col[i]]
    return k


def _filter_loop(lut, col, idx, out):
    k = 0
    for j in range(len(idx)):
        r = idx[j]
        out[k] = r
        k += lut[col[r]]
    return k


# the same over packed bits (little-endian bit order: symbol s is bit s & 7 of byte s >> 3)


def _mask_bits_loop(bits, col, out, lo, hi):
    count = 0
    for i in range(lo, hi):
        v = col[i]
        b = (bits[v >> 3] >> (v & 7)) & 1
        out[i] = b
        count += b
    return count


def _restrict_bits_loop(bits, col, mask, lo, hi):
    count = 0
    for i in range(lo, hi):
        v = col[i]
        b = mask[i] & (bits[v >> 3] >> (v & 7)) & 1
        mask[i] = b
        count += b
    return count


def _compact_bits_loop(bits, col, out, lo, hi):
    k = 0
    for i in range(lo, hi):
        v = col[i]
        out[k] = i
        k += (bits[v >> 3] >> (v & 7)) & 1
    return k


def _filter_bits_loop(bits, col, idx, out):
    k = 0
    for j in range(len(idx)):
        r = idx[j]
        v = col[r]
        out[k] = r
        k += (bits[v >> 3] >> (v & 7)) & 1
    return k


_LOOPS = {
    name: (kernels.jit(by_byte), kernels.jit(by_bit))
    for name, by_byte, by_bit in (
        ("mask", _mask_loop, _mask_bits_loop),
        ("restrict", _restrict_loop, _restrict_bits_loop),
        ("compact", _compact_loop, _compact_bits_loop),
        ("filter", _filter_loop, _filter_bits_loop),
    )
}


def _compiled(name: str, lut: np.ndarray):
    """The compiled loop ``name`` and the table as it reads it (bytes or packed bits)."""
    by_byte, by_bit = _LOOPS[name]
    if len(lut) > BITS_OVER:
        return by_bit, np.packbits(lut, bitorder="little")
    return by_byte, lut.view(np.uint8)


# -- the kernels ------------------------------------------------------------------------


def mask(lut: np.ndarray, col: np.ndarray, out: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """``lut[col]`` as a bool row mask (written into ``out`` when given) and its count."""
    n = len(col)
    if out is None:
        out = np.empty(n, dtype=bool)
    if kernels.compiled():
        nb, table = _compiled("mask", lut)
        view = out.view(np.uint8)
        counts = pool.run(lambda lo, hi: nb(table, col, view, lo, hi), n)
        return out, int(sum(counts))

    def part(lo: int, hi: int) -> int:
        for b in _blocks(lo, hi):
            s = slice(b, min(b + BLOCK, hi))
            np.take(lut, col[s].astype(_INTP), out=out[s])
        return int(np.count_nonzero(out[lo:hi]))

    return out, int(sum(pool.run(part, n)))


def restrict(lut: np.ndarray, col: np.ndarray, rows: np.ndarray) -> int:
    """Narrow the row mask ``rows`` in place to the rows where ``lut[col]``; its count."""
    n = len(col)
    if kernels.compiled():
        nb, table = _compiled("restrict", lut)
        view = rows.view(np.uint8)
        return int(sum(pool.run(lambda lo, hi: nb(table, col, view, lo, hi), n)))

    def part(lo: int, hi: int) -> int:
        for b in _blocks(lo, hi):
            s = slice(b, min(b + BLOCK, hi))
            m = rows[s]
            np.logical_and(m, np.take(lut, col[s].astype(_INTP)), out=m)
        return int(np.count_nonzero(rows[lo:hi]))

    return int(sum(pool.run(part, n)))


def indices(lut: np.ndarray, col: np.ndarray, count: int) -> np.ndarray:
    """The rows where ``lut[col]`` (intp, ascending), given how many there are (the
    caller knows it from the symbols' row counts)."""
    n = len(col)
    if kernels.compiled():
        nb, table = _compiled("compact", lut)
        if count > n:
            raise ValueError("more rows counted than the column has")

        def cpart(lo: int, hi: int) -> np.ndarray:
            # a part keeps at most min(its rows, count) rows: with the spare slot the
            # loop's write before its test stays inside (if the count is right)
            buf = np.empty(min(hi - lo, count) + 1, dtype=_INTP)
            k = nb(table, col, buf, lo, hi)
            return buf[:k]

        parts = pool.run(cpart, n)
    else:

        def part(lo: int, hi: int) -> np.ndarray:
            pieces = [
                np.flatnonzero(np.take(lut, col[b : min(b + BLOCK, hi)].astype(_INTP))) + b
                for b in _blocks(lo, hi)
            ]
            return np.concatenate(pieces) if pieces else np.zeros(0, dtype=_INTP)

        parts = pool.run(part, n)
    out = parts[0] if len(parts) == 1 else np.concatenate(parts)
    if len(out) != count:
        raise ValueError("more rows than counted" if len(out) > count else "fewer rows than counted")
    return out.astype(_INTP, copy=False)


def restrict_indices(lut: np.ndarray, col: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """The rows of the index list ``idx`` where ``lut[col]`` (order kept, in ``idx``'s
    dtype)."""
    if kernels.compiled():
        nb, table = _compiled("filter", lut)
        out = np.empty(len(idx), dtype=idx.dtype)
        k = nb(table, col, idx, out)
        return out[:k]
    keep = np.empty(len(idx), dtype=bool)
    for b in range(0, len(idx), BLOCK):
        s = slice(b, b + BLOCK)
        np.take(lut, col[idx[s]].astype(_INTP), out=keep[s])
    return idx[np.flatnonzero(keep)]


@kernels.warmer
def _warm() -> None:
    for by_byte, by_bit in _LOOPS.values():
        for loop, table in ((by_byte, np.array([1, 0, 1], dtype=np.uint8)),
                            (by_bit, np.packbits(np.array([1, 0, 1], dtype=bool),
                                                 bitorder="little"))):
            for dtype in (np.uint8, np.uint16, np.uint32):
                col = np.array([0, 1], dtype=dtype)
                if loop in (_LOOPS["filter"]):
                    for idx_dtype in (_INTP, np.int32):  # row lists of either width
                        idx = np.arange(2, dtype=idx_dtype)
                        loop(table, col, idx, np.zeros(3, dtype=idx_dtype))
                elif loop in (_LOOPS["compact"]):
                    loop(table, col, np.zeros(3, dtype=_INTP), 0, 2)
                else:
                    loop(table, col, np.zeros(2, dtype=np.uint8), 0, 2)
