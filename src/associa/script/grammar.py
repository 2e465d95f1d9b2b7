"""The load script's and the expressions' vocabulary as BNF definitions (``GetBaseBNF``).

Script editors (Qlik's data load editor, the expression editor) ask the engine for its
grammar to colour statements, keywords and function names and to complete them; the
answer is a list of ``BNFDef`` (Qlik's Engine JSON API: qBnf, qNbr, qPNbr, qName, qStr,
qIsBnfRule, qScriptStatement, qControlStatement, qBnfLiteral, qQvFunc, qAggrFunc, qFG,
qFGList, qFieldFlag, qMT, qDepr; https://help.qlik.com/en-US/sense-developer/May2026/
Subsystems/EngineJSONAPI/Content/models-bnfdef.htm).

The definitions are built from associa's own tables, so they list what this engine parses
and nothing else: the script statements its parser dispatches on (``script/parser.py``'s
``SIMPLE``, ``loadsyntax.LOAD_WORDS``, the control words of ``script/scanner.py``), the
expression operators of ``expr/parser.py`` and every function of the registry with its
family from ``expr/catalog.py``. The shape is our own: a rule (``qIsBnfRule``) lists in
``qBnf`` the numbers of the definitions it may be made of; a literal's ``qStr`` is its
text; each definition's ``qPNbr`` is the rule it first appears in. Booleans that are false
are left out, as the engine leaves out members at their default.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from associa.expr.catalog import CATALOG
from associa.expr.parser import BINARY, WORD_OPERATORS
from associa.expr.registry import REGISTRY, Kind
from associa.script import loadsyntax
from associa.script import parser as script_parser
from associa.script.scanner import CONTROL_WORDS

SCRIPT = "S"
EXPRESSION = "E"

# catalog family → Qlik's FunctionGroup (the engine API's enum of function groups)
FUNCTION_GROUPS: dict[str, str] = {
    "conditional": "CND", "logical": "LOG", "null": "NULL", "string": "STR",
    "regular expression": "STR", "json": "JSON", "numeric": "NUM",
    "exponential and logarithmic": "EXP", "trigonometric and hyperbolic": "TRIG",
    "statistical distribution": "PROB", "financial": "FIN", "color": "CLR",
    "formatting": "FRMT", "interpretation": "NUMI", "date and time": "DATE",
    "range": "RNG", "aggregation": "AGGR", "statistical aggregation": "AGGR",
    "statistical test": "AGGR", "financial aggregation": "AGGR", "mapping": "MAPP",
    "inter-record": "RCRD", "chart inter-record": "RCRD", "counter": "COUNT",
    "hash": "STR", "table": "TBL", "file": "FILE", "field": "SYS", "system": "SYS",
}
# families whose functions only a load script has (the running LOAD's records, files,
# tables so far), and those only charts have (the chart's rows and columns)
SCRIPT_ONLY = frozenset({"inter-record", "counter", "table", "file", "mapping"})
CHART_ONLY = frozenset({"chart inter-record"})
DEPRECATED = frozenset({"QVUSER"})  # qlik-language.md: flagged deprecated

# words of the LOAD statement after its prefixes (its clauses and sources)
LOAD_CLAUSES = ("from", "resident", "inline", "autogenerate", "extension", "where",
                "while", "group by", "order by", "distinct", "as")
# statements read by patterns rather than the dispatch table (script/parser.py,
# script/connections.py)
PATTERN_STATEMENTS = ("set", "rem", "trace", "sql", "select", "lib connect to", "disconnect")
EXPRESSION_PUNCTUATION = ("(", ")", ",", "[", "]", "{", "}", "$", "<", ">", "+=", "-=",
                          "*=", "/=")


class _Builder:
    """Definitions numbered in the order they are made."""

    def __init__(self) -> None:
        self.defs: list[dict[str, Any]] = []

    def add(self, name: str, parent: int, **flags: Any) -> int:
        nbr = len(self.defs)
        entry: dict[str, Any] = {"qBnf": [], "qNbr": nbr, "qPNbr": parent, "qHelpId": 0,
                                 "qName": name, "qStr": "", "qFG": "NONE", "qMT": "N"}
        entry.update({k: v for k, v in flags.items() if v not in (False, None, [])})
        self.defs.append(entry)
        return nbr

    def rule(self, name: str, parent: int) -> int:
        return self.add(name, parent, qIsBnfRule=True)

    def literal(self, text: str, parent: int, **flags: Any) -> int:
        return self.add(text, parent, qStr=text, qBnfLiteral=True, **flags)

    def member(self, rule: int, nbr: int) -> None:
        self.defs[rule]["qBnf"].append(nbr)


def _functions(b: _Builder, parent: int, kind: str) -> None:
    left_out = CHART_ONLY if kind == SCRIPT else SCRIPT_ONLY
    for name in sorted(REGISTRY):
        entry = CATALOG.get(name)
        family = entry.family if entry is not None else ""
        if family in left_out:
            continue
        shown = entry.signature.split("(", 1)[0].strip() if entry is not None else name
        group = FUNCTION_GROUPS.get(family, "U")
        aggregation = REGISTRY[name].kind is Kind.AGGREGATION
        nbr = b.literal(shown, parent, qQvFunc=not aggregation, qAggrFunc=aggregation,
                        qFG=group, qFGList=[group], qDepr=name in DEPRECATED)
        b.member(parent, nbr)


def _expression(b: _Builder, parent: int, kind: str) -> int:
    expr = b.rule("expression", parent)
    functions = b.rule("function", expr)
    _functions(b, functions, kind)
    operators = b.rule("operator", expr)
    for op in sorted(BINARY, key=lambda o: (o not in WORD_OPERATORS, o)):
        b.member(operators, b.literal(op.upper() if op in WORD_OPERATORS else op, operators))
    b.member(operators, b.literal("NOT", operators))
    punctuation = b.rule("punctuation", expr)
    for text in EXPRESSION_PUNCTUATION:
        b.member(punctuation, b.literal(text, punctuation))
    field = b.add("field", expr, qIsBnfRule=True, qFieldFlag=True)
    for rule in (functions, operators, punctuation, field):
        b.member(expr, rule)
    return expr


def _script(b: _Builder, root: int) -> None:
    statement = b.rule("statement", root)
    b.member(root, statement)
    words = sorted((set(script_parser.SIMPLE) | set(PATTERN_STATEMENTS)) - CONTROL_WORDS)
    for word in words:
        b.member(statement, b.literal(word.upper(), statement, qScriptStatement=True))
    load = b.rule("load statement", statement)
    b.member(statement, load)
    for word in sorted(loadsyntax.LOAD_WORDS) + list(LOAD_CLAUSES):
        b.member(load, b.literal(word.upper(), load, qScriptStatement=word == "load"))
    control = b.rule("control statement", statement)
    b.member(statement, control)
    for word in sorted(CONTROL_WORDS | {"then", "to", "step", "each", "in", "while", "until",
                                        "end if", "end sub", "end switch"}):
        if word in ("end",):
            continue
        b.member(control, b.literal(word.upper(), control, qControlStatement=True))
    b.member(root, _expression(b, root, SCRIPT))


@cache
def bnf_defs(kind: str = SCRIPT) -> tuple[dict[str, Any], ...]:
    """The definitions of the script grammar (``S``) or the expression grammar (``E``)."""
    if kind not in (SCRIPT, EXPRESSION):
        raise ValueError(f"unknown grammar {kind!r}: S (script) or E (expression)")
    b = _Builder()
    root = b.rule("script" if kind == SCRIPT else "chart expression", -1)
    if kind == SCRIPT:
        _script(b, root)
    else:
        b.member(root, _expression(b, root, EXPRESSION))
    return tuple(b.defs)


@cache
def bnf_hash(kind: str = SCRIPT) -> str:
    """A digest of the definitions: clients keep a grammar until its hash changes."""
    text = json.dumps(bnf_defs(kind), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def bnf_text(kind: str = SCRIPT) -> str:
    """The definitions as text, one rule a line: ``name ::= member | member …`` with
    literals quoted."""
    defs = bnf_defs(kind)

    def shown(nbr: int) -> str:
        d = defs[nbr]
        return f'"{d["qStr"]}"' if d.get("qBnfLiteral") else f"<{d['qName']}>"

    return "".join(f"<{d['qName']}> ::= {' | '.join(shown(n) for n in d['qBnf'])}\n"
                   for d in defs if d.get("qIsBnfRule") and d["qBnf"])
