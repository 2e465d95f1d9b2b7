from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from associa.values import (
    DEFAULT_LOCALE,
    DEFAULT_SCRIPT_HEADER,
    LOCALE_VARIABLES,
    NO_SCRIPT_LOCALE,
    Locale,
)

# The script Qlik Core returns for a new app (GetScript), as recorded from a real engine,
# with CRLF turned into LF.
GOLDEN = Path(__file__).parent.parent / "golden" / "values" / "default_script_header.qvs"


def _set_lines(script: str) -> dict[str, str]:
    """Variables of the simple `SET Name='value';` / `SET Name=value;` lines of a script."""
    out: dict[str, str] = {}
    for line in script.splitlines():
        match = re.fullmatch(r"SET (\w+)=(?:'(.*)'|([^']*));", line)
        if match:
            out[match.group(1)] = match.group(2) if match.group(2) is not None else match.group(3)
    return out


def test_default_locale_values() -> None:
    loc = DEFAULT_LOCALE
    assert (loc.thousand_sep, loc.decimal_sep) == (",", ".")
    assert (loc.money_thousand_sep, loc.money_decimal_sep) == (",", ".")
    assert loc.money_format == "$ ###0.00;-$ ###0.00"
    assert loc.time_format == "h:mm:ss TT"
    assert loc.date_format == "M/D/YYYY"
    assert loc.timestamp_format == "M/D/YYYY h:mm:ss[.fff] TT"
    assert loc.month_names[0] == "Jan" and loc.month_names[-1] == "Dec"
    assert len(loc.month_names) == 12 and len(loc.long_month_names) == 12
    assert loc.long_month_names[8] == "September"
    assert loc.day_names == ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    assert loc.long_day_names[0] == "Monday" and loc.long_day_names[6] == "Sunday"
    assert loc.first_week_day == 6
    assert loc.broken_weeks is True
    assert loc.reference_day == 0
    assert loc.first_month_of_year == 1
    assert loc.collation_locale == "en-US"
    assert loc.numerical_abbreviation.startswith("3:k;6:M;9:G;")
    assert "-6:μ" in loc.numerical_abbreviation


def test_locale_is_hashable_and_frozen() -> None:
    assert hash(DEFAULT_LOCALE) == hash(Locale.from_variables({}))
    with pytest.raises(AttributeError):
        DEFAULT_LOCALE.decimal_sep = ","  # type: ignore[misc]


def test_no_script_locale_uses_monday_unbroken_weeks() -> None:
    assert NO_SCRIPT_LOCALE.first_week_day == 0
    assert NO_SCRIPT_LOCALE.broken_weeks is False
    assert NO_SCRIPT_LOCALE.date_format == DEFAULT_LOCALE.date_format


def test_script_header_shape() -> None:
    lines = DEFAULT_SCRIPT_HEADER.split("\r\n")
    assert lines[0] == "///$tab Main"
    assert "\n" not in DEFAULT_SCRIPT_HEADER.replace("\r\n", "")  # every line ends in CRLF
    assert DEFAULT_SCRIPT_HEADER.endswith(";\r\n")
    assert "SET CreateSearchIndexOnReload=1;" in lines
    assert "SET MoneyFormat='$ ###0.00;-$ ###0.00';" in lines
    assert all(line.startswith("SET ") for line in lines[1:-1])


def test_script_header_round_trips_to_default_locale() -> None:
    variables = _set_lines(DEFAULT_SCRIPT_HEADER)
    assert set(LOCALE_VARIABLES) <= set(variables)
    assert Locale.from_variables(variables) == DEFAULT_LOCALE


def test_script_header_matches_qlik_core_golden() -> None:
    assert GOLDEN.read_bytes().decode("utf-8") == DEFAULT_SCRIPT_HEADER


def test_to_variables_round_trip() -> None:
    assert Locale.from_variables(DEFAULT_LOCALE.to_variables()) == DEFAULT_LOCALE
    assert tuple(DEFAULT_LOCALE.to_variables()) == LOCALE_VARIABLES


GERMAN = {
    "ThousandSep": ".",
    "DecimalSep": ",",
    "MoneyThousandSep": ".",
    "MoneyDecimalSep": ",",
    "MoneyFormat": "#.##0,00 €;-#.##0,00 €",
    "TimeFormat": "hh:mm:ss",
    "DateFormat": "DD.MM.YYYY",
    "TimestampFormat": "DD.MM.YYYY hh:mm:ss[.fff]",
    "MonthNames": "Jan;Feb;Mär;Apr;Mai;Jun;Jul;Aug;Sep;Okt;Nov;Dez",
    "LongMonthNames": "Januar;Februar;März;April;Mai;Juni;Juli;August;September;Oktober;"
    "November;Dezember",
    "DayNames": "Mo;Di;Mi;Do;Fr;Sa;So",
    "LongDayNames": "Montag;Dienstag;Mittwoch;Donnerstag;Freitag;Samstag;Sonntag",
    "FirstWeekDay": "0",
    "BrokenWeeks": "0",
    "ReferenceDay": "4",
    "FirstMonthOfYear": "4",
    "CollationLocale": "de-DE",
}


