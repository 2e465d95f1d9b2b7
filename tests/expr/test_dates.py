"""Date and time functions over many rows, under other locales, and the clock.

The golden cases (tests/golden/expr/dates.txt) check one value at a time in the en-US
locale; these check that the vectorized arithmetic agrees row by row with Python's
calendar, that per-row arguments and NULLs stay in their rows, and that the locale
variables (DateFormat, MonthNames, FirstWeekDay, BrokenWeeks, ReferenceDay) are read.
"""

from __future__ import annotations

import datetime
import math

import numpy as np
import pytest

from associa.expr import Evaluator, Vec, parse
from associa.values import DEFAULT_LOCALE, Locale
from tests.expr.test_evaluate import ConstScope

EPOCH = datetime.date(1899, 12, 30)


def serial(d: datetime.date) -> float:
    return float((d - EPOCH).days)


def run(expr: str, fields: dict[str, Vec], n: int, locale: Locale = DEFAULT_LOCALE) -> Vec:
    scope = ConstScope(n, fields, locale)
    return Evaluator(locale).eval(parse(expr), scope)


def rows(v: Vec) -> list[tuple[str | None, float]]:
    return [v.value(i) for i in range(v.n)]


# a span of days over several year ends, leap years and the 1900s
DAYS = [datetime.date(1899, 12, 1) + datetime.timedelta(days=k) for k in range(0, 46000, 7)]
DAYS += [datetime.date(y, 12, d) for y in range(1995, 2031) for d in range(25, 32)]
DAYS += [datetime.date(y, 1, d) for y in range(1995, 2031) for d in range(1, 8)]
DAYS += [datetime.date(2000, 2, 29), datetime.date(2024, 2, 29), datetime.date(1, 1, 1),
         datetime.date(9999, 12, 31)]


@pytest.fixture(scope="module")
def days() -> dict[str, Vec]:
    return {"T": Vec.numbers(np.array([serial(d) for d in DAYS]))}


def test_fields_match_python_calendar(days: dict[str, Vec]) -> None:
    n = len(DAYS)
    years = run("Year(T)", days, n).num
    months = run("Month(T)", days, n)
    day = run("Day(T)", days, n).num
    assert years.tolist() == [d.year for d in DAYS]
    assert months.num.tolist() == [d.month for d in DAYS]
    assert [t for t, _ in rows(months)] == [d.strftime("%b") for d in DAYS]
    assert day.tolist() == [d.day for d in DAYS]
    doy = run("DayNumberOfYear(T)", days, n).num
    assert doy.tolist() == [d.timetuple().tm_yday for d in DAYS]


def test_iso_weeks_match_python(days: dict[str, Vec]) -> None:
    n = len(DAYS)
    week = run("Week(T, 0, 0, 4)", days, n).num
    year = run("WeekYear(T, 0, 0, 4)", days, n).num
    wday = run("WeekDay(T, 0)", days, n).num
    iso = [d.isocalendar() for d in DAYS]
    assert week.tolist() == [c[1] for c in iso]
    assert year.tolist() == [c[0] for c in iso]
    assert wday.tolist() == [c[2] - 1 for c in iso]


def test_iso_locale_variables_give_iso_weeks(days: dict[str, Vec]) -> None:
    iso = DEFAULT_LOCALE.with_variables(
        {"FirstWeekDay": "0", "BrokenWeeks": "0", "ReferenceDay": "4"})
    n = len(DAYS)
    assert run("Week(T)", days, n, iso).num.tolist() == [d.isocalendar()[1] for d in DAYS]
    names = run("WeekName(T)", days, n, iso)
    want = [f"{d.isocalendar()[0]:04d}/{d.isocalendar()[1]:02d}" for d in DAYS]
    assert [t for t, _ in rows(names)] == want


