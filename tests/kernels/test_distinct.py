from __future__ import annotations

import numpy as np
import pytest

from associa.kernels import distinct
from associa.kernels.codes import Codes
from tests.kernels.samples import codes_variants

IMPLS = sorted(distinct.IMPLS)


def _reference(key: np.ndarray, n: int, values: np.ndarray) -> tuple[list[int], int]:
    pairs = {(int(g), int(v)) for g, v in zip(key, values, strict=True) if v >= 0}
    counts = [sum(1 for g, _ in pairs if g == k) for k in range(n)]
    return counts, len({v for _, v in pairs})


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("K", [1, 63, 64, 65, 1000])
def test_distinct_counts(impl: str, K: int) -> None:
    rng = np.random.default_rng(K)
    remap = rng.integers(-1, K, 1201)  # symbols onto value ids, -1: does not count
    for name, codes, values in codes_variants(rng, 3000, 1200, remap):
        key = rng.integers(0, 9, 3000).astype(np.int32)
        counts, total = distinct.IMPLS[impl].counts(key, 9, codes, K)
        want = _reference(key, 9, values)
        assert counts.tolist() == want[0], name
        assert total == want[1], name


def test_sort_fallback_past_the_bitmap_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    key = rng.integers(0, 40, 5000).astype(np.intp)
    lut = np.append(np.arange(700), -1)
    codes = Codes(rng.integers(0, 701, 5000).astype(np.uint16), None, lut, 5000)
    inside = distinct.distinct_counts(key, 40, codes, 700)
    monkeypatch.setattr(distinct, "BITMAP_LIMIT", 100)
    assert not distinct.fits(40, 700)
    outside = distinct.distinct_counts(key, 40, codes, 700)
    assert outside[0].tolist() == inside[0].tolist() and outside[1] == inside[1]
    assert outside[1] == len(set(codes.materialize().tolist()) - {-1})


@pytest.mark.parametrize("impl", IMPLS)
def test_no_groups(impl: str) -> None:
    codes = Codes(np.zeros(0, dtype=np.uint8), None, np.arange(3), 0)
    counts, total = distinct.IMPLS[impl].counts(np.zeros(0, dtype=np.intp), 0, codes, 3)
    assert counts.tolist() == [] and total == 0
