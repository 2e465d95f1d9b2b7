"""Dictionary encoding of a column of texts with the numbers of its distinct values.

:func:`encode_column` turns an Arrow string column (as a reader returns it) into row
indices into its distinct texts, in order of first appearance, each distinct text
interpreted once (:func:`~associa.values.interpretation.interpret_array`) and marked
where it is the default rendering of its number (:func:`~.rendering.is_default_rendering`,
so that a symbol table need not keep that text).

Integer columns (every text 1 to 15 ASCII digits without a leading zero, the usual keys)
never hash texts: their integers are encoded instead. A column counting up by one from
its first value (an ID such as OrderID) is its own dictionary (``sequence``); a dense
range of integers is encoded through a table over the range; others by Arrow's integer
hash. Their texts are all default renderings and are not materialized (``texts`` None;
:func:`~.rendering.default_texts` renders them on demand).

:func:`merge_equal_numbers` gives the symbol-table view: distinct texts with the same
number (``1`` and ``1.0``) are one symbol, the first text seen wins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.values.interpretation import interpret_array, safe_separators
from associa.values.locale import DEFAULT_LOCALE, Locale
from associa.values.rendering import default_texts, is_default_rendering

__all__ = ["EncodedColumn", "encode_column", "merge_equal_numbers"]

NULL = -1  # the index of a NULL cell
_DENSE_SLACK = 1 << 16  # a range table may be this much larger than the column


@dataclass(frozen=True, slots=True, eq=False)
class EncodedColumn:
    """A column as (row → distinct value) indices and the distinct values."""

    indices: np.ndarray  # int32 per row, NULL (-1) for a NULL cell
    nums: np.ndarray  # float64 per distinct text, NaN where it stays text
    plain: np.ndarray  # bool per distinct text: it is the default rendering of its number
    texts: pa.Array | None  # distinct texts; None when every one is plain
    sequence: bool = False  # indices == arange(len): each row its own value, in order

    def __len__(self) -> int:
        return len(self.nums)

    def text_array(self, locale: Locale | None = None) -> pa.Array:
        """The distinct texts (rendered from the numbers where not stored)."""
        return self.texts if self.texts is not None else default_texts(self.nums, locale)


def _chunks(column: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    if isinstance(column, pa.ChunkedArray):
        return column
    return pa.chunked_array([column], type=column.type)


def _integers(col: pa.ChunkedArray) -> np.ndarray | None:
    """The column's integers when every text is 1-15 digits without a leading zero."""
    if col.null_count or not len(col):
        return None
    lengths = pc.binary_length(col)
    if pc.max(lengths).as_py() > 15 or not pc.all(pc.ascii_is_decimal(col)).as_py():
        return None
    zero = pc.starts_with(col, "0")
    if pc.any(zero).as_py() and pc.any(pc.and_(zero, pc.greater(lengths, 1))).as_py():
        return None  # a leading zero: "007" is not the rendering of 7
    return np.asarray(pc.cast(col, pa.int64()).to_numpy())


def _encode_integers(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """(indices, distinct values in first-appearance order, whether a sequence)."""
    n = len(values)
    lo, hi = int(values.min()), int(values.max())
    if values[0] == lo and hi - lo == n - 1 and bool(np.all(np.diff(values) == 1)):
        return np.arange(n, dtype=np.int32), values, True
    span = hi - lo + 1
    if span <= 4 * n + _DENSE_SLACK:
        offset = values - lo
        first = np.full(span, n, dtype=np.int64)
        np.minimum.at(first, offset, np.arange(n, dtype=np.int64))
        present = np.flatnonzero(first < n)
        ordered = present[np.argsort(first[present], kind="stable")]
        code = np.empty(span, dtype=np.int32)
        code[ordered] = np.arange(len(ordered), dtype=np.int32)
        return code[offset], ordered + lo, False
    encoded = pc.dictionary_encode(pa.array(values))
    indices = np.asarray(encoded.indices.to_numpy(), dtype=np.int32)
    return indices, np.asarray(encoded.dictionary.to_numpy()), False


def encode_column(
    column: pa.Array | pa.ChunkedArray, locale: Locale = DEFAULT_LOCALE
) -> EncodedColumn:
    """Encode a string column: row indices, distinct texts, their numbers."""
    col = _chunks(column)
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        raise TypeError(f"encode_column needs strings, not {col.type}")
    values = _integers(col) if safe_separators(locale) else None
    if values is not None:
        indices, distinct, sequence = _encode_integers(values)
        nums = distinct.astype(np.float64)
        plain = np.ones(len(nums), dtype=bool)
        return EncodedColumn(indices, nums, plain, None, sequence)
    encoded = pc.dictionary_encode(col)
    if encoded.num_chunks:
        dictionary = encoded.chunk(0).dictionary
        parts = [pc.fill_null(c.indices, NULL).to_numpy() for c in encoded.chunks]
        indices = np.concatenate(parts).astype(np.int32, copy=False)
    else:
        dictionary = pa.array([], col.type)
        indices = np.empty(0, dtype=np.int32)
    nums = interpret_array(dictionary, locale)
    plain = is_default_rendering(dictionary, nums, locale)
    return EncodedColumn(indices, nums, plain, dictionary)


def merge_equal_numbers(
    nums: np.ndarray, plain: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Symbols of distinct texts: ``(remap, keep)`` where ``keep`` marks the texts that
    become symbols (the first of each number; every pure text) and ``remap[i]`` is the
    symbol of text ``i`` (symbols numbered in order of the kept texts).

    ``plain`` (from :class:`EncodedColumn`) lets it skip the sort when no two texts can
    share a number: plain texts render their number, so only a non-plain numeric text
    can repeat another's number."""
    nums = np.asarray(nums, dtype=np.float64)
    k = len(nums)
    numeric = ~np.isnan(nums)
    if plain is not None and not (numeric & ~np.asarray(plain, dtype=bool)).any():
        return np.arange(k, dtype=np.int32), np.ones(k, dtype=bool)
    where = np.flatnonzero(numeric)
    _, first, inverse = np.unique(nums[where] + 0.0, return_index=True, return_inverse=True)
    keep = ~numeric
    keep[where[first]] = True
    symbol = np.cumsum(keep, dtype=np.int64).astype(np.int32) - 1
    remap = symbol.copy()
    remap[where] = symbol[where[first]][inverse]
    return remap, keep
