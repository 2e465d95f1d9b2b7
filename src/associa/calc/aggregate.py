"""Aggregation over records: the chart scope in which measures are evaluated.

A ``GroupScope`` evaluates an expression once per group (dimension cell). Aggregations
evaluate their argument in a ``RecordScope`` over the records of the groups, counting
each row of the argument's tables once per group (Qlik never double counts a row because
another table in the join repeats it), then reduce per group.
"""

from __future__ import annotations

import math

import numpy as np

from associa.calc.records import Records
from associa.errors import ExpressionError
from associa.expr import Evaluator, Vec, ast
from associa.model import DataModel
from associa.select import Inference
from associa.values import Locale


def field_vec(model: DataModel, name: str, symbols_idx: np.ndarray) -> Vec:
    return Vec.from_symbols(model.fields[name].symbols, symbols_idx)


class RecordScope:
    """Row context over some records: a field reference is the record's value."""

    def __init__(self, model: DataModel, records: Records, locale: Locale) -> None:
        self.model = model
        self.records = records
        self.n = records.n
        self.locale = locale

    def field(self, name: str) -> Vec:
        if name not in self.records.field_tables:
            raise ExpressionError(f"Field not found: {name}")
        return field_vec(self.model, name, self.records.column(self.model, name))

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        raise ExpressionError(f"Nested aggregation {call.name}() is not allowed here")


