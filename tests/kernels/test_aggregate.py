from __future__ import annotations

import math

import numpy as np
import pytest

from associa.kernels import aggregate
from associa.kernels.codes import Codes
from tests.kernels.samples import codes_variants

IMPLS = sorted(aggregate.IMPLS)


def _reference(key: np.ndarray, n: int, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    ok = ~np.isnan(v)
    sums = np.bincount(key[ok], weights=v[ok], minlength=n)
    counts = np.bincount(key[ok], minlength=n)
    total = 0.0
    for x in v[ok]:  # one after the other, in record order
        total += x
    return sums, counts, total


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("n", [0, 1, 999])
def test_sum_count_over_codes_and_numbers(impl: str, n: int) -> None:
    rng = np.random.default_rng(n + 1)
    lut = rng.random(41) * 100
    lut[[3, 7, 40]] = math.nan  # text symbols and the NULL slot have no number
    groups = 6
    for name, codes, values in codes_variants(rng, n, 40, lut):
        key = rng.integers(0, groups, n).astype(np.int32)
        want = _reference(key, groups, values)
        got = aggregate.IMPLS[impl].sum_count(key, groups, codes, None, None)
        np.testing.assert_array_equal(got[0], want[0], err_msg=name)
        np.testing.assert_array_equal(got[1], want[1], err_msg=name)
        assert got[2] == want[2], name
        null = rng.random(n) < 0.2
        masked = np.where(null, np.nan, values)
        want = _reference(key, groups, masked)
        got = aggregate.IMPLS[impl].sum_count(key, groups, None, values, null)
        np.testing.assert_array_equal(got[0], want[0], err_msg=name)
        np.testing.assert_array_equal(got[1], want[1], err_msg=name)
        assert got[2] == want[2]


@pytest.mark.parametrize("impl", IMPLS)
def test_count_true(impl: str) -> None:
    rng = np.random.default_rng(4)
    flags = rng.random(31) < 0.5
    for name, codes, values in codes_variants(rng, 2000, 30, flags):
        key = rng.integers(0, 5, 2000).astype(np.intp)
        want = np.bincount(key[values], minlength=5)
        np.testing.assert_array_equal(aggregate.IMPLS[impl].count_true(key, 5, codes), want,
                                      err_msg=name)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("largest", [False, True])
def test_extremes(impl: str, largest: bool) -> None:
    rng = np.random.default_rng(6)
    lut = rng.normal(size=21)
    lut[[0, 20]] = math.nan
    for name, codes, values in codes_variants(rng, 500, 20, lut):
        key = rng.integers(0, 8, 500).astype(np.int32)
        key[key == 7] = 6  # group 7 has no record: NaN
        want = np.full(8, math.nan)
        for g in range(8):
            v = values[(key == g) & ~np.isnan(values)]
            if len(v):
                want[g] = v.max() if largest else v.min()
        k = aggregate.IMPLS[impl]
        np.testing.assert_array_equal(k.extreme(key, 8, codes, None, None, largest), want,
                                      err_msg=name)
        np.testing.assert_array_equal(k.extreme(key, 8, None, values, None, largest), want)


def test_the_backends_agree_on_the_order_of_additions() -> None:
    """Sums in record order, so that every backend gives the same bits."""
    values = np.array([0.1, 0.2, 0.3, 1e16, -1e16, 0.7])
    key = np.zeros(6, dtype=np.intp)
    codes = Codes(np.arange(6, dtype=np.uint8), None, values, 6)
    results = {impl: aggregate.IMPLS[impl].sum_count(key, 1, codes, None, None) for impl in IMPLS}
    sequential = ((((0.1 + 0.2) + 0.3) + 1e16) + -1e16) + 0.7
    for sums, _, total in results.values():
        assert sums[0] == sequential and total == sequential
