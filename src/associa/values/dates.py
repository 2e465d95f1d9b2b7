"""Whether a field's values are dates or timestamps (the ``$date`` / ``$timestamp`` tags).

Qlik help, "Field tags": ``$date``: "all (non-NULL) values in the field can be
interpreted as dates (integers)"; ``$timestamp``: "all (non-NULL) values in the field can
be interpreted as time stamps". A value is a date or time stamp when it is a dual whose
text is a date/time rendering of its number: the text of a date read by the number
interpretation (``1/31/2024``, ``2024-01-31``, ``31.01.2024`` …) or made by Date(),
Timestamp(), MakeDate() … The symbol table keeps such texts (they are not the number's
default rendering), so the test looks at the texts, whole Arrow columns at a time:

* every symbol is numeric and has a stored text (a default rendering is a plain number);
* no text is a number with at most a currency/unit affix (``12.50``, ``$ 1,234.00``,
  ``12,5 kr``, ``45%``): a date/time text has two digit groups or more that are not one
  number;
* then ``date`` when every number is an integer, else ``timestamp`` (a date is also a
  time stamp: a date field gets both tags).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.values.locale import Locale

__all__ = ["date_format_of", "date_kind", "looks_like_date"]


def _re2(chars: str) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


def _single_number(locale: Locale) -> str:
    """RE2: one number (sign, digits with optional thousands groups, decimals, exponent)
    between affixes without digits, for the plain and the money separators."""
    cores = []
    for dec, thou in ((locale.decimal_sep or ".", locale.thousand_sep),
                      (locale.money_decimal_sep or ".", locale.money_thousand_sep),
                      (".", ","), (",", ".")):
        whole = "[0-9]+"
        if thou and thou != dec:
            whole = f"[0-9]{{1,3}}(?:{_re2(thou)}[0-9]{{3}})+|[0-9]+"
        cores.append(f"(?:{whole})(?:{_re2(dec)}[0-9]*)?(?:[eE][+-]?[0-9]+)?")
    return f"^[^0-9]*[+-]?(?:{'|'.join(cores)})[^0-9]*$"


def looks_like_date(texts: pa.Array, locale: Locale) -> np.ndarray:
    """Which texts read as more than one number (dates, times, time stamps)."""
    single = pc.match_substring_regex(texts, _single_number(locale))
    digits = pc.match_substring_regex(texts, "[0-9]")
    out = pc.and_(pc.invert(single), digits)
    return np.asarray(out.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def date_kind(texts: pa.Array | None, nums: np.ndarray, locale: Locale) -> str:
    """"date", "timestamp" or "" for a field's distinct values: their stored texts (null
    where the text is the number's default rendering; None when none is stored) and
    numbers (NaN for text)."""
    if not len(nums) or texts is None or texts.null_count or np.isnan(nums).any():
        return ""
    head = min(len(texts), 1024)  # most fields show what they are in their first texts
    if not looks_like_date(texts.slice(0, head), locale).all():
        return ""
    if head < len(texts) and not looks_like_date(texts.slice(head), locale).all():
        return ""
    return "date" if bool(np.all(nums == np.floor(nums))) else "timestamp"


def date_format_of(text: str, kind: str, locale: Locale) -> str:
    """The format code a date/timestamp field is shown with: the locale's DateFormat
    (TimestampFormat for time stamps) when its first text reads with it, else the ISO
    form (``YYYY-MM-DD``, ``YYYY-MM-DD hh:mm:ss``), else the locale's code."""
    from associa.values.numbers import parse_with_format

    own = locale.date_format if kind == "date" else locale.timestamp_format
    if own and parse_with_format(text, own, locale) is not None:
        return own
    iso = "YYYY-MM-DD" if kind == "date" else "YYYY-MM-DD hh:mm:ss"
    if parse_with_format(text, iso, locale) is not None:
        return iso
    return own
