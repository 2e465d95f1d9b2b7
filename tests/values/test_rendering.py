"""is_default_rendering and default_texts agree with auto_format value by value."""

from __future__ import annotations

import math
from dataclasses import replace
from unittest import mock

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from associa.values import DEFAULT_LOCALE, Locale, auto_format, interpret, rendering
from associa.values.rendering import default_texts, is_default_rendering

COMMA = replace(DEFAULT_LOCALE, decimal_sep=",", thousand_sep=".")


def expected(texts: list[str | None], nums: list[float], locale: Locale | None) -> list[bool]:
    return [t is not None and not math.isnan(x) and t == auto_format(x, locale)
            for t, x in zip(texts, nums, strict=True)]  # fmt: skip


floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**16), 10**16).map(float),
    st.builds(lambda a, b: a / 10**b, st.integers(-(10**15), 10**15), st.integers(0, 20)),
    st.sampled_from([0.0, -0.0, 1e-7, 9.9999999999999e-8, 1e15, 999999999999999.0, 0.1 + 0.2]),
)
number_texts = st.one_of(
    st.text(alphabet="0123456789-+.,e", max_size=20),
    floats.map(lambda x: auto_format(x)),
    floats.map(repr),
    st.builds(lambda a, b: f"{a}.{b}", st.integers(-999, 99999), st.text("0123456789", max_size=16)),
)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[str | None, float]:
    """A text with the number the script would give it, or with an unrelated number."""
    text = draw(st.one_of(number_texts, st.none()))
    how = draw(st.integers(0, 2))
    if how == 0 and text is not None:
        y = interpret(text)
        return text, math.nan if y is None else y
    x = draw(floats)
    if how == 1:
        return auto_format(x), x
    return text, x


@settings(max_examples=500, deadline=None)
@given(st.lists(pairs(), max_size=50), st.sampled_from([None, DEFAULT_LOCALE, COMMA]))
def test_is_default_rendering_is_auto_format_equality(
    batch: list[tuple[str | None, float]], locale: Locale | None
) -> None:
    texts = [t for t, _ in batch]
    nums = [x for _, x in batch]
    if locale is COMMA:
        texts = [None if t is None else t.replace(".", ",") for t in texts]
    got = is_default_rendering(pa.array(texts, pa.string()), np.array(nums, dtype=float), locale)
    assert got.dtype == bool
    assert got.tolist() == expected(texts, nums, locale)


@pytest.mark.parametrize(
    ("text", "num", "default"),
    [
        ("42", 42.0, True),
        ("-7", -7.0, True),
        ("0", 0.0, True),
        ("0", -0.0, True),  # auto_format(-0.0) is "0"
        ("-0", -0.0, False),
        ("+7", 7.0, False),
        ("007", 7.0, False),
        ("42.0", 42.0, False),
        ("12.5", 12.5, True),
        ("12.50", 12.5, False),
        ("0.1", 0.1, True),
        ("0.30000000000000004", 0.1 + 0.2, False),
        ("0.3", 0.1 + 0.2, True),  # 14 significant digits
        ("1e-08", 1e-8, True),
        ("0.00000001", 1e-8, False),
        ("1e+15", 1e15, True),
        ("1000000000000000", 1e15, False),
        ("abc", math.nan, False),
        ("", math.nan, False),
        ("1/31/2024", 45322.0, False),
        ("45322", 45322.0, True),
    ],
)
def test_examples(text: str, num: float, default: bool) -> None:
    assert is_default_rendering(pa.array([text]), np.array([num])).tolist() == [default]
    assert (text == auto_format(num)) == default or math.isnan(num)


def test_length_mismatch() -> None:
    with pytest.raises(ValueError):
        is_default_rendering(pa.array(["1"]), np.array([1.0, 2.0]))


@settings(max_examples=300, deadline=None)
@given(st.lists(floats, max_size=40), st.sampled_from([None, COMMA]))
def test_default_texts_are_auto_format(nums: list[float], locale: Locale | None) -> None:
    got = default_texts(np.array(nums, dtype=float), locale).to_pylist()
    assert got == ["" if math.isnan(x) else auto_format(x, locale) for x in nums]


def test_default_texts_of_integers_in_one_cast() -> None:
    got = default_texts(np.arange(-3, 4, dtype=float))
    assert got.type == pa.string() and got.to_pylist() == ["-3", "-2", "-1", "0", "1", "2", "3"]


def test_common_shapes_need_no_scalar_call() -> None:
    texts = ["1", "-25", "12.5", "0.001", "355.2", "355.20", "007", "abc", "1.5e3"]
    nums = np.array([1, -25, 12.5, 0.001, 355.2, 355.2, 7, math.nan, 1500.0])
    with mock.patch.object(rendering, "auto_format", side_effect=AssertionError):
        got = is_default_rendering(pa.array(texts), nums)
    assert got.tolist() == [True, True, True, True, True, False, False, False, False]
