"""The load script's own functions: mapping, inter-record, table, counter and hash
functions (Qlik help: "Mapping functions", "Inter-record functions", "Table functions",
"Counter functions", "Hash functions"), registered in the one function registry.

They read the running script through ``script.context`` (tables built so far, mapping
tables, AutoNumber counters) and, inside a LOAD, the scope of the rows being loaded
(``loading.InputScope``: Peek of the table being built, Previous, IterNo). Everything is
vectorized over the scope's rows; Peek of the field the same expression computes is a
running total (``script/running.py``), or else evaluated record by record.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from associa.errors import ExpressionError, ScriptError
from associa.expr import Vec, ast
from associa.expr.evaluate import Evaluator, Scope, function
from associa.expr.interrecord import noofrows as chart_noofrows
from associa.model.table import Table
from associa.script.context import ScriptContext, current
from associa.script.matching import ValueIndex

# -- helpers ------------------------------------------------------------------------------


def name_arg(ev: Evaluator, node: ast.Node, scope: Scope) -> str:
    """A field or table name given as a bare name or as a (constant) string expression."""
    if isinstance(node, ast.FieldRef):
        return node.name
    if isinstance(node, ast.String):
        return node.value
    v = ev.eval(node, _One(scope))
    text, _ = v.value(0)
    if text is None:
        raise ExpressionError("A name is NULL")
    return text


class _One:
    """A one-value view of a scope (for constant arguments)."""

    n = 1

    def __init__(self, scope: Scope) -> None:
        self.locale = scope.locale
        self._scope = scope

    def field(self, name: str) -> Vec:
        raise ScriptError(f"Field '{name}' not found")

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        raise ScriptError(f"Aggregation {call.name}() is not allowed here")


def table_values(ctx: ScriptContext, table: Table, fieldname: str, rows: np.ndarray) -> Vec:
    """The values of a field in some rows of a table (row numbers as float; a negative
    row counts from the end; outside the table: NULL)."""
    if fieldname not in table.columns:
        raise ScriptError(f"Field '{fieldname}' not found in table '{table.name}'")
    r = np.where(rows < 0, table.nrows + rows, rows)
    ok = ~np.isnan(r) & (r >= 0) & (r < table.nrows)
    codes = np.full(len(rows), -1, dtype=np.int32)
    if ok.any():
        codes[ok] = table.columns[fieldname][r[ok].astype(np.int64)]
    return Vec.from_symbols(ctx.builder.symbols_of(fieldname), codes)


def _numbers(ev: Evaluator, node: ast.Node, scope: Scope) -> np.ndarray:
    v = ev.eval(node, scope)
    x = v.as_numbers().copy()
    x[v.null] = np.nan
    return x


# -- mapping ------------------------------------------------------------------------------


@function("APPLYMAP", 2, 3)
def applymap(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    ctx = current("ApplyMap")
    mapping = ctx.mapping(name_arg(ev, call.args[0], scope))
    values = ev.eval(call.args[1], scope)
    default = ev.eval(call.args[2], scope) if len(call.args) > 2 else None
    return mapping.apply(values, default)


@function("MAPSUBSTRING", 2, 2)
def mapsubstring(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    ctx = current("MapSubstring")
    mapping = ctx.mapping(name_arg(ev, call.args[0], scope))
    return mapping.substitute(ev.eval(call.args[1], scope))


# -- inter-record ------------------------------------------------------------------------


@function("PEEK", 1, 3)
def peek(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """Peek(field [, row [, table]]): a value of a row already loaded; row 0 is the first,
    -1 (the default) the last; without a table, the table being loaded (in a LOAD) or
    the last table loaded (help "Peek")."""
    ctx = current("Peek")
    fieldname = name_arg(ev, call.args[0], scope)
    rows = _numbers(ev, call.args[1], scope) if len(call.args) > 1 else np.full(scope.n, -1.0)
    tname = name_arg(ev, call.args[2], scope) if len(call.args) > 2 else None
    reader = getattr(scope, "peek", None)
    if reader is not None and (tname is None or tname == ctx.current_table):
        return reader(fieldname, rows)
    table = ctx.table(tname) if tname is not None else ctx.last_table()
    return table_values(ctx, table, fieldname, rows)


@function("PREVIOUS", 1, 1)
def previous(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    before = getattr(scope, "previous", None)
    if before is None:
        raise ExpressionError("Previous() is only available in a LOAD")
    prev_scope, missing = before()
    v = ev.eval(call.args[0], prev_scope)
    if missing.any():
        v = Vec(v.num.copy(), None if v.text is None else v.text.copy(), v.null | missing)
        v.num[missing] = np.nan
    return v


@function("ITERNO", 0, 0)
def iterno(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    fn = getattr(scope, "iter_no", None)
    if fn is None:
        raise ExpressionError("IterNo() is only available in a LOAD")
    return fn()


@function("EXISTS", 1, 2)
def exists(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """Exists(field [, expr]): whether the value (of ``expr``, else of the field in the
    current record) is already a value of the field: in the tables loaded so far and in
    the records the running LOAD has kept so far (help "Exists")."""
    ctx = current("Exists")
    fieldname = name_arg(ev, call.args[0], scope)
    values = ev.eval(call.args[1], scope) if len(call.args) > 1 else scope.field(fieldname)
    coded = values.coded()  # a field's values: both lookups go by symbol code

    def probe() -> Vec:
        return values if coded is None else Vec.from_symbols(*coded)

    found = _prior(ctx, fieldname).contains(probe())
    here = getattr(scope, "exists_here", None)
    if here is not None:
        found |= here(fieldname, probe())
    return Vec.booleans(found)


def _prior(ctx: ScriptContext, fieldname: str) -> ValueIndex:
    key = ("exists", fieldname)
    cached = ctx.counters.get(key)  # type: ignore[call-overload]
    sym = ctx.builder.symbols.get(fieldname)
    if sym is None:
        return ValueIndex(Vec.nulls(0))
    mask = ctx.present(fieldname)
    if cached is not None and cached[0] is mask:
        return cached[1]
    idx = ValueIndex(Vec.from_symbols(sym, np.flatnonzero(mask)))
    ctx.counters[key] = (mask, idx)  # type: ignore[index]
    return idx


@function("LOOKUP", 3, 4)
def lookup(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """Lookup(field, match_field, value [, table]): ``field`` in the first row of the
    table whose ``match_field`` is ``value``; NULL when none (help "Lookup")."""
    ctx = current("Lookup")
    fieldname = name_arg(ev, call.args[0], scope)
    match = name_arg(ev, call.args[1], scope)
    values = ev.eval(call.args[2], scope)
    table = (ctx.table(name_arg(ev, call.args[3], scope)) if len(call.args) > 3
             else ctx.table(ctx.current_table) if ctx.current_table in ctx.builder.tables
             else ctx.last_table())
    keys = table_values(ctx, table, match, np.arange(table.nrows, dtype=np.float64))
    at = ValueIndex(keys).find(values)
    rows = np.where(at >= 0, at, np.nan).astype(np.float64)
    return table_values(ctx, table, fieldname, rows)


# -- table functions ---------------------------------------------------------------------


def _tables(ctx: ScriptContext) -> list[Table]:
    return list(ctx.builder.tables.values())


def _const(x: float | str | None, n: int) -> Vec:
    if x is None:
        return Vec.nulls(n)
    if isinstance(x, str):
        return Vec.constant_text(x, n)
    return Vec.constant_number(float(x), n)


@function("NOOFTABLES", 0, 0)
def nooftables(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    return _const(len(_tables(current("NoOfTables"))), scope.n)


@function("NOOFROWS", 0, 1)
def noofrows(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """NoOfRows(table_name); without an argument the chart function NoOfRows([TOTAL])
    (``expr/interrecord.py``)."""
    if not call.args:
        return chart_noofrows(ev, call, scope)
    ctx = current("NoOfRows")
    table = ctx.builder.tables.get(name_arg(ev, call.args[0], scope))
    return _const(None if table is None else table.nrows, scope.n)


@function("NOOFFIELDS", 1, 1)
def nooffields(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    ctx = current("NoOfFields")
    table = ctx.builder.tables.get(name_arg(ev, call.args[0], scope))
    return _const(None if table is None else len(table.fields), scope.n)


@function("TABLENAME", 1, 1)
def tablename(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """TableName(n): the name of table n, 0-based (help "TableName")."""
    tables = _tables(current("TableName"))
    x = _numbers(ev, call.args[0], _One(scope))[0]
    ok = not math.isnan(x) and 0 <= int(x) < len(tables)
    return _const(tables[int(x)].name if ok else None, scope.n)


@function("TABLENUMBER", 1, 1)
def tablenumber(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    names = [t.name for t in _tables(current("TableNumber"))]
    name = name_arg(ev, call.args[0], scope)
    return _const(names.index(name) if name in names else None, scope.n)


@function("FIELDNAME", 2, 2)
def fieldname_(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """FieldName(n, table): the name of field n (1-based) of the table."""
    ctx = current("FieldName")
    x = _numbers(ev, call.args[0], _One(scope))[0]
    table = ctx.builder.tables.get(name_arg(ev, call.args[1], scope))
    ok = table is not None and not math.isnan(x) and 1 <= int(x) <= len(table.fields)
    return _const(table.fields[int(x) - 1] if ok else None, scope.n)  # type: ignore[union-attr]


@function("FIELDNUMBER", 2, 2)
def fieldnumber(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """FieldNumber(field, table): the field's 1-based position in the table, 0 if absent."""
    ctx = current("FieldNumber")
    name = name_arg(ev, call.args[0], scope)
    table = ctx.builder.tables.get(name_arg(ev, call.args[1], scope))
    if table is None:
        return Vec.nulls(scope.n)
    return _const(table.fields.index(name) + 1 if name in table.fields else 0, scope.n)


