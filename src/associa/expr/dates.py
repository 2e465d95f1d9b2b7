"""Date and time functions (help "Date and time functions").

Dates are serial numbers: days since 1899-12-30, the time of day a fraction. Every
function works on whole vectors: the serials are split into day numbers and milliseconds
of the day, the calendar fields come from numpy's ``datetime64`` arithmetic, and the texts
of the returned duals are made once per distinct value.

Rules settled from the Qlik help pages (help.qlik.com, "Date and time functions"):

* a date argument is a number, or a text read by the standard number interpretation
  (help "week": "calculated from the date interpretation of the expression, according to
  the standard number interpretation"); NULL or a text that reads as no number gives NULL;
* ``*Start``, ``*End`` and ``*Name`` return duals; the number of ``*Start`` / ``*Name`` is
  the first millisecond of the period, that of ``*End`` its last millisecond; ``*Start``
  and ``*End`` show the DateFormat (help "monthend": "The default output format will be
  the DateFormat set in the script"), ``DayStart`` / ``DayEnd`` the TimestampFormat;
  ``MonthName`` shows 'Oct 2001', ``QuarterName`` / ``MonthsName`` 'Sep-Dec 2013' (the
  year of the period's last month: help "monthsname", ``monthsname(4, '10/19/2013', 0, 2)``
  is 'Oct-Jan 2014'), ``YearName`` '2001' or '2001-2002' for a fiscal year, ``WeekName``
  and ``LunarWeekName`` '2013/02';
* weeks (help "week", "BrokenWeeks", "ReferenceDay"): a week starts on ``first_week_day``
  (0 Monday … 6 Sunday, default FirstWeekDay). With broken weeks week 1 starts on
  January 1 and a new week starts on each first week day; with unbroken weeks week 1 is
  the week that holds January ``reference_day`` (ReferenceDay 0 or outside 1-7 means 4),
  so ISO 8601 is FirstWeekDay 0, BrokenWeeks 0, ReferenceDay 4;
* ``WeekDay`` counts from the first week day (help "weekday": ``weekday('10/12/1971', 6)``
  is 'Tue' and 2); ``MakeWeekDate`` day 0 is the week's first day, and with broken weeks
  week 1 starts on the first week day on or before January 1 (help "makeweekdate":
  ``MakeWeekDate(2021,1,0,6,1)`` is Dec 27 2020);
* lunar weeks are 7-day weeks counted from January 1 (plus the offset in days); the last
  one of a year holds the 1 or 2 days left after 52 weeks.

``Now``, ``Today``, ``LocalTime``, ``GMT`` and ``UTC`` read the system clock once per call;
every timer mode reads the clock (there is no reload or app-open time to recall here).
"""

from __future__ import annotations

import datetime
import math
import re
import zoneinfo
from collections.abc import Callable
from functools import lru_cache
from typing import Literal

import numpy as np

from associa.expr import ast
from associa.expr.evaluate import Evaluator, Scope, function
from associa.expr.vector import Vec
from associa.values import interpret
from associa.values.format import format_interval
from associa.values.formatcodes import date_tokens
from associa.values.locale import Locale
from associa.values.typed import format_serials

_MS_PER_DAY = 86_400_000
_MS = 1.0 / _MS_PER_DAY  # one millisecond in days
_EPOCH = np.datetime64("1899-12-30", "D")
_MIN_DAY = int((np.datetime64("0001-01-01", "D") - _EPOCH).astype(np.int64))
_MAX_DAY = int((np.datetime64("9999-12-31", "D") - _EPOCH).astype(np.int64))
_UNIX_DAY = 25569  # 1970-01-01


# -- calendar arithmetic on arrays of day numbers ------------------------------------------


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month (1-12) and day of month of day numbers."""
    dt = _EPOCH + days.astype("timedelta64[D]")
    months = dt.astype("datetime64[M]")
    mi = months.astype(np.int64)  # months since 1970-01
    day = (dt - months.astype("datetime64[D]")).astype(np.int64) + 1
    return mi // 12 + 1970, mi % 12 + 1, day


def _month_index(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Months since 1970-01 (0-based)."""
    return (year - 1970) * 12 + (month - 1)


