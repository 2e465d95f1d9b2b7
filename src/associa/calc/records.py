"""Records: the rows of the association that a chart needs.

A chart over fields from several tables works on the full outer join of the tables that
connect those fields (the smallest subtree of the association forest that holds them),
restricted to the rows that are possible in the selection state. Fields from unconnected
parts of the model combine as a Cartesian product. A table's rows repeat across records
when it is joined to a table with several matching rows; aggregations then count each
row once per group (``duplicated`` says which tables repeat).

No join is made when one table of the subtree (the base: a fact table) reaches every
other through keys on which that other table has at most one row per value (dimension
tables). The records are then (``LookupSegment``):

* each possible row of the base, reading the other tables' fields through lookup tables
  over the base's key symbols (the Category of each ProductID), made per model and
  restricted to the possible rows per selection state (``calc/lookups.py``);
* each possible row of another table that no record above reaches (a product never
  ordered, a customer without a key), with the tables below it read the same way.

Otherwise the records are joined as row-index arrays (``calc/joins.py``). Either way a
field's code in each record comes as ``Codes`` (a gather, made only when read).

A loosely coupled table takes part as one table per field (``calc/loose.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from associa.calc.joins import JoinSegment, join_tree, product
from associa.calc.lookups import StateLookups
from associa.calc.loose import ViewInference, view
from associa.kernels.codes import Codes
from associa.kernels.group import presence_until
from associa.model import DataModel
from associa.select import Inference


class LookupSegment:
    """Possible rows of a base table (``rows``, None for all) and, for each table reached
    from it, the row of that table per symbol of the base's key on the way (``links``:
    table -> (key field of the base, lookup table over its symbols, -1 for none))."""

    def __init__(self, model: DataModel, base: str, rows: np.ndarray | None, n: int,
                 links: dict[str, tuple[str, np.ndarray]], parents: dict[str, tuple[str, str]],
                 gathered: Callable[[str], np.ndarray | None] | None = None):
        self.model = model
        self.base = base
        self.base_rows = rows
        self.n = n
        self.links = links
        self.parents = parents  # table -> (parent table, key joining them)
        # a base column's codes at the rows, when the state keeps them (few rows: every
        # chart of the state then reads them from a short array, not through the rows)
        self.gathered = gathered
        self._attrs: dict[tuple[str, str], np.ndarray] = {}

    def holds(self, table: str) -> bool:
        return table == self.base or table in self.links

    def _tables(self) -> list[str]:
        return [self.base, *self.links]

    def _base_col(self, name: str) -> np.ndarray | None:
        table = self.model.tables[self.base]
        return None if table.is_identity(name) else table.columns[name]

    def _base_codes(self, name: str, lut: np.ndarray | None) -> Codes:
        """The base's codes of ``name`` at its rows, through ``lut``."""
        if self.gathered is not None:
            found = self.gathered(name)
            if found is not None:
                return Codes(found, None, lut, self.n)
        return Codes(self._base_col(name), self.base_rows, lut, self.n)

    def codes(self, name: str) -> Codes | None:
        holders = [t for t in self._tables() if name in self.model.tables[t].columns]
        if not holders:
            return None
        root = holders[0]
        if all(self.parents[t][1] == name and self.parents[t][0] in holders
               for t in holders[1:]):
            # the others are looked up by this very value: they agree with the first
            return self._codes_in(root, name)
        return self._first_value(name)

    def _codes_in(self, table: str, name: str) -> Codes:
        if table == self.base:
            return self._base_codes(name, None)
        key, rowlut = self.links[table]
        attr = self._attrs.get((table, name))
        if attr is None:
            fld = self.model.fields[name]
            attr = np.full(len(rowlut), fld.null_code, dtype=fld.code_dtype)
            ok = rowlut >= 0
            t = self.model.tables[table]
            attr[ok] = rowlut[ok] if t.is_identity(name) else t.columns[name][rowlut[ok]]
            self._attrs[(table, name)] = attr
        return self._base_codes(key, attr)

    def _first_value(self, name: str) -> Codes:
        """A field held by tables not joined on it: from the first table (in the field's
        table order) whose row has a value."""
        fld = self.model.fields[name]
        out: np.ndarray | None = None
        for t in fld.tables:
            if not self.holds(t):
                continue
            vals = self._codes_in(t, name).materialize()
            if out is None:
                out = vals.copy()
            else:
                missing = out == fld.null_code
                out[missing] = vals[missing]
        assert out is not None
        return Codes.of(out)

    def rows_of(self, table: str) -> np.ndarray:
        if table == self.base:
            rows = self.base_rows
            return np.arange(self.n, dtype=np.int64) if rows is None else rows.astype(np.int64)
        key, rowlut = self.links[table]
        return self._base_codes(key, rowlut).materialize()

    def repeats(self, table: str) -> bool | None:
        return False if table == self.base else None


