"""The texts a symbol table stores: Arrow string arrays, null where the text is the
number's default rendering (``values.rendering``), kept in chunks while a table grows.
(Numbering distinct values in order of first appearance is ``values.encoding``'s.)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.values.rendering import is_default_rendering

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


def reduce_texts(texts: pa.Array, nums: np.ndarray) -> pa.Array | None:
    """``texts`` with null where the text is the number's default rendering (None when
    that is every text)."""
    same = is_default_rendering(texts, nums)
    if texts.null_count:
        same |= ~texts.is_valid().to_numpy(zero_copy_only=False)
    if same.all():
        return None
    if not same.any():
        return texts
    return pc.if_else(pa.array(same), pa.scalar(None, texts.type), texts)


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
