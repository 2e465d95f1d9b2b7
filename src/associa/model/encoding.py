"""Encoding batches of values for a symbol table: distinct values in order of first
appearance, and the texts a symbol table stores (Arrow string arrays, null where the text
is the number's default rendering, see ``rendering``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.model.rendering import default_text_array

TextsLike: TypeAlias = "pa.Array | pa.ChunkedArray | Sequence[str | None] | np.ndarray"

_STRING_LIMIT = (1 << 31) - 1  # bytes an Arrow string (int32 offsets) array can hold


def string_array(texts: TextsLike) -> pa.Array:
    """Texts as one Arrow string (or large_string) array, None/null for missing."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if isinstance(texts, pa.Array):
        if pa.types.is_dictionary(texts.type):
            texts = texts.cast(texts.type.value_type)
        if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
            texts = texts.cast(pa.string())
        return texts
    return pa.array(texts, type=pa.string(), from_pandas=False)


def compact_text_nulls(arr: pa.Array) -> pa.Array:
    """The same strings with no bytes kept under null slots (Arrow allows them there)."""
    if arr.null_count == 0:
        return arr
    filled = arr.fill_null("")
    if filled.offset:
        filled = pa.concat_arrays([filled])
    valid = pc.is_valid(arr)
    return pa.Array.from_buffers(arr.type, len(arr), [valid.buffers()[1], *filled.buffers()[1:]],
                                 null_count=arr.null_count)


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


def reduce_texts(texts: pa.Array, nums: np.ndarray) -> pa.Array | None:
    """``texts`` with null where the text is the number's default rendering (None when
    that is every text)."""
    has_num = ~np.isnan(nums)
    if not has_num.any():
        return texts
    if has_num.all():
        same = pc.equal(texts, default_text_array(nums)).fill_null(True)
    else:
        where = np.flatnonzero(has_num)
        defaults = default_text_array(nums[where])
        drop = ~texts.is_valid().to_numpy(zero_copy_only=False)
        drop[where] |= pc.equal(texts.take(pa.array(where)), defaults).fill_null(
            False).to_numpy(zero_copy_only=False)
        same = pa.array(drop)
    if pc.all(same).as_py():
        return None
    if not pc.any(same).as_py():
        return texts
    return pc.if_else(same, pa.scalar(None, texts.type), texts)


class StoredTexts:
    """The texts a symbol table stores, one slot per symbol, null where the text is the
    number's default rendering. Nothing is kept while every text so far is a default
    rendering; bulk appends are kept as Arrow chunks, single ones in a short list, and
    ``array`` joins them into one array."""

    __slots__ = ("_parts", "_covered", "_pending")

    def __init__(self) -> None:
        self._parts: list[pa.Array] = []  # the texts of symbols 0.._covered-1
        self._covered = 0
        self._pending: list[str | None] = []  # the texts of the next symbols

    def put_many(self, start: int, texts: pa.Array | None, count: int) -> None:
        """The texts of the ``count`` symbols from ``start`` (None: all default)."""
        if texts is None or texts.null_count == len(texts):
            if not self._parts and not self._pending:
                return
            texts = pa.nulls(count, pa.string())
        self._flush()
        if self._covered < start:
            self._parts.append(pa.nulls(start - self._covered, pa.string()))
        self._parts.append(compact_text_nulls(texts))
        self._covered = start + len(texts)

    def put_one(self, idx: int, text: str | None) -> None:
        if text is None and not self._parts and not self._pending:
            return
        end = self._covered + len(self._pending)
        if end < idx:
            self._flush()
            self._parts.append(pa.nulls(idx - end, pa.string()))
            self._covered = idx
        self._pending.append(text)

    def _flush(self) -> None:
        if self._pending:
            self._parts.append(pa.array(self._pending, type=pa.string()))
            self._covered += len(self._pending)
            self._pending = []

    def array(self, n: int) -> pa.Array | None:
        """The texts of symbols ``0..n-1`` as one array, or None when none is stored."""
        self._flush()
        if not self._parts:
            return None
        if self._covered < n:
            self._parts.append(pa.nulls(n - self._covered, pa.string()))
            self._covered = n
        if len(self._parts) > 1:
            size = sum(p.nbytes for p in self._parts)
            kind = pa.large_string() if size > _STRING_LIMIT else pa.string()
            self._parts = [pa.concat_arrays([p.cast(kind) for p in self._parts])]
        if self._parts[0].null_count == n:
            self._parts = []  # every text is a default rendering after all
            return None
        return self._parts[0]

    @property
    def empty(self) -> bool:
        return not self._parts and not self._pending
