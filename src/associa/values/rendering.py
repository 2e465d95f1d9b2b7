"""Default renderings of numbers, for whole arrays: a symbol whose text is what
:func:`associa.values.format.auto_format` shows for its number need not store the text.

* :func:`is_default_rendering` tells, per (text, number), whether ``text ==
  auto_format(number, locale)``; False where the number is NaN (a pure text) or the text
  is NULL. Integers below 1e15 render as their digits ("42", "-7"; never "+7", "007",
  "-0" or "42.0"); other numbers as auto_format's 14 significant digits ("12.5", "0.1",
  "1e-08").
* :func:`default_texts` renders numbers that way (an Arrow string array), so that a
  model can give back the texts it did not store.

Both agree with ``auto_format`` exactly (the tests check every case against it); the
common shapes are decided by Arrow kernels, the rest value by value.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.values.format import auto_format
from associa.values.locale import Locale

__all__ = ["default_texts", "is_default_rendering"]


def _re2(chars: str) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


def _bools(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(mask.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _array(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        return texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
    return texts


def _integral(nums: np.ndarray) -> np.ndarray:
    """Where auto_format prints plain digits (an integer below 1e15 in magnitude)."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(nums) & (nums == np.floor(nums)) & (np.abs(nums) < 1e15)


def is_default_rendering(
    texts: pa.Array | pa.ChunkedArray, nums: np.ndarray, locale: Locale | None = None
) -> np.ndarray:
    """Whether each text is the automatic rendering of its number (bool array)."""
    arr = _array(texts)
    nums = np.asarray(nums, dtype=np.float64)
    if len(arr) != len(nums):
        raise ValueError("texts and nums differ in length")
    dec = locale.decimal_sep if locale is not None else "."
    out = np.zeros(len(nums), dtype=bool)
    undecided = ~np.isnan(nums) & ~_bools(arr.is_null())
    if not undecided.any():
        return out
    # integers: canonical digits whose value is the number
    shape = _bools(pc.match_substring_regex(arr, "^(?:0|-?[1-9][0-9]{0,14})$")) & undecided
    if shape.any():
        idx = np.flatnonzero(shape)
        values = pc.cast(arr.take(pa.array(idx)), pa.int64()).to_numpy(zero_copy_only=False)
        equal = values.astype(np.float64) == nums[idx]
        out[idx[equal]] = True
        undecided[idx[equal]] = False
    # decimals with at most 14 significant digits, no trailing zero, at least 1e-7: the
    # text reads back as the number's shortest form, which auto_format then prints
    if len(dec) == 1 and not dec.isdigit():
        d = _re2(dec)
        small = f"-?0{d}0{{0,6}}[1-9](?:[0-9]{{0,12}}[1-9])?"
        large = f"-?[1-9][0-9]{{0,13}}{d}(?:[0-9]{{0,12}}[1-9])"
        shape = _bools(pc.match_substring_regex(arr, f"^(?:{small}|{large})$")) & undecided
        if shape.any():
            idx = np.flatnonzero(shape)
            sub = arr.take(pa.array(idx))
            digits = pc.subtract(pc.utf8_length(sub), pc.add(1, pc.cast(
                pc.starts_with(sub, "-"), pa.int32())))
            short = _bools(pc.less_equal(digits, 14)) | _bools(pc.starts_with(
                pc.utf8_ltrim(sub, "-"), "0"))
            if dec != ".":
                sub = pc.replace_substring(sub, dec, ".")
            values = np.asarray(pc.cast(sub, pa.float64()).to_numpy(zero_copy_only=False))
            equal = short & (values == nums[idx])
            out[idx[equal]] = True
            undecided[idx[equal]] = False
    # anything else that looks like some auto_format output: ask auto_format
    # (no leading zero, no trailing zero after the separator: auto_format strips them)
    point = f"(?:{_re2(dec)}[0-9]*[1-9])?" if dec else "[0-9]*"
    printable = f"^(?:-?(?:0|[1-9][0-9]*){point}(?:e[+-][0-9]+)?|[+-]Inf)$"
    rest = undecided & _bools(pc.match_substring_regex(arr, printable))
    idx = np.flatnonzero(rest)
    if len(idx):
        for i, text in zip(idx, arr.take(pa.array(idx)).to_pylist(), strict=True):
            out[i] = text == auto_format(float(nums[i]), locale)
    return out


def default_texts(nums: np.ndarray, locale: Locale | None = None) -> pa.Array:
    """``auto_format`` of each number, as an Arrow string array (NaN gives "")."""
    nums = np.asarray(nums, dtype=np.float64)
    integral = _integral(nums)
    if integral.all():
        return pc.cast(pa.array(nums.astype(np.int64)), pa.string())
    texts: list[str] = [""] * len(nums)
    ints = np.flatnonzero(integral)
    digits = nums[ints].astype(np.int64).astype(str).tolist()
    for k, t in zip(ints.tolist(), digits, strict=True):
        texts[k] = t
    for k in np.flatnonzero(~integral).tolist():
        x = float(nums[k])
        texts[k] = "" if math.isnan(x) else auto_format(x, locale)
    return pa.array(texts, pa.string())
