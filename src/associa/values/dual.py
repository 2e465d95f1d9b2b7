"""Dual values: a text and a number (``math.nan`` when the value is not numeric).

NULL is Python ``None`` everywhere, never a :class:`Dual`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from associa.values.format import auto_format
from associa.values.locale import DEFAULT_LOCALE, Locale
from associa.values.numbers import interpret

__all__ = ["Dual", "dual_from_number", "dual_from_text", "interpret_dual"]


@dataclass(frozen=True, slots=True, eq=False)
class Dual:
    """A Qlik value: display text plus number (``nan`` for pure text).

    Equality and hashing treat every NaN as the same "no number", so duals can be dict keys.
    """

    text: str
    num: float

    @property
    def is_num(self) -> bool:
        """True when the value carries a number."""
        return not math.isnan(self.num)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dual):
            return NotImplemented
        if self.text != other.text:
            return False
        return self.num == other.num or (math.isnan(self.num) and math.isnan(other.num))

    def __hash__(self) -> int:
        return hash((self.text, None if math.isnan(self.num) else self.num))

    def __repr__(self) -> str:
        return f"Dual({self.text!r}, {self.num!r})"


def dual_from_number(x: float, locale: Locale | None = None) -> Dual:
    """A number with its automatic text (see :func:`auto_format`)."""
    return Dual(auto_format(x, locale), float(x))


def dual_from_text(text: str) -> Dual:
    """A pure text value (no number)."""
    return Dual(text, math.nan)


def interpret_dual(text: str, locale: Locale = DEFAULT_LOCALE) -> Dual:
    """Untyped input: the original text, plus a number when it reads as one."""
    value = interpret(text, locale)
    return Dual(text, math.nan if value is None else value)
