"""Selections of a session's view of an app: the selection half of ``DocState``.

Everything a client can do to selections lives here, so that the QIX handlers (and any
other front end) only translate requests: select symbols, values, a search string or the
values in some states; clear and lock; one-and-only-one and AND mode; list-object
searches; modal selections (Begin/EndSelections, ResetMadeSelections, AbortModal). The
selections of every state, their history and the compare-and-set every change goes
through are ``app/states.py``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from associa.app.states import (
    DEFAULT_STATE,
    ChangeCallback,
    Compute,
    SelectionStates,
    States,
)
from associa.errors import FieldNotFound, ModalObjectError
from associa.model import DataModel
from associa.select import Inference, SelectionState
from associa.select.actions import match_field_values, search_symbols, select_symbols
from associa.select.propagate import (
    ALTERNATIVE,
    EXCLUDED,
    LOCK_EXCL,
    LOCKED,
    OPTION,
    SEL_EXCL,
    SELECTED,
)
from associa.select.search import fuzzy_order

__all__ = ["DEFAULT_STATE", "STATE_GROUPS", "ChangeCallback", "Compute", "Selections",
           "States", "and_mode_allowed"]

# the value states each "select by state" action takes (Field.SelectPossible, ...)
STATE_GROUPS: dict[str, tuple[int, ...]] = {
    "possible": (OPTION, SELECTED, LOCKED),
    "alternative": (ALTERNATIVE,),
    "excluded": (EXCLUDED, ALTERNATIVE, SEL_EXCL, LOCK_EXCL),
    "all": tuple(range(8)),
}


class Selections(SelectionStates):
    """What can be done to a ``DocState``'s selections."""

    def __init__(self) -> None:
        SelectionStates.__init__(self)
        # list-object searches: (object id, path) -> (text, matching symbols, field)
        self.searches: dict[tuple[str, str], tuple[str, set[int], str]] = {}

    # -- selecting ------------------------------------------------------------------

    def _select(self, field: str, symbols: Callable[[DataModel, Inference], Iterable[int]],
                toggle: bool, soft_lock: bool, state: str | None) -> bool:
        """Select ``symbols(model, inference)`` of the selections being changed in
        ``field`` (FieldNotFound when the model has no such field)."""

        def compute(model: DataModel, current: SelectionState,
                    inf: Inference) -> SelectionState | None:
            if field not in model.fields:
                raise FieldNotFound(field)
            wanted = symbols(model, inf)
            if field in current.single:  # one and only one: the value is replaced
                mask = current.selected[field]
                picked = [i for i in wanted if 0 <= i < len(mask)]
                fresh = [i for i in picked if not mask[i]]
                if not fresh:
                    return None
                return select_symbols(model, current, field, fresh[:1], False, soft_lock)
            return select_symbols(model, current, field, wanted, toggle, soft_lock)

        return self.update(compute, state)

    def select_symbols(self, field: str, symbols: Iterable[int], toggle: bool = False,
                       soft_lock: bool = False, state: str | None = DEFAULT_STATE) -> bool:
        """Select symbols (indices into the field's symbol table); ``toggle`` flips them
        instead. False when the field is locked (unless ``soft_lock``)."""
        wanted = list(symbols)
        return self._select(field, lambda model, inf: wanted, toggle, soft_lock, state)

    def select_values(self, field: str, values: Sequence[Mapping[str, Any]],
                      toggle: bool = False, soft_lock: bool = False,
                      state: str | None = DEFAULT_STATE) -> bool:
        """Select FieldValues (``{"qText"}`` or ``{"qIsNumeric", "qNumber"}``)."""
        return self._select(field, lambda model, inf: match_field_values(model, field, values),
                            toggle, soft_lock, state)

    def select_match(self, field: str, text: str, toggle: bool = False,
                     soft_lock: bool = False, state: str | None = DEFAULT_STATE) -> bool:
        """Select the values a search string matches (``No*``, ``>10``, words, or an
        expression search ``=Sum(Sales)>100``)."""
        return self._select(field, lambda model, inf: self.matching(model, inf, field, text),
                            toggle, soft_lock, state)

    def matching(self, model: DataModel, inf: Inference, field: str, text: str) -> list[int]:
        """The symbols a search string matches. ``=expression``: the values for which the
        expression, computed per value of the field over the possible records as a chart
        with the field as its dimension, is true (a number other than 0); a search
        expression that does not parse or evaluate matches nothing."""
        stripped = text.strip()
        if not stripped.startswith("="):
            return search_symbols(model, field, text)
        from associa.calc.sorting import expression_by_symbol
        from associa.errors import ExpressionError
        from associa.expr import parse

        try:
            node = parse(stripped[1:])
        except ExpressionError:
            return []
        values = expression_by_symbol(model, inf, field, node, self.app.locale)
        if values is None:
            return []
        with np.errstate(invalid="ignore"):
            return np.flatnonzero(~np.isnan(values) & (values != 0)).tolist()

    def select_calculated(self, text: str, codes: Callable[[Any], Iterable[int]],
                          toggle: bool = False, soft_lock: bool = False,
                          state: str | None = DEFAULT_STATE) -> bool:
        """Select in a calculated dimension ``text`` (``=expr``): ``codes(calc)`` names
        the chosen values of its ``CalcList``; the values of the fields the expression
        reads that map to them are selected in those fields (``calc/calclist.py``)."""
        from associa.calc.calclist import calc_list
        from associa.errors import ExpressionError

        def compute(model: DataModel, current: SelectionState,
                    inf: Inference) -> SelectionState | None:
            calc = calc_list(model, inf, text, self.app.locale)
            if calc.error:
                raise ExpressionError(calc.error.get("qExtendedMessage") or "Error in expression")
            return calc.select(model, current, list(codes(calc)), toggle, soft_lock)

        return self.update(compute, state)

    def select_states(self, field: str, group: str, soft_lock: bool = False,
                      state: str | None = DEFAULT_STATE) -> bool:
        """Select the values in a group of states: "possible", "alternative",
        "excluded" or "all" (``STATE_GROUPS``), as the selections being changed have
        them."""
        wanted = STATE_GROUPS[group]
        return self._select(
            field, lambda model, inf: np.flatnonzero(np.isin(inf.states(field), wanted)).tolist(),
            False, soft_lock, state)

    def select(self, field: str, *values: str | float, toggle: bool = False,
               state: str | None = DEFAULT_STATE) -> bool:
        """Select values of a field by text or number (what Field.SelectValues does)."""
        wanted = [
            {"qText": v} if isinstance(v, str) else {"qIsNumeric": True, "qNumber": v}
            for v in values
        ]
        return self.select_values(field, wanted, toggle, state=state)

    # -- clearing and locking -------------------------------------------------------

    def clear(self, field: str | None = None, state: str | None = DEFAULT_STATE) -> None:
        """Clear one field's selection, or all (unlocked) selections."""
        self.update(lambda model, current, inf: current.cleared() if field is None
                    else None if field in current.single
                    else current.with_field(field, None), state)

    def clear_field(self, field: str, state: str | None = DEFAULT_STATE) -> bool:
        """Clear a field's selection; False when the field is locked."""
        return self.update(lambda model, current, inf: None if field in current.kept
                           else current.with_field(field, None), state)

    def clear_fields(self, fields: Iterable[str], state: str | None = DEFAULT_STATE) -> None:
        """Clear the selections of several fields, except locked ones."""
        names = set(fields)
        self.update(lambda model, current, inf: current.without(names - current.kept), state)

    def clear_all(self, locked_also: bool = False, state: str | None = DEFAULT_STATE) -> None:
        self.update(lambda model, current, inf: current.cleared(locked_also), state)

    def clear_others(self, field: str, soft_lock: bool = False,
                     state: str | None = DEFAULT_STATE) -> bool:
        """Clear every field but ``field`` (locked ones too with ``soft_lock``)."""
        return self.update(lambda model, current, inf: current.without(
            {f for f in current.order if f != field and f not in current.single
             and (soft_lock or f not in current.locked)}),
            state)

    def lock_field(self, field: str, state: str | None = DEFAULT_STATE) -> bool:
        """Lock a field's selection; False when it has none."""
        return self.update(lambda model, current, inf: current.with_lock(field, True)
                           if current.has_selection(field) else None, state)

    def set_single(self, field: str, on: bool, state: str | None = DEFAULT_STATE) -> None:
        """NxFieldProperties.qOneAndOnlyOne: on only while exactly one value is selected
        (help "NxFieldProperties"); from then the field is never cleared and a new
        selection replaces its value."""
        self.update(lambda model, current, inf: current.with_single(field, on), state)

    def set_and_mode(self, field: str, on: bool, state: str | None = DEFAULT_STATE) -> bool:
        """Field.SetAndMode: AND mode only where the field allows it (QlikView help,
        "And-mode in list boxes": the field is in one table only, the table has two
        fields, this one the second, and no row twice); False where it does not."""
        def compute(model: DataModel, current: SelectionState,
                    inf: Inference) -> SelectionState | None:
            if field not in model.fields:
                raise FieldNotFound(field)
            if on and not and_mode_allowed(model, field):
                return None
            return current.with_and_mode(field, on)

        return self.update(compute, state)

    def select_not(self, field: str, symbols: Iterable[int], toggle: bool = False,
                   state: str | None = DEFAULT_STATE) -> bool:
        """NOT selections (state D) of a field in AND mode: the values of the table's
        other field associated with any of them are excluded. False when the field is
        not in AND mode or is locked."""
        wanted = list(symbols)

        def compute(model: DataModel, current: SelectionState,
                    inf: Inference) -> SelectionState | None:
            if field not in current.and_fields or field in current.locked:
                return None
            n = len(model.fields[field].symbols)
            mask = np.zeros(n, dtype=bool)
            mask[[i for i in wanted if isinstance(i, int) and 0 <= i < n]] = True
            old = current.excluded.get(field)
            if toggle and old is not None:
                mask = old ^ mask
            picked = current.selected.get(field)
            if picked is not None and mask.any():  # a value is selected or refused
                current = current.with_field(field, picked & ~mask)
            return current.with_excluded(field, mask)

        return self.update(compute, state)

    def unlock_field(self, field: str, state: str | None = DEFAULT_STATE) -> bool:
        return self.update(lambda model, current, inf: current.with_lock(field, False), state)

    def lock_all(self, state: str | None = DEFAULT_STATE) -> None:
        def compute(model: DataModel, current: SelectionState,
                    inf: Inference) -> SelectionState:
            for name in current.order:
                current = current.with_lock(name, True)
            return current

        self.update(compute, state)

    def unlock_all(self, state: str | None = DEFAULT_STATE) -> None:
        def compute(model: DataModel, current: SelectionState,
                    inf: Inference) -> SelectionState:
            for name in list(current.locked):
                current = current.with_lock(name, False)
            return current

        self.update(compute, state)

    # -- list-object searches -------------------------------------------------------

    def search(self, obj_id: str, path: str, field: str, text: str) -> None:
        """SearchListObjectFor: the list object at ``path`` (on ``field``) shows the
        matches of ``text`` until the search is accepted or aborted."""
        model, _, inf = self.snapshot()
        if field.lstrip().startswith("="):  # a calculated list: its values' texts
            from associa.calc.calclist import calc_list

            found = set(calc_list(model, inf, field, self.app.locale).search(text))
            with self.lock:
                self.searches[(obj_id, path)] = (text, found, field)
            self.on_change("layout", obj_id)
            return
        if field not in model.fields:
            raise FieldNotFound(field)
        if text.strip().startswith("~"):  # a fuzzy search lists every value, most alike first
            found = set(fuzzy_order(model, field, text))
        else:
            found = set(self.matching(model, inf, field, text))
        with self.lock:
            self.searches[(obj_id, path)] = (text, found, field)
        self.on_change("layout", obj_id)

    def accept_search(self, obj_id: str, path: str, toggle: bool = False,
                      soft_lock: bool = False, state: str | None = DEFAULT_STATE) -> None:
        """AcceptListObjectSearch: select the matches (if a search is on) and end it."""
        with self.lock:
            found = self.searches.pop((obj_id, path), None)
        self.on_change("layout", obj_id)
        if found is not None:
            text, symbols, field = found
            if field.lstrip().startswith("="):
                chosen = sorted(symbols)
                self.select_calculated(field, lambda calc: chosen, toggle, soft_lock, state)
                return
            if text.strip().startswith("~"):  # a fuzzy search selects the most alike
                symbols = set(search_symbols(self.snapshot()[0], field, text))
            self.select_symbols(field, sorted(symbols), toggle, soft_lock, state)

    def abort_search(self, obj_id: str, path: str) -> None:
        with self.lock:
            self.searches.pop((obj_id, path), None)
        self.on_change("layout", obj_id)

    # -- modal selections -----------------------------------------------------------

    def begin_selections(self, obj_id: str) -> None:
        """The object enters modal mode: its selections can be undone together. Another
        object in modal mode: ModalObjectError (6003)."""
        with self.lock:
            if self.modal is not None and self.modal[0] != obj_id:
                raise ModalObjectError("BeginSelections")
            self.modal = (obj_id, self._every_state())
        self.on_change("layout", obj_id)

    def end_selections(self, obj_id: str, accept: bool) -> None:
        """Leave modal mode, keeping the selections made in it or (not ``accept``)
        going back to the selections before it."""
        with self.lock:
            modal, self.modal = self.modal, None
        self.on_change("layout", obj_id)
        if modal is not None and not accept:
            self.set_states(modal[1])

    def reset_made_selections(self, obj_id: str) -> None:
        """Undo the selections made in modal mode, staying in it."""
        with self.lock:
            modal = self.modal
        if modal is None:
            return
        self.set_states(modal[1])
        with self.lock:
            self.modal = (obj_id, self._every_state())

    def abort_modal(self, accept: bool = False) -> None:
        """Doc.AbortModal: end any object's modal mode, keeping its selections or not."""
        with self.lock:
            modal, self.modal = self.modal, None
        if modal is None:
            return
        if not accept:
            self.set_states(modal[1])
        self.on_change("selection", None)


def and_mode_allowed(model: DataModel, field: str) -> bool:
    """Whether a field may be in AND mode (``Selections.set_and_mode``)."""
    fld = model.fields.get(field)
    if fld is None or len(fld.tables) != 1:
        return False
    table = model.tables[fld.tables[0]]
    if len(table.fields) != 2 or table.fields[1] != field or not table.nrows:
        return False
    k = table.columns[table.fields[0]].astype(np.int64)
    f = table.columns[field].astype(np.int64)
    pairs = np.unique(k * (len(fld.symbols) + 1) + f)
    return len(pairs) == table.nrows
