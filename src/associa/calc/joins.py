"""General joins: the records of a subtree of tables whose links are not all lookups, made
as row-index arrays (``JoinSegment``), and the Cartesian product of unconnected parts.

The join walks the subtree breadth first from its first table and joins each next table
on its key (a full outer join over possible rows). A table with several rows per key
value repeats the records it meets; its rows are found through the model's row map
(rows grouped by key, built once per model), so a request sorts nothing.
"""

from __future__ import annotations

import numpy as np

from associa.calc.lookups import StateLookups
from associa.kernels.codes import Codes
from associa.model import DataModel


class JoinSegment:
    """Records as the row of each table in each record (int64, -1 for none)."""

    def __init__(self, model: DataModel, rows: dict[str, np.ndarray], n: int,
                 duplicated: set[str]) -> None:
        self.model = model
        self.rows = rows
        self.n = n
        self.duplicated = duplicated

    def holds(self, table: str) -> bool:
        return table in self.rows

    def codes(self, name: str) -> Codes | None:
        """The field's code in each record: from the first of its tables (in the field's
        table order) whose row in the record has a value."""
        model = self.model
        fld = model.fields[name]
        null = fld.null_code
        out: np.ndarray | None = None
        for tname in fld.tables:
            rows = self.rows.get(tname)
            if rows is None:
                continue
            table = model.tables[tname]
            if table.is_identity(name):
                vals = np.where(rows >= 0, rows, null).astype(fld.code_dtype)
            elif table.nrows:
                vals = np.where(rows >= 0, table.columns[name][np.maximum(rows, 0)], null)
            else:
                vals = np.full(len(rows), null, dtype=fld.code_dtype)
            if out is None:
                out = vals.astype(fld.code_dtype, copy=False)
            else:
                missing = out == null
                out[missing] = vals[missing]
        return None if out is None else Codes.of(out)

    def rows_of(self, table: str) -> np.ndarray:
        return self.rows[table]

    def repeats(self, table: str) -> bool | None:
        return table in self.duplicated


def join_tree(model: DataModel, state: StateLookups, adj: dict[str, set[str]],
              start: str) -> JoinSegment:
    """The full outer join of the subtree ``adj`` (see records._subtree), from ``start``."""
    recs = {start: _possible_rows(state, start)}
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
                # the tables on this key join each other on it: a record's key value is
                # the first of theirs joined so far that it has (a value missing from
                # the table above still meets the rows of each later sibling)
                via = [node[2:]]
                for tnode in sorted(adj[nb]):
                    if tnode in visited:
                        continue
                    visited.add(tnode)
                    recs = _join(model, state, recs, duplicated, via, key, tnode[2:])
                    via.append(tnode[2:])
                    queue.append(tnode)
    n = len(next(iter(recs.values())))
    return JoinSegment(model, recs, n, duplicated)


def _possible_rows(state: StateLookups, tname: str) -> np.ndarray:
    rows = state.rows(tname)
    if rows is None:
        return np.arange(state.inference.model.tables[tname].nrows, dtype=np.int64)
    return rows.astype(np.int64, copy=False)


def _join(
    model: DataModel,
    state: StateLookups,
    recs: dict[str, np.ndarray],
    duplicated: set[str],
    left_tables: list[str],
    key: str,
    right_table: str,
) -> dict[str, np.ndarray]:
    """Full outer join of the records with the possible rows of ``right_table`` on ``key``
    (taken in each record from the first of ``left_tables`` that has a row there)."""
    nsym = model.fields[key].null_code  # the number of symbols, and the code of NULL
    lkeys = np.full(len(recs[left_tables[0]]), nsym, dtype=np.int64)
    for left_table in left_tables:
        left_rows = recs[left_table]
        ltable = model.tables[left_table]
        if ltable.is_identity(key):
            keys = np.where(left_rows >= 0, left_rows, nsym).astype(np.int64)
        else:
            lcol = ltable.columns[key]
            keys = np.where(left_rows >= 0, lcol[np.maximum(left_rows, 0)], nsym).astype(np.int64)
        np.copyto(lkeys, keys, where=lkeys == nsym)
    lvalid = lkeys != nsym
    lk = np.where(lvalid, lkeys, 0)
    rtable = model.tables[right_table]
    urows = _possible_rows(state, right_table)
    rcol = rtable.columns[key] if not rtable.is_identity(key) else None
    ukeys = (urows if rcol is None else rcol[urows]).astype(np.int64)
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
        # the possible right rows grouped by key, from the model's row map
        order, _ = state.model.row_map(right_table, key)
        mask = state.mask(right_table)
        if mask is not None:
            order = order[mask[order]]
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
        right[matched] = order[pick[matched]]
    # right rows without a partner (and NULL keys) become records of their own
    key_hit = matched_keys[np.where(uvalid, ukeys, 0)] if nsym else np.zeros(len(urows), bool)
    lone = urows[~(uvalid & key_hit)]
    if len(lone):
        out = {t: np.concatenate([r, np.full(len(lone), -1, dtype=np.int64)]) for t, r in out.items()}
        right = np.concatenate([right, lone])
    out[right_table] = right
    return out


def product(a: JoinSegment, b: JoinSegment) -> JoinSegment:
    """Every record of ``a`` with every record of ``b``."""
    ia = np.repeat(np.arange(a.n), b.n)
    ib = np.tile(np.arange(b.n), a.n)
    rows = {t: r[ia] for t, r in a.rows.items()}
    rows.update({t: r[ib] for t, r in b.rows.items()})
    dup = set(a.duplicated) | set(b.duplicated)
    if a.n > 1:
        dup.update(b.rows)
    if b.n > 1:
        dup.update(a.rows)
    return JoinSegment(a.model, rows, a.n * b.n, dup)
