"""GROUP BY in a LOAD: one output record per group of input records, with the
aggregations computed by the reducers of the one function registry (expr/aggregations.py).

The group of each record is a combined key over the GROUP BY expressions (a field's codes
as they are, anything else coded by value), made dense in order of first appearance: the
groups come out in the order their first record was read. Without GROUP BY, a LOAD whose
fields aggregate makes one record of all its input (help "Load": "If no group by is
given, the aggregation is over the whole input"), also when that input is empty, as SQL
does. A field outside an aggregation gives the value of the group's first record: that is
exact for the GROUP BY fields, which is what the engine allows there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from associa import kernels
from associa.errors import ExpressionError, ScriptError
from associa.expr import Evaluator, Vec, ast
from associa.expr.aggregations import Arg, Coded, value_codes
from associa.expr.registry import lookup
from associa.expr.vector import concat
from associa.kernels.codes import Codes
from associa.model.symbols import SymbolTable

if TYPE_CHECKING:
    from associa.script.loading import Column, LoadRun

_NUMERIC = {"SUM", "AVG", "MIN", "MAX"}
_CODED = {"SUM", "AVG", "COUNT"}  # reduced by sums and counts, which read codes directly
_SPACE = 1 << 62


def _dense_loop(key, lut, gid, firsts, offset):  # pragma: no cover - compiled
    # a key's group is the number of keys seen before its first record
    g = 0
    for i in range(len(key)):
        k = key[i] + offset
        v = lut[k]
        if v < 0:
            v = g
            lut[k] = g
            firsts[g] = i
            g += 1
        gid[i] = v
    return g


_dense_nb = kernels.jit(_dense_loop)


@kernels.warmer
def _warm() -> None:
    for dtype in (np.int64, np.int32):  # combined keys; a field's codes (-1 NULL)
        _dense_nb(np.array([1, 0, 1], dtype=dtype), np.full(2, -1, dtype=np.int32),
                  np.empty(3, dtype=np.int64), np.empty(2, dtype=np.int64), 0)


def dense_groups(key: np.ndarray, space: int,
                 offset: int = 0) -> tuple[np.ndarray, int, np.ndarray]:
    """Group ids 0 … g-1 in order of first appearance of each key (``key + offset``, in
    ``0 … space-1``), the number of groups and the position of each group's first
    record."""
    n = len(key)
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0, np.zeros(0, dtype=np.int64)
    if kernels.compiled() and space <= max(4 * n, 1 << 20) and n < 1 << 31:
        lut = np.full(space, -1, dtype=np.int32)
        gid = np.empty(n, dtype=np.int64)
        firsts = np.empty(min(n, space), dtype=np.int64)
        if key.dtype != np.int32:
            key = key.astype(np.int64, copy=False)
        g = _dense_nb(key, lut, gid, firsts, offset)
        return gid, int(g), firsts[:g]
    if offset:
        key = key.astype(np.int64) + offset
    if space <= max(4 * n, 1 << 20):
        first = np.full(space, n, dtype=np.int64)
        first[key[::-1]] = np.arange(n - 1, -1, -1, dtype=np.int64)
        present = np.flatnonzero(first < n)
        firsts = first[present]
        order = np.argsort(firsts, kind="stable")
        lut = np.empty(space, dtype=np.int64)
        lut[present[order]] = np.arange(len(present), dtype=np.int64)
        return lut[key], len(present), firsts[order]
    uniq, idx, inv = np.unique(key, return_index=True, return_inverse=True)
    order = np.argsort(idx, kind="stable")
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[order] = np.arange(len(uniq), dtype=np.int64)
    return rank[inv.reshape(-1)], len(uniq), idx[order]


class GroupScope:
    """Expression scope over the groups: a field is its value in the group's first
    record; an aggregation reduces its argument over each group's records."""

    def __init__(self, run: LoadRun, rows: np.ndarray | None, gid: np.ndarray, ngroups: int,
                 first: np.ndarray) -> None:
        self.run = run
        self._rows = rows  # None: every source record
        self.gid = gid
        self.n = ngroups
        self.first = first
        self.locale = run.locale

    @property
    def rows(self) -> np.ndarray:
        if self._rows is None:
            self._rows = np.arange(self.run.source.nrows, dtype=np.int64)
        return self._rows

    @property
    def nrec(self) -> int:
        return self.run.source.nrows if self._rows is None else len(self._rows)

    def field(self, name: str) -> Vec:
        from associa.script.scopes import MissingField

        col = self.run.source.columns.get(name)
        if col is None:
            raise MissingField(name)
        at = self.first if self._rows is None else self._rows[self.first]
        return Vec.from_symbols(col.values, col.codes_at(at))

    def over_rows(self, expr: ast.Node) -> Vec:
        from associa.script.loading import CHUNK_ROWS
        from associa.script.scopes import InputScope

        run = self.run
        parts = []
        for lo in range(0, max(len(self.rows), 1), CHUNK_ROWS):
            part = self.rows[lo : lo + CHUNK_ROWS]
            parts.append(run.evaluator.eval(expr, InputScope(run.source, part, run.locale,
                                                             run.base + lo, None, run)))
        return parts[0] if len(parts) == 1 else concat(parts)

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        spec = lookup(call.name)
        assert spec is not None
        arg_node = call.args[0]
        nrec = self.nrec
        src = self.run.source.columns
        if isinstance(arg_node, ast.Star):
            arg = Arg(nrec, star=True)
        elif isinstance(arg_node, ast.FieldRef) and arg_node.name in src:
            col = src[arg_node.name]
            codes = col.codes_at(self._rows)
            if (call.name in _CODED and not call.distinct and col.codes is not None
                    and isinstance(col.values, SymbolTable)):
                # read through the symbols' numbers, or whether each is one (-1, NULL,
                # reads their NaN slot, or the counts' False)
                arg = Arg(nrec, coded=Coded(Codes(codes, None, None, nrec), col.values))
            elif call.name in _NUMERIC and not call.distinct:
                arg = Arg(nrec, numbers=col.values.nums_at(codes))
            else:  # the field's values as they are (texts only read if asked)
                arg = Arg(nrec, values=Vec.from_symbols(col.values, codes))
        else:
            arg = Arg(nrec, values=self.over_rows(arg_node))
        extra = [self.over_rows(a) for a in call.args[1:]]  # per record (a weight, …)
        return spec.impl(arg, self.gid, self.n, call.distinct, *extra).values


