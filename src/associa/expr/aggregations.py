"""The aggregation reducers: Sum, Count, Avg, Min, Max and Only, in one place for every
scope that aggregates (a chart's groups, a LOAD's GROUP BY, the range functions).

A reducer takes the argument's values over some records (``Arg``), the group of each
record (``key``, in ``0..n-1``) and ``distinct``, and returns the value of each group and,
when the grand total can be had from the groups' results, the total over all records
(``Reduced.total``): Sum and Count add up, Avg divides the summed sums by the summed counts,
Min and Max reduce, Count(DISTINCT) counts the values marked in any group. Sum, Avg and
Only over distinct values give no total (a caller computes it over all records).

The values come either as a ``Vec`` or, for a field, as symbol codes (``Coded``): the
kernels then read each record's number through the field's symbol table in the same pass,
and count distinct symbols in a group × symbol bitmap.

What the reducers count (Qlik's rules, tested against DuckDB in the chart differential):
Min(x, k) and Max(x, k) give the k-th
smallest and largest number (help "Min - chart function": rank 2 is the second lowest
value). Sum, Avg, Min and Max read numbers only (text and NULL are skipped; a group without a
number sums to 0, and has no average, minimum or maximum); Count counts every non-NULL
value, text too; Only gives the group's value when it has exactly one distinct value.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from associa.expr.registry import Kind, register
from associa.expr.vector import Vec
from associa.kernels.aggregate import count_true, extreme, sum_count
from associa.kernels.arithmetic import Formula
from associa.kernels.codes import Codes
from associa.kernels.distinct import distinct_counts, fits
from associa.kernels.group import count_keys


class Symbols(Protocol):
    """What a reducer needs of a field's symbol table."""

    @property
    def nums(self) -> np.ndarray: ...  # float64, NaN for text, one NaN slot for NULL

    def __len__(self) -> int: ...

    def nums_at(self, codes: np.ndarray) -> np.ndarray: ...

    def null_mask(self, codes: np.ndarray) -> np.ndarray: ...

    def texts_at(self, codes: np.ndarray) -> np.ndarray: ...


@dataclass(slots=True)
class Coded:
    """A field's values over records as symbol codes (``len(symbols)`` is NULL).
    ``present`` gives a bool mask over the symbols holding every symbol that can occur
    (the field's possible values): a distinct count remaps the symbols onto them when the
    group × symbol bitmap would be too large otherwise. ``ids``: a value id per symbol
    (NULL -1) in the order the records tend to hold them, for a distinct count's bitmap
    (None: the codes themselves)."""

    codes: Codes
    symbols: Symbols
    present: Callable[[], np.ndarray] | None = None
    ids: np.ndarray | None = None


class Arg:
    """An aggregation's argument over ``n`` records: values, a field's codes, plain
    numbers (``numbers``: float64, NaN for NULL, no text) or ``*``. Plain numbers may be
    given as a ``Formula`` not computed yet (``formula``): sums and counts read it in
    their own pass, anything else reads ``numbers``, computed once when first read."""

    __slots__ = ("n", "_values", "coded", "_numbers", "formula", "star", "counts")

    def __init__(self, n: int, values: Vec | None = None, coded: Coded | None = None,
                 numbers: np.ndarray | Formula | None = None, star: bool = False,
                 counts: np.ndarray | None = None) -> None:
        self.n = n
        # the records in each group when the caller knows them (the chart's grouping
        # counted them): a count that is the records per group reads them
        self.counts = counts
        self._values = values
        self.coded = coded
        self.formula = numbers if isinstance(numbers, Formula) else None
        self._numbers = None if isinstance(numbers, Formula) else numbers
        self.star = star

    @property
    def numbers(self) -> np.ndarray | None:
        if self._numbers is None and self.formula is not None:
            self._numbers = self.formula.evaluate()
        return self._numbers

    def vec(self) -> Vec:
        if self._values is None:
            if self.star:
                self._values = Vec.constant_number(1.0, self.n)
            elif self.numbers is not None:
                self._values = Vec.numbers(self.numbers)
            else:
                assert self.coded is not None
                self._values = Vec.from_symbols(self.coded.symbols, self.coded.codes.materialize())
        return self._values

    def value_codes(self) -> np.ndarray:
        """An int64 code per record identifying distinct values, -1 for NULL."""
        if self.coded is None:
            return value_codes(self.vec())
        codes = self.coded.codes.materialize().astype(np.int64)
        codes[codes >= len(self.coded.symbols)] = -1
        return codes


