from __future__ import annotations

import datetime
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from associa.values import (
    DEFAULT_LOCALE,
    Locale,
    date_from_serial,
    format_number,
    interpret,
    parse_number,
    parse_with_format,
    serial_from_date,
)

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "golden" / "values"
EPOCH = datetime.datetime(1899, 12, 30)


def golden(name: str) -> list[list[str]]:
    rows = []
    for line in (GOLDEN_DIR / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append([field.strip() for field in line.split(" | ")])
    return rows


def serial(*args: int) -> float:
    """Reference serial number computed with Python's datetime."""
    delta = datetime.datetime(*args) - EPOCH  # type: ignore[arg-type]
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6


# -- parse_number ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "dec", "thou", "expected"),
    [
        ("0", ".", "", 0.0),
        ("42", ".", "", 42.0),
        ("-42", ".", "", -42.0),
        ("+42", ".", "", 42.0),
        ("3.25", ".", "", 3.25),
        ("  -1.5e3  ", ".", "", -1500.0),
        ("1e3", ".", "", 1000.0),
        ("-2.5E-3", ".", "", -0.0025),
        ("1E+2", ".", "", 100.0),
        (".5", ".", "", 0.5),
        ("5.", ".", "", 5.0),
        ("0.1", ".", "", 0.1),
        ("007", ".", "", 7.0),
        ("1,234", ".", ",", 1234.0),
        ("1,234,567.25", ".", ",", 1234567.25),
        ("1234567.25", ".", ",", 1234567.25),
        ("123", ".", ",", 123.0),
        ("1.234,5", ",", ".", 1234.5),
        ("1 234,5", ",", " ", 1234.5),
        ("1\u00a0234,5", ",", "\u00a0", 1234.5),
        ("3,5", ",", "", 3.5),
        ("\t12\n", ".", "", 12.0),
    ],
)
def test_parse_number_accepts(text: str, dec: str, thou: str, expected: float) -> None:
    assert parse_number(text, dec, thou) == expected


@pytest.mark.parametrize(
    ("text", "dec", "thou"),
    [
        ("", ".", ""),
        ("   ", ".", ""),
        (".", ".", ""),
        ("-", ".", ""),
        ("e3", ".", ""),
        ("1e", ".", ""),
        ("1e+", ".", ""),
        ("inf", ".", ""),
        ("-inf", ".", ""),
        ("Infinity", ".", ""),
        ("nan", ".", ""),
        ("NaN", ".", ""),
        ("1_000", ".", ""),
        ("0x1F", ".", ""),
        ("1F", ".", ""),
        ("--1", ".", ""),
        ("+-1", ".", ""),
        ("- 1", ".", ""),
        ("1.2.3", ".", ""),
        ("1,234", ".", ""),
        ("1,23", ".", ","),
        ("1,2345", ".", ","),
        ("12,34,567", ".", ","),
        (",123", ".", ","),
        ("1234,567", ".", ","),
        ("1,234.5", ",", "."),
        ("١٢٣", ".", ""),
        ("1e400", ".", ""),
        ("12abc", ".", ""),
        ("1 2", ".", ""),
    ],
)
def test_parse_number_rejects(text: str, dec: str, thou: str) -> None:
    assert parse_number(text, dec, thou) is None


def test_parse_number_defaults_have_no_thousands() -> None:
    assert parse_number("1234.5") == 1234.5
    assert parse_number("1,234.5") is None


# -- serial numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ((1899, 12, 30), 0.0),
        ((1899, 12, 31), 1.0),
        ((1900, 1, 1), 2.0),
        ((1900, 3, 1), 61.0),
        ((1970, 1, 1), 25569.0),
        ((2000, 1, 1), 36526.0),
        ((2024, 3, 5), 45356.0),
        ((1899, 12, 29), -1.0),
    ],
)
def test_serial_from_date_known_values(date: tuple[int, int, int], expected: float) -> None:
    assert serial_from_date(*date) == expected
    assert date_from_serial(expected)[:3] == date


def test_serial_from_date_with_time() -> None:
    assert serial_from_date(2024, 3, 5, 12) == 45356.5
    assert serial_from_date(2024, 3, 5, 18, 0, 0) == 45356.75
    assert serial_from_date(2024, 3, 5, 13, 30, 15.5) == pytest.approx(
        serial(2024, 3, 5, 13, 30, 15, 500000)
    )


def test_serial_from_date_invalid() -> None:
    with pytest.raises(ValueError):
        serial_from_date(2023, 2, 29)
    with pytest.raises(ValueError):
        serial_from_date(2024, 13, 1)


