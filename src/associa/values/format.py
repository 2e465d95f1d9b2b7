"""Formatting numbers as text: automatic format, Qlik format codes, QIX FieldAttributes."""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.values.formatcodes import (
    DateToken,
    NumberSection,
    classify_format,
    date_tokens,
    number_sections,
    radix_code,
)
from associa.values.locale import DEFAULT_LOCALE, Locale
from associa.values.numbers import date_from_serial

__all__ = [
    "auto_format",
    "auto_format_many",
    "format_datetime",
    "format_interval",
    "format_number",
    "format_with_attributes",
]

_SIGNIFICANT = 14


def _special(x: float) -> str | None:
    """Text for NaN and infinities, ``None`` for finite numbers."""
    if math.isnan(x):
        return ""
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    return None


SMALL = 256  # numbers below which formatting many is a plain loop


def auto_format(x: float, locale: Locale | None = None) -> str:
    """How the engine shows a number that has no explicit format.

    Integers below 1e15 print as plain digits; other numbers are rounded to 14 significant
    digits with trailing zeros dropped; magnitudes >= 1e15 or below 1e-7 use exponent form
    ("1.2345678901235e+20", "1e-08").  No thousands separator; the locale's decimal sep.
    """
    special = _special(x)
    if special is not None:
        return special
    dec = locale.decimal_sep if locale is not None else "."
    magnitude = abs(x)
    if x == math.floor(x) and magnitude < 1e15:
        return str(int(x))
    scientific = f"{x:.{_SIGNIFICANT - 1}e}"
    if magnitude >= 1e15 or magnitude < 1e-7:
        mantissa, exponent = scientific.split("e")
        return _strip_zeros(mantissa).replace(".", dec) + "e" + exponent
    return _strip_zeros(format(Decimal(scientific), "f")).replace(".", dec)


def auto_format_many(nums: np.ndarray, locale: Locale | None = None,
                     default_none: bool = False) -> np.ndarray:
    """``auto_format`` of many numbers (an object array of str), the same text for text;
    with ``default_none``, None where that text is the number's default rendering
    (``values.rendering``: what a symbol table renders without storing a text), as it is
    for most numbers of at most 14 significant digits under a "." decimal separator.

    Vectorized where it is provably the same: integers below 1e15 as their digits; other
    numbers from 1e-7 to 1e15 through Arrow's shortest round-trip digits, taken as they
    are when they hold at most 14 significant digits (then they are the number rounded to
    14 digits), else from the shortest digits of the number rounded to 14 digits by
    numpy, accepted only where that rounding is on the 14-digit grid of the number's
    exponent and nearer to the number than 0.49 of the grid's step (so it is the one
    ``auto_format`` finds, ties excluded). Anything else goes through ``auto_format``."""
    nums = np.asarray(nums, dtype=np.float64)
    out = np.empty(len(nums), dtype=object)
    if len(nums) < SMALL:  # a page's worth: a loop costs less than the array calls
        out[:] = [auto_format(x, locale) for x in nums.tolist()]
        return out
    dec = locale.decimal_sep if locale is not None else "."
    default_none = default_none and dec == "."
    with np.errstate(invalid="ignore"):
        mag = np.abs(nums)
        whole = (np.floor(nums) == nums) & (mag < 1e15)
        middle = ~whole & (mag >= 1e-7) & (mag < 1e15)
    idx = np.flatnonzero(whole)
    if len(idx):
        out[idx] = pa.array(nums[idx].astype(np.int64)).cast(pa.string()).to_numpy(
            zero_copy_only=False)
    idx = np.flatnonzero(middle)
    done = np.zeros(len(nums), dtype=bool)
    done[whole] = True
    if len(idx):
        x = nums[idx]
        texts, exponents, ok = _shortest(x)
        ok &= _significant(texts) <= _SIGNIFICANT
        # Arrow's shortest digits as they are, from 1e-4 on: the default rendering too
        shortest = ok & (np.abs(x) >= 1e-4) if default_none else None
        rest = np.flatnonzero(~ok & (exponents > -99))
        if len(rest):  # round to 14 digits, then check the rounding
            y = x[rest]
            e = exponents[rest]
            rounded = np.empty(len(y))
            for k in np.unique(e).tolist():
                at = e == k
                rounded[at] = np.round(y[at], _SIGNIFICANT - 1 - k)
            rtexts, _, rok = _shortest(rounded)
            step = 10.0 ** (e - (_SIGNIFICANT - 1)).astype(np.float64)
            with np.errstate(invalid="ignore"):
                rok &= np.abs(y - rounded) < 0.49 * step
            rok &= _last_digit(rtexts) >= e - (_SIGNIFICANT - 1)
            texts[rest[rok]] = rtexts[rok]
            ok[rest[rok]] = True
        good = idx[ok]
        if dec != ".":
            out[good] = [t.replace(".", dec) for t in texts[ok].tolist()]
        else:
            out[good] = texts[ok]
        if shortest is not None:
            out[idx[shortest]] = None
        done[good] = True
    for i in np.flatnonzero(~done).tolist():
        out[i] = auto_format(float(nums[i]), locale)
    return out


