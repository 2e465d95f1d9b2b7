"""Row sets: the form kept for each density, and the same rows read back either way."""

from __future__ import annotations

import numpy as np
import pytest

from associa.select.rows import ALL, INDEX, MASK, SPARSE, RowSet


@pytest.mark.parametrize("share", [0.0, 0.01, 0.5, 1.0])
def test_every_form_reads_back_the_same_rows(share: float) -> None:
    n = 1000
    mask = np.random.default_rng(3).random(n) < share
    idx = np.flatnonzero(mask)
    sets = [RowSet.of_mask(mask.copy()), RowSet.of_indices(idx.copy(), n),
            RowSet.of_runs(idx.astype(np.int32), n, mask.copy())]
    want = INDEX if len(idx) < SPARSE * n else MASK
    for rows in sets:
        assert rows.count == len(idx)
        assert rows.kind == (ALL if len(idx) == n else want)
        assert np.array_equal(rows.mask(), mask)
        assert np.array_equal(rows.indices(), idx)


def test_rows_made_with_both_forms_keep_the_index_list() -> None:
    """A dense set made from runs keeps its index list beside the mask: read back as
    indices it is that very list, not a new one."""
    n = 100
    mask = np.zeros(n, dtype=bool)
    mask[10:60] = True
    idx = np.arange(10, 60, dtype=np.int32)
    rows = RowSet.of_runs(idx, n, mask)
    assert rows.kind == MASK and rows.indices() is idx
    assert not rows.data.flags.writeable and not idx.flags.writeable
    assert rows.nbytes == mask.nbytes + idx.nbytes
    sparse = RowSet.of_runs(idx[:3], n, None)
    assert sparse.kind == INDEX and sparse.nbytes == idx[:3].nbytes
