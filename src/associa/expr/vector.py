"""Vectors of dual values: what expressions compute, one value per row or per group.

A ``Vec`` holds ``n`` values as three parallel arrays:

* ``num``: float64, the number of each value (NaN when it has none);
* ``text``: object array of str, or ``None`` entries where the text is the default
  rendering of the number (computed lazily by ``texts()``), or ``None`` altogether when
  every value is a plain number;
* ``null``: bool, True where the value is NULL.

A vector of field values keeps its texts lazy (the field's symbol table and the symbol
codes) and gathers them only when something reads ``text``: summing a million numbers
never touches a string, and reading a few values' texts makes only those.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from associa.values import DEFAULT_LOCALE, Locale, auto_format, parse_number


class Symbols(Protocol):
    """What a vector of field values needs of the field's symbol table."""

    def nums_at(self, codes: np.ndarray) -> np.ndarray: ...  # float64, NaN for text and NULL

    def null_mask(self, codes: np.ndarray) -> np.ndarray: ...

    def texts_at(self, codes: np.ndarray) -> np.ndarray: ...  # object array, None for NULL


class LazyCodes(Protocol):
    """Symbol codes not made yet (``kernels.codes.Codes``)."""

    def take(self, idx: np.ndarray) -> LazyCodes: ...

    def materialize(self) -> np.ndarray: ...


def _codes(idx: np.ndarray | LazyCodes) -> np.ndarray:
    return idx if isinstance(idx, np.ndarray) else idx.materialize()


