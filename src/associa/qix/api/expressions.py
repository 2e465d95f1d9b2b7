"""Doc methods about expressions: expansion, checking, the fields they name, samples.

Shapes (Engine JSON API; result keys from the OpenRPC schema, qix-api.md appendix):

* ExpandExpression(qExpression) → ``qExpandedExpression``: the text with its dollar-sign
  expansions made (``expr/expansion.py``);
* GetFieldsFromExpression(qExpr) → ``qFieldNames``: the fields the expression names, in the
  order they first appear (none for an expression that does not parse);
* CheckExpression(qExpr, qLabels?) → ``qErrorMsg``, ``qBadFieldNames``,
  ``qDangerousFieldNames``: the syntax error ("" when none) and NxRange ``{qFrom, qCount}``
  entries locating in ``qExpr`` each name that is no field, variable nor one of ``qLabels``;
* CheckNumberOrExpression(qExpr) → ``qErrorMsg``, ``qBadFieldNames``: the same, a number
  being fine;
* GetFieldAndColumnSamples(qFieldsOrColumnsWithWildcards, qMaxNumberOfValues, qRandSeed?)
  → ``qResult``: a SampleResult ``{qFieldOrColumn, qValues}`` per matching table/field pair
  ('*' and '?' wildcards in both names), qValues FieldValues drawn at random (all of them
  for a negative maximum).

The dispatcher leaves out false and empty members as the engine does (``qErrorMsg`` "" is
absent from a clean check).
"""

from __future__ import annotations

import fnmatch
import random
from typing import Any

import numpy as np

from associa.app.doc import DocState
from associa.app.statedata import values_of
from associa.errors import ExpressionError
from associa.expr import ast, parse
from associa.expr.tokens import T, tokenize
from associa.qix.dispatch import method, p
from associa.qix.session import Call
from associa.values import parse_number


def _doc(call: Call) -> DocState:
    return call.target


@method("Doc", "ExpandExpression", p("qExpression", "str"), out=("qExpandedExpression",))
def expand_expression(call: Call, qExpression: str) -> str:
    return _doc(call).prepare(qExpression, bare=False)


def _field_refs(node: ast.Node) -> list[str]:
    return list(dict.fromkeys(n.name for n in node.walk() if isinstance(n, ast.FieldRef)))


@method("Doc", "GetFieldsFromExpression", p("qExpr", "str"), out=("qFieldNames",))
def get_fields_from_expression(call: Call, qExpr: str) -> list[str]:
    doc = _doc(call)
    try:
        node = parse(doc.prepare(qExpr))
    except ExpressionError:
        return []
    fields = doc.model.fields
    names = _field_refs(node)
    for n in node.walk():  # TOTAL <fields> name fields too
        if isinstance(n, ast.Call) and n.total:
            names.extend(f for f in n.total if f not in names)
    return [n for n in names if n in fields]


def _check(doc: DocState, text: str, labels: list[str]) -> dict[str, Any]:
    try:
        node = parse(doc.prepare(text))
    except ExpressionError as exc:
        return {"qErrorMsg": exc.detail, "qBadFieldNames": [], "qDangerousFieldNames": []}
    known = set(doc.model.fields) | set(doc.app.variables) | set(labels)
    bad = {n for n in _field_refs(node) if n not in known}
    return {"qErrorMsg": "", "qBadFieldNames": _ranges(text, bad), "qDangerousFieldNames": []}


def _ranges(text: str, names: set[str]) -> list[dict[str, int]]:
    """NxRanges of the tokens of ``text`` that name one of ``names`` (as written: a
    bracketed name's range takes in its brackets)."""
    if not names:
        return []
    try:
        tokens = tokenize(text)
    except ExpressionError:
        return []
    out = []
    for i, tok in enumerate(tokens):
        if tok.kind in (T.NAME, T.QUOTED) and tok.value in names and not tokens[i + 1].is_op("("):
            end = tokens[i + 1].pos if tok.kind is T.QUOTED else tok.pos + len(tok.value)
            if tok.kind is T.QUOTED:
                close = text.rfind("]" if text[tok.pos] == "[" else text[tok.pos], tok.pos, end)
                end = close + 1 if close > tok.pos else end
            out.append({"qFrom": tok.pos, "qCount": end - tok.pos})
    return out


@method("Doc", "CheckExpression", p("qExpr", "str"), p("qLabels", "list", None),
        out=("qErrorMsg", "qBadFieldNames", "qDangerousFieldNames"))
def check_expression(call: Call, qExpr: str, qLabels: list[Any] | None) -> dict[str, Any]:
    labels = [x for x in qLabels or [] if isinstance(x, str)]
    return _check(_doc(call), qExpr, labels)


@method("Doc", "CheckNumberOrExpression", p("qExpr", "str"),
        out=("qErrorMsg", "qBadFieldNames"))
def check_number_or_expression(call: Call, qExpr: str) -> dict[str, Any]:
    if parse_number(qExpr.strip()) is not None:
        return {"qErrorMsg": "", "qBadFieldNames": []}
    found = _check(_doc(call), qExpr, [])
    return {"qErrorMsg": found["qErrorMsg"], "qBadFieldNames": found["qBadFieldNames"]}


@method("Doc", "GetFieldAndColumnSamples", p("qFieldsOrColumnsWithWildcards", "list"),
        p("qMaxNumberOfValues", "int"), p("qRandSeed", "int", 0), out=("qResult",))
def get_field_and_column_samples(call: Call, qFieldsOrColumnsWithWildcards: list[Any],
                                 qMaxNumberOfValues: int, qRandSeed: int) -> list[dict[str, Any]]:
    model, _, _ = _doc(call).snapshot()
    rng = random.Random(qRandSeed)
    out: list[dict[str, Any]] = []
    for pair in qFieldsOrColumnsWithWildcards:
        if not isinstance(pair, dict):
            continue
        field_pat = str(pair.get("qFieldName") or "")
        table_pat = str(pair.get("qTableName") or "")
        if not table_pat:
            for name in model.fields:
                if fnmatch.fnmatchcase(name, field_pat):
                    idx = np.arange(len(model.fields[name].symbols))
                    out.append(_sample(model, name, "", idx, qMaxNumberOfValues, rng))
            continue
        for tname, table in model.tables.items():
            if not fnmatch.fnmatchcase(tname, table_pat):
                continue
            for name in table.columns:
                if fnmatch.fnmatchcase(name, field_pat) and name in model.fields:
                    codes = np.asarray(table.columns[name])
                    size = len(model.fields[name].symbols)
                    idx = np.unique(codes[(codes >= 0) & (codes < size)])
                    out.append(_sample(model, name, tname, idx, qMaxNumberOfValues, rng))
    return out


def _sample(model: Any, field: str, table: str, idx: np.ndarray, most: int,
            rng: random.Random) -> dict[str, Any]:
    if 0 <= most < len(idx):
        idx = np.sort(np.array(rng.sample(idx.tolist(), most), dtype=np.int64))
    values = values_of(model.fields[field].symbols, idx) if len(idx) else []
    return {"qFieldOrColumn": {"qFieldName": field, "qTableName": table}, "qValues": values}
