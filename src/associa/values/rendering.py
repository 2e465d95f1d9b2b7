"""The default rendering of a number: the text a symbol table does not store.

A symbol is a dual (text, number). Where the text is exactly the number's default
rendering, a symbol table keeps only the number and renders the text when asked. The
rule is reversible and independent of the locale (a text stored under one ``DecimalSep``
reads back the same under another):

* an integer below 2**63 in magnitude renders as its digits, ``"%d"`` (``7`` → ``"7"``,
  ``-0.0`` → ``"0"``): what a file's ``1234`` or the script's computed integers give;
* any other number renders as Python's shortest round-trip ``repr`` (``12.5`` → ``"12.5"``,
  ``1e+20``, ``inf``): what a file's ``12.5`` gives, though not its ``12.50``.

Any other text (``"007"``, ``"12.50"``, ``"1,000"``, a date) is stored as it is, so the text
a symbol returns is always the one it was loaded with. (What a number *shows* as when it
has no text of its own, e.g. in a chart, is ``format.auto_format``'s business, not this.)

The array functions are vectorized: integers through Arrow's int64 → string cast; other
numbers through Arrow's float64 → string cast (shortest round-trip digits, as ``repr``),
taken where both print fixed-point digits, and ``repr`` value by value elsewhere.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "default_lengths",
    "default_text",
    "default_text_array",
    "default_texts",
    "is_default_rendering",
    "parse_default",
]

_INT_LIMIT = 2.0**63
_SMALL = 256  # numbers below which rendering many is a plain loop
_POW10 = np.array([10**k for k in range(19)], dtype=np.int64)
_INT_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)")


def _integral(nums: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (np.floor(nums) == nums) & (np.abs(nums) < _INT_LIMIT)


def default_text(x: float) -> str:
    if abs(x) < _INT_LIMIT and x == math.floor(x):
        return str(int(x))
    return repr(float(x))


def _fractions(nums: np.ndarray) -> list[str]:
    """``repr`` of numbers that are not integers below 2**63 (Arrow's shortest digits
    where ``repr`` prints them fixed-point too: 1e-4 <= |x| < 1e16)."""
    if not len(nums):
        return []
    arr = pc.cast(pa.array(nums, pa.float64()), pa.string())
    out = arr.to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore"):
        mag = np.abs(nums)
        fixed = (mag >= 1e-4) & (mag < 1e16)
    fixed &= ~np.asarray(pc.match_substring(arr, "e").to_numpy(zero_copy_only=False), bool)
    for i in np.flatnonzero(~fixed).tolist():
        out[i] = repr(float(nums[i]))
    return out.tolist()


def default_texts(nums: np.ndarray) -> np.ndarray:
    """Default renderings as an object array of str."""
    nums = np.asarray(nums, dtype=np.float64)
    out = np.empty(len(nums), dtype=object)
    if len(nums) < _SMALL:  # a page's worth: a loop costs less than the array calls
        out[:] = [default_text(x) for x in nums.tolist()]
        return out
    whole = _integral(nums)
    ints = nums[whole].astype(np.int64)
    if len(ints):
        out[whole] = pa.array(ints).cast(pa.string()).to_numpy(zero_copy_only=False)
    other = np.flatnonzero(~whole)
    if len(other):
        out[other] = _fractions(nums[other])
    return out


def default_text_array(nums: np.ndarray) -> pa.Array:
    """Default renderings as an Arrow string array."""
    nums = np.asarray(nums, dtype=np.float64)
    whole = _integral(nums)
    if whole.all():
        return pa.array(nums.astype(np.int64)).cast(pa.string())
    return pa.array(default_texts(nums), type=pa.string())


def default_lengths(nums: np.ndarray) -> np.ndarray:
    """Length (characters, all ASCII so also bytes) of each default rendering."""
    nums = np.asarray(nums, dtype=np.float64)
    out = np.empty(len(nums), dtype=np.int64)
    whole = _integral(nums)
    ints = nums[whole].astype(np.int64)
    mag = np.abs(ints)  # -2**63 is not integral-below-limit, so abs cannot overflow
    digits = np.maximum(np.searchsorted(_POW10, mag, side="right"), 1)
    out[whole] = digits + (ints < 0)
    other = np.flatnonzero(~whole)
    if len(other):
        out[other] = [len(t) for t in _fractions(nums[other])]
    return out


def is_default_rendering(texts: pa.Array, nums: np.ndarray) -> np.ndarray:
    """Whether each text is the default rendering of its number (bool array; False where
    the number is NaN or the text is null)."""
    nums = np.asarray(nums, dtype=np.float64)
    if len(texts) != len(nums):
        raise ValueError("texts and nums differ in length")
    has_num = ~np.isnan(nums)
    if texts.null_count:  # a null text is no rendering: nothing to render for it
        has_num &= texts.is_valid().to_numpy(zero_copy_only=False)
    if not has_num.any():
        return np.zeros(len(nums), dtype=bool)
    if has_num.all():
        same = pc.equal(texts, default_text_array(nums))
    else:
        where = np.flatnonzero(has_num)
        out = np.zeros(len(nums), dtype=bool)
        same = pc.equal(texts.take(pa.array(where)), default_text_array(nums[where]))
        out[where] = same.fill_null(False).to_numpy(zero_copy_only=False)
        return out
    return np.asarray(same.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def parse_default(text: str) -> float | None:
    """The number whose default rendering is ``text``, or None when no number renders so."""
    if len(text) > 40:
        return None  # longer than any default rendering
    if _INT_TEXT.fullmatch(text):
        x = float(int(text))
        return x if abs(x) < _INT_LIMIT and default_text(x) == text else None
    try:
        x = float(text)
    except ValueError:
        return None
    return x if not math.isnan(x) and repr(x) == text and default_text(x) == text else None