class Vec:
    __slots__ = ("num", "_text", "null", "_lazy")

    def __init__(
        self,
        num: np.ndarray,
        text: np.ndarray | None,
        null: np.ndarray,
        lazy: tuple[Symbols, np.ndarray | LazyCodes] | None = None,
    ) -> None:
        self.num = num
        self._text = text
        self.null = null
        self._lazy = lazy  # (the field's symbol table, symbol code per value, maybe lazy)

    @property
    def text(self) -> np.ndarray | None:
        if self._lazy is not None:
            symbols, idx = self._lazy
            self._text = symbols.texts_at(_codes(idx))
            self._lazy = None
        return self._text

    @text.setter
    def text(self, value: np.ndarray | None) -> None:
        self._text = value
        self._lazy = None

    def __repr__(self) -> str:
        return f"Vec(num={self.num!r}, text={self.text!r}, null={self.null!r})"

    @property
    def n(self) -> int:
        return len(self.num)

    @staticmethod
    def from_symbols(symbols: Symbols, idx: np.ndarray) -> Vec:
        """Field values from symbol codes (the symbol table's null code, or -1 in a
        builder's column, for NULL)."""
        return Vec(symbols.nums_at(idx), None, symbols.null_mask(idx), (symbols, idx))

    def _texts_at(self, positions: np.ndarray) -> np.ndarray:
        """Texts of some values only (no full gather)."""
        if self._lazy is not None:
            symbols, idx = self._lazy
            return symbols.texts_at(_codes(idx.take(positions)))
        if self._text is None:
            return np.full(len(positions), None, dtype=object)
        return self._text[positions]

    def _has_text(self) -> bool:
        return self._lazy is not None or self._text is not None

    def coded(self) -> tuple[Symbols, np.ndarray] | None:
        """The symbol table and codes these values were gathered from, while their texts
        are not read yet (a caller may then work once per symbol); else None."""
        if self._lazy is None:
            return None
        symbols, idx = self._lazy
        return symbols, _codes(idx)

    # -- constructors ---------------------------------------------------------------

    @staticmethod
    def numbers(num: np.ndarray, null: np.ndarray | None = None) -> Vec:
        num = np.asarray(num, dtype=np.float64)
        nan = np.isnan(num)
        null = nan if null is None else (null | nan)
        return Vec(num, None, null)

    @staticmethod
    def constant_number(x: float, n: int) -> Vec:
        if math.isnan(x):
            return Vec.nulls(n)
        return Vec(np.full(n, x), None, np.zeros(n, dtype=bool))

    @staticmethod
    def constant_text(s: str, n: int, num: float | None = None) -> Vec:
        text = np.empty(n, dtype=object)
        text[:] = s
        value = math.nan if num is None else num
        return Vec(np.full(n, value), text, np.zeros(n, dtype=bool))

    @staticmethod
    def nulls(n: int) -> Vec:
        return Vec(np.full(n, math.nan), None, np.ones(n, dtype=bool))

    @staticmethod
    def booleans(mask: np.ndarray, null: np.ndarray | None = None) -> Vec:
        num = np.where(mask, -1.0, 0.0)
        if null is None:
            null = np.zeros(len(mask), dtype=bool)
        else:
            num[null] = math.nan
        return Vec(num, None, null)

    @staticmethod
    def texts_only(text: np.ndarray, null: np.ndarray) -> Vec:
        return Vec(np.full(len(text), math.nan), text, null)

    # -- reading --------------------------------------------------------------------

    def texts(self, locale: Locale = DEFAULT_LOCALE) -> np.ndarray:
        """The text of every value (None for NULL)."""
        n = self.n
        out = np.empty(n, dtype=object)
        text = self.text
        if text is not None:
            out[:] = text
            missing = np.flatnonzero(np.equal(out, None) & ~self.null)  # type: ignore[call-overload]
        else:
            missing = np.flatnonzero(~self.null)
        for i in missing:
            out[i] = auto_format(float(self.num[i]), locale)
        out[self.null] = None
        return out

    def text_or_empty(self, locale: Locale = DEFAULT_LOCALE) -> np.ndarray:
        out = self.texts(locale)
        out[self.null] = ""
        return out

    def as_numbers(self) -> np.ndarray:
        """The number of each value for arithmetic: a text without a number is read as a
        plain number when it is one (``Left('123', 2) + 1`` is 13, as a literal ``'12'``
        would be); NaN for NULL and for other text."""
        num = self.num
        if not self._has_text():
            return num
        idx = np.flatnonzero(np.isnan(num) & ~self.null)
        if not len(idx):
            return num
        num = num.copy()
        for i, t in zip(idx, self._texts_at(idx), strict=True):
            x = parse_number(t) if t is not None else None
            if x is not None:
                num[i] = x
        return num

    def is_numeric(self) -> np.ndarray:
        return ~np.isnan(self.num) & ~self.null

    def truth(self) -> np.ndarray:
        """Logical value: a number other than 0 is true; text that reads as a non-zero
        number is true; NULL and other text are false."""
        num = self.num
        truth = ~np.isnan(num) & (num != 0)
        if self._has_text():
            idx = np.flatnonzero(np.isnan(num) & ~self.null)
            for i, t in zip(idx, self._texts_at(idx), strict=True):
                x = parse_number(t) if t is not None else None
                truth[i] = x is not None and x != 0
        return truth & ~self.null

    def take(self, idx: np.ndarray) -> Vec:
        if self._lazy is not None:
            symbols, codes = self._lazy
            return Vec(self.num[idx], None, self.null[idx], (symbols, codes.take(idx)))
        text = self._text
        return Vec(self.num[idx], None if text is None else text[idx], self.null[idx])

    def value(self, i: int, locale: Locale = DEFAULT_LOCALE) -> tuple[str | None, float]:
        """(text, number) of one value; text None for NULL."""
        if self.null[i]:
            return None, math.nan
        t = self._texts_at(np.array([i]))[0]
        num = float(self.num[i])
        return (auto_format(num, locale) if t is None else t), num


def where(cond: np.ndarray, a: Vec, b: Vec) -> Vec:
    """Per row: a where cond, else b."""
    num = np.where(cond, a.num, b.num)
    null = np.where(cond, a.null, b.null)
    if a.text is None and b.text is None:
        text = None
    else:
        n = len(cond)
        at = a.text if a.text is not None else np.full(n, None, dtype=object)
        bt = b.text if b.text is not None else np.full(n, None, dtype=object)
        text = np.where(cond, at, bt)
    return Vec(num, text, null)


def concat(vecs: list[Vec]) -> Vec:
    """The values of several vectors one after the other."""
    num = np.concatenate([v.num for v in vecs])
    null = np.concatenate([v.null for v in vecs])
    if all(not v._has_text() for v in vecs):
        return Vec(num, None, null)
    parts = []
    for v in vecs:
        text = v.text
        parts.append(np.full(v.n, None, dtype=object) if text is None else text)
    return Vec(num, np.concatenate(parts), null)
