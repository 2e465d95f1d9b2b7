"""Selection states of a session's view of an app: the state half of ``Selections``.

A session keeps selections per selection state: the default state ``$`` and the
alternate states, the app's (AddAlternateState, persisted with the app) and the session's
own (AddSessionAlternateState). Every method takes the state it acts in (``state``,
default ``$``; "" means ``$`` too); an unknown state is a NotFound error. Back and Forward
step through the selections of every state at once, as one history.

Every change goes through ``update``, a compare-and-set: it reads the state, computes the
new state from it outside the lock and commits only if the state is still the one it was
computed from, else it computes again from the newer state. Requests on one socket run
concurrently, so two selections made at once both land instead of one overwriting the
other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from associa.errors import AlreadyExists, NotFound
from associa.model import DataModel
from associa.select import Inference, SelectionState, inference

if TYPE_CHECKING:
    from associa.app.app import App

# (what, object id): for "selection", the state whose selections changed (None: any)
ChangeCallback = Callable[[str, "str | None"], None]
# from the current (model, state, inference): the next state, or None (nothing to do)
Compute = Callable[[DataModel, SelectionState, Inference], "SelectionState | None"]

HISTORY = 100  # states kept for Back
DEFAULT_STATE = "$"
States = dict[str, SelectionState]  # every selection state's selections, by name
FAST_TRIES = 8  # compare-and-set tries before computing under the lock


class SelectionStates:
    """The selections of every state, their history and modal mode (``Selections``
    adds what can be done to them)."""

    app: App
    lock: threading.RLock
    on_change: ChangeCallback
    # the model a session's user sees, when not the app's (Section Access:
    # ``app/section_access.UserView``)
    view: Callable[[], DataModel] | None

    def __init__(self) -> None:
        # DocState sets app, lock, on_change and view first
        self._states: States = {DEFAULT_STATE: SelectionState()}
        self._state_model = self.model
        # state name -> (the selections it was made for, their inference)
        self._inferences: dict[str, tuple[SelectionState, Inference]] = {}
        self.back: list[States] = []
        self.forward: list[States] = []
        self.modal: tuple[str, States] | None = None  # (object id, selections before)
        self.session_states: list[str] = []  # AddSessionAlternateState, in order

    @property
    def model(self) -> DataModel:
        """The data model this session sees: the app's, or the one Section Access gives
        the session's user (read each time: a reload changes both)."""
        return self.app.model if self.view is None else self.view()

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
        model = self.model
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
                if same and model is self.model:
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


def _same(a: SelectionState, b: SelectionState) -> bool:
    if (a.selected.keys() != b.selected.keys() or a.locked != b.locked
            or a.single != b.single or a.and_fields != b.and_fields
            or a.excluded.keys() != b.excluded.keys()):
        return False
    return all((a.selected[k] == b.selected[k]).all() for k in a.selected) and all(
        (a.excluded[k] == b.excluded[k]).all() for k in a.excluded)
