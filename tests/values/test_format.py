from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from associa.values import (
    DEFAULT_LOCALE,
    Locale,
    auto_format,
    format_datetime,
    format_interval,
    format_number,
    format_with_attributes,
)

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "golden" / "values"


def golden(name: str) -> list[list[str]]:
    rows = []
    for line in (GOLDEN_DIR / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append([field.strip() for field in line.split(" | ")])
    return rows


def _auto_rows() -> list[list[str]]:
    rows = []
    for row in golden("auto_format.txt"):
        rows.append(row if len(row) == 2 else [row[0].rstrip(" |"), ""])
    return rows


GERMAN = Locale.from_variables(
    {
        "ThousandSep": ".",
        "DecimalSep": ",",
        "MoneyThousandSep": ".",
        "MoneyDecimalSep": ",",
        "MoneyFormat": "#.##0,00 €;-#.##0,00 €",
        "DateFormat": "DD.MM.YYYY",
        "TimeFormat": "hh:mm:ss",
        "TimestampFormat": "DD.MM.YYYY hh:mm:ss[.fff]",
        "MonthNames": "Jan;Feb;Mär;Apr;Mai;Jun;Jul;Aug;Sep;Okt;Nov;Dez",
        "LongMonthNames": "Januar;Februar;März;April;Mai;Juni;Juli;August;September;Oktober;"
        "November;Dezember",
        "DayNames": "Mo;Di;Mi;Do;Fr;Sa;So",
        "LongDayNames": "Montag;Dienstag;Mittwoch;Donnerstag;Freitag;Samstag;Sonntag",
    }
)

# -- auto_format ----------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), _auto_rows())
def test_auto_format_golden(value: str, expected: str) -> None:
    assert auto_format(float(value)) == expected


def test_auto_format_brief_examples() -> None:
    assert auto_format(0.6857977109029889) == "0.68579771090299"
    assert auto_format(51.152843901421875) == "51.152843901422"
    assert auto_format(1 / 3) == "0.33333333333333"
    assert auto_format(2.5) == "2.5"
    assert auto_format(1e-5) == "0.00001"
    assert auto_format(12345.0) == "12345"


def test_auto_format_locale_decimal_separator() -> None:
    assert auto_format(0.6857977109029889, GERMAN) == "0,68579771090299"
    assert auto_format(1234567.5, GERMAN) == "1234567,5"
    assert auto_format(1.5e20, GERMAN) == "1,5e+20"
    assert auto_format(12.0, GERMAN) == "12"


@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
def test_auto_format_integers_are_plain_digits(n: int) -> None:
    assert auto_format(float(n)) == str(n)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_auto_format_has_at_most_14_significant_digits(x: float) -> None:
    text = auto_format(x)
    mantissa = text.split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    if x == math.floor(x) and abs(x) < 1e15:
        assert text == str(int(x))
    else:
        assert len(mantissa.rstrip("0")) <= 14
        assert "," not in text


# -- format_number --------------------------------------------------------------------


@pytest.mark.parametrize(("value", "fmt", "expected"), golden("format_number.txt"))
def test_format_number_golden(value: str, fmt: str, expected: str) -> None:
    assert format_number(float(value), fmt) == expected


@pytest.mark.parametrize(
    ("fmt", "dec", "thou", "expected"),
    [
        ("# ##0,00", ",", " ", "35 648,38"),
        ("#,##0.00", ".", ",", "35,648.38"),
        ("0.0", ".", None, "35648.4"),
        ("#.##0,00", ",", ".", "35.648,38"),
        ("###0,0", ",", None, "35648,4"),
    ],
)
def test_format_number_explicit_separators(
    fmt: str, dec: str, thou: str | None, expected: str
) -> None:
    assert format_number(35648.375, fmt, DEFAULT_LOCALE, dec, thou) == expected


def test_format_number_custom_grouping() -> None:
    part = format_number(1245678912, "0000-0000-0000", DEFAULT_LOCALE, ".", "-")
    assert part == "0012-4567-8912"
    assert format_number(124567891, "0000-0000-0000", DEFAULT_LOCALE, ".", "-") == "0001-2456-7891"
    assert format_number(1234567, "#,##,##0") == "1,234,567"


def test_format_number_locale_separators() -> None:
    assert format_number(1234.5, "#.##0,00", GERMAN) == "1.234,50"
    assert format_number(0.256, "0,0%", GERMAN) == "25,6%"
    assert format_number(-1234.5, "#.##0,00 €;-#.##0,00 €", GERMAN) == "-1.234,50 €"


def test_format_number_empty_code_is_auto() -> None:
    assert format_number(1 / 3, "") == "0.33333333333333"
    assert format_number(1 / 3, "", GERMAN) == "0,33333333333333"


def test_format_number_specials() -> None:
    assert format_number(math.nan, "0.00") == ""
    assert format_number(math.inf, "0.00") == "+Inf"
    assert format_number(-math.inf, "YYYY") == "-Inf"


def test_format_number_literal_only_code() -> None:
    assert format_number(5, "n/a") == "n/a"


def test_format_number_two_sections_zero_uses_first() -> None:
    assert format_number(0, "0.0;(0.0)") == "0.0"
    assert format_number(-0.01, "0.0;(0.0)") == "(0.0)"


def test_format_number_dates_use_locale_names() -> None:
    assert format_number(45356, "WWWW, D. MMMM YYYY", GERMAN) == "Dienstag, 5. März 2024"
    assert format_number(45356, "DD MMM YY", GERMAN) == "05 Mär 24"


def test_format_number_date_out_of_range_falls_back() -> None:
    assert format_number(1e12, "YYYY-MM-DD") == "1000000000000"


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_format_number_half_away_from_zero_is_symmetric(x: float) -> None:
    pos = format_number(abs(x), "#,##0.00")
    neg = format_number(-abs(x), "#,##0.00")
    assert neg in (pos, "-" + pos)
    assert neg == pos or pos != "0.00"


# -- format_datetime / format_interval -----------------------------------------------


def test_format_datetime_defaults() -> None:
    assert format_datetime(45356.5, DEFAULT_LOCALE.timestamp_format) == "3/5/2024 12:00:00 PM"
    assert format_datetime(45356.5, GERMAN.timestamp_format, GERMAN) == "05.03.2024 12:00:00"
    assert format_datetime(math.nan, "YYYY") == ""


@pytest.mark.parametrize(
    ("x", "fmt", "expected"),
    [
        (1.5, "hh:mm", "36:00"),
        (1.5, "h:mm:ss", "36:00:00"),
        (1.5, "D hh:mm", "1 12:00"),
        (1.5, "mm:ss", "2160:00"),
        (0.5, "hh:mm:ss", "12:00:00"),
        (1 / 24 / 60 * 90.5, "m:ss", "90:30"),
        (-1.25, "D hh:mm:ss", "-1 06:00:00"),
        (-0.25, "hh:mm", "-06:00"),
        (0.0, "hh:mm:ss", "00:00:00"),
        (100.0, "h", "2400"),
        (1 / 86400 * 1.5, "ss.fff", "01.500"),
        (1 / 86400 * 1.5, "s[.fff]", "1"),
        (0.5, "", "12:00:00"),
    ],
)
def test_format_interval(x: float, fmt: str, expected: str) -> None:
    assert format_interval(x, fmt) == expected


# -- format_with_attributes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "attrs", "expected"),
    [
        (0.6857977109029889, {"qType": "U"}, "0.68579771090299"),
        (0.6857977109029889, {}, "0.68579771090299"),
        (
            0.6857977109029889,
            {
                "qType": "R",
                "qnDec": 0,
                "qUseThou": 0,
                "qFmt": "##############",
                "qDec": ".",
                "qThou": ",",
            },
            "0.68579771090299",
        ),
        (5, {"qType": "I", "qnDec": 0, "qUseThou": 1, "qFmt": "###0", "qDec": "."}, "5"),
        (12345, {"qType": "I", "qnDec": 0, "qUseThou": 1, "qFmt": "###0", "qDec": "."}, "12345"),
        (12345, {"qType": "I", "qFmt": "#,##0"}, "12,345"),
        (12345.4, {"qType": "I"}, "12345.4"),
        (1234.5, {"qType": "F", "qFmt": "#,##0.00", "qDec": ".", "qThou": ","}, "1,234.50"),
        (1234.5, {"qType": "F", "qFmt": "# ##0,00", "qDec": ",", "qThou": " "}, "1 234,50"),
        (0.256, {"qType": "F", "qFmt": "0.0%", "qDec": "."}, "25.6%"),
        (1234.5, {"qType": "R", "qFmt": "0.0"}, "1234.5"),
        (-1234.5, {"qType": "M", "qFmt": "$#,##0.00;-$#,##0.00"}, "-$1,234.50"),
        (1234.5, {"qType": "M"}, "$ 1234.50"),
        (1234.5, {"qType": "M", "qFmt": ""}, "$ 1234.50"),
        (45356, {"qType": "D"}, "3/5/2024"),
        (45356, {"qType": "D", "qFmt": "YYYY-MM-DD"}, "2024-03-05"),
        (0.5, {"qType": "T"}, "12:00:00 PM"),
        (0.5, {"qType": "T", "qFmt": "hh:mm"}, "12:00"),
        (45356.5, {"qType": "TS"}, "3/5/2024 12:00:00 PM"),
        (45356.5, {"qType": "TS", "qFmt": "YYYY-MM-DD hh:mm:ss"}, "2024-03-05 12:00:00"),
        (1.5, {"qType": "IV", "qFmt": "hh:mm:ss"}, "36:00:00"),
        (1.5, {"qType": "IV"}, "36:00:00"),
        (2.5, {"qType": "A"}, "2.5"),
        (2.5, {"qType": "a"}, "2.5"),
        (math.nan, {"qType": "F", "qFmt": "0.00"}, ""),
        (math.inf, {"qType": "F", "qFmt": "0.00"}, "+Inf"),
    ],
)
def test_format_with_attributes(x: float, attrs: dict[str, object], expected: str) -> None:
    assert format_with_attributes(x, attrs) == expected


