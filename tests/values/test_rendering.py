"""The default rendering (the text a symbol table does not store): reversible, locale
independent, the same as ``str(int(x))`` for integers below 2**63 and ``repr`` otherwise;
the array functions agree with the scalar one value by value."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from associa.values.rendering import (
    default_lengths,
    default_text,
    default_text_array,
    default_texts,
    is_default_rendering,
    parse_default,
)


def scalar(x: float) -> str:
    if abs(x) < 2.0**63 and x == math.floor(x):
        return str(int(x))
    return repr(float(x))


floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=True),
    st.integers(-(10**18), 10**18).map(float),
    st.builds(lambda a, b: a / 10**b, st.integers(-(10**17), 10**17), st.integers(0, 25)),
    st.sampled_from([0.0, -0.0, 1e-4, 9.9999e-5, 1e16, 9999999999999998.0, 1e15 + 0.5,
                     0.1 + 0.2, 2.0**63, -(2.0**63), 5e-324, 1.7976931348623157e308]),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(floats, max_size=40), st.booleans())
def test_array_renderings_are_the_scalar_one(nums: list[float], vectorized: bool) -> None:
    """The array path (long arrays) and the loop (short ones) give the scalar texts."""
    from unittest import mock

    from associa.values import rendering

    arr = np.array(nums, dtype=float)
    want = [scalar(x) for x in nums]
    assert [default_text(x) for x in nums] == want
    with mock.patch.object(rendering, "_SMALL", 0 if vectorized else rendering._SMALL):
        assert default_texts(arr).tolist() == want
    assert default_text_array(arr).to_pylist() == want
    assert default_lengths(arr).tolist() == [len(t) for t in want]
    assert [parse_default(t) for t in want] == [0.0 if x == 0 else x for x in nums]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), floats.map(scalar), st.text("0123456789.-e+", max_size=8)),
                          st.one_of(floats, st.just(math.nan))), max_size=40))
def test_is_default_rendering_is_text_equality(pairs: list[tuple[str | None, float]]) -> None:
    texts = [t for t, _ in pairs]
    nums = np.array([x for _, x in pairs], dtype=float)
    got = is_default_rendering(pa.array(texts, pa.string()), nums)
    assert got.tolist() == [t is not None and not math.isnan(x) and t == scalar(x)
                            for t, x in pairs]


@pytest.mark.parametrize(
    ("text", "num", "default"),
    [
        ("42", 42.0, True),
        ("0", -0.0, True),
        ("-0", -0.0, False),
        ("+7", 7.0, False),
        ("007", 7.0, False),
        ("42.0", 42.0, False),
        ("12.5", 12.5, True),
        ("12.50", 12.5, False),
        ("12,5", 12.5, False),  # a comma decimal separator is kept: the rule has no locale
        ("0.30000000000000004", 0.1 + 0.2, True),  # reversible: every digit
        ("0.3", 0.1 + 0.2, False),
        ("1e-05", 1e-5, True),
        ("0.00001", 1e-5, False),
        ("1000000000000000", 1e15, True),
        ("1e+16", 1e16, False),  # an integer below 2**63: its digits
        ("10000000000000000", 1e16, True),
        ("1e+20", 1e20, True),
        ("inf", math.inf, True),
        ("abc", math.nan, False),
    ],
)
def test_examples(text: str, num: float, default: bool) -> None:
    assert is_default_rendering(pa.array([text]), np.array([num])).tolist() == [default]


def test_length_mismatch() -> None:
    with pytest.raises(ValueError):
        is_default_rendering(pa.array(["1"]), np.array([1.0, 2.0]))
