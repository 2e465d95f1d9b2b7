"""Selections of a session's view of an app: the selection half of ``DocState``.

Everything a client can do to selections lives here, so that the QIX handlers (and any
other front end) only translate requests: select symbols, values, a search string or the
values in some states; clear and lock; list-object searches; modal selections (Begin/
EndSelections, ResetMadeSelections, AbortModal); back and forward.

Selections are kept per selection state: the default state ``$`` and the alternate states,
the app's (AddAlternateState, persisted with the app) and the session's own
(AddSessionAlternateState). Every method takes the state it acts in (``state``, default
``$``; "" means ``$`` too); an unknown state is a NotFound error. Back and Forward step
through the selections of every state at once, as one history.

Every change goes through ``update``, a compare-and-set: it reads the state, computes the
new state from it outside the lock and commits only if the state is still the one it was
computed from, else it computes again from the newer state. Requests on one socket run
concurrently, so two selections made at once both land instead of one overwriting the
other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from associa.errors import AlreadyExists, FieldNotFound, ModalObjectError, NotFound
from associa.model import DataModel
from associa.select import Inference, SelectionState, inference
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

if TYPE_CHECKING:
    from associa.app.app import App

# (what, object id): for "selection", the state whose selections changed (None: any)
ChangeCallback = Callable[[str, "str | None"], None]
# from the current (model, state, inference): the next state, or None (nothing to do)
Compute = Callable[[DataModel, SelectionState, Inference], "SelectionState | None"]

# the value states each "select by state" action takes (Field.SelectPossible, ...)
STATE_GROUPS: dict[str, tuple[int, ...]] = {
    "possible": (OPTION, SELECTED, LOCKED),
    "alternative": (ALTERNATIVE,),
    "excluded": (EXCLUDED, ALTERNATIVE, SEL_EXCL, LOCK_EXCL),
    "all": tuple(range(8)),
}
HISTORY = 100  # states kept for Back
DEFAULT_STATE = "$"
States = dict[str, SelectionState]  # every selection state's selections, by name
FAST_TRIES = 8  # compare-and-set tries before computing under the lock


class Selections:
    """Selection state, history, searches and modal mode of a ``DocState``."""

    app: App
    lock: threading.RLock
    on_change: ChangeCallback

    def __init__(self) -> None:
        # DocState sets app, lock and on_change first
        self._states: States = {DEFAULT_STATE: SelectionState()}
        self._state_model = self.app.model
        # state name -> (the selections it was made for, their inference)
        self._inferences: dict[str, tuple[SelectionState, Inference]] = {}
        self.back: list[States] = []
        self.forward: list[States] = []
        self.modal: tuple[str, States] | None = None  # (object id, selections before)
        self.session_states: list[str] = []  # AddSessionAlternateState, in order
        # list-object searches: (object id, path) -> (text, matching symbols, field)
        self.searches: dict[tuple[str, str], tuple[str, set[int], str]] = {}

    # -- selection states -----------------------------------------------------------

    def state_names(self) -> list[str]:
        """The alternate states this session sees: the app's, then its own."""
        names = list(self.app.state_names)
        return names + [n for n in self.session_states if n not in names]

    def resolve_state(self, state: str | None) -> str:
        """The state a request names ("" and None are the default state ``$``);
        NotFound for a state that is neither ``$`` nor an alternate state."""
        if not state or state == DEFAULT_STATE:
            return DEFAULT_STATE
        if state in self.app.state_names or state in self.session_states:
            return state
        raise NotFound(state, "State not found")

    def add_session_state(self, name: str, source: str | None = None) -> None:
        """AddSessionAlternateState: a state of this session only, starting with the
        selections of ``source`` when given."""
        if not isinstance(name, str) or not name or name == DEFAULT_STATE:
            raise NotFound(str(name), "Invalid state name")
        start = None if not source else self.snapshot(source)[1]
        with self.lock:
            if name in self.session_states or name in self.app.state_names:
                raise AlreadyExists(name)
            self.session_states.append(name)
            if start is not None:
                self._states[name] = start
        self.on_change("selection", None)

    def remove_session_state(self, name: str) -> bool:
        """RemoveSessionAlternateState: False when the session has no such state."""
        with self.lock:
            if name not in self.session_states:
                return False
            self.session_states.remove(name)
            if name not in self.app.state_names:
                self._drop_state(name)
        self.on_change("selection", None)
        return True

    def _drop_state(self, name: str) -> None:
        """Forget a state's selections (the caller holds the lock)."""
        self._states.pop(name, None)
        self._inferences.pop(name, None)
        for history in (self.back, self.forward):
            for entry in history:
                entry.pop(name, None)

    def states_removed(self) -> None:
        """The app's alternate states changed: drop the selections of states gone."""
        with self.lock:
            known = set(self.app.state_names) | set(self.session_states) | {DEFAULT_STATE}
            for name in [n for n in self._states if n not in known]:
                self._drop_state(name)

    # -- the state ------------------------------------------------------------------

    def _rebased(self) -> DataModel:
        """The app's model, with every state's selections moved onto it after a reload
        (the caller holds the lock)."""
        model = self.app.model
        if model is not self._state_model:
            old = self._state_model
            self._states = {n: st.rebase(old, model) for n, st in self._states.items()}
            self._state_model = model
            self._inferences.clear()
        return model

    def _current(self, name: str) -> SelectionState:
        """The selections of a state (the caller holds the lock)."""
        found = self._states.get(name)
        if found is None:
            found = self._states[name] = SelectionState()
        return found

    def snapshot(self, state: str | None = DEFAULT_STATE) -> tuple[DataModel, SelectionState,
                                                                    Inference]:
        """A consistent (model, selections, inference) triple of a selection state. The
        inference is the model's shared one for the selections (``select.inference``):
        made lazily, it computes what its readers ask for, once for every session and
        object asking for the same selections."""
        name = self.resolve_state(state)
        with self.lock:
            model = self._rebased()
            current = self._current(name)
            hit = self._inferences.get(name)
            if hit is not None and hit[0] is current and hit[1].model is model:
                return model, current, hit[1]
        inf = inference(model, current)  # may compute the model's plan: outside the lock
        with self.lock:
            if self._states.get(name) is current and self._state_model is model:
                self._inferences[name] = (current, inf)
        return model, current, inf

    @property
    def state(self) -> SelectionState:
        """The default state's selections."""
        return self.snapshot()[1]

    def all_states(self) -> States:
        """Every state's selections (a copy of the mapping; the states are immutable)."""
        with self.lock:
            return self._every_state()

    def _every_state(self) -> States:
        """The selections of every state this session has, none left out (the caller
        holds the lock)."""
        self._rebased()
        for name in (DEFAULT_STATE, *self.app.state_names, *self.session_states):
            self._current(name)
        return dict(self._states)

    def update(self, compute: Compute, state: str | None = DEFAULT_STATE) -> bool:
        """Apply a selection by compare-and-set: ``compute`` the next selections of the
        state from its current ones and commit them if they are still the ones they were
        computed from; else compute again from the newer ones. False when ``compute``
        gives None (a locked field: nothing changes); True otherwise, also when the
        selections stay."""
        name = self.resolve_state(state)
        for _ in range(FAST_TRIES):
            model, current, inf = self.snapshot(name)
            new = compute(model, current, inf)
            if new is None:
                return False
            with self.lock:
                same = self._states.get(name) is current and self._state_model is model
                if same and model is self.app.model:
                    changed = self._commit(name, current, new)
                    break
        else:
            with self.lock:  # contended: compute holding the lock, so that this one lands
                model, current, inf = self.snapshot(name)
                new = compute(model, current, inf)
                if new is None:
                    return False
                changed = self._commit(name, current, new)
        if changed:
            self.on_change("selection", name)  # the state whose selections changed
        return True

    def _commit(self, name: str, old: SelectionState, new: SelectionState) -> bool:
        """Make ``new`` the selections of state ``name``; whether they differ. The caller
        holds the lock and saw that ``old`` is still current."""
        if _same(old, new):
            return False
        self.back.append(dict(self._states))
        del self.back[:-HISTORY]
        self.forward.clear()
        self._states[name] = new
        self._inferences.pop(name, None)
        return True

    def set_state(self, new: SelectionState | None, state: str | None = DEFAULT_STATE) -> bool:
        """Make ``new`` the current selections of a state (None: nothing changed)."""
        return self.update(lambda model, current, inf: new, state)

    def set_states(self, states: Mapping[str, SelectionState]) -> None:
        """Make these the selections of the states they name (one step of the history);
        states not named keep theirs, unknown ones are left out."""
        with self.lock:
            self._rebased()
            known = {DEFAULT_STATE, *self.app.state_names, *self.session_states}
            new = dict(self._states)
            new.update((n, st) for n, st in states.items() if n in known)
            if all(_same(self._current(n), st) for n, st in new.items()):
                return
            self.back.append(dict(self._states))
            del self.back[:-HISTORY]
            self.forward.clear()
            self._states = new
            self._inferences.clear()
        self.on_change("selection", None)

    def step(self, forward: bool) -> None:
        """Back (``forward`` False) or Forward through the selection history."""
        with self.lock:
            src, dst = (self.forward, self.back) if forward else (self.back, self.forward)
            if not src:
                return
            self._rebased()
            dst.append(dict(self._states))
            self._states = src.pop()
            self._inferences.clear()
        self.on_change("selection", None)

    def made_selections(self) -> bool:
        """Whether the selections differ from those when modal mode began."""
        with self.lock:
            if self.modal is None:
                return False
            before = self.modal[1]
            return any(self._states.get(n) is not st for n, st in before.items()) or any(
                n not in before for n in self._states)

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


def _same(a: SelectionState, b: SelectionState) -> bool:
    if (a.selected.keys() != b.selected.keys() or a.locked != b.locked
            or a.single != b.single or a.and_fields != b.and_fields
            or a.excluded.keys() != b.excluded.keys()):
        return False
    return all((a.selected[k] == b.selected[k]).all() for k in a.selected) and all(
        (a.excluded[k] == b.excluded[k]).all() for k in a.excluded)
