"""Presence and code counts against plain numpy, under both backends, whole and split,
with and without a saturation target."""

from __future__ import annotations

import numpy as np
import pytest

from associa.kernels import presence as kpresence

SHAPES = [(np.uint8, 7), (np.uint8, 255), (np.uint16, 3000), (np.uint32, 70000)]


def _col(dtype, nsym, n=40_000, seed=0):
    return np.random.default_rng(seed).integers(0, nsym + 1, n).astype(dtype)


def _want(values, nsym):
    out = np.zeros(nsym + 1, dtype=bool)
    out[values.astype(np.intp)] = True
    return out[:nsym]


@pytest.mark.parametrize(("dtype", "nsym"), SHAPES)
@pytest.mark.parametrize("saturate", [False, True])
def test_presence_forms(backend, split, dtype, nsym, saturate):
    col = _col(dtype, nsym)
    distinct = len(np.unique(col))
    target = distinct if saturate else -1
    rng = np.random.default_rng(1)
    for density in (0.0, 0.001, 0.3, 1.0):
        mask = rng.random(len(col)) < density
        idx = np.flatnonzero(mask)
        want = _want(col[mask], nsym)
        assert np.array_equal(kpresence.of_mask(col, mask, nsym, target), want)
        assert np.array_equal(kpresence.of_indices(col, idx, nsym, target), want)
    assert np.array_equal(kpresence.of_all(col, nsym, target), _want(col, nsym))


def test_presence_leaves_out_null(backend):
    col = np.array([3, 3, 0], dtype=np.uint8)  # 3 symbols: code 3 is NULL
    got = kpresence.of_all(col, 3, 2)
    assert got.tolist() == [True, False, False]


@pytest.mark.parametrize(("dtype", "nsym"), SHAPES)
def test_counts(backend, split, dtype, nsym):
    col = _col(dtype, nsym, seed=5)
    got = kpresence.counts(col, nsym)
    assert got.dtype == np.int64
    assert np.array_equal(got, np.bincount(col.astype(np.intp), minlength=nsym + 1))


@pytest.mark.parametrize("ordered", [False, True], ids=["code-order", "ranked"])
@pytest.mark.parametrize("nsym", [5, 3000])
def test_presence_of_runs(backend, split, ordered, nsym):
    """A column stored as one run per code (some codes without rows, NULL's run last):
    the codes of the runs the rows fall in, as a scan of the column gives them."""
    rng = np.random.default_rng(nsym)
    runs = rng.permutation(nsym + 1) if ordered else np.arange(nsym + 1)
    if ordered:
        runs = np.append(runs[runs != nsym], nsym)
    sizes = rng.integers(0, 30, nsym + 1)
    offsets = np.zeros(nsym + 2, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    col = np.repeat(runs, sizes).astype(np.uint16)
    for density in (0.0, 0.002, 0.3, 1.0):
        mask = rng.random(len(col)) < density
        want = _want(col[mask], nsym)
        got = kpresence.of_runs(offsets, runs if ordered else None, nsym, idx=np.flatnonzero(mask))
        assert np.array_equal(got, want)
        got = kpresence.of_runs(offsets, runs if ordered else None, nsym, mask=mask)
        assert np.array_equal(got, want)
        idx32 = np.flatnonzero(mask).astype(np.int32)
        assert np.array_equal(kpresence.of_runs(offsets, runs if ordered else None, nsym,
                                                idx=idx32), want)


@pytest.mark.parametrize("nvalues", [1, 5, 3000])
def test_first_seen_is_the_order_of_first_appearance(backend, nvalues):
    """The codes a column holds (NULL as -1), each once, in the order they first occur:
    as a Python walk finds them, whether or not every code occurs."""
    rng = np.random.default_rng(nvalues)
    for n in (0, 1, 50, 20_000):
        codes = rng.integers(-1, nvalues, n).astype(np.int32)
        want = list(dict.fromkeys(codes.tolist()))
        got = kpresence.first_seen(codes, nvalues)
        assert got.dtype == np.int32 and got.tolist() == want
    every = np.array([2, 0, 2, -1, 1, 0] + [1] * 100, dtype=np.int32)
    assert kpresence.first_seen(every, 3).tolist() == [2, 0, -1, 1]