class Records:
    """The records of a chart: segments one after the other."""

    def __init__(self, model: DataModel | None, segments: list, field_tables: dict[str, list[str]],
                 inference: Inference | None = None) -> None:
        self.model = model
        self.segments = segments
        self.n = sum(s.n for s in segments)
        self.field_tables = field_tables  # field -> its tables among the records'
        self.inference = inference
        self._duplicated: dict[str, bool] = {}

    @staticmethod
    def single() -> Records:
        """One record of no table (a chart without fields)."""
        return Records(None, [], {}, None)._with_n(1)

    def _with_n(self, n: int) -> Records:
        self.n = n
        return self

    def codes(self, name: str) -> Codes:
        """The field's code in each record (its null code for NULL)."""
        assert self.model is not None
        fld = self.model.fields[name]
        parts = []
        for seg in self.segments:
            c = seg.codes(name)
            if c is None:
                c = Codes.of(np.full(seg.n, fld.null_code, dtype=fld.code_dtype))
            parts.append(c)
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return Codes.of(np.zeros(0, dtype=fld.code_dtype))
        return Codes.of(np.concatenate([p.materialize().astype(fld.code_dtype, copy=False)
                                        for p in parts]))

    def column(self, model: DataModel, name: str) -> np.ndarray:
        """The field's code in each record, as an array (do not write to it)."""
        return self.codes(name).materialize()

    def tables_of(self, names: Iterable[str]) -> list[str]:
        out: list[str] = []
        for name in names:
            for t in self.field_tables.get(name, []):
                if t not in out:
                    out.append(t)
        return out

    def table_rows(self, table: str) -> np.ndarray:
        """The table's row in each record (int64, -1 for none)."""
        parts = [s.rows_of(table) if s.holds(table) else np.full(s.n, -1, dtype=np.int64)
                 for s in self.segments]
        return np.concatenate(parts) if len(parts) != 1 else parts[0]

    def duplicated(self, table: str) -> bool:
        """Whether some row of the table is in more than one record."""
        hit = self._duplicated.get(table)
        if hit is None:
            known = [s.repeats(table) for s in self.segments if s.holds(table)]
            if len(known) == 1 and known[0] is not None:
                hit = known[0]
            else:
                rows = self.table_rows(table)
                rows = rows[rows >= 0]
                hit = bool(len(rows)) and int(np.bincount(rows).max()) > 1
            self._duplicated[table] = hit
        return hit

    def possible(self, name: str) -> np.ndarray:
        """The field's possible values: every value a record can hold is one of them."""
        assert self.inference is not None
        return self.inference.possible(name)


def _subtree(model: DataModel, component: list[str], needed: set[str]) -> dict[str, set[str]]:
    """The smallest subtree of the component's table/key graph holding ``needed`` tables,
    as adjacency: node -> neighbours. Nodes are ("t:"+table) and ("f:"+field)."""
    adj: dict[str, set[str]] = {}
    for tname in component:
        for k in model.links[tname]:
            adj.setdefault("t:" + tname, set()).add("f:" + k)
            adj.setdefault("f:" + k, set()).add("t:" + tname)
    keep = {"t:" + t for t in needed}
    changed = True
    while changed:
        changed = False
        for node in list(adj):
            if node not in keep and len(adj[node]) <= 1:
                for other in adj.pop(node):
                    adj[other].discard(node)
                changed = True
    for t in needed:
        adj.setdefault("t:" + t, set())
    return adj


