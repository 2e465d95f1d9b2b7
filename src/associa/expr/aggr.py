"""Aggr(): nested aggregation over a virtual table (help "Aggr - chart function").

``Aggr([DISTINCT | NODISTINCT] [{set}] expr, dim1 [, dim2 ...])`` is no aggregation and
no row function: it computes ``expr`` once per combination of the dimensions' values and
hands the resulting virtual table to the aggregation around it. What that means depends
on the scope, so the registry's entry only hands the call to the scope (``scope.aggr``);
the chart scopes carry it out (``calc/aggr.py``). A scope without records (a LOAD, the
golden one-row scope) refuses it.

The parser keeps Aggr's qualifiers on the call (``ast.Call.distinct``: True unless
NODISTINCT was written, DISTINCT being the default), its set in ``set_text`` (and pushes
it into the inner aggregations as an outer set), and a structured dimension as an
``AGGR_DIM`` call (``sorted_dim``):

* ``(Field, (Sort-type, Ordering))``: ``AGGR_DIM(Field, 'TYPE', 'ORDERING')``.
* ``(Field, (Sort-type))``: the same with the sort type's default ordering. The help
  does not show this form; it is accepted as a choice, the default being the first
  ordering the help's table lists for the sort type (ASCENDING; DESCENDING for
  FREQUENCY).
* ``(Field, (Field2, (Sort-type, Ordering)))``: the help, "Adding sorting criteria to the
  dimension in the structured parameter": "Structured parameters can be nested" (Qlik
  Cloud help, e.g. https://help.qlik.com/ko-KR/cloud-services/Subsystems/Hub/Content/
  Sense_Hub/ChartFunctions/aggr.htm, whose text gives the syntax and nothing more).
  The inner part is itself a structured parameter standing where the sort criteria
  stand, so it is read as a sort criterion of ``Field``: Field's values ordered as
  Field2's sorted values they go with (``(Month, (MonthNo, (NUMERIC, ASCENDING)))``:
  months in the order of their month numbers), nesting further the same way. Its node
  is ``AGGR_DIM(Field, AGGR_DIM(Field2, 'TYPE', 'ORDERING'))``; only ``Field`` is a
  dimension (a choice: the help states no meaning).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from associa.errors import ExpressionError
from associa.expr import ast
from associa.expr.registry import Kind, register
from associa.expr.vector import Vec

# an Aggr dimension with sort criteria: AGGR_DIM(field, sort type, ordering), or
# AGGR_DIM(field, AGGR_DIM(...)) sorted by another field's order
SORTED_DIM = "AGGR_DIM"
SORT_TYPES = ("NUMERIC", "TEXT", "FREQUENCY", "LOAD_ORDER")
# help "Adding sorting criteria to the dimension in the structured parameter": REVERSE
# and DESCENDING mean the same; TEXT also takes A2Z (= ASCENDING) and Z2A (= DESCENDING);
# LOAD_ORDER also takes ORIGINAL (= ASCENDING). Each sort type's orderings in the order
# of the help's table ("NUMERIC: ASCENDING, DESCENDING, or REVERSE"; "FREQUENCY:
# DESCENDING, REVERSE, or ASCENDING"): the first one is the default of ``(Field,
# (Sort-type))``.
ORDERINGS: dict[str, dict[str, bool]] = {  # sort type -> ordering -> descending
    "NUMERIC": {"ASCENDING": False, "DESCENDING": True, "REVERSE": True},
    "TEXT": {"ASCENDING": False, "A2Z": False, "DESCENDING": True, "REVERSE": True,
             "Z2A": True},
    "FREQUENCY": {"DESCENDING": True, "REVERSE": True, "ASCENDING": False},
    "LOAD_ORDER": {"ASCENDING": False, "ORIGINAL": False, "DESCENDING": True,
                   "REVERSE": True},
}


class AggrDim(NamedTuple):
    """An Aggr dimension: its ``field``; its sort type (None: no criteria, the load
    order) and whether descending; ``by``: the fields whose order it takes, outermost
    first (the sort type applies to the last; empty: to ``field`` itself)."""

    field: str
    kind: str | None = None
    descending: bool = False
    by: tuple[str, ...] = ()


def sort_type(word: str) -> str:
    """A sort type, checked (upper case)."""
    kind = word.upper()
    if kind not in ORDERINGS:
        raise ExpressionError(f"Unknown sort type in Aggr(): {word}")
    return kind


def ordering(kind: str, word: str | None) -> str:
    """An ordering that goes with sort type ``kind`` (upper case); None: its default."""
    if word is None:
        return next(iter(ORDERINGS[kind]))
    order = word.upper()
    if order not in ORDERINGS[kind]:
        raise ExpressionError(f"Ordering {word} does not go with sort type {kind}")
    return order


def sorted_dim(field: str, kind_word: str, order_word: str | None = None,
               by: tuple[str, ...] = ()) -> ast.Call:
    """A structured parameter as a node (checked: a known sort type and ordering):
    ``(field, (by[0], (by[1], ... (kind_word, order_word))))``."""
    kind = sort_type(kind_word)
    chain = (field, *by)
    node = ast.Call(SORTED_DIM, (ast.FieldRef(chain[-1]), ast.String(kind),
                                 ast.String(ordering(kind, order_word))))
    for name in reversed(chain[:-1]):
        node = ast.Call(SORTED_DIM, (ast.FieldRef(name), node))
    return node


def dimension_of(node: ast.Node) -> AggrDim:
    """An Aggr dimension argument as an ``AggrDim``."""
    if isinstance(node, ast.FieldRef):
        return AggrDim(node.name)
    if isinstance(node, ast.Call) and node.name == SORTED_DIM:
        field = node.args[0]
        assert isinstance(field, ast.FieldRef)
        if len(node.args) == 2:
            inner = dimension_of(node.args[1])
            return AggrDim(field.name, inner.kind, inner.descending, (inner.field, *inner.by))
        kind, order = node.args[1:]
        assert isinstance(kind, ast.String) and isinstance(order, ast.String)
        return AggrDim(field.name, kind.value, ORDERINGS[kind.value][order.value])
    raise ExpressionError("An Aggr() dimension must be a field, not an expression")


@register("AGGR", 2, 64, Kind.SCALAR)
def aggr(evaluator: Any, call: ast.Call, scope: Any) -> Vec:
    handler = getattr(scope, "aggr", None)
    if handler is None:
        raise ExpressionError("Aggr() is only allowed in chart expressions")
    result: Vec = handler(call, evaluator)
    return result
