"""Differential test of pivot hypercubes: every cell of a fully expanded pivot (two left
dimensions with totals, one top dimension with totals, the measures as the pseudo
dimension) against DuckDB ``GROUP BY CUBE``/``ROLLUP`` over the same records, under the
random selections of ``test_differential`` (its star schema and SQL model: records of the
tables the chart reads, selections as filters on the full outer join).

A cell at (left path, top path) is the measure over the records whose dimensions on both
paths have those values: a grouping set of the left prefix and the top prefix. The
grouping sets a pivot of left (A, B) and top (C) shows are ROLLUP(A, B) × ROLLUP(C):
``GROUP BY GROUPING SETS`` of every pair, with ``GROUPING()`` telling the levels apart.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.calc.test_differential import (
    MEASURES,
    SELECTIONS,
    TABLES_OF,
    Selection,
    Star,
    cell_number,
    same_number,
    selection_id,
    selection_state,
    where_clause,
)
from tests.calc.test_differential import star as star  # noqa: F401  (the fixture)

duckdb = pytest.importorskip("duckdb")

from associa.calc import HyperCube  # noqa: E402
from associa.select import Inference  # noqa: E402
from associa.values import DEFAULT_LOCALE  # noqa: E402

pytestmark = pytest.mark.slow

PIVOTS = [
    (("Segment", "Category"), ("Country",)),
    (("Brand",), ("Segment", "Quantity")),
]
TOTAL = "<total>"


def engine_pivot(star: Star, sel: Selection, left: tuple[str, ...], top: tuple[str, ...]
                 ) -> dict[tuple, list[float | None]]:
    """{(left texts, top texts): measure values}; a total's text is TOTAL."""
    inference = Inference(star.model, selection_state(star.model, sel))
    dims = [*left, *top]
    definition = {
        "qMode": "P",
        "qDimensions": [{"qDef": {"qFieldDefs": [d]},
                         "qOtherTotalSpec": {"qTotalMode": "TOTAL_EXPR"}} for d in dims],
        "qMeasures": [{"qDef": {"qDef": m}} for m, _ in MEASURES],
        "qNoOfLeftDims": len(left),
        "qAlwaysFullyExpanded": True,
    }
    cube = HyperCube(star.model, inference, definition, DEFAULT_LOCALE)
    layout = cube.layout()
    assert "qError" not in layout, layout["qError"]
    size = layout["qHyperCube"]["qSize"] if "qHyperCube" in layout else layout["qSize"]
    width = max(1, min(size["qcx"], 100))
    height = max(1, 10_000 // width)
    out: dict[tuple, list[float | None]] = {}
    rows: list[tuple] = []
    for top_at in range(0, max(size["qcy"], 1), height):
        for left_at in range(0, size["qcx"], width):
            page = cube.pivot_pages([{"qLeft": left_at, "qTop": top_at, "qWidth": width,
                                      "qHeight": height}])[0]
            lefts = _paths(page["qLeft"], len(left))
            tops = _paths(page["qTop"], len(top) + 1)
            for i, lpath in enumerate(lefts):
                for j, tpath in enumerate(tops):
                    key = (lpath, tpath[:-1])
                    m = int(tpath[-1])
                    cell = page["qData"][i][j]
                    out.setdefault(key, [None] * len(MEASURES))
                    out[key][m] = (None if cell["qType"] == "U"
                                   else cell_number({"qNum": cell["qNum"]}))
            if left_at == 0:
                rows += lefts
    assert len(rows) == size["qcy"]
    return out


def _paths(nodes: list[dict[str, Any]], depth: int) -> list[tuple]:
    """The leaves' paths of a page's tree, a pseudo node as its measure index."""
    out: list[tuple] = []

    def walk(ns: list[dict[str, Any]], path: tuple) -> None:
        for n in ns:
            if n["qType"] == "P":
                label: Any = n["qElemNo"]
            elif n["qType"] == "T":
                label = TOTAL
            elif n["qType"] == "U":
                label = None
            else:
                label = n["qText"]
            if n["qSubNodes"]:
                walk(n["qSubNodes"], (*path, label))
            else:
                out.append((*path, label))

    walk(nodes, ())
    assert all(len(p) == depth for p in out)
    return out


def sql_pivot(star: Star, sel: Selection, left: tuple[str, ...], top: tuple[str, ...]
              ) -> dict[tuple, list[float | None]]:
    where, params = where_clause(sel)
    dims = [*left, *top]
    tables = dict.fromkeys(["fact", *(t for d in dims for t in TABLES_OF[d])])
    present = " OR ".join(f"has_{t}" for t in tables)
    aggs = ", ".join(sql for _, sql in MEASURES)
    sets = ", ".join("(" + ", ".join([*left[:a], *top[:b]]) + ")"
                     for a in range(len(left) + 1) for b in range(len(top) + 1))
    flags = ", ".join(f"GROUPING({d})" for d in dims)
    query = (f"WITH sel AS (SELECT * FROM universe WHERE {where}) "
             f"SELECT {', '.join(dims)}, {flags}, {aggs} FROM sel WHERE {present} "
             f"GROUP BY GROUPING SETS ({sets})")
    out: dict[tuple, list[float | None]] = {}
    n = len(dims)
    for rec in star.db.execute(query, params).fetchall():
        labels = [TOTAL if rec[n + i] else (None if rec[i] is None else str(rec[i]))
                  for i in range(n)]
        key = (tuple(labels[:len(left)]), tuple(labels[len(left):]))
        out[key] = [None if v is None else float(v) for v in rec[2 * n:]]
    return out


@pytest.mark.parametrize("sel", SELECTIONS[:14], ids=selection_id)
@pytest.mark.parametrize("left,top", PIVOTS, ids=lambda x: "x".join(x))
def test_pivot_cells_match_rollup(star: Star, sel: Selection, left: tuple[str, ...],  # noqa: F811
                                  top: tuple[str, ...]) -> None:
    got = engine_pivot(star, sel, left, top)
    want = sql_pivot(star, sel, left, top)
    names = [m for m, _ in MEASURES]
    # every combination SQL groups shows as a cell; a pivot also crosses a left path with
    # a top path that share no record (NULL: no group there)
    if not got:  # no record: an empty pivot, where SQL still has its grand total
        assert set(want) <= {((TOTAL,) * len(left), (TOTAL,) * len(top))}
        return
    missing = set(want) - set(got)
    assert not missing, sorted(missing, key=str)[:5]
    for key, values in got.items():
        expect = want.get(key)
        for name, g, w in zip(names, values, expect or [None] * len(names), strict=True):
            if expect is None:
                assert g is None, f"{key} {name}: engine {g}, no records in SQL"
            else:
                assert same_number(g, w), f"{key} {name}: engine {g} SQL {w}"
