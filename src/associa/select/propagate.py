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

Two refinements. ``M(T→k)`` for a $Syn key ``k`` from a table other than its $Syn table
leaves the selections of ``k``'s parts out: they constrain the key's combinations (in
the $Syn table's message), as a selection on a key field constrains the field, so a row
without a partner through ``k`` is not blocked by them coming round another path (a
table holding overlapping keys). A loosely coupled table is linked through each of its
keys and sends ⊤ along every one (nothing lies behind it): each of its fields behaves
as a table of its own, its unlinked fields showing their own values under their own
selection only.

How it is computed (the answers are those of the definitions above):

* Lazily and once: each message, row set, possible set and state array is computed when
  first asked for, once, however many threads ask (``memo.Memo``). An ``Inference`` is
  shared by every object and session asking for the same state (``shared.inference``).
* A message depends only on the selections behind its edge (``plan.Plan.behind``), so
  it is cached per model under their fingerprints (``Shared.messages``): another state
  agreeing there, such as the same state less one field's selection (the alternatives),
  reuses it.
* Row sets are all / mask / index list (``rows.RowSet``); lookup tables are applied most
  selective first, the first one from all rows with its row count known in advance (the
  column's code counts), the next ones to the rows left (``associa.kernels.lut``). A
  selective first one reads its rows from the column's postings (``plan.Plan.postings``)
  instead of scanning the column.
* Row sets are shared by the states that agree on the selections they depend on (the
  state a click started from and the state it makes), like messages.
* The symbols of a linked key in a table's possible rows are ``M(T→k) ∧ F(k→T)``, so key
  fields need no pass over rows; a row set made by one lookup table answers for its own
  field from the table (provenance); other fields scan with saturation
  (``associa.kernels.presence``); no selection is the precomputed presence.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from associa.kernels import lut as klut
from associa.kernels import postings as kpostings
from associa.kernels import presence as kpresence
from associa.model import DataModel
from associa.select.memo import Memo
from associa.select.rows import INDEX, MASK, SLICES, SPARSE, RowSet, memo_nbytes
from associa.select.state import SelectionState

if TYPE_CHECKING:
    from associa.select.shared import Shared

T = TypeVar("T")

# value state codes, as QIX names them
STATE_CODES = ("L", "S", "O", "D", "A", "X", "XS", "XL")
LOCKED, SELECTED, OPTION, DESELECTED, ALTERNATIVE, EXCLUDED, SEL_EXCL, LOCK_EXCL = range(8)


def _lut(mask: np.ndarray) -> np.ndarray:
    """A lookup table over symbol codes with a False last slot for NULL (the null code)."""
    out = np.empty(len(mask) + 1, dtype=bool)
    out[:-1] = mask
    out[-1] = False
    return out


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


class Inference:
    """Possible rows and value states of one selection state over one data model.

    Get one from ``associa.select.shared.inference(model, state)`` to share it; making
    one directly works too (it then shares the model's message cache only)."""

    def __init__(self, model: DataModel, state: SelectionState,
                 shared: Shared | None = None) -> None:
        if shared is None:
            from associa.select.shared import shared_for

            shared = shared_for(model)
        self.model = model
        self.state = state
        self.shared = shared
        self.plan = shared.plan
        self._selected = state.fields  # selected values or NOT selections
        self._memo: Memo = Memo()

    # -- messages -------------------------------------------------------------------

    def _sub_key(self, fields: frozenset[str]) -> tuple:
        return tuple(sorted((f, self.state.digest(f)) for f in fields & self._selected))

    def to_field(self, table: str, key: str) -> np.ndarray | None:
        """``M(table→key)``: bool over the key's symbols, or None (⊤)."""
        sub = self._sub_key(self.plan.behind[(table, key)])
        if not sub:
            return None
        drop = self.plan.dropped.get((table, key))
        if drop and not drop.isdisjoint(self._selected):
            # from a $Syn key's other tables: the selections of its parts left out
            # (``plan.Plan.dropped``); the same message as the state without them
            return self._memo.get(("W", table, key), lambda: self.shared.inference(
                self.state.without(drop)).to_field(table, key))
        return self.shared.messages.get(
            ("M", table, key, sub), lambda: self._presence(table, key, self._rows(table, key)))

    def to_table(self, key: str, table: str) -> np.ndarray | None:
        """``F(key→table)``: bool over the key's symbols, or None (⊤)."""
        return self._memo.get(("F", key, table), lambda: self._combine(key, table))

    def _combine(self, key: str, table: str) -> np.ndarray | None:
        sel = self.state.selected.get(key)
        acc = None if sel is None else sel.copy()
        for other in self.plan.key_tables[key]:
            if other == table:
                continue
            msg = self.to_field(other, key)
            if msg is None:
                continue
            acc = msg.copy() if acc is None else np.logical_and(acc, msg, out=acc)
        return None if acc is None else _readonly(acc)

    # -- row sets -------------------------------------------------------------------

    def rows(self, table: str) -> RowSet:
        """The possible rows of a table."""
        return self._rows(table, None)

    def _rows(self, table: str, skip: str | None) -> RowSet:
        filters = self._filters(table, skip)
        names = frozenset(f for f, _ in filters)
        if skip is not None and skip in names:
            # only a field in AND mode filters the skipped key: not the rows of the
            # filters of that name with its message (a NUL can start no field's name)
            names = names | {"\x00&" + skip}
        key = ("R", table, names)  # the same rows whatever skip
        return self._memo.get(key, lambda: self.shared.row_sets.get(
            self._shared_rows_key(table, skip, names),
            lambda: self._make_rows(table, filters, skip is None)))

    def _shared_rows_key(self, table: str, skip: str | None, names: frozenset[str]) -> tuple:
        """The key of a row set among every state's (``Shared.row_sets``): the filters
        and the selections they depend on (those behind the table seen from ``skip``, or
        in its whole part of the model), so that a state agreeing there, such as the
        state a click started from, reuses it."""
        if skip is None:
            deps = self.plan.component_fields[table]
        else:
            deps = self.plan.behind[(table, skip)] | self.plan.dropped.get((table, skip), frozenset())
        return ("R", table, names, self._sub_key(deps))

    def _filters(self, table: str, skip: str | None) -> list[tuple[str, np.ndarray]]:
        """(field, selection over its symbols) applying to the table's rows: selections
        on its unlinked fields and the messages through its keys but ``skip``."""
        out = []
        and_mode: list[tuple[str, np.ndarray]] = []
        for f in self.plan.local[table]:
            sel = self.state.selected.get(f)
            if sel is not None:
                out.append((f, sel))
            if f in self.state.and_fields and f in self._selected:
                and_mode.append(self._and_filter(table, f))
        for k in self.plan.links[table]:
            if k != skip:
                allowed = self.to_table(k, table)
                if allowed is not None:
                    out.append((k, allowed))
        for k, allowed in and_mode:  # a field in AND mode restricts the table's other one
            at = next((i for i, (f, _) in enumerate(out) if f == k), None)
            if at is None:
                out.append((k, allowed))
            else:
                out[at] = (k, _readonly(np.logical_and(out[at][1], allowed)))
        return out

    def _and_filter(self, table: str, name: str) -> tuple[str, np.ndarray]:
        """AND mode (QlikView help, "And-mode in list boxes"): ``name`` is the second of
        the two fields of ``table``; its selected values all and its NOT selections none
        of them must be associated with a value of the first field through the table's
        rows. The values of the first field that pass: (field, bool over its symbols)."""
        return self._memo.get(("&", table, name), lambda: self._make_and_filter(table, name))

    def _make_and_filter(self, table: str, name: str) -> tuple[str, np.ndarray]:
        t = self.model.tables[table]
        other = next(f for f in t.fields if f != name)
        nk, nf = self.plan.nsym[other], self.plan.nsym[name]
        kcol = t.columns[other].astype(np.int64)
        fcol = t.columns[name].astype(np.int64)
        allowed = np.ones(nk + 1, dtype=bool)
        chosen = self.state.selected.get(name)
        if chosen is not None:
            rows = np.append(chosen, False)[fcol]
            pairs = np.unique(kcol[rows] * (nf + 1) + fcol[rows])  # each pair once
            hits = np.bincount(pairs // (nf + 1), minlength=nk + 1)
            allowed &= hits == int(np.count_nonzero(chosen))
        refused = self.state.excluded.get(name)
        if refused is not None:
            rows = np.append(refused, False)[fcol]
            allowed[kcol[rows]] = False
        return other, _readonly(allowed[:nk])

    def _make_rows(self, table: str, filters: list[tuple[str, np.ndarray]],
                   whole: bool) -> RowSet:
        n = self.plan.nrows[table]
        if not filters:
            return RowSet.all(n)
        links = self.plan.links[table]
        keyed = [k for k, _ in filters if k in links
                 and self.plan.behind_selection(table, k, self._selected)]
        if whole and len(filters) > 1 and keyed:
            # all rows = the rows of the message through one key (computed for that
            # message anyway), narrowed by that key's own message
            others = frozenset(f for f, _ in filters)
            done = [k for k in keyed if ("R", table, others - {k}) in self._memo
                    or self._shared_rows_key(table, k, others - {k}) in self.shared.row_sets]
            # of those made already, the fewest rows to narrow
            k = min(done, key=lambda d: self._rows(table, d).count) if done else keyed[0]
            base = self._rows(table, k)
            return self._narrow(table, base, k, _lut(dict(filters)[k]))
        luts = [(f, _lut(sel)) for f, sel in filters]
        luts.sort(key=lambda item: self._expected(table, *item))
        rows = RowSet.all(n)
        for f, lut in luts:
            rows = self._narrow(table, rows, f, lut)
            if rows.count == 0:
                break
        return rows

    def _expected(self, table: str, field: str, lut: np.ndarray) -> int:
        """Rows of the table a lookup table keeps (exact where the column keeps its code
        counts or is an identity; else the symbols kept, for ordering the filters)."""
        st = self.plan.stats[(table, field)]
        if st.counts is None:
            return int(np.count_nonzero(lut[: st.nsym] & st.present))
        return int(np.dot(st.counts, lut.astype(st.counts.dtype)))

    def _narrow(self, table: str, rows: RowSet, field: str, lut: np.ndarray) -> RowSet:
        """The rows of ``rows`` whose code of ``field`` the lookup table keeps."""
        st = self.plan.stats[(table, field)]
        n = rows.n
        if st.identity:
            hit = lut[:n]
            if rows.is_all:
                return RowSet.of_mask(hit.copy(), source=(field, lut))
            if rows.kind == INDEX:
                assert rows.data is not None
                return RowSet.of_indices(rows.data[hit[rows.data]], n)
            assert rows.data is not None
            return RowSet.of_mask(rows.data & hit)
        col = self.model.tables[table].columns.stored(field)
        assert isinstance(col, np.ndarray)
        if rows.is_all:
            if st.counts is not None:
                count = self._expected(table, field, lut)
                if count == n:
                    return RowSet(rows.kind, n, n, None, (field, lut))
                if self.model.tables[table].grouped_by == field:
                    postings = self.plan.postings(table, field)
                    if postings is not None:  # runs: written out at any density
                        _, offsets, runs = postings
                        keep = kpostings.kept(offsets, lut, runs)
                        idx = kpostings.run_rows(offsets, keep, count, n)
                        mask = (kpostings.runs_mask(offsets, keep, n)
                                if count >= SPARSE * n else None)
                        return RowSet.of_runs(idx, n, mask, source=(field, lut),
                                              spans=kpostings.spans_of(offsets, keep))
                if count < SPARSE * n:
                    postings = self.plan.postings(table, field)
                    if postings is not None:
                        order, offsets, runs = postings
                        idx = kpostings.rows(order, offsets, lut, n, count, runs)
                    else:
                        idx = klut.indices(lut, col, count)
                    return RowSet.of_indices(idx, n, source=(field, lut))
            mask, got = klut.mask(lut, col)
            return RowSet.of_mask(mask, got, source=(field, lut))
        if rows.kind == INDEX:
            assert rows.data is not None
            return RowSet.of_indices(klut.restrict_indices(lut, col, rows.data), n)
        assert rows.data is not None
        out = rows.data.copy()
        got = klut.restrict(lut, col, out)
        return RowSet.of_mask(out, got)

    # -- presence -------------------------------------------------------------------

    def _presence(self, table: str, field: str, rows: RowSet) -> np.ndarray:
        """Bool over the field's symbols: which occur in ``rows`` of the table."""
        st = self.plan.stats[(table, field)]
        if rows.is_all:
            return st.present
        if rows.source is not None and rows.source[0] == field:
            return _readonly(rows.source[1][: st.nsym] & st.present)
        if rows.count == 0:
            return _readonly(np.zeros(st.nsym, dtype=bool))
        if st.identity:
            return rows.mask() if rows.kind == MASK else _readonly(rows.mask())
        if self.model.tables[table].grouped_by == field:
            postings = self.plan.postings(table, field)
            if postings is not None:  # the rows' runs, no read of the column
                _, offsets, runs = postings
                if rows.kind == INDEX:
                    return _readonly(kpresence.of_runs(offsets, runs, st.nsym, idx=rows.data))
                return _readonly(kpresence.of_runs(offsets, runs, st.nsym, mask=rows.data))
        col = self.model.tables[table].columns.stored(field)
        assert isinstance(col, np.ndarray) and rows.data is not None
        if rows.spans is not None and len(rows.spans) <= SLICES:  # a few runs of rows
            out = np.zeros(st.nsym, dtype=bool)
            for a, b in rows.spans.tolist():
                out |= kpresence.of_all(col[a:b], st.nsym, st.distinct)
            return _readonly(out)
        if rows.kind == INDEX:
            out = kpresence.of_indices(col, rows.data, st.nsym, st.distinct)
        else:
            out = kpresence.of_mask(col, rows.data, st.nsym, st.distinct)
        return _readonly(out)

    def symbols_in(self, table: str, name: str) -> np.ndarray:
        """Bool over the field's symbols: those held by the table's possible rows (read
        only). A key linking the table needs no pass over its rows."""
        if not self._selected:
            return self.plan.stats[(table, name)].present
        return self._memo.get(("T", table, name), lambda: self._in_table(table, name))

    def _in_table(self, table: str, name: str) -> np.ndarray:
        """The field's symbols in the table's possible rows."""
        if table in self.plan.loose and name not in self.plan.links[table]:
            # a loosely coupled table's field is as if in a table of its own
            st = self.plan.stats[(table, name)]
            sel = self.state.selected.get(name)
            return st.present if sel is None else _readonly(st.present & sel)
        if name in self.plan.links[table]:
            # rows = (rows behind the other keys) ∧ F(name→table)[col]: their symbols are
            # M(table→name) ∧ F(name→table), with no pass over the rows
            msg = self.to_field(table, name)
            allowed = self.to_table(name, table)
            out = self.plan.stats[(table, name)].present if msg is None else msg
            if allowed is not None:
                out = _readonly(np.logical_and(out, allowed))
            return out
        return self._presence(table, name, self.rows(table))

    # -- reading --------------------------------------------------------------------

    @property
    def empty(self) -> bool:
        """True when the selections leave no possible row in a table that has rows."""
        return any(n and self.rows(t).count == 0 for t, n in self.plan.nrows.items())

    @property
    def row_masks(self) -> Mapping[str, np.ndarray | None]:
        """Each table's possible rows as a bool mask, None for all rows (made from an
        index list when first read, then kept: prefer ``rows``, whose ``indices`` and
        ``mask`` give either form)."""
        return _RowMasks(self)

    def possible(self, name: str) -> np.ndarray:
        """Bool array over the field's symbols: possible under all selections."""
        return self._memo.get(("P", name), lambda: self._possible(name))

    def _possible(self, name: str) -> np.ndarray:
        if not self._selected:
            return self.plan.field_present[name]
        parts = [self.symbols_in(t, name) for t in self.plan.field_tables[name]]
        if len(parts) == 1:
            return parts[0] if not parts[0].flags.writeable else _readonly(parts[0])
        out = parts[0].copy()
        for p in parts[1:]:
            out |= p
        return _readonly(out)

    def alternative(self, name: str) -> np.ndarray:
        """Possible when the field's own selection is ignored (equals possible otherwise)."""
        if not self.state.has_selection(name):
            return self.possible(name)
        return self._memo.get(("A", name), lambda: self.shared.inference(
            self.state.without({name})).possible(name))

    def states(self, name: str) -> np.ndarray:
        """One state code (index into STATE_CODES) per symbol of the field."""
        return self._memo.get(("S", name), lambda: _readonly(self._states(name)))

    def _states(self, name: str) -> np.ndarray:
        possible = self.possible(name)
        sel = self.state.selected.get(name)
        refused = self.state.excluded.get(name)
        if sel is None and refused is None:
            return np.where(possible, OPTION, EXCLUDED).astype(np.int8)
        if sel is None:  # NOT selections only: the others as with no selection
            out = np.where(possible, OPTION, EXCLUDED).astype(np.int8)
        else:
            locked = name in self.state.locked
            alt = self.alternative(name)
            out = np.full(len(possible), EXCLUDED, dtype=np.int8)
            out[alt & ~sel] = ALTERNATIVE
            out[sel & possible] = LOCKED if locked else SELECTED
            out[sel & ~possible] = LOCK_EXCL if locked else SEL_EXCL
        if refused is not None:
            out[refused] = DESELECTED
        return out

    def state_counts(self, name: str) -> dict[str, int]:
        counts = self._memo.get(("C", name), lambda: np.bincount(self.states(name), minlength=8))
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

    def derived(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A value computed from this inference once, however many readers ask (list
        objects and charts keep their per-state pieces here: a field's display order, its
        frequencies), shared like the inference itself."""
        return self._memo.get(("D", key), compute)

    @property
    def nbytes(self) -> int:
        """Memory held by what this inference computed (messages are counted apart)."""
        return memo_nbytes(self._memo.values())


class _RowMasks(Mapping[str, "np.ndarray | None"]):
    """``Inference.row_masks``: masks made from the row sets when read."""

    def __init__(self, inference: Inference) -> None:
        self._inf = inference

    def __getitem__(self, table: str) -> np.ndarray | None:
        if table not in self._inf.plan.nrows:
            raise KeyError(table)
        rows = self._inf.rows(table)
        if rows.is_all:
            return None
        if rows.kind == MASK:
            return rows.mask()
        return self._inf._memo.get(("mask", table), lambda: _readonly(rows.mask()))

    def __iter__(self) -> Iterator[str]:
        return iter(self._inf.plan.nrows)

    def __len__(self) -> int:
        return len(self._inf.plan.nrows)

