"""Selections of a session's view of an app: the selection half of ``DocState``.

Everything a client can do to selections lives here, so that the QIX handlers (and any
other front end) only translate requests: select symbols, values, a search string or the
values in some states; clear and lock; list-object searches; modal selections (Begin/
EndSelections, ResetMadeSelections, AbortModal); back and forward.

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

from associa.errors import FieldNotFound, ModalObjectError
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

if TYPE_CHECKING:
    from associa.app.app import App

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
FAST_TRIES = 8  # compare-and-set tries before computing under the lock


class Selections:
    """Selection state, history, searches and modal mode of a ``DocState``."""

    app: App
    lock: threading.RLock
    on_change: ChangeCallback

    def __init__(self) -> None:
        # DocState sets app, lock and on_change first
        self._state = SelectionState()
        self._state_model = self.app.model
        self._inference: Inference | None = None
        self._inference_state: SelectionState | None = None
        self.back: list[SelectionState] = []
        self.forward: list[SelectionState] = []
        self.modal: tuple[str, SelectionState] | None = None  # (object id, state before)
        # list-object searches: (object id, path) -> (text, matching symbols, field)
        self.searches: dict[tuple[str, str], tuple[str, set[int], str]] = {}

    # -- the state ------------------------------------------------------------------

    def snapshot(self) -> tuple[DataModel, SelectionState, Inference]:
        """A consistent (model, state, inference) triple. The inference is the model's
        shared one for the state (``select.inference``): made lazily, it computes what its
        readers ask for, once for every session and object asking for the same state."""
        with self.lock:
            model = self.app.model
            if model is not self._state_model:
                self._state = self._state.rebase(self._state_model, model)
                self._state_model = model
                self._inference = None
            state = self._state
            inf = self._inference
            if inf is not None and inf.model is model and self._inference_state is state:
                return model, state, inf
        inf = inference(model, state)  # may compute the model's plan: outside the lock
        with self.lock:
            if self._state is state and self._state_model is model:
                self._inference, self._inference_state = inf, state
        return model, state, inf

    @property
    def state(self) -> SelectionState:
        return self.snapshot()[1]

    def update(self, compute: Compute) -> bool:
        """Apply a selection by compare-and-set: ``compute`` the next state from the
        current one and commit it if the state is still the one it was computed from;
        else compute again from the newer state. False when ``compute`` gives None (a
        locked field: nothing changes); True otherwise, also when the state stays."""
        for _ in range(FAST_TRIES):
            model, state, inf = self.snapshot()
            new = compute(model, state, inf)
            if new is None:
                return False
            with self.lock:
                current = self._state is state and self._state_model is model
                if current and model is self.app.model:
                    changed = self._commit(state, new)
                    break
        else:
            with self.lock:  # contended: compute holding the lock, so that this one lands
                model, state, inf = self.snapshot()
                new = compute(model, state, inf)
                if new is None:
                    return False
                changed = self._commit(state, new)
        if changed:
            self.on_change("selection", None)
        return True

    def _commit(self, old: SelectionState, new: SelectionState) -> bool:
        """Make ``new`` the state; whether it differs. The caller holds the lock and saw
        that ``old`` is still the state."""
        if _same(old, new):
            return False
        self.back.append(old)
        del self.back[:-HISTORY]
        self.forward.clear()
        self._state = new
        self._inference = None
        return True

    def set_state(self, new: SelectionState | None) -> bool:
        """Make ``new`` the current state (None: nothing changed). Returns success."""
        return self.update(lambda model, state, inf: new)

    def step(self, forward: bool) -> None:
        """Back (``forward`` False) or Forward through the selection history."""
        with self.lock:
            src, dst = (self.forward, self.back) if forward else (self.back, self.forward)
            if not src:
                return
            dst.append(self.snapshot()[1])
            self._state = src.pop()
            self._inference = None
        self.on_change("selection", None)

    # -- selecting ------------------------------------------------------------------

    def _select(self, field: str, symbols: Callable[[DataModel, Inference], Iterable[int]],
                toggle: bool, soft_lock: bool) -> bool:
        """Select ``symbols(model, inference)`` of the state being changed in ``field``
        (FieldNotFound when the model has no such field)."""

        def compute(model: DataModel, state: SelectionState,
                    inf: Inference) -> SelectionState | None:
            if field not in model.fields:
                raise FieldNotFound(field)
            return select_symbols(model, state, field, symbols(model, inf), toggle, soft_lock)

        return self.update(compute)

    def select_symbols(self, field: str, symbols: Iterable[int], toggle: bool = False,
                       soft_lock: bool = False) -> bool:
        """Select symbols (indices into the field's symbol table); ``toggle`` flips them
        instead. False when the field is locked (unless ``soft_lock``)."""
        wanted = list(symbols)
        return self._select(field, lambda model, inf: wanted, toggle, soft_lock)

    def select_values(self, field: str, values: Sequence[Mapping[str, Any]],
                      toggle: bool = False, soft_lock: bool = False) -> bool:
        """Select FieldValues (``{"qText"}`` or ``{"qIsNumeric", "qNumber"}``)."""
        return self._select(field, lambda model, inf: match_field_values(model, field, values),
                            toggle, soft_lock)

    def select_match(self, field: str, text: str, toggle: bool = False,
                     soft_lock: bool = False) -> bool:
        """Select the values a search string matches (``No*``, ``>10``, words)."""
        return self._select(field, lambda model, inf: search_symbols(model, field, text),
                            toggle, soft_lock)

    def select_states(self, field: str, group: str, soft_lock: bool = False) -> bool:
        """Select the values in a group of states: "possible", "alternative",
        "excluded" or "all" (``STATE_GROUPS``), as the state being changed has them."""
        wanted = STATE_GROUPS[group]
        return self._select(
            field, lambda model, inf: np.flatnonzero(np.isin(inf.states(field), wanted)).tolist(),
            False, soft_lock)

    def select(self, field: str, *values: str | float, toggle: bool = False) -> bool:
        """Select values of a field by text or number (what Field.SelectValues does)."""
        wanted = [
            {"qText": v} if isinstance(v, str) else {"qIsNumeric": True, "qNumber": v}
            for v in values
        ]
        return self.select_values(field, wanted, toggle)

    # -- clearing and locking -------------------------------------------------------

    def clear(self, field: str | None = None) -> None:
        """Clear one field's selection, or all (unlocked) selections."""
        self.update(lambda model, state, inf: state.cleared() if field is None
                    else state.with_field(field, None))

    def clear_field(self, field: str) -> bool:
        """Clear a field's selection; False when the field is locked."""
        return self.update(lambda model, state, inf: None if field in state.locked
                           else state.with_field(field, None))

    def clear_fields(self, fields: Iterable[str]) -> None:
        """Clear the selections of several fields, except locked ones."""
        names = set(fields)
        self.update(lambda model, state, inf: state.without(names - state.locked))

    def clear_all(self, locked_also: bool = False) -> None:
        self.update(lambda model, state, inf: state.cleared(locked_also))

    def clear_others(self, field: str, soft_lock: bool = False) -> bool:
        """Clear every field but ``field`` (locked ones too with ``soft_lock``)."""
        return self.update(lambda model, state, inf: state.without(
            {f for f in state.order if f != field and (soft_lock or f not in state.locked)}))

    def lock_field(self, field: str) -> bool:
        """Lock a field's selection; False when it has none."""
        return self.update(lambda model, state, inf: state.with_lock(field, True)
                           if state.has_selection(field) else None)

    def unlock_field(self, field: str) -> bool:
        return self.update(lambda model, state, inf: state.with_lock(field, False))

    def lock_all(self) -> None:
        def compute(model: DataModel, state: SelectionState, inf: Inference) -> SelectionState:
            for name in state.order:
                state = state.with_lock(name, True)
            return state

        self.update(compute)

    def unlock_all(self) -> None:
        def compute(model: DataModel, state: SelectionState, inf: Inference) -> SelectionState:
            for name in list(state.locked):
                state = state.with_lock(name, False)
            return state

        self.update(compute)

    # -- list-object searches -------------------------------------------------------

    def search(self, obj_id: str, path: str, field: str, text: str) -> None:
        """SearchListObjectFor: the list object at ``path`` (on ``field``) shows the
        matches of ``text`` until the search is accepted or aborted."""
        model = self.snapshot()[0]
        if field not in model.fields:
            raise FieldNotFound(field)
        found = set(search_symbols(model, field, text))
        with self.lock:
            self.searches[(obj_id, path)] = (text, found, field)
        self.on_change("layout", obj_id)

    def accept_search(self, obj_id: str, path: str, toggle: bool = False,
                      soft_lock: bool = False) -> None:
        """AcceptListObjectSearch: select the matches (if a search is on) and end it."""
        with self.lock:
            found = self.searches.pop((obj_id, path), None)
        self.on_change("layout", obj_id)
        if found is not None:
            text, symbols, field = found
            self.select_symbols(field, sorted(symbols), toggle, soft_lock)

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
            self.modal = (obj_id, self.snapshot()[1])
        self.on_change("layout", obj_id)

    def end_selections(self, obj_id: str, accept: bool) -> None:
        """Leave modal mode, keeping the selections made in it or (not ``accept``)
        going back to the state before it."""
        with self.lock:
            modal, self.modal = self.modal, None
        self.on_change("layout", obj_id)
        if modal is not None and not accept:
            self.set_state(modal[1])

    def reset_made_selections(self, obj_id: str) -> None:
        """Undo the selections made in modal mode, staying in it."""
        with self.lock:
            modal = self.modal
        if modal is None:
            return
        self.set_state(modal[1])
        with self.lock:
            self.modal = (obj_id, self.snapshot()[1])

    def abort_modal(self, accept: bool = False) -> None:
        """Doc.AbortModal: end any object's modal mode, keeping its selections or not."""
        with self.lock:
            modal, self.modal = self.modal, None
        if modal is None:
            return
        if not accept:
            self.set_state(modal[1])
        self.on_change("selection", None)


def _same(a: SelectionState, b: SelectionState) -> bool:
    if a.selected.keys() != b.selected.keys() or a.locked != b.locked:
        return False
    return all((a.selected[k] == b.selected[k]).all() for k in a.selected)
