"""Set analysis: the records an aggregation with a set expression reads.

A set expression (``expr/sets.py`` parses it) names a selection state and changes it:

* the identifier gives the starting selections: ``$`` the chart's own state (also when
  only modifiers are written), ``1`` no selection at all (every record), ``$1`` / ``$_1``
  a step back / forward in the history, an alternate state's name, or a bookmark's id or
  name (``SetSources`` answers these for the session);
* each modifier ``F = elements`` replaces the selection of the field ``F`` by the values
  the element set names, ``F =`` clears it, and ``F += / -= / *= / /=`` combine the
  elements with the field's selection (an unselected field counts as all its values);
* an element set holds literal values (``'North'``, ``2020``: matched exactly, numbers
  numerically), searches (``"No*"``, ``">=10<20"``, ``"=Sum(Sales)>100"``: the search
  rules of Field.Select, ``select/search.py``; an expression search is computed per
  value over the identifier's selections), other fields' values (``F = G``: the values of
  F equal to G's possible ones), ``P(...)`` and ``E(...)`` (the possible and the excluded
  values of a field in a set), combined with ``+ - * /`` (union, difference,
  intersection, symmetric difference).

A set term gives a ``SelectionState``; its inference is the core's shared, cached one
(``select.inference``), so a set used by several charts or sessions is inferred once.
Set operators between sets (``{$ + BM01}``, ``{1 - $}``, ``{-$}``, ``{$ * BM01}``,
``{$ / BM01}``, nested, also inside ``P()``/``E()``) combine the operands' records table by
table (``select.combined.CombinedInference``, which reads like an inference): ``{1-$}``
holds the fact rows and the dimension rows the current selection excludes, each table on
its own.

Help pages: "Set analysis", "Set identifiers", "Set modifiers", "Set modifiers with
implicit set operators", "Set modifiers with searches", "Set modifiers with set
functions (P and E)", "Set operators".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, cast

import numpy as np

from associa.calc.loose import _KEY as _LOOSE_KEY
from associa.calc.loose import ViewInference
from associa.errors import ExpressionError
from associa.expr import parse
from associa.expr import sets as S
from associa.model import DataModel
from associa.select import Inference, SelectionState, inference
from associa.select.combined import CombinedInference, combine
from associa.select.search import search_symbols
from associa.values import DEFAULT_LOCALE, Locale


class SetSources(Protocol):
    """Where the identifiers of a set expression come from (a session's states,
    history and bookmarks); None where it names nothing."""

    def selections(self, ident: str) -> SelectionState | None: ...


class NoSources:
    """Only ``$`` and ``1`` (a scope without a session)."""

    def selections(self, ident: str) -> SelectionState | None:
        return None


@dataclass(frozen=True, slots=True)
class SetEvaluator:
    """Evaluates set expressions over one model, from the selections of a chart's state
    (``base``)."""

    model: DataModel
    base: SelectionState
    sources: SetSources
    locale: Locale = DEFAULT_LOCALE

    def inference(self, text: str) -> Inference:
        """The inference of the records a set expression's text names: a set with
        operators between sets gives a ``CombinedInference``, which reads like one."""
        return self.records(S.parse_set(text))

    def records(self, expr: S.SetExpr) -> Inference:
        """The records of a set expression (see ``inference``)."""
        if isinstance(expr, S.SetTerm):
            return inference(self.model, self.selections(expr))
        return cast(Inference, self._combined(expr))

    def _combined(self, expr: S.SetOp) -> CombinedInference:
        """Set operators between sets: each table's rows combined (``select.combined``);
        over loosely coupled tables, each field table of the model's view too."""
        left, right = self.records(expr.left), self.records(expr.right)
        found = combine(expr.op, left, right)
        if self.model.loose_tables:
            # the chart's records read the set over the model's view (``calc.loose``):
            # there the operands' view rows are combined, table by table
            found.derived(_LOOSE_KEY, lambda: CombinedInference(
                expr.op, ViewInference.of(left), ViewInference.of(right)))
        return found

    def selections(self, expr: S.SetExpr) -> SelectionState:
        """The selections of a set term (a set with operators between sets has none:
        ``records`` gives its records)."""
        if isinstance(expr, S.SetOp):
            raise ExpressionError(
                f"Set operators between sets ('{expr.op}') give records, not selections")
        state = self._identified(expr.ident)
        for modifier in expr.modifiers:
            state = self._modified(state, modifier)
        return state

    def _identified(self, ident: str | None) -> SelectionState:
        if ident is None or ident == "$":
            return self.base
        if ident == "1":
            return SelectionState()
        found = self.sources.selections(ident)
        if found is None:
            raise ExpressionError(f"Unknown set identifier: {ident}")
        return found

    # -- modifiers ------------------------------------------------------------------

    def _field(self, name: str) -> int:
        field = self.model.fields.get(name)
        if field is None:
            raise ExpressionError(f"Field not found: {name}")
        return len(field.symbols)

    def _modified(self, state: SelectionState, mod: S.FieldModifier) -> SelectionState:
        nsym = self._field(mod.field)
        if mod.value is None:
            return state.without({mod.field})
        values = self._elements(mod.value, mod.field, state)
        if mod.op != "=":
            current = state.selected.get(mod.field)
            if current is None and mod.op == "+=":
                return state  # everything, and more: still no selection in the field
            current = np.ones(nsym, dtype=bool) if current is None else current
            values = _combine(mod.op[0], current, values)
        return _with_selection(state, mod.field, values)

    def _elements(self, node: S.ElementExpr, name: str, state: SelectionState) -> np.ndarray:
        """A mask over the field's values."""
        nsym = self._field(name)
        if isinstance(node, S.ElementOp):
            return _combine(node.op, self._elements(node.left, name, state),
                            self._elements(node.right, name, state))
        if isinstance(node, S.ElementSet):
            mask = np.zeros(nsym, dtype=bool)
            for item in node.items:
                mask[self._element(item, name, state)] = True
            return mask
        if isinstance(node, S.FieldValues):
            if node.state is not None:  # F = State::G: G's values in that state
                other = self.sources.selections(node.state)
                if other is None:
                    raise ExpressionError(f"State not found: {node.state}")
                inf = inference(self.model, other)
                return self._same_values(node.field, _possible(inf, node.field, self), name)
            inf = inference(self.model, state)
            return self._same_values(node.field, _possible(inf, node.field, self), name)
        if isinstance(node, S.Possible | S.Excluded):
            source = node.field or name
            inf = (inference(self.model, state) if node.set is None
                   else self.records(node.set))
            mask = _possible(inf, source, self)
            if isinstance(node, S.Excluded):
                mask = ~mask
            return self._same_values(source, mask, name)
        raise ExpressionError(f"Unknown element in a set modifier: {node!r}")

    def _element(self, item: S.Element, name: str, state: SelectionState) -> list[int]:
        symbols = self.model.fields[name].symbols
        if item.kind == "literal":
            return _literal_symbols(symbols, item.text)
        text = item.text
        if text.strip().startswith("="):
            return self._expression_search(name, text.strip()[1:], state)
        return search_symbols(self.model, name, text)

    def _expression_search(self, name: str, text: str, state: SelectionState) -> list[int]:
        from associa.calc.sorting import expression_by_symbol

        node = parse(text)
        values = expression_by_symbol(self.model, inference(self.model, state), name, node,
                                      self.locale)
        if values is None:
            return []
        with np.errstate(invalid="ignore"):
            return np.flatnonzero(~np.isnan(values) & (values != 0)).tolist()

    def _same_values(self, source: str, mask: np.ndarray, target: str) -> np.ndarray:
        """The values of ``target`` equal (by number, else by text) to the values of
        ``source`` in ``mask``."""
        if source == target:
            return mask
        self._field(source)
        src = self.model.fields[source].symbols
        dst = self.model.fields[target].symbols
        idx = np.flatnonzero(mask)
        src_nums = src.nums_at(idx)
        src_texts = src.texts_at(idx)
        dst_all = np.arange(len(dst))
        dst_nums = dst.nums_at(dst_all)
        dst_texts = dst.texts_at(dst_all)
        out = np.zeros(len(dst), dtype=bool)
        numbers = set(src_nums[~np.isnan(src_nums)].tolist())
        texts = {t for t, x in zip(src_texts.tolist(), src_nums.tolist(), strict=True)
                 if t is not None and x != x}
        if numbers:
            out |= np.isin(dst_nums, list(numbers))
        if texts:
            out |= np.array([t in texts for t in dst_texts.tolist()], dtype=bool) & np.isnan(
                dst_nums)
        return out