def test_date_from_serial_components() -> None:
    assert date_from_serial(45356.5) == (2024, 3, 5, 12, 0, 0.0)
    assert date_from_serial(0.75) == (1899, 12, 30, 18, 0, 0.0)
    assert date_from_serial(-0.25) == (1899, 12, 29, 18, 0, 0.0)
    y, mo, d, h, mi, s = date_from_serial(serial_from_date(2024, 3, 5, 13, 30, 15.25))
    assert (y, mo, d, h, mi) == (2024, 3, 5, 13, 30)
    assert s == pytest.approx(15.25)


def test_date_from_serial_rounds_float_noise() -> None:
    assert date_from_serial(10 / 24) == (1899, 12, 30, 10, 0, 0.0)
    assert date_from_serial(45356 + 86399.9999 / 86400) == (2024, 3, 6, 0, 0, 0.0)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 1e12, -1e12])
def test_date_from_serial_rejects(bad: float) -> None:
    with pytest.raises(ValueError):
        date_from_serial(bad)


@given(
    st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 30))
)
def test_serial_matches_datetime(moment: datetime.datetime) -> None:
    moment = moment.replace(microsecond=(moment.microsecond // 1000) * 1000)
    x = serial_from_date(
        moment.year, moment.month, moment.day, moment.hour, moment.minute,
        moment.second + moment.microsecond / 1e6,
    )  # fmt: skip
    assert math.floor(x) == (moment.date() - EPOCH.date()).days
    y, mo, d, h, mi, s = date_from_serial(x)
    assert (y, mo, d, h, mi) == (moment.year, moment.month, moment.day, moment.hour, moment.minute)
    assert s == pytest.approx(moment.second + moment.microsecond / 1e6, abs=1e-3)


@given(st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)))
def test_date_serial_is_day_count(day: datetime.date) -> None:
    x = serial_from_date(day.year, day.month, day.day)
    assert x == (day - datetime.date(1899, 12, 30)).days
    assert date_from_serial(x)[:3] == (day.year, day.month, day.day)


# -- interpret ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), golden("interpret.txt"))
def test_interpret_golden(text: str, expected: str) -> None:
    result = interpret(text)
    if expected == "None":
        assert result is None
    else:
        assert result == pytest.approx(float(expected), abs=1e-12)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("3/5/2024 1:23:45 PM", (2024, 3, 5, 13, 23, 45)),
        ("3/5/2024 1:23:45 AM", (2024, 3, 5, 1, 23, 45)),
        ("3/5/2024 12:00:00 AM", (2024, 3, 5, 0, 0, 0)),
        ("3/5/2024 12:30:00 PM", (2024, 3, 5, 12, 30, 0)),
        ("3/5/2024 1:23:45.250 PM", (2024, 3, 5, 13, 23, 45, 250000)),
        ("3/5/2024 1:23:45 pm", (2024, 3, 5, 13, 23, 45)),
        ("2024-03-05 10:30", (2024, 3, 5, 10, 30)),
        ("2024-03-05 10:30:15", (2024, 3, 5, 10, 30, 15)),
        ("2024-03-05 10:30:15.5", (2024, 3, 5, 10, 30, 15, 500000)),
        ("2024-03-05T10:30:15.125", (2024, 3, 5, 10, 30, 15, 125000)),
        ("1:23:45 PM", (1899, 12, 30, 13, 23, 45)),
        ("10:30", (1899, 12, 30, 10, 30)),
        ("10:30:15", (1899, 12, 30, 10, 30, 15)),
        ("23:59:59.999", (1899, 12, 30, 23, 59, 59, 999000)),
        ("0:00", (1899, 12, 30)),
    ],
)
def test_interpret_dates_and_times(text: str, moment: tuple[int, ...]) -> None:
    assert interpret(text) == pytest.approx(serial(*moment), abs=1e-9)


def test_interpret_strips_blanks() -> None:
    assert interpret("  42  ") == 42.0
    assert interpret("\t3/5/2024 ") == 45356.0
    assert interpret("   ") is None


def test_interpret_percent_precision() -> None:
    assert interpret("12%") == 0.12
    assert interpret("1,000%") == 10.0


