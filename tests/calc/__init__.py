"""Tests of associa.calc. Shared helper: ``state_of`` selects values by text or number."""

from __future__ import annotations

from typing import Any

import numpy as np

from associa.model import DataModel
from associa.select import SelectionState


def state_of(model: DataModel, **selections: list[Any]) -> SelectionState:
    """A selection state with the given values selected in each named field."""
    state = SelectionState()
    for name, values in selections.items():
        symbols = model.fields[name].symbols
        mask = np.zeros(len(symbols), dtype=bool)
        for v in values:
            idx = symbols.find_text(v) if isinstance(v, str) else symbols.find_number(v)
            assert idx is not None, f"{v!r} is not a value of {name}"
            mask[idx] = True
        state = state.with_field(name, mask)
    return state
