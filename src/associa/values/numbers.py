"""Interpretation of text as numbers, dates and times (Qlik's number interpretation).

Dates are serial day numbers: days since 1899-12-30, the time of day as a fraction.
Format codes are analysed in :mod:`associa.values.formatcodes`.
"""

from __future__ import annotations

import datetime
import math
import re
from functools import lru_cache

from associa.values.formatcodes import (
    DateToken,
    classify_format,
    date_tokens,
    number_sections,
    radix_code,
)
from associa.values.locale import DEFAULT_LOCALE, Locale

__all__ = [
    "date_from_serial",
    "interpret",
    "parse_number",
    "parse_with_format",
    "serial_from_date",
]

_EPOCH_ORDINAL = datetime.date(1899, 12, 30).toordinal()
_MS_PER_DAY = 86_400_000
_HAS_DIGIT = re.compile(r"[0-9]")

# -- serial day numbers ---------------------------------------------------------------


def serial_from_date(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: float = 0.0) -> float:
    """Serial number of a date and time; raises ``ValueError`` for an invalid date."""
    days = datetime.date(y, m, d).toordinal() - _EPOCH_ORDINAL
    return days + (hh * 3600 + mm * 60 + ss) / 86400.0


def date_from_serial(x: float) -> tuple[int, int, int, int, int, float]:
    """(year, month, day, hour, minute, second) of a serial number, to the millisecond.

    Raises ``ValueError`` for NaN, infinities and dates outside years 1..9999.
    """
    if not math.isfinite(x):
        raise ValueError(f"not a finite serial number: {x!r}")
    days = math.floor(x)
    ms = round((x - days) * _MS_PER_DAY)
    if ms >= _MS_PER_DAY:
        days, ms = days + 1, ms - _MS_PER_DAY
    try:
        date = datetime.date.fromordinal(_EPOCH_ORDINAL + days)
    except OverflowError as exc:
        raise ValueError(f"serial number out of range: {x!r}") from exc
    hour, ms = divmod(ms, 3_600_000)
    minute, ms = divmod(ms, 60_000)
    return date.year, date.month, date.day, hour, minute, ms / 1000.0


# -- plain numbers ----------------------------------------------------------------------


@lru_cache(maxsize=64)
def _number_regex(decimal_sep: str, thousand_sep: str) -> re.Pattern[str]:
    digits = "[0-9]+"
    if thousand_sep and thousand_sep != decimal_sep:
        digits = f"[0-9]{{1,3}}(?:{re.escape(thousand_sep)}[0-9]{{3}})+|[0-9]+"
    return re.compile(
        rf"([+-]?)({digits})?(?:{re.escape(decimal_sep or '.')}([0-9]*))?"
        r"(?:[eE]([+-]?[0-9]+))?"
    )


def parse_number(text: str, decimal_sep: str = ".", thousand_sep: str = "") -> float | None:
    """A plain decimal number (sign, digits, decimals, exponent), else ``None``."""
    match = _number_regex(decimal_sep, thousand_sep).fullmatch(text.strip())
    if match is None:
        return None
    sign, whole, frac, exp = match.groups()
    if not whole and not frac:
        return None
    if whole and thousand_sep:
        whole = whole.replace(thousand_sep, "")
    value = float(f"{sign}{whole or '0'}.{frac or '0'}e{exp or '0'}")
    return value if math.isfinite(value) else None


def _number_or_percent(text: str, decimal_sep: str, thousand_sep: str) -> float | None:
    """A plain number, or a number followed by '%' (divided by 100)."""
    if text.endswith("%"):
        value = parse_number(text[:-1], decimal_sep, thousand_sep)
        return None if value is None else value / 100.0
    return parse_number(text, decimal_sep, thousand_sep)


# -- parsing with a numeric format ------------------------------------------------------


def _affix_regex(text: str) -> str:
    return "".join(r"\s*" if ch.isspace() else re.escape(ch) for ch in text)


@lru_cache(maxsize=512)
def _section_regex(prefix: str, suffix: str) -> re.Pattern[str]:
    return re.compile(
        rf"(-?)\s*{_affix_regex(prefix.strip())}\s*(.*?)\s*{_affix_regex(suffix.strip())}",
        re.IGNORECASE | re.DOTALL,
    )


