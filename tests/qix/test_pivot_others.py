"""Dimension limits on a pivot dimension checked against DuckDB: every cell of a pivot
whose inner left dimension keeps its top values under each outer value (the rest in an
Others node) is the SQL aggregate over the same rows, the Others rows grouped by a
window ranking per parent (``ROW_NUMBER() OVER (PARTITION BY region ...)``); the
distinct count over the Others rows' own records, not a sum of the values' counts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.conftest import Client

duckdb = pytest.importorskip("duckdb")

KEEP = 2  # values kept per region: counted KEEP + 1 (the Others node counts as one)


def rows() -> list[tuple[str, str, int, str, int]]:
    rng = np.random.default_rng(7)
    out = []
    for _ in range(300):
        region = f"R{rng.integers(1, 5)}"
        product = f"P{rng.integers(1, 9)}"
        year = int(rng.integers(2021, 2024))
        customer = f"C{rng.integers(1, 12)}"
        out.append((region, product, year, customer, int(rng.integers(1, 500))))
    return out


def script(data: list[tuple[Any, ...]]) -> str:
    lines = "\n".join(",".join(str(v) for v in r) for r in data)
    return f"Sales:\nLOAD * INLINE [\nRegion,Product,Year,Customer,Amount\n{lines}\n];\n"


def _sales(data: list[tuple[Any, ...]]) -> Any:
    """A DuckDB connection holding the rows as table ``sales``."""
    con = duckdb.connect()
    con.execute("CREATE TABLE sales (region TEXT, product TEXT, year INT, customer TEXT, "
                "amount INT)")
    con.executemany("INSERT INTO sales VALUES (?, ?, ?, ?, ?)", data)
    return con


def expected(data: list[tuple[Any, ...]]) -> dict[tuple[str, str, str], tuple[float, int]]:
    """{(region, product or Others, year): (Sum(Amount), Count(DISTINCT Customer))}: a
    region's products ranked by their Sum(Amount), ties in ascending text order."""
    con = _sales(data)
    got = con.execute(f"""
        WITH ranked AS (
            SELECT region, product,
                   ROW_NUMBER() OVER (PARTITION BY region
                                      ORDER BY SUM(amount) DESC, product) AS rn,
                   COUNT(*) OVER (PARTITION BY region) AS n
            FROM sales GROUP BY region, product)
        SELECT s.region,
               CASE WHEN r.n > {KEEP + 1} AND r.rn > {KEEP} THEN 'Others' ELSE s.product END,
               CAST(s.year AS TEXT), SUM(s.amount), COUNT(DISTINCT s.customer)
        FROM sales s JOIN ranked r USING (region, product)
        GROUP BY ALL""").fetchall()
    return {(a, b, c): (float(s), int(n)) for a, b, c, s, n in got}


def test_others_cells_match_duckdb(client: Client) -> None:
    data = rows()
    doc = client.session_app(script(data))
    props = {
        "qInfo": {"qType": "pivot-table"},
        "qHyperCubeDef": {
            "qMode": "P",
            "qDimensions": [
                {"qDef": {"qFieldDefs": ["Region"], "qSortCriterias": [{"qSortByAscii": 1}]}},
                {"qDef": {"qFieldDefs": ["Product"], "qSortCriterias": [{"qSortByAscii": 1}]},
                 "qOtherTotalSpec": {"qOtherMode": "OTHER_COUNTED",
                                     "qOtherCounted": {"qv": str(KEEP + 1)}}},
                {"qDef": {"qFieldDefs": ["Year"], "qSortCriterias": [{"qSortByAscii": 1}]}},
            ],
            "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}},
                          {"qDef": {"qDef": "Count(DISTINCT Customer)"}}],
            "qNoOfLeftDims": 2,
            "qAlwaysFullyExpanded": True,
            "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 20, "qHeight": 200}],
        },
    }
    h = client.create(props, doc)
    hc = client.layout(h)["qHyperCube"]
    page = hc["qPivotDataPages"][0]
    assert hc["qSize"]["qcy"] <= 200
    left = [(r["qText"], p["qText"]) for r in page["qLeft"] for p in r["qSubNodes"]]
    top = [(y["qText"], m["qElemNo"]) for y in page["qTop"] for m in y["qSubNodes"]]
    want = expected(data)
    # every region shows KEEP products and an Others node (4 regions, 8 products)
    shown = {(a, b) for a, b, _ in want}
    assert sorted(left) == sorted(shown)
    assert sum(1 for _, p in left if p == "Others") == 4
    seen = 0
    for (region, product), row in zip(left, page["qData"], strict=True):
        for (year, measure), cell in zip(top, row, strict=True):
            value = want.get((region, product, year))
            if value is None:
                assert cell["qType"] == "U"
                continue
            assert cell["qNum"] == value[measure], (region, product, year, measure)
            seen += product == "Others"
    assert seen == 4 * 3 * 2  # Others cells in every region, year and measure
    # the data tell a count over the records from a sum of the values' counts
    summed = summed_counts(data)
    assert any(want[k][1] < summed[k] for k in summed)


def summed_counts(data: list[tuple[Any, ...]]) -> dict[tuple[str, str, str], int]:
    """{(region, "Others", year): the sum of the Others products' own distinct counts}."""
    con = _sales(data)
    got = con.execute(f"""
        WITH ranked AS (
            SELECT region, product,
                   ROW_NUMBER() OVER (PARTITION BY region
                                      ORDER BY SUM(amount) DESC, product) AS rn
            FROM sales GROUP BY region, product),
        per AS (
            SELECT s.region, CAST(s.year AS TEXT) AS year, COUNT(DISTINCT s.customer) AS n
            FROM sales s JOIN ranked r USING (region, product)
            WHERE r.rn > {KEEP} GROUP BY s.region, s.product, s.year)
        SELECT region, year, SUM(n) FROM per GROUP BY ALL""").fetchall()
    return {(a, "Others", y): int(n) for a, y, n in got}
