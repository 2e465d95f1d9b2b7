"""Logical inference: from selections to possible rows and value states.

The tables behave as one full natural outer join on their shared fields. A row of a
table is possible when it satisfies the selections on its own fields and, through each
of its key fields, agrees with what the rest of the model allows. This is computed by
message passing over the spanning forest of the table/key-field graph (a semi-join
reduction in both directions):

* ``M(T→k)``: the values of key ``k`` found in rows of table ``T`` that satisfy ``T``'s
  own selections and the messages arriving at ``T`` through its other keys. When nothing
  behind ``T`` (seen from ``k``) is selected the message is ⊤ (``None``): no constraint.
  This is what keeps a value possible when its row has no partner in another table.
* ``F(k→T)``: the selection on ``k`` (if any) intersected with ``M(U→k)`` over the other
  tables ``U`` holding ``k``. A selection on a key field constrains the field, not the
  tables: a row without a partner through ``k`` does not block the value.

A value is possible when some possible row of some table holds it; it is alternative
when it would be possible with its own field's selection removed.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from associa.model import DataModel, presence
from associa.select.state import SelectionState

# value state codes, as QIX names them
STATE_CODES = ("L", "S", "O", "D", "A", "X", "XS", "XL")
LOCKED, SELECTED, OPTION, DESELECTED, ALTERNATIVE, EXCLUDED, SEL_EXCL, LOCK_EXCL = range(8)


def _lut(mask: np.ndarray) -> np.ndarray:
    """A lookup table over symbol codes with a False last slot for NULL (the null code)."""
    return np.append(mask, False)


class Inference:
    """Possible rows and value states of one selection state over one data model."""

    def __init__(self, model: DataModel, state: SelectionState) -> None:
        self.model = model
        self.state = state
        self.row_masks: dict[str, np.ndarray | None] = {}
        self._possible: dict[str, np.ndarray] = {}
        self._alternative: dict[str, np.ndarray] = {}
        self._run()

    # -- propagation ----------------------------------------------------------------

    def _local_masks(self) -> dict[str, np.ndarray | None]:
        masks: dict[str, np.ndarray | None] = {}
        for tname, table in self.model.tables.items():
            mask = None
            linked = self.model.links[tname]
            for fname in table.fields:
                sel = self.state.selected.get(fname)
                if sel is None or fname in linked:
                    continue  # a linked key's selection acts at the field (see combine)
                hit = _lut(sel)[table.columns[fname]]
                mask = hit if mask is None else (mask & hit)
            masks[tname] = mask
        return masks

    def _run(self) -> None:
        model = self.model
        local = self._local_masks()
        if not self.state.selected:
            self.row_masks = dict.fromkeys(model.tables)
            return
        # messages: (table, field) -> values allowed, None = unconstrained
        to_field: dict[tuple[str, str], np.ndarray | None] = {}
        to_table: dict[tuple[str, str], np.ndarray | None] = {}

        def rows_of(tname: str, skip: str | None) -> np.ndarray | None:
            table = model.tables[tname]
            mask = local[tname]
            for k in model.links[tname]:
                if k == skip:
                    continue
                allowed = to_table.get((k, tname))
                if allowed is None:
                    continue
                hit = _lut(allowed)[table.columns[k]]
                mask = hit if mask is None else (mask & hit)
            return mask

        def message_up(tname: str, k: str) -> None:
            rows = rows_of(tname, k)
            if rows is None:
                to_field[(tname, k)] = None
            else:
                col = model.tables[tname].columns[k]
                to_field[(tname, k)] = presence(col, rows, len(model.fields[k].symbols))

        def combine(k: str, target: str) -> None:
            sel = self.state.selected.get(k)
            acc = None if sel is None else sel.copy()
            for other in model.key_tables[k]:
                if other == target:
                    continue
                msg = to_field.get((other, k))
                if msg is None:
                    continue
                acc = msg.copy() if acc is None else (acc & msg)
            to_table[(k, target)] = acc

        for component in model.components:
            root = component[0]
            # order the component's tables: parents before children
            order: list[tuple[str, str | None]] = []  # (table, parent field)
            stack: list[tuple[str, str | None]] = [(root, None)]
            while stack:
                tname, parent_field = stack.pop()
                order.append((tname, parent_field))
                for k in model.links[tname]:
                    if k == parent_field:
                        continue
                    for child in model.key_tables[k]:
                        if child != tname and model.key_tables[k][0] == tname:
                            stack.append((child, k))
            children: dict[str, list[str]] = {}
            for tname, parent_field in order:
                if parent_field is not None:
                    children.setdefault(parent_field, []).append(tname)
            # upward: children to parents
            for tname, parent_field in reversed(order):
                for k in model.links[tname]:
                    if k != parent_field:
                        combine(k, tname)
                if parent_field is not None:
                    message_up(tname, parent_field)
            # downward: parents to children
            for tname, parent_field in order:
                for k in model.links[tname]:
                    if k == parent_field:
                        continue
                    message_up(tname, k)
                    for child in children.get(k, []):
                        combine(k, child)
            for tname, _ in order:
                for k in model.links[tname]:
                    combine(k, tname)
                self.row_masks[tname] = rows_of(tname, None)

    # -- reading --------------------------------------------------------------------

    @cached_property
    def empty(self) -> bool:
        """True when the selections leave no possible row in a table that has rows."""
        return any(
            m is not None and not m.any() and self.model.tables[t].nrows
            for t, m in self.row_masks.items()
        )

    def possible(self, name: str) -> np.ndarray:
        """Bool array over the field's symbols: possible under all selections."""
        hit = self._possible.get(name)
        if hit is None:
            model = self.model
            fld = model.fields[name]
            hit = np.zeros(len(fld.symbols), dtype=bool)
            for tname in fld.tables:
                rows = self.row_masks.get(tname)
                if rows is None:
                    hit |= model.full_presence[(tname, name)]
                else:
                    hit |= presence(model.tables[tname].columns[name], rows, len(fld.symbols))
            self._possible[name] = hit
        return hit

    def alternative(self, name: str) -> np.ndarray:
        """Possible when the field's own selection is ignored (equals possible otherwise)."""
        if not self.state.has_selection(name):
            return self.possible(name)
        hit = self._alternative.get(name)
        if hit is None:
            others = self.state.without({name})
            hit = self._alternative[name] = Inference(self.model, others).possible(name)
        return hit

    def states(self, name: str) -> np.ndarray:
        """One state code (index into STATE_CODES) per symbol of the field."""
        possible = self.possible(name)
        sel = self.state.selected.get(name)
        if sel is None:
            return np.where(possible, OPTION, EXCLUDED).astype(np.int8)
        locked = name in self.state.locked
        alt = self.alternative(name)
        out = np.full(len(possible), EXCLUDED, dtype=np.int8)
        out[alt & ~sel] = ALTERNATIVE
        out[sel & possible] = LOCKED if locked else SELECTED
        out[sel & ~possible] = LOCK_EXCL if locked else SEL_EXCL
        return out

    def state_counts(self, name: str) -> dict[str, int]:
        counts = np.bincount(self.states(name), minlength=8)
        return {
            "qLocked": int(counts[LOCKED]),
            "qSelected": int(counts[SELECTED]),
            "qOption": int(counts[OPTION]),
            "qDeselected": int(counts[DESELECTED]),
            "qAlternative": int(counts[ALTERNATIVE]),
            "qExcluded": int(counts[EXCLUDED]),
            "qSelectedExcluded": int(counts[SEL_EXCL]),
            "qLockedExcluded": int(counts[LOCK_EXCL]),
        }
