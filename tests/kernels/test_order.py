"""Order: a permutation reordered by a small integer key, stably, against numpy's stable
argsort, under both backends."""

from __future__ import annotations

import numpy as np
import pytest

from associa.kernels import order


@pytest.mark.parametrize("n", [0, 1, 7, 100_000])
@pytest.mark.parametrize("ranks", [(0,), (0, 1, 2), (-3, 0, 5)])
def test_by_rank_is_a_stable_sort(backend, n: int, ranks: tuple[int, ...]) -> None:
    rng = np.random.default_rng(n + len(ranks))
    key = rng.choice(np.array(ranks, dtype=np.int8), n) if n else np.zeros(0, np.int8)
    base = rng.permutation(n).astype(np.intp)
    want = base[np.argsort(key[base], kind="stable")]
    got = order.by_rank(base, key)
    assert got.dtype == base.dtype
    np.testing.assert_array_equal(got, want)
    # a part of the symbols, and a key of another dtype (numpy's sort)
    part = base[: n // 2]
    np.testing.assert_array_equal(order.by_rank(part, key), part[np.argsort(key[part], kind="stable")])
    wide = key.astype(np.int64)
    np.testing.assert_array_equal(order.by_rank(base, wide), want)
