"""Sort orders for list objects and hypercube columns (SortCriteria).

Each flag is 0 (off) or a sign. What the sign means, and the evidence:

* ``qSortByState``: 1 puts selected (and locked) values first, then optional, alternative,
  excluded. Engine API 2.1 SortCriteria: "1 for sorting ascending", states listed as
  "selected, optional, alternative or excluded"; Qlik's list boxes send ``qSortByState: 1``
  to bring the selection to the top (our listbox transcript).
* ``qSortByFrequency``: 1 puts the MOST frequent value first. Engine API 2.1 SortCriteria
  and ListObjectDef: "-1 for sorting ascending, 1 for sorting descending"; corectl's
  ``values``/``fields`` goldens (a list object with ``[{qSortByFrequency: 1}]``) print
  ``b(3x), a, c`` for data a,b,b,b,c. Ties keep load order (``a`` before ``c``). A key field
  has no frequency (see ``field_frequency``): the flag then leaves every value tied.
* ``qSortByNumeric``: 1 ascending by number. Values without a number (text) come after the
  numbers in either direction and are then ordered by the next flags; the API does not say,
  this is our choice (Qlik's default list box sort puts numbers before text).
* ``qSortByAscii``: 1 alphabetical, case-insensitive (the app's CollationLocale is en-US),
  ties by the exact text. Numbers sort by their text ("10" before "2").
* ``qSortByLoadOrder``: 1 in the order values were first loaded (the symbol index).
* ``qSortByExpression`` with ``qExpression: {qv}``: 1 ascending by the expression's number,
  evaluated per value of the field over the possible records; values where it is NULL or
  text come last in either direction.
* ``qSortByGreyness`` (undocumented): 1 puts the white values (selected, optional) before the
  grey ones (alternative, excluded).

Priority inside one SortCriteria: state, greyness, expression, frequency, numeric, text,
load order (the order Qlik's sort dialogs list them); load order breaks remaining ties.
No flag at all (``qSortCriterias`` missing or ``[]``) is load order: the real engine answered
``1, 2, 3, 4, 5`` for ``ID`` (enigma-go recording), not the text order ``1, 10, 100, ...``.

``qSortIndicator`` is the sign of the first non-zero flag among expression, frequency,
numeric, text, load order ("A" for 1, "D" for -1, "N" for none): the corectl layout golden
shows "A" for ``qSortBy: {qSortByFrequency: 1}`` and "N" for a dimension without criteria.

NULL dimension values (no symbol) come last in a hypercube whatever the flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from associa.calc.aggregate import GroupScope
from associa.calc.records import associate
from associa.errors import ExpressionError
from associa.expr import Evaluator, Vec, ast, parse
from associa.kernels import order as korder
from associa.model import DataModel
from associa.model import orders as model_orders
from associa.select import Inference
from associa.select.propagate import (
    ALTERNATIVE,
    DESELECTED,
    EXCLUDED,
    LOCK_EXCL,
    LOCKED,
    OPTION,
    SEL_EXCL,
    SELECTED,
)
from associa.values import DEFAULT_LOCALE, Locale

# how "selected" a state is, for sorting by state (lower first when ascending); int8 so
# that a stable sort by it is a radix sort
_STATE_RANK = np.zeros(8, dtype=np.int8)
for _code, _rank in (
    (LOCKED, 0),
    (SELECTED, 0),
    (OPTION, 1),
    (ALTERNATIVE, 2),
    (DESELECTED, 3),
    (SEL_EXCL, 3),
    (LOCK_EXCL, 3),
    (EXCLUDED, 4),
):
    _STATE_RANK[_code] = _rank

# grey (1) or white (0), for qSortByGreyness
_GREY = np.zeros(8, dtype=np.int8)
_GREY[[ALTERNATIVE, EXCLUDED, SEL_EXCL, LOCK_EXCL]] = 1

_INDICATOR_FLAGS = (
    "qSortByExpression",
    "qSortByFrequency",
    "qSortByNumeric",
    "qSortByAscii",
    "qSortByLoadOrder",
)


def _flag(criteria: Mapping[str, Any], name: str) -> int:
    value = criteria.get(name, 0)
    if isinstance(value, bool):
        return int(value)
    try:
        value = int(value)
    except (TypeError, ValueError, OverflowError):
        return 0
    return (value > 0) - (value < 0)


def first_criteria(definition: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The SortCriteria of a dimension or list definition (the first of qSortCriterias)."""
    qdef = definition.get("qDef")
    crits = qdef.get("qSortCriterias") if isinstance(qdef, Mapping) else None
    if isinstance(crits, list) and crits and isinstance(crits[0], Mapping):
        return crits[0]
    return None


