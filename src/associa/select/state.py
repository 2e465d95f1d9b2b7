"""Selection state: which symbols are selected in which fields. Immutable values.

A ``SelectionState`` maps each field that has a selection to a bool array over the
field's symbols. Every change gives a new state (copy on write), so a computation can
hold a state while another request makes the next selection.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from associa.model import DataModel

_versions = itertools.count(1)


@dataclass(frozen=True, slots=True)
class SelectionState:
    selected: Mapping[str, np.ndarray] = field(default_factory=dict)
    order: tuple[str, ...] = ()  # fields in the order they got their selection
    locked: frozenset[str] = frozenset()
    version: int = field(default_factory=lambda: next(_versions))
    # fields with one and only one selected value (NxFieldProperties.qOneAndOnlyOne):
    # never cleared, a new selection replaces the value
    single: frozenset[str] = frozenset()
    # fields in AND mode (Field.SetAndMode), and their NOT selections (state D): see
    # ``associa.select.propagate`` for what they mean
    and_fields: frozenset[str] = frozenset()
    excluded: Mapping[str, np.ndarray] = field(default_factory=dict)
    # field -> digest of its mask, filled when asked (see ``digest``)
    _digests: dict[str, bytes] = field(default_factory=dict, init=False, repr=False,
                                       compare=False)

    # -- reading --------------------------------------------------------------------

    def has_selection(self, name: str) -> bool:
        return name in self.selected or name in self.excluded

    def __bool__(self) -> bool:
        return bool(self.selected) or bool(self.excluded)

    @property
    def fields(self) -> frozenset[str]:
        """The fields with a selection: selected values or NOT selections."""
        return frozenset(self.selected) | frozenset(self.excluded)

    def mask(self, name: str) -> np.ndarray | None:
        return self.selected.get(name)

    def digest(self, name: str) -> bytes:
        """A fingerprint of the field's selection (the field must have one)."""
        hit = self._digests.get(name)
        if hit is None:
            h = hashlib.blake2b(digest_size=16)
            for mask in (self.selected.get(name), self.excluded.get(name)):
                if mask is None:
                    h.update(b"-")
                    continue
                h.update(len(mask).to_bytes(8, "little"))
                h.update(np.packbits(mask).tobytes())
            if name in self.and_fields:
                h.update(b"&")
            hit = self._digests[name] = h.digest()
        return hit

    def key(self) -> tuple:
        """The fingerprint of the selections and locks (see the module docstring)."""
        return (tuple(sorted((f, self.digest(f)) for f in self.fields)),
                tuple(sorted(self.locked)))

    @property
    def kept(self) -> frozenset[str]:
        """Fields whose selection clearing leaves: the locked ones and the ones with one
        and only one value."""
        return self.locked | self.single

    def _derived(self, selected: Mapping[str, np.ndarray], order: tuple[str, ...],
                 locked: frozenset[str],
                 excluded: Mapping[str, np.ndarray] | None = None) -> SelectionState:
        excluded = self.excluded if excluded is None else excluded
        out = SelectionState(selected, order, locked,
                             single=frozenset(f for f in self.single if f in selected),
                             and_fields=self.and_fields, excluded=excluded)
        for name, mask in selected.items():
            hit = self._digests.get(name)
            if (hit is not None and self.selected.get(name) is mask
                    and self.excluded.get(name) is excluded.get(name)):
                out._digests[name] = hit
        return out

    # -- changing (each returns a new state) -----------------------------------------

    def with_field(self, name: str, mask: np.ndarray | None) -> SelectionState:
        """Set (or clear, with None or an all-false mask) the selection of one field."""
        selected = dict(self.selected)
        order = [f for f in self.order if f != name]
        if mask is None or not mask.any():
            selected.pop(name, None)
            if name in self.excluded:  # its NOT selection stays, and its place
                order = list(self.order)
        else:
            selected[name] = mask
            order.append(name)
        return self._derived(selected, tuple(order), self.locked)

    def without(self, names: set[str] | frozenset[str]) -> SelectionState:
        selected = {k: v for k, v in self.selected.items() if k not in names}
        excluded = {k: v for k, v in self.excluded.items() if k not in names}
        order = tuple(f for f in self.order if f not in names)
        # a lock holds a selection: a field whose selection goes keeps no lock
        return self._derived(selected, order, self.locked - names, excluded)

    def cleared(self, locked_also: bool = False) -> SelectionState:
        keep = set(self.single) if locked_also else set(self.kept)
        selected = {k: v for k, v in self.selected.items() if k in keep}
        excluded = {k: v for k, v in self.excluded.items() if k in keep}
        order = tuple(f for f in self.order if f in keep)
        return self._derived(selected, order, frozenset() if locked_also else self.locked,
                             excluded)

    def with_excluded(self, name: str, mask: np.ndarray | None) -> SelectionState:
        """Set (or clear) the NOT selection of a field in AND mode."""
        excluded = dict(self.excluded)
        if mask is None or not mask.any():
            excluded.pop(name, None)
        else:
            excluded[name] = mask
        order = [f for f in self.order if f != name]
        if name in self.selected or name in excluded:
            order.append(name)
        return self._derived(self.selected, tuple(order), self.locked, excluded)

    def with_and_mode(self, name: str, on: bool) -> SelectionState:
        """Put a field in AND mode, or out of it (its NOT selection goes with it)."""
        out = self if on else self.with_excluded(name, None)
        fields = out.and_fields | {name} if on else out.and_fields - {name}
        return SelectionState(out.selected, out.order, out.locked, single=out.single,
                              and_fields=frozenset(fields), excluded=out.excluded)

    def with_single(self, name: str, on: bool) -> SelectionState:
        """Set or unset one-and-only-one on a field (set only when exactly one of its
        values is selected; else the state as it is)."""
        mask = self.selected.get(name)
        if on and (mask is None or int(np.count_nonzero(mask)) != 1):
            return self
        single = self.single | {name} if on else self.single - {name}
        out = self._derived(self.selected, self.order, self.locked)
        return SelectionState(out.selected, out.order, out.locked, single=frozenset(single),
                              and_fields=out.and_fields, excluded=out.excluded)

    def with_lock(self, name: str, locked: bool) -> SelectionState:
        locks = set(self.locked)
        if locked:
            if name not in self.selected:
                return self
            locks.add(name)
        else:
            locks.discard(name)
        return self._derived(self.selected, self.order, frozenset(locks))

    # -- reloads --------------------------------------------------------------------

    def rebase(self, old: DataModel, new: DataModel) -> SelectionState:
        """The same selections, by value, in a new data model (after a reload)."""
        def moved(masks: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
            out: dict[str, np.ndarray] = {}
            for name, mask in masks.items():
                if name not in old.fields or name not in new.fields:
                    continue
                old_sym = old.fields[name].symbols
                new_sym = new.fields[name].symbols
                now = np.zeros(len(new_sym), dtype=bool)
                for idx in np.flatnonzero(mask):
                    hit = new_sym.lookup(old_sym.text(int(idx)), old_sym.num(int(idx)))
                    if hit is not None:
                        now[hit] = True
                if now.any():
                    out[name] = now
            return out

        selected, excluded = moved(self.selected), moved(self.excluded)
        order = tuple(f for f in self.order if f in selected or f in excluded)
        return SelectionState(selected, order, frozenset(f for f in self.locked if f in selected),
                              single=frozenset(f for f in self.single if f in selected),
                              and_fields=frozenset(f for f in self.and_fields if f in new.fields),
                              excluded=excluded)
