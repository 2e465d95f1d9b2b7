from __future__ import annotations

import numpy as np
import pytest

from associa.kernels import group
from associa.kernels.codes import Codes
from tests.kernels.samples import codes_variants

IMPLS = sorted(group.IMPLS)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("n", [0, 1, 7, 5000])
def test_gather(impl: str, n: int) -> None:
    rng = np.random.default_rng(n)
    lut = rng.random(301)
    for name, codes, want in codes_variants(rng, n, 300, lut):
        got = group.IMPLS[impl].gather(codes)
        assert got.dtype == lut.dtype, name
        np.testing.assert_array_equal(got, want, err_msg=name)
    for name, codes, want in codes_variants(rng, n, 300, None):
        np.testing.assert_array_equal(group.IMPLS[impl].gather(codes), want, err_msg=name)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype", [np.int32, np.intp])
def test_group_keys_add_scaled_lookups_and_count(impl: str, dtype: type) -> None:
    rng = np.random.default_rng(3)
    n = 3000
    col_a = rng.integers(0, 50, 2 * n).astype(np.uint8)
    col_b = rng.integers(0, 900, 2 * n).astype(np.uint16)
    col_c = rng.integers(0, 7, n).astype(np.uint8)
    rows = np.sort(rng.choice(2 * n, n, replace=False))
    lut_a = rng.integers(0, 4, 51) * 63  # two dimensions: strides 63 and 9 and 1
    lut_b = rng.integers(0, 7, 901) * 9
    lut_c = np.arange(8)
    terms = [Codes(col_a, rows, lut_a, n), Codes(col_b, rows, lut_b, n),
             Codes(col_c, None, lut_c, n)]
    want = lut_a[col_a[rows]] + lut_b[col_b[rows]] + lut_c[col_c]
    for space in (None, int(want.max()) + 1):
        key, counts = group.IMPLS[impl].group_keys(terms, n, np.dtype(dtype), space)
        assert key.dtype == dtype
        np.testing.assert_array_equal(key, want)
        if space is None:
            assert counts is None
        else:
            np.testing.assert_array_equal(counts, np.bincount(want, minlength=space))
    key, counts = group.IMPLS[impl].group_keys([], 4, np.dtype(dtype), 1)
    assert key.tolist() == [0, 0, 0, 0] and counts is not None and counts.tolist() == [4]


@pytest.mark.parametrize("impl", IMPLS)
def test_count_and_remap(impl: str) -> None:
    key = np.array([3, 0, 3, 5, 3], dtype=np.int32)
    k = group.IMPLS[impl]
    assert k.count_keys(key, 6).tolist() == [1, 0, 0, 3, 0, 1]
    lut = np.array([0, -1, -1, 1, -1, 2], dtype=np.int32)
    assert k.remap(key, lut).tolist() == [1, 0, 1, 2, 1]


@pytest.mark.parametrize("impl", IMPLS)
def test_presence_until_sees_every_wanted_code(impl: str) -> None:
    rng = np.random.default_rng(9)
    for name, codes, values in codes_variants(rng, 4000, 500, None):
        present = np.zeros(501, dtype=bool)
        present[values] = True
        for target in (present, present & (np.arange(501) % 3 == 0), np.zeros(501, bool)):
            seen = group.IMPLS[impl].presence_until(codes, 501, target)
            # every wanted code that occurs is seen, and nothing that does not occur
            assert (seen[target] == present[target]).all(), name
            assert not (seen & ~present).any(), name
        absent = present.copy()
        absent[500] = True  # a wanted code that never occurs: the whole pass is made
        np.testing.assert_array_equal(group.IMPLS[impl].presence_until(codes, 501, absent),
                                      present, err_msg=name)