GERMAN = Locale.from_variables(
    {
        "ThousandSep": ".",
        "DecimalSep": ",",
        "MoneyThousandSep": ".",
        "MoneyDecimalSep": ",",
        "MoneyFormat": "#.##0,00 €;-#.##0,00 €",
        "TimeFormat": "hh:mm:ss",
        "DateFormat": "DD.MM.YYYY",
        "TimestampFormat": "DD.MM.YYYY hh:mm:ss[.fff]",
    }
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,5", 1234.5),
        ("1,5", 1.5),
        ("-0,25", -0.25),
        ("12,5%", 0.125),
        ("05.03.2024", 45356.0),
        ("5.3.2024", 45356.0),
        ("05.03.2024 12:00:00", 45356.5),
        ("05.03.2024 18:00:00.000", 45356.75),
        ("2024-03-05", 45356.0),
        ("18:00:00", 0.75),
        ("1.234,50 €", 1234.5),
        ("-1.234,50 €", -1234.5),
        ("1.5", None),
        ("1,234.5", None),
        ("3/5/2024", None),
    ],
)
def test_interpret_german_locale(text: str, expected: float | None) -> None:
    assert interpret(text, GERMAN) == expected


def test_interpret_fallback_separators() -> None:
    no_thousands = Locale.from_variables({"ThousandSep": ""})
    assert interpret("1,234.5", no_thousands) == 1234.5
    swedish = Locale.from_variables({"DecimalSep": ",", "ThousandSep": " "})
    assert interpret("1 234,5", swedish) == 1234.5
    assert interpret("1.234", swedish) == 1234.0
    point_space = Locale.from_variables({"DecimalSep": ".", "ThousandSep": " "})
    assert interpret("1,234.5", point_space) == 1234.5
    assert interpret("1.234,5", point_space) is None


def test_interpret_uses_locale_month_names() -> None:
    loc = Locale.from_variables(
        {
            "DateFormat": "DD MMM YYYY",
            "MonthNames": "jan;feb;mär;apr;mai;jun;jul;aug;sep;okt;nov;dez",
        }
    )
    assert interpret("05 Mär 2024", loc) == 45356.0
    assert interpret("05 mar 2024", loc) is None


# -- parse_with_format ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("2024-03-05", "YYYY-MM-DD", 45356.0),
        ("3/5/2024", "M/D/YYYY", 45356.0),
        ("03/05/2024", "MM/DD/YYYY", 45356.0),
        ("3/5/2024", "MM/DD/YYYY", 45356.0),
        ("05.03.2024", "DD.MM.YYYY", 45356.0),
        ("05.03.24", "DD.MM.YY", 45356.0),
        ("05.03.95", "DD.MM.YY", serial(1995, 3, 5)),
        ("20240305", "YYYYMMDD", 45356.0),
        ("Mar 5, 2024", "MMM D, YYYY", 45356.0),
        ("mar 5, 2024", "MMM D, YYYY", 45356.0),
        ("March 5, 2024", "MMMM D, YYYY", 45356.0),
        ("Tuesday, March 5, 2024", "WWWW, MMMM D, YYYY", 45356.0),
        ("Tue 05 Mar 2024", "WWW DD MMM YYYY", 45356.0),
        ("2024", "YYYY", 45292.0),
        ("Mar 2024", "MMM YYYY", 45352.0),
        ("Mar", "MMM", 61.0),
        ("05.03.2024 13:30:00", "DD.MM.YYYY hh:mm:ss", serial(2024, 3, 5, 13, 30)),
        ("05.03.2024 13:30", "DD.MM.YYYY hh:mm[:ss]", serial(2024, 3, 5, 13, 30)),
        ("05.03.2024 13:30:10", "DD.MM.YYYY hh:mm[:ss]", serial(2024, 3, 5, 13, 30, 10)),
        ("13:30:10.5", "hh:mm:ss[.fff]", serial(1899, 12, 30, 13, 30, 10, 500000)),
        ("13:30:10", "hh:mm:ss[.fff]", serial(1899, 12, 30, 13, 30, 10)),
        ("133010", "hhmmss", serial(1899, 12, 30, 13, 30, 10)),
        ("1:30 PM", "h:mm TT", serial(1899, 12, 30, 13, 30)),
        ("1:30PM", "h:mm TT", serial(1899, 12, 30, 13, 30)),
        ("12:15 AM", "h:mm TT", serial(1899, 12, 30, 0, 15)),
        ("2024-03-05T10:30:00", "YYYY-MM-DDThh:mm:ss", serial(2024, 3, 5, 10, 30)),
        ("Day 5 of 03/2024", "'Day' D 'of' MM/YYYY", 45356.0),
        ("2023-02-29", "YYYY-MM-DD", None),
        ("2024-03-05", "DD.MM.YYYY", None),
        ("13:30 PM", "h:mm TT", None),
        ("25:00:00", "hh:mm:ss", None),
        ("Foo 2024", "MMM YYYY", None),
        ("", "YYYY-MM-DD", None),
    ],
)
def test_parse_with_format_dates(text: str, fmt: str, expected: float | None) -> None:
    result = parse_with_format(text, fmt)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("1,234.56", "#,##0.00", 1234.56),
        ("1234.56", "#,##0.00", 1234.56),
        ("-1,234.56", "#,##0.00", -1234.56),
        ("12", "0", 12.0),
        ("25.6%", "0.0%", 0.256),
        ("25.6 %", "0.0%", 0.256),
        ("(5)", "0;(0)", -5.0),
        ("5", "0;(0)", 5.0),
        ("$ 1,234.50", "$ #,##0.00", 1234.5),
        ("$1234.50", "$ #,##0.00", 1234.5),
        ("-$ 5.00", "$ ###0.00;-$ ###0.00", -5.0),
        ("12 kg", '0 "kg"', 12.0),
        ("12", '0 "kg"', None),
        ("abc", "#,##0", None),
        ("1.2.3", "0.0", None),
        ("11000111", "(bin)", 199.0),
        ("307", "(oct)", 199.0),
        ("c7", "(hex)", 199.0),
        ("C7", "(HEX)", 199.0),
        ("-ff", "(hex)", -255.0),
        ("5j", "(r36)", 199.0),
        ("CXCIX", "(ROM)", 199.0),
        ("mcmxciv", "(rom)", 1994.0),
        ("xyz", "(hex)", None),
        ("1_0", "(bin)", None),
        ("ABC", "(rom)", None),
    ],
)
def test_parse_with_format_numbers(text: str, fmt: str, expected: float | None) -> None:
    assert parse_with_format(text, fmt) == expected


