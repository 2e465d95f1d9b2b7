"""Aggr(): nested aggregation over a virtual table (help "Aggr - chart function").

``Aggr([DISTINCT | NODISTINCT] [{set}] expr, dim1 [, dim2 ...])`` is no aggregation and
no row function: it computes ``expr`` once per combination of the dimensions' values and
hands the resulting virtual table to the aggregation around it. What that means depends
on the scope, so the registry's entry only hands the call to the scope (``scope.aggr``);
the chart scopes carry it out (``calc/aggr.py``). A scope without records (a LOAD, the
golden one-row scope) refuses it.

The parser keeps Aggr's qualifiers on the call (``ast.Call.distinct``: True unless
NODISTINCT was written, DISTINCT being the default), its set in ``set_text`` (and pushes
it into the inner aggregations as an outer set), and a structured dimension
``(Field, (Sort-type, Ordering))`` as an ``AGGR_DIM`` call (``sorted_dim``).
"""

from __future__ import annotations

from typing import Any

from associa.errors import ExpressionError
from associa.expr import ast
from associa.expr.registry import Kind, register
from associa.expr.vector import Vec

# an Aggr dimension with sort criteria: AGGR_DIM(field, sort type, ordering)
SORTED_DIM = "AGGR_DIM"
SORT_TYPES = ("NUMERIC", "TEXT", "FREQUENCY", "LOAD_ORDER")
# help "Adding sorting criteria to the dimension in the structured parameter": REVERSE
# and DESCENDING mean the same; TEXT also takes A2Z (= ASCENDING) and Z2A (= DESCENDING);
# LOAD_ORDER also takes ORIGINAL (= ASCENDING)
ORDERINGS: dict[str, dict[str, bool]] = {  # sort type -> ordering -> descending
    "NUMERIC": {"ASCENDING": False, "DESCENDING": True, "REVERSE": True},
    "TEXT": {"ASCENDING": False, "A2Z": False, "DESCENDING": True, "REVERSE": True,
             "Z2A": True},
    "FREQUENCY": {"DESCENDING": True, "REVERSE": True, "ASCENDING": False},
    "LOAD_ORDER": {"ASCENDING": False, "ORIGINAL": False, "DESCENDING": True,
                   "REVERSE": True},
}


def sorted_dim(field: str, sort_type: str, ordering: str) -> ast.Call:
    """A structured parameter as a node (checked: a known sort type and ordering)."""
    kind, order = sort_type.upper(), ordering.upper()
    if kind not in ORDERINGS:
        raise ExpressionError(f"Unknown sort type in Aggr(): {sort_type}")
    if order not in ORDERINGS[kind]:
        raise ExpressionError(f"Ordering {ordering} does not go with sort type {sort_type}")
    return ast.Call(SORTED_DIM, (ast.FieldRef(field), ast.String(kind), ast.String(order)))


def dimension_of(node: ast.Node) -> tuple[str, str | None, bool]:
    """An Aggr dimension argument: (field, sort type or None, descending)."""
    if isinstance(node, ast.FieldRef):
        return node.name, None, False
    if isinstance(node, ast.Call) and node.name == SORTED_DIM:
        field, kind, order = node.args
        assert isinstance(field, ast.FieldRef)
        assert isinstance(kind, ast.String) and isinstance(order, ast.String)
        return field.name, kind.value, ORDERINGS[kind.value][order.value]
    raise ExpressionError("An Aggr() dimension must be a field, not an expression")


@register("AGGR", 2, 64, Kind.SCALAR)
def aggr(evaluator: Any, call: ast.Call, scope: Any) -> Vec:
    handler = getattr(scope, "aggr", None)
    if handler is None:
        raise ExpressionError("Aggr() is only allowed in chart expressions")
    result: Vec = handler(call, evaluator)
    return result