def test_from_variables_german() -> None:
    de = Locale.from_variables(GERMAN)
    assert (de.decimal_sep, de.thousand_sep) == (",", ".")
    assert de.date_format == "DD.MM.YYYY"
    assert de.month_names[2] == "Mär"
    assert de.long_day_names[6] == "Sonntag"
    assert de.first_week_day == 0
    assert de.broken_weeks is False
    assert de.reference_day == 4
    assert de.first_month_of_year == 4
    assert de.collation_locale == "de-DE"
    assert de.numerical_abbreviation == DEFAULT_LOCALE.numerical_abbreviation


def test_from_variables_partial_keeps_defaults() -> None:
    loc = Locale.from_variables({"DateFormat": "YYYY-MM-DD"})
    assert loc.date_format == "YYYY-MM-DD"
    assert loc.time_format == DEFAULT_LOCALE.time_format
    assert loc.first_week_day == 6


def test_from_variables_allows_empty_separator() -> None:
    assert Locale.from_variables({"ThousandSep": ""}).thousand_sep == ""


@pytest.mark.parametrize(
    ("name", "value", "attr", "expected"),
    [
        ("FirstWeekDay", "x", "first_week_day", 6),
        ("FirstWeekDay", "9", "first_week_day", 6),
        ("FirstWeekDay", "2.5", "first_week_day", 6),
        ("FirstWeekDay", " 3 ", "first_week_day", 3),
        ("FirstMonthOfYear", "0", "first_month_of_year", 1),
        ("FirstMonthOfYear", "13", "first_month_of_year", 1),
        ("FirstMonthOfYear", "", "first_month_of_year", 1),
        ("ReferenceDay", "-1", "reference_day", 0),
        ("BrokenWeeks", "yes", "broken_weeks", True),
        ("BrokenWeeks", "0", "broken_weeks", False),
        ("BrokenWeeks", "1", "broken_weeks", True),
        ("MonthNames", "a;b;c", "month_names", DEFAULT_LOCALE.month_names),
        ("DayNames", "a;;c;d;e;f;g", "day_names", DEFAULT_LOCALE.day_names),
    ],
)
def test_from_variables_bad_values_fall_back(
    name: str, value: str, attr: str, expected: object
) -> None:
    assert getattr(Locale.from_variables({name: value}), attr) == expected


def test_with_variables_overrides_a_base() -> None:
    de = Locale.from_variables(GERMAN)
    changed = de.with_variables({"DateFormat": "D.M.YYYY"})
    assert changed.date_format == "D.M.YYYY"
    assert changed.decimal_sep == ","


def test_to_qlocaleinfo_complete() -> None:
    info = DEFAULT_LOCALE.to_qlocaleinfo()
    assert set(info) == {
        "qDecimalSep", "qThousandSep", "qListSep", "qMoneyDecimalSep", "qMoneyThousandSep",
        "qCurrentYear", "qMoneyFmt", "qTimeFmt", "qDateFmt", "qTimestampFmt",
        "qCalendarStrings", "qFirstWeekDay", "qBrokenWeeks", "qReferenceDay",
        "qFirstMonthOfYear", "qCollation", "qNumericalAbbreviation",
    }  # fmt: skip
    assert info["qDecimalSep"] == "."
    assert info["qThousandSep"] == ","
    assert info["qListSep"] == ","
    assert info["qCurrentYear"] == datetime.date.today().year
    assert info["qMoneyFmt"] == "$ ###0.00;-$ ###0.00"
    assert info["qDateFmt"] == "M/D/YYYY"
    assert info["qTimeFmt"] == "h:mm:ss TT"
    assert info["qTimestampFmt"] == "M/D/YYYY h:mm:ss[.fff] TT"
    assert info["qFirstWeekDay"] == 6
    assert info["qBrokenWeeks"] is True
    assert info["qReferenceDay"] == 0
    assert info["qFirstMonthOfYear"] == 1
    assert info["qCollation"] == "en-US"
    assert info["qNumericalAbbreviation"] == DEFAULT_LOCALE.numerical_abbreviation
    cal = info["qCalendarStrings"]
    assert set(cal) == {"qDayNames", "qMonthNames", "qLongDayNames", "qLongMonthNames"}
    assert cal["qMonthNames"] == list(DEFAULT_LOCALE.month_names)
    assert isinstance(cal["qDayNames"], list) and len(cal["qDayNames"]) == 7
    assert cal["qLongMonthNames"][0] == "January"


def test_to_qlocaleinfo_reflects_locale() -> None:
    info = Locale.from_variables(GERMAN).to_qlocaleinfo()
    assert info["qDecimalSep"] == ","
    assert info["qBrokenWeeks"] is False
    assert info["qCalendarStrings"]["qLongDayNames"][0] == "Montag"