class GroupScope:
    """Group context: ``n`` groups; ``group[i]`` is the group of record ``i``."""

    def __init__(
        self,
        model: DataModel,
        records: Records,
        group: np.ndarray,
        n: int,
        locale: Locale,
        dims: list[tuple[str, np.ndarray]] | None = None,
    ) -> None:
        self.model = model
        self.records = records
        self.group = group
        self.n = n
        self.locale = locale
        self.dims = dims or []  # (field, symbol per group) of the chart's dimensions

    def field(self, name: str) -> Vec:
        """A field outside an aggregation: Only(field)."""
        return self.aggregate(ast.Call("ONLY", (ast.FieldRef(name),)), Evaluator(self.locale))

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        if call.total is not None:
            return self._total(call, evaluator)
        arg = call.args[0]
        names = ast.field_names(arg)
        missing = [f for f in names if f not in self.records.field_tables]
        if missing:
            raise ExpressionError(f"Field not found: {missing[0]}")
        for node in arg.walk():
            if isinstance(node, ast.Call) and node is not arg and node.name in _REDUCERS:
                raise ExpressionError(f"Nested aggregation {node.name}() needs TOTAL or Aggr()")
        if isinstance(arg, ast.Call) and arg.name in _REDUCERS:
            raise ExpressionError(f"Nested aggregation {arg.name}() needs TOTAL or Aggr()")
        pick = self._distinct_rows(names, call)
        recs = self.records if pick is None else self.records.take(pick)
        group = self.group if pick is None else self.group[pick]
        scope = RecordScope(self.model, recs, self.locale)
        if isinstance(arg, ast.Star):
            values = Vec.constant_number(1.0, recs.n)
            codes = np.zeros(recs.n, dtype=np.int64)
        else:
            values = evaluator.eval(arg, scope)
            codes = None
            if isinstance(arg, ast.FieldRef):
                col = recs.column(self.model, arg.name)
                codes = col.astype(np.int64)
                codes[col == self.model.fields[arg.name].null_code] = -1  # as value_codes
        name = call.name
        distinct = call.distinct
        if name == "COUNT" and isinstance(arg, ast.FieldRef) and self.model.fields[arg.name].is_key:
            distinct = True  # Count(key) counts distinct key values (no counting table)
        return _REDUCERS[name](values, codes, group, self.n, distinct, self.locale)

    def _distinct_rows(self, names: set[str], call: ast.Call) -> np.ndarray | None:
        """Records to use so that each row of the argument's tables counts once per group."""
        if call.name not in ("SUM", "COUNT", "AVG") or call.distinct:
            return None
        tables = self.records.tables_of(names)
        if not tables or not any(t in self.records.duplicated for t in tables):
            return None
        key = self.group.astype(np.int64)
        for t in tables:
            rows = self.records.rows[t]
            key = key * (int(rows.max(initial=0)) + 2) + (rows + 1)
        _, first = np.unique(key, return_index=True)
        return np.sort(first)

    def _total(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        """TOTAL: aggregate ignoring the dimensions (or all but the listed ones)."""
        inner = ast.Call(call.name, call.args, call.distinct, None, call.set_text, call.pos)
        keep = [(f, sym) for f, sym in self.dims if f in (call.total or ())]
        if not keep:
            sub = GroupScope(
                self.model, self.records, np.zeros(self.records.n, dtype=np.int64), 1, self.locale
            )
            v = sub.aggregate(inner, evaluator)
            return v.take(np.zeros(self.n, dtype=np.int64))
        # group by the kept dimensions only
        rec_cols = [self.records.column(self.model, f).astype(np.int64) + 1 for f, _ in keep]
        grp_cols = [sym.astype(np.int64) + 1 for _, sym in keep]
        rec_key, grp_key = _combine(rec_cols), _combine(grp_cols)
        uniq, rec_group = np.unique(rec_key, return_inverse=True)
        sub = GroupScope(self.model, self.records, rec_group, len(uniq), self.locale)
        v = sub.aggregate(inner, evaluator)
        pos = np.searchsorted(uniq, grp_key)
        pos = np.clip(pos, 0, max(len(uniq) - 1, 0))
        found = (uniq[pos] == grp_key) if len(uniq) else np.zeros(self.n, dtype=bool)
        out = v.take(pos) if len(uniq) else Vec.nulls(self.n)
        out.null = out.null | ~found
        return out


def _combine(cols: list[np.ndarray]) -> np.ndarray:
    key = np.zeros(len(cols[0]), dtype=np.int64)
    for col in cols:
        key = key * (int(col.max(initial=0)) + 1 + 1_000_003) + col
    return key


# -- reducers -------------------------------------------------------------------------


def value_codes(values: Vec) -> np.ndarray:
    """An int64 code per value identifying distinct values (-1 for NULL)."""
    n = values.n
    codes = np.full(n, -1, dtype=np.int64)
    numeric = values.is_numeric()
    if numeric.any():
        _, inv = np.unique(values.num[numeric], return_inverse=True)
        codes[numeric] = inv
    texty = ~numeric & ~values.null
    if texty.any():
        base = int(codes.max(initial=-1)) + 1
        seen: dict[str, int] = {}
        texts = values.texts()
        for i in np.flatnonzero(texty):
            codes[i] = base + seen.setdefault(texts[i], len(seen))
    return codes


def _dedupe(codes: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Indices of one record for each distinct (group, value) pair (NULLs dropped)."""
    valid = np.flatnonzero(codes >= 0)
    if not len(valid):
        return valid
    width = int(codes[valid].max()) + 1
    key = group[valid].astype(np.int64) * width + codes[valid]
    space = (int(group.max(initial=0)) + 1) * width
    if space <= max(8 * len(valid), 1 << 22):
        # dense: remember, per (group, value) cell, the last record that hit it
        first = np.full(space, -1, dtype=np.int64)
        first[key] = valid
        hit = first[first >= 0]
        return np.sort(hit)
    _, idx = np.unique(key, return_index=True)
    return valid[np.sort(idx)]


def _rows(values: Vec, codes, group, distinct: bool, numeric: bool) -> np.ndarray:
    """The records an aggregation reads: numeric or non-NULL values, one per distinct
    (group, value) pair when ``distinct``."""
    ok = values.is_numeric() if numeric else ~values.null
    if not distinct:
        return np.flatnonzero(ok)
    idx = _dedupe(value_codes(values) if codes is None else codes, group)
    return idx[ok[idx]]


def _sum(values, codes, group, n, distinct, locale) -> Vec:
    idx = _rows(values, codes, group, distinct, numeric=True)
    return Vec.numbers(np.bincount(group[idx], weights=values.num[idx], minlength=n)[:n])


def _count(values, codes, group, n, distinct, locale) -> Vec:
    idx = _rows(values, codes, group, distinct, numeric=False)
    return Vec.numbers(np.bincount(group[idx], minlength=n)[:n].astype(np.float64))


def _avg(values, codes, group, n, distinct, locale) -> Vec:
    idx = _rows(values, codes, group, distinct, numeric=True)
    sums = np.bincount(group[idx], weights=values.num[idx], minlength=n)[:n]
    counts = np.bincount(group[idx], minlength=n)[:n]
    with np.errstate(all="ignore"):
        avg = np.where(counts > 0, sums / np.maximum(counts, 1), math.nan)
    return Vec.numbers(avg)


def _extreme(fn, init):
    def reduce(values, codes, group, n, distinct, locale) -> Vec:
        ok = np.flatnonzero(values.is_numeric())
        out = np.full(n, init)
        fn.at(out, group[ok], values.num[ok])
        return Vec.numbers(np.where(np.isinf(out) & (out == init), math.nan, out))

    return reduce


def _only(values, codes, group, n, distinct, locale) -> Vec:
    codes = value_codes(values) if codes is None else codes
    idx = _dedupe(codes, group)
    per_group = np.bincount(group[idx], minlength=n)[:n]
    first = np.full(n, -1, dtype=np.int64)
    first[group[idx][::-1]] = idx[::-1]
    single = per_group == 1
    out = values.take(np.maximum(first, 0)) if len(values.num) else Vec.nulls(n)
    out.null = out.null | ~single
    if len(values.num) == 0:
        return Vec.nulls(n)
    return out


_REDUCERS = {
    "SUM": _sum,
    "COUNT": _count,
    "AVG": _avg,
    "MIN": _extreme(np.minimum, math.inf),
    "MAX": _extreme(np.maximum, -math.inf),
    "ONLY": _only,
}


def evaluate_scalar(
    model: DataModel, inference: Inference, text: str, locale: Locale
) -> tuple[str | None, float]:
    """An expression over all possible records, as one value: (text or None, number).
    Raises ExpressionError for bad syntax or unknown fields."""
    from associa.calc.records import associate
    from associa.expr import parse

    node = parse(text)
    names = ast.field_names(node)
    for name in names:
        if name not in model.fields:
            raise ExpressionError(f"Field not found: {name}")
    records = associate(model, inference, names) if names else Records({}, 1)
    scope = GroupScope(model, records, np.zeros(records.n, dtype=np.int64), 1, locale)
    v = Evaluator(locale).eval(node, scope)
    return v.value(0, locale)
