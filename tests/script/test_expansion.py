"""Dollar-sign expansion (qlik-language.md §3.2)."""

from __future__ import annotations

import pytest

from associa.errors import ScriptError
from associa.script.expansion import MAX_EXPANSIONS, expand

VARS = {
    "v": "hello",
    "n": "3.5",
    "comma": "3,5",
    "text": "abc",
    "MUL": "$1*$2",
    "P": "[$1|$2|$3] $0",
    "field": "Sales",
    "inner": "v",
    "Case": "upper",
    "case": "lower",
    "kw": "Concatenate",
}


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("LET x = $(v);", "LET x = hello;"),
        ("'$(v)'", "'hello'"),  # expansion happens inside quotes too
        ("$(v)$(v)", "hellohello"),
        ("$( v )", "hello"),
        ("$(undefined)", ""),
        ("no dollars here", "no dollars here"),
        ("costs $5", "costs $5"),
        ("$(MUL(3,7))", "3*7"),
        ("$(MUL(3, 7))", "3*7"),
        ("$(MUL('a,b', f(1, 2)))", "'a,b'*f(1, 2)"),
        ("$(P(a))", "[a|$2|$3] 1"),  # missing parameters stay as $n
        ("$(P(a,b,c,d))", "[a|b|c] 4"),  # extra ones are ignored
        ("$(#n)", "3.5"),
        ("$(#comma)", "3.5"),
        ("$(#text)", "0"),
        ("$(#undefined)", "0"),
        ("$($(inner))", "hello"),  # innermost first
        ("Sum($(field))", "Sum(Sales)"),
        ("$(Case) $(case)", "upper lower"),  # names are case-sensitive
        ("$(kw) LOAD * RESIDENT T", "Concatenate LOAD * RESIDENT T"),
    ],
)
def test_expand(text: str, expanded: str) -> None:
    assert expand(text, VARS) == expanded


def test_expression_expansion_uses_callback() -> None:
    seen: list[str] = []

    def evaluate(expr: str) -> str:
        seen.append(expr)
        return "3"

    assert expand("LET x = $(=1+2) * 2;", VARS, evaluate) == "LET x = 3 * 2;"
    assert seen == ["1+2"]


def test_expression_expansion_sees_inner_expansions_first() -> None:
    assert expand("$(=Len('$(v)'))", VARS, lambda e: f"<{e}>") == "<Len('hello')>"


def test_expression_expansion_without_evaluator_is_an_error() -> None:
    with pytest.raises(ScriptError, match="Cannot evaluate"):
        expand("$(=1+2)", VARS)


def test_unterminated_expansion_is_an_error() -> None:
    with pytest.raises(ScriptError, match="Missing '\\)'"):
        expand("LET x = $(v;", VARS)


def test_runaway_expansion_stops() -> None:
    with pytest.raises(ScriptError, match="Too many"):
        expand("$(self)", {"self": "$(self)"})
    assert MAX_EXPANSIONS >= 1000


def test_expanded_text_is_expanded_again() -> None:
    assert expand("$(a)", {"a": "$(b)", "b": "deep"}) == "deep"