@dataclass(slots=True)
class Reduced:
    values: Vec  # one per group
    total: Vec | None  # one value: over all records, or None when it needs its own pass


Reducer = Callable[[Arg, np.ndarray, int, bool], Reduced]


def _one(x: float) -> Vec:
    return Vec.numbers(np.array([x], dtype=np.float64))


# -- the generic path over Vec values (distinct Sum/Avg, Only) ----------------------------


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


def dedupe(codes: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Indices of one record for each distinct (group, value) pair (NULLs dropped), in
    record order."""
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


def _distinct_numbers(arg: Arg, key: np.ndarray) -> tuple[Vec, np.ndarray]:
    """The values and the records holding one number per distinct (group, value)."""
    values = arg.vec()
    idx = dedupe(arg.value_codes(), key)
    return values, idx[values.is_numeric()[idx]]


# -- reducers ---------------------------------------------------------------------------


def _sums(arg: Arg, key: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, float]:
    if arg.coded is not None:
        return sum_count(key, n, codes=arg.coded.codes.through(arg.coded.symbols.nums))
    if arg.formula is not None and arg._numbers is None:
        return sum_count(key, n, formula=arg.formula)
    if arg.numbers is not None:
        return sum_count(key, n, num=arg.numbers)
    v = arg.vec()
    return sum_count(key, n, num=v.num, null=v.null if v.null.any() else None)


@register("SUM", 1, 1, Kind.AGGREGATION)
def sum_(arg: Arg, key: np.ndarray, n: int, distinct: bool) -> Reduced:
    if distinct:
        values, idx = _distinct_numbers(arg, key)
        return Reduced(Vec.numbers(np.bincount(key[idx], weights=values.num[idx], minlength=n)[:n]), None)
    sums, _, total = _sums(arg, key, n)
    return Reduced(Vec.numbers(sums), _one(total))


@register("COUNT", 1, 1, Kind.AGGREGATION)
def count(arg: Arg, key: np.ndarray, n: int, distinct: bool) -> Reduced:
    if distinct:
        counts, total = _distinct_counts(arg, key, n)
        return Reduced(Vec.numbers(counts.astype(np.float64)), _one(float(total)))
    if arg.star:
        counts = _records_per_group(arg, key, n)
    elif arg.formula is not None and arg._numbers is None:
        counts = sum_count(key, n, formula=arg.formula)[1]
    elif arg.numbers is not None:
        counts = sum_count(key, n, num=arg.numbers)[1]
    elif arg.coded is not None:
        nsym = len(arg.coded.symbols)
        if arg.coded.codes.below(nsym):  # a column without NULL: the records per group
            counts = _records_per_group(arg, key, n)
        else:
            notnull = np.ones(nsym + 1, dtype=bool)
            notnull[-1] = False
            counts = count_true(key, n, arg.coded.codes.through(notnull))
    else:
        null = arg.vec().null
        if null.any():
            counts = count_true(key, n, Codes.of(null.view(np.uint8)).through(_NOT))
        else:
            counts = count_keys(key, n)[:n]
    return Reduced(Vec.numbers(counts.astype(np.float64)), _one(float(counts.sum())))


_NOT = np.array([True, False])


def _records_per_group(arg: Arg, key: np.ndarray, n: int) -> np.ndarray:
    return arg.counts[:n] if arg.counts is not None else count_keys(key, n)[:n]


def _distinct_counts(arg: Arg, key: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    if arg.coded is not None:
        nsym = len(arg.coded.symbols)
        present = arg.coded.present() if arg.coded.present is not None and not fits(n, nsym) else None
        if present is not None:  # onto the values that can occur: a smaller bitmap
            remap = np.where(present, np.cumsum(present) - 1, -1)
            K = int(np.count_nonzero(present))
            lut = np.append(remap, -1).astype(np.int32 if K < 1 << 31 else np.int64)  # NULL: -1
        else:
            ids = arg.coded.ids
            lut, K = (_values_lut(nsym) if ids is None else ids), nsym
        return distinct_counts(key, n, arg.coded.codes.through(lut), K)
    codes = value_codes(arg.vec())
    K = int(codes.max(initial=-1)) + 1
    return distinct_counts(key, n, Codes.of(codes + 1).through(np.arange(-1, K)), K)


@functools.lru_cache(maxsize=32)
def _values_lut(nsym: int) -> np.ndarray:
    """Each code its own value, NULL (code ``nsym``) -1: the same for every click on a
    field, so made once (read only)."""
    out = np.arange(-1, nsym, dtype=np.int32 if nsym < 1 << 31 else np.int64)
    out = np.roll(out, -1)
    out.flags.writeable = False
    return out


@register("AVG", 1, 1, Kind.AGGREGATION)
def avg(arg: Arg, key: np.ndarray, n: int, distinct: bool) -> Reduced:
    if distinct:
        values, idx = _distinct_numbers(arg, key)
        sums = np.bincount(key[idx], weights=values.num[idx], minlength=n)[:n]
        counts = np.bincount(key[idx], minlength=n)[:n]
        return Reduced(Vec.numbers(_divide(sums, counts)), None)
    sums, counts, total = _sums(arg, key, n)
    whole = int(counts.sum())
    return Reduced(Vec.numbers(_divide(sums, counts)), _one(total / whole if whole else math.nan))


def _divide(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), math.nan)


def _extreme(largest: bool) -> Reducer:
    def reduce(arg: Arg, key: np.ndarray, n: int, distinct: bool,
               rank: Vec | None = None) -> Reduced:
        if rank is not None:
            ranks = _ranks(rank, key, n)
            if ranks is not None:
                return _ranked(arg, key, n, ranks, largest)
        if arg.coded is not None:
            out = extreme(key, n, codes=arg.coded.codes.through(arg.coded.symbols.nums),
                          largest=largest)
        elif arg.numbers is not None:
            out = extreme(key, n, num=arg.numbers, largest=largest)
        else:
            v = arg.vec()
            out = extreme(key, n, num=v.num, null=v.null if v.null.any() else None,
                          largest=largest)
        found = out[~np.isnan(out)]
        total = (found.max() if largest else found.min()) if len(found) else math.nan
        return Reduced(Vec.numbers(out), _one(float(total)))

    return reduce


def _ranks(rank: Vec, key: np.ndarray, n: int) -> np.ndarray | None:
    """Min/Max's rank per group (its first record's; NULL: 1), or None when every group's
    is 1 (the plain minimum or maximum)."""
    r = np.where(rank.null, np.nan, rank.num)
    if not len(r) or bool(np.all(r == 1)):
        return None
    out = np.ones(n)
    idx = np.flatnonzero(~np.isnan(r))
    groups, at = np.unique(key[idx], return_index=True)
    out[groups] = np.trunc(r[idx[at]])
    return None if bool(np.all(out == 1)) else out


def _ranked(arg: Arg, key: np.ndarray, n: int, ranks: np.ndarray, largest: bool) -> Reduced:
    """Min(x, k) / Max(x, k): the k-th smallest (largest) number of each group, equal
    numbers counted one by one; NULL when the group has fewer than k numbers or k < 1."""
    if arg.numbers is not None:
        num = arg.numbers
    elif arg.coded is not None:
        num = arg.coded.symbols.nums_at(arg.coded.codes.materialize())
    else:
        v = arg.vec()
        num = np.where(v.null, math.nan, v.num)
    idx = np.flatnonzero(~np.isnan(num))
    x, g = num[idx], key[idx]
    order = np.lexsort((-x if largest else x, g))
    bounds = np.searchsorted(g[order], np.arange(n + 1))
    sizes = bounds[1:] - bounds[:-1]
    ok = (ranks >= 1) & (ranks <= sizes)
    at = np.where(ok, bounds[:-1] + np.where(ok, ranks, 1).astype(np.int64) - 1, 0)
    out = np.full(n, math.nan)
    out[ok] = x[order[at[ok]]]
    return Reduced(Vec.numbers(out), None)


register("MIN", 1, 2, Kind.AGGREGATION)(_extreme(False))
register("MAX", 1, 2, Kind.AGGREGATION)(_extreme(True))


@register("ONLY", 1, 1, Kind.AGGREGATION)
def only(arg: Arg, key: np.ndarray, n: int, distinct: bool) -> Reduced:
    values = arg.vec()
    if values.n == 0:
        return Reduced(Vec.nulls(n), None)
    idx = dedupe(arg.value_codes(), key)
    per_group = np.bincount(key[idx], minlength=n)[:n]
    first = np.full(n, -1, dtype=np.int64)
    first[key[idx][::-1]] = idx[::-1]
    out = values.take(np.maximum(first, 0))
    out.null = out.null | (per_group != 1)
    return Reduced(out, None)
