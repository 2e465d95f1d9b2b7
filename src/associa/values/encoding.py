"""Dictionary encoding of text columns read in batches, and of numbers.

:class:`ColumnEncoder` takes a column batch by batch (Arrow string arrays, as a reader
hands them out, null where a short record has no cell) and keeps only what a symbol
table needs of it: an int32 code per row into the column's distinct texts (``-1`` for
NULL) and the distinct texts themselves, in order of first appearance. ``finish`` gives
an :class:`EncodedColumn` with the number of each distinct text, interpreted once per
load (the caller passes the interpretation, so that it can cache it across tables).

Integer columns (every text of a batch 1 to 15 ASCII digits without a leading zero, the
usual keys) never hash texts: their integers are encoded instead, and their texts, being
the default renderings of their numbers (``rendering``), are not kept. A column counting
up by one from its first value (an ID such as OrderID) keeps nothing per row at all: it
is a ``sequence``, row ``i`` being distinct value ``i``.

Batch dictionaries are merged once, at ``finish``: Arrow's dictionary encoding of the
chunked batch dictionaries numbers every distinct text of the column in order of first
appearance, and each batch's codes are translated through it.

:func:`factorize_numbers` numbers a float64 array's distinct values in order of first
appearance (symbol tables use it when interning numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.values.interpretation import interpret_array, safe_separators
from associa.values.locale import DEFAULT_LOCALE, Locale
from associa.values.rendering import default_text_array

__all__ = [
    "NULL",
    "ColumnEncoder",
    "EncodedColumn",
    "encode_column",
    "factorize_numbers",
    "first_positions",
    "integer_values",
]

NULL = -1  # the code of a NULL cell
Interpret = Callable[[pa.Array], np.ndarray]


def first_positions(codes: np.ndarray) -> np.ndarray:
    """Where each code first occurs, for codes numbered in order of first appearance
    (as Arrow's ``dictionary_encode`` numbers them): where the running maximum rises."""
    if not len(codes):
        return np.zeros(0, dtype=np.intp)
    run = np.maximum.accumulate(codes)
    rise = np.empty(len(run), dtype=bool)
    rise[0] = True
    np.greater(run[1:], run[:-1], out=rise[1:])
    return np.flatnonzero(rise)


def factorize_numbers(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(code per key, distinct keys, position of each one's first occurrence), codes
    numbered in order of first appearance. Increasing keys (an id in load order) need no
    work; integers in a range at most about twice their count (ids, day numbers,
    quantities) go through a lookup table over the range; other numbers through Arrow's
    dictionary encoding. ``keys`` hold no NaN and no ``-0.0``."""
    n = len(keys)
    if n and bool(np.all(keys[1:] > keys[:-1])):  # increasing: every key new, in order
        every = np.arange(n, dtype=np.int32)
        return every, keys, every.astype(np.intp)
    if n:
        lo, hi = float(keys.min()), float(keys.max())
        span = hi - lo + 1
        if span <= max(2 * n, 1 << 16) and bool(np.all(np.floor(keys) == keys)):
            off = (keys - lo).astype(np.intp)
            first = np.full(int(span), n, dtype=np.intp)
            np.minimum.at(first, off, np.arange(n, dtype=np.intp))
            seen = np.flatnonzero(first < n)
            firsts = first[seen]
            order = np.argsort(firsts, kind="stable")
            seen, firsts = seen[order], firsts[order]
            lut = np.empty(int(span), dtype=np.int32)
            lut[seen] = np.arange(len(seen), dtype=np.int32)
            return lut[off], keys[firsts], firsts
    enc = pc.dictionary_encode(pa.array(keys, type=pa.float64()))
    codes = enc.indices.to_numpy(zero_copy_only=False)
    return codes, enc.dictionary.to_numpy(zero_copy_only=False), first_positions(codes)


def integer_values(col: pa.Array) -> np.ndarray | None:
    """The column's integers (int64) when every text is 1-15 ASCII digits without a
    leading zero (the default rendering of its number), else None."""
    if col.null_count or not len(col):
        return None
    lengths = pc.binary_length(col)
    if pc.max(lengths).as_py() > 15 or not pc.all(pc.ascii_is_decimal(col)).as_py():
        return None
    zero = pc.starts_with(col, "0")
    if pc.any(zero).as_py() and pc.any(pc.and_(zero, pc.greater(lengths, 1))).as_py():
        return None  # a leading zero: "007" is not the rendering of 7
    return np.asarray(pc.cast(col, pa.int64()).to_numpy())


@dataclass(frozen=True, slots=True, eq=False)
class EncodedColumn:
    """A column as codes into its distinct values (first appearance order)."""

    nrows: int
    codes: np.ndarray | None  # int32 per row, NULL (-1) for NULL; None for a sequence
    nums: np.ndarray | None  # float64 per distinct text, NaN for text; None for a sequence
    texts: pa.Array | None  # the distinct texts; None: each the default rendering of its number
    start: int = 0  # a sequence's first value (distinct value i is start + i)

    @property
    def sequence(self) -> bool:
        """Row ``i`` holds distinct value ``i`` (and the values count up by one)."""
        return self.codes is None

    def __len__(self) -> int:
        return self.nrows if self.nums is None else len(self.nums)

    def num_array(self) -> np.ndarray:
        """The number of each distinct value (made for a sequence)."""
        if self.nums is not None:
            return self.nums
        return np.arange(self.start, self.start + self.nrows, dtype=np.float64)

    def text_array(self) -> pa.Array:
        """The distinct texts (rendered from the numbers where not kept)."""
        return self.texts if self.texts is not None else default_text_array(self.num_array())

    def code_array(self) -> np.ndarray:
        """The code of every row (made for a sequence)."""
        return np.arange(self.nrows, dtype=np.int32) if self.codes is None else self.codes


class ColumnEncoder:
    """Encodes one column batch by batch (see the module docstring)."""

    def __init__(self, locale: Locale = DEFAULT_LOCALE) -> None:
        self.locale = locale
        self.rows = 0
        self._integers = safe_separators(locale)
        self._seq: tuple[int, int] | None = None  # (start, rows) while a sequence
        self._parts: list[tuple[np.ndarray, np.ndarray | pa.Array]] = []  # codes, dictionary

    def add(self, col: pa.Array | pa.ChunkedArray) -> None:
        if isinstance(col, pa.ChunkedArray):
            for chunk in col.chunks:
                self.add(chunk)
            return
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            raise TypeError(f"a column of strings is needed, not {col.type}")
        n = len(col)
        if not n:
            return
        values = integer_values(col) if self._integers else None
        if values is not None and self._extends_sequence(values):
            start = int(values[0]) if self._seq is None else self._seq[0]
            self._seq = (start, self.rows + n)
            self.rows += n
            return
        self._end_sequence()
        if values is not None:
            enc = pc.dictionary_encode(pa.array(values, pa.int64()))
            codes = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int32)
            self._parts.append((codes, enc.dictionary.to_numpy(zero_copy_only=False)))
        else:
            enc = pc.dictionary_encode(col)
            idx = enc.indices
            if idx.null_count:
                idx = pc.fill_null(idx, NULL)
            codes = np.asarray(idx.to_numpy(zero_copy_only=False), dtype=np.int32)
            self._parts.append((codes, enc.dictionary))
        self.rows += n

    def _extends_sequence(self, values: np.ndarray) -> bool:
        if self._parts or (self._seq is None and self.rows):
            return False
        first = int(values[0])
        if self._seq is not None and first != self._seq[0] + self._seq[1]:
            return False
        return len(values) == 1 or bool(np.all(np.diff(values) == 1))

    def _end_sequence(self) -> None:
        """The sequence so far becomes an ordinary part (a later batch broke it)."""
        if self._seq is not None:
            start, count = self._seq
            self._parts.append((np.arange(count, dtype=np.int32),
                                np.arange(start, start + count, dtype=np.int64)))
            self._seq = None

    def finish(self, interpret: Interpret | None = None) -> EncodedColumn:
        """The encoded column. ``interpret`` gives the numbers of the distinct texts
        that are not plain integers (``interpret_array`` in the encoder's locale by
        default). The encoder is spent."""
        if self._seq is not None:
            out = EncodedColumn(self.rows, None, None, None, self._seq[0])
            self._seq = None
            return out
        parts, self._parts = self._parts, []
        if not parts:
            return EncodedColumn(0, np.zeros(0, np.int32), np.zeros(0), None)
        if all(isinstance(d, np.ndarray) for _, d in parts):
            keys = np.concatenate([d for _, d in parts]).astype(np.float64)
            merged, distinct, _ = factorize_numbers(keys)
            return EncodedColumn(self.rows, _translate(parts, merged, self.rows), distinct, None)
        chunks = [pa.array(d).cast(pa.string()) if isinstance(d, np.ndarray) else d
                  for _, d in parts]
        if any(pa.types.is_large_string(c.type) for c in chunks):
            chunks = [c.cast(pa.large_string()) for c in chunks]
        enc = pc.dictionary_encode(pa.chunked_array(chunks, chunks[0].type))
        if enc.num_chunks:
            dictionary = enc.chunk(0).dictionary
            merged = np.concatenate([c.indices.to_numpy(zero_copy_only=False)
                                     for c in enc.chunks])
        else:  # every cell NULL
            dictionary, merged = chunks[0], np.zeros(0, dtype=np.int32)
        del enc, chunks
        codes = _translate(parts, merged.astype(np.int32), self.rows)
        if interpret is None:
            nums = interpret_array(dictionary, self.locale)
        else:
            nums = interpret(dictionary)
        return EncodedColumn(self.rows, codes, nums, dictionary)


def _translate(parts: list[tuple[np.ndarray, np.ndarray | pa.Array]], merged: np.ndarray,
               nrows: int) -> np.ndarray:
    """Every row's code in the merged dictionary; ``merged`` holds the merged code of each
    part's dictionary entries, part after part. Frees the parts' codes as it goes."""
    out = np.empty(nrows, dtype=np.int32)
    row = entry = 0
    while parts:
        codes, dictionary = parts.pop(0)
        k = len(dictionary)
        remap = np.empty(k + 1, dtype=np.int32)
        remap[:k] = merged[entry : entry + k]
        remap[k] = NULL  # code -1 reads the last slot
        np.take(remap, codes, out=out[row : row + len(codes)])
        row += len(codes)
        entry += k
    return out


def encode_column(
    column: pa.Array | pa.ChunkedArray, locale: Locale = DEFAULT_LOCALE
) -> EncodedColumn:
    """Encode a whole string column (its chunks taken as batches)."""
    encoder = ColumnEncoder(locale)
    encoder.add(column)
    return encoder.finish()
