"""interpret_array gives exactly the scalar interpret's numbers, text by text."""

from __future__ import annotations

import math
import struct
from dataclasses import replace
from unittest import mock

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from associa.values import DEFAULT_LOCALE, Locale, interpret, interpretation
from associa.values.interpretation import interpret_array

GERMAN = replace(
    DEFAULT_LOCALE,
    thousand_sep=".",
    decimal_sep=",",
    money_thousand_sep=".",
    money_decimal_sep=",",
    money_format="#.##0,00 €;-#.##0,00 €",
    time_format="hh:mm:ss",
    date_format="DD.MM.YYYY",
    timestamp_format="DD.MM.YYYY hh:mm:ss[.fff]",
)
ISO_DATES = replace(DEFAULT_LOCALE, date_format="YYYY-MM-DD", timestamp_format="YYYY-MM-DD hh:mm:ss")
SHORT_YEAR = replace(DEFAULT_LOCALE, date_format="D/M/YY", thousand_sep="")
SPACE_THOUSANDS = replace(DEFAULT_LOCALE, thousand_sep=" ", decimal_sep=",")
SAME_SEPS = replace(DEFAULT_LOCALE, thousand_sep=".", decimal_sep=".")
DASH_MONTHS = replace(
    DEFAULT_LOCALE,
    month_names=("J-a", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    date_format="DD MMM YYYY",
)
FIXED_DIGITS = replace(DEFAULT_LOCALE, date_format="YYYYMMDD")
LOCALES = [
    DEFAULT_LOCALE,
    GERMAN,
    ISO_DATES,
    SHORT_YEAR,
    SPACE_THOUSANDS,
    SAME_SEPS,
    DASH_MONTHS,
    FIXED_DIGITS,
]


def bits(x: float) -> int | str:
    """A number's exact identity (the sign of zero included); every NaN the same."""
    return "nan" if math.isnan(x) else struct.unpack("<q", struct.pack("<d", x))[0]


def scalar(texts: list[str | None], locale: Locale) -> list[int | str]:
    out = []
    for t in texts:
        y = None if t is None else interpret(t, locale)
        out.append(bits(math.nan if y is None else float(y)))
    return out


def vector(texts: list[str | None], locale: Locale, large: bool = False) -> list[int | str]:
    arr = pa.array(texts, pa.large_string() if large else pa.string())
    got = interpret_array(arr, locale)
    assert got.dtype == np.float64 and len(got) == len(texts)
    return [bits(float(x)) for x in got]


# --- texts of every kind ----------------------------------------------------------------

digits = st.text(alphabet="0123456789", min_size=1, max_size=20)
sign = st.sampled_from(["", "", "+", "-"])
seps = st.sampled_from([".", ",", " ", "'"])


@st.composite
def numbers(draw: st.DrawFn) -> str:
    whole = draw(digits)
    text = draw(sign) + whole
    if draw(st.booleans()):
        text += draw(seps) + draw(st.text(alphabet="0123456789", max_size=17))
    if draw(st.integers(0, 3)) == 0:
        text += draw(st.sampled_from("eE")) + draw(sign) + draw(st.text("0123456789", min_size=1, max_size=4))
    if draw(st.integers(0, 5)) == 0:
        text += "%"
    return text


@st.composite
def grouped(draw: st.DrawFn) -> str:
    sep = draw(seps)
    head = str(draw(st.integers(1, 999)))
    groups = draw(st.lists(st.text("0123456789", min_size=3, max_size=3), min_size=1, max_size=6))
    tail = draw(st.sampled_from(["", "." + draw(digits), "," + draw(digits)]))
    return draw(sign) + head + "".join(sep + g for g in groups) + tail


@st.composite
def dates(draw: st.DrawFn) -> str:
    y = draw(st.integers(0, 10050))
    m = draw(st.integers(0, 13))
    d = draw(st.integers(0, 32))
    sep = draw(st.sampled_from(["/", "-", ".", ""]))
    ys = draw(st.sampled_from([f"{y:04d}", f"{y % 100:02d}", str(y)]))
    ms = draw(st.sampled_from([f"{m:02d}", str(m)]))
    ds = draw(st.sampled_from([f"{d:02d}", str(d)]))
    order = draw(st.sampled_from(["mdy", "dmy", "ymd"]))
    parts = {"y": ys, "m": ms, "d": ds}
    text = sep.join(parts[k] for k in order)
    if draw(st.booleans()):
        hh, mm, ss = draw(st.integers(0, 25)), draw(st.integers(0, 61)), draw(st.integers(0, 61))
        text += draw(st.sampled_from([" ", "T", "  "])) + f"{hh}:{mm:02d}"
        if draw(st.booleans()):
            text += f":{ss:02d}" + draw(st.sampled_from(["", ".5", ".123"]))
        text += draw(st.sampled_from(["", "", " PM", " am"]))
    return text


money = st.builds(
    lambda s, n, f: f"{s}$ {n}{f}", st.sampled_from(["", "-"]), st.integers(0, 99999),
    st.sampled_from(["", ".5", ".50", ",00"]),
)  # fmt: skip
junk = st.text(alphabet="0123456789.,-+eE%$ /:T€\u00a0\t١", max_size=12)
padded = st.builds(lambda a, t, b: a + t, st.sampled_from(["", " ", "\t"]), numbers(), st.just(""))
# codes and words around digits: letters that formats take (month and day names, AM/PM,
# T, e) and letters none does
codes = st.builds(
    lambda a, n, b: a + n + b,
    st.sampled_from(["", "K", "C", "ORD-", "Jan ", "Mär ", "mon ", "x", "\x0b", "\x1c", "é"]),
    st.one_of(numbers(), dates(), digits),
    st.sampled_from(["", "", " PM", "a", "K", "T", " kr", "\x1f", " %"]),
)
texts = st.one_of(numbers(), grouped(), dates(), money, junk, padded, digits, codes, st.none())


@settings(max_examples=400, deadline=None)
@given(st.lists(texts, max_size=60), st.sampled_from(LOCALES), st.booleans())
def test_same_numbers_as_scalar_interpret(
    batch: list[str | None], locale: Locale, large: bool
) -> None:
    assert vector(batch, locale, large) == scalar(batch, locale)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(numbers(), digits), min_size=1, max_size=40))