def _tree_from(adj: dict[str, set[str]], base: str) -> list[tuple[str, str, str]]:
    """The subtree's links oriented away from ``base``, breadth first: (parent, key,
    child)."""
    out = []
    seen = {"t:" + base}
    queue = ["t:" + base]
    while queue:
        node = queue.pop(0)
        for nb in sorted(adj.get(node, ())):
            if nb in seen:
                continue
            seen.add(nb)
            for tnode in sorted(adj[nb]):
                if tnode in seen:
                    continue
                seen.add(tnode)
                out.append((node[2:], nb[2:], tnode[2:]))
                queue.append(tnode)
    return out


def _lookup_plan(model: DataModel, state: StateLookups, tables: list[str],
                 adj: dict[str, set[str]]) -> list[LookupSegment | JoinSegment] | None:
    """Lookup segments for the subtree when some table can be the base, else None."""
    for base in sorted(tables, key=lambda t: -model.tables[t].nrows):
        tree = _tree_from(adj, base)
        if all(state.model.key_rows(child, key) is not None for _, key, child in tree):
            return _lookup_segments(model, state, base, tree)
    return None


def _links(model: DataModel, state: StateLookups, root: str,
           tree: list[tuple[str, str, str]]) -> dict[str, tuple[str, np.ndarray]]:
    """For each table below ``root``: (root's key on the way, row per symbol of it)."""
    links: dict[str, tuple[str, np.ndarray]] = {}
    for parent, key, child in tree:
        rowlut = state.key_rows(child, key)
        assert rowlut is not None
        if parent == root:
            links[child] = (key, rowlut)
        elif parent in links:
            first, prow = links[parent]
            ptable = model.tables[parent]
            ok = prow >= 0
            pkey = np.full(len(prow), model.fields[key].null_code, dtype=np.intp)
            pkey[ok] = prow[ok] if ptable.is_identity(key) else ptable.columns[key][prow[ok]]
            links[child] = (first, rowlut[pkey])
    return links


def _lookup_segments(model: DataModel, state: StateLookups, base: str,
                     tree: list[tuple[str, str, str]]) -> list[LookupSegment | JoinSegment]:
    parents = {child: (parent, key) for parent, key, child in tree}
    rows = state.rows(base)
    segments: list[LookupSegment | JoinSegment] = [
        LookupSegment(model, base, rows, state.count(base), _links(model, state, base, tree),
                      parents, lambda name: state.column(base, name))]
    # the rows below a key that no row above it reaches are records of their own; the
    # tables hanging on the same key (siblings) join each other on it there, as the
    # association is one join on the key: a key value missing above is one record with
    # the row of every sibling that holds it (each sibling's segment takes the values no
    # earlier sibling holds, and looks the later ones up)
    groups: dict[tuple[str, str], list[str]] = {}
    for parent, key, child in tree:
        groups.setdefault((parent, key), []).append(child)
    for (parent, key), children in groups.items():
        covered = _key_symbols(model, state, parent, key)
        for i, child in enumerate(children):
            lone = _lone_rows(model, state, child, key, covered)
            if i + 1 < len(children):
                covered = covered | _key_symbols(model, state, child, key)
            if lone is None or not len(lone):
                continue
            later = children[i + 1:]
            below = [(child, key, other) for other in later]
            for t in (child, *later):
                below += _below(t, tree)
            seg_parents = dict(parents)
            seg_parents.update({other: (child, key) for other in later})
            segments.append(LookupSegment(model, child, lone, len(lone),
                                          _links(model, state, child, below), seg_parents))
    return segments


