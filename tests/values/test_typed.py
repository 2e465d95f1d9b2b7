"""Serial numbers formatted over whole arrays, and typed date/time columns as duals."""

from __future__ import annotations

import datetime
import math
from dataclasses import replace

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from associa.values import DEFAULT_LOCALE
from associa.values.format import format_datetime
from associa.values.numbers import interpret
from associa.values.typed import format_serials, temporal_duals

SWEDISH = replace(
    DEFAULT_LOCALE,
    month_names=("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
    day_names=("mån", "tis", "ons", "tor", "fre", "lör", "sön"),
)
FORMATS = [
    "M/D/YYYY", "M/D/YYYY h:mm:ss[.fff] TT", "DD.MM.YYYY hh:mm:ss", "YYYY-MM-DD",
    "YYYY-MM-DD hh:mm:ss.fff", "DD MMM YY", "WWW D MMMM YYYY", "h:mm tt", "hh:mm:ss.ff",
    "YYYYMMDD", "W", "'Q'M YYYY", "",
]
serials = st.one_of(
    st.floats(min_value=-700_000, max_value=3_000_000, allow_nan=False),
    st.integers(-10, 80_000).map(float),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, 2_958_465.9999999, -693_594.0]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(serials, min_size=1, max_size=40), st.sampled_from(FORMATS),
       st.sampled_from([DEFAULT_LOCALE, SWEDISH]))
def test_same_texts_as_format_datetime(nums, fmt, locale) -> None:
    got = format_serials(np.array(nums), fmt, locale).to_pylist()
    assert got == [format_datetime(x, fmt, locale) for x in nums]


def test_typed_columns_become_serial_duals() -> None:
    dates = pa.array([datetime.date(2024, 1, 31), None, datetime.date(1899, 12, 30)])
    nums, texts = temporal_duals(dates, DEFAULT_LOCALE)
    assert nums[0] == 45322 and math.isnan(nums[1]) and nums[2] == 0
    assert texts.to_pylist() == ["1/31/2024", None, "12/30/1899"]
    stamps = pa.array([datetime.datetime(2024, 1, 31, 18, 0, 0, 500000)], pa.timestamp("us"))
    nums, texts = temporal_duals(stamps, replace(DEFAULT_LOCALE,
                                                 timestamp_format="YYYY-MM-DD hh:mm:ss.fff"))
    assert nums[0] == 45322 + (18 * 3600 + 0.5) / 86400
    assert texts.to_pylist() == ["2024-01-31 18:00:00.500"]
    # the text reads back as the same number
    assert interpret("2024-01-31 18:00:00.500") == nums[0]
    times = pa.array([datetime.time(6, 0), datetime.time(18, 30)], pa.time64("us"))
    nums, texts = temporal_duals(times, DEFAULT_LOCALE)
    assert nums.tolist() == [0.25, (18 * 60 + 30) / 1440]
    assert texts.to_pylist() == ["6:00:00 AM", "6:30:00 PM"]
    assert temporal_duals(pa.array([1, 2]), DEFAULT_LOCALE) is None
    ms = pa.array([0, 86_400_000 * 2], pa.date64())
    assert temporal_duals(ms, DEFAULT_LOCALE)[0].tolist() == [25569.0, 25571.0]
