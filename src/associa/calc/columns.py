"""A hypercube's columns as defined: dimensions (a field, a calculated ``=expr``, a
drill-down or cyclic group's active field), measures, and the attribute expressions and
dimensions of either, each parsed and checked once, with the error the column shows
(``qError`` in its info) when it cannot be computed. ``calc/cube.py`` computes them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from associa.calc import groups
from associa.calc.calcdims import CalcValues
from associa.calc.cells import validation_error
from associa.errors import ExpressionError
from associa.expr import ast, parse
from associa.expr.interrecord import uses_chart_rows
from associa.model import DataModel


@dataclass(slots=True)
class Dimension:
    field: str | None
    label: str
    definition: Mapping[str, Any]
    error: dict | None = None
    calc: ast.Node | None = None  # a calculated dimension's expression
    values: CalcValues | None = None  # and its values, once computed
    cond_msg: str | None = None  # its calculation condition failed: the message


@dataclass(slots=True)
class Measure:
    text: str
    label: str
    definition: Mapping[str, Any]
    node: ast.Node | None = None
    error: dict | None = None
    cond_msg: str | None = None  # its calculation condition failed: the message


@dataclass(slots=True)
class AttrExpr:
    """An attribute expression of a column (NxAttrExprDef): evaluated per row like a
    measure, its values carried by the column's cells (``qAttrExps``)."""

    text: str
    label: str
    definition: Mapping[str, Any]
    node: ast.Node | None = None
    error: dict | None = None
    deferred: bool = False  # calls chart inter-record functions

    @property
    def counts_rows(self) -> bool:
        """Without ``qAttribute`` it takes part in the rows like a measure (zero and
        missing suppression)."""
        return not self.definition.get("qAttribute")


@dataclass(slots=True)
class AttrDim:
    """An attribute dimension of a column (NxAttrDimDef): the field's value of each row
    when the row has one (Only), or a calculated one's (``=expr``)."""

    field: str | None
    label: str
    definition: Mapping[str, Any]
    node: ast.Node | None = None  # a calculated attribute dimension's expression
    error: dict | None = None


def not_in_library(d: Mapping[str, Any]) -> dict[str, Any] | None:
    """The error of a definition left empty because its ``qLibraryId`` names no master
    item (``app/library.py`` drops the id of those it resolves): 7001 CALC_NOT_IN_LIB."""
    item_id = d.get("qLibraryId")
    if not item_id:
        return None
    return validation_error(7001, str(item_id), "Dimension or measure not in library")


def attr_expression(a: Any, prepare: Callable[[str], str] | None = None) -> AttrExpr:
    a = a if isinstance(a, Mapping) else {}
    text = a.get("qExpression") or ""
    text = text if isinstance(text, str) else ""
    label = a.get("qLabel") or text
    label = label if isinstance(label, str) else text
    if not text.strip():
        return AttrExpr(text, label, a, error=not_in_library(a))
    try:
        node = parse(text if prepare is None else prepare(text))
    except ExpressionError as exc:
        return AttrExpr(text, label, a, None, validation_error(7000, text, exc.message))
    return AttrExpr(text, label, a, node, None, uses_chart_rows(node))


def attr_dimension(model: DataModel, a: Any,
                   prepare: Callable[[str], str] | None = None) -> AttrDim:
    a = a if isinstance(a, Mapping) else {}
    text = a.get("qDef") or ""
    text = text if isinstance(text, str) else ""
    if not text.strip():
        return AttrDim(None, text, a, error=not_in_library(a)
                       or validation_error(7000, "", "Empty dimension"))
    if text.lstrip().startswith("="):
        body = text.lstrip()[1:]
        try:
            node = parse(body if prepare is None else prepare(body))
        except ExpressionError as exc:
            return AttrDim(None, text, a, error=validation_error(7000, text, exc.message))
        for name in sorted(ast.field_names(node)):
            if name not in model.fields:
                return AttrDim(None, text, a,
                               error=validation_error(7000, text, f"Field not found: {name}"))
        return AttrDim(None, text, a, node)
    name = text[1:-1] if text[:1] == "[" and text[-1:] == "]" else text
    if name not in model.fields:
        return AttrDim(None, text, a, error=validation_error(7000, text, f"Field not found: {name}"))
    return AttrDim(name, text, a)


def dimension(model: DataModel, d: Mapping[str, Any],
              prepare: Callable[..., str] | None = None, inference: Any = None) -> Dimension:
    """A dimension's definition: a field, or a calculated dimension (``=expr``). A field
    definition's dollar-sign expansions are made first (``$(vDim)`` names the field a
    variable holds); bare variable names stand for their values only in a calculated
    one (``qFieldDefs`` are field names; ``app/doc.py``, ``prepared_list``). A drill-down
    or cyclic group shows one of its fields (``calc/groups.py``: read in ``inference``)."""
    qdef = d.get("qDef") or {}
    defs = qdef.get("qFieldDefs") or []
    labels = qdef.get("qFieldLabels") or []
    text = defs[0] if defs else ""
    label = labels[0] if labels and labels[0] else text
    if groups.grouping(d) != "N":
        text, label = groups.active(model, d, inference)
    if not text:
        return Dimension(None, label, d, not_in_library(d)
                         or validation_error(7000, "", "Empty dimension"))
    if prepare is not None and "$(" in text and not text.lstrip().startswith("="):
        try:
            text = prepare(text, bare=False).strip()
        except ExpressionError as exc:
            return Dimension(None, label, d, validation_error(7000, text, exc.message))
    if text.lstrip().startswith("="):
        return calc_dimension(model, d, text, label, prepare)
    name = text[1:-1] if text[:1] == "[" and text[-1:] == "]" else text
    if name not in model.fields:
        return Dimension(None, label, d, validation_error(7000, text, f"Field not found: {name}"))
    return Dimension(name, label, d)


def measure(m: Mapping[str, Any], prepare: Callable[[str], str] | None = None) -> Measure:
    """A measure's definition, its text prepared (dollar-sign expansions and variables,
    ``calc/expressions.py``) and parsed."""
    qdef = m.get("qDef") or {}
    text = qdef.get("qDef") or ""
    label = qdef.get("qLabel") or text
    if not text and not_in_library(m):
        return Measure(text, label, m, None, not_in_library(m))
    try:
        node = parse(text if prepare is None else prepare(text))
    except ExpressionError as exc:
        return Measure(text, label, m, None, validation_error(7000, text, exc.message))
    return Measure(text, label, m, node)


def calc_dimension(model: DataModel, d: Mapping[str, Any], text: str, label: str,
                   prepare: Callable[[str], str] | None = None) -> Dimension:
    """A calculated dimension ``=expr``: parsed and checked, its values computed per
    record when the cube groups (``calc_codes``)."""
    try:
        node = parse(text if prepare is None else prepare(text))
    except ExpressionError as exc:
        return Dimension(None, label, d, validation_error(7000, text, exc.message))
    for name in sorted(ast.field_names(node)):
        if name not in model.fields:
            return Dimension(None, label, d, validation_error(7000, text, f"Field not found: {name}"))
    return Dimension(None, label, d, calc=node)
