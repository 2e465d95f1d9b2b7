"""More aggregation reducers: Concat, MinString, MaxString, FirstSortedValue, Mode, Median,
Stdev, Fractile,
FractileExc, NullCount, NumericCount, TextCount and MissingCount (help "String aggregation functions", "Basic
aggregation functions", "Counter aggregation functions", "Statistical aggregation
functions").

They have the reducers' calling convention (``expr/aggregations.py``) and take the
values of their extra arguments over the same records after ``distinct`` (a LOAD's GROUP
BY passes them; a scope that passes none gets the defaults). Records are put in group
order once with a stable sort; the work per group is a slice, and only Concat and
Min/MaxString build a Python string per group.

* Concat(s [, delimiter [, sort_weight]]): the non-NULL texts of the group joined, in
  ascending text order without a weight (qlik-language.md §11.15), else by the weight;
* FirstSortedValue(value, weight [, n]): the value of the record with the n-th smallest
  weight; NULL when several records share that weight with different values;
* Mode: the most frequent value, NULL on a tie; Median: of the numbers.
"""

from __future__ import annotations

import math

import numpy as np

from associa.expr.aggregations import Arg, Reduced, value_codes
from associa.expr.registry import Kind, register
from associa.expr.statistics import moments, numbers_of, per_group
from associa.expr.vector import Vec