def _possible(inf: Inference, name: str, ev: SetEvaluator) -> np.ndarray:
    """A mask over the field's values: possible (selected or optional) in ``inf``."""
    ev._field(name)
    return np.asarray(inf.possible(name), dtype=bool)


def _literal_symbols(symbols: object, text: str) -> list[int]:
    """The values a literal names: equal numbers when the literal reads as a number,
    else equal texts (case-sensitive)."""
    from associa.values import parse_number

    sym = symbols  # SymbolTable
    n = len(sym)  # type: ignore[arg-type]
    idx = np.arange(n)
    num = parse_number(text)
    hits: list[int] = []
    if num is not None:
        nums = sym.nums_at(idx)  # type: ignore[attr-defined]
        hits += np.flatnonzero(nums == num).tolist()
    texts = sym.texts_at(idx)  # type: ignore[attr-defined]
    hits += [i for i, t in enumerate(texts.tolist()) if t == text]
    return sorted(set(hits))


def _combine(op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if op == "+":
        return a | b
    if op == "-":
        return a & ~b
    if op == "*":
        return a & b
    if op == "/":
        return a ^ b
    raise ExpressionError(f"Unknown set operator: {op}")


def _with_selection(state: SelectionState, name: str, mask: np.ndarray) -> SelectionState:
    """The state with ``mask`` as the field's selection, also when it selects nothing
    (an empty element set: no record)."""
    if mask.any():
        return state.with_field(name, mask)
    selected = dict(state.selected)
    selected[name] = mask
    order = tuple(f for f in state.order if f != name) + (name,)
    return SelectionState(selected, order, state.locked & frozenset(selected),
                          and_fields=state.and_fields, excluded=state.excluded)

