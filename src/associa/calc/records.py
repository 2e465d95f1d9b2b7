"""Records: the rows of the association that a chart needs, as row indices per table.

A chart over fields from several tables works on the full outer join of the tables that
connect those fields (the smallest subtree of the association forest that holds them),
restricted to the rows that are possible in the selection state. Fields from unconnected
parts of the model combine as a Cartesian product.

A record is one tuple of that join: ``rows[t][i]`` is the row of table ``t`` in record
``i``, or ``-1`` when the record has no row of ``t``. A table's rows repeat across records
when it is joined to a table with several matching rows; aggregations then count each
row once per group (``duplicated`` says which tables repeat).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from associa.model import DataModel
from associa.select import Inference


@dataclass(slots=True)
class Records:
    rows: dict[str, np.ndarray]  # table -> int64 row per record, -1 = none
    n: int
    duplicated: set[str] = field(default_factory=set)
    field_tables: dict[str, list[str]] = field(default_factory=dict)  # field -> tables in records

    def column(self, model: DataModel, name: str) -> np.ndarray:
        """The field's symbol code in each record (the field's null code for NULL)."""
        fld = model.fields[name]
        null = fld.null_code
        out: np.ndarray | None = None
        for tname in self.field_tables[name]:
            rows = self.rows[tname]
            col = model.tables[tname].columns[name]
            vals = np.where(rows >= 0, col[np.maximum(rows, 0)], null) if len(col) else np.full(
                len(rows), null, dtype=fld.code_dtype
            )
            if out is None:
                out = vals
            else:
                missing = out == null
                out[missing] = vals[missing]
        assert out is not None
        return out

    def tables_of(self, names: set[str]) -> list[str]:
        out: list[str] = []
        for name in names:
            for t in self.field_tables.get(name, []):
                if t not in out:
                    out.append(t)
        return out

    def take(self, idx: np.ndarray) -> Records:
        return Records(
            {t: r[idx] for t, r in self.rows.items()},
            len(idx),
            set(self.duplicated),
            self.field_tables,
        )


def _possible_rows(inference: Inference, tname: str) -> np.ndarray:
    mask = inference.row_masks.get(tname)
    if mask is None:
        return np.arange(inference.model.tables[tname].nrows, dtype=np.int64)
    return np.flatnonzero(mask).astype(np.int64)


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


def _join(
    model: DataModel,
    inference: Inference,
    recs: dict[str, np.ndarray],
    duplicated: set[str],
    left_table: str,
    key: str,
    right_table: str,
) -> dict[str, np.ndarray]:
    """Full outer join of the records with the possible rows of ``right_table`` on ``key``
    (taken from ``left_table`` in the records)."""
    left_rows = recs[left_table]
    nsym = model.fields[key].null_code  # the number of symbols, and the code of NULL
    lcol = model.tables[left_table].columns[key]
    lkeys = np.where(left_rows >= 0, lcol[np.maximum(left_rows, 0)], nsym).astype(np.int64)
    lvalid = lkeys != nsym
    lk = np.where(lvalid, lkeys, 0)
    urows = _possible_rows(inference, right_table)
    ukeys = model.tables[right_table].columns[key][urows].astype(np.int64)
    uvalid = ukeys != nsym
    per_key = np.bincount(ukeys[uvalid], minlength=nsym)  # right rows per key value
    counts = np.where(lvalid, per_key[lk] if nsym else 0, 0)
    matched_keys = np.zeros(nsym, dtype=bool)
    matched_keys[lk[counts > 0]] = True
    if np.bincount(lk[counts > 0], minlength=nsym).max(initial=0) > 1:
        duplicated.add(right_table)  # a right row meets several records
    if per_key.max(initial=0) <= 1:
        # right rows are unique per key: a lookup table, no records repeat
        lut = np.full(nsym, -1, dtype=np.int64)
        lut[ukeys[uvalid]] = urows[uvalid]
        right = np.where(counts > 0, lut[lk] if nsym else -1, -1)
        out = dict(recs)
    else:
        valid_idx = np.flatnonzero(uvalid)
        order = valid_idx[np.argsort(ukeys[valid_idx], kind="stable")]  # right rows by key
        offsets = np.concatenate([[0], np.cumsum(per_key)])
        reps = np.maximum(counts, 1)
        if (counts > 1).any():
            duplicated.update(recs)
        out = {t: np.repeat(r, reps) for t, r in recs.items()}
        total = int(reps.sum())
        run_start = np.repeat(np.cumsum(reps) - reps, reps)
        offset = np.arange(total) - run_start
        matched = np.repeat(counts > 0, reps)
        pick = np.repeat(offsets[lk], reps) + offset
        right = np.full(total, -1, dtype=np.int64)
        right[matched] = urows[order[pick[matched]]]
    # right rows without a partner (and NULL keys) become records of their own
    key_hit = matched_keys[np.where(uvalid, ukeys, 0)] if nsym else np.zeros(len(urows), bool)
    lone = urows[~(uvalid & key_hit)]
    if len(lone):
        out = {t: np.concatenate([r, np.full(len(lone), -1, dtype=np.int64)]) for t, r in out.items()}
        right = np.concatenate([right, lone])
    out[right_table] = right
    return out


def associate(
    model: DataModel,
    inference: Inference,
    fields: set[str],
    whole: set[str] | frozenset[str] = frozenset(),
) -> Records:
    """The records over the tables that hold ``fields``.

    A key field is read from the tables needed anyway, except for the fields in ``whole``
    (a chart's dimensions): every table holding them takes part, so that the records
    carry all their possible values, including those found in one table only.
    """
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

    parts: list[Records] = []
    for comp_idx in sorted(by_component):
        comp = model.components[comp_idx]
        want = by_component[comp_idx]
        adj = _subtree(model, comp, want)
        start = next(t for t in comp if t in want)
        recs = {start: _possible_rows(inference, start)}
        duplicated: set[str] = set()
        visited = {"t:" + start}
        queue = ["t:" + start]
        while queue:
            node = queue.pop(0)
            for nb in sorted(adj.get(node, ())):
                if nb in visited:
                    continue
                visited.add(nb)
                if nb.startswith("f:"):
                    key = nb[2:]
                    for tnode in sorted(adj[nb]):
                        if tnode in visited:
                            continue
                        visited.add(tnode)
                        recs = _join(model, inference, recs, duplicated, node[2:], key, tnode[2:])
                        queue.append(tnode)
        n = len(next(iter(recs.values())))
        parts.append(Records(recs, n, duplicated))

    result = parts[0] if parts else Records({}, 1)
    for part in parts[1:]:
        result = _product(result, part)
    for name in fields:
        result.field_tables[name] = [t for t in model.fields[name].tables if t in result.rows]
    return result


def _product(a: Records, b: Records) -> Records:
    ia = np.repeat(np.arange(a.n), b.n)
    ib = np.tile(np.arange(b.n), a.n)
    rows = {t: r[ia] for t, r in a.rows.items()}
    rows.update({t: r[ib] for t, r in b.rows.items()})
    dup = set(a.duplicated) | set(b.duplicated)
    if a.n > 1:
        dup.update(b.rows)
    if b.n > 1:
        dup.update(a.rows)
    return Records(rows, a.n * b.n, dup)
