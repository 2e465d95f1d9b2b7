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

Several Aggr calls over different dimensions in one aggregation
(``Sum(Aggr(Sum(Sales), Customer) * Aggr(Count(OrderID), Customer, Product))``,
``Avg(Aggr(Sum(Sales), Region) - Aggr(Sum(Cost), Region, Year))``), or with different
DISTINCT/NODISTINCT. What Qlik documents: the help ("Aggr - chart function") and the
tutorial "Nested aggregations" (https://help.qlik.com/en-US/cloud-services/Subsystems/
Hub/Content/Sense_Hub/Tutorials/nested-aggregations.htm) describe one Aggr as a virtual
straight table ("It could also be regarded as a virtual straight table with one measure
and one or several dimensions") that the outer aggregation reads; the Design Blog's
"Pitfalls of the Aggr function" (https://community.qlik.com/blogs/qlikviewdesignblog/
2015/10/05/pitfalls-of-the-aggr-function) and "Set Analysis in the Aggr function"
(https://community.qlik.com/t5/Qlik-Design-Blog/Set-Analysis-in-the-Aggr-function/
ba-p/1463822) make it a two-step process over one virtual table. None of them, nor a
Qlik Community thread found, says what the outer aggregation iterates over when two
virtual tables of different grains meet. The reading here is a choice, the one a user
of a straight table would expect:

* The outer aggregation iterates over the virtual rows of the finest grain: the
  combinations of the union of all the calls' dimensions present in the records read
  (the records of their set). Each Aggr gives, on such a row, the value of its own
  virtual row holding that combination: a natural join of the virtual tables on the
  records. ``Sum(Aggr(Sum(Sales), Customer) * Aggr(Count(OrderID), Customer, Product))``
  is the SQL ``SUM(s * c)`` over the per-(customer, product) counts joined to the
  per-customer sums.
* DISTINCT and NODISTINCT place those rows in chart groups as for one Aggr: when every
  call is DISTINCT a row counts once, in the first chart group of its records; when one
  is NODISTINCT (its "array" has an element per record) the grain is the records
  themselves, each counting in its own chart group with every call's value of the rows
  holding it.
* Calls reading different records (different set expressions, ``Sum(Aggr({<Y={2024}>}
  Sum(Sales), Customer) - Aggr({<Y={2023}>} Sum(Sales), Customer))``, the change per
  customer): the finest rows are the combinations any of their sets' records hold (a
  full outer join of the virtual tables), a call giving NULL where its set has no row
  with the combination; a row counts in the least chart group any call's row of it
  counts in. With NODISTINCT (one element per record, but of which set?) they are
  refused, as is a field read outside the calls (no one set's records hold it).

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
suppression). Structured dimensions (``expr/aggr.py``) order the virtual rows: the first
dimension most significant, each by its sort type (NUMERIC: by number, values without
one last; TEXT: the charts' text order, ``model/orders.py``; FREQUENCY: the value's
number of records among those read; LOAD_ORDER) ascending or descending, NULL last;
``(Field, (Field2, (Sort-type, Ordering)))`` orders Field's values by the first of
Field2's values (in Field2's order) among their records (a value with none, and NULL,
last); ties and dimensions without criteria by load order. The order only matters to what reads rows in order
(``Sum(Aggr(RangeSum(Above(Sum(Sales), 0, 3)), (Month, (NUMERIC, ASCENDING))))``: the
inter-record functions of ``expr`` read the virtual rows in that order).

All of it is vectorized: one grouping per Aggr (and one for a finest grain that no call
has), one evaluation of ``expr`` over the groups, each call's rows met by the finest
rows through a scatter over the records, and the chart rows met by ``np.unique`` over
(virtual row, chart group) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from associa.errors import ExpressionError
from associa.expr import Evaluator, Vec, ast
from associa.expr.aggr import AggrDim, dimension_of
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
    scope: Any  # GroupScope | SetScope, or InOrder over one
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


