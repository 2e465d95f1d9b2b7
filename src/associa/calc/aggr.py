"""Aggr() in charts: the virtual table and how the aggregation around it reads it.

``Aggr(expr, D1, D2 ...)`` groups the records it reads by its dimensions (the grouping of
``calc/cube.py``) and evaluates ``expr`` once per group in a ``GroupScope`` of its own:
one value per *virtual row*. Which records it reads: the chart state's records of the
chart (all of them, not one chart row's), or those of its set expression when it has one
(``Aggr({<A={1}>} Sum(X), D)``; the parser made that set the outer set of ``expr``, so the
inner aggregations read it too, merged with their own sets as outer sets are). A TOTAL in
``expr`` refers to the Aggr dimensions, which are the inner scope's dimensions.

How the virtual rows meet the chart's rows (help "Aggr - chart function", DISTINCT and
NODISTINCT; Qlik Design Blog "Pitfalls of the Aggr function", grain mismatch; "Q-Tip #14 -
AGGR() and Synthetic Dimensions": a DISTINCT Aggr row shows up in one chart row only,
NODISTINCT makes it show up in all of them):

* DISTINCT (the default): "each distinct combination of dimension values will generate
  only one return value". A virtual row counts once, in one chart row: the first chart
  group (in the chart's grouping order, the dimensions' load order) that any of its
  records falls in. When the chart's dimensions are among the Aggr dimensions, or
  determined by them, that is the one chart row its records belong to; otherwise the
  other chart rows do not see it.
* NODISTINCT: "each combination of dimension values may generate more than one return
  value, depending on underlying data structure. If there is only one dimension, the aggr
  function will return an array with the same number of elements as there are rows in the
  source data": the row's value is repeated for every record of the row, and each record
  counts in its own chart group.

The aggregation around an Aggr (``Sum(Aggr(...))``, ``Count(DISTINCT Aggr(...))``,
``FirstSortedValue(Customer, -Aggr(Sum(Sales), Customer))``) evaluates its arguments over
the virtual rows: the Aggr calls give their values there, a field outside them is the
virtual row's Only(field). The reducer then folds the values per chart group. Without an
aggregation around it, Aggr gives per chart group the Only() of the values that reach the
group (the blog, pitfall 2: "If no aggregation function is specified, Only() will be
used").

An outer aggregation's own set (``Sum({<Segment={'Consumer'}>} Aggr(Sum(Sales),
Customer))``) picks which virtual rows count: those that some record of its set reaches
(by the Aggr dimensions' values); the inner expression keeps the Aggr's records (the
chart state's, or the Aggr's set). Qlik Design Blog, "Set Analysis in the Aggr function":
the virtual table is made first from the inner aggregation and the Aggr dimensions, then
aggregated by the outer one, and a condition is placed in the step it must act on (a
condition on the rows' own dimension, the year of an order, may sit in either place). A
DISTINCT row then counts in the first chart group of those records, a NODISTINCT row once
per such record. An outer aggregation without a set, or with the Aggr's own set, leaves
the rows as they are (a choice: ``Sum(Aggr({1} Sum(X), D))`` keeps all of D's rows).

NULL dimension values form virtual rows of their own (as in a chart without null
suppression). Structured dimensions ``(Field, (Sort-type, Ordering))`` order the virtual
rows (NUMERIC, TEXT, FREQUENCY, LOAD_ORDER, each ascending or descending); without one,
rows follow the fields' load order. The order only matters to what reads rows in order.

All of it is vectorized: one grouping per Aggr, one evaluation of ``expr`` over the
groups, and the chart rows met by ``np.unique`` over (virtual row, chart group) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from associa.errors import ExpressionError
from associa.expr import Evaluator, Vec, ast
from associa.expr.aggr import dimension_of
from associa.expr.aggregations import Arg
from associa.expr.registry import REGISTRY

if TYPE_CHECKING:
    from associa.calc.aggregate import GroupScope, SetScope


@dataclass(slots=True)
class Virtual:
    """An Aggr's virtual rows over the records of ``source`` (a chart-level scope):
    ``key``: the row of each source record; ``scope``: the inner scope, ``n + 1`` groups
    (the last one takes records of other sets outside every row, and stays unread)."""

    source: GroupScope
    key: np.ndarray
    n: int
    scope: GroupScope | SetScope
    values: dict[ast.Call, Vec] = field(default_factory=dict)
    assigned: tuple[np.ndarray, np.ndarray] | None = None
    # each Aggr dimension's code per virtual row
    symbols: dict[str, np.ndarray] = field(default_factory=dict)


def top_aggrs(nodes: tuple[ast.Node, ...] | list[ast.Node]) -> list[ast.Call]:
    """The Aggr calls in ``nodes`` that no other Aggr call holds."""
    out: list[ast.Call] = []

    def walk(node: ast.Node) -> None:
        if isinstance(node, ast.Call) and node.name == "AGGR":
            out.append(node)
            return
        for child in node.children():
            walk(child)

    for node in nodes:
        walk(node)
    return out


def _signature(call: ast.Call) -> tuple[Any, ...]:
    return (tuple(call.args[1:]), call.set_text)


def virtual(scope: GroupScope, call: ast.Call) -> Virtual:
    """The virtual rows of ``call`` read from ``scope`` (made once per source scope)."""
    from associa.calc.aggregate import GroupScope, SetScope
    from associa.calc.grouping import compact, group

    source = scope.source(call.set_text)
    cache = source.virtuals
    hit = cache.get(_signature(call))
    if hit is not None:
        return hit
    dims = [dimension_of(a) for a in call.args[1:]]
    fields = [f for f, _, _ in dims]
    model = source.model
    records = source.records
    for f in fields:
        if f not in records.field_tables:
            raise ExpressionError(f"Field not found: {f}")
    if records.n:
        key, symbols = compact(group(model, records, fields))
    else:
        key = np.zeros(0, dtype=np.intp)
        symbols = [np.zeros(0, dtype=np.int64) for _ in fields]
    n = len(symbols[0]) if symbols else 0
    if any(kind is not None for _, kind, _ in dims) and n > 1:
        order = _order(model, key, n, symbols, dims)
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        key = rank[key]
        symbols = [s[order] for s in symbols]
    key = np.asarray(key, dtype=np.intp)
    padded = [np.append(s, -1) for s in symbols]
    dims_in_scope = list(zip(fields, padded, strict=True))
    default = GroupScope(model, records, key, n + 1, source.locale, dims_in_scope)
    # the other sets the expression's aggregations read (only those are mapped onto the
    # virtual rows: grouping a set's records costs a pass over them)
    from associa.calc.aggregate import set_texts

    used = set(set_texts([call.args[0]])) if call.args else set()
    peers = {t: p for t, p in (source.peers or {}).items() if t is None or t in used}
    inner: GroupScope | SetScope = default
    if any(p is not source for p in peers.values()):
        by_set: dict[str, GroupScope] = {}
        for text, peer in peers.items():
            if text is None:
                continue
            if peer is source:
                by_set[text] = default
                continue
            by_set[text] = GroupScope(model, peer.records,
                                      _onto(model, peer, fields, symbols, n), n + 1,
                                      source.locale, dims_in_scope)
        inner = SetScope(default, by_set, dict(source.peer_errors))
    made = Virtual(source, key, n, inner, symbols=dict(zip(fields, symbols, strict=True)))
    cache[_signature(call)] = made
    return made


def _onto(model: Any, peer: GroupScope, fields: list[str], symbols: list[np.ndarray],
          n: int) -> np.ndarray:
    """The virtual row of each record of another set (``n`` when none has its values)."""
    from associa.calc.grouping import compact, group

    records = peer.records
    if not records.n:
        return np.zeros(0, dtype=np.intp)
    if not n:
        return np.full(records.n, n, dtype=np.intp)
    pkey, psym = compact(group(model, records, fields))
    rows, theirs = _combined_pair(symbols, psym)
    order = np.argsort(rows, kind="stable")
    pos = np.searchsorted(rows[order], theirs)
    pos = np.clip(pos, 0, n - 1)
    found = rows[order][pos] == theirs
    mapped = np.where(found, order[pos], n)
    return mapped[pkey].astype(np.intp)


def _combined_pair(ours: list[np.ndarray], theirs: list[np.ndarray]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """One int64 key per row of each list of code columns, comparable across both."""
    a = np.zeros(len(ours[0]), dtype=np.int64)
    b = np.zeros(len(theirs[0]), dtype=np.int64)
    for x, y in zip(ours, theirs, strict=True):
        radix = int(max(x.max(initial=0), y.max(initial=0))) + 2
        a = a * radix + (x.astype(np.int64) + 1)
        b = b * radix + (y.astype(np.int64) + 1)
    return a, b


def _order(model: Any, key: np.ndarray, n: int, symbols: list[np.ndarray],
           dims: list[tuple[str, str | None, bool]]) -> np.ndarray:
    """The virtual rows in the order of the structured dimensions' sort criteria (the
    first dimension most significant; a dimension without criteria by load order)."""
    keys: list[np.ndarray] = []
    for (name, kind, desc), sym in zip(dims, symbols, strict=True):
        table = model.fields[name].symbols
        codes = sym.astype(np.int64)
        if kind == "NUMERIC":
            nums = table.nums_at(codes)
            k = np.where(np.isnan(nums), np.inf, -nums if desc else nums)
        elif kind == "TEXT":
            texts = table.texts_at(codes)
            _, inv = np.unique(np.array(["" if t is None else str(t).casefold() for t in texts],
                                        dtype=object), return_inverse=True)
            k = (-inv if desc else inv).astype(np.float64)
        elif kind == "FREQUENCY":
            freq = np.bincount(key, minlength=n).astype(np.float64)
            k = freq if not desc else -freq
        else:  # LOAD_ORDER, or none
            k = (-codes if desc else codes).astype(np.float64)
        keys.append(k)
    return np.lexsort(keys[::-1])


def inner_values(virt: Virtual, call: ast.Call, evaluator: Evaluator) -> Vec:
    """``call``'s expression per virtual row."""
    hit = virt.values.get(call)
    if hit is None:
        v = evaluator.eval(call.args[0], virt.scope)
        hit = v.take(np.arange(virt.n))
        virt.values[call] = hit
    return hit