def _parse_numeric(text: str, fmt: str, dec: str, thou: str) -> float | None:
    for index, section in enumerate(number_sections(fmt, dec, thou)):
        match = _section_regex(section.prefix, section.suffix).fullmatch(text)
        if match is None:
            continue
        number = match.group(2)
        value = parse_number(number, dec, thou)
        if value is None or (match.group(1) and number[:1] in "+-"):
            continue
        if match.group(1):
            value = -value
        if index == 1:
            value = -value
        return value / 100.0 if section.percent else value
    return None


def _parse_radix(text: str, base: int) -> float | None:
    if base == 0:
        return _parse_roman(text)
    sign = -1 if text.startswith("-") else 1
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isascii() or not digits.isalnum():
        return None
    try:
        return float(sign * int(digits, base))
    except ValueError:
        return None


_ROMAN = (("M", 1000), ("CM", 900), ("D", 500), ("CD", 400), ("C", 100), ("XC", 90),
          ("L", 50), ("XL", 40), ("X", 10), ("IX", 9), ("V", 5), ("IV", 4), ("I", 1))  # fmt: skip


def _parse_roman(text: str) -> float | None:
    rest, total = text.upper(), 0
    for symbol, value in _ROMAN:
        while rest.startswith(symbol):
            rest, total = rest[len(symbol) :], total + value
    return float(total) if not rest and total else None


def parse_with_format(
    text: str,
    fmt: str,
    locale: Locale = DEFAULT_LOCALE,
    dec_sep: str | None = None,
    thou_sep: str | None = None,
) -> float | None:
    """Interpret ``text`` with an explicit format code (Num#, Date#, Time#, ...).

    Numeric codes read the number with ``dec_sep``/``thou_sep`` (default: the locale's);
    date codes return a serial number.  An empty code means automatic interpretation.
    """
    s = text.strip()
    if not s:
        return None
    kind = classify_format(fmt)
    if kind == "radix":
        code = radix_code(fmt)
        assert code is not None
        return _parse_radix(s, code[0])
    if kind == "number":
        dec = locale.decimal_sep if dec_sep is None else dec_sep
        thou = locale.thousand_sep if thou_sep is None else thou_sep
        return _parse_numeric(s, fmt, dec, thou)
    if kind == "date":
        return _parse_date(s, fmt, locale)
    return interpret(s, locale)


# -- parsing with a date format ---------------------------------------------------------

_NUMERIC_KINDS = frozenset("YMDWhmsf")


def _names_regex(names: tuple[str, ...]) -> str:
    ordered = sorted(set(names), key=len, reverse=True)
    return "(" + "|".join(re.escape(n) for n in ordered) + ")"


def _token_regex(token: DateToken, fixed: bool, locale: Locale) -> str:
    kind, width = token.kind, token.width
    if kind == "lit":
        return _affix_regex(token.text)
    if kind == "[":
        return "(?:"
    if kind == "]":
        return ")?"
    if kind == "T":
        return "(AM|PM|A|P)"
    if kind == "Y":
        return "([0-9]{4})" if width >= 3 else "([0-9]{2})"
    if kind == "M" and width >= 3:
        return _names_regex(locale.month_names + locale.long_month_names)
    if kind == "W" and width >= 3:
        return _names_regex(locale.day_names + locale.long_day_names)
    if kind == "f":
        return f"([0-9]{{{width}}})" if fixed else "([0-9]+)"
    return "([0-9]{2})" if fixed and width >= 2 else "([0-9]{1,2})"


@lru_cache(maxsize=256)
def _date_regex(fmt: str, locale: Locale) -> tuple[re.Pattern[str], tuple[DateToken, ...]]:
    tokens = date_tokens(fmt)
    parts: list[str] = []
    fields: list[DateToken] = []
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        fixed = following is not None and following.kind in _NUMERIC_KINDS
        parts.append(_token_regex(token, fixed, locale))
        if token.kind not in ("lit", "[", "]"):
            fields.append(token)
    return re.compile("".join(parts), re.IGNORECASE), tuple(fields)


def _month_index(name: str, locale: Locale) -> int:
    low = name.lower()
    for names in (locale.month_names, locale.long_month_names):
        for i, candidate in enumerate(names):
            if candidate.lower() == low:
                return i + 1
    return 0


def _parse_date(text: str, fmt: str, locale: Locale) -> float | None:
    regex, fields = _date_regex(fmt, locale)
    match = regex.fullmatch(text)
    if match is None:
        return None
    found: dict[str, str] = {}
    for token, value in zip(fields, match.groups(), strict=True):
        if value is not None:
            found[token.kind] = value
            found[token.kind + "#"] = str(token.width)
    return _serial_from_fields(found, locale)