def _rows(source: GroupScope, dims: list[AggrDim]) -> tuple[np.ndarray, int, list[np.ndarray]]:
    """The virtual rows of ``dims`` over the records of ``source``: each record's row, the
    count, and each dimension's code per row (in the structured dimensions' order)."""
    from associa.calc.grouping import compact, group

    fields = [d.field for d in dims]
    model = source.model
    records = source.records
    for f in [*fields, *(b for d in dims for b in d.by)]:
        if f not in records.field_tables:
            raise ExpressionError(f"Field not found: {f}")
    if records.n:
        key, symbols = compact(group(model, records, fields))
    else:
        key = np.zeros(0, dtype=np.intp)
        symbols = [np.zeros(0, dtype=np.int64) for _ in fields]
    n = len(symbols[0]) if symbols else 0
    if any(d.kind is not None for d in dims) and n > 1:
        order = _order(model, records, symbols, dims)
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        key = rank[key]
        symbols = [s[order] for s in symbols]
    return np.asarray(key, dtype=np.intp), n, list(symbols)


def virtual(scope: GroupScope, call: ast.Call) -> Virtual:
    """The virtual rows of ``call`` read from ``scope`` (made once per source scope)."""
    from associa.calc.aggregate import GroupScope, SetScope

    source = scope.source(call.set_text)
    cache = source.virtuals
    hit = cache.get(_signature(call))
    if hit is not None:
        return hit
    dims = [dimension_of(a) for a in call.args[1:]]
    fields = [d.field for d in dims]
    model = source.model
    records = source.records
    key, n, symbols = _rows(source, dims)
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
                                      _onto(model, peer.records, fields, symbols, n), n + 1,
                                      source.locale, dims_in_scope)
        inner = SetScope(default, by_set, dict(source.peer_errors))
    made = Virtual(source, key, n, InOrder(inner, VirtualRows(inner, symbols, n, source.locale)),
                   symbols=dict(zip(fields, symbols, strict=True)))
    cache[_signature(call)] = made
    return made


