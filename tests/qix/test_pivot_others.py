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


# -- an Others node that expands ----------------------------------------------------------
# Region limited to KEEP values and Others; under every region node (Others included)
# Product limited to KEEP values and Others by its own limit, ranked over the node's
# records: Others' children are the products of the records of every region it groups.

LIMIT = {"qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": str(KEEP + 1)}}


def grouped_sql() -> str:
    """SQL of table ``g``: each sales row with its region node (a region or 'Others')
    and its product node under that region node (a product or 'Others'): ranks by
    Sum(amount), descending, ties in ascending text order (the dimensions' order)."""
    return f"""
        CREATE TEMP TABLE g AS
        WITH r AS (
            SELECT region, ROW_NUMBER() OVER (ORDER BY SUM(amount) DESC, region) AS rn,
                   COUNT(*) OVER () AS n FROM sales GROUP BY region),
        s1 AS (
            SELECT s.*, CASE WHEN r.n > {KEEP + 1} AND r.rn > {KEEP} THEN 'Others'
                             ELSE s.region END AS rnode
            FROM sales s JOIN r USING (region)),
        p AS (
            SELECT rnode, product,
                   ROW_NUMBER() OVER (PARTITION BY rnode
                                      ORDER BY SUM(amount) DESC, product) AS rn,
                   COUNT(*) OVER (PARTITION BY rnode) AS n
            FROM s1 GROUP BY rnode, product)
        SELECT s1.*, CASE WHEN p.n > {KEEP + 1} AND p.rn > {KEEP} THEN 'Others'
                          ELSE s1.product END AS pnode
        FROM s1 JOIN p USING (rnode, product)"""


def node_order(names: list[str]) -> list[str]:
    """Nodes under a parent: the values in text order, Others last."""
    return sorted(n for n in names if n != "Others") + (["Others"] if "Others" in names else [])


def nested_pivot(**extra: Any) -> dict[str, Any]:
    return {
        "qInfo": {"qType": "pivot-table"},
        "qHyperCubeDef": {
            "qMode": "P",
            "qDimensions": [
                {"qDef": {"qFieldDefs": ["Region"], "qSortCriterias": [{"qSortByAscii": 1}]},
                 "qOtherTotalSpec": LIMIT},
                {"qDef": {"qFieldDefs": ["Product"], "qSortCriterias": [{"qSortByAscii": 1}]},
                 "qOtherTotalSpec": LIMIT},
                {"qDef": {"qFieldDefs": ["Year"], "qSortCriterias": [{"qSortByAscii": 1}]}},
            ],
            "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}},
                          {"qDef": {"qDef": "Count(DISTINCT Customer)"}}],
            "qNoOfLeftDims": 2,
            "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 20, "qHeight": 200}],
            **extra,
        },
    }


