"""GROUP BY's groups: dense ids in order of first appearance, the same from the compiled
walk and from numpy, at every key-space size."""

from __future__ import annotations

import numpy as np
import pytest

from associa import kernels
from associa.script.grouping import dense_groups


@pytest.mark.parametrize("backend", kernels.available())
@pytest.mark.parametrize(("n", "space"), [(0, 5), (1, 1), (7, 3), (5000, 40), (3000, 1 << 21),
                                          (200, 1 << 40)])
def test_groups_in_order_of_first_appearance(backend: str, n: int, space: int) -> None:
    rng = np.random.default_rng(n)
    key = rng.integers(0, min(space, 1 << 40), n).astype(np.int64)
    order = list(dict.fromkeys(key.tolist()))  # keys by first appearance
    with kernels.using(backend):
        gid, count, first = dense_groups(key, space)
    assert count == len(order)
    assert gid.tolist() == [order.index(k) for k in key.tolist()]
    assert first.tolist() == [key.tolist().index(k) for k in order]


@pytest.mark.parametrize("backend", kernels.available())
def test_sum_and_avg_of_a_field_read_its_numbers_through_its_codes(backend: str) -> None:
    """Sum and Avg of a field in a GROUP BY skip its NULLs and texts, as the numbers of
    the symbols give them."""
    from associa.script import run_script

    script = ("T:\nLOAD G, X INLINE [\nG, X\na, 1\na, 2.5\nb, abc\nb, 4\nc, \na, 1\n];\n"
              "U:\nLOAD G as H, Sum(X) as S, Avg(X) as A RESIDENT T GROUP BY G;\n")
    with kernels.using(backend):
        model = run_script(script, lambda path: b"").model
    u = model.tables["U"]
    names = model.fields["H"].symbols.texts_at(u.columns["H"]).tolist()
    sums = model.fields["S"].symbols.nums_at(u.columns["S"]).tolist()
    avgs = model.fields["A"].symbols.nums_at(u.columns["A"]).tolist()
    rows = dict(zip(names, zip(sums, avgs, strict=True), strict=True))
    assert rows["a"] == (4.5, 1.5)
    assert rows["b"] == (4.0, 4.0)
    assert rows["c"][0] == 0.0  # Sum of nothing is 0
    assert np.isnan(rows["c"][1])  # Avg of nothing is NULL