class VirtualRows:
    """The inter-record functions' view of a virtual table (``ChartRows`` of
    ``expr/interrecord.py``): Above, Below, Top, Bottom, RowNo, NoOfRows and Rank in
    ``expr`` read the virtual rows in their order (the structured dimensions' order, else
    the load order), in column segments as a straight table's: the rows that share every
    Aggr dimension but the last (the whole table with one dimension, or with TOTAL).
    Qlik Community document "Running Totals per Dimension (RangeSum(), Sortable
    Aggr()...)" (Robin Hausdörfer, 2017; read in the stored copy at
    https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1): ``Aggr(RangeSum(Above(
    Count(Color), 0, RowNo())), (Color, (TEXT, ASCENDING)), (Date, (NUMERIC,
    ASCENDING)))`` gives running totals over the dates "for each Color separately".
    The scope's extra group (records of other sets) is a segment of its own. Column()
    gives NULL (a virtual table has no other columns) and Dimensionality() the number of
    Aggr dimensions (choices). ``scope``: the virtual table's scope itself (no link back
    from it: no reference cycle keeps a chart's records alive)."""

    def __init__(self, scope: Any, symbols: list[np.ndarray], n: int, locale: Any,
                 nested: bool = False) -> None:
        self.scope = scope
        self.symbols = symbols
        self.n = n
        self.locale = locale
        self.nested = nested
        self._segs: dict[bool, Any] = {}

    def view(self) -> VirtualRows:
        """The same rows inside another inter-record function (where they give NULL)."""
        out = VirtualRows(self.scope, self.symbols, self.n, self.locale, True)
        out._segs = self._segs
        return out

    def segments(self, total: bool) -> Any:
        from associa.calc.interrecord import Segments, segment_ids

        hit = self._segs.get(total)
        if hit is None:
            outer = [] if total else self.symbols[:-1]
            seg = segment_ids(outer, self.n) if outer else np.zeros(self.n, dtype=np.int64)
            hit = self._segs[total] = Segments(np.append(seg, int(seg.max(initial=-1)) + 1))
        return hit

    def values(self, ev: Evaluator, node: ast.Node) -> Vec:
        return ev.eval(node, InOrder(self.scope, self.view()))

    def locate(self, total: bool, anchor: str, steps: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
        segs = self.segments(total)
        if anchor == "current":
            place = segs.pos + steps
        elif anchor == "top":
            place = steps
        else:
            place = segs.counts[segs.seg] - 1 - steps
        at: tuple[np.ndarray, np.ndarray] = segs.row_at(segs.seg, place)
        return at

    def window(self, total: bool, first: np.ndarray, last: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        segs = self.segments(total)
        lo = np.maximum(segs.pos + first, 0)
        hi = np.minimum(segs.pos + last, segs.size - 1)
        empty = hi < lo
        base = segs.start[segs.seg]
        return segs.by_seg, np.where(empty, 0, base + lo), np.where(empty, -1, base + hi)

    def row_no(self, total: bool) -> Vec:
        return Vec.numbers((self.segments(total).pos + 1).astype(np.float64))

    def no_of_rows(self, total: bool) -> Vec:
        return Vec.numbers(self.segments(total).size.astype(np.float64))

    def rank(self, ev: Evaluator, node: ast.Node, total: bool, mode: int, fmt: int) -> Vec:
        from associa.calc.interrecord import rank

        ranked: Vec = rank(self.values(ev, node), self.segments(total), mode, fmt,
                           self.locale)
        return ranked

    def column(self, k: int) -> Vec:
        return Vec.nulls(self.n + 1)

    def dimensionality(self) -> int:
        return len(self.symbols)


class InOrder:
    """A virtual table's scope (``GroupScope`` or ``SetScope``) offering its rows in order
    to the inter-record functions (``chart_rows``); everything else is the scope's."""

    def __init__(self, scope: Any, rows: VirtualRows) -> None:
        self.inner = scope
        self.chart_rows = rows

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def rows_of(records: Any, virt: Virtual) -> np.ndarray:
    """The virtual row of each of ``records`` (other records than the table's: another
    set's, or a calculated dimension's), found by the Aggr dimensions' values (``n``
    where no row has them)."""
    fields = list(virt.symbols)
    return _onto(virt.source.model, records, fields, [virt.symbols[f] for f in fields],
                 virt.n)


def _onto(model: Any, records: Any, fields: list[str], symbols: list[np.ndarray],
          n: int) -> np.ndarray:
    """The virtual row of each record of another set (``n`` when none has its values)."""
    from associa.calc.grouping import compact, group

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


def _order(model: Any, records: Any, symbols: list[np.ndarray],
           dims: list[AggrDim]) -> np.ndarray:
    """The virtual rows in the order of the structured dimensions' sort criteria (the
    first dimension most significant; a dimension without criteria, and ties, by load
    order)."""
    keys = [_sort_key(model, records, d, sym.astype(np.int64))
            for d, sym in zip(dims, symbols, strict=True)]
    return np.lexsort(keys[::-1])


def _sort_key(model: Any, records: Any, dim: AggrDim, codes: np.ndarray) -> np.ndarray:
    """A sort key for each of ``codes`` (the dimension field's symbols; its NULL code
    sorts last): by the sort type over the field's own symbols, or, sorted by other
    fields (``dim.by``), the least key of the next field's values among its records."""
    chain = [dim.field, *dim.by]
    last = model.fields[chain[-1]]
    at = codes if not dim.by else np.arange(last.null_code + 1, dtype=np.int64)
    if dim.kind == "NUMERIC":
        nums = last.symbols.nums_at(np.minimum(at, last.null_code))
        k = np.where(np.isnan(nums), np.inf, -nums if dim.descending else nums)
    else:
        if dim.kind == "TEXT":
            from associa.model.orders import text_rank

            base = np.append(text_rank(model, chain[-1]), 0)[at].astype(np.float64)
        elif dim.kind == "FREQUENCY":
            counts = np.bincount(records.codes(chain[-1]).materialize().astype(np.int64),
                                 minlength=last.null_code + 1)
            base = counts[at].astype(np.float64)
        else:  # LOAD_ORDER, or no criteria
            base = at.astype(np.float64)
        k = -base if dim.descending else base
    k[at == last.null_code] = np.inf
    if not dim.by:
        return k
    # each further field out: its value takes the least key among its records
    for outer, inner in zip(chain[-2::-1], chain[:0:-1], strict=True):
        per_record = k[records.codes(inner).materialize()]
        out = np.full(model.fields[outer].null_code + 1, np.inf)
        np.minimum.at(out, records.codes(outer).materialize(), per_record)
        out[-1] = np.inf
        k = out
    return k[codes]


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


def outer_rows(scope: GroupScope, call: ast.Call, sig: tuple[Any, ...],
               virt: Virtual) -> np.ndarray | None:
    """The virtual row of each record of the outer aggregation's own set (``n`` for a
    record of none), or None when the outer aggregation has no set of its own or reads
    the Aggr's records (its set is the Aggr's): its set then leaves the rows alone.
    ``sig``: the rows' signature (a cache key)."""
    if call.set_text is None or virt.source is scope:
        return None
    key = ("outer", *sig)
    hit = scope.virtuals.get(key)
    if hit is None:
        hit = rows_of(scope.records, virt)
        scope.virtuals[key] = hit
    return hit


def _grain(scope: GroupScope, calls: list[ast.Call]) -> tuple[Virtual, tuple[Any, ...]]:
    """The finest rows of Aggr calls over different dimensions: the combinations of the
    union of their dimensions in the records they read (made once per source scope;
    the grouping of a call over all of them is reused), and the rows' signature. Its
    scope is its own: the calls' values are placed there, not in a call's scope."""
    from associa.calc.aggregate import GroupScope

    set_text = calls[0].set_text
    nodes: dict[str, ast.Node] = {}
    for c in calls:
        for a in c.args[1:]:
            nodes.setdefault(dimension_of(a).field, a)
    sig = ("grain", tuple(nodes.values()), set_text)
    source = scope.source(set_text)
    hit = source.virtuals.get(sig)
    if hit is not None:
        return hit, sig
    whole = next((c for c in calls if len(c.args) - 1 == len(nodes)
                  and {dimension_of(a).field for a in c.args[1:]} == set(nodes)), None)
    if whole is not None:
        own = virtual(scope, whole)
        key, n, symbols = own.key, own.n, dict(own.symbols)
    else:
        dims = [dimension_of(a) for a in nodes.values()]
        key, n, listed = _rows(source, dims)
        symbols = dict(zip(nodes, listed, strict=True))
    in_scope = [(f, np.append(sym, -1)) for f, sym in symbols.items()]
    made = Virtual(source, key, n,
                   GroupScope(source.model, source.records, key, n + 1, source.locale,
                              in_scope),
                   symbols=symbols)
    source.virtuals[sig] = made
    return made, sig


def _across_sets(scope: GroupScope, call: ast.Call, calls: list[ast.Call],
                 evaluator: Evaluator) -> Vec:
    """An aggregation over DISTINCT Aggr calls reading different sets (module docstring):
    the union of the combinations of all the calls' dimensions in each set's records,
    each call's value looked up by its own dimensions, each row counted in the least
    chart group that a call's row of it is assigned to."""
    from associa.calc.aggregate import GroupScope
    from associa.calc.grouping import compact, group

    if not all(c.distinct for c in calls):
        raise ExpressionError(
            "NODISTINCT Aggr() calls with different set expressions in one aggregation are "
            "not supported: aggregate each Aggr() on its own")
    if any(_outside_aggr(node) for node in call.args):
        raise ExpressionError(
            "A field outside the Aggr() calls of an aggregation over Aggr() calls with "
            "different set expressions: read it inside them")
    fields: list[str] = []
    for c in calls:
        for a in c.args[1:]:
            if dimension_of(a).field not in fields:
                fields.append(dimension_of(a).field)
    parts: list[np.ndarray] = []
    for text in dict.fromkeys(c.set_text for c in calls):
        source = scope.source(text)
        for f in fields:
            if f not in source.records.field_tables:
                raise ExpressionError(f"Field not found: {f}")
        if source.records.n:
            _, symbols = compact(group(source.model, source.records, fields))
            parts.append(np.stack([np.asarray(x, dtype=np.int64) for x in symbols], axis=1))
    rows = (np.unique(np.concatenate(parts), axis=0) if parts
            else np.zeros((0, len(fields)), dtype=np.int64))
    n = len(rows)
    grain = {f: rows[:, i] for i, f in enumerate(fields)}
    inner = GroupScope(scope.model, scope.records, np.zeros(0, dtype=np.intp), n + 1,
                       scope.locale, [(f, np.append(g, -1)) for f, g in grain.items()])
    none = np.iinfo(np.int64).max
    least = np.full(n, none, dtype=np.int64)
    for c in calls:
        own = virtual(scope, c)
        dims = [dimension_of(a).field for a in c.args[1:]]
        at = np.full(n, own.n, dtype=np.intp)
        if own.n and n:
            ours, theirs = _combined_pair([own.symbols[f] for f in dims],
                                          [grain[f] for f in dims])
            order = np.argsort(ours, kind="stable")
            pos = np.clip(np.searchsorted(ours[order], theirs), 0, own.n - 1)
            found = ours[order][pos] == theirs
            at[found] = order[pos[found]]
        inner.virtual[c] = _padded(_padded(inner_values(own, c, evaluator)).take(at))
        assigned, groups = assignment(own)
        own_group = np.full(own.n + 1, none, dtype=np.int64)
        own_group[assigned] = groups
        np.minimum(least, own_group[at], out=least)
    values = [evaluator.eval(node, inner).take(np.arange(n)) for node in call.args]
    counted = np.flatnonzero(least != none)
    picked = [v.take(counted) for v in values]
    scope.totals[call] = None
    return REGISTRY[call.name].impl(Arg(len(counted), values=picked[0]), least[counted],
                                    scope.n, call.distinct, *picked[1:]).values


def _outside_aggr(node: ast.Node) -> bool:
    """Whether ``node`` reads a field outside every Aggr call in it."""
    if isinstance(node, ast.FieldRef):
        return True
    if isinstance(node, ast.Call) and node.name == "AGGR":
        return False
    return any(_outside_aggr(child) for child in node.children())


def _over_rows(virt: Virtual, calls: list[ast.Call], nodes: tuple[ast.Node, ...],
               evaluator: Evaluator) -> list[Vec]:
    """``nodes`` evaluated per virtual row, the Aggr calls giving their values."""
    scope = virt.scope
    for c in calls:
        scope.virtual[c] = _padded(inner_values(virt, c, evaluator))
    return [evaluator.eval(node, scope).take(np.arange(virt.n)) for node in nodes]


def _over_grain(scope: GroupScope, grain: Virtual, calls: list[ast.Call],
                nodes: tuple[ast.Node, ...], evaluator: Evaluator) -> list[Vec]:
    """``nodes`` evaluated per row of the finest grain, each Aggr call giving the value
    of its own row holding the row's combination. The calls' rows and the grain's are
    groupings of the same records, a call's dimensions among the grain's: the records of
    a grain row are all in one row of the call, found by a scatter over the records."""
    for c in calls:
        own = virtual(scope, c)
        at = np.full(grain.n, own.n, dtype=np.intp)
        at[grain.key] = own.key
        grain.scope.virtual[c] = _padded(_padded(inner_values(own, c, evaluator)).take(at))
    return [evaluator.eval(node, grain.scope).take(np.arange(grain.n)) for node in nodes]


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
    """An aggregation whose arguments hold Aggr calls, per group of ``scope``: over the
    rows of their one virtual table, or, over different dimensions, of the finest grain
    (see the module docstring); DISTINCT when every call is."""
    first = calls[0]
    sig = _signature(first)
    if any(c.set_text != first.set_text for c in calls):
        return _across_sets(scope, call, calls, evaluator)
    if all(_signature(c) == sig for c in calls[1:]):
        virt = virtual(scope, first)
        values = _over_rows(virt, calls, call.args, evaluator)
    else:
        virt, sig = _grain(scope, calls)
        values = _over_grain(scope, virt, calls, call.args, evaluator)
    reducer = REGISTRY[call.name].impl
    scope.totals[call] = None
    outer = outer_rows(scope, call, sig, virt)
    if all(c.distinct for c in calls):
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
