"""The reducers on their own, as a LOAD's GROUP BY will call them: values per record, a
group per record. A field's values given as symbol codes reduce exactly as the same
values given as a vector, and the totals the reducers give equal the reduction of all
records in one group."""

from __future__ import annotations

import math

import numpy as np
import pytest

from associa.expr import REGISTRY, Vec
from associa.expr.aggregations import Arg, Coded
from associa.kernels.codes import Codes
from associa.model.symbols import SymbolTable

NAMES = ["SUM", "COUNT", "AVG", "MIN", "MAX", "ONLY"]


def _symbols() -> SymbolTable:
    texts = ["1", "2.5", "apple", "-4", "pear", "10", "2.50"]
    nums = [1.0, 2.5, math.nan, -4.0, math.nan, 10.0, math.nan]
    table = SymbolTable()
    for t, x in zip(texts, nums, strict=True):
        table.intern(t, x)
    table.freeze()
    return table


def _case(seed: int) -> tuple[SymbolTable, np.ndarray, np.ndarray, int]:
    rng = np.random.default_rng(seed)
    symbols = _symbols()
    n = 60
    codes = rng.integers(0, len(symbols) + 1, n).astype(np.uint8)  # len(symbols): NULL
    groups = 5
    key = rng.integers(0, groups - 1, n).astype(np.intp)  # the last group has no record
    return symbols, codes, key, groups


def _same(a: Vec, b: Vec) -> None:
    np.testing.assert_array_equal(a.null, b.null)
    np.testing.assert_array_equal(np.where(a.null, 0, a.num), np.where(b.null, 0, b.num))
    assert [a.value(i)[0] for i in range(a.n)] == [b.value(i)[0] for i in range(b.n)]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("distinct", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_coded_values_reduce_like_vectors(name: str, distinct: bool, seed: int) -> None:
    symbols, codes, key, groups = _case(seed)
    reducer = REGISTRY[name].impl
    coded = reducer(Arg(len(codes), coded=Coded(Codes.of(codes), symbols)), key, groups, distinct)
    vec = reducer(Arg(len(codes), values=Vec.from_symbols(symbols, codes)), key, groups, distinct)
    _same(coded.values, vec.values)
    assert (coded.total is None) == (vec.total is None)
    if coded.total is not None and vec.total is not None:
        _same(coded.total, vec.total)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("distinct", [False, True])
def test_totals_are_the_reduction_of_all_records(name: str, distinct: bool) -> None:
    symbols, codes, key, groups = _case(7)
    reducer = REGISTRY[name].impl
    arg = Arg(len(codes), coded=Coded(Codes.of(codes), symbols))
    total = reducer(arg, key, groups, distinct).total
    whole = reducer(arg, np.zeros(len(codes), dtype=np.intp), 1, distinct).values
    if total is None:  # Sum, Avg and Only of distinct values: a pass of their own
        assert name in ("SUM", "AVG", "ONLY") and (distinct or name == "ONLY")
    else:
        _same(total, whole)


def test_what_each_reducer_counts() -> None:
    """Sum, Avg, Min, Max read numbers; Count counts non-NULL values, text too; a group
    without a number sums to 0 and has no average, minimum or maximum."""
    values = Vec(np.array([1.0, math.nan, 3.0, math.nan, math.nan]),
                 np.array([None, "x", None, None, "y"], dtype=object),
                 np.array([False, False, False, True, False]))
    key = np.array([0, 0, 0, 1, 1])
    out = {name: REGISTRY[name].impl(Arg(5, values=values), key, 3, False).values
           for name in NAMES}
    assert out["SUM"].num.tolist() == [4.0, 0.0, 0.0]
    assert out["COUNT"].num.tolist() == [3.0, 1.0, 0.0]
    assert out["AVG"].num[0] == 2.0 and out["AVG"].null[1:].all()
    assert out["MIN"].num[0] == 1.0 and out["MAX"].num[0] == 3.0 and out["MAX"].null[1:].all()
    assert out["ONLY"].null[0] and out["ONLY"].value(1)[0] == "y"
    count_distinct = REGISTRY["COUNT"].impl(Arg(5, values=values), key, 3, True)
    assert count_distinct.values.num.tolist() == [3.0, 1.0, 0.0]
    assert count_distinct.total is not None and count_distinct.total.num.tolist() == [4.0]


def test_count_star_counts_records() -> None:
    key = np.array([2, 2, 0], dtype=np.intp)
    out = REGISTRY["COUNT"].impl(Arg(3, star=True), key, 3, False)
    assert out.values.num.tolist() == [1.0, 0.0, 2.0]
    assert out.total is not None and out.total.num.tolist() == [3.0]


def test_plain_numbers_reduce_like_vectors() -> None:
    rng = np.random.default_rng(3)
    nums = rng.normal(size=50)
    nums[::7] = math.nan
    key = rng.integers(0, 4, 50)
    for name in ("SUM", "COUNT", "AVG", "MIN", "MAX"):
        reducer = REGISTRY[name].impl
        a = reducer(Arg(50, numbers=nums), key, 4, False)
        b = reducer(Arg(50, values=Vec.numbers(nums)), key, 4, False)
        _same(a.values, b.values)
        assert a.total is not None and b.total is not None
        _same(a.total, b.total)
