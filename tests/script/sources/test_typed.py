"""Typed Arrow columns as LOAD sources: numbers stay numbers, texts stay texts, dates and
times become duals with the script's formats, NULL stays NULL."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest

from associa import kernels
from associa.script.sources.typed import INTERPRET, arrow_source
from associa.values import DEFAULT_LOCALE, InterpretationCache, Locale, interpret_array


def interpret_with(locale: Locale):  # type: ignore[no-untyped-def]
    def of(name: str):  # type: ignore[no-untyped-def]
        return lambda texts: interpret_array(texts, locale, InterpretationCache())

    return of


def values(table: pa.Table, name: str, locale: Locale = DEFAULT_LOCALE) -> list:
    source = arrow_source(table, locale, None, interpret_with(locale))
    col = source.columns[name]
    codes = col.codes_at(None)
    nums = col.values.nums_at(codes)
    txts = col.values.texts_at(codes)
    out = []
    for code, num, text in zip(codes, nums, txts, strict=True):
        if code < 0:
            out.append(None)
        else:
            out.append((text, None if math.isnan(num) else float(num)))
    return out


def test_numbers() -> None:
    t = pa.table({
        "i": pa.array([3, None, 3, -0], pa.int64()),
        "f": pa.array([0.5, float("nan"), None, -0.0]),
        "d": pa.array([Decimal("1.25"), None, Decimal("-2"), Decimal("0")]),
        "b": pa.array([True, False, None, True]),
    })
    assert values(t, "i") == [("3", 3.0), None, ("3", 3.0), ("0", 0.0)]
    assert values(t, "f") == [("0.5", 0.5), None, None, ("0", 0.0)]  # NaN is NULL
    assert values(t, "d") == [("1.25", 1.25), None, ("-2", -2.0), ("0", 0.0)]
    assert values(t, "b") == [("True", -1.0), ("False", 0.0), None, ("True", -1.0)]
    source = arrow_source(t, DEFAULT_LOCALE, None, interpret_with(DEFAULT_LOCALE))
    assert len(source.columns["i"].values) == 2  # distinct values, NULL not one of them


def test_texts_stay_texts() -> None:
    t = pa.table({"s": pa.array(["0012", "x", None, "0012", ""]),
                  "l": pa.array(["a", "b", "a", None, "b"], pa.large_string()),
                  "e": pa.array(["k", "m", "k", "k", None]).dictionary_encode()})
    assert values(t, "s") == [("0012", None), ("x", None), None, ("0012", None), ("", None)]
    assert values(t, "l") == [("a", None), ("b", None), ("a", None), None, ("b", None)]
    assert values(t, "e") == [("k", None), ("m", None), ("k", None), ("k", None), None]


def test_dates_times_and_timestamps_are_duals_in_the_script_formats() -> None:
    locale = Locale.from_variables({"DateFormat": "YYYY-MM-DD", "TimeFormat": "hh:mm",
                                    "TimestampFormat": "DD/MM/YYYY hh:mm:ss"})
    t = pa.table({
        "d": pa.array([dt.date(1899, 12, 30), dt.date(2024, 1, 2), None]),
        "ts": pa.array([dt.datetime(2024, 1, 2, 6), None, dt.datetime(1970, 1, 1)]),
        "tz": pa.array([dt.datetime(2024, 1, 2, 6, tzinfo=dt.UTC), None, None],
                       pa.timestamp("us", tz="Europe/Oslo")),
        "tm": pa.array([dt.time(18, 0), None, dt.time(0, 30)]),
        "iv": pa.array([dt.timedelta(days=1, hours=12), None, None]),
    })
    assert values(t, "d", locale) == [("1899-12-30", 0.0), ("2024-01-02", 45293.0), None]
    assert values(t, "ts", locale) == [("02/01/2024 06:00:00", 45293.25), None,
                                       ("01/01/1970 00:00:00", 25569.0)]
    assert values(t, "tz", locale)[0] == ("02/01/2024 06:00:00", 45293.25)  # UTC wall time
    assert values(t, "tm", locale) == [("18:00", 0.75), None, ("00:30", 1 / 48)]
    assert values(t, "iv", locale)[0] == ("1.5", 1.5)


def test_null_nested_and_binary_columns() -> None:
    t = pa.table({"n": pa.array([None, None]),
                  "l": pa.array([[1, 2], None]),
                  "s": pa.array([{"a": 1}, {"a": None}]),
                  "b": pa.array([b"\x00\xff", None])})
    assert values(t, "n") == [None, None]
    assert values(t, "l") == [("[1, 2]", None), None]
    assert values(t, "s") == [('{"a": 1}', None), ('{"a": null}', None)]
    assert values(t, "b") == [("00ff", None), None]


def test_untyped_column_is_interpreted_with_the_locale() -> None:
    locale = Locale.from_variables({"DecimalSep": ",", "ThousandSep": "."})
    field = pa.field("m", pa.string(), metadata={INTERPRET: b"1"})
    t = pa.Table.from_arrays([pa.array(["1,5", "x", None, "2"])], schema=pa.schema([field]))
    assert values(t, "m", locale) == [("1,5", 1.5), ("x", None), None, ("2", 2.0)]


def test_mixed_column_keeps_its_numbers_and_interprets_its_texts() -> None:
    from associa.script.sources.database import rows_table

    locale = Locale.from_variables({"DecimalSep": ",", "ThousandSep": "."})
    t = rows_table(["m"], [(3.75,), ("2,5",), ("x",), (None,), (7,), ("7",)])
    assert values(t, "m", locale) == [("3.75", 3.75), ("2,5", 2.5), ("x", None), None,
                                      ("7", 7.0), ("7", 7.0)]


def test_only_the_needed_columns_are_encoded() -> None:
    t = pa.table({"a": [1, 2], "b": ["x", "y"], "a2": [1.0, 2.0]})
    source = arrow_source(t, DEFAULT_LOCALE, {"b"}, interpret_with(DEFAULT_LOCALE))
    assert source.names == ["a", "b", "a2"] and source.nrows == 2
    assert list(source.columns) == ["b"]
    assert np.array_equal(source.columns["b"].codes_at(None), [0, 1])


@pytest.mark.parametrize("backend", kernels.available())
@pytest.mark.parametrize(("codes", "k", "want"), [
    ([0, 1, 0, 2, -1, 1], 3, True),
    ([-1, 0, 0, 1], 2, True),
    ([1, 0], 2, False),  # 1 before 0
    ([0, 2, 1], 3, False),  # 2 before 1
    ([0, 1], 3, False),  # a code never used
    ([-1, -1], 0, True),
    ([], 0, True),
])
def test_codes_numbered_in_order_of_first_appearance(backend: str, codes: list[int], k: int,
                                                      want: bool) -> None:
    from associa.script.sources.typed import _first_appearance

    with kernels.using(backend):
        assert _first_appearance(np.array(codes, dtype=np.int32), k) is want
