"""encode_column against a per-text Python reference; merge_equal_numbers against the
symbol-table rule (numbers distinct by number, first text wins; texts by text)."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from associa.values import auto_format, interpret
from associa.values.encoding import encode_column, merge_equal_numbers


def reference(texts: list[str | None]) -> tuple[list[int], list[str], list[float], list[bool]]:
    index: dict[str, int] = {}
    rows = [-1 if t is None else index.setdefault(t, len(index)) for t in texts]
    distinct = list(index)
    nums = [math.nan if (y := interpret(t)) is None else y for t in distinct]
    plain = [not math.isnan(x) and t == auto_format(x) for t, x in zip(distinct, nums, strict=True)]
    return rows, distinct, nums, plain


def check(texts: list[str | None], chunks: int = 1) -> None:
    size = max(1, len(texts) // chunks)
    parts = [pa.array(texts[i : i + size], pa.string()) for i in range(0, len(texts), size)]
    col = pa.chunked_array(parts, type=pa.string())
    enc = encode_column(col)
    rows, distinct, nums, plain = reference(texts)
    assert enc.indices.dtype == np.int32
    assert enc.indices.tolist() == rows
    assert enc.text_array().to_pylist() == distinct
    np.testing.assert_array_equal(enc.nums, np.array(nums, dtype=float))
    assert np.signbit(enc.nums).tolist() == np.signbit(np.array(nums, dtype=float)).tolist()
    assert enc.plain.tolist() == plain
    assert len(enc) == len(distinct)


cells = st.one_of(
    st.integers(0, 50).map(str),
    st.sampled_from(["007", "1.0", "1", "-1", "abc", "", " 1", "1e3", "2.50", "2.5", None]),
    st.text(alphabet="0123456789.-ab", max_size=5),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(cells, max_size=80), st.integers(1, 4))
def test_mixed_columns_match_reference(texts: list[str | None], chunks: int) -> None:
    check(texts, chunks)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10**15 - 1), min_size=1, max_size=80), st.integers(1, 3))
def test_integer_columns_match_reference(values: list[int], chunks: int) -> None:
    check([str(v) for v in values], chunks)


@pytest.mark.parametrize(
    ("values", "sequence"),
    [
        (list(range(1, 1001)), True),
        (list(range(7, 17)), True),
        ([5], True),
        (list(range(1000, 0, -1)), False),
        ([3, 1, 3, 2, 1, 9], False),
        ([10**14, 1, 10**14, 5], False),  # sparse: hashed
    ],
)
def test_integer_paths(values: list[int], sequence: bool) -> None:
    texts = [str(v) for v in values]
    check(texts)
    enc = encode_column(pa.array(texts))
    assert enc.sequence is sequence
    assert enc.texts is None and enc.plain.all()


def test_not_integer_paths() -> None:
    for texts in (["1", "007"], ["1", None], ["1", "-2"], ["1234567890123456"], ["1", "x"]):
        enc = encode_column(pa.array(texts))
        assert enc.texts is not None
        check(texts)


def test_empty_and_all_null() -> None:
    check([])
    check([None, None])


def test_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        encode_column(pa.array([1, 2]))


def symbols_reference(nums: list[float]) -> tuple[list[int], list[bool]]:
    seen: dict[object, int] = {}
    remap, keep = [], []
    for i, x in enumerate(nums):
        key: object = ("text", i) if math.isnan(x) else x + 0.0
        if key in seen:
            remap.append(seen[key])
            keep.append(False)
        else:
            seen[key] = len(seen)
            remap.append(seen[key])
            keep.append(True)
    return remap, keep


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([math.nan, 0.0, -0.0, 1.0, 2.5, 1e300, -3.0]), max_size=30))
def test_merge_equal_numbers(nums: list[float]) -> None:
    remap, keep = merge_equal_numbers(np.array(nums, dtype=float))
    assert (remap.tolist(), keep.tolist()) == symbols_reference(nums)


def test_merge_skips_sort_when_all_numeric_texts_are_plain() -> None:
    enc = encode_column(pa.array(["1", "x", "2", "1.0", "x"]))
    remap, keep = merge_equal_numbers(enc.nums, enc.plain)
    assert keep.tolist() == [True, True, True, False] and remap.tolist() == [0, 1, 2, 0]
    remap, keep = merge_equal_numbers(np.array([1.0, np.nan, 2.0]), np.array([1, 0, 1], bool))
    assert keep.all() and remap.tolist() == [0, 1, 2]
