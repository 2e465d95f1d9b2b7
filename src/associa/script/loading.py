"""One LOAD over a source table: the rows it keeps and the symbol column of each item.

Each item takes the cheapest path that builds the same column as evaluating it row by
row would:

* a field loaded as it is (``LOAD *``, ``a``, ``a AS x``): the distinct values the kept
  rows hold are interned into the target field's symbol table, and the column is a
  gather through that lookup (the source's codes themselves when they already are the
  symbols, no column at all for a sequence such as an order id);
* an expression of one field that depends on nothing else about the row (no RecNo(),
  RowNo(), Rand(), inter-record or counter function, see ``ROW_DEPENDENT``): evaluated
  once per distinct value of the field, and gathered;
* an expression of no field that depends on nothing about the row: evaluated once;
* anything else: vectorized over the rows, ``CHUNK_ROWS`` at a time (``InputScope``).

WHERE takes the same paths. Symbols are interned in order of first appearance in the kept
rows, as a row-by-row evaluation interns them, so the paths build identical tables.

Progress: a source that was not read before (RESIDENT, AUTOGENERATE) reports the rows
kept so far after each chunk of the row-by-row pass, and cancellation is checked there
and between the per-distinct chunks.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.errors import ScriptError
from associa.expr import Evaluator, Vec, ast
from associa.model.builder import ModelBuilder
from associa.model.symbols import SymbolTable
from associa.model.table import Identity
from associa.script import parser as p
from associa.script.sources.table import SourceColumn, SourceTable, Values
from associa.values import Locale
from associa.values.format import auto_format_many

CHUNK_ROWS = 65536  # rows (or distinct values) evaluated at a time

# Functions whose value is not a function of the row's field values alone: the record and
# row counters, random numbers, the clock, and the inter-record, counter and table
# functions of the load script (Qlik help: "Counter functions", "Inter-record functions",
# "Table functions"). An expression calling one is evaluated row by row.
ROW_DEPENDENT = frozenset({
    "RECNO", "ROWNO", "ITERNO", "AUTONUMBER", "AUTONUMBERHASH128", "AUTONUMBERHASH256",
    "RAND", "NOW", "PEEK", "PREVIOUS", "EXISTS", "LOOKUP", "FIELDVALUE", "FIELDINDEX",
    "FIELDVALUECOUNT", "NOOFROWS", "NOOFFIELDS", "NOOFTABLES", "FIELDNAME", "FIELDNUMBER",
    "TABLENAME", "TABLENUMBER",
})

_INT32 = np.dtype(np.int32)
Column = np.ndarray | Identity


class MissingField(ScriptError):
    """A LOAD names a field its source does not have; the interpreter places the error
    at the name (``offset`` in the statement) when the parser saw where it is written."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Field '{name}' not found")
        self.name = name


def pure_fields(expr: ast.Node) -> tuple[str, ...] | None:
    """The fields an expression reads, in order, when its value depends on nothing else
    about the row; None when it calls a row-dependent function."""
    names: list[str] = []
    for node in expr.walk():
        if isinstance(node, ast.Call) and node.name in ROW_DEPENDENT:
            return None
        if isinstance(node, ast.FieldRef) and node.name not in names:
            names.append(node.name)
    return tuple(names)


def value_texts(v: Vec, locale: Locale) -> np.ndarray | None:
    """The texts to intern for computed values: None where the text is the number's own
    rendering and the symbol table renders it alike (integers below 1e15, the same under
    ``auto_format`` and ``values.rendering``), so computed integers make no Python string;
    other numbers are formatted once per distinct number."""
    text = v.text
    num = v.num
    has_text = np.zeros(v.n, dtype=bool) if text is None else text != None  # noqa: E711
    with np.errstate(invalid="ignore"):
        plain = (np.floor(num) == num) & (np.abs(num) < 1e15)
    need = np.flatnonzero(~v.null & ~has_text & ~plain)
    if not len(need) and not has_text.any():
        return None
    out = np.empty(v.n, dtype=object)
    if text is not None:
        out[has_text] = text[has_text]
    if len(need):
        uniq, inv = np.unique(num[need], return_inverse=True)
        out[need] = auto_format_many(uniq, locale)[inv]
    return out


class InputScope:
    """Expression scope over some records of a LOAD's source (``rows``)."""

    def __init__(self, source: SourceTable, rows: np.ndarray, locale: Locale,
                 row_base: int = 0) -> None:
        self.source = source
        self.rows = rows
        self.n = len(rows)
        self.locale = locale
        self.row_base = row_base

    def field(self, name: str) -> Vec:
        col = self.source.columns.get(name)
        if col is None:
            raise MissingField(name)
        return Vec.from_symbols(col.values, col.codes_at(self.rows))

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        raise ScriptError(f"Aggregation {call.name}() in LOAD needs GROUP BY (not supported yet)")

    def rec_no(self) -> Vec:
        return Vec.numbers(self.rows.astype(np.float64) + 1)

    def row_no(self) -> Vec:
        return Vec.numbers(np.arange(1, self.n + 1, dtype=np.float64) + self.row_base)


