"""Date functions over periods (help "Date and time functions"): the *Start, *End and
*Name families (years, quarters, months, weeks, lunar weeks, days) and the In* tests of
whether a timestamp lies in a period. The rules they follow (what a period's number and
text are, weeks, lunar weeks) are written in ``dates.py``, whose calendar arithmetic,
argument readers and result builders they use."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from associa.expr.dates import (
    _MS,
    _Args,
    _booleans,
    _date,
    _days,
    _dual,
    _local_now,
    _lunar,
    _lunar_start,
    _month_first,
    _month_index,
    _months_period,
    _named,
    _register,
    _texts,
    _week_start,
    _weeks,
    _year_first,
    _year_of,
    _ymd,
)
from associa.expr.vector import Vec

# -- periods: years, quarters, months ------------------------------------------------------------


def _month_text(names: tuple[str, ...], first_mi: int, last_mi: int) -> str:
    year = last_mi // 12 + 1970
    return f"{names[first_mi % 12]}-{names[last_mi % 12]} {year}"


def _valid_months(a: _Args, n: np.ndarray) -> np.ndarray:
    a.null |= ~np.isin(n, (1, 2, 3, 4, 6, 12))
    return np.where(np.isin(n, (1, 2, 3, 4, 6, 12)), n, 1)


def _period_family(name: str, kind: str, months: int | None) -> None:
    """Start/End/Name of n-month periods: quarters (n = 3), months (1), MonthsX (n is the
    first argument)."""
    lead = 1 if months is None else 0
    fm_arg = {"QUARTER": 2 + lead, "MONTHS": 2 + lead}.get(name)

    def impl(a: _Args) -> Vec:
        n = _valid_months(a, a.integer(0, 1)) if months is None else months
        days, _ = a.day(lead)
        shift = a.integer(lead + 1, 0)
        fm = a.first_month(fm_arg) if fm_arg is not None else np.ones(a.n, dtype=np.int64)
        start, first_mi = _months_period(days, n, fm, shift)
        if kind == "START":
            return _dual(a, start, a.locale.date_format)
        if kind == "END":
            return _dual(a, _month_first(first_mi + n) - _MS, a.locale.date_format)
        names = a.locale.month_names
        if months == 1:
            return _named(a, start, first_mi, lambda k: f"{names[k % 12]} {k // 12 + 1970}")
        keys = first_mi * 16 + (n - 1) if months is None else first_mi * 16 + (months - 1)
        return _named(a, start, np.asarray(keys),
                      lambda k: _month_text(names, k // 16, k // 16 + k % 16))

    impl.__name__ = (name + kind).lower()
    hi = {"QUARTER": 3, "MONTH": 2, "MONTHS": 4}[name]
    _register(name + kind, lead + 1, hi)(impl)


for _kind in ("START", "END", "NAME"):
    _period_family("QUARTER", _kind, 3)
    _period_family("MONTH", _kind, 1)
    _period_family("MONTHS", _kind, None)


@_register("YEARSTART", 1, 3)
def yearstart(a: _Args) -> Vec:
    days, _ = a.day(0)
    return _dual(a, _year_first(days, a.first_month(2), a.integer(1, 0)), a.locale.date_format)


@_register("YEAREND", 1, 3)
def yearend(a: _Args) -> Vec:
    days, _ = a.day(0)
    nxt = _year_first(days, a.first_month(2), a.integer(1, 0) + 1)
    return _dual(a, nxt - _MS, a.locale.date_format)


@_register("YEARNAME", 1, 3)
def yearname(a: _Args) -> Vec:
    """YearName(date [, period_no [, first_month_of_year]]): '2001', or '2001-2002' for a
    year starting in another month than January."""
    days, _ = a.day(0)
    fm = a.first_month(2)
    shift = a.integer(1, 0)
    y = _year_of(days, fm) + shift
    start = _date(y, fm, np.ones_like(y))
    keys = y * 16 + (fm != 1)
    return _named(a, start, keys, lambda k: (f"{k // 16:04d}-{k // 16 + 1:04d}" if k % 16
                                             else f"{k // 16:04d}"))


# -- periods: weeks, lunar weeks, days ---------------------------------------------------------


@_register("WEEKSTART", 1, 3)
def weekstart(a: _Args) -> Vec:
    days, _ = a.day(0)
    shift = a.integer(1, 0)
    return _dual(a, _week_start(days, a.first_week_day(2)) + 7 * shift, a.locale.date_format)


@_register("WEEKEND", 1, 3)
def weekend(a: _Args) -> Vec:
    days, _ = a.day(0)
    shift = a.integer(1, 0)
    start = _week_start(days, a.first_week_day(2)) + 7 * shift
    return _dual(a, start + 7 - _MS, a.locale.date_format)


@_register("WEEKNAME", 1, 5)
def weekname(a: _Args) -> Vec:
    """WeekName(date [, period_no [, first_week_day [, broken_weeks [, reference_day]]]]):
    'YYYY/WW' of the (shifted) date's week year and week; the number is the week's
    first day."""
    days, _ = a.day(0)
    shift = a.integer(1, 0)
    fwd = a.first_week_day(2)
    moved = days + 7 * shift
    wk, wy = _weeks(moved, fwd, a.broken(3), a.reference_day(4))
    return _named(a, _week_start(moved, fwd), wy * 100 + wk,
                  lambda k: f"{k // 100:04d}/{k % 100:02d}")


@_register("LUNARWEEKSTART", 1, 3)
def lunarweekstart(a: _Args) -> Vec:
    days, _ = a.day(0)
    shift = a.integer(1, 0)
    offset = a.integer(2, 0)
    year, wk = _lunar(days, offset)
    return _dual(a, _lunar_start(year, wk + shift, offset), a.locale.date_format)


@_register("LUNARWEEKEND", 1, 3)
def lunarweekend(a: _Args) -> Vec:
    days, _ = a.day(0)
    shift = a.integer(1, 0)
    offset = a.integer(2, 0)
    year, wk = _lunar(days, offset)
    return _dual(a, _lunar_start(year, wk + shift + 1, offset) - _MS, a.locale.date_format)


@_register("LUNARWEEKNAME", 1, 3)
def lunarweekname(a: _Args) -> Vec:
    days, _ = a.day(0)
    shift = a.integer(1, 0)
    offset = a.integer(2, 0)
    year, wk = _lunar(days, offset)
    total = year * 53 + wk + shift
    start = _lunar_start(total // 53, total % 53, offset)
    return _named(a, start, total, lambda k: f"{k // 53:04d}/{k % 53 + 1:02d}")


def _day_first(a: _Args, x: np.ndarray, shift: np.ndarray, i: int) -> np.ndarray:
    """Start of the (shifted) day holding each serial; days start at the fraction given
    by argument ``i`` (default midnight)."""
    ds = a.number(i, 0.0)
    return _days(x - ds).astype(np.float64) + ds + shift


@_register("DAYSTART", 1, 3)
def daystart(a: _Args) -> Vec:
    x = a.serial(0)
    return _dual(a, _day_first(a, x, a.integer(1, 0), 2), a.locale.timestamp_format)


@_register("DAYEND", 1, 3)
def dayend(a: _Args) -> Vec:
    x = a.serial(0)
    return _dual(a, _day_first(a, x, a.integer(1, 0), 2) + 1 - _MS, a.locale.timestamp_format)


@_register("DAYNAME", 1, 3)
def dayname(a: _Args) -> Vec:
    """DayName(date [, period_no [, day_start]]): the day's first millisecond shown in the
    DateFormat."""
    x = a.serial(0)
    start = _day_first(a, x, a.integer(1, 0), 2)
    null = a.null | ~np.isfinite(start)
    texts = _texts(np.floor(start), ~null, a.locale.date_format, a.locale)
    return Vec(np.where(null, np.nan, start), texts, null)


# -- In* functions: is a timestamp inside a period ----------------------------------------------


def _in_period(name: str, hi: int, lead: int,
               bounds: Callable[[_Args, np.ndarray, np.ndarray],
                                tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
    """In<Period>(…, timestamp, base_date, period_no, …) and In<Period>ToDate: ``bounds``
    gives, from the base date's day numbers and period_no, the first serial of the shifted
    period, the first serial after it, and the end of the base date's day moved into the
    shifted period (by whole months for months and years: the same day of the month)."""

    def inside(a: _Args) -> Vec:
        x = a.serial(lead)
        base_days, _ = a.day(lead + 1)
        lo, hi_, _ = bounds(a, base_days, a.integer(lead + 2, 0))
        return _booleans(a, (x >= lo) & (x < hi_))

    def to_date(a: _Args) -> Vec:
        x = a.serial(lead)
        base_days, _ = a.day(lead + 1)
        lo, hi_, cut = bounds(a, base_days, a.integer(lead + 2, 0))
        return _booleans(a, (x >= lo) & (x < np.minimum(cut, hi_)))

    inside.__name__ = "in" + name.lower()
    to_date.__name__ = "in" + name.lower() + "todate"
    _register("IN" + name, lead + 3, hi)(inside)
    _register("IN" + name + "TODATE", lead + 3, hi)(to_date)


def _moved_day_end(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """The end of each day moved by whole months (the day clamped to the month's end)."""
    y, m, d = _ymd(days)
    mi = _month_index(y, m) + months
    first = _month_first(mi)
    return first + np.minimum(d, _month_first(mi + 1) - first)


def _year_bounds(a: _Args, days: np.ndarray, shift: np.ndarray):
    fm = a.first_month(3)
    return (_year_first(days, fm, shift), _year_first(days, fm, shift + 1),
            _moved_day_end(days, 12 * shift))


def _months_bounds(n: int | None, fm_arg: int | None):
    def bounds(a: _Args, days: np.ndarray, shift: np.ndarray):
        k = _valid_months(a, a.integer(0, 1)) if n is None else n
        fm = a.first_month(fm_arg) if fm_arg is not None else np.ones(a.n, dtype=np.int64)
        lo, first_mi = _months_period(days, k, fm, shift)
        return lo, _month_first(first_mi + k), _moved_day_end(days, k * shift)

    return bounds


def _week_bounds(a: _Args, days: np.ndarray, shift: np.ndarray):
    lo = _week_start(days, a.first_week_day(3)) + 7 * shift
    return lo, lo + 7, days + 7 * shift + 1


def _lunar_bounds(a: _Args, days: np.ndarray, shift: np.ndarray):
    offset = a.integer(3, 0)
    year, wk = _lunar(days, offset)
    own = _lunar_start(year, wk, offset)
    lo = _lunar_start(year, wk + shift, offset)
    return lo, _lunar_start(year, wk + shift + 1, offset), lo + (days - own) + 1


_in_period("YEAR", 4, 0, _year_bounds)
_in_period("QUARTER", 4, 0, _months_bounds(3, 3))
_in_period("MONTH", 4, 0, _months_bounds(1, None))
_in_period("MONTHS", 5, 1, _months_bounds(None, 4))
_in_period("WEEK", 4, 0, _week_bounds)
_in_period("LUNARWEEK", 4, 0, _lunar_bounds)


@_register("INDAY", 3, 4)
def inday(a: _Args) -> Vec:
    """InDay(timestamp, base_timestamp, period_no [, day_start])."""
    x = a.serial(0)
    base = a.serial(1)
    lo = _day_first(a, base, a.integer(2, 0), 3)
    return _booleans(a, (x >= lo) & (x < lo + 1))


@_register("INDAYTODATE", 3, 4)
def indaytodate(a: _Args) -> Vec:
    """InDayToDate: inside the shifted day, up to the base timestamp's time of day."""
    x = a.serial(0)
    base = a.serial(1)
    shift = a.integer(2, 0)
    lo = _day_first(a, base, shift, 3)
    cut = base + shift
    return _booleans(a, (x >= lo) & (x <= cut))


@_register("YEARTODATE", 1, 4)
def yeartodate(a: _Args) -> Vec:
    """YearToDate(date [, yearoffset [, firstmonth [, todaydate]]]): inside the year up
    to and including today (or todaydate), shifted by yearoffset years."""
    x = a.serial(0)
    shift = a.integer(1, 0)
    fm = a.first_month(2)
    if a.has(3):
        today_days, _ = a.day(3)
    else:
        today_days = np.full(a.n, math.floor(_local_now()), dtype=np.int64)
    lo = _year_first(today_days, fm, shift)
    hi = _year_first(today_days, fm, shift + 1)
    cut = np.minimum(_moved_day_end(today_days, 12 * shift), hi)
    return _booleans(a, (x >= lo) & (x < cut))