_REVERSIBLE = ("qSortByState", "qSortByFrequency", "qSortByNumeric", "qSortByAscii",
               "qSortByLoadOrder", "qSortByExpression", "qSortByGreyness")


def reversed_criteria(criteria: Mapping[str, Any] | None) -> dict[str, Any]:
    """The criteria with every flag's sign inverted; no criteria at all (load order)
    become descending load order. ``qReverseSort`` on a dimension or measure (Engine
    API NxInlineDimensionDef / NxInlineMeasureDef: "If set to true, it inverts the sort
    criteria in the field", https://help.qlik.com/en-US/sense-developer/May2023/Subsystems/EngineJSONAPI/Content/models-nxinlinedimensiondef.htm);
    sn-table flips it to turn a column's order and reads ``qSortIndicator`` back, so the
    indicator follows the inverted flags."""
    out = dict(criteria) if isinstance(criteria, Mapping) else {}
    if not any(_flag(out, k) for k in _REVERSIBLE):
        out["qSortByLoadOrder"] = 1
    for k in _REVERSIBLE:
        if _flag(out, k):
            out[k] = -_flag(out, k)
    return out


def dimension_criteria(definition: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A hypercube dimension's effective SortCriteria: the first of ``qSortCriterias``,
    inverted when ``qDef.qReverseSort`` is set."""
    criteria = first_criteria(definition)
    qdef = definition.get("qDef")
    if isinstance(qdef, Mapping) and qdef.get("qReverseSort") is True:
        return reversed_criteria(criteria)
    return criteria


def measure_criteria(definition: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A measure's effective ``qSortBy``, inverted when ``qDef.qReverseSort`` is set (a
    measure without sort flags keeps no order of its own either way)."""
    sort_by = definition.get("qSortBy")
    sort_by = sort_by if isinstance(sort_by, Mapping) else None
    qdef = definition.get("qDef")
    if isinstance(qdef, Mapping) and qdef.get("qReverseSort") is True and sort_by:
        if any(_flag(sort_by, k) for k in _REVERSIBLE):
            return reversed_criteria(sort_by)
    return sort_by


def sort_indicator(criteria: Mapping[str, Any] | None) -> str:
    if not isinstance(criteria, Mapping):
        return "N"
    for name in _INDICATOR_FLAGS:
        flag = _flag(criteria, name)
        if flag:
            return "A" if flag > 0 else "D"
    return "N"


def sort_by_text(criteria: Mapping[str, Any] | None) -> bool:
    return isinstance(criteria, Mapping) and _flag(criteria, "qSortByAscii") != 0


def needs_frequency(criteria: Mapping[str, Any] | None) -> bool:
    return isinstance(criteria, Mapping) and _flag(criteria, "qSortByFrequency") != 0


# -- inputs of the sort keys ----------------------------------------------------------


def text_ranks(texts: list[str]) -> np.ndarray:
    """Rank of each text in case-insensitive alphabetical order (ties by exact text)."""
    keys = [(t.casefold(), t) for t in texts]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[order] = np.arange(len(keys))
    return ranks


def field_frequency(model: DataModel, inference: Inference, name: str) -> np.ndarray | None:
    """Records carrying each value of the field among the possible rows of its table (the
    list box frequency; also what qSortByFrequency sorts by in hypercube columns).

    None for a key field: Qlik cannot tell which table to count in ("Frequency information
    in associating fields": no frequency is shown for such a field). corectl's goldens agree:
    for the key field ``numbers`` the engine's list object sent no frequency text, which
    corectl prints as a plain ``1`` (it prints ``1(-x)`` for "-"). The recorded data cannot
    tell that apart from a frequency of "1" (each value is once in each table); the engine
    omits empty strings from its answers, so no ``qFrequency`` at all is what we send.
    """
    fld = model.fields[name]
    if fld.is_key or not fld.tables:
        return None
    tname = fld.tables[0]
    nsym = fld.null_code

    def count() -> np.ndarray:
        rows = inference.rows(tname)
        stats = inference.plan.stats[(tname, name)]
        if stats.identity:  # one row per symbol
            return rows.mask().astype(np.int64)
        if rows.is_all and stats.counts is not None:
            return stats.counts[:nsym].astype(np.int64)
        col = model.tables[tname].columns.stored(name)
        assert isinstance(col, np.ndarray)
        vals = col if rows.is_all else col.take(rows.indices())
        return np.bincount(vals, minlength=nsym + 1)[:nsym]  # the NULL code counts last

    return inference.derived(("frequency", name), count)


def _expression_text(criteria: Mapping[str, Any]) -> str | None:
    expr = criteria.get("qExpression")
    if isinstance(expr, Mapping):
        expr = expr.get("qv")
    return expr if isinstance(expr, str) and expr.strip() else None


def sort_expression(criteria: Mapping[str, Any] | None) -> ast.Node | None:
    """The parsed qExpression when qSortByExpression is on; None when off or unusable (a
    sort expression that does not parse is ignored: the other flags still sort)."""
    if not isinstance(criteria, Mapping) or not _flag(criteria, "qSortByExpression"):
        return None
    text = _expression_text(criteria)
    if text is None:
        return None
    try:
        return parse(text)
    except ExpressionError:
        return None


def expression_by_symbol(
    model: DataModel, inference: Inference, name: str, node: ast.Node, locale: Locale
) -> np.ndarray | None:
    """The sort expression's number for each value of the field, evaluated like a chart
    with the field as its only dimension (NaN where NULL or text); None on an error."""
    fields = ast.field_names(node)
    if any(f not in model.fields for f in fields):
        return None
    nsym = len(model.fields[name].symbols)
    records = associate(model, inference, fields | {name}, {name})
    group = records.column(model, name).astype(np.int64)  # NULL (nsym): one extra group
    symbols = np.arange(nsym + 1, dtype=np.int64)
    scope = GroupScope(model, records, group, nsym + 1, locale, [(name, symbols)])
    try:
        value = Evaluator(locale).eval(node, scope)
    except ExpressionError:
        return None
    return expression_numbers(value)[:nsym]


def expression_numbers(value: Vec) -> np.ndarray:
    """Numbers of a computed vector, NaN where NULL."""
    return np.where(value.null, np.nan, value.num.astype(np.float64))


def _ascending_numbers(flag: int, nums: np.ndarray) -> list[np.ndarray]:
    """Keys that order numbers by ``flag`` with NaN last in both directions."""
    missing = np.isnan(nums)
    return [missing.astype(np.int64), np.where(missing, 0.0, flag * nums)]


# -- orders ---------------------------------------------------------------------------


def _static_flags(criteria: Mapping[str, Any]) -> tuple[int, int, int]:
    return (_flag(criteria, "qSortByNumeric"), _flag(criteria, "qSortByAscii"),
            _flag(criteria, "qSortByLoadOrder"))


def _dynamic_keys(
    criteria: Mapping[str, Any],
    states: np.ndarray | None,
    frequency: np.ndarray | None,
    expression: np.ndarray | None,
) -> list[np.ndarray]:
    """The sort keys that change with the selections, most significant first."""
    keys: list[np.ndarray] = []
    flag = _flag(criteria, "qSortByState")
    if flag and states is not None:
        keys.append(flag * _STATE_RANK[states])
    flag = _flag(criteria, "qSortByGreyness")
    if flag and states is not None:
        keys.append(flag * _GREY[states])
    flag = _flag(criteria, "qSortByExpression")
    if flag and expression is not None:
        keys += _ascending_numbers(flag, expression)
    flag = _flag(criteria, "qSortByFrequency")
    if flag and frequency is not None:
        keys.append(-flag * frequency.astype(np.int64))  # 1: most frequent first
    return keys


def ordered(base: np.ndarray, keys: list[np.ndarray]) -> np.ndarray:
    """``base`` (a permutation of the symbols) reordered by ``keys`` over the symbols (most
    significant first), ties kept in ``base`` order."""
    if not keys:
        return base
    if len(keys) == 1:
        return korder.by_rank(base, keys[0])
    return base[np.lexsort([k[base] for k in keys[::-1]])]


def symbol_order(
    model: DataModel,
    inference: Inference,
    name: str,
    criteria: Mapping[str, Any] | None,
    locale: Locale = DEFAULT_LOCALE,
    frequency: np.ndarray | None = None,
) -> np.ndarray:
    """The field's symbol indices in display order. ``frequency`` may be passed when the
    caller has it; otherwise it is computed when the criteria sort by it.

    The order by number, text and load order is the model's (``model.orders``, made once
    per model); a click's own keys (state, greyness, expression, frequency) reorder it.
    Without an expression the result is kept with the inference, so every list object
    and chart on the field with the same criteria, in any session, shares it."""
    if not isinstance(criteria, Mapping) or not any(_flag(criteria, k) for k in criteria):
        return model_orders.order(model, name)
    node = sort_expression(criteria)

    def compute() -> np.ndarray:
        states = inference.states(name)
        freq = frequency
        if freq is None and needs_frequency(criteria):
            freq = field_frequency(model, inference, name)
        expression = (
            expression_by_symbol(model, inference, name, node, locale) if node is not None
            else None
        )
        base = model_orders.order(model, name, *_static_flags(criteria))
        out = ordered(base, _dynamic_keys(criteria, states, freq, expression))
        if out is not base:
            out.flags.writeable = False
        return out

    if node is not None:
        return compute()
    signature = tuple(sorted((k, _flag(criteria, k)) for k in criteria if k.startswith("qSortBy")))
    return inference.derived(("order", name, signature), compute)


def symbol_rank(
    model: DataModel,
    inference: Inference,
    name: str,
    criteria: Mapping[str, Any] | None,
    locale: Locale = DEFAULT_LOCALE,
) -> np.ndarray:
    """Rank of each symbol in display order, with one extra slot (last) for NULL."""
    order = symbol_order(model, inference, name, criteria, locale)
    rank = np.empty(len(order) + 1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    rank[-1] = len(order)
    return rank


def value_rank(
    num: np.ndarray,
    texts: np.ndarray | None,
    sort_by: Mapping[str, Any] | None,
    expression: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Sort keys (most significant first) of a measure's values by its qSortBy: expression,
    then number, then text. NULL comes last. State, frequency and load order mean nothing
    for a measure and are ignored (corectl sends qSortByFrequency on its measures)."""
    sort_by = sort_by if isinstance(sort_by, Mapping) else {}
    keys: list[np.ndarray] = []
    flag = _flag(sort_by, "qSortByExpression")
    if flag and expression is not None:
        keys += _ascending_numbers(flag, expression)
    flag = _flag(sort_by, "qSortByNumeric")
    if flag:
        keys += _ascending_numbers(flag, num.astype(np.float64))
    flag = _flag(sort_by, "qSortByAscii")
    if flag and texts is not None:
        missing = np.array([t is None for t in texts], dtype=bool)
        keys.append(missing.astype(np.int64))
        keys.append(flag * text_ranks(["" if t is None else t for t in texts]))
    return keys
