"""Aggregation over records: the chart scopes in which measures are evaluated.

A ``GroupScope`` evaluates an expression once per group (dimension cell). Aggregations
hand their argument's values over the records of the groups to the reducers of the
function registry (``expr/aggregations.py``), counting each row of the argument's tables
once per group (Qlik never double counts a row because another table in the join repeats
it). A field argument goes to the reducer as symbol codes, read through lookup tables in
the kernels' pass; any other argument is evaluated in a ``RecordScope``.

The grand total of a measure is its expression over all records: ``TotalScope`` evaluates
it, taking each aggregation's total from the groups' results where the reducer gave one
(sums and counts add up, distinct counts OR their bitmaps), and making one pass over the
records only for the others (distinct sums, Only, TOTAL, dedupe).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from associa.calc.lookups import ModelLookups
from associa.calc.numeric import Numbers, is_arithmetic
from associa.calc.records import Records
from associa.calc.sets import NoSources, SetEvaluator
from associa.errors import ExpressionError
from associa.expr import AGGREGATIONS, Evaluator, Vec, ast
from associa.expr.aggregations import Arg, Coded
from associa.expr.registry import REGISTRY
from associa.kernels.codes import Codes
from associa.kernels.group import gather
from associa.model import DataModel
from associa.select import Inference
from associa.values import Locale


def field_vec(model: DataModel, name: str, codes: Codes) -> Vec:
    """A field's values over records, read through its symbol table in one pass each."""
    symbols = model.fields[name].symbols
    num = gather(codes.through(symbols.nums))
    if ModelLookups.of(model).numeric(name):
        null = np.isnan(num)  # every symbol has a number: only NULL has none
    else:
        notnull = np.ones(len(symbols) + 1, dtype=bool)
        notnull[-1] = False
        null = ~gather(codes.through(notnull))
    return Vec(num, None, null, (symbols, codes))


class RecordScope:
    """Row context over some records (``pick``: some of them): a field reference is the
    record's value."""

    def __init__(self, model: DataModel, records: Records, locale: Locale,
                 pick: np.ndarray | None = None) -> None:
        self.model = model
        self.records = records
        self.pick = pick
        self.n = records.n if pick is None else len(pick)
        self.locale = locale

    def codes(self, name: str) -> Codes:
        if name not in self.records.field_tables:
            raise ExpressionError(f"Field not found: {name}")
        codes = self.records.codes(name)
        return codes if self.pick is None else codes.take(self.pick)

    def field(self, name: str) -> Vec:
        return field_vec(self.model, name, self.codes(name))

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        raise ExpressionError(f"Nested aggregation {call.name}() is not allowed here")


