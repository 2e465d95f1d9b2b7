"""Calculated dimensions (``=expr``): their values per record (a row expression, an
aggregation over all records, or Aggr's value of each record's virtual row), coded in
order of first appearance, and the records a cube groups with those codes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from associa.calc.aggregate import GroupScope
from associa.calc.records import Records
from associa.expr import Evaluator, Vec, ast
from associa.kernels.codes import Codes
from associa.model import DataModel
from associa.values import Locale


@dataclass(slots=True)
class CalcValues:
    """A calculated dimension's values: ``values`` holds one of each (in code order:
    numbers ascending, then texts in order of appearance); code ``len(values)`` is NULL."""

    values: Vec
    texts: np.ndarray

    def __len__(self) -> int:
        return self.values.n

    @property
    def null_code(self) -> int:
        return self.values.n

    def text(self, code: int) -> str:
        return str(self.texts[code])

    def num(self, code: int) -> float:
        return float(self.values.num[code])

    def rank(self, criteria: Mapping[str, Any] | None) -> np.ndarray:
        """The rank of each code (NULL last) by a dimension's sort criteria: numeric,
        then text (qSortByNumeric, qSortByAscii: 1 ascending, -1 descending); without
        either, code order (numbers ascending, then texts as they came)."""
        criteria = criteria if isinstance(criteria, Mapping) else {}
        k = len(self)
        keys: list[np.ndarray] = []
        numeric = int(criteria.get("qSortByNumeric") or 0)
        if numeric:
            nums = self.values.num
            keys.append(np.where(np.isnan(nums), np.inf, nums * (1 if numeric > 0 else -1)))
        ascii_ = int(criteria.get("qSortByAscii") or 0)
        if ascii_:
            _, inv = np.unique(np.array([str(t).casefold() for t in self.texts], dtype=object),
                               return_inverse=True)
            keys.append(inv.ravel() * (1 if ascii_ > 0 else -1))
        keys.append(np.arange(k))
        order = np.lexsort(keys[::-1]) if k else np.zeros(0, dtype=np.int64)
        rank = np.empty(k + 1, dtype=np.int64)
        rank[order] = np.arange(k)
        rank[k] = k
        return rank


class _CalcScope:
    """A calculated dimension's row context over records: a field is the record's value,
    an aggregation outside Aggr is over all the ``home`` records (one value), an Aggr
    gives each record the value of its virtual row over the home records (as NODISTINCT
    would), the row having the record's values of the Aggr dimensions (NULL where the
    home records have none). The home records are the records themselves, or the chart
    state's when the records are a set's: a calculated dimension is computed in the
    chart's state, and a set's record takes the value its fields have there."""

    def __init__(self, model: DataModel, records: Records, locale: Locale,
                 home: Records | None = None) -> None:
        from associa.calc.aggregate import RecordScope

        home = records if home is None else home
        self.records = records
        self.away = home is not records
        self.rows = RecordScope(model, records, locale)
        self.whole = GroupScope(model, home, np.zeros(home.n, dtype=np.intp), 1, locale)
        self.n = records.n
        self.locale = locale

    def field(self, name: str) -> Vec:
        return self.rows.field(name)

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        return self.whole.aggregate(call, evaluator).take(np.zeros(self.n, dtype=np.int64))

    def aggr(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        from associa.calc.aggr import inner_values, rows_of, virtual

        virt = virtual(self.whole, call)
        values = inner_values(virt, call, evaluator)
        if not self.away:
            return values.take(virt.key)
        rows = rows_of(self.records, virt)
        out = values.take(np.minimum(rows, max(virt.n - 1, 0))) if virt.n else Vec.nulls(
            self.n)
        out.null = out.null | (rows >= virt.n)
        return out


def calc_vec(model: DataModel, records: Records, node: ast.Node, evaluator: Evaluator,
             locale: Locale, home: Records | None = None) -> Vec:
    """A calculated dimension's value per record (its aggregations over ``home``, the
    records themselves by default: ``_CalcScope``)."""
    scope = _CalcScope(model, records, locale, home)
    try:
        return evaluator.eval(node, scope)
    finally:
        scope.whole.release()


def calc_codes(model: DataModel, records: Records, node: ast.Node, evaluator: Evaluator,
               locale: Locale) -> tuple[np.ndarray, CalcValues]:
    """A calculated dimension's value code per record, and its values."""
    return coded_values(calc_vec(model, records, node, evaluator, locale), locale)


def coded_values(v: Vec, locale: Locale) -> tuple[np.ndarray, CalcValues]:
    """Computed values as codes (in order of first appearance; NULL the last code) and
    the distinct values."""
    from associa.expr.aggregations import value_codes

    codes = value_codes(v)
    k = int(codes.max(initial=-1)) + 1
    first = np.full(k, -1, dtype=np.int64)
    valid = np.flatnonzero(codes >= 0)
    first[codes[valid][::-1]] = valid[::-1]
    table = v.take(first) if k else Vec.nulls(0)
    codes = np.where(codes < 0, k, codes)
    return codes, CalcValues(table, table.texts(locale))


class CalcRecords:
    """Records with the codes of calculated dimensions under their own names (what
    ``group`` reads), everything else read from ``records``."""

    def __init__(self, records: Records, calc: dict[str, tuple[np.ndarray, CalcValues]]):
        self.records = records
        self.calc = calc
        self.n = records.n

    def codes(self, name: str) -> Codes:
        found = self.calc.get(name)
        if found is None:
            return self.records.codes(name)
        return Codes.of(found[0].astype(np.int32))


def code_count(model: DataModel, records: Any, name: str) -> int:
    """The codes of a grouped column: a field's symbols and NULL, or a calculated
    dimension's values and NULL."""
    if isinstance(records, CalcRecords) and name in records.calc:
        return records.calc[name][1].null_code + 1
    return model.fields[name].null_code + 1


def calc_key(i: int) -> str:
    """The name a calculated dimension is grouped under (no field has it)."""
    return f"\x00calc{i}"
