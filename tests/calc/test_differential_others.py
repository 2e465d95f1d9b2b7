"""Differential test of dimension limits ("Others") and dimension totals against DuckDB,
under seeded random selections, over a smaller copy of ``test_differential``'s star
schema (its generator, load script, SQL universe and selections).

What the SQL models (``calc/others.py``): the values of the dimension (the NULL one
included) ranked by the first measure, largest first; with ``OTHER_COUNTED`` N and more
than N values, the N-1 first stay and one Others row holds the measures over the records
of all the others (so ``Count(DISTINCT …)`` is over their union, not a sum). A dimension
total (``TOTAL_EXPR`` on the inner dimension) is the measures over the records of each
outer value.
"""

from __future__ import annotations

from typing import Any

import pytest

duckdb = pytest.importorskip("duckdb")

from associa.calc import HyperCube  # noqa: E402
from associa.select import Inference  # noqa: E402
from associa.values import DEFAULT_LOCALE  # noqa: E402
from tests.calc.test_differential import (  # noqa: E402
    CORNER_SELECTIONS,
    TABLES_OF,
    Selection,
    Spec,
    Star,
    build_star,
    random_selections,
    same_number,
    selection_id,
    selection_state,
    where_clause,
)

pytestmark = pytest.mark.slow

SPEC = Spec(n_facts=20_000, n_customers=300, n_products=80, n_random_selections=12)
SELECTIONS = CORNER_SELECTIONS[:4] + random_selections(SPEC.n_random_selections, SPEC)
MEASURES = [("Sum(Sales)", "COALESCE(SUM(Sales), 0)"),
            ("Count(DISTINCT CustomerID)", "COUNT(DISTINCT CustomerID)")]
COUNTED = 4


@pytest.fixture(scope="module")
def star(tmp_path_factory: pytest.TempPathFactory) -> Star:
    return build_star(tmp_path_factory.mktemp("star_others"), SPEC)


def _number(cell: dict[str, Any]) -> float | None:
    return None if cell.get("qIsNull") or cell["qNum"] == "NaN" else float(cell["qNum"])


def _rows(cube: HyperCube, width: int) -> list[list[dict[str, Any]]]:
    out: list[list[dict[str, Any]]] = []
    top = 0
    while top < cube.size["qcy"]:
        page = cube.pages([{"qLeft": 0, "qTop": top, "qWidth": width, "qHeight": 1000}])[0]
        out += page["qMatrix"]
        top += 1000
    return out


def _base(sel: Selection, dims: tuple[str, ...]) -> tuple[str, list[Any], str]:
    where, params = where_clause(sel)
    tables = dict.fromkeys(["fact", *(t for d in dims for t in TABLES_OF[d])])
    present = " OR ".join(f"has_{t}" for t in tables)
    return f"SELECT * FROM universe WHERE ({where}) AND ({present})", params, present


def _aggs() -> str:
    return ", ".join(sql for _, sql in MEASURES)


@pytest.mark.parametrize("sel", SELECTIONS, ids=selection_id)
@pytest.mark.parametrize("dim", ["Country", "Category"])
def test_others_row_matches_sql(star: Star, sel: Selection, dim: str) -> None:
    inference = Inference(star.model, selection_state(star.model, sel))
    definition = {
        "qDimensions": [{"qDef": {"qFieldDefs": [dim]}, "qOtherTotalSpec": {
            "qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": str(COUNTED)}}}],
        "qMeasures": [{"qDef": {"qDef": m}} for m, _ in MEASURES],
    }
    cube = HyperCube(star.model, inference, definition, DEFAULT_LOCALE)
    got = _rows(cube, 1 + len(MEASURES))
    base, params, _ = _base(sel, (dim,))
    ranked = star.db.execute(
        f"SELECT {dim}, {_aggs()} FROM ({base}) GROUP BY {dim} ORDER BY 2 DESC", params
    ).fetchall()
    if len(ranked) <= COUNTED:
        assert len(got) == len(ranked)
        assert all(row[0]["qElemNumber"] != -3 for row in got)
        assert "qHasOtherValues" not in cube.layout()
        return
    kept = ranked[:COUNTED - 1]
    if same_number(float(ranked[COUNTED - 2][1]), float(ranked[COUNTED - 1][1])):
        pytest.skip("a tie at the limit: which value stays is the load order's")
    assert len(got) == COUNTED
    shown = {None if r[0].get("qIsNull") else r[0]["qText"]: r for r in got[:-1]}
    assert set(shown) == {k[0] for k in kept}
    for value, *want in kept:
        for cell, w in zip(shown[value][1:], want, strict=True):
            assert same_number(_number(cell), None if w is None else float(w)), value
    other = got[-1]
    assert other[0]["qElemNumber"] == -3 and other[0]["qIsOtherCell"] is True
    names = [k[0] for k in kept if k[0] is not None]
    keep_null = any(k[0] is None for k in kept)
    cond = f"{dim} IS NULL OR {dim} NOT IN ({', '.join('?' for _ in names)})" if names \
        else "TRUE"
    if keep_null:
        cond = f"{dim} IS NOT NULL AND ({cond})"
    want = star.db.execute(f"SELECT {_aggs()} FROM ({base}) WHERE {cond}",
                           [*params, *names]).fetchone()
    for cell, w in zip(other[1:], want, strict=True):
        assert same_number(_number(cell), None if w is None else float(w)), "Others"


@pytest.mark.parametrize("sel", SELECTIONS, ids=selection_id)
def test_dimension_totals_match_sql(star: Star, sel: Selection) -> None:
    inference = Inference(star.model, selection_state(star.model, sel))
    definition = {
        "qDimensions": [{"qDef": {"qFieldDefs": ["Country"]}},
                        {"qDef": {"qFieldDefs": ["Segment"]},
                         "qOtherTotalSpec": {"qTotalMode": "TOTAL_EXPR"}}],
        "qMeasures": [{"qDef": {"qDef": m}} for m, _ in MEASURES],
    }
    cube = HyperCube(star.model, inference, definition, DEFAULT_LOCALE)
    got = _rows(cube, 2 + len(MEASURES))
    totals = {}
    previous = None
    for row in got:
        country = None if row[0].get("qIsNull") else row[0]["qText"]
        if row[1]["qElemNumber"] == -1:
            assert row[1]["qIsTotalCell"] is True and row[1]["qText"] == "Total"
            assert previous == country  # after the rows it totals
            totals[country] = [_number(c) for c in row[2:]]
        previous = country
    base, params, _ = _base(sel, ("Country", "Segment"))
    want = {r[0]: list(r[1:]) for r in star.db.execute(
        f"SELECT Country, {_aggs()} FROM ({base}) GROUP BY Country", params).fetchall()}
    assert set(totals) == set(want)
    for country, values in want.items():
        for g, w in zip(totals[country], values, strict=True):
            assert same_number(g, None if w is None else float(w)), country
