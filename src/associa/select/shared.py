"""One inference per selection state, shared.

Each data model gets one ``Shared`` (made when the model is first used, held by the model
object so that it goes with it after a reload): the model's ``Plan``, a bounded cache of
inferences by state fingerprint (``SelectionState.key``) and a bounded cache of messages
by the fingerprint of the selections behind their edge. Conflict resolution, every list
object and chart, and every session that asks for the same state get the same
``Inference`` and so compute each piece of it once; states that agree on part of the
model (a state and the same state less one field's selection: the alternatives; the
state a click started from and the state it makes) share the messages and the row sets
of that part (a bounded cache of row sets by the fingerprint of the selections they
depend on).

Both caches are thread-safe and compute each entry once (``memo``).
"""

from __future__ import annotations

import threading

from associa.model import DataModel
from associa.select.memo import Cache
from associa.select.plan import Plan
from associa.select.propagate import Inference
from associa.select.state import SelectionState

INFERENCES = 8  # selection states kept per model
INFERENCE_BYTES = 192 << 20  # about this much in their row sets and arrays
MESSAGES = 1024  # messages kept per model
MESSAGE_BYTES = 128 << 20
ROW_SETS = 64  # row sets kept per model, shared by the states that agree on them
ROW_SET_BYTES = 96 << 20

_ATTR = "_associa_select_shared"
_lock = threading.Lock()


class Shared:
    """The inference caches of one data model."""

    def __init__(self, model: DataModel) -> None:
        self.model = model
        self.plan = Plan(model)
        self.inferences: Cache[Inference] = Cache(INFERENCES, INFERENCE_BYTES,
                                                  lambda inf: inf.nbytes)
        self.messages: Cache = Cache(MESSAGES, MESSAGE_BYTES,
                                     lambda m: 0 if m is None else int(m.nbytes))
        self.row_sets: Cache = Cache(ROW_SETS, ROW_SET_BYTES, lambda r: int(r.nbytes))

    def inference(self, state: SelectionState) -> Inference:
        """The shared inference of ``state`` (its first asker's state object)."""
        return self.inferences.get(state.key(), lambda: Inference(self.model, state, self))


def shared_for(model: DataModel) -> Shared:
    """The model's ``Shared``, made on first use (computes the plan: a pass per column)."""
    found = model.__dict__.get(_ATTR)
    if found is None:
        with _lock:
            found = model.__dict__.get(_ATTR)
            if found is None:
                found = Shared(model)
                setattr(model, _ATTR, found)
    return found


def inference(model: DataModel, state: SelectionState) -> Inference:
    """The inference of ``state`` over ``model``, shared with every other asker."""
    return shared_for(model).inference(state)
