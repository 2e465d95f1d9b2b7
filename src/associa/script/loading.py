"""One LOAD over a source table: the rows it keeps and the symbol column of each item.

Each item takes the cheapest path that builds the same column as evaluating it row by
row would:

* a field loaded as it is (``LOAD *``, ``a``, ``a AS x``): the distinct values the kept
  rows hold are interned into the target field's symbol table, and the column is a
  gather through that lookup (the source's codes themselves when they already are the
  symbols, no column at all for a sequence such as an order id);
* an expression of one field that depends on nothing else about the row (no RecNo(),
  RowNo(), Rand(), inter-record or counter function, see ``scopes.ROW_DEPENDENT``): evaluated
  once per distinct value of the field, and gathered;
* an expression of no field that depends on nothing about the row: evaluated once;
* anything else: vectorized over the rows, ``CHUNK_ROWS`` at a time (``InputScope``).

WHERE takes the same paths. Symbols are interned in order of first appearance in the kept
rows, as a row-by-row evaluation interns them, so the paths build identical tables.

WHILE repeats records (``_while``: one vectorized pass per iteration over the records
still going) and evaluates every item over the repeated records. GROUP BY hands over to
``grouping.GroupRun``. An item that peeks at the table being built is made after the
others: vectorized when the fields it reads are made, record by record when it reads
itself (a running total). A WHERE that reads what this LOAD kept before each record
(Exists of its own fields, Previous, Peek of the table being built) is settled by
``keeping``.

Progress: a source that was not read before (RESIDENT, AUTOGENERATE) reports the rows
kept so far after each chunk of the row-by-row pass, and cancellation is checked there
and between the per-distinct chunks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from associa.expr import Evaluator, Vec, ast
from associa.expr.vector import concat
from associa.kernels import presence as kpresence
from associa.model.symbols import SymbolTable
from associa.model.table import Identity, Table
from associa.script import keeping, running
from associa.script import parser as p
from associa.script.frame import value_texts
from associa.script.matching import KeptValues, ValueIndex
from associa.script.scopes import (
    DistinctScope,
    InputScope,
    MissingField,
    aggregating,
    located,
    peeked_fields,
    pure_fields,
)
from associa.script.sources.table import SourceColumn, SourceTable
from associa.values import Locale

CHUNK_ROWS = 65536  # rows (or distinct values) evaluated at a time

_INT32 = np.dtype(np.int32)
Column = np.ndarray | Identity


class Symbols(Protocol):
    """Where a LOAD's output symbols go: the builder's fields, or scratch tables."""

    def symbols_of(self, name: str) -> SymbolTable: ...


class LoadRun:
    """Builds the columns of one LOAD (``run``)."""

    def __init__(
        self,
        node: p.Load,
        items: list[p.LoadItem],
        source: SourceTable,
        builder: Symbols,
        locale: Locale,
        *,
        table_name: str,
        base: int,
        status: Callable[[str], None],
        check_cancelled: Callable[[], None],
        target: Table | None = None,
    ) -> None:
        self.node = node
        self.items = items
        self.source = source
        self.builder = builder
        self.locale = locale
        self.table_name = table_name
        self.base = base
        self.status = status
        self.check_cancelled = check_cancelled
        self.evaluator = Evaluator(locale)
        self.target = target  # the table concatenated onto (Peek reads its rows)
        self.kept: np.ndarray | None = None  # the source records kept (sorted), None: all
        self.columns: dict[str, Column] = {}  # output columns made so far
        self.names = {item.name for item in items}
        # inside WHERE (script.keeping): per field this LOAD fills, its values over the
        # records kept so far, for Exists; the records kept so far and the values Peek
        # reads of them (per field this LOAD fills, over every source record)
        self.exists_where: tuple[dict[str, KeptValues], np.ndarray] | None = None
        self.peek_where: tuple[np.ndarray, dict[str, Vec]] | None = None

    def _plan(self, expr: ast.Node) -> tuple[str, str]:
        """How to compute an expression: ("field" | "distinct", name), ("constant", ""),
        or ("rows", "")."""
        if isinstance(expr, ast.FieldRef) and expr.name in self.source.columns:
            return "field", expr.name
        fields = pure_fields(expr)
        if fields is None:
            return "rows", ""
        if not fields:
            return "constant", ""
        if len(fields) == 1 and fields[0] in self.source.columns:
            return "distinct", fields[0]
        return "rows", ""

    def run(self) -> tuple[dict[str, Column], int]:
        """The columns (builder form: int32, -1 for NULL, or an ``Identity``) and rows."""
        rows, iters = self._rows()
        if aggregating(self.items, self.node):
            from associa.script.grouping import GroupRun

            return GroupRun(self, rows).run()
        if iters is not None:  # WHILE: every item row by row, over the repeated records
            plans = [("rows", "")] * len(self.items)
        else:
            plans = [self._plan(item.expr) for item in self.items]  # type: ignore[arg-type]
        n = self.source.nrows if rows is None else len(rows)
        columns = self.columns
        peeky: list[p.LoadItem] = []
        by_row: list[p.LoadItem] = []
        for item, (kind, name) in zip(self.items, plans, strict=True):
            if kind == "rows":
                if peeked_fields(item.expr, self.table_name) is not None:  # type: ignore[arg-type]
                    peeky.append(item)
                else:
                    by_row.append(item)
            elif kind == "field":
                columns[item.name] = self._field(item.name, self.source.columns[name], rows)
            elif kind == "distinct":
                columns[item.name] = self._distinct(item, self.source.columns[name], rows)
            else:
                columns[item.name] = self._constant(item, n)
        if by_row:
            columns.update(self._row_pass(by_row, rows, iters))
        for item in peeky:
            columns[item.name] = self._peek_item(item, rows, iters)
        return {item.name: columns[item.name] for item in self.items}, n

    # -- WHERE / WHILE ---------------------------------------------------------------

    def _rows(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The source records the LOAD reads (None: all), and for WHILE each one's
        iteration number."""
        node = self.node
        if node.while_ is not None:
            rows, iters = self._while()
            self.kept = np.unique(rows)
            return rows, iters
        if node.where is None:
            return None, None
        kind, name = self._plan(node.where)
        if kind == "rows":
            rows = keeping.where_records(self, CHUNK_ROWS)
        else:
            rows = self._where(kind, name)
        self.kept = rows
        return rows, None

    def _while(self) -> tuple[np.ndarray, np.ndarray]:
        """WHILE: each record read again as long as the condition holds, IterNo() 1, 2 …;
        the records in order, each one's iterations together."""
        cond = self.node.while_
        assert cond is not None
        active = np.arange(self.source.nrows, dtype=np.int64)
        got_rows: list[np.ndarray] = []
        got_iters: list[np.ndarray] = []
        k = 1
        while len(active):
            truth = []
            for lo in range(0, len(active), CHUNK_ROWS):
                part = active[lo : lo + CHUNK_ROWS]
                scope = InputScope(self.source, part, self.locale, self.base, np.full(
                    len(part), k, dtype=np.int64), self)
                try:
                    truth.append(self.evaluator.eval(cond, scope).truth())
                except MissingField as exc:
                    raise located(exc, self.node.while_refs) from None
            active = active[np.concatenate(truth)]
            got_rows.append(active)
            got_iters.append(np.full(len(active), k, dtype=np.int64))
            k += 1
            self.check_cancelled()
        rows = _joined(got_rows, np.dtype(np.int64))
        iters = _joined(got_iters, np.dtype(np.int64))
        order = np.argsort(rows, kind="stable")
        return rows[order], iters[order]

    def _where(self, kind: str, name: str) -> np.ndarray:
        where = self.node.where
        assert where is not None
        n = self.source.nrows
        if kind == "constant":
            keep = self.evaluator.eval(where, DistinctScope(self.locale, 1)).truth()
            return np.arange(n if bool(keep[0]) else 0, dtype=np.int64)
        col = self.source.columns[name]
        domain = self._domain(col, None)
        truth = np.concatenate([
            self.evaluator.eval(where, DistinctScope(self.locale, 0, name, col.values,
                                                     part)).truth()
            for part in _slices(domain)])
        if col.codes is None:  # each row its own value, in order
            return np.flatnonzero(truth).astype(np.int64)
        lut = np.zeros(len(col.values) + 1, dtype=bool)
        lut[domain] = truth
        return np.flatnonzero(lut[col.codes]).astype(np.int64)

    # -- row by row ------------------------------------------------------------------

    def _chunks(self, rows: np.ndarray | None, iters: np.ndarray | None):
        total = self.source.nrows if rows is None else len(rows)
        for lo in range(0, max(total, 1), CHUNK_ROWS):
            hi = min(lo + CHUNK_ROWS, total)
            part = np.arange(lo, hi, dtype=np.int64) if rows is None else rows[lo:hi]
            it = None if iters is None else iters[lo:hi]
            yield lo, hi, total, InputScope(self.source, part, self.locale, self.base + lo,
                                            it, self)

    def _row_pass(self, items: list[p.LoadItem], rows: np.ndarray | None,
                  iters: np.ndarray | None) -> dict[str, np.ndarray]:
        """Evaluate items over the kept records, CHUNK_ROWS at a time."""
        parts: dict[str, list[np.ndarray]] = {item.name: [] for item in items}
        for _lo, hi, total, scope in self._chunks(rows, iters):
            for item in items:
                parts[item.name].append(self._values(item, scope))
            if hi < total:
                if not self.source.streamed and self.node.where is None:
                    self.status(f"{self.table_name} << {hi} Lines fetched")
                self.check_cancelled()
        return {name: _joined(chunks, _INT32) for name, chunks in parts.items()}

    def _values(self, item: p.LoadItem, scope: InputScope) -> np.ndarray:
        assert item.expr is not None
        try:
            v = self.evaluator.eval(item.expr, scope)
        except MissingField as exc:
            raise located(exc, item.refs) from None
        return self._symbols(item.name).intern_many(value_texts(v, self.locale), v.num, v.null)

    # -- Peek of the table being built, Exists of its own values ----------------------

    def _peek_item(self, item: p.LoadItem, rows: np.ndarray | None,
                   iters: np.ndarray | None) -> np.ndarray:
        """An item that peeks at the table being built: vectorized when the fields it
        reads are made already, else record by record (a running total)."""
        assert item.expr is not None
        wanted = peeked_fields(item.expr, self.table_name) or set()
        if item.name not in wanted and "*" not in wanted and all(
                f in self.columns or f not in self.names for f in wanted):
            return self._row_pass([item], rows, iters)[item.name]
        n = self.source.nrows if rows is None else len(rows)
        plan = running.recognise(item.expr, item.name)
        if plan is not None:  # a running total: cumulative sums, no loop
            v = running.compute(plan, lambda e: self._vec(e, rows, iters, item.refs), n,
                                self.peek_values(item.name, self.base, 1, np.array([-1.0])))
            return self._symbols(item.name).intern_many(value_texts(v, self.locale), v.num,
                                                        v.null)
        out = np.full(n, -1, dtype=np.int32)
        self.columns[item.name] = out  # filled as it goes: Peek reads the rows before
        for lo in range(n):
            part = np.array([lo], dtype=np.int64) if rows is None else rows[lo : lo + 1]
            it = None if iters is None else iters[lo : lo + 1]
            scope = InputScope(self.source, part, self.locale, self.base + lo, it, self)
            out[lo] = self._values(item, scope)[0]
            if lo % CHUNK_ROWS == CHUNK_ROWS - 1:
                self.check_cancelled()
        return out

    def _vec(self, expr: ast.Node, rows: np.ndarray | None, iters: np.ndarray | None,
             refs: dict[str, int]) -> Vec:
        """An expression's values over the kept records (chunk by chunk, joined)."""
        parts = []
        for _lo, _hi, _total, scope in self._chunks(rows, iters):
            try:
                parts.append(self.evaluator.eval(expr, scope))
            except MissingField as exc:
                raise located(exc, refs) from None
        return parts[0] if len(parts) == 1 else concat(parts)

    def peek_values(self, name: str, row_base: int, n: int, rows: np.ndarray,
                    records: np.ndarray | None = None) -> Vec:
        """Peek(name, rows) for output records row_base … row_base + n - 1 (counted over
        the table being built, the concatenation target's rows first). Inside WHERE
        (``records``: the source records asked about) a record's place is after the
        records kept before it, whose values are those of this LOAD's fields."""
        if self.peek_where is not None and records is not None:
            return keeping.peek(self, name, records, rows)
        g = np.arange(row_base, row_base + n, dtype=np.float64)
        t = np.where(rows < 0, g + rows, rows)
        ok = ~np.isnan(t) & (t >= 0) & (t < g)
        codes = np.full(n, -1, dtype=np.int32)
        t_ok = np.where(ok, t, 0).astype(np.int64)
        old = ok & (t_ok < self.base)
        if old.any() and self.target is not None and name in self.target.columns:
            codes[old] = self.target.columns[name][t_ok[old]]
        new = ok & (t_ok >= self.base)
        col = self.columns.get(name)
        if new.any() and col is not None:
            col_arr = col.materialize() if isinstance(col, Identity) else col
            codes[new] = col_arr[t_ok[new] - self.base]
        return Vec.from_symbols(self._symbols(name), codes)

    def exists_here(self, name: str, values: Vec, scope: InputScope) -> np.ndarray:
        """Whether each value is one of field ``name``'s values in the records this LOAD
        kept before the current one (``name`` one of its own fields)."""
        if name not in self.names:
            return np.zeros(values.n, dtype=bool)
        if self.exists_where is not None:  # inside WHERE: the records kept so far
            indexes, kept = self.exists_where
            if not len(kept) or name not in indexes:
                return np.zeros(values.n, dtype=bool)
            return indexes[name].first_row(values) < scope.rows
        col = self.columns.get(name)
        if col is None:
            return np.zeros(values.n, dtype=bool)
        codes = col.materialize() if isinstance(col, Identity) else col
        at = ValueIndex(Vec.from_symbols(self._symbols(name), codes)).find(values)
        g = np.arange(scope.row_base, scope.row_base + scope.n) - self.base
        return (at >= 0) & (at < g)

    # -- per distinct value ----------------------------------------------------------

    def _symbols(self, name: str) -> SymbolTable:
        return self.builder.symbols_of(name)

    def _domain(self, col: SourceColumn, rows: np.ndarray | None) -> np.ndarray:
        """The codes the rows hold, each once, in order of first appearance (int32;
        ``-1`` for NULL where a row is NULL)."""
        if col.codes is None:  # each row its own value, in order
            return col.codes_at(rows)
        if rows is None and col.ordered:
            domain = np.arange(len(col.values), dtype=np.int32)
            nulls = col.codes < 0
            if nulls.any():
                first = int(np.argmax(nulls))
                before = int(col.codes[:first].max(initial=-1)) + 1
                domain = np.insert(domain, before, -1)
            return domain
        return kpresence.first_seen(col.codes_at(rows), len(col.values))

    def _field(self, name: str, col: SourceColumn, rows: np.ndarray | None) -> Column:
        """A field loaded as it is."""
        target = self._symbols(name)
        n = col.nrows if rows is None else len(rows)
        if col.values is target:  # RESIDENT into the same field: the codes are its symbols
            if col.codes is None and rows is None:
                return Identity(n, _INT32)
            return col.codes_at(rows)
        if col.start is not None and rows is None:  # a sequence read from text
            first = target.intern_range(col.start, 1.0, col.nrows)
            if isinstance(first, np.ndarray):
                return first
            if first == 0:
                return Identity(n, _INT32)
            return np.arange(first, first + n, dtype=np.int32)
        domain = self._domain(col, rows)
        values = domain[domain >= 0] if col.codes is not None else domain
        texts, nums = col.values.duals_at(values)
        ids = target.intern_many(texts, nums)
        self.check_cancelled()
        if col.codes is None:  # each row its own value: the symbols are the column
            return ids
        if rows is None and col.ordered and len(ids) == len(col.values) and _counts_up(ids):
            return col.codes  # the codes are the symbols already
        lut = np.full(len(col.values) + 1, -1, dtype=np.int32)
        lut[values] = ids
        return lut[col.codes_at(rows)]

    def _distinct(self, item: p.LoadItem, col: SourceColumn, rows: np.ndarray | None) -> Column:
        """An expression of one field, evaluated once per distinct value."""
        assert item.expr is not None
        name = next(iter(pure_fields(item.expr) or ()))
        target = self._symbols(item.name)
        domain = self._domain(col, rows)
        lut = np.full(len(col.values) + 1, -1, dtype=np.int32)
        ids_all = []
        for part in _slices(domain):
            scope = DistinctScope(self.locale, 0, name, col.values, part)
            v = self.evaluator.eval(item.expr, scope)
            ids = target.intern_many(value_texts(v, self.locale), v.num, v.null)
            if col.codes is None:
                ids_all.append(ids)
            else:
                lut[part] = ids
            self.check_cancelled()
        if col.codes is None:  # each row its own value
            return _joined(ids_all, _INT32)
        return lut[col.codes_at(rows)]

    def _constant(self, item: p.LoadItem, n: int) -> np.ndarray:
        """An expression of no field: evaluated once."""
        assert item.expr is not None
        v = self.evaluator.eval(item.expr, DistinctScope(self.locale, min(n, 1)))
        ids = self._symbols(item.name).intern_many(value_texts(v, self.locale), v.num, v.null)
        return np.full(n, ids[0] if len(ids) else -1, dtype=np.int32)


def _slices(domain: np.ndarray) -> list[np.ndarray]:
    """``domain`` in CHUNK_ROWS pieces (one empty piece for an empty domain)."""
    return [domain[lo : lo + CHUNK_ROWS] for lo in range(0, max(len(domain), 1), CHUNK_ROWS)]


def _counts_up(ids: np.ndarray) -> bool:
    """``ids`` is 0, 1, 2, …"""
    return not len(ids) or (int(ids[0]) == 0 and int(ids[-1]) == len(ids) - 1
                            and bool(np.all(np.diff(ids) == 1)))


def _joined(parts: list[np.ndarray], dtype: np.dtype) -> np.ndarray:
    if not parts:
        return np.zeros(0, dtype=dtype)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)