class GroupScope:
    """Group context: ``n`` groups; ``group[i]`` is the group of record ``i``.

    ``totals`` collects, per aggregation call evaluated here, its total over all records
    when the reducer could give it from the groups (see ``TotalScope``)."""

    def __init__(
        self,
        model: DataModel,
        records: Records,
        group: np.ndarray,
        n: int,
        locale: Locale,
        dims: list[tuple[str, np.ndarray]] | None = None,
        counts: np.ndarray | None = None,
    ) -> None:
        self.model = model
        self.records = records
        self.group = group
        self.n = n
        self.counts = counts  # the records in each group, when the grouping counted them
        self.locale = locale
        self.dims = dims or []  # (field, symbol per group) of the chart's dimensions
        self.totals: dict[ast.Call, Vec | None] = {}
        # the scopes of the same groups over other sets' records (``SetScope`` links
        # them; None: this scope alone), and the sets that failed
        self.peers: dict[str | None, GroupScope] | None = None
        self.peer_errors: dict[str, str] = {}
        # Aggr (``calc/aggr.py``): the virtual tables read from this scope's records, and,
        # in a virtual table's own scope, the values its Aggr calls stand for
        self.virtuals: dict[tuple, Any] = {}
        self.virtual: dict[ast.Call, Vec] = {}
        # the sums and counts computed here whose groups add up to coarser groups (each
        # record counted once: no DISTINCT, no deduplicated rows): a pivot's subtotals
        self.additive: dict[ast.Call, Vec] = {}

    def record_groups(self) -> np.ndarray:
        """The group of each record."""
        return self.group

    def release(self) -> None:
        """Drops what links this scope to others (its peers, the virtual tables read
        from it and theirs), when the chart is done with it. Those links are reference
        cycles: without this, the scopes' arrays (a chart's records, hundreds of MB on a
        big model) wait for the cycle collector, which frees them in the middle of some
        later request, and that request pays for it."""
        virtuals = list(self.virtuals.values())
        self.peers = None
        self.virtuals = {}
        self.virtual = {}
        self.totals = {}
        self.additive = {}
        for v in virtuals:  # Virtual tables (and, under other keys, plain arrays)
            inner = getattr(v, "scope", None)
            if inner is not None:
                inner.release()

    def source(self, set_text: str | None) -> GroupScope:
        """The scope of the same groups whose records a set reads (None: the chart
        state's)."""
        if self.peers is None:
            if set_text is None:
                return self
            raise ExpressionError("A set expression on Aggr() is not supported here")
        if set_text is not None and set_text in self.peer_errors:
            raise ExpressionError(self.peer_errors[set_text])
        found = self.peers.get(set_text)
        if found is None:
            if set_text is None:
                return self
            raise ExpressionError("A set expression on Aggr() is not supported here")
        return found

    def aggr(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        """Aggr() outside an aggregation (``calc/aggr.py``)."""
        hit = self.virtual.get(call)
        if hit is not None:
            return hit
        from associa.calc.aggr import direct
        return direct(self, call, evaluator)

    def field(self, name: str) -> Vec:
        """A field outside an aggregation: Only(field)."""
        return self.aggregate(ast.Call("ONLY", (ast.FieldRef(name),)), Evaluator(self.locale))

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        if call.total is not None:
            return self._total(call, evaluator)
        from associa.calc.aggr import aggregate_over, top_aggrs
        nested = top_aggrs(call.args)
        if nested:
            return aggregate_over(self, call, evaluator, nested)
        arg = call.args[0]
        names = ast.field_names(arg)
        missing = [f for f in names if f not in self.records.field_tables]
        if missing:
            raise ExpressionError(f"Field not found: {missing[0]}")
        for node in arg.walk():
            if isinstance(node, ast.Call) and node is not arg and node.name in AGGREGATIONS:
                raise ExpressionError(f"Nested aggregation {node.name}() needs TOTAL or Aggr()")
        if isinstance(arg, ast.Call) and arg.name in AGGREGATIONS:
            raise ExpressionError(f"Nested aggregation {arg.name}() needs TOTAL or Aggr()")
        pick = self._distinct_rows(names, call)
        key = self.group if pick is None else self.group[pick]
        distinct = call.distinct
        if call.name == "COUNT" and isinstance(arg, ast.FieldRef) and self.model.fields[arg.name].is_key:
            distinct = True  # Count(key) counts distinct key values (no counting table)
        # further arguments (Concat's delimiter and sort weight, FirstSortedValue's weight)
        # are values per record, over the same records as the first
        extra = [evaluator.eval(a, RecordScope(self.model, self.records, self.locale, pick))
                 for a in call.args[1:]]
        reduced = REGISTRY[call.name].impl(self._arg(arg, evaluator, pick), key, self.n,
                                           distinct, *extra)
        # deduplicated records count a row once per group, not once in all: no total here
        self.totals[call] = reduced.total if pick is None else None
        if pick is None and not distinct and not extra and call.name in ("SUM", "COUNT"):
            self.additive[call] = reduced.values
        return reduced.values

    def _arg(self, arg: ast.Node, evaluator: Evaluator, pick: np.ndarray | None) -> Arg:
        n = self.records.n if pick is None else len(pick)
        counts = self.counts if pick is None else None
        if isinstance(arg, ast.Star):
            return Arg(n, star=True, counts=counts)
        scope = RecordScope(self.model, self.records, self.locale, pick)
        if is_arithmetic(arg):
            return Arg(n, numbers=Numbers(self.model, scope.codes, n).lazy(arg))
        if isinstance(arg, ast.FieldRef):
            symbols = self.model.fields[arg.name].symbols
            possible = self.records.possible
            return Arg(n, coded=Coded(scope.codes(arg.name), symbols,
                                      lambda: possible(arg.name),
                                      ModelLookups.of(self.model).value_ids(arg.name)),
                       counts=counts)
        return Arg(n, values=evaluator.eval(arg, scope))

    def _distinct_rows(self, names: set[str], call: ast.Call) -> np.ndarray | None:
        """Records to use so that each row of the argument's tables counts once per group."""
        if call.name not in ("SUM", "COUNT", "AVG") or call.distinct:
            return None
        records = self.records
        tables = records.tables_of(names)
        if not tables or not any(records.duplicated(t) for t in tables):
            return None
        key = self.group.astype(np.int64)
        for t in tables:
            rows = records.table_rows(t)
            key = key * (int(rows.max(initial=0)) + 2) + (rows + 1)
        _, first = np.unique(key, return_index=True)
        return np.sort(first)

    def _total(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        """TOTAL: aggregate ignoring the dimensions (or all but the listed ones)."""
        inner = ast.Call(call.name, call.args, call.distinct, None, call.set_text, call.pos)
        keep = [(f, sym) for f, sym in self.dims if f in (call.total or ())]
        n = self.records.n
        if not keep:
            sub = GroupScope(self.model, self.records, np.zeros(n, dtype=np.intp), 1, self.locale)
            v = sub.aggregate(inner, evaluator)
            return v.take(np.zeros(self.n, dtype=np.int64))
        # group by the kept dimensions only
        rec_cols = [self.records.column(self.model, f).astype(np.int64) + 1 for f, _ in keep]
        grp_cols = [sym.astype(np.int64) + 1 for _, sym in keep]
        rec_key, grp_key = _combine(rec_cols), _combine(grp_cols)
        uniq, rec_group = np.unique(rec_key, return_inverse=True)
        sub = GroupScope(self.model, self.records, rec_group.ravel(), len(uniq), self.locale)
        v = sub.aggregate(inner, evaluator)
        pos = np.searchsorted(uniq, grp_key)
        pos = np.clip(pos, 0, max(len(uniq) - 1, 0))
        found = (uniq[pos] == grp_key) if len(uniq) else np.zeros(self.n, dtype=bool)
        out = v.take(pos) if len(uniq) else Vec.nulls(self.n)
        out.null = out.null | ~found
        return out


class TotalScope(GroupScope):
    """One group of all records, taking each aggregation's total from ``groups`` (the
    scope that evaluated the same expression per group) when it has one."""

    def __init__(self, groups: GroupScope) -> None:
        super().__init__(groups.model, groups.records, _NO_GROUP, 1, groups.locale)
        self.groups = groups

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        hit = self.groups.totals.get(call)
        if hit is not None:
            return hit
        self.record_groups()
        return super().aggregate(call, evaluator)

    def record_groups(self) -> np.ndarray:
        if self.group is _NO_GROUP:
            self.group = np.zeros(self.records.n, dtype=np.intp)
        return self.group

    def aggr(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        self.record_groups()
        return super().aggr(call, evaluator)


_NO_GROUP = np.zeros(0, dtype=np.intp)


class SetScope:
    """The groups of a chart whose aggregations read different records: each set
    expression its own (``calc/sets.py``), the others the chart state's (``default``).
    Every scope has the same groups; an aggregation goes to the scope of its set. A
    set that could not be evaluated makes its aggregations fail with its error."""

    def __init__(self, default: GroupScope, by_set: dict[str, GroupScope],
                 errors: dict[str, str],
                 local: dict[str | None, tuple[LocalGroups, np.ndarray]] | None = None,
                 total: bool = False) -> None:
        self.default = default
        self.by_set = by_set
        self.errors = errors
        # each source's own groups (``LocalGroups``) and, per group here, its group there:
        # a plain aggregation is read from there (computed once per set's selections)
        self.local = local or {}
        self.total = total
        self.n = default.n
        self.locale = default.locale
        self.dims = default.dims
        self.virtual: dict[ast.Call, Vec] = {}
        peers: dict[str | None, GroupScope] = {None: default}
        peers.update(by_set)
        for scope in peers.values():
            scope.peers = peers
            scope.peer_errors = errors

    def aggr(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        hit = self.virtual.get(call)
        if hit is not None:
            return hit
        return self.default.aggr(call, evaluator)

    def release(self) -> None:
        """``GroupScope.release`` for every scope of every set."""
        self.virtual = {}
        for scope in (self.default, *self.by_set.values()):
            scope.release()

    def field(self, name: str) -> Vec:
        return self.default.field(name)

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        if call.set_text is not None and call.set_text in self.errors:
            raise ExpressionError(self.errors[call.set_text])
        found = self.local.get(call.set_text)
        if found is not None and LocalGroups.takes(call):
            groups, at = found
            if self.total:
                return groups.total_value(call, evaluator)
            return groups.value(call, evaluator).take(at)
        if call.set_text is None:
            return self.default.aggregate(call, evaluator)
        scope = self.by_set.get(call.set_text)
        if scope is None:  # a set only attribute expressions read: plain aggregations
            raise ExpressionError("TOTAL and Aggr() are not supported in a set read by "
                                  "attribute expressions only")
        return scope.aggregate(call, evaluator)

    def totals(self) -> SetScope:
        """The same over all records, one group (TotalScope per scope)."""
        return SetScope(TotalScope(self.default),
                        {t: TotalScope(s) for t, s in self.by_set.items()}, self.errors,
                        self.local, total=True)


_VOLATILE = frozenset({"RAND", "NOW", "TODAY", "LOCALTIME", "GMT", "UTC"})


def _is_system(name: str) -> bool:
    """A function reading the session or app (``expr/system.py``), not the records."""
    fn = REGISTRY.get(name)
    return fn is not None and getattr(fn.impl, "__module__", "") == "associa.expr.system"


class LocalGroups:
    """A source's records grouped by a chart's dimensions on their own, one group more
    with no record (what a group the source does not reach gets: Sum 0, Count 0, Avg
    NULL), and the plain aggregations over them, each computed once. Kept with the
    source's inference (``Inference.derived``): a set whose selections do not change from
    one click to the next (``{1<Country={"C*"}>}``) is neither grouped nor aggregated
    again; its values are only mapped onto the chart's groups."""

    def __init__(self, model: DataModel, records: Records, key: np.ndarray,
                 symbols: list[np.ndarray], fields: list[str], locale: Locale) -> None:
        self.records = records
        self.key = key
        self.symbols = symbols
        self.n = len(symbols[0]) if symbols else (1 if records.n else 0)
        padded = [np.append(s, -1) for s in symbols]
        self.scope = GroupScope(model, records, key, self.n + 1, locale,
                                list(zip(fields, padded, strict=True)))
        self._values: dict[ast.Call, Vec] = {}
        self._totals: dict[ast.Call, Vec] = {}
        self._lock = threading.Lock()

    @staticmethod
    def takes(call: ast.Call) -> bool:
        """Whether an aggregation is read from the source's own groups: one without
        TOTAL and without an Aggr inside (those need the chart's groups), and whose value
        depends on the records alone (no clock, random or session function inside)."""
        return call.total is None and not any(
            isinstance(n, ast.Call) and (n.name == "AGGR" or n.name in _VOLATILE
                                         or _is_system(n.name))
            for n in call.walk())

    def value(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        with self._lock:
            hit = self._values.get(call)
            if hit is None:
                hit = self._values[call] = self.scope.aggregate(call, evaluator)
            return hit

    def total_value(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        with self._lock:
            hit = self._totals.get(call)
            if hit is None:
                hit = self._totals[call] = TotalScope(self.scope).aggregate(call, evaluator)
            return hit


def set_texts(nodes: list[ast.Node]) -> list[str]:
    """The set expressions the aggregations in ``nodes`` use, in order of appearance."""
    out: list[str] = []
    for node in nodes:
        for sub in node.walk():
            if (isinstance(sub, ast.Call) and sub.set_text is not None
                    and (sub.name in AGGREGATIONS or sub.name == "AGGR")
                    and sub.set_text not in out):
                out.append(sub.set_text)
    return out


def reads_chart_state(nodes: list[ast.Node]) -> bool:
    """Whether some part of the expressions reads the chart state's records: an
    aggregation without a set, or a field outside any aggregation."""
    def walk(node: ast.Node, inside: bool) -> bool:
        if isinstance(node, ast.FieldRef):
            return not inside
        if isinstance(node, ast.Call) and node.name in AGGREGATIONS:
            if node.set_text is None:
                return True
            # an Aggr inside without a set of its own reads the chart state
            return any(walk(child, True) for child in node.children())
        if isinstance(node, ast.Call) and node.name == "AGGR":
            # its virtual rows come from the chart state's records, or its set's
            if node.set_text is None:
                return True
            return any(walk(child, True) for child in node.children())
        return any(walk(child, inside) for child in node.children())
    return any(walk(n, False) for n in nodes)


def _combine(cols: list[np.ndarray]) -> np.ndarray:
    key = np.zeros(len(cols[0]), dtype=np.int64)
    for col in cols:
        key = key * (int(col.max(initial=0)) + 1 + 1_000_003) + col
    return key


def evaluate_scalar(
    model: DataModel, inference: Inference, text: str, locale: Locale,
    sets: SetEvaluator | None = None,
) -> tuple[str | None, float]:
    """An expression over all possible records, as one value: (text or None, number).
    Aggregations with a set expression read the records of their set (``sets``
    evaluates them; without, only ``$`` and ``1`` are known). Raises ExpressionError
    for bad syntax or unknown fields."""
    from associa.calc.records import associate
    from associa.expr import parse

    node = parse(text)
    names = ast.field_names(node)
    for name in names:
        if name not in model.fields:
            raise ExpressionError(f"Field not found: {name}")

    def one_group(inf: Inference) -> GroupScope:
        # every table holding a field takes part: a key counts the values of all of them
        records = associate(model, inf, names, names) if names else Records.single()
        return GroupScope(model, records, np.zeros(records.n, dtype=np.intp), 1, locale)

    default = one_group(inference)
    scope: GroupScope | SetScope = default
    texts = set_texts([node])
    if texts:
        sets = sets or SetEvaluator(model, inference.state, NoSources(), locale)
        by_set: dict[str, GroupScope] = {}
        errors: dict[str, str] = {}
        for set_text in texts:
            try:
                by_set[set_text] = one_group(sets.inference(set_text))
            except ExpressionError as exc:
                errors[set_text] = exc.message
        scope = SetScope(default, by_set, errors)
    try:
        v = Evaluator(locale).eval(node, scope)
    finally:
        scope.release()
    return v.value(0, locale)
