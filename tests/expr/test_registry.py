"""The function registry: one entry per function with its kind, and the views the
evaluator and the scopes read."""

from __future__ import annotations

import pytest

from associa.errors import ExpressionError
from associa.expr import AGGREGATIONS, FUNCTIONS, REGISTRY, Evaluator, Kind, parse
from associa.expr.registry import RANGE_FUNCTIONS, register
from tests.expr.test_evaluate import ConstScope


def test_every_function_has_one_kind() -> None:
    kinds = {name: fn.kind for name, fn in REGISTRY.items()}
    assert {n for n, k in kinds.items() if k is Kind.AGGREGATION} == set(AGGREGATIONS)
    assert {n for n, k in kinds.items() if k is Kind.RANGE} == set(RANGE_FUNCTIONS)
    assert set(FUNCTIONS) == {n for n, k in kinds.items() if k is not Kind.AGGREGATION}
    assert {"SUM", "COUNT", "AVG", "MIN", "MAX", "ONLY"} <= set(AGGREGATIONS)
    assert {"RANGESUM", "RANGEAVG", "RANGECOUNT", "RANGEMIN", "RANGEMAX",
            "RANGEONLY"} <= set(RANGE_FUNCTIONS)
    assert {"IF", "MID", "NUM"} <= set(FUNCTIONS)


def test_aggregations_are_not_called_as_functions() -> None:
    with pytest.raises(KeyError):
        FUNCTIONS["SUM"]
    assert "SUM" not in FUNCTIONS and "IF" not in AGGREGATIONS
    lo, hi, impl = FUNCTIONS["RANGESUM"]
    assert (lo, hi) == (1, 99) and callable(impl)


def test_registration_needs_upper_case_names() -> None:
    with pytest.raises(ValueError, match="upper-case"):
        register("Foo", 0, 0)


def test_an_aggregation_goes_to_the_scope_and_a_range_function_does_not() -> None:
    scope = ConstScope()
    v = Evaluator().eval(parse("RangeSum(A, B) + Sum(A)"), scope)
    assert v.value(0) == ("4", 4.0)
    assert [c.name for c in scope.aggregated] == ["SUM"]


def test_range_function_arity() -> None:
    with pytest.raises(ExpressionError, match="Wrong number of arguments to RANGEMAX"):
        Evaluator().eval(parse("RangeMax()"), ConstScope())
