"""Grouping records by dimensions: the group of each record (``group``: one lookup per
column into a combined key space, ``kernels.group``), and, for charts whose measures read
several record sets (set analysis), each set's own groups (``local_groups``, kept with
its inference) and their union (``union_groups``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from associa import kernels
from associa.calc.aggregate import LocalGroups
from associa.calc.calcdims import code_count
from associa.calc.records import Records, associate
from associa.expr import Vec
from associa.kernels.codes import Codes
from associa.kernels.group import group_keys, remap
from associa.model import DataModel
from associa.select import Inference
from associa.values import Locale

SPACE_AS_IS = 1 << 12  # a key space this small is aggregated without compacting
SPACE_LUT = 1 << 26  # largest key space compacted through a lookup table


@dataclass(slots=True)
class Grouping:
    """The group of each record: ``key`` in ``0..n-1``. When ``cells`` is given, ``n`` is
    the whole key space and the groups are the cells that occur (ascending); otherwise the
    groups are ``0..n-1`` themselves. ``symbols``: each dimension's code per group."""

    key: np.ndarray
    n: int
    cells: np.ndarray | None
    symbols: list[np.ndarray]
    # the records in each of the ``n`` scope groups, when the grouping counted them
    # (Count(*) and the count of a field without NULL read them: no pass of their own)
    counts: np.ndarray | None = None

    @property
    def count(self) -> int:
        return self.n if self.cells is None else len(self.cells)

    def finish(self, v: Vec) -> Vec:
        """Values per scope group as values per group."""
        return v if self.cells is None else v.take(self.cells)


def group(model: DataModel, records: Records, fields: list[str]) -> Grouping:
    """Groups by the fields' codes, in the order of the codes (NULL last)."""
    n = records.n
    codes = [records.codes(f) for f in fields]
    radix = [code_count(model, records, f) for f in fields]
    space = 1
    for r in radix:
        space *= r
    if space >= 1 << 62:
        return _group_unique(model, [c.materialize() for c in codes], fields)
    strides = [1] * len(fields)
    for i in range(len(fields) - 2, -1, -1):
        strides[i] = strides[i + 1] * radix[i + 1]
    key_dtype = np.dtype(np.int32 if kernels.compiled() and space < 1 << 31 else np.intp)
    as_lut = space <= SPACE_LUT and space <= max(4 * n, 1 << 20)
    key, counts = group_keys(_terms(codes, radix, strides), n, key_dtype,
                             space if as_lut else None)
    if counts is None:
        uniq, inv = np.unique(key, return_inverse=True)
        return Grouping(inv.ravel(), len(uniq), None, _split(uniq, radix, strides))
    cells = np.flatnonzero(counts)
    symbols = _split(cells, radix, strides)
    if space <= SPACE_AS_IS:
        return Grouping(key, space, cells, symbols, counts[:space])
    lut = np.full(space, -1, dtype=key_dtype)
    lut[cells] = np.arange(len(cells), dtype=key_dtype)
    return Grouping(remap(key, lut), len(cells), None, symbols, counts[cells])


def _terms(codes: list[Codes], radix: list[int], strides: list[int]) -> list[Codes]:
    """One gather per column: the dimensions read through the same column (and rows)
    share a lookup table of their scaled codes."""
    terms: dict[tuple[int, int], tuple[Codes, np.ndarray]] = {}
    for c, r, stride in zip(codes, radix, strides, strict=True):
        lut = (np.arange(r, dtype=np.int64) if c.lut is None else c.lut.astype(np.int64)) * stride
        ident = (id(c.col), id(c.rows))
        hit = terms.get(ident)
        if hit is None:
            terms[ident] = (c, lut)
        else:
            terms[ident] = (hit[0], hit[1] + lut)
    return [Codes(c.col, c.rows, lut, c.n) for c, lut in terms.values()]


def _split(cells: np.ndarray, radix: list[int], strides: list[int]) -> list[np.ndarray]:
    cells = cells.astype(np.int64, copy=False)
    return [(cells // s) % r for r, s in zip(radix, strides, strict=True)]


def _group_unique(model: DataModel, cols: list[np.ndarray], fields: list[str]) -> Grouping:
    stacked = np.stack([c.astype(np.int64) for c in cols], axis=1)
    uniq_rows, inv = np.unique(stacked, axis=0, return_inverse=True)
    return Grouping(inv.ravel(), len(uniq_rows), None, [uniq_rows[:, i] for i in range(len(fields))])


def compact(grouping: Grouping) -> tuple[np.ndarray, list[np.ndarray]]:
    """The group of each record as 0..count-1, and the symbols per group."""
    if grouping.cells is None:
        return grouping.key, grouping.symbols
    lut = np.full(grouping.n, -1, dtype=np.int64)
    lut[grouping.cells] = np.arange(len(grouping.cells))
    return lut[grouping.key], grouping.symbols


def local_groups(model: DataModel, inference: Inference, fields: set[str],
                 dim_fields: set[str], active: list[str], locale: Locale) -> LocalGroups:
    """A source's records grouped by the dimensions on their own, kept with its
    inference (``LocalGroups``)."""
    def make() -> LocalGroups:
        records = associate(model, inference, fields, dim_fields) if fields else Records.single()
        if active and records.n:
            key, symbols = compact(group(model, records, active))
        elif active:
            key, symbols = np.zeros(0, dtype=np.intp), [np.zeros(0, dtype=np.int64)
                                                         for _ in active]
        else:
            key, symbols = np.zeros(records.n, dtype=np.intp), []
        return LocalGroups(model, records, np.asarray(key, dtype=np.intp), list(symbols),
                           active, locale)

    key = ("chart groups", frozenset(fields), frozenset(dim_fields), tuple(active),
           id(locale))
    return inference.derived(key, make)


def union_groups(active: list[str], sources: list[LocalGroups], has_dims: bool
                  ) -> tuple[list[np.ndarray], list[np.ndarray], int, list[np.ndarray]]:
    """Groups over several sources: the union of their dimension values, in code order;
    the group of each record of each source, each dimension's code per group, the count,
    and per source its own group for each group (its empty group where it has none)."""
    if not active:
        count = 0 if has_dims else 1
        return ([np.zeros(lg.records.n, dtype=np.intp) for lg in sources], [], count,
                [np.full(count, 0 if lg.n else lg.n, dtype=np.intp) for lg in sources])
    stacked = np.concatenate(
        [np.stack([s.astype(np.int64) for s in lg.symbols], axis=1) if lg.n else
         np.zeros((0, len(active)), dtype=np.int64) for lg in sources])
    uniq, inverse = np.unique(stacked, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    count = len(uniq)
    keys: list[np.ndarray] = []
    at_local: list[np.ndarray] = []
    at = 0
    for lg in sources:
        k = lg.n
        to_global = inverse[at:at + k].astype(np.intp)
        keys.append(to_global[lg.key] if k else lg.key)
        mine = np.full(count, k, dtype=np.intp)
        mine[to_global] = np.arange(k, dtype=np.intp)
        at_local.append(mine)
        at += k
    return keys, [uniq[:, i] for i in range(len(active))], count, at_local


def spread(symbols: np.ndarray, grouping: Grouping) -> np.ndarray:
    """A dimension's symbol per group, over the whole key space (-1 where no group)."""
    assert grouping.cells is not None
    out = np.full(grouping.n, -1, dtype=np.int64)
    out[grouping.cells] = symbols
    return out


# -- calculated dimensions -------------------------------------------------------------
