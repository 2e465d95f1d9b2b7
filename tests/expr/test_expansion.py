"""Dollar-sign expansion and variables in chart expressions (``expr/expansion.py``)."""

from __future__ import annotations

import pytest

from associa.calc.expressions import prepare
from associa.errors import ExpressionError
from associa.expr.expansion import MAX_EXPANSIONS, expand, substitute_variables

VARS = {
    "vYear": "2024",
    "vSum": "Sum(Amount)",
    "vCalc": "=1+1",
    "vNested": "$(vSum) * 2",
    "vMul": "$1 * $2",
    "vCount": "$0",
    "vDec": "3,5",
    "vSelf": "$(vSelf)",
    "vText": "hello world",
}


def ev(text: str) -> str:
    return f"<{text}>"


@pytest.mark.parametrize(("text", "expanded"), [
    ("Year = $(vYear)", "Year = 2024"),
    ("$(vSum)", "Sum(Amount)"),
    ("$(vNested)", "Sum(Amount) * 2"),             # a value holding $(…) is expanded again
    ("$(vMul(3, 4))", "3 * 4"),                     # parameters
    ("$(vCount(a, b, c))", "3"),                    # $0: how many
    ("$(vMul(Sum(A, B), 2))", "Sum(A, B) * 2"),     # a comma inside parentheses
    ("[$(vMissing)]", "[]"),                        # unknown: empty text (help)
    ("$(#vYear)", "2024"),
    ("$(#vDec)", "3.5"),
    ("$(#vMissing)", "0"),                          # help: 0 when not numeric
    ("$(=Max(Year))", "<Max(Year)>"),
    ("$(=Sum($(vYear)))", "<Sum(2024)>"),           # innermost first
    ("$(vCalc)", "<1+1>"),                          # a calculated variable: its result
    ("$( vYear )", "2024"),
    ("no dollars", "no dollars"),
    ("'$(vYear)'", "'2024'"),                       # inside strings too (textual)
])
def test_expand(text: str, expanded: str) -> None:
    assert expand(text, VARS, ev) == expanded


def test_a_variable_expanding_to_itself_stops_with_an_error() -> None:
    with pytest.raises(ExpressionError, match=str(MAX_EXPANSIONS)):
        expand("$(vSelf)", VARS, ev)


def test_an_unclosed_expansion_is_an_error() -> None:
    assert expand("Sum($(vYear)", VARS, ev) == "Sum(2024"  # the parser tells
    with pytest.raises(ExpressionError, match="Missing"):
        expand("$(vYear", VARS, ev)


def test_a_parenthesis_in_quotes_does_not_close() -> None:
    assert expand("$(=Len(')'))", VARS, ev) == "<Len(')')>"


def test_bare_variable_names() -> None:
    fields = {"Amount", "Year", "vYear2"}
    assert substitute_variables("vSum / 2", VARS, fields) == "(Sum(Amount)) / 2"
    assert substitute_variables("vCalc", VARS, fields) == "(1+1)"
    assert substitute_variables("[vSum] + Amount", VARS, fields) == "(Sum(Amount)) + Amount"
    # a field wins over a variable of the same name; functions are not names
    assert substitute_variables("Year + vSum(1)", {**VARS, "Year": "1"}, fields) == \
        "Year + vSum(1)"
    # a value that is no expression goes in as a string
    assert substitute_variables("vText", VARS, fields) == "'hello world'"
    # names inside set expressions are left alone
    text = "Sum({<Year={$(vYear)}, vYear={1}>} Amount)"
    assert substitute_variables(text, VARS, fields) == text


def test_bare_variable_referring_to_itself() -> None:
    with pytest.raises(ExpressionError, match="refer to itself"):
        substitute_variables("vLoop", {"vLoop": "vLoop + 1"}, set())


def test_prepare_expands_then_substitutes() -> None:
    assert prepare("$(vYear) + vSum", VARS, ev, {"Amount"}) == "2024 + (Sum(Amount))"
    assert prepare("$(vYear) + vSum", VARS, ev) == "2024 + vSum"   # no fields: no names


def test_the_script_expansion_is_unchanged() -> None:
    from associa.errors import ScriptError
    from associa.script.expansion import expand as script_expand

    assert script_expand("$(a)", {"a": "1"}) == "1"
    with pytest.raises(ScriptError):
        script_expand("$(a", {})
