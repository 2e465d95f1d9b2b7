"""Selection actions: from what a client asks for to a new selection state.

Every single-field selection goes through ``select_symbols``. When none of the newly
selected values is possible (they are excluded by selections in other fields), the
conflicting selections in other unlocked fields are cleared, as Qlik does when a user
clicks an excluded value; locked fields and fields with one and only one value are never
cleared. The inferences this asks for
are the model's shared ones (``shared.inference``): the new state's is the one every
object then reads, and each of the others is computed at most once per model.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from associa.model import DataModel
from associa.select.search import search_symbols
from associa.select.shared import inference
from associa.select.state import SelectionState
from associa.values import parse_number

__all__ = ["highlight_ranges", "is_number", "match_field_values", "search_symbols",
           "select_symbols"]


def select_symbols(
    model: DataModel,
    state: SelectionState,
    name: str,
    symbols: Iterable[int],
    toggle: bool = False,
    soft_lock: bool = False,
) -> SelectionState | None:
    """The state after selecting ``symbols`` in the field (None if the field is locked)."""
    if name in state.locked and not soft_lock:
        return None
    n = len(model.fields[name].symbols)
    picked = np.zeros(n, dtype=bool)
    idx = [i for i in symbols if 0 <= i < n]
    picked[idx] = True
    current = state.mask(name)
    if toggle:
        mask = picked.copy() if current is None else (current ^ picked)
    else:
        mask = picked
    new_state = state.with_field(name, mask)
    new_values = mask & picked if toggle else mask
    if new_values.any():
        new_state = _resolve_conflicts(model, new_state, name, new_values)
    return new_state


def _resolve_conflicts(
    model: DataModel, state: SelectionState, name: str, new_values: np.ndarray
) -> SelectionState:
    if (inference(model, state).possible(name) & new_values).any():
        return state
    own = state.without({f for f in state.selected if f != name})
    others = [f for f in state.order if f != name and f not in state.kept]
    drop = set()
    for other in others:
        pair = own.with_field(other, state.selected[other])
        if not (inference(model, pair).possible(name) & new_values).any():
            drop.add(other)
    state = state.without(drop)
    if not (inference(model, state).possible(name) & new_values).any():
        state = state.without({f for f in state.order if f != name and f not in state.kept})
    return state


def match_field_values(model: DataModel, name: str, values: Sequence[Mapping[str, Any]]) -> list[int]:
    """Symbols matching FieldValue objects ({qText} or {qIsNumeric, qNumber})."""
    sym = model.fields[name].symbols
    out: list[int] = []
    for v in values:
        if not isinstance(v, Mapping):
            continue
        hit = None
        if v.get("qIsNumeric"):
            num = v.get("qNumber")
            if isinstance(num, int | float) and not isinstance(num, bool):
                hit = sym.find_number(float(num))
        else:
            text = v.get("qText")
            if isinstance(text, str):
                hit = sym.find_text(text)
                if hit is None:
                    num = parse_number(text)
                    if num is not None:
                        hit = sym.find_number(num)
        if hit is not None:
            out.append(hit)
    return out


def highlight_ranges(value: str, text: str) -> list[dict[str, int]]:
    """qHighlightRanges for a search hit (the parts of ``value`` matching the terms)."""
    out = []
    low = value.casefold()
    for term in text.strip("\"*").replace("*", " ").split():
        pos = low.find(term.casefold())
        if pos >= 0:
            out.append({"qCharPos": pos, "qCharCount": len(term)})
    return out


def is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and not math.isnan(float(x))
