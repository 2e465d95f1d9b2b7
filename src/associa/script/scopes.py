"""The scopes a LOAD evaluates expressions in, and what the LOAD needs to know about an
expression before it runs it (which functions make it depend on the record, which fields
it peeks at, whether it aggregates).

* ``InputScope``: some records of the source (repeated under WHILE, with IterNo); it
  answers RecNo, RowNo, IterNo, Previous (the previous record kept), and through its
  ``LoadRun`` Peek of the table being built and Exists of the LOAD's own values;
* ``DistinctScope``: the distinct values of one field (an expression of one field is
  evaluated once per value).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from associa.errors import ScriptError
from associa.expr import Evaluator, Vec, ast
from associa.expr.registry import AGGREGATIONS
from associa.script import parser as p
from associa.script.sources.table import SourceTable, Values
from associa.values import Locale

if TYPE_CHECKING:
    from associa.script.loading import LoadRun


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

def exists_fields(expr: ast.Node) -> set[str]:
    out = set()
    for node in expr.walk():
        if isinstance(node, ast.Call) and node.name == "EXISTS" and node.args:
            a = node.args[0]
            if isinstance(a, ast.FieldRef | ast.String):
                out.add(a.name if isinstance(a, ast.FieldRef) else a.value)
    return out


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


class InputScope:
    """Expression scope over some records of a LOAD's source (``rows``, which may repeat
    a record under WHILE, with its iteration in ``iters``). ``run`` is the LoadRun that
    answers Peek of the table being built, Previous and Exists of its own values."""

    def __init__(self, source: SourceTable, rows: np.ndarray, locale: Locale,
                 row_base: int = 0, iters: np.ndarray | None = None,
                 run: LoadRun | None = None, missing: np.ndarray | None = None) -> None:
        self.source = source
        self.rows = rows
        self.n = len(rows)
        self.locale = locale
        self.row_base = row_base
        self.iters = iters
        self.run = run
        self.missing = missing  # rows that stand for no record (Previous of the first)

    def field(self, name: str) -> Vec:
        col = self.source.columns.get(name)
        if col is None:
            raise MissingField(name)
        codes = col.codes_at(self.rows)
        if self.missing is not None and self.missing.any():
            codes = np.where(self.missing, -1, codes).astype(np.int32)
        return Vec.from_symbols(col.values, codes)

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        raise ScriptError(f"Aggregation {call.name}() is not allowed here")

    def rec_no(self) -> Vec:
        return Vec.numbers(self.rows.astype(np.float64) + 1)

    def row_no(self) -> Vec:
        return Vec.numbers(np.arange(1, self.n + 1, dtype=np.float64) + self.row_base)

    def iter_no(self) -> Vec:
        if self.iters is None:
            return Vec.constant_number(1.0, self.n)
        return Vec.numbers(self.iters.astype(np.float64))

    def previous(self) -> tuple[InputScope, np.ndarray]:
        """The scope of each record's previous input record (kept by WHERE), and where
        there is none."""
        kept = self.run.kept if self.run is not None else None
        if kept is None:
            prev = self.rows - 1
            missing = prev < 0
        else:
            pos = np.searchsorted(kept, self.rows)
            missing = pos <= 0
            prev = kept[np.maximum(pos - 1, 0)] if len(kept) else np.zeros(self.n, np.int64)
        if self.missing is not None:
            missing = missing | self.missing
        prev = np.where(missing, 0, prev)
        return InputScope(self.source, prev, self.locale, self.row_base, None, self.run,
                          missing), missing

    def peek(self, name: str, rows: np.ndarray) -> Vec:
        if self.run is None:
            raise ScriptError("Peek() of the table being loaded is only available in a LOAD")
        return self.run.peek_values(name, self.row_base, self.n, rows, self.rows)

    def exists_here(self, name: str, values: Vec) -> np.ndarray:
        if self.run is None:
            return np.zeros(self.n, dtype=bool)
        return self.run.exists_here(name, values, self)


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
        raise ScriptError(f"Aggregation {call.name}() is not allowed here")


def located(exc: MissingField, refs: dict[str, int]) -> MissingField:
    exc.offset = refs.get(exc.name, -1)
    return exc


def peeked_fields(expr: ast.Node, table: str | None) -> set[str] | None:
    """The fields of the table being built that ``expr`` reads with Peek (None: it reads
    none). A name that is not a constant makes it read every field ("*")."""
    out: set[str] = set()
    found = False
    for node in expr.walk():
        if isinstance(node, ast.Call) and node.name == "PEEK":
            if len(node.args) > 2:
                t = node.args[2]
                if not (isinstance(t, ast.String) and t.value == table):
                    continue
            found = True
            first = node.args[0]
            out.add(first.value if isinstance(first, ast.String) else
                    first.name if isinstance(first, ast.FieldRef) else "*")
    return out if found else None


def aggregating(items: list[p.LoadItem], node: p.Load) -> bool:
    """Whether the LOAD aggregates (GROUP BY, or an aggregation in its field list)."""
    if node.group_by is not None:
        return True
    for item in items:
        if item.expr is not None and any(
            isinstance(n, ast.Call) and n.name in AGGREGATIONS for n in item.expr.walk()
        ):
            return True
    return False
