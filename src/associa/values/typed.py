"""Dates and times as the engine keeps them: serial numbers with a display text.

* :func:`format_serials`: ``format_datetime`` over a whole array (Arrow string kernels:
  the fields of each date computed by numpy, padded, named and joined by Arrow), the same
  text for every value (a test checks it against the scalar function).
* :func:`temporal_duals`: a typed Arrow column (date32/64, timestamp, time32/64, as
  Parquet, QVD-free typed sources and databases give them) as serial numbers (days since
  1899-12-30, the time of day a fraction) and texts in the locale's DateFormat,
  TimestampFormat or TimeFormat: Qlik help, "Dates and times": a typed date or time
  value from a database is stored as a dual shown with the app's format variables.
  Time zones are not applied: a zoned timestamp keeps its UTC wall clock.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.values.format import _visible, format_datetime
from associa.values.formatcodes import date_tokens
from associa.values.locale import Locale

__all__ = ["format_serials", "temporal_duals"]

_MS_PER_DAY = 86_400_000
_UNIX_SERIAL = 25569  # 1970-01-01 as a serial day number
_EPOCH = np.datetime64("1899-12-30", "D")
_MIN_DAYS = int((np.datetime64("0001-01-01", "D") - _EPOCH).astype(np.int64))
_MAX_DAYS = int((np.datetime64("9999-12-31", "D") - _EPOCH).astype(np.int64))


def _digits(values: np.ndarray, width: int) -> pa.Array:
    text = pc.cast(pa.array(values.astype(np.int64)), pa.string())
    return pc.utf8_lpad(text, width=width, padding="0") if width > 1 else text


def format_serials(nums: np.ndarray, fmt: str, locale: Locale) -> pa.Array:
    """Texts of serial numbers with a date/time format code, as ``format_datetime``."""
    x = np.asarray(nums, dtype=np.float64)
    n = len(x)
    ok = np.isfinite(x)
    days = np.floor(np.where(ok, x, 0.0))
    ms = np.round((np.where(ok, x, 0.0) - days) * _MS_PER_DAY)
    carry = ms >= _MS_PER_DAY
    days = np.where(carry, days + 1, days)
    ms = np.where(carry, ms - _MS_PER_DAY, ms).astype(np.int64)
    ok &= (days >= _MIN_DAYS) & (days <= _MAX_DAYS)
    d = np.where(ok, days, 0).astype(np.int64)
    date = _EPOCH + d.astype("timedelta64[D]")
    year = date.astype("datetime64[Y]").astype(np.int64) + 1970
    month = date.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (date - date.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    weekday = (d + 5) % 7  # 1899-12-30 was a Saturday; Monday is 0
    hour, rest = np.divmod(ms, 3_600_000)
    minute, rest = np.divmod(rest, 60_000)
    second, millis = np.divmod(rest, 1000)
    tokens = _visible(date_tokens(fmt))
    twelve = any(t.kind == "T" for t in tokens)
    parts: list[pa.Array | str] = []
    for t in tokens:
        w = t.width
        if t.kind == "lit":
            parts.append(t.text)
        elif t.kind == "Y":
            parts.append(_digits(year, 4) if w >= 3 else _digits(year % 100, 2))
        elif t.kind == "M":
            if w <= 2:
                parts.append(_digits(month, w))
            else:
                names = locale.month_names if w == 3 else locale.long_month_names
                parts.append(pa.array(names).take(pa.array(month - 1)))
        elif t.kind == "D":
            parts.append(_digits(day, w))
        elif t.kind == "W":
            if w <= 2:
                parts.append(_digits(weekday, 1))
            else:
                names = locale.day_names if w == 3 else locale.long_day_names
                parts.append(pa.array(names).take(pa.array(weekday)))
        elif t.kind == "h":
            parts.append(_digits(np.where(hour % 12 == 0, 12, hour % 12) if twelve else hour, w))
        elif t.kind == "m":
            parts.append(_digits(minute, w))
        elif t.kind == "s":
            parts.append(_digits(second, w))
        elif t.kind == "f":
            three = _digits(millis, 3)
            parts.append(pc.utf8_slice_codeunits(three, 0, w) if w <= 3
                         else pc.utf8_rpad(three, width=w, padding="0"))
        elif t.kind == "T":
            am, pm = ("am", "pm") if t.text.islower() else ("AM", "PM")
            parts.append(pc.if_else(pa.array(hour >= 12), pm, am))
    if not parts:
        out = pa.array([""] * n, pa.string())
    else:
        arrays = [p if isinstance(p, pa.Array) else pa.array([p] * n, pa.string())
                  for p in parts]
        out = pc.binary_join_element_wise(*arrays, "")
    bad = np.flatnonzero(~ok)
    if len(bad):  # NaN, infinities, years outside 1..9999: the scalar rules' texts
        texts = out.to_numpy(zero_copy_only=False).astype(object)
        for i in bad:
            texts[i] = format_datetime(float(x[i]), fmt, locale)
        out = pa.array(texts, pa.string())
    return out


def temporal_duals(arr: pa.Array | pa.ChunkedArray,
                   locale: Locale) -> tuple[np.ndarray, pa.Array] | None:
    """Serial numbers (NaN for NULL) and display texts (null for NULL) of a date, timestamp
    or time column; None for a column of another type."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    typ = arr.type
    if pa.types.is_date32(typ):
        raw = pc.cast(arr, pa.int32()).to_numpy(zero_copy_only=False)
        nums, fmt = raw.astype(np.float64) + _UNIX_SERIAL, locale.date_format
    elif pa.types.is_date64(typ):
        ms = pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False).astype(np.float64)
        nums, fmt = np.floor(ms / _MS_PER_DAY) + _UNIX_SERIAL, locale.date_format
    elif pa.types.is_timestamp(typ) or pa.types.is_time(typ):
        per_day = {"s": 86_400, "ms": _MS_PER_DAY, "us": _MS_PER_DAY * 1000,
                   "ns": _MS_PER_DAY * 1_000_000}[typ.unit]
        width = pa.int64() if pa.types.is_timestamp(typ) or typ.bit_width == 64 else pa.int32()
        raw = np.asarray(pc.cast(arr, width).fill_null(0).to_numpy(zero_copy_only=False),
                         dtype=np.int64)
        whole, rest = np.divmod(raw, per_day)
        if pa.types.is_time(typ):
            nums, fmt = rest / per_day, locale.time_format
        else:
            nums = (whole + _UNIX_SERIAL).astype(np.float64) + rest / per_day
            fmt = locale.timestamp_format
    else:
        return None
    nums = np.asarray(nums, dtype=np.float64)
    valid = ~np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    nums = np.where(valid, nums, math.nan)
    texts = format_serials(np.where(valid, nums, 0.0), fmt, locale)
    if not valid.all():
        texts = pc.if_else(pa.array(valid), texts, pa.scalar(None, pa.string()))
    return nums, texts
