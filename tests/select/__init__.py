"""Shared helpers of the selection tests."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from associa.model import DataModel
from associa.select import SelectionState


def draw_selections(model: DataModel, fields: list[str], data: Any,
                    ) -> tuple[SelectionState, dict[str, set]]:
    """Up to two of ``fields`` with some of their values selected, drawn by hypothesis:
    the state, and the selected texts per field (for an oracle)."""
    selections: dict[str, set] = {}
    state = SelectionState()
    picks = data.draw(st.lists(st.sampled_from(fields), max_size=2, unique=True)) if fields else []
    for f in picks:
        sym = model.fields[f].symbols
        chosen = data.draw(st.sets(st.integers(0, len(sym) - 1), min_size=1))
        mask = np.zeros(len(sym), dtype=bool)
        mask[list(chosen)] = True
        state = state.with_field(f, mask)
        selections[f] = {sym.text(i) for i in chosen}
    return state, selections