def test_format_with_attributes_locale() -> None:
    assert format_with_attributes(1234.5, {"qType": "M"}, GERMAN) == "1.234,50 €"
    assert format_with_attributes(45356, {"qType": "D"}, GERMAN) == "05.03.2024"
    assert format_with_attributes(0.5, {"qType": "U"}, GERMAN) == "0,5"
    assert format_with_attributes(1.5, {"qType": "IV"}, GERMAN) == "36:00:00"


def test_formatting_does_not_depend_on_mutated_copies() -> None:
    loc = dataclasses.replace(DEFAULT_LOCALE, decimal_sep=",", thousand_sep=".")
    assert format_number(1234.5, "#.##0,0", loc) == "1.234,5"
    assert format_number(1234.5, "#,##0.0") == "1,234.5"


# -- auto_format of many numbers at once ------------------------------------------------

_many_floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.builds(lambda a, b: a * b / 100, st.integers(1, 100), st.integers(-50_000, 50_000)),
    st.builds(lambda a, b: a / 10**b, st.integers(-(10**17), 10**17), st.integers(0, 22)),
    st.sampled_from([0.1 + 0.2, 1e15 - 0.5, 999.9999999999999, 99999999999999.95, 1e-7,
                     9.99999999999995e-8, 1.00000000000005, 1.000000000000005, 2.5, -0.0,
                     12345678901234.5, 0.000123456789012345]),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_many_floats, max_size=60), st.sampled_from([None, "."]), st.booleans())