def test_parse_with_format_explicit_separators() -> None:
    assert parse_with_format("1.234,5", "#.##0,0", DEFAULT_LOCALE, ",", ".") == 1234.5
    assert parse_with_format("1 234,5", "# ##0,0", DEFAULT_LOCALE, ",", " ") == 1234.5
    assert parse_with_format("1234,5", "0,0", DEFAULT_LOCALE, ",", "") == 1234.5
    assert parse_with_format("1.234,5", "#.##0,00", GERMAN) == 1234.5


def test_parse_with_format_empty_code_is_automatic() -> None:
    assert parse_with_format("3/5/2024", "") == 45356.0
    assert parse_with_format("abc", "") is None


# -- properties -----------------------------------------------------------------------

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@given(finite)
def test_round_trip_fixed_three_decimals(x: float) -> None:
    text = format_number(x, "0.000")
    back = parse_number(text)
    assert back is not None
    assert back == pytest.approx(x, abs=0.0005 + 1e-9)


@given(finite)
def test_round_trip_grouped(x: float) -> None:
    text = format_number(x, "#,##0.00")
    back = parse_number(text, ".", ",")
    assert back is not None
    assert back == pytest.approx(x, abs=0.005 + 1e-9)
    assert interpret(text) == back


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_round_trip_auto_format(x: float) -> None:
    from associa.values import auto_format

    back = interpret(auto_format(x))
    assert back is not None
    assert back == pytest.approx(x, rel=1e-13, abs=1e-300)


@given(
    st.datetimes(min_value=datetime.datetime(1000, 1, 1), max_value=datetime.datetime(9999, 12, 31))
)
def test_round_trip_timestamp_format(moment: datetime.datetime) -> None:
    moment = moment.replace(microsecond=(moment.microsecond // 1000) * 1000)
    x = serial(
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond,
    )
    for fmt in ("YYYY-MM-DD hh:mm:ss.fff", "DD.MM.YYYY hh:mm:ss[.fff]", "M/D/YYYY h:mm:ss.fff TT"):
        text = format_number(x, fmt)
        back = parse_with_format(text, fmt)
        assert back is not None, (text, fmt)
        if "[" in fmt:
            whole = serial(*moment.replace(microsecond=0).timetuple()[:6])
            assert back == pytest.approx(whole, abs=2e-8)
        else:
            assert back == pytest.approx(x, abs=2e-8)
    assert interpret(format_number(x, "YYYY-MM-DD")) == math.floor(x + 1e-9)
    assert interpret(format_number(x, DEFAULT_LOCALE.timestamp_format)) is not None
