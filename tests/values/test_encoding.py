"""ColumnEncoder against a per-text Python reference: codes in order of first appearance,
each distinct text once, its number as ``interpret`` reads it; integer columns and
sequences keep no texts; batches merge as one column."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from associa.values import encoding, interpret
from associa.values.encoding import ColumnEncoder, encode_column, factorize_numbers


@pytest.fixture(params=["default", "small"])
def merges(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run with the real thresholds, and with merges after every few rows and lookup
    tables that give up on the first gap (every state change is taken). The patch holds
    for every example hypothesis draws, which is what the tests want."""
    if request.param == "small":
        monkeypatch.setattr(encoding, "MERGE_ROWS", 3)
        monkeypatch.setattr(encoding, "_DENSE_SLACK", 0)


def reference(texts: list[str | None]) -> tuple[list[int], list[str], list[float]]:
    index: dict[str, int] = {}
    rows = [-1 if t is None else index.setdefault(t, len(index)) for t in texts]
    distinct = list(index)
    nums = [math.nan if (y := interpret(t)) is None else y for t in distinct]
    return rows, distinct, nums


def encoded(texts: list[str | None], batches: int = 1):
    size = max(1, -(-len(texts) // batches))
    encoder = ColumnEncoder()
    for i in range(0, len(texts), size):
        encoder.add(pa.array(texts[i : i + size], pa.string()))
    return encoder.finish()


def check(texts: list[str | None], batches: int = 1) -> None:
    enc = encoded(texts, batches)
    rows, distinct, nums = reference(texts)
    assert enc.nrows == len(texts)
    codes = enc.code_array()
    assert codes.dtype == np.int32
    assert codes.tolist() == rows
    assert enc.text_array().to_pylist() == distinct
    np.testing.assert_array_equal(enc.num_array(), np.array(nums, dtype=float))
    assert np.signbit(enc.num_array()).tolist() == np.signbit(np.array(nums, dtype=float)).tolist()
    assert len(enc) == len(distinct)


cells = st.one_of(
    st.integers(0, 50).map(str),
    st.sampled_from(["007", "1.0", "1", "-1", "abc", "", " 1", "1e3", "2.50", "2.5", None]),
    st.text(alphabet="0123456789.-ab", max_size=5),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(cells, max_size=80), st.integers(1, 6))
def test_mixed_columns_match_reference(merges: None, texts: list[str | None],
                                       batches: int) -> None:
    check(texts, batches)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.integers(0, 10**15 - 1), st.integers(0, 40)), min_size=1,
                max_size=80), st.integers(1, 6))
def test_integer_columns_match_reference(merges: None, values: list[int], batches: int) -> None:
    check([str(v) for v in values], batches)


@pytest.mark.parametrize(
    ("values", "batches", "sequence"),
    [
        (list(range(1, 1001)), 1, True),
        (list(range(1, 1001)), 7, True),  # a sequence across batches
        (list(range(7, 17)), 2, True),
        ([5], 1, True),
        (list(range(1, 11)) + list(range(12, 20)), 2, False),  # broken between batches
        (list(range(1000, 0, -1)), 1, False),
        ([3, 1, 3, 2, 1, 9], 2, False),
        ([10**14, 1, 10**14, 5], 1, False),
    ],
)
def test_integer_paths(merges: None, values: list[int], batches: int, sequence: bool) -> None:
    texts = [str(v) for v in values]
    check(texts, batches)
    enc = encoded(texts, batches)
    assert enc.sequence is sequence
    assert enc.texts is None
    if sequence:
        assert enc.codes is None and enc.nums is None and enc.start == values[0]


def test_integer_batches_then_texts(merges: None) -> None:
    texts = ["3", "1", "3", "2", "x", "1", "01", None, "2"]
    check(texts, 3)  # batch 1 integers, batches 2 and 3 texts
    enc = encoded(texts, 3)
    assert enc.texts is not None


def test_not_integer_paths() -> None:
    for texts in (["1", "007"], ["1", None], ["1", "-2"], ["1234567890123456"], ["1", "x"]):
        assert encode_column(pa.array(texts)).texts is not None
        check(texts)


def test_interpretation_once_per_distinct_text_per_column() -> None:
    seen: list[list[str]] = []

    def interpret_(texts: pa.Array) -> np.ndarray:
        seen.append(texts.to_pylist())
        return np.full(len(texts), math.nan)

    encoder = ColumnEncoder()
    for _ in range(3):
        encoder.add(pa.array(["b", "a", "b", "1.5"]))
    enc = encoder.finish(interpret_)
    assert seen == [["b", "a", "1.5"]]
    assert enc.code_array().tolist() == [0, 1, 0, 2] * 3


def test_empty_and_all_null() -> None:
    check([])
    check([None, None])


def test_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        encode_column(pa.array([1, 2]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([0.0, 1.0, 2.5, 1e300, -3.0, 7.0, 8.0]), max_size=30))
def test_factorize_numbers(keys: list[float]) -> None:
    codes, distinct, first = factorize_numbers(np.array(keys, dtype=float))
    seen: dict[float, int] = {}
    want = [seen.setdefault(x, len(seen)) for x in keys]
    assert codes.tolist() == want
    assert distinct.tolist() == list(seen)
    assert first.tolist() == [keys.index(x) for x in seen]