class GroupRun:
    def __init__(self, run: LoadRun, rows: np.ndarray | None) -> None:
        self.load = run
        self.rows = rows  # None: every source record
        self.nrec = run.source.nrows if rows is None else len(rows)

    def _key_part(self, expr: ast.Node) -> tuple[np.ndarray, int]:
        """A code per record (-1 for NULL: a field's codes as they are) and the number of
        codes, NULL's included."""
        src = self.load.source.columns
        if isinstance(expr, ast.FieldRef) and expr.name in src:
            col = src[expr.name]
            space = (len(col.values) if col.codes is not None else col.nrows) + 1
            return col.codes_at(self.rows), space
        scope = GroupScope(self.load, self.rows, np.zeros(0, np.int64), 0,
                           np.zeros(0, np.int64))
        codes = value_codes(scope.over_rows(expr))
        return codes, int(codes.max(initial=-1)) + 2

    def groups(self) -> tuple[np.ndarray, int, np.ndarray]:
        exprs = self.load.node.group_by
        nrec = self.nrec
        if not exprs:
            return np.zeros(nrec, dtype=np.int64), 1, np.zeros(1, dtype=np.int64)
        key, space = None, 1
        for expr in exprs:
            try:
                part, card = self._key_part(expr)
            except ScriptError as exc:
                from associa.script.scopes import MissingField, located

                if isinstance(exc, MissingField):
                    raise located(exc, self.load.node.group_refs) from None
                raise
            if len(exprs) == 1:  # one part: its codes numbered as they are
                return dense_groups(part, card, offset=1)
            part = part.astype(np.int64) + 1
            if key is None:
                key, space = part, card
                continue
            if space * card >= _SPACE:  # re-number the key so far before widening it
                key, space, _ = dense_groups(key, space)
            key = key * card + part
            space *= card
            self.load.check_cancelled()
        assert key is not None
        return dense_groups(key, space)

    def run(self) -> tuple[dict[str, Column], int]:
        from associa.script.frame import value_texts
        from associa.script.scopes import MissingField, located

        run = self.load
        gid, ng, first = self.groups()
        empty = not self.nrec
        if empty and not run.node.group_by:
            first = np.zeros(1, dtype=np.int64)
        scope = GroupScope(run, self.rows, gid, ng, first)
        columns: dict[str, Column] = {}
        for item in run.items:
            if item.expr is None:
                raise ScriptError("LOAD * cannot be used with GROUP BY")
            try:
                if empty and _has_field_outside(item.expr):
                    v = Vec.nulls(ng)
                else:
                    v = run.evaluator.eval(item.expr, scope)
            except MissingField as exc:
                raise located(exc, item.refs) from None
            except ExpressionError:
                raise
            columns[item.name] = run._symbols(item.name).intern_many(
                value_texts(v, run.locale), v.num, v.null)
            run.check_cancelled()
        return columns, ng


def _has_field_outside(expr: ast.Node) -> bool:
    """Whether the expression reads a field outside any aggregation."""
    if isinstance(expr, ast.FieldRef):
        return True
    if isinstance(expr, ast.Call):
        spec = lookup(expr.name)
        if spec is not None and spec.kind.value == "aggregation":
            return False
    return any(_has_field_outside(c) for c in expr.children())
