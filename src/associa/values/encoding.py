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

Other integers go through a lookup table over their range while it stays dense; texts
(and sparse integers) are dictionary-encoded by Arrow, merging batches into the distinct
values seen so far as they come, so that memory holds the codes, the distinct values and
a few batches, never the column's texts.

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
MERGE_ROWS = 1 << 16  # pending rows that start a merge (at least; see ColumnEncoder)
_DENSE_SLACK = 1 << 16  # a lookup table may be this much larger than four per value


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
    """Encodes one column batch by batch (see the module docstring).

    Three states, each batch moving it at most forward:

    * ``sequence``: every row so far is an integer one above the row before it; nothing
      is kept but the first value and the count;
    * ``dense``: integers in a range at most about four times the number of distinct
      values; a lookup table over the range gives each value's code (no hashing);
    * ``hashed``: texts, or integers too spread out; the distinct values as one Arrow
      array, and the batches not merged yet, merged by Arrow's dictionary encoding once
      they hold as many rows as there are distinct values (so each row is hashed about
      twice at most, and memory stays at the distinct values plus a few batches).
    """

    def __init__(self, locale: Locale = DEFAULT_LOCALE) -> None:
        self.locale = locale
        self.rows = 0
        self._integers = safe_separators(locale)
        self._state = "empty"
        self._codes: list[np.ndarray] = []  # int32 codes of the rows encoded so far
        self._seq = (0, 0)  # sequence: first value, rows
        self._lo = 0  # dense: the value at lut[0]
        self._lut = np.zeros(0, dtype=np.int32)  # dense: value - lo -> code, -1 unseen
        self._values: list[np.ndarray] = []  # dense: distinct values (int64), in order
        self._count = 0  # dense: distinct values so far
        self._dict: pa.Array | None = None  # hashed: distinct values, in order
        self._pending: list[pa.Array] = []  # hashed: batches not merged yet
        self._pending_rows = 0

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
        values = integer_values(col) if self._integers and self._state != "hashed" else None
        if values is not None and self._state in ("empty", "sequence"):
            if self._extends_sequence(values):
                self._seq = (int(values[0]) if self._state == "empty" else self._seq[0],
                             self._seq[1] + n)
                self._state = "sequence"
                self.rows += n
                return
            self._end_sequence()
        if values is not None and self._dense(values):
            self.rows += n
            return
        self._to_hashed()
        self._pending.append(pa.array(values, pa.int64()) if values is not None else col)
        self._pending_rows += n
        self.rows += n
        if self._pending_rows >= max(MERGE_ROWS, len(self._dict or ())):
            self._merge()

    # -- sequence ----------------------------------------------------------------------

    def _extends_sequence(self, values: np.ndarray) -> bool:
        first = int(values[0])
        if self._state == "sequence" and first != self._seq[0] + self._seq[1]:
            return False
        return len(values) == 1 or bool(np.all(np.diff(values) == 1))

    def _end_sequence(self) -> None:
        """The sequence so far becomes a dense range (a later batch broke it)."""
        if self._state != "sequence":
            self._state = "dense" if self._state == "empty" else self._state
            return
        start, count = self._seq
        self._state = "dense"
        self._lo = start
        self._lut = np.arange(count, dtype=np.int32)
        self._values = [np.arange(start, start + count, dtype=np.int64)]
        self._count = count
        self._codes = [np.arange(count, dtype=np.int32)]

    # -- dense integers ----------------------------------------------------------------

    def _dense(self, values: np.ndarray) -> bool:
        """Encode a batch of integers through the lookup table; False when the range
        would be too sparse for one (or the state is past dense)."""
        if self._state != "dense":
            return False
        lo, hi = int(values.min()), int(values.max())
        size = len(self._lut)
        if lo < self._lo or hi >= self._lo + size or not size:
            new_lo = min(lo, self._lo) if size else lo
            new_hi = max(hi, self._lo + size - 1) if size else hi
            span = new_hi - new_lo + 1
            if span > 4 * (self._count + len(values)) + _DENSE_SLACK:
                return False
            grown = np.full(span + span // 4 if new_hi > self._lo + size - 1 else span, NULL,
                            dtype=np.int32)
            if size:
                grown[self._lo - new_lo : self._lo - new_lo + size] = self._lut
            self._lo, self._lut = new_lo, grown
        off = values - self._lo
        codes = self._lut[off]
        new = np.flatnonzero(codes < 0)
        if len(new):
            fresh, first = np.unique(off[new], return_index=True)
            fresh = fresh[np.argsort(first, kind="stable")]
            self._lut[fresh] = np.arange(self._count, self._count + len(fresh), dtype=np.int32)
            self._values.append(fresh + self._lo)
            self._count += len(fresh)
            codes[new] = self._lut[off[new]]
        self._codes.append(codes)
        return True

    # -- hashed ------------------------------------------------------------------------

    def _to_hashed(self) -> None:
        if self._state == "hashed":
            return
        self._end_sequence()
        self._state = "hashed"
        values = np.concatenate(self._values) if self._values else np.zeros(0, np.int64)
        self._dict = pa.array(values, pa.int64())
        self._lut, self._values = np.zeros(0, dtype=np.int32), []

    def _merge(self) -> None:
        """Merge the pending batches into the distinct values; their rows get codes."""
        if not self._pending:
            return
        assert self._dict is not None
        chunks = [self._dict, *self._pending]
        if any(not pa.types.is_integer(c.type) for c in chunks):  # texts: all as texts
            large = any(pa.types.is_large_string(c.type) for c in chunks)
            kind = pa.large_string() if large else pa.string()
            chunks = [c if c.type == kind else c.cast(kind) for c in chunks]
        known = len(self._dict)
        enc = pc.dictionary_encode(pa.chunked_array(chunks, chunks[0].type))
        self._pending, self._pending_rows = [], 0
        if enc.num_chunks:
            self._dict = enc.chunk(0).dictionary
            idx = [c.indices for c in enc.chunks]
            codes = np.concatenate([(pc.fill_null(i, NULL) if i.null_count else i)
                                    .to_numpy(zero_copy_only=False) for i in idx])
            self._codes.append(np.array(codes[known:], dtype=np.int32))
        else:  # every pending cell NULL, nothing known yet
            self._dict = chunks[0]
            self._codes.append(np.full(sum(len(c) for c in chunks), NULL, dtype=np.int32))

    # -- the result --------------------------------------------------------------------

    def finish(self, interpret: Interpret | None = None) -> EncodedColumn:
        """The encoded column. ``interpret`` gives the numbers of the distinct texts
        that are not plain integers (``interpret_array`` in the encoder's locale by
        default). The encoder is spent."""
        if self._state == "sequence":
            return EncodedColumn(self.rows, None, None, None, self._seq[0])
        if self._state == "empty":
            return EncodedColumn(0, np.zeros(0, np.int32), np.zeros(0), None)
        self._merge()
        codes = _joined(self._codes, self.rows)
        if self._state == "dense":
            values = np.concatenate(self._values) if self._values else np.zeros(0, np.int64)
            return EncodedColumn(self.rows, codes, values.astype(np.float64), None)
        dictionary, self._dict = self._dict, None
        assert dictionary is not None
        if pa.types.is_integer(dictionary.type):
            nums = dictionary.to_numpy(zero_copy_only=False).astype(np.float64)
            return EncodedColumn(self.rows, codes, nums, None)
        if interpret is None:
            nums = interpret_array(dictionary, self.locale)
        else:
            nums = interpret(dictionary)
        return EncodedColumn(self.rows, codes, nums, dictionary)


def _joined(parts: list[np.ndarray], nrows: int) -> np.ndarray:
    """The parts one after the other in one array, freeing each once copied."""
    if len(parts) == 1:
        return parts.pop()
    out = np.empty(nrows, dtype=np.int32)
    row = 0
    while parts:
        part = parts.pop(0)
        out[row : row + len(part)] = part
        row += len(part)
    return out


def encode_column(
    column: pa.Array | pa.ChunkedArray, locale: Locale = DEFAULT_LOCALE
) -> EncodedColumn:
    """Encode a whole string column (its chunks taken as batches)."""
    encoder = ColumnEncoder(locale)
    encoder.add(column)
    return encoder.finish()
