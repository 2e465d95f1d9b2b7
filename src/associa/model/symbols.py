"""Symbol tables: the distinct values of one field, in load order.

A field's symbol table holds each distinct non-NULL value once, as a dual (text and
number). Values with a number are distinct by number (the first text seen wins, so
``1.0``, ``1`` and ``1.000`` loaded in that order share the text ``1.0``); values with
no number are distinct by text, case-sensitively. NULL is not a symbol: columns store
``-1`` for it. A symbol's index is its ``qElemNumber``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np

NULL = -1  # the symbol index stored for NULL in table columns

Key = float | str


def symbol_key(text: str, num: float) -> Key:
    """The identity of a value inside a symbol table."""
    return text if math.isnan(num) else (0.0 if num == 0 else num)


class SymbolTable:
    """The distinct values of a field. Grows while a script runs; read-only afterwards."""

    __slots__ = ("_texts", "_nums", "_index", "_texts_arr", "_nums_arr")

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._nums: list[float] = []
        self._index: dict[Key, int] = {}
        self._texts_arr: np.ndarray | None = None
        self._nums_arr: np.ndarray | None = None

    # -- building -------------------------------------------------------------------

    def intern(self, text: str, num: float) -> int:
        """The index of the value, adding it when new."""
        key = symbol_key(text, num)
        idx = self._index.get(key)
        if idx is None:
            idx = len(self._texts)
            self._index[key] = idx
            self._texts.append(text)
            self._nums.append(num)
            self._texts_arr = self._nums_arr = None
        return idx

    def intern_raw(
        self, raw: Sequence[str | None], interpret: Callable[[str], float | None]
    ) -> np.ndarray:
        """Intern raw texts (as read from a file), interpreting each distinct text once."""
        cache: dict[str, int] = {}
        out = np.empty(len(raw), dtype=np.int32)
        for i, text in enumerate(raw):
            if text is None:
                out[i] = NULL
                continue
            idx = cache.get(text)
            if idx is None:
                num = interpret(text)
                idx = self.intern(text, math.nan if num is None else float(num))
                cache[text] = idx
            out[i] = idx
        return out

    def intern_values(
        self, texts: Sequence[str | None] | np.ndarray, nums: np.ndarray, null: np.ndarray
    ) -> np.ndarray:
        """Intern computed values: ``texts[i]`` / ``nums[i]``, NULL where ``null[i]``."""
        n = len(nums)
        out = np.full(n, NULL, dtype=np.int32)
        index = self._index
        for i in range(n):
            if null[i]:
                continue
            num = float(nums[i])
            text = texts[i]
            key: Key = text if math.isnan(num) else (0.0 if num == 0 else num)  # type: ignore[assignment]
            idx = index.get(key)
            if idx is None:
                idx = self.intern(text if text is not None else "", num)
            out[i] = idx
        return out

    # -- reading --------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._texts)

    def lookup(self, text: str, num: float) -> int | None:
        return self._index.get(symbol_key(text, num))

    def find_text(self, text: str) -> int | None:
        """The symbol whose text is ``text`` (exact), or None."""
        idx = self._index.get(text)
        if idx is not None and self._texts[idx] == text:
            return idx
        for i, t in enumerate(self._texts):
            if t == text:
                return i
        return None

    def find_number(self, num: float) -> int | None:
        return self._index.get(0.0 if num == 0 else num)

    def text(self, idx: int) -> str:
        return self._texts[idx]

    def num(self, idx: int) -> float:
        return self._nums[idx]

    @property
    def texts(self) -> np.ndarray:
        """Texts as an object array (with one extra ``None`` slot at the end for NULL)."""
        if self._texts_arr is None:
            arr = np.empty(len(self._texts) + 1, dtype=object)
            arr[:-1] = self._texts
            arr[-1] = None
            self._texts_arr = arr
        return self._texts_arr

    @property
    def nums(self) -> np.ndarray:
        """Numbers as float64 (NaN for text), with one extra NaN slot at the end for NULL."""
        if self._nums_arr is None:
            arr = np.empty(len(self._nums) + 1, dtype=np.float64)
            arr[:-1] = self._nums
            arr[-1] = math.nan
            self._nums_arr = arr
        return self._nums_arr

    def subset(self, keep: np.ndarray) -> tuple[SymbolTable, np.ndarray]:
        """A new table with only the symbols where ``keep``; returns it and old→new remap
        (``remap[-1]`` is NULL so that ``remap[column]`` works for NULL cells too)."""
        new = SymbolTable()
        remap = np.full(len(self._texts) + 1, NULL, dtype=np.int32)
        for old in np.flatnonzero(keep):
            remap[old] = new.intern(self._texts[old], self._nums[old])
        return new, remap

    def items(self) -> Iterable[tuple[str, float]]:
        return zip(self._texts, self._nums, strict=True)

    # -- properties of the whole field ----------------------------------------------

    def all_numeric(self) -> bool:
        nums = self.nums[:-1]
        return bool(len(nums)) and not np.isnan(nums).any()

    def all_integer(self) -> bool:
        nums = self.nums[:-1]
        return self.all_numeric() and bool(np.all(nums == np.round(nums)))

    def any_numeric(self) -> bool:
        return bool((~np.isnan(self.nums[:-1])).any())

    def all_ascii(self) -> bool:
        return all(t.isascii() for t in self._texts)

    def max_glyphs(self) -> int:
        return max((len(t) for t in self._texts), default=0)
