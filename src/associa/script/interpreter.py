"""Running a load script: statements in order, building tables, then the data model.

Each statement is expanded (``$(…)``) with the variables as they are at that moment,
parsed, and executed by the handler registered for its node type (``HANDLERS``). Any
error stops the reload with a ``ScriptError`` that names the script line and column
(an unknown field: where its name is written); the caller keeps its previous data model.

Two callbacks report progress. ``progress`` gets one persistent line per finished
statement, in Qlik Core's words (``Sales << orders 120 Lines fetched``); ``status`` gets
the transient state of the running LOAD (``Sales << orders``, then ``Sales << 65536
Lines fetched`` …), as GetProgress's ``qTransientProgress`` shows it (qix-api.md §6.3).
A LOAD builds its rows ``CHUNK_ROWS`` at a time and reports after each chunk, so the
status is never per row; cancellation is checked at the same points.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np

from associa.errors import Aborted, AssociaError, LanguageError, ScriptError, script_error
from associa.expr import Evaluator, Vec, ast
from associa.model import DataModel
from associa.model.builder import ModelBuilder
from associa.model.table import Table
from associa.script import parser as p
from associa.script.expansion import expand
from associa.script.scanner import Statement, split_statements
from associa.script.sources import decode, read_delimited
from associa.values import DEFAULT_LOCALE, LOCALE_VARIABLES, Locale, auto_format, interpret

OpenFile = Callable[[str], bytes]
CHUNK_ROWS = 65536  # rows of a LOAD built at a time; a status update after each chunk


class MissingField(ScriptError):
    """A LOAD names a field its source does not have; the interpreter places the error
    at the name (``offset`` in the statement) when the parser saw where it is written."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Field '{name}' not found")
        self.name = name


@dataclass(slots=True)
class ReloadResult:
    model: DataModel
    variables: dict[str, str]
    log: list[str] = field(default_factory=list)
    locale: Locale = DEFAULT_LOCALE


class InputTable:
    """The records a LOAD reads: raw texts (files, inline) or symbol columns (resident)."""

    def __init__(
        self,
        names: list[str],
        n: int,
        raw: dict[str, list[str | None]] | None = None,
        table: Table | None = None,
        builder: ModelBuilder | None = None,
    ) -> None:
        self.names = names
        self.n = n
        self.raw = raw or {}
        self.table = table
        self.builder = builder
        self._vecs: dict[str, Vec] = {}

    def vec(self, name: str, locale: Locale) -> Vec:
        v = self._vecs.get(name)
        if v is None:
            if self.table is not None and self.builder is not None:
                sym = self.builder.symbols_of(name)
                col = self.table.columns[name]
                v = Vec.from_symbols(sym, col)
            else:
                v = raw_vec(self.raw[name], locale)
            self._vecs[name] = v
        return v


def raw_vec(raw: list[str | None], locale: Locale) -> Vec:
    """Texts read from a file, with their numbers interpreted (each distinct text once)."""
    n = len(raw)
    nums = np.full(n, math.nan)
    null = np.zeros(n, dtype=bool)
    text = np.empty(n, dtype=object)
    cache: dict[str, float] = {}
    for i, t in enumerate(raw):
        if t is None:
            null[i] = True
            continue
        text[i] = t
        x = cache.get(t)
        if x is None:
            y = interpret(t, locale)
            x = cache[t] = math.nan if y is None else float(y)
        nums[i] = x
    return Vec(nums, text, null)


class InputScope:
    """Expression scope over the records of a LOAD (``rows`` selects some of them)."""

    def __init__(self, source: InputTable, rows: np.ndarray, locale: Locale, row_base: int = 0):
        self.source = source
        self.rows = rows
        self.n = len(rows)
        self.locale = locale
        self.row_base = row_base

    def field(self, name: str) -> Vec:
        if name not in self.source.names:
            raise MissingField(name)
        return self.source.vec(name, self.locale).take(self.rows)

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        raise ScriptError(f"Aggregation {call.name}() in LOAD needs GROUP BY (not supported yet)")

    def rec_no(self) -> Vec:
        return Vec.numbers(self.rows.astype(np.float64) + 1)

    def row_no(self) -> Vec:
        return Vec.numbers(np.arange(1, self.n + 1, dtype=np.float64) + self.row_base)