def _month_first(mi: np.ndarray) -> np.ndarray:
    """Day number of the first day of month index ``mi``."""
    first = np.asarray(mi, dtype=np.int64).astype("datetime64[M]").astype("datetime64[D]")
    return (first - _EPOCH).astype(np.int64)


def _date(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Day number of a date, the day clamped to the month's last day."""
    mi = _month_index(year, month)
    first = _month_first(mi)
    length = _month_first(mi + 1) - first
    return first + np.clip(day, 1, length) - 1


def _monday_weekday(days: np.ndarray) -> np.ndarray:
    """0 for Monday … 6 for Sunday (1899-12-30 was a Saturday)."""
    return (days + 5) % 7


def _week_start(days: np.ndarray, fwd: np.ndarray) -> np.ndarray:
    return days - (_monday_weekday(days) - fwd) % 7


def _weeks(days: np.ndarray, fwd: np.ndarray, broken: np.ndarray,
           ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(week number, week year) of day numbers."""
    year = _ymd(days)[0]
    jan1 = _date(year, np.ones_like(year), np.ones_like(year))
    broken_week = (days - jan1 + (_monday_weekday(jan1) - fwd) % 7) // 7 + 1
    # unbroken: week 1 holds January `ref`; a week belongs to the year of its day that
    # lies 7 - ref days after the week's start
    anchor = _week_start(days, fwd) + 7 - ref
    ayear = _ymd(anchor)[0]
    ajan1 = _date(ayear, np.ones_like(ayear), np.ones_like(ayear))
    whole_week = (anchor - ajan1) // 7 + 1
    return np.where(broken, broken_week, whole_week), np.where(broken, year, ayear)


def _lunar(days: np.ndarray, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(year, 0-based lunar week) of day numbers; lunar weeks start on January 1 plus
    ``offset`` days, 53 of them a year (the last one 1 or 2 days)."""
    shifted = days - offset
    year = _ymd(shifted)[0]
    jan1 = _date(year, np.ones_like(year), np.ones_like(year))
    return year, np.minimum((shifted - jan1) // 7, 52)


def _lunar_start(year: np.ndarray, week: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """First day of lunar week ``week`` (0-based, any integer) of ``year``."""
    year = year + week // 53
    week = week % 53
    jan1 = _date(year, np.ones_like(year), np.ones_like(year))
    return jan1 + 7 * week + offset


# -- arguments ------------------------------------------------------------------------------


def _serials(ev: Evaluator, v: Vec) -> np.ndarray:
    """Serial numbers of a date argument: its number, else its text read by the standard
    interpretation; NaN for NULL and for text that is no number."""
    x = np.where(v.null, np.nan, v.num)
    todo = np.flatnonzero(np.isnan(x) & ~v.null)
    if len(todo):
        texts = v.text
        if texts is not None:
            picked = texts[todo]
            uniq, inv = np.unique(picked.astype(str), return_inverse=True)
            read = np.array([_read(ev.locale, t) for t in uniq.tolist()], dtype=np.float64)
            x = x.copy()
            x[todo] = read[inv]
    return x


def _read(locale: Locale, text: str) -> float:
    value = interpret(text, locale)
    return math.nan if value is None else value


class _Args:
    """The arguments of one call, evaluated as needed; NULL in any of them makes the
    result NULL (``null``)."""

    def __init__(self, ev: Evaluator, call: ast.Call, scope: Scope) -> None:
        self.ev = ev
        self.call = call
        self.scope = scope
        self.n = scope.n
        self.locale = ev.locale
        self.null = np.zeros(scope.n, dtype=bool)

    def has(self, i: int) -> bool:
        return len(self.call.args) > i

    def vec(self, i: int) -> Vec:
        return self.ev.eval(self.call.args[i], self.scope)

    def serial(self, i: int) -> np.ndarray:
        """A date/timestamp argument as serial numbers (NaN marked NULL)."""
        x = _serials(self.ev, self.vec(i))
        bad = ~np.isfinite(x) | (x < _MIN_DAY) | (x >= _MAX_DAY + 1)
        self.null |= bad
        return np.where(bad, 0.0, x)

    def day(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(day number, serial) of a date argument; the day rounds to the millisecond."""
        x = self.serial(i)
        return _days(x), x

    def number(self, i: int, default: float) -> np.ndarray:
        if not self.has(i):
            return np.full(self.n, float(default))
        v = self.vec(i)
        x = v.as_numbers()
        bad = v.null | ~np.isfinite(x)
        self.null |= bad
        return np.where(bad, float(default), x)

    def integer(self, i: int, default: int) -> np.ndarray:
        x = self.number(i, default)
        return np.clip(np.floor(x), -1e7, 1e7).astype(np.int64)

    def first_week_day(self, i: int) -> np.ndarray:
        return self.integer(i, self.locale.first_week_day) % 7

    def broken(self, i: int) -> np.ndarray:
        return self.number(i, 1.0 if self.locale.broken_weeks else 0.0) != 0

    def reference_day(self, i: int) -> np.ndarray:
        ref = self.integer(i, self.locale.reference_day)
        return np.where((ref >= 1) & (ref <= 7), ref, 4)

    def first_month(self, i: int) -> np.ndarray:
        fm = self.integer(i, 1)
        return np.where((fm >= 1) & (fm <= 12), fm, 1)


def _days(x: np.ndarray) -> np.ndarray:
    """Day numbers of serials, rounded to the millisecond first (23:59:59.9999 is the
    next day, as its text shows)."""
    return np.floor(np.round(x * _MS_PER_DAY) / _MS_PER_DAY).astype(np.int64)


def _millis(x: np.ndarray) -> np.ndarray:
    """Milliseconds of the day of serials."""
    ms = np.round(x * _MS_PER_DAY)
    return (ms - np.floor(ms / _MS_PER_DAY) * _MS_PER_DAY).astype(np.int64)


# -- results ---------------------------------------------------------------------------------


def _texts(x: np.ndarray, keep: np.ndarray, fmt: str, locale: Locale) -> np.ndarray:
    """Texts of serials with a format code, made once per distinct value."""
    out = np.empty(len(x), dtype=object)
    idx = np.flatnonzero(keep)
    if len(idx):
        uniq, inv = np.unique(x[idx], return_inverse=True)
        made = format_serials(uniq, fmt, locale).to_numpy(zero_copy_only=False)
        out[idx] = made[inv]
    return out


def _dual(a: _Args, x: np.ndarray, fmt: str) -> Vec:
    """Serials shown with a format code (NULL where an argument was)."""
    x = np.asarray(x, dtype=np.float64)
    null = a.null | ~np.isfinite(x)
    return Vec(np.where(null, np.nan, x), _texts(x, ~null, fmt, a.locale), null)


def _named(a: _Args, x: np.ndarray, keys: np.ndarray, name: Callable[[int], str]) -> Vec:
    """Serials shown with a text made from an integer key per value (once per key)."""
    x = np.asarray(x, dtype=np.float64)
    null = a.null | ~np.isfinite(x)
    out = np.empty(len(x), dtype=object)
    idx = np.flatnonzero(~null)
    if len(idx):
        uniq, inv = np.unique(keys[idx], return_inverse=True)
        made = np.array([name(int(k)) for k in uniq.tolist()], dtype=object)
        out[idx] = made[inv]
    return Vec(np.where(null, np.nan, x), out, null)


def _numbers(a: _Args, x: np.ndarray) -> Vec:
    x = np.asarray(x, dtype=np.float64)
    null = a.null | ~np.isfinite(x)
    return Vec(np.where(null, np.nan, x), None, null)


def _booleans(a: _Args, mask: np.ndarray) -> Vec:
    return Vec.booleans(np.asarray(mask, dtype=bool) & ~a.null, a.null.copy())


def _impl(fn: Callable[[_Args], Vec]) -> Callable[[Evaluator, ast.Call, Scope], Vec]:
    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        return fn(_Args(ev, call, scope))

    impl.__name__ = fn.__name__
    return impl


def _register(name: str, lo: int, hi: int) -> Callable[[Callable[[_Args], Vec]], Callable]:
    def add(fn: Callable[[_Args], Vec]) -> Callable:
        function(name, lo, hi)(_impl(fn))
        return fn

    return add


def _by_unique(x: np.ndarray, labels: np.ndarray, keep: np.ndarray,
               fn: Callable[[float, str], object], out: np.ndarray) -> None:
    """``out[i] = fn(x[i], labels[i])`` for the kept rows, computed once per distinct
    label and number."""
    idx = np.flatnonzero(keep)
    if not len(idx):
        return
    names, by_name = np.unique(labels[idx].astype(str), return_inverse=True)
    for k, label in enumerate(names.tolist()):
        at = idx[by_name.reshape(-1) == k]
        uniq, inv = np.unique(x[at], return_inverse=True)
        made = np.empty(len(uniq), dtype=out.dtype)
        made[:] = [fn(float(u), label) for u in uniq.tolist()]
        out[at] = made[inv.reshape(-1)]


# -- the clock -------------------------------------------------------------------------------


def _utc_now() -> float:
    """The current UTC time as a serial number."""
    now = datetime.datetime.now(datetime.UTC)
    return _UNIX_DAY + now.timestamp() / 86400.0


def _local_now() -> float:
    now = datetime.datetime.now().astimezone()
    offset = now.utcoffset() or datetime.timedelta(0)
    return _UNIX_DAY + (now.timestamp() + offset.total_seconds()) / 86400.0


@_register("NOW", 0, 1)
def now(a: _Args) -> Vec:
    """Now([timer_mode]): the current local time in the TimestampFormat."""
    a.number(0, 1)  # timer mode: every mode reads the clock
    return _dual(a, np.full(a.n, _local_now()), a.locale.timestamp_format)


@_register("TODAY", 0, 1)
def today(a: _Args) -> Vec:
    """Today([timer_mode]): the current date in the DateFormat."""
    a.number(0, 2)
    return _dual(a, np.full(a.n, float(math.floor(_local_now()))), a.locale.date_format)


@_register("GMT", 0, 0)
def gmt(a: _Args) -> Vec:
    return _dual(a, np.full(a.n, _utc_now()), a.locale.timestamp_format)


@_register("UTC", 0, 0)
def utc(a: _Args) -> Vec:
    return _dual(a, np.full(a.n, _utc_now()), a.locale.timestamp_format)


# -- making dates ------------------------------------------------------------------------------


@_register("MAKEDATE", 1, 3)
def makedate(a: _Args) -> Vec:
    """MakeDate(YYYY [, MM [, DD]]): month and day default to 1; NULL for a month outside
    1-12 or a day outside the month."""
    year = a.integer(0, 0)
    month = a.integer(1, 1)
    day = a.integer(2, 1)
    ok = (month >= 1) & (month <= 12) & (year >= 1) & (year <= 9999)
    safe_m = np.where(ok, month, 1)
    safe_y = np.where(ok, year, 2000)
    length = _month_first(_month_index(safe_y, safe_m) + 1) - _month_first(
        _month_index(safe_y, safe_m))
    ok &= (day >= 1) & (day <= length)
    a.null |= ~ok
    return _dual(a, _date(safe_y, safe_m, np.where(ok, day, 1)), a.locale.date_format)


@_register("MAKETIME", 1, 3)
def maketime(a: _Args) -> Vec:
    """MakeTime(hh [, mm [, ss]]): a time of day in the TimeFormat."""
    hh = a.number(0, 0)
    mm = a.number(1, 0)
    ss = a.number(2, 0)
    return _dual(a, (hh * 3600 + mm * 60 + ss) / 86400.0, a.locale.time_format)


@_register("MAKEWEEKDATE", 1, 6)
def makeweekdate(a: _Args) -> Vec:
    """MakeWeekDate(weekyear [, week [, weekday [, first_week_day [, broken_weeks
    [, reference_day]]]]])."""
    year = np.clip(a.integer(0, 0), 1, 9999)
    week = a.integer(1, 1)
    wday = a.integer(2, 0)
    fwd = a.first_week_day(3)
    broken = a.broken(4)
    ref = a.reference_day(5)
    ones = np.ones_like(year)
    jan1 = _date(year, ones, ones)
    first = np.where(broken, _week_start(jan1, fwd), _week_start(jan1 + ref - 1, fwd))
    return _dual(a, first + 7 * (week - 1) + wday, a.locale.date_format)


# -- fields of a date ----------------------------------------------------------------------------


def _field(name: str, fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    def impl(a: _Args) -> Vec:
        days, x = a.day(0)
        return _numbers(a, fn(days, x))

    impl.__name__ = name.lower()
    _register(name, 1, 1)(impl)


_field("YEAR", lambda d, x: _ymd(d)[0])
_field("DAY", lambda d, x: _ymd(d)[2])
_field("QUARTER", lambda d, x: (_ymd(d)[1] - 1) // 3 + 1)
_field("HOUR", lambda d, x: _millis(x) // 3_600_000)
_field("MINUTE", lambda d, x: _millis(x) // 60_000 % 60)
_field("SECOND", lambda d, x: _millis(x) // 1000 % 60)


@_register("MONTH", 1, 1)
def month(a: _Args) -> Vec:
    """Month(date): the month number with its name from MonthNames."""
    days, _ = a.day(0)
    m = _ymd(days)[1]
    names = a.locale.month_names
    return _named(a, m, m, lambda k: names[k - 1])


@_register("WEEKDAY", 1, 2)
def weekday(a: _Args) -> Vec:
    """WeekDay(date [, first_week_day]): 0-6 counted from the first week day, with the
    day's name from DayNames."""
    days, _ = a.day(0)
    fwd = a.first_week_day(1)
    mon = _monday_weekday(days)
    names = a.locale.day_names
    return _named(a, (mon - fwd) % 7, mon, lambda k: names[k])


@_register("WEEK", 1, 4)
def week(a: _Args) -> Vec:
    days, _ = a.day(0)
    wk, _ = _weeks(days, a.first_week_day(1), a.broken(2), a.reference_day(3))
    return _numbers(a, wk)


@_register("WEEKYEAR", 1, 4)
def weekyear(a: _Args) -> Vec:
    days, _ = a.day(0)
    _, wy = _weeks(days, a.first_week_day(1), a.broken(2), a.reference_day(3))
    return _numbers(a, wy)


@_register("DAYNUMBEROFYEAR", 1, 2)
def daynumberofyear(a: _Args) -> Vec:
    """DayNumberOfYear(date [, first_month]): days since the (fiscal) year's start, + 1."""
    days, _ = a.day(0)
    return _numbers(a, days - _year_first(days, a.first_month(1), 0) + 1)


@_register("DAYNUMBEROFQUARTER", 1, 2)
def daynumberofquarter(a: _Args) -> Vec:
    days, _ = a.day(0)
    start, _ = _months_period(days, 3, a.first_month(1), 0)
    return _numbers(a, days - start + 1)


# -- shifting dates ------------------------------------------------------------------------------


@_register("ADDMONTHS", 2, 3)
def addmonths(a: _Args) -> Vec:
    """AddMonths(date, n [, mode]): the same day n months later, clamped to the month's
    end; with mode 1 a month's last day gives the last day of the target month. The time
    of day is kept."""
    days, x = a.day(0)
    n = a.integer(1, 0)
    mode = a.integer(2, 0)
    y, m, d = _ymd(days)
    mi = _month_index(y, m) + n
    first = _month_first(mi)
    length = _month_first(mi + 1) - first
    was_last = d == (_month_first(_month_index(y, m) + 1) - _month_first(_month_index(y, m)))
    day = np.where((mode == 1) & was_last, length, np.minimum(d, length))
    return _dual(a, first + day - 1 + (x - days), a.locale.date_format)


@_register("ADDYEARS", 2, 2)
def addyears(a: _Args) -> Vec:
    """AddYears(date, n): February 29 becomes February 28 in a year without it."""
    days, x = a.day(0)
    n = a.integer(1, 0)
    y, m, d = _ymd(days)
    return _dual(a, _date(y + n, m, d) + (x - days), a.locale.date_format)


def _stamp_format(a: _Args, x: np.ndarray) -> str:
    has_time = bool(np.any((x != np.floor(x)) & ~a.null))
    return a.locale.timestamp_format if has_time else a.locale.date_format


@_register("SETDATEYEAR", 2, 2)
def setdateyear(a: _Args) -> Vec:
    """SetDateYear(timestamp, year): the same month, day and time in another year."""
    days, x = a.day(0)
    year = a.integer(1, 0)
    _, m, d = _ymd(days)
    a.null |= (year < 1) | (year > 9999)
    year = np.clip(year, 1, 9999)
    return _dual(a, _date(year, m, d) + (x - days), _stamp_format(a, x))


@_register("SETDATEYEARMONTH", 3, 3)
def setdateyearmonth(a: _Args) -> Vec:
    days, x = a.day(0)
    year = a.integer(1, 0)
    mon = a.integer(2, 1)
    d = _ymd(days)[2]
    a.null |= (year < 1) | (year > 9999) | (mon < 1) | (mon > 12)
    year, mon = np.clip(year, 1, 9999), np.clip(mon, 1, 12)
    return _dual(a, _date(year, mon, d) + (x - days), _stamp_format(a, x))


# -- fiscal years and runs of months (also read by ``periods.py``) ---------------------------


def _year_of(days: np.ndarray, fm: np.ndarray) -> np.ndarray:
    """The (fiscal) year a day belongs to: the calendar year of its start."""
    y, m, _ = _ymd(days)
    return np.where(m >= fm, y, y - 1)


def _year_first(days: np.ndarray, fm: np.ndarray, shift: np.ndarray | int) -> np.ndarray:
    y = _year_of(days, fm) + shift
    return _date(y, fm, np.ones_like(y))


def _months_period(days: np.ndarray, n: np.ndarray | int, fm: np.ndarray,
                   shift: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    """(first day, month index of the first month) of the n-month period holding each
    day, periods aligned on the first month of the year, shifted by ``shift`` periods."""
    y, m, _ = _ymd(days)
    mi = _month_index(y, m)
    base = (mi - (fm - 1)) // n * n + (fm - 1) + shift * n
    return _month_first(base), base


# -- working days and ages ------------------------------------------------------------------------


def _holidays(a: _Args, start: int) -> list[np.ndarray]:
    """Holiday arguments from ``start`` on as day numbers (-1 where NULL or no date:
    such a holiday is ignored)."""
    out = []
    for i in range(start, len(a.call.args)):
        x = _serials(a.ev, a.vec(i))
        ok = np.isfinite(x) & (x >= _MIN_DAY) & (x < _MAX_DAY + 1)
        out.append(np.where(ok, _days(np.where(ok, x, 0.0)), np.iinfo(np.int64).min))
    return out


def _workday(days: np.ndarray) -> np.ndarray:
    return _monday_weekday(days) < 5


def _as_dt(days: np.ndarray) -> np.ndarray:
    return _EPOCH + days.astype("timedelta64[D]")


@_register("NETWORKDAYS", 2, 99)
def networkdays(a: _Args) -> Vec:
    """NetWorkDays(start, end {, holiday}): Monday-Friday days from start to end, both
    included, less the distinct holidays among them; negative when end is before start."""
    start, _ = a.day(0)
    end, _ = a.day(1)
    forward = end >= start
    lo, hi = np.minimum(start, end), np.maximum(start, end)
    count = np.busday_count(_as_dt(lo), _as_dt(hi + 1)).astype(np.int64)
    holidays = _holidays(a, 2)
    for k, h in enumerate(holidays):
        hit = (h >= lo) & (h <= hi) & _workday(h)
        for earlier in holidays[:k]:
            hit &= h != earlier
        count -= hit
    return _numbers(a, np.where(forward, count, -count))


def _work_offset(a: _Args, roll: Literal["forward", "backward"], sign: int) -> Vec:
    days, _ = a.day(0)
    n = a.integer(1, 1)
    a.null |= n < 1
    steps = sign * (np.maximum(n, 1) - 1)
    holidays = _holidays(a, 2)
    out = np.zeros(a.n, dtype=np.int64)
    if holidays:
        table = np.stack(holidays, axis=1)
        groups, inv = np.unique(table, axis=0, return_inverse=True)
        inv = inv.reshape(-1)
    else:
        groups, inv = np.zeros((1, 0), dtype=np.int64), np.zeros(a.n, dtype=np.int64)
    for g, row in enumerate(groups):
        at = np.flatnonzero(inv == g)
        hol = _as_dt(row[row != np.iinfo(np.int64).min])
        moved = np.busday_offset(_as_dt(days[at]), steps[at], roll=roll, holidays=hol)
        out[at] = (moved - _EPOCH).astype(np.int64)
    return _dual(a, out, a.locale.date_format)


@_register("FIRSTWORKDATE", 2, 99)
def firstworkdate(a: _Args) -> Vec:
    """FirstWorkDate(end_date, no_of_workdays {, holiday}): the latest start date that
    gives no_of_workdays working days up to end_date."""
    return _work_offset(a, "backward", -1)


@_register("LASTWORKDATE", 2, 99)
def lastworkdate(a: _Args) -> Vec:
    """LastWorkDate(start_date, no_of_workdays {, holiday}): the earliest end date that
    gives no_of_workdays working days from start_date."""
    return _work_offset(a, "forward", 1)


@_register("AGE", 2, 2)
def age(a: _Args) -> Vec:
    """Age(timestamp, date_of_birth): completed years."""
    days, _ = a.day(0)
    born, _ = a.day(1)
    y1, m1, d1 = _ymd(days)
    y0, m0, d0 = _ymd(born)
    before = (m1 < m0) | ((m1 == m0) & (d1 < d0))
    return _numbers(a, y1 - y0 - before)


# -- time zones -----------------------------------------------------------------------------------

_OFFSET = re.compile(r"^(?:GMT|UTC)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


@lru_cache(maxsize=256)
def _zone(place: str) -> datetime.tzinfo | None:
    """A time zone from a Qlik place: 'GMT', 'UTC', 'GMT+01:00', an IANA name or a city
    ('Paris', 'New York'); None when unknown."""
    p = place.strip()
    if p.upper() in ("GMT", "UTC", ""):
        return datetime.UTC
    m = _OFFSET.match(p)
    if m:
        minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
        return datetime.timezone(datetime.timedelta(minutes=-minutes if m.group(1) == "-"
                                                     else minutes))
    try:
        return zoneinfo.ZoneInfo(p)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    key = p.lower().replace(" ", "_")
    for name in sorted(zoneinfo.available_timezones()):
        if name.lower().rsplit("/", 1)[-1] == key:
            return zoneinfo.ZoneInfo(name)
    return None


def _shift_to(utc_serial: float, zone: datetime.tzinfo, ignore_dst: bool) -> float:
    """A UTC serial as the wall clock of a zone."""
    seconds = (utc_serial - _UNIX_DAY) * 86400.0
    try:
        moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC).astimezone(zone)
    except (OverflowError, OSError, ValueError):
        return math.nan
    offset = moment.utcoffset() or datetime.timedelta(0)
    if ignore_dst:
        offset -= moment.dst() or datetime.timedelta(0)
    return utc_serial + offset.total_seconds() / 86400.0


def _places(a: _Args, i: int) -> np.ndarray:
    if not a.has(i):
        return np.full(a.n, "", dtype=object)
    v = a.vec(i)
    a.null |= v.null
    return v.text_or_empty(a.locale)


def _convert(a: _Args, x: np.ndarray, places: np.ndarray, ignore: np.ndarray) -> Vec:
    out = np.full(a.n, np.nan)
    labels = np.where(ignore, "1", "0").astype(object) + places.astype(str)

    def shift(value: float, label: str) -> float:
        zone = _zone(label[1:])
        return math.nan if zone is None else _shift_to(value, zone, label[0] == "1")

    _by_unique(x, labels, ~a.null, shift, out)
    return _dual(a, out, a.locale.timestamp_format)


@_register("CONVERTTOLOCALTIME", 1, 3)
def converttolocaltime(a: _Args) -> Vec:
    """ConvertToLocalTime(timestamp [, place [, ignore_dst]]): a UTC timestamp as the
    wall clock of a place (default GMT)."""
    x = a.serial(0)
    places = _places(a, 1)
    ignore = a.number(2, 0) != 0
    return _convert(a, x, places, ignore)


@_register("LOCALTIME", 0, 2)
def localtime(a: _Args) -> Vec:
    """LocalTime([timezone [, ignoreDST]]): the current time in a time zone (default the
    system's)."""
    if not a.has(0):
        return _dual(a, np.full(a.n, _local_now()), a.locale.timestamp_format)
    places = _places(a, 0)
    ignore = a.number(1, 0) != 0
    return _convert(a, np.full(a.n, _utc_now()), places, ignore)


@_register("TIMEZONE", 0, 0)
def timezone(a: _Args) -> Vec:
    """TimeZone(): the name of the system's time zone."""
    name = datetime.datetime.now().astimezone().tzname() or "UTC"
    return Vec.constant_text(name, a.n)


# -- intervals ------------------------------------------------------------------------------------


def _interval_format(locale: Locale) -> str:
    """The TimeFormat without its AM/PM marker (an interval has no clock half)."""
    kept = [t.text for t in date_tokens(locale.time_format) if t.kind not in ("T", "[", "]")]
    return "".join(kept).strip() or "hh:mm:ss"


@_register("INTERVAL", 1, 2)
def interval(a: _Args) -> Vec:
    """Interval(number [, format]): a duration shown with a format code (default the
    TimeFormat without AM/PM); the largest unit takes the whole."""
    v = a.vec(0)
    x = v.as_numbers()
    a.null |= v.null | ~np.isfinite(x)
    default = _interval_format(a.locale)
    fmts = _places(a, 1) if a.has(1) else np.full(a.n, "", dtype=object)
    labels = np.where(fmts == "", default, fmts)
    out = np.empty(a.n, dtype=object)
    _by_unique(x, labels, ~a.null, lambda value, fmt: format_interval(value, fmt, a.locale),
               out)
    return Vec(np.where(a.null, np.nan, x), out, a.null)


_UNIT_DAYS = {"D": 1.0, "h": 1 / 24, "m": 1 / 1440, "s": 1 / 86400}


@lru_cache(maxsize=64)
def _interval_regex(fmt: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    parts, kinds = [r"\s*([+-])?\s*"], []
    depth = 0
    for t in date_tokens(fmt):
        if t.kind == "[":
            parts.append("(?:")
            depth += 1
        elif t.kind == "]":
            if depth:
                parts.append(")?")
                depth -= 1
        elif t.kind == "lit":
            parts.append(re.escape(t.text))
        elif t.kind in _UNIT_DAYS:
            parts.append(r"(\d+(?:[.,]\d+)?)")
            kinds.append(t.kind)
        elif t.kind == "f":
            parts.append(r"(\d+)")
            kinds.append("f")
        else:
            parts.append(r"\S*?")
    parts.append(")?" * depth + r"\s*")
    return re.compile("".join(parts)), tuple(kinds)


def _parse_interval(text: str, fmt: str) -> float:
    pattern, kinds = _interval_regex(fmt)
    m = pattern.fullmatch(text)
    if m is None:
        return math.nan
    total = 0.0
    for kind, group in zip(kinds, m.groups()[1:], strict=True):
        if group is None:
            continue
        if kind == "f":
            total += float("0." + group) / 86400
        else:
            total += float(group.replace(",", ".")) * _UNIT_DAYS[kind]
    return -total if m.group(1) == "-" else total


@_register("INTERVAL#", 1, 2)
def interval_hash(a: _Args) -> Vec:
    """Interval#(text [, format]): a text read as a duration with a format code (default
    the TimeFormat without AM/PM); the text is kept, NULL when it does not read."""
    v = a.vec(0)
    a.null |= v.null
    texts = v.text_or_empty(a.locale).astype(str)
    default = _interval_format(a.locale)
    fmts = _places(a, 1) if a.has(1) else np.full(a.n, "", dtype=object)
    fmts = np.where(fmts == "", default, fmts)
    nums = np.full(a.n, np.nan)
    keep = np.flatnonzero(~a.null)
    if len(keep):  # once per distinct (text, format)
        pairs = np.char.add(np.char.add(texts[keep], "\x1f"), fmts[keep].astype(str))
        uniq, inv = np.unique(pairs, return_inverse=True)
        read = np.array([_parse_interval(*p.split("\x1f", 1)) for p in uniq.tolist()],
                        dtype=np.float64)
        nums[keep] = read[inv.reshape(-1)]
    null = a.null | np.isnan(nums)
    out = texts.astype(object)
    out[null] = None
    return Vec(np.where(null, np.nan, nums), out, null)