def tree(nodes: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    return [(n["qText"], [c.get("qText", str(c["qElemNo"])) for c in n["qSubNodes"]])
            for n in nodes]


def cells_by_key(page: dict[str, Any]) -> dict[tuple[str, str, str, int], Any]:
    """{(region node, product node or '', year, measure): qNum or None} of a page whose
    left rows are region › product (or a collapsed region) and top year › measure."""
    rows = [(r["qText"], p.get("qText", "")) for r in page["qLeft"] for p in r["qSubNodes"]]
    cols = [(y["qText"], m["qElemNo"]) for y in page["qTop"] for m in y["qSubNodes"]]
    return {(a, b, y, m): (cell["qNum"] if cell["qType"] == "V" else None)
            for (a, b), row in zip(rows, page["qData"], strict=True)
            for (y, m), cell in zip(cols, row, strict=True)}


def duck_cells(con: Any, by_product: bool) -> dict[tuple[str, str, str, int], Any]:
    product = "pnode" if by_product else "''"
    out: dict[tuple[str, str, str, int], Any] = {}
    for a, b, y, s, n in con.execute(f"""
            SELECT rnode, {product}, CAST(year AS TEXT), SUM(amount),
                   COUNT(DISTINCT customer) FROM g GROUP BY ALL""").fetchall():
        out[(a, b, y, 0)] = float(s)
        out[(a, b, y, 1)] = int(n)
    return out


@pytest.fixture
def nested(client: Client) -> tuple[Client, Any]:
    data = rows()
    client.session_app(script(data))
    con = _sales(data)
    con.execute(grouped_sql())
    return client, con


def expected_tree(con: Any) -> list[tuple[str, list[str]]]:
    pairs = con.execute("SELECT DISTINCT rnode, pnode FROM g").fetchall()
    regions = node_order(sorted({a for a, _ in pairs}))
    return [(a, node_order([b for x, b in pairs if x == a])) for a in regions]


def test_expanding_every_node_opens_the_others_node(nested: tuple[Client, Any]) -> None:
    client, con = nested
    h = client.create(nested_pivot())
    client.call("ExpandLeft", "/qHyperCubeDef", 0, 0, True, handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    want_tree = expected_tree(con)
    assert tree(page["qLeft"]) == want_tree
    assert want_tree[-1][0] == "Others" and want_tree[-1][1][-1] == "Others"
    others = page["qLeft"][-1]
    assert (others["qElemNo"], others["qType"], others.get("qCanCollapse")) == (-3, "O", True)
    got = cells_by_key(page)
    want = duck_cells(con, True)
    for key, value in got.items():
        assert value == want.get(key), key
    assert {k for k, v in got.items() if v is not None} == set(want)
    # the Others region's products are ranked over its own records: its kept products
    # are not those of the sum of the kept regions' rankings (the data show it)
    assert [b for b in want_tree[-1][1] if b != "Others"]


def test_always_fully_expanded_shows_the_same_cells(nested: tuple[Client, Any]) -> None:
    client, con = nested
    h = client.create(nested_pivot(qAlwaysFullyExpanded=True))
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert tree(page["qLeft"]) == expected_tree(con)
    assert all("qCanCollapse" not in n and "qCanExpand" not in n for n in page["qLeft"])
    got = {k: v for k, v in cells_by_key(page).items() if v is not None}
    assert got == duck_cells(con, True)


def test_expand_and_collapse_the_others_node_alone(nested: tuple[Client, Any]) -> None:
    client, con = nested
    h = client.create(nested_pivot())
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    # nothing expanded: one row per region node, Others the last, each expandable
    assert [(n["qText"], n.get("qCanExpand")) for n in page["qLeft"]] == [
        (a, True) for a, _ in expected_tree(con)]
    rows_before = len(page["qLeft"])
    want = duck_cells(con, False)
    got = {k: v for k, v in cells_by_key(page).items() if v is not None}
    assert got == want  # the collapsed rows are the region nodes' subtotals
    client.call("ExpandLeft", "/qHyperCubeDef", rows_before - 1, 0, False, handle=h)
    props = client.call("GetProperties", handle=h)["qProp"]["qHyperCubeDef"]
    # the node's path of element numbers, -3 for Others (qExcludeList false: left out)
    assert props["qExpansionState"] == [
        {"qPos": {"qDimName": "Region", "qElemNo": [-3], "qElemValues": []}}]
    hc = client.layout(h)["qHyperCube"]
    page = hc["qPivotDataPages"][0]
    assert hc["qLastExpandedPos"] == {"qx": 0, "qy": rows_before - 1}
    others = page["qLeft"][-1]
    assert others.get("qCanCollapse") is True
    assert [p["qText"] for p in others["qSubNodes"]] == expected_tree(con)[-1][1]
    assert [n.get("qCanExpand") for n in page["qLeft"][:-1]] == [True] * (rows_before - 1)
    by_product = duck_cells(con, True)
    for (a, b, y, m), value in cells_by_key(page).items():
        want_value = by_product.get((a, b, y, m)) if a == "Others" else want.get((a, b, y, m))
        assert value == want_value, (a, b, y, m)
    client.call("CollapseLeft", "/qHyperCubeDef", rows_before - 1, 0, False, handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert len(page["qLeft"]) == rows_before and page["qLeft"][-1].get("qCanExpand") is True
    assert {k: v for k, v in cells_by_key(page).items() if v is not None} == want


def test_pages_through_the_others_children(nested: tuple[Client, Any]) -> None:
    """A page that starts inside the Others node's children: the node is cut (qUp),
    the cells are the page's slice of the whole."""
    client, con = nested
    h = client.create(nested_pivot(qAlwaysFullyExpanded=True))
    full = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    nrows = len(full["qData"])
    kids = len(expected_tree(con)[-1][1])
    top = nrows - kids + 1  # the Others node's second child
    page = client.call("GetHyperCubePivotData", "/qHyperCubeDef",
                       [{"qLeft": 1, "qTop": top, "qWidth": 3, "qHeight": 50}],
                       handle=h)["qDataPages"][0]
    assert page["qArea"] == {"qLeft": 1, "qTop": top, "qWidth": 3, "qHeight": kids - 1}
    assert [(n["qText"], n["qUp"], n["qDown"]) for n in page["qLeft"]] == [("Others", 1, 0)]
    assert [p["qText"] for p in page["qLeft"][0]["qSubNodes"]] == expected_tree(con)[-1][1][1:]
    assert page["qData"] == [row[1:4] for row in full["qData"][top:]]


def test_others_on_top_expands_with_expand_top(client: Client) -> None:
    """Region and Product on top (limited as on the left), Year left, Sum(Amount):
    ExpandTop at the Others column opens it into its products; CollapseTop closes it.
    Region's attribute expression on its top nodes, the Others node's over its own
    records."""
    data = rows()
    client.session_app(script(data))
    con = _sales(data)
    con.execute(grouped_sql())
    props = nested_pivot(qInterColumnSortOrder=[2, 0, 1], qNoOfLeftDims=1)
    props["qHyperCubeDef"]["qMeasures"] = props["qHyperCubeDef"]["qMeasures"][:1]
    props["qHyperCubeDef"]["qDimensions"][0]["qAttributeExpressions"] = [
        {"qExpression": "Count(DISTINCT Customer)"}]
    h = client.create(props)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    regions = [a for a, _ in expected_tree(con)]
    assert [n["qText"] for n in page["qTop"]] == regions
    # a top node's attribute over its records, the left summed up: Others' too
    customers = dict(con.execute(
        "SELECT rnode, COUNT(DISTINCT customer) FROM g GROUP BY ALL").fetchall())
    assert [n["qAttrExps"]["qValues"][0]["qNum"] for n in page["qTop"]] == [
        customers[a] for a in regions]
    client.call("ExpandTop", "/qHyperCubeDef", 0, len(regions) - 1, False, handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    others = page["qTop"][-1]
    assert (others["qElemNo"], others.get("qCanCollapse")) == (-3, True)
    products = expected_tree(con)[-1][1]
    assert [p["qText"] for p in others["qSubNodes"]] == products
    cols = [(n["qText"], "") for n in page["qTop"][:-1]] + [("Others", p) for p in products]
    years = [n["qText"] for n in page["qLeft"]]
    want = {(a, b, y): float(s) for a, b, y, s in con.execute(
        "SELECT rnode, CASE WHEN rnode = 'Others' THEN pnode ELSE '' END, "
        "CAST(year AS TEXT), SUM(amount) FROM g GROUP BY ALL").fetchall()}
    for y, row in zip(years, page["qData"], strict=True):
        for (a, b), cell in zip(cols, row, strict=True):
            assert (cell["qNum"] if cell["qType"] == "V" else None) == want.get((a, b, y))
    client.call("CollapseTop", "/qHyperCubeDef", 0, len(regions) - 1, False, handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    assert [n["qText"] for n in page["qTop"]] == regions
    assert page["qTop"][-1].get("qCanExpand") is True


def test_others_nodes_carry_their_attributes(nested: tuple[Client, Any]) -> None:
    """Region's attribute expression and attribute dimension on its nodes, Product's
    on its nodes under Others: each over the node's own records (the top summed up)."""
    client, con = nested
    props = nested_pivot(qAlwaysFullyExpanded=True)
    dims = props["qHyperCubeDef"]["qDimensions"]
    dims[0]["qAttributeExpressions"] = [{"qExpression": "Count(DISTINCT Customer)"}]
    dims[0]["qAttributeDimensions"] = [{"qDef": "Region"}]
    dims[1]["qAttributeExpressions"] = [{"qExpression": "Sum(Amount)"}]
    props["qHyperCubeDef"]["qMeasures"][0]["qAttributeDimensions"] = [{"qDef": "Region"}]
    h = client.create(props)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    # a measure's attribute dimension on every cell, Others cells included: the one
    # region of the cell's records, '-' where there are several
    cell_region = {(a, b, y): r for a, b, y, r in con.execute(
        "SELECT rnode, pnode, CAST(year AS TEXT), CASE WHEN COUNT(DISTINCT region) = 1 "
        "THEN MIN(region) ELSE '-' END FROM g GROUP BY ALL").fetchall()}
    rows_ = [(r["qText"], p["qText"]) for r in page["qLeft"] for p in r["qSubNodes"]]
    cols = [(y["qText"], m["qElemNo"]) for y in page["qTop"] for m in y["qSubNodes"]]
    seen = 0
    for (a, b), row in zip(rows_, page["qData"], strict=True):
        for (y, m), cell in zip(cols, row, strict=True):
            if m == 0 and cell["qType"] == "V":
                assert cell["qAttrDims"]["qValues"][0]["qText"] == cell_region[(a, b, y)]
                seen += a == "Others" and cell_region[(a, b, y)] == "-"
    assert seen
    want_region = dict(con.execute(
        "SELECT rnode, COUNT(DISTINCT customer) FROM g GROUP BY ALL").fetchall())
    single = dict(con.execute(
        "SELECT rnode, CASE WHEN COUNT(DISTINCT region) = 1 THEN MIN(region) ELSE '-' END "
        "FROM g GROUP BY ALL").fetchall())
    for node in page["qLeft"]:
        assert node["qAttrExps"]["qValues"][0]["qNum"] == want_region[node["qText"]]
        assert node["qAttrDims"]["qValues"][0]["qText"] == single[node["qText"]]
    assert single["Others"] == "-"  # several regions: no single value
    want_product = {(a, b): float(s) for a, b, s in con.execute(
        "SELECT rnode, pnode, SUM(amount) FROM g GROUP BY ALL").fetchall()}
    for node in page["qLeft"]:
        for kid in node["qSubNodes"]:
            assert kid["qAttrExps"]["qValues"][0]["qNum"] == \
                want_product[(node["qText"], kid["qText"])], (node["qText"], kid["qText"])


def test_y_value_sort_orders_the_others_children(nested: tuple[Client, Any]) -> None:
    """qSortbyYValue -1 with the measures on top: the Others node's products in
    descending Sum(Amount) over its own records, its own Others node last."""
    client, con = nested
    props = nested_pivot(qAlwaysFullyExpanded=True, qSortbyYValue=-1)
    props["qHyperCubeDef"]["qMeasures"] = props["qHyperCubeDef"]["qMeasures"][:1]
    h = client.create(props)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    others = page["qLeft"][-1]
    assert others["qText"] == "Others"
    want = [b for b, _ in con.execute(
        "SELECT pnode, SUM(amount) AS s FROM g WHERE rnode = 'Others' AND pnode <> 'Others' "
        "GROUP BY ALL ORDER BY s DESC").fetchall()]
    got = [p["qText"] for p in others["qSubNodes"]]
    assert got[:-1] == want and got[-1] == "Others"


def test_inter_record_functions_read_others_rows_as_rows(nested: tuple[Client, Any]) -> None:
    """Above() and RowNo() in a pivot whose region and product nodes include Others,
    every node expanded: an Others row is a row of its parent's column segment (its
    last), so Above() in it reads the row above and RowNo() counts it; the rows under
    the Others region are a segment of their own. Checked against DuckDB's LAG and
    ROW_NUMBER over the grid of rows × years (a cell without data is NULL to Above)."""
    client, con = nested
    props = nested_pivot(qAlwaysFullyExpanded=True)
    props["qHyperCubeDef"]["qMeasures"] = [
        {"qDef": {"qDef": "Sum(Amount)"}}, {"qDef": {"qDef": "Above(Sum(Amount))"}},
        {"qDef": {"qDef": "RowNo()"}}]
    h = client.create(props)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    got = cells_by_key(page)
    want: dict[tuple[str, str, str, int], Any] = {}
    for a, b, y, s, above, row_no in con.execute("""
            WITH rowsq AS (SELECT DISTINCT rnode, pnode FROM g),
                 years AS (SELECT DISTINCT CAST(year AS TEXT) AS year FROM g),
                 sums AS (SELECT rnode, pnode, CAST(year AS TEXT) AS year, SUM(amount) AS s
                          FROM g GROUP BY ALL),
                 cells AS (SELECT * FROM rowsq CROSS JOIN years)
            SELECT c.rnode, c.pnode, c.year, s.s,
                   LAG(s.s) OVER w, ROW_NUMBER() OVER w
            FROM cells c LEFT JOIN sums s USING (rnode, pnode, year)
            WINDOW w AS (PARTITION BY c.rnode, c.year
                         ORDER BY c.pnode = 'Others', c.pnode)""").fetchall():
        want[(a, b, y, 0)] = None if s is None else float(s)
        want[(a, b, y, 1)] = None if above is None else float(above)
        want[(a, b, y, 2)] = row_no
    assert set(got) == set(want)
    for key, value in want.items():
        assert got[key] == value, key
    # the data hold Others rows with a value above them
    assert any(v is not None for (a, b, _, m), v in want.items() if b == "Others" and m == 1)
    assert any(a == "Others" for a, _, _, _ in want)


def test_selecting_a_cell_under_the_others_nodes(nested: tuple[Client, Any]) -> None:
    """SelectPivotCells on the data cell of the Others product under the Others region
    selects the regions the one groups, the products the other groups and the year: the
    sum over the selection is that cell's value (DuckDB's)."""
    client, con = nested
    props = nested_pivot(qAlwaysFullyExpanded=True)
    props["qHyperCubeDef"]["qMeasures"] = props["qHyperCubeDef"]["qMeasures"][:1]
    h = client.create(props)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    rows_ = [(r["qText"], p["qText"]) for r in page["qLeft"] for p in r["qSubNodes"]]
    years = [y["qText"] for y in page["qTop"]]
    row = rows_.index(("Others", "Others"))
    col = next(j for j, cell in enumerate(page["qData"][row]) if cell["qType"] == "V")
    want = con.execute("SELECT SUM(amount) FROM g WHERE rnode = 'Others' AND pnode = 'Others' "
                       "AND CAST(year AS TEXT) = ?", [years[col]]).fetchone()[0]
    assert page["qData"][row][col]["qNum"] == float(want)
    assert client.call("SelectPivotCells", "/qHyperCubeDef",
                       [{"qType": "D", "qRow": row, "qCol": col}], handle=h) == {"qSuccess": True}
    assert client.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == str(want)
    regions = [r for (r,) in con.execute(
        "SELECT DISTINCT region FROM g WHERE rnode = 'Others' ORDER BY region").fetchall()]
    got = client.call("Evaluate", "Concat(DISTINCT Region, ',', Region)", handle=1)["qReturn"]
    assert set(got.split(",")) <= set(regions)
    assert client.call("Evaluate", "GetSelectedCount(Region)", handle=1)["qReturn"] == \
        str(len(regions))


def test_collapse_inner_dimensions_keeps_the_others_node_closed(
        nested: tuple[Client, Any]) -> None:
    """qOtherCollapseInnerDimensions on Region: its Others node stays one row (a -4
    placeholder, no expand flag) even when every node is expanded, and ExpandLeft at
    its row is refused; its cells are the Others regions' subtotals."""
    client, con = nested
    props = nested_pivot()
    props["qHyperCubeDef"]["qDimensions"][0]["qOtherTotalSpec"] = {
        **LIMIT, "qOtherCollapseInnerDimensions": True}
    h = client.create(props)
    client.call("ExpandLeft", "/qHyperCubeDef", 0, 0, True, handle=h)
    page = client.layout(h)["qHyperCube"]["qPivotDataPages"][0]
    others = page["qLeft"][-1]
    assert others["qText"] == "Others"
    assert "qCanExpand" not in others and "qCanCollapse" not in others
    assert [n["qElemNo"] for n in others["qSubNodes"]] == [-4]
    assert all(n.get("qCanCollapse") for n in page["qLeft"][:-1])
    subtotals = {k: v for k, v in duck_cells(con, False).items() if k[0] == "Others"}
    got = {k: v for k, v in cells_by_key(page).items() if k[0] == "Others" and v is not None}
    assert got == subtotals
    row = len(page["qData"]) - 1
    assert client.error("ExpandLeft", "/qHyperCubeDef", row, 0, False, handle=h)["code"] == 8