def _grouped(key: np.ndarray, n: int, mask: np.ndarray,
             order_by: list[np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The records where ``mask``, in group order (then ``order_by``, stable), and the
    start of each group's slice (n + 1 bounds)."""
    idx = np.flatnonzero(mask)
    keys = [key[idx]] if not order_by else [k[idx] for k in reversed(order_by)] + [key[idx]]
    order = idx[np.lexsort(keys)] if len(idx) else idx
    bounds = np.searchsorted(key[order], np.arange(n + 1))
    return order, bounds


def _text_rank(texts: np.ndarray) -> np.ndarray:
    uniq, inv = np.unique(texts.astype(str), return_inverse=True)
    return inv.reshape(-1)


def _texts(v: Vec) -> np.ndarray:
    t = v.texts()
    return np.where(v.null, "", t).astype(object)


@register("CONCAT", 1, 3, Kind.AGGREGATION)
def concat(arg: Arg, key: np.ndarray, n: int, distinct: bool, delimiter: Vec | None = None,
           weight: Vec | None = None) -> Reduced:
    v = arg.vec()
    texts = _texts(v)
    mask = ~v.null
    if distinct:
        first = np.zeros(len(key), dtype=bool)
        codes = value_codes(v)
        pair = key.astype(np.int64) * (int(codes.max(initial=0)) + 2) + codes + 1
        _, at = np.unique(np.where(mask, pair, -1), return_index=True)
        first[at] = True
        mask &= first
    by = [_text_rank(texts)] if weight is None else [np.nan_to_num(weight.as_numbers(), nan=np.inf)]
    order, bounds = _grouped(key, n, mask, by)
    sep = "" if delimiter is None or not delimiter.n else (delimiter.texts()[0] or "")
    out = np.empty(n, dtype=object)
    for g in range(n):
        out[g] = sep.join(texts[order[bounds[g] : bounds[g + 1]]])
    return Reduced(Vec.texts_only(out, np.zeros(n, dtype=bool)), None)


def _string_extreme(largest: bool):
    def reduce(arg: Arg, key: np.ndarray, n: int, distinct: bool) -> Reduced:
        v = arg.vec()
        texts = _texts(v)
        rank = _text_rank(texts)
        order, bounds = _grouped(key, n, ~v.null, [(-rank) if largest else rank])
        pick = np.full(n, -1, dtype=np.int64)
        has = bounds[1:] > bounds[:-1]
        pick[has] = order[bounds[:-1][has]]
        out = v.take(np.maximum(pick, 0))
        out.null = out.null | (pick < 0)
        return Reduced(out, None)

    return reduce


register("MINSTRING", 1, 1, Kind.AGGREGATION)(_string_extreme(False))
register("MAXSTRING", 1, 1, Kind.AGGREGATION)(_string_extreme(True))


@register("FIRSTSORTEDVALUE", 2, 3, Kind.AGGREGATION)
def firstsortedvalue(arg: Arg, key: np.ndarray, n: int, distinct: bool,
                     weight: Vec | None = None, rank: Vec | None = None) -> Reduced:
    v = arg.vec()
    if weight is None:
        return Reduced(Vec.nulls(n), None)
    w = weight.as_numbers()
    k = 1 if rank is None or not rank.n or math.isnan(rank.num[0]) else int(rank.num[0])
    mask = ~np.isnan(w) & ~weight.null
    codes = value_codes(v)
    order, bounds = _grouped(key, n, mask, [w])
    out_at = np.full(n, -1, dtype=np.int64)
    for g in range(n):
        rows = order[bounds[g] : bounds[g + 1]]
        if not len(rows):
            continue
        ws = w[rows]
        distinct_w = np.unique(ws)
        if k < 0:
            distinct_w = distinct_w[::-1]
            kk = -k
        else:
            kk = k
        if kk < 1 or kk > len(distinct_w):
            continue
        tied = rows[ws == distinct_w[kk - 1]]
        if len(np.unique(codes[tied])) == 1:
            out_at[g] = tied[0]
    out = v.take(np.maximum(out_at, 0))
    out.null = out.null | (out_at < 0)
    return Reduced(out, None)


@register("MODE", 1, 1, Kind.AGGREGATION)
def mode(arg: Arg, key: np.ndarray, n: int, distinct: bool) -> Reduced:
    v = arg.vec()
    codes = value_codes(v)
    valid = codes >= 0
    width = int(codes.max(initial=0)) + 1
    pair = key[valid].astype(np.int64) * width + codes[valid]
    uniq, first, counts = np.unique(pair, return_index=True, return_counts=True)
    groups = uniq // width
    best = np.zeros(n, dtype=np.int64)
    np.maximum.at(best, groups, counts)
    top = counts == best[groups]
    ntop = np.bincount(groups[top], minlength=n)
    pick = np.full(n, -1, dtype=np.int64)
    rows = np.flatnonzero(valid)[first[top]]
    pick[groups[top]] = rows
    pick[ntop != 1] = -1
    out = v.take(np.maximum(pick, 0))
    out.null = out.null | (pick < 0)
    return Reduced(out, None)


@register("MEDIAN", 1, 1, Kind.AGGREGATION)
def median(arg: Arg, key: np.ndarray, n: int, distinct: bool) -> Reduced:
    num, order, bounds = _numbers_by_group(arg, key, n, distinct)
    out = np.full(n, math.nan)
    sizes = bounds[1:] - bounds[:-1]
    has = sizes > 0
    lo = bounds[:-1] + (sizes - 1) // 2
    hi = bounds[:-1] + sizes // 2
    out[has] = (num[order[lo[has]]] + num[order[hi[has]]]) / 2
    return Reduced(Vec.numbers(out), None)


def _counter(select):
    def reduce(arg: Arg, key: np.ndarray, n: int, distinct: bool) -> Reduced:
        v = arg.vec()
        mask = select(v)
        if distinct:
            codes = value_codes(v)
            pair = key.astype(np.int64) * (int(codes.max(initial=0)) + 2) + codes + 1
            keep = np.zeros(len(key), dtype=bool)
            _, at = np.unique(np.where(mask, pair, -1), return_index=True)
            keep[at] = True
            mask = mask & keep
        counts = np.bincount(key[mask], minlength=n)[:n].astype(np.float64)
        return Reduced(Vec.numbers(counts), Vec.numbers(np.array([counts.sum()])))

    return reduce


register("NULLCOUNT", 1, 1, Kind.AGGREGATION)(_counter(lambda v: v.null.copy()))
register("NUMERICCOUNT", 1, 1, Kind.AGGREGATION)(_counter(lambda v: v.is_numeric().copy()))
register("TEXTCOUNT", 1, 1, Kind.AGGREGATION)(_counter(lambda v: ~v.null & ~v.is_numeric()))
# MissingCount: the values that are not numbers, NULL included (help "MissingCount")
register("MISSINGCOUNT", 1, 1, Kind.AGGREGATION)(_counter(lambda v: ~v.is_numeric()))


def _numbers_by_group(arg: Arg, key: np.ndarray, n: int, distinct: bool = False
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The numbers of the records (once per group and value with ``distinct``) sorted by
    group then number, and the bounds of each group's slice."""
    num, g = numbers_of(arg, key, distinct)
    order = np.lexsort((num, g)) if len(num) else np.zeros(0, dtype=np.int64)
    bounds = np.searchsorted(g[order], np.arange(n + 1))
    return num, order, bounds


@register("STDEV", 1, 1, Kind.AGGREGATION)
def stdev(arg: Arg, key: np.ndarray, n: int, distinct: bool) -> Reduced:
    """The sample standard deviation (n - 1 in the denominator); NULL below two numbers."""
    x, g = numbers_of(arg, key, distinct)
    c, _, m2, _, _ = moments(x, g, n)
    with np.errstate(all="ignore"):
        out = np.sqrt(m2 / (c - 1))
    return Reduced(Vec.numbers(np.where(c >= 2, out, math.nan)), None)


def _fractions(fraction: Vec | None, key: np.ndarray, n: int) -> np.ndarray:
    """The fraction of each group: its first record's (a range function gives one per
    row, an aggregation one for all)."""
    if fraction is None:
        return np.full(n, math.nan)
    return per_group(np.where(fraction.null, math.nan, fraction.num), key, n)


def _interpolated(num: np.ndarray, order: np.ndarray, bounds: np.ndarray,
                  rank: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per group: the value at 0-based ``rank`` in the group's sorted numbers, linearly
    interpolated between the two closest ranks."""
    n = len(rank)
    out = np.full(n, math.nan)
    sizes = bounds[1:] - bounds[:-1]
    valid = valid & (sizes > 0)
    if not valid.any():
        return out
    pos = np.where(valid, rank, 0.0)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(sizes - 1, 0))
    frac = pos - lo
    last = len(order) - 1
    a = num[order[np.clip(bounds[:-1] + lo, 0, last)]]
    b = num[order[np.clip(bounds[:-1] + hi, 0, last)]]
    out[valid] = (a + (b - a) * frac)[valid]
    return out


@register("FRACTILE", 2, 2, Kind.AGGREGATION)
def fractile(arg: Arg, key: np.ndarray, n: int, distinct: bool,
             fraction: Vec | None = None) -> Reduced:
    """Fractile(x, p): linear interpolation as Excel's PERCENTILE.INC (qlik-language.md
    §11.15: the help's examples give 36 and 27.5, which only INC reproduces): the value
    at rank p (N - 1) from 0."""
    num, order, bounds = _numbers_by_group(arg, key, n, distinct)
    p = _fractions(fraction, key, n)
    sizes = bounds[1:] - bounds[:-1]
    with np.errstate(invalid="ignore"):
        valid = (p >= 0) & (p <= 1)
    return Reduced(Vec.numbers(_interpolated(num, order, bounds, p * (sizes - 1), valid)),
                   None)


@register("FRACTILEEXC", 2, 2, Kind.AGGREGATION)
def fractile_exc(arg: Arg, key: np.ndarray, n: int, distinct: bool,
                 fraction: Vec | None = None) -> Reduced:
    """FractileExc(x, p): the value at rank p (N + 1) from 1 (help "FractileExc - chart
    function"), interpolated; NULL when that rank is outside 1..N (Excel's
    PERCENTILE.EXC)."""
    num, order, bounds = _numbers_by_group(arg, key, n, distinct)
    p = _fractions(fraction, key, n)
    sizes = bounds[1:] - bounds[:-1]
    rank = p * (sizes + 1)
    with np.errstate(invalid="ignore"):
        valid = (p >= 0) & (p <= 1) & (rank >= 1) & (rank <= sizes)
    return Reduced(Vec.numbers(_interpolated(num, order, bounds, rank - 1, valid)), None)
