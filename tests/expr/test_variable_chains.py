"""Bare variable names whose values name other variables (``expr/expansion.py``,
``substitute_variables``): chains are followed to the end, a chain that comes back to a
variable is an error found at once."""

from __future__ import annotations

import time

import pytest

from associa.errors import ExpressionError
from associa.expr.expansion import MAX_EXPANSIONS, substitute_variables

FIELDS = {"Amount", "Region"}


def test_a_chain_of_variables_is_followed() -> None:
    variables = {"vA": "vB * 2", "vB": "vC + 1", "vC": "Sum(Amount)"}
    assert substitute_variables("vA", variables, FIELDS) == "(((Sum(Amount)) + 1) * 2)"
    # the same variable twice: the same text each time
    assert substitute_variables("vC / vC", variables, FIELDS) == \
        "(Sum(Amount)) / (Sum(Amount))"


def test_a_value_that_is_no_expression_ends_the_chain() -> None:
    variables = {"vA": "vB", "vB": "not an expression vA"}
    assert substitute_variables("vA", variables, FIELDS) == "('not an expression vA')"


def test_fields_and_functions_are_not_followed() -> None:
    variables = {"vA": "Region & vB", "vB": "'x'", "Region": "vA"}
    assert substitute_variables("vA", variables, FIELDS) == "(Region & ('x'))"


@pytest.mark.parametrize("variables", [
    {"vLoop": "vLoop + 1"},
    {"vA": "vB + 1", "vB": "Sum(vC)", "vC": "=vA"},
])
def test_a_variable_leading_back_to_itself_fails_at_once(variables: dict[str, str]) -> None:
    start = time.perf_counter()
    with pytest.raises(ExpressionError, match="refer to itself"):
        substitute_variables(next(iter(variables)), variables, FIELDS)
    assert time.perf_counter() - start < 0.5


def test_a_chain_longer_than_the_limit_fails() -> None:
    n = MAX_EXPANSIONS + 1
    variables = {f"v{i}": f"v{i + 1}" for i in range(n)} | {f"v{n}": "1"}
    with pytest.raises(ExpressionError, match=str(MAX_EXPANSIONS)):
        substitute_variables("v0", variables, FIELDS)
    short = {f"v{i}": f"v{i + 1}" for i in range(10)} | {"v10": "1"}
    assert substitute_variables("v0", short, FIELDS) == "(" * 10 + "(1)" + ")" * 10