class ConstantScope:
    """One value, no fields: for LET, conditions and ``$(=…)`` in a script."""

    n = 1

    def __init__(self, locale: Locale) -> None:
        self.locale = locale

    def field(self, name: str) -> Vec:
        raise ScriptError(f"Field '{name}' not found")

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        raise ScriptError(f"Aggregation {call.name}() is not allowed here")


class Interpreter:
    def __init__(
        self,
        script: str,
        open_file: OpenFile | None = None,
        progress: Callable[[str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        status: Callable[[str], None] | None = None,
    ) -> None:
        self.script = script
        self.open_file = open_file
        self.progress = progress or (lambda line: None)
        self.cancelled = cancelled or (lambda: False)
        self.status = status or (lambda text: None)
        self.builder = ModelBuilder()
        self.variables: dict[str, str] = {}
        self.locale = DEFAULT_LOCALE
        self.log: list[str] = []
        self.inline_count = 0
        self.autogenerate_count = 0

    def say(self, line: str) -> None:
        self.log.append(line)
        self.progress(line)

    def run(self) -> ReloadResult:
        for stmt in split_statements(self.script):
            self.check_cancelled()
            self.execute(stmt)
        model = self.builder.build()
        _hide_fields(model, self.variables.get("HidePrefix"), self.variables.get("HideSuffix"))
        return ReloadResult(model, dict(self.variables), self.log, self.locale)

    def execute(self, stmt: Statement) -> None:
        text = stmt.text
        try:
            text = expand(stmt.text, self.variables, self._evaluate_text)
            node = p.parse_statement(text)
            HANDLERS[type(node)](self, node)
        except LanguageError as exc:
            raise self._located(exc, stmt, text) from None
        except Aborted:
            raise  # cancelled in the middle of a LOAD: not an error in the script
        except AssociaError as exc:
            raise script_error(exc.code, exc.message, text=self.script, line=stmt.line,
                               column=stmt.column, statement=stmt.text.strip()) from None

    def check_cancelled(self) -> None:
        if self.cancelled():
            raise Aborted("DoReload", "Reload cancelled")

    def _located(self, exc: LanguageError, stmt: Statement, expanded: str) -> ScriptError:
        line, col = stmt.line, stmt.column
        if isinstance(exc, p.StatementError | MissingField) and exc.offset >= 0:
            offset = unexpanded_offset(exc.offset, stmt.text, expanded)
            line, col = stmt.position(offset, self.script)
        # a script error keeps its code (11020 cannot open file, ...); others are 11002
        code = exc.code if isinstance(exc, ScriptError) else ScriptError.code
        return script_error(code, exc.detail, text=self.script, line=line, column=col,
                            statement=stmt.text.strip())

    # -- helpers --------------------------------------------------------------------

    def _evaluate_text(self, expr_text: str) -> str:
        from associa.expr import parse

        v = Evaluator(self.locale).eval(parse(expr_text), ConstantScope(self.locale))
        text, _ = v.value(0, self.locale)
        return text or ""

    def _set_variable(self, name: str, value: str) -> None:
        self.variables[name] = value
        if name in LOCALE_VARIABLES:
            self.locale = Locale.from_variables(self.variables)

    # -- statements -----------------------------------------------------------------

    def do_set(self, node: p.SetVar) -> None:
        self._set_variable(node.name, node.value)

    def do_let(self, node: p.LetVar) -> None:
        v = Evaluator(self.locale).eval(node.expr, ConstantScope(self.locale))
        text, _ = v.value(0, self.locale)
        self._set_variable(node.name, text or "")

    def do_trace(self, node: p.Trace) -> None:
        self.say(node.text)

    def do_noop(self, node: p.Noop) -> None:
        pass

    def do_drop_tables(self, node: p.DropTables) -> None:
        for name in node.names:
            self.builder.drop(name)

    def do_drop_fields(self, node: p.DropFields) -> None:
        tables = [self.builder.table(t) for t in node.tables] or list(self.builder.tables.values())
        for fname in node.names:
            found = False
            for table in tables:
                if fname in table.columns:
                    table.drop_field(fname)
                    found = True
            if not found:
                raise ScriptError(f"Field '{fname}' not found")
        for name in [t.name for t in self.builder.tables.values() if not t.fields]:
            self.builder.drop(name)

    def do_load(self, node: p.Load) -> None:
        source_name = self._source_name(node)
        self.status(f"{node.label or source_name} << {source_name}")
        source = self._read_source(node)
        items: list[p.LoadItem] = []
        for item in node.items:
            if item.expr is None:
                items.extend(p.LoadItem(ast.FieldRef(n), n) for n in source.names)
            else:
                items.append(item)
        names = [it.name for it in items]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ScriptError(f"Field names must be unique within table: {sorted(dupes)[0]}")
        target = self._target(node, names)
        if target is not None:
            table_name = target.name
        else:
            table_name = self.builder.unique_name(node.label or self._default_name(node, source_name))
        base = target.nrows if target is not None else 0
        chunks: dict[str, list[np.ndarray]] = {name: [] for name in names}
        n = 0
        for lo in range(0, max(source.n, 1), CHUNK_ROWS):
            hi = min(lo + CHUNK_ROWS, source.n)
            rows = self._rows(node, source, lo, hi)
            scope = InputScope(source, rows, self.locale, base + n)
            evaluator = Evaluator(self.locale)
            span = (lo, hi) if node.where is None else None
            for item in items:
                chunks[item.name].append(self._column(item, source, rows, scope, evaluator, span))
            n += len(rows)
            if hi < source.n:
                self.status(f"{table_name} << {n} Lines fetched")
                self.check_cancelled()
        columns = {k: v[0] if len(v) == 1 else np.concatenate(v) for k, v in chunks.items()}
        if node.distinct and n:
            stacked = np.stack([columns[nm] for nm in names], axis=1)
            _, first = np.unique(stacked, axis=0, return_index=True)
            keep_idx = np.sort(first)
            columns = {k: v[keep_idx] for k, v in columns.items()}
            n = len(keep_idx)
        if target is not None:
            target.append_rows(columns, n)
        else:
            self.builder.add(table_name, names, columns, n)
        self.status(f"{table_name} << {n} Lines fetched")
        self.say(f"{table_name} << {source_name} {n} Lines fetched")

    def _rows(self, node: p.Load, source: InputTable, lo: int, hi: int) -> np.ndarray:
        """The records ``lo`` to ``hi`` of the source that pass the WHERE clause."""
        rows = np.arange(lo, hi, dtype=np.int64)
        if node.where is None:
            return rows
        try:
            scope = InputScope(source, rows, self.locale, lo)
            keep = Evaluator(self.locale).eval(node.where, scope).truth()
        except MissingField as exc:
            exc.offset = node.where_refs.get(exc.name, -1)
            raise
        return rows[keep]

    def _target(self, node: p.Load, names: list[str]) -> Table | None:
        if node.concatenate is not None:
            if node.concatenate:
                return self.builder.table(node.concatenate)
            last = self.builder.last_table()
            if last is None:
                raise ScriptError("No previous table for concatenate load.")
            return last
        if node.no_concatenate:
            return None
        return self.builder.find_same_fields(names)

    def _default_name(self, node: p.Load, source_name: str) -> str:
        # help "Table names": INLINE01, INLINE02, …; AUTOGENERATE01, …
        if node.source == "inline":
            self.inline_count += 1
            return f"INLINE{self.inline_count:02d}"
        if node.source == "autogenerate":
            self.autogenerate_count += 1
            return f"AUTOGENERATE{self.autogenerate_count:02d}"
        return source_name

    @staticmethod
    def _source_name(node: p.Load) -> str:
        """How the persistent line names the source: INLINE, the file's stem, the
        resident table or AUTOGENERATE."""
        if node.source == "file":
            return PurePosixPath(node.data.replace("\\", "/")).stem
        if node.source == "resident":
            return node.data
        return node.source.upper()

    def _read_source(self, node: p.Load) -> InputTable:
        if node.source == "inline":
            names, cols = read_delimited(node.data, node.fmt.text)
            n = len(cols[0]) if cols else 0
            return InputTable(names, n, dict(zip(names, cols, strict=True)))
        if node.source == "file":
            if self.open_file is None:
                raise ScriptError("No file access in this context")
            try:
                data = self.open_file(node.data)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                raise ScriptError(f"Cannot open file: '{node.data}' ({reason})") from None
            names, cols = read_delimited(decode(data, node.fmt.text.charset), node.fmt.text)
            n = len(cols[0]) if cols else 0
            return InputTable(names, n, dict(zip(names, cols, strict=True)))
        if node.source == "resident":
            table = self.builder.table(node.data)
            return InputTable(list(table.fields), table.nrows, table=table.copy(),
                              builder=self.builder)
        count_v = Evaluator(self.locale).eval(node.count, ConstantScope(self.locale))  # type: ignore[arg-type]
        count = float(count_v.num[0]) if not count_v.null[0] else math.nan
        if math.isnan(count) or count < 0:
            raise ScriptError(f"Invalid Autogenerate count: {count_v.value(0)[0]}")
        return InputTable([], int(count))

    def _column(
        self,
        item: p.LoadItem,
        source: InputTable,
        rows: np.ndarray,
        scope: InputScope,
        evaluator: Evaluator,
        span: tuple[int, int] | None = None,
    ) -> np.ndarray:
        """The symbol column of one LOAD item over ``rows`` (``span`` when they are the
        consecutive records ``span[0]`` to ``span[1]``)."""
        sym = self.builder.symbols_of(item.name)
        expr = item.expr
        if isinstance(expr, ast.FieldRef) and expr.name in source.names:
            if source.table is not None:
                col = source.table.columns[expr.name][rows]
                if expr.name == item.name:
                    return col
                remap = sym.intern_symbols(self.builder.symbols_of(expr.name))
                return remap[col]
            raw = source.raw[expr.name]
            if len(rows) == len(raw):
                picked = raw
            elif span is not None:
                picked = raw[span[0] : span[1]]
            else:
                picked = [raw[i] for i in rows]
            locale = self.locale
            return sym.intern_raw(picked, lambda t: interpret(t, locale))
        assert expr is not None
        try:
            v = evaluator.eval(expr, scope)
        except MissingField as exc:
            exc.offset = item.refs.get(exc.name, -1)
            raise
        return sym.intern_many(value_texts(v, self.locale), v.num, v.null)


def value_texts(v: Vec, locale: Locale) -> np.ndarray | None:
    """The texts to intern for computed values: None where the text is the number's own
    rendering and the symbol table renders it alike (integers below 1e15, the same under
    ``auto_format`` and ``model.rendering``), so computed integers make no Python string;
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
        rendered = np.array([auto_format(x, locale) for x in uniq.tolist()], dtype=object)
        out[need] = rendered[inv]
    return out


def unexpanded_offset(offset: int, original: str, expanded: str) -> int:
    """An offset in the expanded statement, mapped back to the statement as written:
    text before and after the expanded part keeps its place; inside it, the offset is
    that of the ``$(`` that produced it."""
    if original == expanded:
        return offset
    limit = min(len(original), len(expanded))
    prefix = 0
    while prefix < limit and original[prefix] == expanded[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and original[-1 - suffix] == expanded[-1 - suffix]:
        suffix += 1
    if offset < prefix:
        return offset
    if offset >= len(expanded) - suffix:
        return offset - len(expanded) + len(original)
    start = original.rfind("$(", 0, prefix + 2)
    return start if start >= 0 else prefix


HANDLERS: dict[type, Callable[[Interpreter, object], None]] = {
    p.SetVar: Interpreter.do_set,  # type: ignore[dict-item]
    p.LetVar: Interpreter.do_let,  # type: ignore[dict-item]
    p.Trace: Interpreter.do_trace,  # type: ignore[dict-item]
    p.Noop: Interpreter.do_noop,  # type: ignore[dict-item]
    p.DropTables: Interpreter.do_drop_tables,  # type: ignore[dict-item]
    p.DropFields: Interpreter.do_drop_fields,  # type: ignore[dict-item]
    p.Load: Interpreter.do_load,  # type: ignore[dict-item]
}


def _hide_fields(model: DataModel, prefix: str | None, suffix: str | None) -> None:
    """Fields named with HidePrefix/HideSuffix are hidden (tag $hidden)."""
    for name, fld in model.fields.items():
        if (prefix and name.startswith(prefix)) or (suffix and name.endswith(suffix)):
            fld.hidden = True


def run_script(
    script: str,
    open_file: OpenFile | None = None,
    progress: Callable[[str], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    *,
    status: Callable[[str], None] | None = None,
) -> ReloadResult:
    """Run a load script and return the new data model (or raise ScriptError).
    ``progress`` gets the persistent lines, ``status`` the transient ones."""
    return Interpreter(script, open_file, progress, cancelled, status).run()
