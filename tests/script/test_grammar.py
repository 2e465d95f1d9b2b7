"""The grammar handed to script editors (``script/grammar.py``) against the tables it is
built from."""

from __future__ import annotations

import pytest

from associa.expr.catalog import CATALOG
from associa.expr.registry import REGISTRY
from associa.script import grammar
from associa.script import parser as script_parser
from associa.script.scanner import CONTROL_WORDS


def _names(kind: str, flag: str) -> set[str]:
    return {d["qStr"] for d in grammar.bnf_defs(kind) if d.get(flag)}


def test_every_function_is_in_one_grammar_or_both() -> None:
    shown = {CATALOG[n].signature.split("(", 1)[0].strip(): n for n in REGISTRY}
    script = _names("S", "qQvFunc") | _names("S", "qAggrFunc")
    chart = _names("E", "qQvFunc") | _names("E", "qAggrFunc")
    assert set(shown) == script | chart
    for name, key in shown.items():
        family = CATALOG[key].family
        assert (name in script) == (family not in grammar.CHART_ONLY), name
        assert (name in chart) == (family not in grammar.SCRIPT_ONLY), name


def test_statements_come_from_the_parser() -> None:
    statements = _names("S", "qScriptStatement")
    for word in set(script_parser.SIMPLE) - CONTROL_WORDS:
        assert word.upper() in statements
    controls = _names("S", "qControlStatement")
    assert {w.upper() for w in CONTROL_WORDS - {"end"}} <= controls


def test_hash_follows_the_definitions() -> None:
    assert grammar.bnf_hash("S") == grammar.bnf_hash("S")
    assert grammar.bnf_hash("S") != grammar.bnf_hash("E")
    assert len(grammar.bnf_hash("E")) == 16


def test_unknown_grammar() -> None:
    with pytest.raises(ValueError):
        grammar.bnf_defs("X")


def test_text_form_lists_every_rule_with_members() -> None:
    text = grammar.bnf_text("E")
    rules = [d for d in grammar.bnf_defs("E") if d.get("qIsBnfRule") and d["qBnf"]]
    assert len(text.splitlines()) == len(rules)
    assert text.startswith("<chart expression> ::= <expression>")