def test_auto_format_many_is_auto_format(nums: list[float], dec: str | None,
                                         vectorized: bool) -> None:
    """The same texts from the array path (long arrays) and from the loop (short ones)."""
    from unittest import mock

    import numpy as np

    from associa.values import format as fmt

    locale = None if dec is None else dataclasses.replace(DEFAULT_LOCALE, decimal_sep=",")
    with mock.patch.object(fmt, "SMALL", 0 if vectorized else fmt.SMALL):
        got = fmt.auto_format_many(np.array(nums, dtype=float), locale).tolist()
    assert got == [auto_format(x, locale) for x in nums]


@settings(max_examples=300, deadline=None)
@given(st.lists(_many_floats, max_size=60))
def test_auto_format_many_leaves_out_only_default_renderings(nums: list[float]) -> None:
    """With ``default_none`` a text is left out (None) only where it is the number's
    default rendering, which a symbol table gives back without storing it."""
    from unittest import mock

    import numpy as np

    from associa.values import format as fmt
    from associa.values.rendering import default_text

    with mock.patch.object(fmt, "SMALL", 0):
        got = fmt.auto_format_many(np.array(nums, dtype=float), None, default_none=True)
    for x, text in zip(nums, got.tolist(), strict=True):
        if text is None:
            assert auto_format(x) == default_text(x), x
        else:
            assert text == auto_format(x)