def _shortest(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrow's shortest round-trip text of each number (object array), its decimal
    exponent (-99 where not in fixed-point notation) and whether it is fixed-point."""
    arr = pc.cast(pa.array(x, pa.float64()), pa.string())
    texts = arr.to_numpy(zero_copy_only=False)
    fixed = ~np.asarray(pc.match_substring(arr, "e").to_numpy(zero_copy_only=False), bool)
    body = pc.utf8_ltrim(arr, "-")
    point = np.asarray(pc.find_substring(body, ".").to_numpy(zero_copy_only=False))
    length = np.asarray(pc.utf8_length(body).to_numpy(zero_copy_only=False))
    int_digits = np.where(point < 0, length, point)
    # below 1: "0.000123" has its first digit 4 places after the point
    frac = pc.utf8_slice_codeunits(body, 2) if len(x) else body
    zeros = np.asarray(pc.utf8_length(frac).to_numpy(zero_copy_only=False)) - np.asarray(
        pc.utf8_length(pc.utf8_ltrim(frac, "0")).to_numpy(zero_copy_only=False))
    small = np.abs(x) < 1
    exponents = np.where(small, -zeros - 1, int_digits - 1)
    exponents = np.where(fixed, exponents, -99)
    return texts, exponents.astype(np.int64), fixed


def _significant(texts: np.ndarray) -> np.ndarray:
    """Significant digits of fixed-point texts (no exponent)."""
    arr = pa.array(texts, pa.string())
    digits = pc.replace_substring(pc.utf8_ltrim(arr, "-"), ".", "")
    return np.asarray(pc.utf8_length(pc.utf8_ltrim(digits, "0")).to_numpy(
        zero_copy_only=False))


def _last_digit(texts: np.ndarray) -> np.ndarray:
    """The decimal position of the last non-zero digit of fixed-point texts (0 for the
    units, -2 for hundredths); a huge number for zero."""
    arr = pa.array(texts, pa.string())
    point = np.asarray(pc.find_substring(arr, ".").to_numpy(zero_copy_only=False))
    length = np.asarray(pc.utf8_length(arr).to_numpy(zero_copy_only=False))
    trailing = length - np.asarray(pc.utf8_length(pc.utf8_rtrim(arr, "0")).to_numpy(
        zero_copy_only=False))
    return np.where(point >= 0, -(length - point - 1), trailing)


def _strip_zeros(text: str) -> str:
    if "." not in text:
        return text
    return text.rstrip("0").rstrip(".")


# -- numeric format codes ---------------------------------------------------------------


def _group(digits: str, size: int, sep: str) -> str:
    if size <= 0 or not sep or len(digits) <= size:
        return digits
    head = len(digits) % size or size
    parts = [digits[:head]] + [digits[i : i + size] for i in range(head, len(digits), size)]
    return sep.join(parts)


def _digits(value: float, section: NumberSection, dec: str, thou: str) -> tuple[str, bool]:
    """The formatted magnitude of ``value`` and whether it rounded to zero."""
    scaled = Decimal(repr(abs(value))) * (100 if section.percent else 1)
    rounded = scaled.quantize(Decimal(1).scaleb(-section.max_frac), rounding=ROUND_HALF_UP)
    whole, _, frac = format(rounded, "f").partition(".")
    while len(frac) > section.min_frac and frac.endswith("0"):
        frac = frac[:-1]
    if whole == "0" and section.min_int == 0:
        whole = ""
    whole = _group(whole.rjust(section.min_int, "0"), section.group, thou)
    text = whole + (dec + frac if frac else "")
    return (text or "0"), rounded == 0


def _format_numeric(x: float, fmt: str, dec: str, thou: str) -> str:
    sections = number_sections(fmt, dec, thou)
    if x < 0 and len(sections) > 1:
        section, sign = sections[1], ""
    else:
        section, sign = sections[0], "-" if x < 0 else ""
    if not section.digits:
        return section.prefix
    body, is_zero = _digits(x, section, dec, thou)
    if is_zero:
        sign = ""
    return sign + section.prefix + body + section.suffix


def _radix(x: float, base: int, upper: bool) -> str:
    n = int(Decimal(repr(x)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if base == 0:
        return _roman(n, upper) if 0 < n < 4000 else str(n)
    if n == 0:
        return "0"
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    digits, rest = [], abs(n)
    while rest:
        rest, d = divmod(rest, base)
        digits.append(alphabet[d])
    text = ("-" if n < 0 else "") + "".join(reversed(digits))
    return text.upper() if upper else text


_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))  # fmt: skip


def _roman(n: int, upper: bool) -> str:
    out = []
    for value, symbol in _ROMAN:
        count, n = divmod(n, value)
        out.append(symbol * count)
    text = "".join(out)
    return text if upper else text.lower()


def format_number(
    x: float,
    fmt: str,
    locale: Locale = DEFAULT_LOCALE,
    dec_sep: str | None = None,
    thou_sep: str | None = None,
) -> str:
    """Format ``x`` with a Qlik format code (numeric, date/time, or special radix).

    A numeric code is written with ``dec_sep``/``thou_sep`` (default: the locale's
    DecimalSep/ThousandSep) and the output uses the same separators.  An empty code gives
    :func:`auto_format`.
    """
    special = _special(x)
    if special is not None:
        return special
    if not fmt:
        return auto_format(x, locale)
    kind = classify_format(fmt)
    if kind == "radix":
        code = radix_code(fmt)
        assert code is not None
        return _radix(x, *code)
    if kind == "date":
        return format_datetime(x, fmt, locale)
    if kind == "literal":
        return "".join(t.text for t in date_tokens(fmt) if t.kind == "lit")
    dec = locale.decimal_sep if dec_sep is None else dec_sep
    thou = locale.thousand_sep if thou_sep is None else thou_sep
    return _format_numeric(x, fmt, dec or ".", thou)


# -- date and time format codes ---------------------------------------------------------


def _pad(value: int, width: int) -> str:
    return f"{value:02d}" if width >= 2 else str(value)


def _fraction(seconds: float, width: int) -> str:
    millis = f"{round((seconds - math.floor(seconds)) * 1000):03d}"[:3]
    return millis[:width] if width <= 3 else millis.ljust(width, "0")


def _visible(tokens: tuple[DateToken, ...]) -> list[DateToken]:
    """Tokens outside optional '[...]' parts (those are for interpretation only)."""
    out, depth = [], 0
    for token in tokens:
        if token.kind == "[":
            depth += 1
        elif token.kind == "]":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(token)
    return out


def format_datetime(x: float, fmt: str, locale: Locale = DEFAULT_LOCALE) -> str:
    """Format serial number ``x`` with a date/time code (``TT`` selects a 12-hour clock)."""
    special = _special(x)
    if special is not None:
        return special
    try:
        year, month, day, hour, minute, second = date_from_serial(x)
    except (ValueError, OverflowError):
        return auto_format(x, locale)
    tokens = _visible(date_tokens(fmt))
    twelve = any(t.kind == "T" for t in tokens)
    weekday = datetime.date(year, month, day).weekday()
    out: list[str] = []
    for t in tokens:
        w = t.width
        if t.kind == "lit":
            out.append(t.text)
        elif t.kind == "Y":
            out.append(str(year).rjust(4, "0") if w >= 3 else f"{year % 100:02d}")
        elif t.kind == "M":
            names = locale.month_names if w == 3 else locale.long_month_names
            out.append(_pad(month, w) if w <= 2 else names[month - 1])
        elif t.kind == "D":
            out.append(_pad(day, w))
        elif t.kind == "W":
            names = locale.day_names if w == 3 else locale.long_day_names
            out.append(str(weekday) if w <= 2 else names[weekday])
        elif t.kind == "h":
            out.append(_pad((hour % 12 or 12) if twelve else hour, w))
        elif t.kind == "m":
            out.append(_pad(minute, w))
        elif t.kind == "s":
            out.append(_pad(int(second), w))
        elif t.kind == "f":
            out.append(_fraction(second, w))
        elif t.kind == "T":
            marker = "PM" if hour >= 12 else "AM"
            out.append(marker.lower() if t.text.islower() else marker)
    return "".join(out)


_MS_PER_DAY = 86_400_000
_UNITS = (("D", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000))


def format_interval(x: float, fmt: str, locale: Locale = DEFAULT_LOCALE) -> str:
    """Format a duration of ``x`` days; the largest unit in the code takes the whole.

    ``format_interval(1.5, 'hh:mm')`` is "36:00".  Date letters other than D are ignored.
    """
    special = _special(x)
    if special is not None:
        return special
    tokens = _visible(date_tokens(fmt or "hh:mm:ss"))
    present = {t.kind for t in tokens}
    remaining = round(abs(x) * _MS_PER_DAY)
    values: dict[str, int] = {}
    for kind, size in _UNITS:
        if kind in present:
            values[kind], remaining = divmod(remaining, size)
    out: list[str] = []
    for t in tokens:
        if t.kind == "lit":
            out.append(t.text)
        elif t.kind in values:
            out.append(_pad(values[t.kind], t.width))
        elif t.kind == "f":
            millis = f"{remaining % 1000:03d}"
            out.append(millis[: t.width] if t.width <= 3 else millis.ljust(t.width, "0"))
    sign = "-" if x < 0 and round(abs(x) * _MS_PER_DAY) != 0 else ""
    return sign + "".join(out)


# -- QIX FieldAttributes ----------------------------------------------------------------


def _is_auto_pattern(fmt: str) -> bool:
    return not fmt or set(fmt) == {"#"}


def _separator(attrs: Mapping[str, Any], key: str) -> str | None:
    value = attrs.get(key)
    return str(value) if value else None


def format_with_attributes(
    x: float, attrs: Mapping[str, Any], locale: Locale = DEFAULT_LOCALE
) -> str:
    """Format ``x`` as described by a QIX ``FieldAttributes`` object (``qNumFormat``)."""
    special = _special(x)
    if special is not None:
        return special
    kind = str(attrs.get("qType") or "U").upper()
    fmt = str(attrs.get("qFmt") or "")
    dec, thou = _separator(attrs, "qDec"), _separator(attrs, "qThou")
    if kind in ("D", "T", "TS"):
        default = {"D": locale.date_format, "T": locale.time_format}.get(
            kind, locale.timestamp_format
        )
        return format_number(x, fmt or default, locale, dec, thou)
    if kind == "IV":
        return format_interval(x, fmt or _interval_default(locale), locale)
    if kind == "M":
        dec = locale.money_decimal_sep if dec is None else dec
        thou = locale.money_thousand_sep if thou is None else thou
        return format_number(x, fmt or locale.money_format, locale, dec, thou)
    if kind in ("U", "A") or _is_auto_pattern(fmt):
        return auto_format(x, locale)
    return format_number(x, fmt, locale, dec, thou)


def _interval_default(locale: Locale) -> str:
    """The time format without its AM/PM marker, e.g. 'h:mm:ss'."""
    kept = [t.text for t in date_tokens(locale.time_format) if t.kind not in ("T", "[", "]")]
    return "".join(kept).strip() or "hh:mm:ss"
