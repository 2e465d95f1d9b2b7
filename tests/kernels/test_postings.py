"""Postings: a column's rows grouped by code, and the rows of a lookup table read from
them, against a stable sort and a scan, under both backends and split over threads."""

from __future__ import annotations

import numpy as np
import pytest

from associa import kernels
from associa.kernels import postings


@pytest.fixture(params=[False, True], ids=["one-part", "split"])
def parts(request, monkeypatch):
    if request.param:
        from associa.kernels import pool

        monkeypatch.setattr(postings, "SPLIT_MIN", 1)
        monkeypatch.setattr(pool, "WORKERS", 3)
    return request.param


@pytest.mark.parametrize("nsym", [3, 200, 70_000])
@pytest.mark.parametrize("n", [0, 1, 63, 64, 65, 5000])
def test_rows_of_a_lookup_table(backend, parts, nsym: int, n: int) -> None:
    rng = np.random.default_rng(n + nsym)
    dtype = np.uint8 if nsym < 255 else np.uint16 if nsym < 65535 else np.uint32
    col = rng.integers(0, nsym + 1, n).astype(dtype)  # code nsym: NULL
    counts = np.bincount(col, minlength=nsym + 1)
    order, offsets = postings.build(col, counts)
    assert order.dtype == np.int32 and offsets[-1] == n
    np.testing.assert_array_equal(order, np.argsort(col, kind="stable"))
    _rows_match_a_scan(rng, col, order, offsets, nsym)


def _rows_match_a_scan(rng, col, order, offsets, nsym: int, runs=None) -> None:
    """The rows read from the postings for lookup tables of every density are a scan's
    (int32 from the compiled kernels, which read rows so)."""
    for density in (0.0, 0.01, 0.3, 1.0):
        lut = rng.random(nsym + 1) < density
        want = np.flatnonzero(lut[col])
        got = postings.rows(order, offsets, lut, len(col), len(want), runs)
        assert got.dtype == (np.int32 if kernels.compiled() else np.intp)
        np.testing.assert_array_equal(got, want)
        if order is None:  # runs: the mask too, each run written whole, and the spans
            keep = postings.kept(offsets, lut, runs)
            np.testing.assert_array_equal(postings.run_rows(offsets, keep, len(want),
                                                            len(col)), want)
            mask = postings.runs_mask(offsets, keep, len(col))
            np.testing.assert_array_equal(mask, lut[col])
            spans = postings.spans_of(offsets, keep)
            assert spans is not None and spans.shape[1] == 2
            covered = np.concatenate([np.arange(a, b) for a, b in spans.tolist()] + [[]])
            np.testing.assert_array_equal(covered, want)
            assert np.all(spans[1:, 0] > spans[:-1, 1])  # merged: a gap between spans


@pytest.mark.parametrize("nsym", [3, 200, 70_000])
@pytest.mark.parametrize("n", [0, 1, 63, 64, 65, 5000])
def test_rows_of_a_column_in_code_order(backend, parts, nsym: int, n: int) -> None:
    """A column stored grouped by its code (a table's cluster key) has no order: the rows
    of each code are a range."""
    rng = np.random.default_rng(n * 7 + nsym)
    col = np.sort(rng.integers(0, nsym + 1, n)).astype(np.uint32)
    offsets = postings.offsets_of(np.bincount(col, minlength=nsym + 1))
    _rows_match_a_scan(rng, col, None, offsets, nsym)
    with pytest.raises(ValueError, match="counted"):
        postings.rows(None, offsets, np.ones(nsym + 1, dtype=bool), n, n + 1)


@pytest.mark.parametrize("n", [0, 1, 5000])
def test_rows_of_a_column_grouped_in_another_order(backend, parts, n: int) -> None:
    """The runs of a grouped column may come in an order other than the codes' (the
    order of a dimension's fields): ``runs`` gives the code of each."""
    nsym = 300
    rng = np.random.default_rng(n + 11)
    runs = rng.permutation(nsym + 1)
    counts = np.bincount(rng.integers(0, nsym + 1, n), minlength=nsym + 1)
    col = np.repeat(runs, counts[runs]).astype(np.uint16)
    offsets = postings.offsets_of(counts[runs])
    _rows_match_a_scan(rng, col, None, offsets, nsym, runs)


def test_counts_are_checked(backend) -> None:
    col = np.array([0, 1, 1, 2], dtype=np.uint8)
    with pytest.raises(ValueError, match="add up"):
        postings.build(col, np.array([1, 1, 1]))
    order, offsets = postings.build(col, np.bincount(col, minlength=3))
    lut = np.array([False, True, False])
    with pytest.raises(ValueError, match="counted"):
        postings.rows(order, offsets, lut, 4, 3)
