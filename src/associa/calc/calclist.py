"""Calculated dimensions in list objects (``qFieldDefs: ["=Year(OrderDate)"]``), and
selecting in calculated dimensions (list objects and hypercube dimensions).

The values. A list on ``=expr`` shows the distinct values of the expression. How they are
computed depends on the expression:

* it reads one field and calls no aggregation: evaluated once per symbol of the field
  (``Year(OrderDate)`` over OrderDate's symbols, not over its records), then every symbol
  maps to its value's code. Every value is listed, as a field's list shows every value;
* it reads several fields (no aggregation): evaluated per record over every record of
  the fields' tables (their association with no selection), each record marked
  possible (all its table rows possible) or alternative (possible when the read fields'
  own selections are ignored);
* it aggregates (``Aggr(Sum(Sales), Customer)``, ``Sum(Sales)``): evaluated per record
  over the possible records, as a chart's calculated dimension (``cube.calc_codes``):
  only the values the possible records give are listed.

The states (our rule; see ``docs`` of the report): a value is possible when some possible
unit (symbol or record) has it; then it is *selected* ("S", "L" when a read field is
locked) when one of the fields the expression reads holds a selection, else optional
("O"). A value that only units possible without the read fields' own selections have is
alternative ("A"); the others are excluded ("X"). So after selecting 'big' in
``=If(Amount>50,'big','small')`` Amount holds 100 and 150, 'big' shows "S" and 'small'
"A", as a field's own list would show its selection. Lock and Unlock on the list lock the
fields it reads (``qix/api/generic_object.py``): then its selected values show "L" and
selecting in it is refused, as in a locked field's list.

The list's ``qExpressions`` (``expression_by_value``): each expression evaluated as a
chart with the list's expression as its only dimension would: over the possible records,
grouped by the value each record gives the list's expression, one number per listed value
(a value no possible record has gets the expression over no records: 0 for Sum and Count,
as a plain list's excluded values do).

Selecting. Qlik Sense's help ("CalcDim - chart function") describes two behaviours: by
default a dimension expression is realised as a dynamic field (a field of its own in the
selection bar, selected and inferred like a loaded field); wrapped in ``CalcDim()`` it
behaves as calculated dimensions always did in QlikView: the chosen calculated values are
mapped onto the underlying values of the source fields, and the selections are made in
those fields. We do the second (no dynamic fields): choosing values selects, in each field
the expression reads, the values held by the units having a chosen value among those
possible when the read fields' own selections are ignored (so, as in a field, choosing an
alternative value replaces the selection). With one field, that is exactly the field's
values mapping to the chosen results. Toggle mode flips the chosen values in the set of
values now selected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from associa.calc.calcdims import CalcValues, calc_codes, coded_values
from associa.calc.cells import validation_error
from associa.calc.records import associate
from associa.errors import ExpressionError
from associa.expr import Evaluator, Vec, ast, parse
from associa.expr.registry import AGGREGATIONS
from associa.kernels.codes import Codes
from associa.model import DataModel
from associa.select import Inference, SelectionState
from associa.select.actions import select_symbols
from associa.select.propagate import (
    ALTERNATIVE,
    EXCLUDED,
    LOCKED,
    OPTION,
    SELECTED,
)
from associa.select.search import matches_text
from associa.values import Locale

# the value states each "select by state" action takes in a calculated list (as
# ``app.selections.STATE_GROUPS`` for a field)
STATE_GROUPS: dict[str, tuple[int, ...]] = {
    "possible": (OPTION, SELECTED, LOCKED),
    "alternative": (ALTERNATIVE,),
    "excluded": (EXCLUDED, ALTERNATIVE),
    "all": tuple(range(8)),
}


def read_fields(text: str) -> list[str]:
    """The fields a calculated dimension's expression reads (none when it does not
    parse)."""
    body = text.lstrip()
    try:
        node = parse(body[1:] if body.startswith("=") else body)
    except ExpressionError:
        return []
    return sorted(ast.field_names(node))


def is_calculated(text: Any) -> bool:
    """Whether a field definition is an expression (``=...``)."""
    return isinstance(text, str) and text.lstrip().startswith("=")


def _aggregates(node: ast.Node) -> bool:
    return any(isinstance(n, ast.Call) and (n.name in AGGREGATIONS or n.name == "AGGR")
               for n in node.walk())


@dataclass(slots=True)
class CalcList:
    """A calculated dimension's values with their states over one inference.

    Units are what the expression was evaluated on (the symbols of its one field, or
    records): ``unit_codes`` is each unit's value code (``len(values)``: NULL),
    ``unit_symbols`` each read field's symbol per unit, ``unit_possible`` and
    ``unit_alt`` whether the unit is possible, and possible when the read fields' own
    selections are ignored."""

    text: str
    fields: tuple[str, ...]
    values: CalcValues
    states: np.ndarray  # int8 state code per value code
    frequency: np.ndarray  # possible records per value code
    first: np.ndarray  # the first unit having each value (load order)
    unit_codes: np.ndarray
    unit_symbols: dict[str, np.ndarray]
    unit_possible: np.ndarray
    unit_alt: np.ndarray
    error: dict | None = None
    node: ast.Node | None = None  # the expression parsed
    per_symbol: bool = False  # units are the symbols of its one field (``_per_symbol``)

    def __len__(self) -> int:
        return len(self.values)

    def texts_nums(self, codes: np.ndarray) -> tuple[list[str], list[float]]:
        return ([str(t) for t in self.values.texts[codes]],
                self.values.values.num[codes].tolist())

    def search(self, text: str) -> list[int]:
        """The value codes whose text a search string matches (help "Searching in
        list objects": the list's own texts; one test per distinct value)."""
        return [i for i, t in enumerate(self.values.texts.tolist()) if matches_text(str(t), text)]

    def codes_of(self, values: Vec, texts: Iterable[str]) -> np.ndarray:
        """The codes of some values of another evaluation of the expression (a chart's):
        numbers matched by number, texts by text."""
        wanted_nums = {float(x) for x, num in zip(values.num.tolist(), values.is_numeric().tolist(),
                                                 strict=True) if num}
        wanted_texts = {t for t, num in zip(texts, values.is_numeric().tolist(), strict=True)
                        if not num}
        mine = self.values.values
        numeric = mine.is_numeric()
        hit = numeric & np.isin(mine.num, np.fromiter(wanted_nums, dtype=np.float64))
        if wanted_texts:
            hit |= ~numeric & ~mine.null & np.isin(self.values.texts.astype(object),
                                                   np.array(list(wanted_texts), dtype=object))
        return np.flatnonzero(hit)

    def code_map(self, other: CalcValues) -> np.ndarray:
        """For each code of ``other`` (values of another evaluation of the expression, its
        NULL code last), the code of the same value here: numbers matched by number,
        texts by text; ``len(self)`` where this list has no such value, and for NULL."""
        k = len(self)
        mine = self.values.values
        numeric = mine.is_numeric().tolist()
        by_num = {float(x): i for i, (x, is_num) in
                  enumerate(zip(mine.num.tolist(), numeric, strict=True)) if is_num}
        by_text = {str(t): i for i, (t, is_num, null) in
                   enumerate(zip(self.values.texts.tolist(), numeric, mine.null.tolist(),
                                 strict=True)) if not is_num and not null}
        theirs = other.values
        out = np.full(len(other) + 1, k, dtype=np.int64)
        for j, (x, is_num, null, t) in enumerate(zip(
                theirs.num.tolist(), theirs.is_numeric().tolist(), theirs.null.tolist(),
                other.texts.tolist(), strict=True)):
            if is_num:
                out[j] = by_num.get(float(x), k)
            elif not null:
                out[j] = by_text.get(str(t), k)
        return out

    def underlying(self, codes: Iterable[int]) -> dict[str, np.ndarray]:
        """The symbols of each read field held by the units having one of ``codes``
        (among the units possible when the read fields' selections are ignored)."""
        k = len(self)
        chosen = np.zeros(k + 1, dtype=bool)
        idx = np.asarray([c for c in codes if 0 <= c < k], dtype=np.intp)
        chosen[idx] = True
        units = chosen[self.unit_codes] & self.unit_alt
        out: dict[str, np.ndarray] = {}
        for name, syms in self.unit_symbols.items():
            got = np.unique(syms[units])
            out[name] = got
        return out

    def select(self, model: DataModel, current: SelectionState, codes: Iterable[int],
               toggle: bool = False, soft_lock: bool = False) -> SelectionState | None:
        """The selections after choosing value ``codes`` (see the module docstring);
        None when a read field is locked (unless ``soft_lock``)."""
        if not soft_lock and any(f in current.locked for f in self.fields):
            return None
        k = len(self)
        chosen = np.zeros(k, dtype=bool)
        idx = np.asarray([c for c in codes if 0 <= c < k], dtype=np.intp)
        chosen[idx] = True
        if toggle:
            chosen ^= np.isin(self.states, (SELECTED, LOCKED))
        picks = self.underlying(np.flatnonzero(chosen).tolist())
        state = current
        for name in self.fields:
            state = state.with_field(name, None)
        for name in self.fields:
            syms = picks[name]
            syms = syms[(syms >= 0) & (syms < model.fields[name].null_code)]
            if not len(syms):
                continue
            nxt = select_symbols(model, state, name, syms.tolist(), False, soft_lock)
            if nxt is None:
                return None
            state = nxt
        return state


def _failed(text: str, message: str) -> CalcList:
    empty = np.zeros(0, dtype=np.int64)
    return CalcList(text, (), CalcValues(Vec.nulls(0), np.empty(0, dtype=object)),
                    np.zeros(0, dtype=np.int8), empty, empty, empty, {},
                    np.zeros(0, dtype=bool), np.zeros(0, dtype=bool),
                    validation_error(7000, text, message))


def calc_list(model: DataModel, inference: Inference, text: str, locale: Locale) -> CalcList:
    """The calculated list of ``text`` (``=expr``) over ``inference``, kept with it."""
    return inference.derived(("calc-list", text, id(locale)),
                             lambda: _calc_list(model, inference, text, locale))


def _calc_list(model: DataModel, inference: Inference, text: str, locale: Locale) -> CalcList:
    body = text.lstrip()
    body = body[1:] if body.startswith("=") else body
    try:
        node = parse(body)
    except ExpressionError as exc:
        return _failed(text, exc.message)
    names = sorted(ast.field_names(node))
    for name in names:
        if name not in model.fields:
            return _failed(text, f"Field not found: {name}")
    evaluator = Evaluator(locale)
    try:
        if len(names) == 1 and not _aggregates(node):
            return _per_symbol(model, inference, text, node, names[0], evaluator, locale)
        return _per_record(model, inference, text, node, names, evaluator, locale)
    except ExpressionError as exc:
        return _failed(text, exc.message)


class _SymbolScope:
    """A row context whose rows are the symbols of one field."""

    def __init__(self, model: DataModel, name: str, locale: Locale) -> None:
        self.model = model
        self.name = name
        self.n = model.fields[name].null_code  # the symbols, NULL left out
        self.locale = locale

    def field(self, name: str) -> Vec:
        from associa.calc.aggregate import field_vec

        fld = self.model.fields[name]
        return field_vec(self.model, name, Codes.of(np.arange(self.n, dtype=fld.code_dtype)))

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        raise ExpressionError(f"Aggregation {call.name}() is not allowed here")


def _per_symbol(model: DataModel, inference: Inference, text: str, node: ast.Node, name: str,
                evaluator: Evaluator, locale: Locale) -> CalcList:
    from associa.calc.sorting import field_frequency

    scope = _SymbolScope(model, name, locale)
    v = evaluator.eval(node, scope)
    if v.n != scope.n:  # a constant: one value for every symbol
        v = v.take(np.zeros(scope.n, dtype=np.int64))
    codes, values = coded_values(v, locale)
    states = inference.states(name)
    possible = np.isin(states, (SELECTED, LOCKED, OPTION))
    alt = inference.alternative(name)[: scope.n]
    weights = field_frequency(model, inference, name)
    calc = _finish(model, inference, text, (name,), values, codes,
                   {name: np.arange(scope.n, dtype=np.int64)}, possible, alt, weights)
    calc.node, calc.per_symbol = node, True
    return calc


def _per_record(model: DataModel, inference: Inference, text: str, node: ast.Node,
                names: list[str], evaluator: Evaluator, locale: Locale) -> CalcList:
    from associa.calc.records import Records

    fields = set(names)
    exact = not _aggregates(node) and not model.loose_tables
    base = inference.shared.inference(inference.state.without(inference.state.fields)) \
        if exact else inference
    records = associate(model, base, fields, fields) if fields else Records.single()
    codes, values = calc_codes(model, records, node, evaluator, locale)
    if records.n and len(codes) != records.n:
        codes = np.broadcast_to(codes, (records.n,)).copy()
    symbols = {name: records.column(model, name).astype(np.int64) for name in names}
    if exact:
        possible = _records_possible(records, inference, names)
        selected = any(inference.state.has_selection(f) or f in inference.state.excluded
                       for f in names)
        alt = (_records_possible(records, inference.shared.inference(
            inference.state.without(fields)), names) if selected else possible)
    else:
        possible = alt = np.ones(records.n, dtype=bool)
    calc = _finish(model, inference, text, tuple(names), values, codes, symbols, possible,
                   alt, None)
    calc.node = node
    return calc


def _records_possible(records: Any, inference: Inference, names: list[str]) -> np.ndarray:
    """Whether each record is possible: every table row it holds is possible."""
    ok = np.ones(records.n, dtype=bool)
    for table in records.tables_of(names):
        rows = records.table_rows(table)
        mask = inference.rows(table).mask()
        held = rows >= 0
        ok[held] &= mask[rows[held]]
    return ok


def _finish(model: DataModel, inference: Inference, text: str, fields: tuple[str, ...],
            values: CalcValues, codes: np.ndarray, symbols: dict[str, np.ndarray],
            possible: np.ndarray, alt: np.ndarray, weights: np.ndarray | None) -> CalcList:
    k = len(values)
    codes = codes.astype(np.int64, copy=False)
    valid = codes < k
    poss = np.bincount(codes[valid & possible], minlength=k)[:k] > 0
    alts = np.bincount(codes[valid & alt], minlength=k)[:k] > 0
    state = inference.state
    selected = any(state.has_selection(f) for f in fields)
    locked = any(f in state.locked for f in fields)
    states = np.full(k, EXCLUDED, dtype=np.int8)
    states[alts & ~poss] = ALTERNATIVE if selected else EXCLUDED
    states[poss] = (LOCKED if locked else SELECTED) if selected else OPTION
    w = None if weights is None else weights[: len(codes)].astype(np.float64)
    counted = valid & possible
    frequency = np.bincount(codes[counted], weights=None if w is None else w[counted],
                            minlength=k)[:k].astype(np.int64)
    first = np.full(k, len(codes), dtype=np.int64)
    at = np.flatnonzero(valid)
    np.minimum.at(first, codes[at], at)
    return CalcList(text, fields, values, states, frequency, first, codes, symbols,
                    possible, alt)


def expression_by_value(model: DataModel, inference: Inference, calc: CalcList,
                        node: ast.Node, locale: Locale) -> np.ndarray | None:
    """An expression's number for each value of a calculated list (NaN where NULL or
    text), evaluated as a chart with the list's expression as its only dimension: over
    the possible records of the fields both read, grouped by the list's value of each
    record (the symbol's value when the list is per symbol, else the expression computed
    per record as a chart's calculated dimension, ``calc_codes``, matched to the list's
    values). None on an error (a field not found, an evaluation error)."""
    from associa.calc.aggregate import GroupScope
    from associa.calc.records import Records
    from associa.calc.sorting import expression_numbers

    if calc.node is None or calc.error:
        return None
    k = len(calc)
    fields = ast.field_names(node)
    if any(f not in model.fields for f in fields):
        return None
    dims = set(calc.fields)
    names = fields | dims
    records = associate(model, inference, names, dims) if names else Records.single()
    evaluator = Evaluator(locale)
    try:
        if calc.per_symbol:
            lut = np.append(calc.unit_codes.astype(np.int64), k)  # NULL: code k
            symbols = records.column(model, calc.fields[0]).astype(np.int64)
            group = lut[np.minimum(symbols, len(lut) - 1)]
        else:
            codes, values = calc_codes(model, records, calc.node, evaluator, locale)
            codes = codes.astype(np.int64)
            if records.n and len(codes) != records.n:  # a constant: one value for all
                codes = np.broadcast_to(codes, (records.n,)).copy()
            group = calc.code_map(values)[codes]
        scope = GroupScope(model, records, group.astype(np.intp), k + 1, locale)
        value = evaluator.eval(node, scope)
    except ExpressionError:
        return None
    if value.n != k + 1:  # a constant expression: the same for every value
        value = value.take(np.zeros(k + 1, dtype=np.int64))
    return expression_numbers(value)[:k]


def calc_order(calc: CalcList, criteria: Mapping[str, Any] | None) -> np.ndarray:
    """The value codes in display order by a list's SortCriteria: state, greyness,
    frequency (as ``sorting._dynamic_keys``), then number, text, load order (the first
    symbol or record having the value); no flag: load order."""
    from associa.calc.sorting import _ascending_numbers, _dynamic_keys, _flag, text_ranks

    k = len(calc)
    if not k:
        return np.zeros(0, dtype=np.int64)
    criteria = criteria if isinstance(criteria, Mapping) else {}
    keys = _dynamic_keys(criteria, calc.states, calc.frequency, None)
    numeric = _flag(criteria, "qSortByNumeric")
    if numeric:
        keys += _ascending_numbers(numeric, calc.values.values.num.astype(np.float64))
    ascii_ = _flag(criteria, "qSortByAscii")
    if ascii_:
        keys.append(ascii_ * text_ranks([str(t) for t in calc.values.texts.tolist()]))
    load = _flag(criteria, "qSortByLoadOrder") or 1
    keys.append(load * calc.first)
    return np.lexsort(keys[::-1]).astype(np.int64)
