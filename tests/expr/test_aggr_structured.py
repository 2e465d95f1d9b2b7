"""Aggr's structured parameters in the parser (help "Aggr - chart function", "Adding
sorting criteria to the dimension in the structured parameter"): ``(Field, (Sort-type,
Ordering))``, the ordering left out (the sort type's default, a choice) and the nested
form ``(Field, (Field2, (Sort-type, Ordering)))``; malformed ones are syntax errors at
their position."""

from __future__ import annotations

import pytest

from associa.errors import ExpressionError
from associa.expr import ast, parse
from associa.expr.aggr import AggrDim, dimension_of

F = ast.FieldRef
S = ast.String


def dims(text: str) -> tuple[ast.Node, ...]:
    node = parse(f"Aggr(Sum(X), {text})")
    assert isinstance(node, ast.Call) and node.name == "AGGR"
    return node.args[1:]


def test_the_ordering_may_be_left_out() -> None:
    """The first ordering of the help's table for each sort type."""
    assert dims("(D, (NUMERIC))") == (ast.Call("AGGR_DIM", (F("D"), S("NUMERIC"),
                                                            S("ASCENDING"))),)
    assert dims("(D, (text))")[0] == ast.Call("AGGR_DIM", (F("D"), S("TEXT"), S("ASCENDING")))
    assert dims("(D, (FREQUENCY))")[0] == ast.Call("AGGR_DIM", (F("D"), S("FREQUENCY"),
                                                                S("DESCENDING")))
    assert dims("(D, (LOAD_ORDER))")[0] == ast.Call("AGGR_DIM", (F("D"), S("LOAD_ORDER"),
                                                                 S("ASCENDING")))
    assert dimension_of(dims("(D, (FREQUENCY))")[0]) == AggrDim("D", "FREQUENCY", True)


def test_nested_structured_parameters() -> None:
    inner = ast.Call("AGGR_DIM", (F("MonthNo"), S("NUMERIC"), S("DESCENDING")))
    assert dims("(Month, (MonthNo, (NUMERIC, DESCENDING)))") == (
        ast.Call("AGGR_DIM", (F("Month"), inner)),)
    assert dimension_of(dims("(Month, (MonthNo, (NUMERIC, DESCENDING)))")[0]) == AggrDim(
        "Month", "NUMERIC", True, ("MonthNo",))
    # deeper, with quoted names and the ordering left out; a field may be named like a
    # sort type (what follows it tells)
    got = dimension_of(dims("([My Month], ([Month No], (NUMERIC, (TEXT))))")[0])
    assert got == AggrDim("My Month", "TEXT", False, ("Month No", "NUMERIC"))
    # beside plain and sorted dimensions
    args = dims("Year, (Month, (MonthNo, (NUMERIC, ASCENDING))), (Day, (LOAD_ORDER, ORIGINAL))")
    assert [dimension_of(a) for a in args] == [
        AggrDim("Year"), AggrDim("Month", "NUMERIC", False, ("MonthNo",)),
        AggrDim("Day", "LOAD_ORDER", False)]
    # a deep nesting is read in a loop
    deep = "(" + "".join(f"F{i}, (" for i in range(300)) + "TEXT" + ")" * 301
    assert dimension_of(dims(deep)[0]).by[-1] == "F299"


@pytest.mark.parametrize(("text", "message", "column"), [
    ("(D, (NUMERIC, ASCENDING)", "Unexpected end of expression, expected ')'", None),
    ("(D, ())", "Unexpected ')', expected a sort type", 19),
    ("(D, (NUMERIC ASCENDING))", "Unexpected 'ASCENDING', expected ',' or ')'", 27),
    ("(D, (NUMERIC, ASCENDING, X))", "Unexpected ',', expected ')'", 37),
    ("(D, (1, ASCENDING))", "Unexpected '1', expected a sort type", 19),
    ("(D, (NUMERIC,))", "Unexpected ')', expected an ordering", 27),
    ("(D, NUMERIC)", "Unexpected 'NUMERIC', expected '('", 18),
    ("(D, (E, (NUMERIC, A2Z)))", "Ordering A2Z does not go with sort type NUMERIC", 32),
    ("(D, (E, (COLOR)))", "Unknown sort type in Aggr(): COLOR", 23),
    ("(D, (E))", "Unknown sort type in Aggr(): E", 19),
    ("(D, (E, (F, (TEXT, Z2A)))", "Unexpected end of expression, expected ')'", None),
])
def test_malformed_structured_parameters_are_syntax_errors(text: str, message: str,
                                                           column: int | None) -> None:
    """``column``: where the error is placed (None: the end of the expression)."""
    full = f"Aggr(Sum(X), {text})"
    with pytest.raises(ExpressionError) as info:
        parse(full)
    assert message in str(info.value)
    assert f"line 1, column {column or len(full) + 1}" in str(info.value)
