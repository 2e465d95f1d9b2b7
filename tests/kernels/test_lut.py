"""Lookup tables applied to columns: each kernel against plain numpy, under both backends,
in one part and split over threads, for every column dtype and both table sizes (bytes and
packed bits)."""

from __future__ import annotations

import numpy as np
import pytest

from associa.kernels import lut as klut

SHAPES = [
    (np.uint8, 200),
    (np.uint16, 5000),
    (np.uint32, 70000),  # above BITS_OVER: the compiled loops read packed bits
]


def _case(dtype, nsym, n=50_000, density=0.3, seed=0):
    rng = np.random.default_rng(seed)
    col = rng.integers(0, nsym + 1, n).astype(dtype)  # nsym is NULL
    lut = np.append(rng.random(nsym) < density, False)
    return col, lut


@pytest.mark.parametrize(("dtype", "nsym"), SHAPES)
@pytest.mark.parametrize("density", [0.0, 0.02, 0.5, 1.0])
def test_mask_and_indices(backend, split, dtype, nsym, density):
    col, lut = _case(dtype, nsym, density=density)
    want = lut[col.astype(np.intp)]
    out, count = klut.mask(lut, col)
    assert out.dtype == bool and np.array_equal(out, want)
    assert count == int(want.sum())
    idx = klut.indices(lut, col, count)
    assert idx.dtype == np.intp and np.array_equal(idx, np.flatnonzero(want))


@pytest.mark.parametrize(("dtype", "nsym"), SHAPES)
def test_restrict(backend, split, dtype, nsym):
    col, lut = _case(dtype, nsym, seed=1)
    rows = np.random.default_rng(2).random(len(col)) < 0.6
    want = rows & lut[col.astype(np.intp)]
    got = rows.copy()
    count = klut.restrict(lut, col, got)
    assert np.array_equal(got, want) and count == int(want.sum())


@pytest.mark.parametrize(("dtype", "nsym"), SHAPES)
def test_restrict_indices(backend, dtype, nsym):
    col, lut = _case(dtype, nsym, seed=3)
    idx = np.flatnonzero(np.random.default_rng(4).random(len(col)) < 0.1)
    got = klut.restrict_indices(lut, col, idx)
    assert np.array_equal(got, idx[lut[col[idx].astype(np.intp)]])


def test_indices_checks_the_count(backend):
    col, lut = _case(np.uint16, 5000, density=0.5)
    count = int(lut[col.astype(np.intp)].sum())
    with pytest.raises(ValueError):
        klut.indices(lut, col, count - 1 if backend == "numpy" else len(col) + 1)


def test_empty_column(backend):
    lut = np.array([True, False])
    col = np.zeros(0, dtype=np.uint8)
    out, count = klut.mask(lut, col)
    assert len(out) == 0 and count == 0
    assert len(klut.indices(lut, col, 0)) == 0