def _field_symbols(ctx: ScriptContext, name: str) -> tuple[object, np.ndarray]:
    """A field's symbol table and the symbols some table holds now, in load order."""
    sym = ctx.builder.symbols.get(name)
    if sym is None:
        raise ScriptError(f"Field '{name}' not found")
    return sym, np.flatnonzero(ctx.present(name))


@function("FIELDVALUECOUNT", 1, 1)
def fieldvaluecount(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    _, present = _field_symbols(current("FieldValueCount"), name_arg(ev, call.args[0], scope))
    return _const(len(present), scope.n)


@function("FIELDVALUE", 2, 2)
def fieldvalue(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """FieldValue(field, n): the field's n-th value (1-based) in load order."""
    sym, present = _field_symbols(current("FieldValue"), name_arg(ev, call.args[0], scope))
    x = _numbers(ev, call.args[1], scope)
    ok = ~np.isnan(x) & (x >= 1) & (x <= len(present))
    codes = np.full(scope.n, -1, dtype=np.int64)
    codes[ok] = present[x[ok].astype(np.int64) - 1]
    return Vec.from_symbols(sym, codes)  # type: ignore[arg-type]


@function("FIELDINDEX", 2, 2)
def fieldindex(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """FieldIndex(field, value): the value's 1-based position among the field's values
    in load order, 0 when it is not one."""
    sym, present = _field_symbols(current("FieldIndex"), name_arg(ev, call.args[0], scope))
    at = ValueIndex(Vec.from_symbols(sym, present)).find(ev.eval(call.args[1], scope))  # type: ignore[arg-type]
    return Vec.numbers((at + 1).astype(np.float64))


# -- counters and hashes ------------------------------------------------------------------


def _hash_texts(ev: Evaluator, call: ast.Call, scope: Scope) -> np.ndarray:
    """The text the hash functions hash: the arguments' texts joined (NULL as empty),
    with a separator that no text holds."""
    parts = [ev.eval(a, scope).text_or_empty(ev.locale) for a in call.args]
    out = parts[0].astype(object)
    for p in parts[1:]:
        out = out + "\x1f" + p
    return out


class _Counters:
    """The values numbered so far by the AutoNumber counters: per (counter, value) pair its
    number, 1, 2, 3 … in order of first appearance within its counter."""

    def __init__(self) -> None:
        self.pairs = np.zeros(0, dtype=object)  # "counter\x1fvalue" texts
        self.numbers = np.zeros(0, dtype=np.float64)
        self.index = ValueIndex(Vec.nulls(0))
        self.counts: dict[str, int] = {}

    def number(self, values: Vec, counters: np.ndarray) -> np.ndarray:
        valid = np.flatnonzero(~values.null)
        out = np.full(values.n, np.nan)
        if not len(valid):
            return out
        texts = values.texts()
        kind = np.where(values.is_numeric(), "n" + (values.num + 0.0).astype(str), "t")
        ident = np.where(values.is_numeric(), kind, "t" + texts.astype(str)).astype(object)
        pairs = counters[valid].astype(object) + "\x1f" + ident[valid]
        pv = Vec.texts_only(pairs, np.zeros(len(pairs), dtype=bool))
        at = self.index.find(pv)
        new = np.flatnonzero(at < 0)
        if len(new):
            fresh = pv.take(new)
            first = np.unique(ValueIndex(fresh).find(fresh))  # each new pair once, in order
            new_pairs = pairs[new[first]]
            new_counters = counters[valid][new[first]].astype(str)
            order = np.argsort(new_counters, kind="stable")
            sorted_c = new_counters[order]
            starts = np.r_[0, np.flatnonzero(sorted_c[1:] != sorted_c[:-1]) + 1]
            rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
            nums = np.empty(len(order), dtype=np.float64)
            for lo, hi in zip(starts, np.r_[starts[1:], len(order)], strict=True):
                c = str(sorted_c[lo])  # one step per counter, not per value
                base = self.counts.get(c, 0)
                nums[order[lo:hi]] = base + rank[lo:hi] + 1
                self.counts[c] = base + (hi - lo)
            self.pairs = np.concatenate([self.pairs, new_pairs])
            self.numbers = np.concatenate([self.numbers, nums])
            self.index = ValueIndex(Vec.texts_only(self.pairs, np.zeros(len(self.pairs),
                                                                         dtype=bool)))
            at = self.index.find(pv)
        out[valid] = self.numbers[at]
        return out


def _autonumber(values: Vec, counters: np.ndarray) -> Vec:
    ctx = current("AutoNumber")
    c = ctx.counters.get("autonumber")
    if c is None:
        c = ctx.counters["autonumber"] = _Counters()
    return Vec.numbers(c.number(values, counters))


@function("AUTONUMBER", 1, 2)
def autonumber(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """AutoNumber(expr [, counter]): 1, 2, 3 … in order of first appearance of each
    distinct value, per counter (help "AutoNumber"); the counter may differ per row (the
    ranking idiom ``AutoNumber(Amount, Customer)`` over sorted records)."""
    values = ev.eval(call.args[0], scope)
    if len(call.args) > 1:
        counters = ev.eval(call.args[1], scope).text_or_empty(ev.locale).astype(object)
    else:
        counters = np.full(values.n, "", dtype=object)
    return _autonumber(values, counters)


def _autonumber_hash(bits: int):
    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        texts = _hash_texts(ev, call, scope)
        return _autonumber(Vec.texts_only(texts, np.zeros(len(texts), dtype=bool)),
                           np.full(len(texts), f"\x1e#hash{bits}", dtype=object))

    return impl


function("AUTONUMBERHASH128", 1, 99)(_autonumber_hash(128))
function("AUTONUMBERHASH256", 1, 99)(_autonumber_hash(256))


def hash_text(text: str, nchars: int) -> str:
    """The text of a hash of ``nchars`` characters, shaped as the engine's.

    Qlik's help gives the engine's outputs for the same arguments ("Hash128", "Hash160",
    "Hash256": ``('abc', 'xyz', '123')`` gives ``MA&5]6+3=:>;>G%S<U*S2+``,
    ``MA&5]6+3=:>;>G%S<U*S2I:`=X*`` and ``MA&5]6+3=:>;>G%S<U*S2I:`=X*A.IO*8N\\%Y7Q;YEJ``,
    and likewise for three more rows of fields): 6 bits per character, from ``!`` (33)
    to the backtick (96), most significant first; the shorter hashes the first 22 and 27 characters of the
    256-bit one except that Hash128's last character is the 256-bit one's 22nd shifted
    right by two bits. Its digest of the arguments is not documented (MD5, SHA-1/2/3 and
    BLAKE2 of the joined texts, in UTF-8 or UTF-16, with the usual separators, do not give
    it), so associa uses SHA-256 of the texts joined by a separator no text holds, laid
    out the same way: equal arguments give equal hashes in every reload and version."""
    digest = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big") << 2
    groups = [(digest >> (6 * (42 - i))) & 63 for i in range(43)]  # 258 bits, MSB first
    if nchars == 22:
        groups[21] >>= 2
    return "".join(chr(33 + g) for g in groups[:nchars])


def _hash(nchars: int):
    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        texts = _hash_texts(ev, call, scope)
        uniq, inv = np.unique(texts.astype(str), return_inverse=True)
        done = np.array([hash_text(t, nchars) for t in uniq.tolist()], dtype=object)
        return Vec.texts_only(done[inv], np.zeros(len(texts), dtype=bool))

    return impl


# Hash128/160/256: 22/27/43 characters (see hash_text)
function("HASH128", 1, 99)(_hash(22))
function("HASH160", 1, 99)(_hash(27))
function("HASH256", 1, 99)(_hash(43))