class DistinctScope:
    """Expression scope over distinct values of one field (codes, ``-1`` for NULL), or
    over ``n`` values of no field."""

    def __init__(self, locale: Locale, n: int, name: str = "", values: Values | None = None,
                 codes: np.ndarray | None = None) -> None:
        self.locale = locale
        self.n = n if codes is None else len(codes)
        self.name = name
        self.values = values
        self.codes = codes

    def field(self, name: str) -> Vec:
        if name != self.name or self.values is None or self.codes is None:
            raise MissingField(name)
        return Vec.from_symbols(self.values, self.codes)

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        raise ScriptError(f"Aggregation {call.name}() in LOAD needs GROUP BY (not supported yet)")


def _located(exc: MissingField, refs: dict[str, int]) -> MissingField:
    exc.offset = refs.get(exc.name, -1)
    return exc


class LoadRun:
    """Builds the columns of one LOAD (``run``)."""

    def __init__(
        self,
        node: p.Load,
        items: list[p.LoadItem],
        source: SourceTable,
        builder: ModelBuilder,
        locale: Locale,
        *,
        table_name: str,
        base: int,
        status: Callable[[str], None],
        check_cancelled: Callable[[], None],
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
        node = self.node
        rows: np.ndarray | None = None  # the kept source rows, None for all
        row_where = None
        if node.where is not None:
            kind, name = self._plan(node.where)
            if kind == "rows":
                row_where = node.where
            else:
                rows = self._where(kind, name)
        plans = [self._plan(item.expr) for item in self.items]  # type: ignore[arg-type]
        by_row = [item for item, (kind, _) in zip(self.items, plans, strict=True)
                  if kind == "rows"]
        computed: dict[str, np.ndarray] = {}
        if by_row or row_where is not None:
            rows, computed = self._row_pass(by_row, row_where, rows)
        n = self.source.nrows if rows is None else len(rows)
        columns: dict[str, Column] = {}
        for item, (kind, name) in zip(self.items, plans, strict=True):
            if kind == "rows":
                columns[item.name] = computed.pop(item.name)
            elif kind == "field":
                columns[item.name] = self._field(item.name, self.source.columns[name], rows)
            elif kind == "distinct":
                columns[item.name] = self._distinct(item, self.source.columns[name], rows)
            else:
                columns[item.name] = self._constant(item, n)
        return columns, n

    # -- WHERE -----------------------------------------------------------------------

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

    def _row_pass(self, items: list[p.LoadItem], where: ast.Node | None,
                  kept_rows: np.ndarray | None) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """Evaluate the row-by-row WHERE and items, CHUNK_ROWS source rows at a time;
        the kept rows (None: all) and the items' columns."""
        total = self.source.nrows
        parts: dict[str, list[np.ndarray]] = {item.name: [] for item in items}
        kept: list[np.ndarray] = []
        count = 0
        for lo in range(0, max(total, 1), CHUNK_ROWS):
            hi = min(lo + CHUNK_ROWS, total)
            if kept_rows is None:
                rows = np.arange(lo, hi, dtype=np.int64)
            else:
                a, b = np.searchsorted(kept_rows, [lo, hi])
                rows = kept_rows[a:b]
            if where is not None:
                try:
                    scope = InputScope(self.source, rows, self.locale, lo)
                    rows = rows[self.evaluator.eval(where, scope).truth()]
                except MissingField as exc:
                    raise _located(exc, self.node.where_refs) from None
            if where is not None or kept_rows is not None:
                kept.append(rows)
            scope = InputScope(self.source, rows, self.locale, self.base + count)
            for item in items:
                parts[item.name].append(self._values(item, scope))
            count += len(rows)
            if hi < total:
                if not self.source.streamed:
                    self.status(f"{self.table_name} << {count} Lines fetched")
                self.check_cancelled()
        out = {name: _joined(chunks, _INT32) for name, chunks in parts.items()}
        return (_joined(kept, np.dtype(np.int64)) if kept else None), out

    def _values(self, item: p.LoadItem, scope: InputScope) -> np.ndarray:
        assert item.expr is not None
        try:
            v = self.evaluator.eval(item.expr, scope)
        except MissingField as exc:
            raise _located(exc, item.refs) from None
        return self._symbols(item.name).intern_many(value_texts(v, self.locale), v.num, v.null)

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
        codes = col.codes_at(rows)
        return np.asarray(pc.unique(pa.array(codes)).to_numpy(zero_copy_only=False),
                          dtype=np.int32)

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