def _below(root: str, tree: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    inside = {root}
    out = []
    for parent, key, child in tree:
        if parent in inside:
            inside.add(child)
            out.append((parent, key, child))
    return out


def _key_symbols(model: DataModel, state: StateLookups, table: str, key: str) -> np.ndarray:
    """Bool over the key's codes (the NULL code last, never set): those the table's
    possible rows hold."""
    nsym = model.fields[key].null_code
    held = state.symbols_in(table, key)
    if held is not None:  # the inference knows them (no pass for a key)
        return np.append(held, False)
    rows = state.rows(table)
    if rows is None:
        return np.append(model.full_presence[(table, key)], False)
    t = model.tables[table]
    col = None if t.is_identity(key) else t.columns[key]
    seen = presence_until(Codes(col, rows, None, len(rows)), nsym + 1,
                          np.ones(nsym + 1, dtype=bool))
    seen[nsym] = False
    return seen


def _lone_rows(model: DataModel, state: StateLookups, child: str, key: str,
               covered: np.ndarray) -> np.ndarray | None:
    """The possible rows of ``child`` whose key is not ``covered`` (held by the rows
    above), NULL keys included: they are records of their own."""
    ctable = model.tables[child]
    crows = state.rows(child)
    if ctable.is_identity(key):
        ckeys = np.arange(ctable.nrows) if crows is None else crows
    else:
        ccol = ctable.columns[key]
        ckeys = ccol if crows is None else ccol[crows]
    lone = ~covered[ckeys]
    if not lone.any():
        return None
    idx = np.flatnonzero(lone)
    return idx if crows is None else crows[idx]


def associate(
    model: DataModel,
    inference: Inference,
    fields: set[str],
    whole: set[str] | frozenset[str] = frozenset(),
    lookups: bool = True,
) -> Records:
    """The records over the tables that hold ``fields``.

    A key field is read from the tables needed anyway, except for the fields in ``whole``
    (a chart's dimensions): every table holding them takes part, so that the records
    carry all their possible values, including those found in one table only.
    ``lookups=False`` joins even where lookups would do (the tests compare the two).

    Over loosely coupled tables the records come from the model's view in which each
    such table is one table per field (``calc.loose``).
    """
    if model.loose_tables:
        inference = ViewInference.of(inference)  # type: ignore[assignment]
        model = view(model)
    state = StateLookups.of(inference)
    needed: set[str] = set()
    for name in sorted(fields, key=lambda f: model.fields[f].is_key):
        tables = model.fields[name].tables
        if len(tables) == 1 or name in whole:
            needed.update(tables)
    for name in fields:
        tables = model.fields[name].tables
        if not any(t in needed for t in tables):
            needed.add(tables[0])
    by_component: dict[int, set[str]] = {}
    for t in needed:
        by_component.setdefault(model.component_of(t), set()).add(t)

    parts: list[list] = []
    for comp_idx in sorted(by_component):
        comp = model.components[comp_idx]
        want = by_component[comp_idx]
        adj = _subtree(model, comp, want)
        tables = [t for t in comp if "t:" + t in adj]
        segments = _lookup_plan(model, state, tables, adj) if lookups else None
        if segments is None:
            start = next(t for t in comp if t in want)
            segments = [join_tree(model, state, adj, start)]
        parts.append(segments)

    if len(parts) == 1:
        segments = parts[0]
    elif not parts:
        return Records.single()
    else:
        joined = _joined(model, parts[0])
        for part in parts[1:]:
            joined = product(joined, _joined(model, part))
        segments = [joined]
    holders = {t for s in segments for t in _held(s)}
    field_tables = {name: [t for t in model.fields[name].tables if t in holders]
                    for name in fields}
    return Records(model, segments, field_tables, inference)


def _held(segment: LookupSegment | JoinSegment) -> list[str]:
    if isinstance(segment, JoinSegment):
        return list(segment.rows)
    return [segment.base, *segment.links]


def _joined(model: DataModel, segments: list) -> JoinSegment:
    """Segments as one segment of row-index arrays."""
    if len(segments) == 1 and isinstance(segments[0], JoinSegment):
        return segments[0]
    tables: list[str] = []
    for s in segments:
        for t in _held(s):
            if t not in tables:
                tables.append(t)
    rows = {t: np.concatenate([s.rows_of(t) if s.holds(t) else np.full(s.n, -1, np.int64)
                               for s in segments]) for t in tables}
    n = sum(s.n for s in segments)
    recs = Records(model, segments, {}, None)
    duplicated = {t for t in tables if recs.duplicated(t)}
    return JoinSegment(model, rows, n, duplicated)
