"""``pivot_axes.node_paths`` / ``node_index``: which node of an axis each combination of
real values falls in when parents group values in Others nodes (-3), outer and inner."""

from __future__ import annotations

import numpy as np

from associa.calc.pivot_axes import OTHERS, node_index, node_paths

# region 0 keeps product 5 and groups 6, 7; regions 1 and 2 are grouped at the top;
# under the Others region, product 6 is kept and 5, 7 grouped again
GROUPED = {(0,): frozenset({6, 7}), (): frozenset({1, 2}), (OTHERS,): frozenset({5, 7})}
REAL = np.array([[0, 5], [0, 6], [0, 7], [1, 5], [1, 6], [2, 7], [3, 5]])


def test_node_paths_go_on_under_an_others_node() -> None:
    assert node_paths(GROUPED, REAL).tolist() == [
        [0, 5], [0, OTHERS], [0, OTHERS], [OTHERS, OTHERS], [OTHERS, 6], [OTHERS, OTHERS],
        [3, 5]]
    # one column: the top level alone
    assert node_paths(GROUPED, REAL[:, :1]).ravel().tolist() == [0, 0, 0, OTHERS, OTHERS,
                                                                 OTHERS, 3]
    assert node_paths({}, REAL).tolist() == REAL.tolist()


def test_node_index_finds_each_rows_node() -> None:
    paths = [(OTHERS, 6), (0, OTHERS), (OTHERS, OTHERS), (9, 9)]
    assert node_index(GROUPED, REAL, paths).tolist() == [-1, 1, 1, 2, 0, 2, -1]
    assert node_index(GROUPED, REAL, []).tolist() == [-1] * len(REAL)