def test_broken_weeks_count_from_january_first(days: dict[str, Vec]) -> None:
    """US weeks (FirstWeekDay 6, BrokenWeeks 1): the week of January 1 is week 1, a new
    week starts each Sunday (Python's %U counts Sundays from the first Sunday)."""
    n = len(DAYS)
    got = run("Week(T)", days, n).num
    want = []
    for d in DAYS:
        jan1 = d.replace(month=1, day=1)
        sunday_based = (jan1.weekday() + 1) % 7  # days since the Sunday on or before Jan 1
        want.append(((d - jan1).days + sunday_based) // 7 + 1)
    assert got.tolist() == want


def test_make_week_date_inverts_week_and_weekday(days: dict[str, Vec]) -> None:
    n = len(DAYS) - 2  # without year 1 and 9999 (their weeks reach into other years)
    fields = {"T": days["T"].take(np.arange(n))}
    for args in ("0, 0, 4", "6, 1, 0", "6, 0, 1", "2, 0, 7"):
        expr = (f"MakeWeekDate(WeekYear(T, {args}), Week(T, {args}), "
                f"WeekDay(T, {args.split(',')[0]}), {args})")
        assert run(expr, fields, n).num.tolist() == fields["T"].num.tolist(), args


def test_period_starts_per_row(days: dict[str, Vec]) -> None:
    n = len(DAYS)
    starts = run("MonthStart(T)", days, n).num
    assert starts.tolist() == [serial(d.replace(day=1)) for d in DAYS]
    quarters = run("QuarterStart(T)", days, n).num
    assert quarters.tolist() == [serial(d.replace(month=(d.month - 1) // 3 * 3 + 1, day=1))
                                 for d in DAYS]
    ends = run("MonthEnd(T)", days, n).num
    assert np.all(np.floor(ends) == np.floor(run("MonthStart(T, 1)", days, n).num) - 1)


def test_per_row_arguments_and_nulls() -> None:
    t = Vec.numbers(np.array([serial(datetime.date(2013, 1, 12))] * 4 + [math.nan]))
    fwd = Vec.numbers(np.array([0.0, 1.0, math.nan, 6.0, 0.0]))
    v = run("WeekStart(T, 0, F)", {"T": t, "F": fwd}, 5)
    assert [x for x, _ in rows(v)] == ["1/7/2013", "1/8/2013", None, "1/6/2013", None]
    shift = Vec.numbers(np.array([-1.0, 0.0, 1.0, 12.0, 0.0]))
    v = run("AddMonths(T, P)", {"T": t, "P": shift}, 5)
    assert [x for x, _ in rows(v)] == ["12/12/2012", "1/12/2013", "2/12/2013", "1/12/2014",
                                       None]


def test_text_dates_are_read_per_row() -> None:
    texts = np.array(["2001-10-19", "10/19/2001", "abc", None, "2/29/2012"], dtype=object)
    t = Vec(np.full(5, math.nan), texts, np.array([False, False, False, True, False]))
    v = run("MonthName(T)", {"T": t}, 5)
    assert [x for x, _ in rows(v)] == ["Oct 2001", "Oct 2001", None, None, "Feb 2012"]


def test_in_functions_per_row() -> None:
    base = Vec.numbers(np.full(4, serial(datetime.date(2013, 3, 15))))
    t = Vec.numbers(np.array([serial(datetime.date(2013, 3, 1)),
                              serial(datetime.date(2013, 3, 16)),
                              serial(datetime.date(2013, 2, 28)) + 0.99,
                              math.nan]))
    v = run("InMonth(T, B, 0)", {"T": t, "B": base}, 4)
    assert v.num[:3].tolist() == [-1, -1, 0] and v.null.tolist() == [False] * 3 + [True]
    v = run("InMonthToDate(T, B, 0)", {"T": t, "B": base}, 4)
    assert v.num[:3].tolist() == [-1, 0, 0]


def test_date_format_and_names_come_from_the_locale() -> None:
    de = DEFAULT_LOCALE.with_variables({
        "DateFormat": "DD.MM.YYYY",
        "TimestampFormat": "DD.MM.YYYY hh:mm:ss",
        "MonthNames": "Jan;Feb;Mär;Apr;Mai;Jun;Jul;Aug;Sep;Okt;Nov;Dez",
        "DayNames": "Mo;Di;Mi;Do;Fr;Sa;So",
        "FirstWeekDay": "0",
    })
    scope = ConstScope(locale=de)

    def one(expr: str) -> tuple[str | None, float]:
        return Evaluator(de).eval(parse(expr), scope).value(0)

    assert one("MonthStart('19.10.2001')") == ("01.10.2001", 37165.0)
    assert one("MonthName('19.10.2001')")[0] == "Okt 2001"
    assert one("Month('19.03.2001')")[0] == "Mär"
    assert one("WeekDay('12.10.1971')") == ("Di", 1.0)
    assert one("WeekStart('12.01.2013')")[0] == "07.01.2013"
    assert one("DayStart('25.01.2013 16:45:00')")[0] == "25.01.2013 00:00:00"
    assert one("QuarterName('29.10.2013')")[0] == "Okt-Dez 2013"


def test_first_week_day_variable_moves_weekday_numbers() -> None:
    t = {"T": Vec.numbers(np.array([serial(datetime.date(2024, 3, 3))]))}  # a Sunday
    for fwd, want in (("0", 6.0), ("6", 0.0), ("2", 4.0)):
        lo = DEFAULT_LOCALE.with_variables({"FirstWeekDay": fwd})
        assert run("WeekDay(T)", t, 1, lo).value(0) == ("Sun", want)


def test_today_and_now_read_the_clock() -> None:
    before = datetime.datetime.now()
    now = run("Now()", {}, 3)
    today = run("Today()", {}, 3)
    after = datetime.datetime.now()
    lo = serial(before.date()) + (before - datetime.datetime.combine(
        before.date(), datetime.time())).total_seconds() / 86400
    hi = serial(after.date()) + (after - datetime.datetime.combine(
        after.date(), datetime.time())).total_seconds() / 86400
    assert lo - 1e-6 <= now.num[0] <= hi + 1e-6
    assert len(set(now.num.tolist())) == 1  # one reading of the clock per call
    assert today.num[0] in (serial(before.date()), serial(after.date()))
    assert today.value(0)[0] == f"{after.month}/{after.day}/{after.year}" or (
        before.date() != after.date())
    assert run("Now(0)", {}, 1).value(0)[0] is not None


def test_gmt_is_utc_now() -> None:
    v = run("GMT()", {}, 1)
    utc = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    want = serial(utc.date()) + (utc - datetime.datetime.combine(
        utc.date(), datetime.time())).total_seconds() / 86400
    assert abs(v.num[0] - want) < 1 / 86400 * 5


def test_working_days_per_row_with_holidays() -> None:
    start = Vec.numbers(np.array([serial(datetime.date(2013, 12, 19))] * 3))
    end = Vec.numbers(np.array([serial(datetime.date(2014, 1, 7)),
                                serial(datetime.date(2013, 12, 19)),
                                serial(datetime.date(2013, 12, 9))]))
    hol = Vec.numbers(np.array([serial(datetime.date(2013, 12, 25)),
                                serial(datetime.date(2013, 12, 19)),
                                serial(datetime.date(2013, 12, 25))]))
    v = run("NetWorkDays(S, E, H)", {"S": start, "E": end, "H": hol}, 3)
    assert v.num.tolist() == [13, 0, -9]
    v = run("LastWorkDate(S, 3, H)", {"S": start, "H": hol}, 3)
    assert [x for x, _ in rows(v)] == ["12/23/2013", "12/24/2013", "12/23/2013"]