def assignment(virt: Virtual) -> tuple[np.ndarray, np.ndarray]:
    """DISTINCT: the virtual rows and the one chart group each counts in (the first
    group of the source scope that its records fall in)."""
    if virt.assigned is None and virt.n:
        # the chart's dimensions among the Aggr's: a virtual row's records are all in the
        # chart group of its values (found from the rows, not the records)
        chart = [(f, sym) for f, sym in virt.source.dims]
        if chart and all(f in virt.symbols for f, _ in chart):
            ours, theirs = _combined_pair([sym for _, sym in chart],
                                          [virt.symbols[f] for f, _ in chart])
            order = np.argsort(ours, kind="stable")
            pos = np.clip(np.searchsorted(ours[order], theirs), 0, max(len(ours) - 1, 0))
            found = ours[order][pos] == theirs if len(ours) else np.zeros(virt.n, bool)
            rows = np.flatnonzero(found)
            virt.assigned = (rows, order[pos[rows]].astype(np.int64))
    if virt.assigned is None:
        # the smallest chart group of each virtual row's records: the MIN reducer over
        # the records (one pass, no sort)
        virt.assigned = _least_group(virt.source.record_groups(), virt.key, virt.n)
    return virt.assigned


def _least_group(groups: np.ndarray, key: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The virtual rows some record reaches (``key``: each record's row, ``n`` for
    none), and the least chart group (``groups``: each record's) among their records."""
    least = REGISTRY["MIN"].impl(Arg(len(groups), numbers=groups.astype(np.float64)),
                                 key, n + 1, False).values
    rows = np.flatnonzero(~least.null[:n] & ~np.isnan(least.num[:n]))
    return rows, least.num[rows].astype(np.int64)


def outer_rows(scope: GroupScope, call: ast.Call, aggr: ast.Call,
               virt: Virtual) -> np.ndarray | None:
    """The virtual row of each record of the outer aggregation's own set (``n`` for a
    record of none), or None when the outer aggregation has no set of its own or reads
    the Aggr's records (its set is the Aggr's): its set then leaves the rows alone."""
    if call.set_text is None or virt.source is scope:
        return None
    sig = ("outer", *_signature(aggr))
    hit = scope.virtuals.get(sig)
    if hit is None:
        fields = list(virt.symbols)
        hit = _onto(scope.model, scope, fields, [virt.symbols[f] for f in fields], virt.n)
        scope.virtuals[sig] = hit
    return hit


def _check_alike(calls: list[ast.Call]) -> None:
    first = calls[0]
    for other in calls[1:]:
        if _signature(other) != _signature(first) or other.distinct != first.distinct:
            # Qlik's help ("Aggr", "Nested aggregations") reads the outer aggregation over
            # one virtual table and does not say what it does over two: refused, with
            # the form whose meaning is documented
            raise ExpressionError(
                "Aggr() calls over different dimensions in one aggregation are not "
                "supported: aggregate each Aggr() on its own, e.g. Sum(Aggr(x, A)) + "
                "Sum(Aggr(y, B))")


def _over_rows(virt: Virtual, calls: list[ast.Call], nodes: tuple[ast.Node, ...],
               evaluator: Evaluator) -> list[Vec]:
    """``nodes`` evaluated per virtual row, the Aggr calls giving their values."""
    scope = virt.scope
    for c in calls:
        scope.virtual[c] = _padded(inner_values(virt, c, evaluator))
    return [evaluator.eval(node, scope).take(np.arange(virt.n)) for node in nodes]


def _padded(v: Vec) -> Vec:
    """A value per virtual row, and NULL for the scope's extra group."""
    idx = np.append(np.arange(v.n), 0 if v.n else -1)
    if not v.n:
        return Vec.nulls(1)
    out = v.take(idx)
    out.null = out.null.copy()
    out.null[-1] = True
    return out


def aggregate_over(scope: GroupScope, call: ast.Call, evaluator: Evaluator,
                   calls: list[ast.Call]) -> Vec:
    """An aggregation whose arguments hold Aggr calls, per group of ``scope``."""
    _check_alike(calls)
    first = calls[0]
    virt = virtual(scope, first)
    values = _over_rows(virt, calls, call.args, evaluator)
    reducer = REGISTRY[call.name].impl
    scope.totals[call] = None
    outer = outer_rows(scope, call, first, virt)
    if first.distinct:
        if outer is None:
            rows, groups = assignment(virt)
        else:
            rows, groups = _least_group(scope.record_groups(), outer, virt.n)
        picked = [v.take(rows) for v in values]
        return reducer(Arg(len(rows), values=picked[0]), groups, scope.n, call.distinct,
                       *picked[1:]).values
    if outer is None:
        key, record_groups = virt.key, virt.source.record_groups()
    else:
        kept = np.flatnonzero(outer < virt.n)
        key, record_groups = outer[kept], scope.record_groups()[kept]
    per_record = [v.take(key) for v in values]
    return reducer(Arg(len(key), values=per_record[0]), record_groups,
                   scope.n, call.distinct, *per_record[1:]).values


def direct(scope: GroupScope, call: ast.Call, evaluator: Evaluator) -> Vec:
    """Aggr without an aggregation around it: Only() of what reaches each group."""
    virt = virtual(scope, call)
    values = inner_values(virt, call, evaluator)
    only = REGISTRY["ONLY"].impl
    if call.distinct:
        rows, groups = assignment(virt)
        return only(Arg(len(rows), values=values.take(rows)), groups, scope.n, False).values
    return only(Arg(len(virt.key), values=values.take(virt.key)),
                virt.source.record_groups(), scope.n, False).values
