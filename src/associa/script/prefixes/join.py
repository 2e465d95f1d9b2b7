"""JOIN and KEEP: a natural join of a new LOAD's rows with a table loaded before.

Both sides are in the builder's form (int32 codes into each field's one symbol table, -1
for NULL), so equal values have equal codes and the join compares codes only. The key is
every field the two share; NULL never matches (help "Join": the join is on values). No
shared field gives the Cartesian product. Everything is vectorized: the new rows are
grouped by key once (a counting sort), and each existing row finds its matches by index.

Row order of the result: the existing table's rows in order, each followed by its
matches in load order (an unmatched one once, with NULLs, for LEFT and OUTER), then the
new rows that matched nothing (RIGHT and OUTER), in load order.

JOIN replaces the existing table by the result (keeping its name and its fields first);
KEEP leaves two tables, each reduced to the rows that take part in the join
(help "Keep": INNER reduces both, LEFT the new one, RIGHT the existing one).
"""

from __future__ import annotations

import numpy as np

from associa.model.builder import ModelBuilder
from associa.model.table import Columns, Identity, Table

Column = np.ndarray | Identity


def _arr(col: Column) -> np.ndarray:
    return col.materialize().astype(np.int32) if isinstance(col, Identity) else col


def _keys(builder: ModelBuilder, left: Table, right: dict[str, Column],
          shared: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """A dense int64 key per row on each side (-1: a NULL in some key field) and the key
    space."""
    lk: np.ndarray | None = None
    rk: np.ndarray | None = None
    space = 1
    for name in shared:
        card = len(builder.symbols_of(name))
        lc = np.asarray(left.columns[name], dtype=np.int64)
        rc = _arr(right[name]).astype(np.int64)
        if lk is None or rk is None:
            lk, rk, space = lc, rc, card
            continue
        if space * card >= 1 << 62:
            lk, rk, space = _renumber(lk, rk)
        lbad, rbad = (lk < 0) | (lc < 0), (rk < 0) | (rc < 0)
        lk = np.where(lbad, -1, lk * card + lc)
        rk = np.where(rbad, -1, rk * card + rc)
        space *= card
    assert lk is not None and rk is not None
    if space > max(4 * (len(lk) + len(rk)), 1 << 22):
        lk, rk, space = _renumber(lk, rk)
    return lk, rk, space


def _renumber(lk: np.ndarray, rk: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    both = np.concatenate([lk, rk])
    uniq, inv = np.unique(both, return_inverse=True)
    inv = inv.reshape(-1).astype(np.int64)
    has_null = len(uniq) and uniq[0] < 0
    if has_null:
        inv = inv - 1  # -1 stays -1
    return inv[: len(lk)], inv[len(lk) :], len(uniq) - (1 if has_null else 0)


class Matches:
    """For each left row, its right rows: ``counts`` and the pairs (left, right)."""

    def __init__(self, lk: np.ndarray, rk: np.ndarray, space: int) -> None:
        rvalid = rk >= 0
        counts_by_key = np.bincount(rk[rvalid], minlength=space)
        order = np.flatnonzero(rvalid)[np.argsort(rk[rvalid], kind="stable")]
        starts = np.concatenate([[0], np.cumsum(counts_by_key)[:-1]])
        lvalid = lk >= 0
        lsafe = np.where(lvalid, lk, 0)
        self.counts = np.where(lvalid, counts_by_key[lsafe] if space else 0, 0)
        self._starts = starts[lsafe] if space else np.zeros(len(lk), dtype=np.int64)
        self._order = order
        self.right_matched = np.zeros(len(rk), dtype=bool)
        if len(rk):
            hit = np.zeros(space + 1, dtype=bool)
            hit[lk[lvalid]] = True
            self.right_matched = rvalid & hit[np.where(rvalid, rk, space)]

    def pairs(self, keep_unmatched_left: bool) -> tuple[np.ndarray, np.ndarray]:
        """(left row, right row or -1) per output row, left rows in order."""
        per_left = np.maximum(self.counts, 1) if keep_unmatched_left else self.counts
        nl = len(self.counts)
        left = np.repeat(np.arange(nl, dtype=np.int64), per_left)
        offsets = np.arange(len(left), dtype=np.int64) - np.repeat(
            np.cumsum(per_left) - per_left, per_left)
        has = self.counts[left] > 0
        right = np.full(len(left), -1, dtype=np.int64)
        right[has] = self._order[self._starts[left[has]] + offsets[has]]
        return left, right


def _gather(col: np.ndarray, idx: np.ndarray) -> np.ndarray:
    out = col[np.maximum(idx, 0)] if len(col) else np.full(len(idx), -1, dtype=np.int32)
    if len(idx) and (idx < 0).any():
        out = np.where(idx < 0, -1, out).astype(np.int32)
    return out


def join(builder: ModelBuilder, left: Table, names: list[str], right: dict[str, Column],
         nright: int, how: str) -> Table:
    """JOIN (outer | inner | left | right) the new rows onto ``left``; the new table."""
    shared = [n for n in names if n in left.columns]
    if not shared:  # no common field: the Cartesian product
        li = np.repeat(np.arange(left.nrows, dtype=np.int64), nright)
        ri = np.tile(np.arange(nright, dtype=np.int64), left.nrows)
        return _assemble(left, names, right, li, ri, shared)
    lk, rk, space = _keys(builder, left, right, shared)
    m = Matches(lk, rk, space)
    if how in ("inner", "left") and bool(np.all(m.counts == 1)):
        # every existing row meets exactly one new row (a lookup): no row moves
        return _assemble(left, names, right, None, m.pairs(False)[1], shared)
    li, ri = m.pairs(how in ("left", "outer"))
    if how in ("right", "outer"):
        extra = np.flatnonzero(~m.right_matched)
        li = np.concatenate([li, np.full(len(extra), -1, dtype=np.int64)])
        ri = np.concatenate([ri, extra.astype(np.int64)])
    if how == "right":  # existing rows without a match are dropped
        pass
    return _assemble(left, names, right, li, ri, shared)


def _assemble(left: Table, names: list[str], right: dict[str, Column],
              li: np.ndarray | None, ri: np.ndarray, shared: list[str]) -> Table:
    cols: dict[str, Column] = {}
    n = len(ri) if li is None else len(li)
    for name in left.fields:
        col = left.columns.stored(name)
        if li is None:
            cols[name] = col
            continue
        lcol = _gather(np.asarray(left.columns[name]), li)
        if name in shared:
            rcol = _gather(_arr(right[name]), ri)
            lcol = np.where(li < 0, rcol, lcol).astype(np.int32)
        cols[name] = lcol
    fields = list(left.fields)
    for name in names:
        if name not in left.columns:
            cols[name] = _gather(_arr(right[name]), ri)
            fields.append(name)
    return Table(left.name, fields, Columns(cols), n)


def keep(builder: ModelBuilder, left: Table, names: list[str], right: dict[str, Column],
         nright: int, how: str) -> tuple[Table, dict[str, Column], int]:
    """KEEP: the existing table and the new rows, each reduced as ``how`` says."""
    shared = [n for n in names if n in left.columns]
    if not shared:
        return left, right, nright
    lk, rk, space = _keys(builder, left, right, shared)
    m = Matches(lk, rk, space)
    if how in ("inner", "right"):
        rows = np.flatnonzero(m.counts > 0)
        if len(rows) != left.nrows:
            left = Table(left.name, list(left.fields),
                         Columns({f: np.asarray(left.columns[f])[rows] for f in left.fields}),
                         len(rows))
    if how in ("inner", "left"):
        rows = np.flatnonzero(m.right_matched)
        if len(rows) != nright:
            right = {k: _arr(v)[rows] for k, v in right.items()}
            nright = len(rows)
    return left, right, nright