def _serial_from_fields(found: dict[str, str], locale: Locale) -> float | None:
    year = int(found.get("Y", "1900"))
    if "Y" in found and found["Y#"] in ("1", "2"):
        year += 2000 if year < 30 else 1900
    month_text = found.get("M", "1")
    month = int(month_text) if month_text.isdigit() else _month_index(month_text, locale)
    day = int(found.get("D", "1"))
    hour, minute, second = (int(found.get(k, "0")) for k in "hms")
    if "T" in found:
        if not 0 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if found["T"].upper().startswith("P") else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    fraction = float("0." + found["f"]) if "f" in found else 0.0
    if not any(k in found for k in "YMD"):
        return (hour * 3600 + minute * 60 + second + fraction) / 86400.0
    try:
        return serial_from_date(year, month, day, hour, minute, second + fraction)
    except ValueError:
        return None


# -- automatic interpretation -----------------------------------------------------------

_ISO_DATE = r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
_ISO_TIME = r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?"
_ISO_STAMP = re.compile(rf"{_ISO_DATE}(?:[ T]+{_ISO_TIME})?", re.IGNORECASE)
_TIME_ONLY = re.compile(_ISO_TIME)


def _parse_iso(text: str) -> float | None:
    match = _ISO_STAMP.fullmatch(text)
    if match is not None:
        y, mo, d, h, mi, s, f = match.groups()
        fields = {"Y": y, "Y#": "4", "M": mo, "D": d, "h": h or "0", "m": mi or "0"}
    else:
        match = _TIME_ONLY.fullmatch(text)
        if match is None:
            return None
        h, mi, s, f = match.groups()
        fields = {"h": h, "m": mi}
    if s:
        fields["s"] = s
    if f:
        fields["f"] = f
    return _serial_from_fields(fields, DEFAULT_LOCALE)


def interpretation_patterns(locale: Locale = DEFAULT_LOCALE) -> list[tuple[str, bool]]:
    """The regular expressions ``interpret`` tries, as (pattern, ignore case): a stripped
    text it reads as a number fully matches one of them (a money section's number is
    given as the number patterns it is read with: a superset of the texts it takes).
    For a vectorized pre-test that sets aside the texts no format can read."""
    dec, thou = locale.decimal_sep, locale.thousand_sep
    seps = [(dec, thou)]
    if "," not in (dec, thou):
        seps.append((".", ","))
    if "." not in (dec, thou):
        seps.append((",", "."))
    out: list[tuple[str, bool]] = []
    for d, t in seps:
        num = _number_regex(d, t).pattern
        out += [(num, False), (rf"(?:{num})\s*%", False)]
    for fmt in (locale.date_format, locale.timestamp_format, locale.time_format):
        if fmt and classify_format(fmt) == "date":
            out.append((_date_regex(fmt, locale)[0].pattern, True))
    out += [(_ISO_STAMP.pattern, True), (_TIME_ONLY.pattern, False)]
    money = locale.money_format
    if money and classify_format(money) == "number":
        num = _number_regex(locale.money_decimal_sep, locale.money_thousand_sep).pattern
        for section in number_sections(money, locale.money_decimal_sep,
                                       locale.money_thousand_sep):
            out.append((_section_regex(section.prefix, section.suffix).pattern.replace(
                "(.*?)", rf"\s*(?:{num})\s*"), True))
    return out


def interpret(text: str, locale: Locale = DEFAULT_LOCALE) -> float | None:
    """Qlik's automatic interpretation of untyped text; ``None`` when it stays text."""
    s = text.strip()
    if not s or _HAS_DIGIT.search(s) is None:
        return None
    dec, thou = locale.decimal_sep, locale.thousand_sep
    value = _number_or_percent(s, dec, thou)
    if value is not None:
        return value
    for fmt in (locale.date_format, locale.timestamp_format, locale.time_format):
        if fmt and classify_format(fmt) == "date":
            value = _parse_date(s, fmt, locale)
            if value is not None:
                return value
    value = _parse_iso(s)
    if value is not None:
        return value
    money = locale.money_format
    if money and classify_format(money) == "number":
        value = _parse_numeric(s, money, locale.money_decimal_sep, locale.money_thousand_sep)
        if value is not None:
            return value
    if "," not in (dec, thou):
        value = _number_or_percent(s, ".", ",")
        if value is not None:
            return value
    if "." not in (dec, thou):
        return _number_or_percent(s, ",", ".")
    return None