def test_decimal_casts_round_like_python_float(batch: list[str]) -> None:
    """The decimal shapes go through Arrow's cast; it rounds as float() does."""
    assert vector(batch, DEFAULT_LOCALE) == scalar(batch, DEFAULT_LOCALE)


# --- examples ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("42", DEFAULT_LOCALE, 42.0),
        ("007", DEFAULT_LOCALE, 7.0),
        ("-0", DEFAULT_LOCALE, -0.0),
        ("+1.5", DEFAULT_LOCALE, 1.5),
        ("1,234,567.25", DEFAULT_LOCALE, 1234567.25),
        ("1.234.567,25", GERMAN, 1234567.25),
        ("1e3", DEFAULT_LOCALE, 1000.0),
        ("12%", DEFAULT_LOCALE, 0.12),
        ("1/31/2024", DEFAULT_LOCALE, 45322.0),
        ("31.01.2024", GERMAN, 45322.0),
        ("2024-01-31", DEFAULT_LOCALE, 45322.0),
        ("2024-01-31 12:00", DEFAULT_LOCALE, 45322.5),
        ("2/30/2024", DEFAULT_LOCALE, math.nan),
        ("$ 12.50", DEFAULT_LOCALE, 12.5),
        ("abc", DEFAULT_LOCALE, math.nan),
        ("", DEFAULT_LOCALE, math.nan),
        (" 12 ", DEFAULT_LOCALE, 12.0),
        ("99999999999999999999", DEFAULT_LOCALE, 1e20),
    ],
)
def test_examples(text: str, locale: Locale, expected: float) -> None:
    assert vector([text], locale) == [bits(expected)] == scalar([text], locale)


def test_nulls_and_chunks() -> None:
    arr = pa.chunked_array([pa.array(["1", None]), pa.array(["x", "2.5"])])
    got = interpret_array(arr)
    assert np.isnan(got[1]) and np.isnan(got[2]) and list(got[[0, 3]]) == [1.0, 2.5]
    assert len(interpret_array(pa.array([], pa.string()))) == 0


def test_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        interpret_array(pa.array([1, 2]))  # type: ignore[arg-type]


@pytest.mark.parametrize("locale", LOCALES, ids=range(len(LOCALES)))
def test_codes_no_format_reads_never_reach_the_scalar_function(locale: Locale) -> None:
    """Texts with digits that no regex of the scalar rules matches stay text without it."""
    batch = ["K123", "C000123", "SKU-4471-X", "x1y", "ID 12 B", "12-34-56-78", "1.2.3.4"]
    assert scalar(batch, locale) == ["nan"] * len(batch)
    with mock.patch.object(interpretation, "interpret", side_effect=AssertionError):
        assert vector(batch, locale) == ["nan"] * len(batch)


@pytest.mark.parametrize(
    ("batch", "locale"),
    [
        (["1", "0042", "-7", "+3", "12.50", "-0.125", "1,234.5", "1e5", "2.5E-3"], DEFAULT_LOCALE),
        (["1/31/2024", "12/1/1999", "2024-01-31", "2024-1-5 7:05", "2024-01-31T23:59:59"],
         DEFAULT_LOCALE),
        (["12,5", "1.234,5", "31.12.2024", "1.1.2024"], GERMAN),
        (["5/3/24", "31/12/99"], SHORT_YEAR),
        # TimestampFormat with an optional fraction of a second (after DateFormat)
        (["31.12.2024 13:05:07", "1.2.2024 0:00:00.5", "29.02.2024 23:59:59.123456"], GERMAN),
        (["2024-01-31 13:45:10", "2024-01-31", "1999-12-31 00:00:00"], ISO_DATES),
        # the default TimestampFormat: 12-hour clock, optional fraction
        (["1/31/2024 1:45:10 PM", "12/1/2023 12:00:00 am", "1/1/2024 11:59:59.999 p"],
         DEFAULT_LOCALE),
    ],
)
def test_common_shapes_never_reach_the_scalar_function(
    batch: list[str], locale: Locale
) -> None:
    expected = scalar(batch, locale)
    with mock.patch.object(interpretation, "interpret", side_effect=AssertionError):
        assert vector(batch, locale) == expected
