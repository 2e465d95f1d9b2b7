"""Long passes split over the cores give the answers of one pass, bit for bit: sums are
made per block of records and the blocks added in order, whatever the backend and however
the records are split; counts, minima, maxima, group keys, gathers and distinct counts
merge their parts. Here the blocks are 64 records and every pass of more than one record
is split into three parts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from associa.kernels import aggregate, distinct, group, pool
from associa.kernels.arithmetic import Formula
from associa.kernels.codes import Codes
from tests.kernels.samples import codes_variants

BLOCK = 64


@pytest.fixture(params=[False, True], ids=["one-part", "split"])
def parts(request, monkeypatch):
    monkeypatch.setattr(aggregate, "BLOCK", BLOCK)
    if request.param:
        monkeypatch.setattr(pool, "SPLIT_MIN", 1)
        monkeypatch.setattr(pool, "WORKERS", 3)
        for module in (aggregate, group, distinct):
            for name in ("SPLIT_MIN", "SPLIT_ROWS"):
                if hasattr(module, name):
                    monkeypatch.setattr(module, name, 1)
    return request.param


def _blocked(key: np.ndarray, n: int, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Sums per block of BLOCK records in record order, the blocks added in order."""
    sums, counts, total = np.zeros(n), np.zeros(n, dtype=np.int64), 0.0
    for lo in range(0, len(v), BLOCK):
        part, part_total = np.zeros(n), 0.0
        for g, x in zip(key[lo:lo + BLOCK].tolist(), v[lo:lo + BLOCK].tolist(), strict=True):
            if not math.isnan(x):
                part[g] += x
                counts[g] += 1
                part_total += x
        sums += part
        total += part_total
    return sums, counts, total


def _same(got: tuple, want: tuple) -> None:
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert got[2] == want[2]


@pytest.mark.parametrize("impl", sorted(aggregate.IMPLS))
def test_sums_are_made_per_block(impl: str, parts: bool) -> None:
    rng = np.random.default_rng(11)
    n = 1000
    lut = np.append(rng.normal(size=40) * 1e6, math.nan)
    lut[[4, 9]] = math.nan
    lut2 = np.append(rng.normal(size=30), math.nan)
    k = aggregate.IMPLS[impl]
    for _name, codes, values in codes_variants(rng, n, 40, lut):
        key = rng.integers(0, 7, n).astype(np.int32)
        _same(k.sum_count(key, 7, codes, None, None), _blocked(key, 7, values))
        null = rng.random(n) < 0.1
        _same(k.sum_count(key, 7, None, values, null),
              _blocked(key, 7, np.where(null, np.nan, values)))
        other = Codes(rng.integers(0, 31, len(codes.col) if codes.col is not None else n)
                      .astype(np.uint8), codes.rows, lut2, n) if codes.col is not None else None
        formulas = [Formula("*", codes, 2.5, n), Formula("/", 3.0, codes, n),
                    Formula("-", codes, values[::-1].copy(), n)]
        if other is not None:
            formulas.append(Formula("+", codes, other, n))
        for f in formulas:
            _same(k.sum_count(key, 7, None, None, None, f), _blocked(key, 7, f.evaluate()))


@pytest.mark.parametrize("impl", sorted(aggregate.IMPLS))
def test_counts_and_extremes_merge_their_parts(impl: str, parts: bool) -> None:
    rng = np.random.default_rng(12)
    lut = np.append(rng.normal(size=50), math.nan)
    flags = rng.random(51) < 0.5
    k = aggregate.IMPLS[impl]
    for name, codes, values in codes_variants(rng, 900, 50, lut):
        key = rng.integers(0, 9, 900).astype(np.intp)
        flagged = Codes(codes.col, codes.rows, flags, codes.n)
        raw = Codes(codes.col, codes.rows, None, codes.n).materialize()
        want = np.bincount(key[flags[raw]], minlength=9)
        np.testing.assert_array_equal(k.count_true(key, 9, flagged), want, err_msg=name)
        for largest in (False, True):
            want_x = np.full(9, math.nan)
            for g in range(9):
                v = values[(key == g) & ~np.isnan(values)]
                if len(v):
                    want_x[g] = v.max() if largest else v.min()
            np.testing.assert_array_equal(k.extreme(key, 9, codes, None, None, largest), want_x)


@pytest.mark.parametrize("impl", sorted(group.IMPLS))
def test_group_passes_merge_their_parts(impl: str, parts: bool) -> None:
    rng = np.random.default_rng(13)
    k = group.IMPLS[impl]
    for name, codes, want in codes_variants(rng, 2000, 300, None):
        np.testing.assert_array_equal(k.gather(codes), want, err_msg=name)
        lut = (np.arange(301) % 17).astype(np.int32)
        scaled = Codes(codes.col, codes.rows, lut * 5, codes.n)
        other = Codes(codes.col, codes.rows, lut % 5, codes.n)
        key, counts = k.group_keys([scaled, other], codes.n, np.dtype(np.int32), 85)
        np.testing.assert_array_equal(key, lut[want] * 5 + lut[want] % 5, err_msg=name)
        np.testing.assert_array_equal(counts, np.bincount(key, minlength=85))
        np.testing.assert_array_equal(k.count_keys(key, 85), counts)
        remap = np.arange(85, dtype=np.int32)[::-1].copy()
        np.testing.assert_array_equal(k.remap(key, remap), remap[key])


@pytest.mark.parametrize("impl", sorted(distinct.IMPLS))
def test_distinct_bitmaps_are_ORed(impl: str, parts: bool) -> None:
    rng = np.random.default_rng(14)
    remap = rng.integers(-1, 90, 401)
    for name, codes, values in codes_variants(rng, 3000, 400, remap):
        key = rng.integers(0, 6, 3000).astype(np.int32)
        counts, total = distinct.IMPLS[impl].counts(key, 6, codes, 90)
        pairs = {(int(g), int(v)) for g, v in zip(key, values, strict=True) if v >= 0}
        assert counts.tolist() == [sum(1 for g, _ in pairs if g == x) for x in range(6)], name
        assert total == len({v for _, v in pairs}), name


def test_backends_agree_past_one_block(parts: bool) -> None:
    """Sums over many blocks give the same bits in every backend (the blocks make the
    order of additions, not the backend or the parts)."""
    rng = np.random.default_rng(15)
    n = 5000
    lut = np.append(rng.normal(size=200) * 1e12, math.nan)
    col = rng.integers(0, 201, n).astype(np.uint8)
    key = rng.integers(0, 3, n).astype(np.int32)
    codes = Codes(col, None, lut, n)
    results = [aggregate.IMPLS[impl].sum_count(key, 3, codes, None, None)
               for impl in sorted(aggregate.IMPLS)]
    for other in results[1:]:
        _same(other, results[0])
    _same(results[0], _blocked(key, 3, lut[col]))


def test_many_groups_are_summed_block_by_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``PARTIAL_CELLS`` block × group sums, one thread sums block by block: the
    same bits."""
    monkeypatch.setattr(aggregate, "BLOCK", BLOCK)
    rng = np.random.default_rng(16)
    n = 700
    values = rng.normal(size=n) * 1e9
    key = rng.integers(0, 50, n).astype(np.int32)
    want = _blocked(key, 50, values)
    for impl in sorted(aggregate.IMPLS):
        _same(aggregate.IMPLS[impl].sum_count(key, 50, None, values, None), want)
    monkeypatch.setattr(aggregate, "PARTIAL_CELLS", 10)
    for impl in sorted(aggregate.IMPLS):
        _same(aggregate.IMPLS[impl].sum_count(key, 50, None, values, None), want)
