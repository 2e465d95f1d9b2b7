"""GenericObject's other hypercube modes over QIX: stacked and tree data, reduced, binned
and continuous pages, range selections from charts, drill-down and cyclic groups.

Expected numbers come from DuckDB over the same rows (or are worked out by hand in the
comments), never from the engine."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Client

duckdb = pytest.importorskip("duckdb")

GOLDEN = Path(__file__).parent.parent / "golden" / "hypercubes"


def _rows(seed: int = 7, n: int = 60) -> list[tuple[str, str, int, int]]:
    rng = random.Random(seed)
    return [(rng.choice("ABCDE"), rng.choice(["p", "q", "r"]), rng.randint(-20, 90),
             rng.randint(1, 30)) for _ in range(n)]


ROWS = _rows()


def _script(rows: list[tuple[str, str, int, int]]) -> str:
    body = "\n".join(f"{r}, {p}, {a}, {b}" for r, p, a, b in rows)
    return f"Facts:\nLOAD * INLINE [\nRegion, Product, Amount, Qty\n{body}\n];\n"


@pytest.fixture
def db() -> Any:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (Region VARCHAR, Product VARCHAR, Amount INTEGER, Qty INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", ROWS)
    return con


@pytest.fixture
def app(client: Client) -> Client:
    client.session_app(_script(ROWS))
    return client


def cube(mode: str = "S", dims: tuple[str, ...] = ("Region", "Product"),
         measures: tuple[str, ...] = ("Sum(Amount)",), **extra: Any) -> dict[str, Any]:
    return {"qInfo": {"qType": "chart"}, "qHyperCubeDef": {
        "qMode": mode,
        "qDimensions": [{"qDef": {"qFieldDefs": [d], "qSortCriterias": [{"qSortByAscii": 1}]}}
                        for d in dims],
        "qMeasures": [{"qDef": {"qDef": m}} for m in measures], **extra}}


def listbox(c: Client, field: str) -> int:
    return c.create({"qInfo": {"qType": "lb"}, "qListObjectDef": {
        "qDef": {"qFieldDefs": [field], "qSortCriterias": [{"qSortByAscii": 1}]},
        "qInitialDataFetch": [{"qWidth": 1, "qHeight": 100}]}})


def selected(c: Client, lb: int) -> list[str]:
    (page,) = c.layout(lb)["qListObject"]["qDataPages"]
    return [r[0]["qText"] for r in page["qMatrix"] if r[0]["qState"] == "S"]


# -- stacked --------------------------------------------------------------------------


def test_stack_data_is_the_tree_of_the_rows_with_sums_from_sql(app: Client, db: Any) -> None:
    h = app.create(cube("K"))
    (page,) = app.call("GetHyperCubeStackData", "/qHyperCubeDef",
                       [{"qLeft": 0, "qTop": 0, "qWidth": 3, "qHeight": 10}], handle=h)["qDataPages"]
    (root,) = page["qData"]
    assert root["qType"] == "R" and root["qElemNo"] == 0
    got = {(reg["qText"], prod["qText"]): prod["qSubNodes"][0]["qValue"]
           for reg in root["qSubNodes"] for prod in reg["qSubNodes"]}
    want = dict(((r, p), s) for r, p, s in db.execute(
        "SELECT Region, Product, SUM(Amount) FROM t GROUP BY ALL").fetchall())
    assert got == want
    assert [n["qText"] for n in root["qSubNodes"]] == sorted({r for r, _ in want})
    pos = dict(db.execute("SELECT Region, SUM(GREATEST(s, 0)) FROM (SELECT Region, Product, "
                          "SUM(Amount) s FROM t GROUP BY ALL) GROUP BY Region").fetchall())
    neg = dict(db.execute("SELECT Region, SUM(LEAST(s, 0)) FROM (SELECT Region, Product, "
                          "SUM(Amount) s FROM t GROUP BY ALL) GROUP BY Region").fetchall())
    for reg in root["qSubNodes"]:
        assert reg["qType"] == "N" and reg["qMaxPos"] == pos[reg["qText"]]
        assert reg["qMinNeg"] == neg[reg["qText"]]
        for prod in reg["qSubNodes"]:
            (leaf,) = prod["qSubNodes"]
            assert leaf["qType"] == "V" and leaf["qText"] == str(leaf["qValue"])
    assert root["qMaxPos"] == sum(pos.values())
    assert page["qArea"]["qHeight"] == len(pos)


def test_stack_pages_address_the_outer_level(app: Client) -> None:
    h = app.create(cube("K"))
    pages = app.call("GetHyperCubeStackData", "/qHyperCubeDef",
                     [{"qLeft": 0, "qTop": 1, "qWidth": 3, "qHeight": 2}], handle=h)["qDataPages"]
    assert [n["qText"] for n in pages[0]["qData"][0]["qSubNodes"]] == ["B", "C"]
    assert pages[0]["qArea"] == {"qLeft": 0, "qTop": 1, "qWidth": 3, "qHeight": 2}
    capped = app.call("GetHyperCubeStackData", "/qHyperCubeDef",
                      [{"qLeft": 0, "qTop": 0, "qWidth": 3, "qHeight": 5}], 1, handle=h)
    assert [n["qText"] for n in capped["qDataPages"][0]["qData"][0]["qSubNodes"]] == ["A"]
    err = app.error("GetHyperCubeStackData", "/qHyperCubeDef", [{"qTop": -1}], handle=h)
    assert err["code"] == 8
    err = app.error("GetHyperCubeStackData", "/qListObjectDef", [], handle=h)
    assert err["code"] == 4
    assert app.call("GetHyperCubeStackData", "/qHyperCubeDef", [{"qHeight": 1}],
                    handle=h)["qDataPages"][0]["qArea"]["qHeight"] == 1  # still usable


def _limited(spec0: dict[str, Any], spec1: dict[str, Any]) -> dict[str, Any]:
    d = cube("K")
    for dim, spec in zip(d["qHyperCubeDef"]["qDimensions"], (spec0, spec1), strict=True):
        if spec:
            dim["qOtherTotalSpec"] = spec
    return d


def _root(app: Client, h: int) -> dict[str, Any]:
    (page,) = app.call("GetHyperCubeStackData", "/qHyperCubeDef",
                       [{"qLeft": 0, "qTop": 0, "qWidth": 3, "qHeight": 20}],
                       handle=h)["qDataPages"]
    return page["qData"][0]


def test_stack_others_and_totals_nodes_from_sql(app: Client, db: Any) -> None:
    """The outer dimension limited to 3 values (2 and Others, by Sum(Amount)), the inner
    one totalled: an "O" node (qElemNo -3) with the products of the other regions, a "T"
    node (qElemNo -1) last under each region; totals count in no other cell's qMaxPos."""
    h = app.create(_limited({"qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": "3"}},
                            {"qTotalMode": "TOTAL_EXPR"}))
    root = _root(app, h)
    ranked = [r for r, _ in db.execute(
        "SELECT Region, SUM(Amount) s FROM t GROUP BY Region ORDER BY s DESC").fetchall()]
    top, rest = sorted(ranked[:2]), ranked[2:]
    assert [(n["qText"], n["qType"]) for n in root["qSubNodes"]] == [
        (top[0], "N"), (top[1], "N"), ("Others", "O")]
    others = root["qSubNodes"][2]
    assert others["qElemNo"] == -3
    names = ", ".join(f"'{r}'" for r in rest)
    want = dict(db.execute(f"SELECT Product, SUM(Amount) FROM t WHERE Region IN ({names}) "
                           "GROUP BY Product").fetchall())
    *prods, total = others["qSubNodes"]
    assert {p["qText"]: p["qSubNodes"][0]["qValue"] for p in prods} == want
    assert (total["qType"], total["qElemNo"], total["qText"]) == ("T", -1, "Total")
    (leaf,) = total["qSubNodes"]
    assert leaf["qValue"] == sum(want.values()) == total["qMaxPos"]
    for reg in root["qSubNodes"][:2]:
        *prods, total = reg["qSubNodes"]
        (region_sum,) = db.execute("SELECT SUM(Amount) FROM t WHERE Region = ?",
                                   [reg["qText"]]).fetchone()
        assert total["qType"] == "T" and total["qSubNodes"][0]["qValue"] == region_sum
        pos = sum(max(p["qSubNodes"][0]["qValue"], 0) for p in prods)
        assert reg["qMaxPos"] == pos  # the total row not counted twice
    (pos_all,) = db.execute("SELECT SUM(GREATEST(s, 0)) FROM (SELECT Region, Product, "
                            "SUM(Amount) s FROM t GROUP BY ALL)").fetchone()
    assert root["qMaxPos"] == pos_all


def test_stack_inner_others_and_outer_total(app: Client, db: Any) -> None:
    """Products limited to 2 within each region (the greatest and Others when a region
    has more than 2), regions totalled: the outer "Total" node is counted in qcy and holds
    an inner total cell over the grand total."""
    h = app.create(_limited({"qTotalMode": "TOTAL_EXPR"},
                            {"qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": "2"}}))
    root = _root(app, h)
    per = {}
    for r, p, s in db.execute("SELECT Region, Product, SUM(Amount) FROM t GROUP BY ALL"
                              ).fetchall():
        per.setdefault(r, {})[p] = s
    *regions, total = root["qSubNodes"]
    assert [n["qText"] for n in regions] == sorted(per)
    for reg in regions:
        sums = per[reg["qText"]]
        got = [(n["qType"], n["qSubNodes"][0]["qValue"]) for n in reg["qSubNodes"]]
        if len(sums) <= 2:
            assert sorted(v for _, v in got) == sorted(sums.values())
            assert all(t == "N" for t, _ in got)
        else:
            assert got == [("N", max(sums.values())),
                           ("O", sum(sums.values()) - max(sums.values()))]
    (grand,) = db.execute("SELECT SUM(Amount) FROM t").fetchone()
    assert (total["qType"], total["qElemNo"]) == ("T", -1)
    (inner,) = total["qSubNodes"]
    assert inner["qType"] == "T" and inner["qSubNodes"][0]["qValue"] == grand
    layout = app.layout(h)["qHyperCube"]
    assert layout["qSize"]["qcy"] == len(per) + 1 and layout["qHasOtherValues"] is True


def test_stacked_layout_golden() -> None:
    """The stacked layout of a small cube, pages written by hand (golden JSON)."""
    from associa.calc.stacked import StackedTable

    case = json.loads((GOLDEN / "K" / "two_dims.json").read_text())
    table = _table(case["tables"], case["definition"])
    layout = StackedTable(table).layout()
    assert layout["qMode"] == "K" and layout["qDataPages"] == []
    assert layout["qSize"] == case["qSize"]
    assert _strip(layout["qStackedDataPages"]) == case["qStackedDataPages"]


def test_max_stacked_cells_cuts_the_initial_fetch() -> None:
    from associa.calc.stacked import StackedTable

    case = json.loads((GOLDEN / "K" / "two_dims.json").read_text())
    definition = dict(case["definition"], qMaxStackedCells=6)
    # A (1 + 2 products × 2 cells) = 5 cells, with the root 6; B would make 11
    pages = StackedTable(_table(case["tables"], definition)).layout()["qStackedDataPages"]
    assert [n["qText"] for n in pages[0]["qData"][0]["qSubNodes"]] == ["A"]


def _table(tables: dict[str, Any], definition: dict[str, Any]) -> Any:
    from associa.calc import HyperCube
    from associa.model.builder import model_from_rows
    from associa.select import Inference, SelectionState
    from associa.values import DEFAULT_LOCALE

    model = model_from_rows(tables)
    return HyperCube(model, Inference(model, SelectionState()), definition, DEFAULT_LOCALE)


def _strip(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pages with only the members the golden files give."""
    keep = ("qText", "qElemNo", "qValue", "qType", "qMaxPos", "qMinNeg", "qRow", "qSubNodes")

    def cell(c: dict[str, Any]) -> dict[str, Any]:
        out = {k: c[k] for k in keep if k in c}
        out["qSubNodes"] = [cell(s) for s in c["qSubNodes"]]
        return out

    return [{"qData": [cell(c) for c in p["qData"]], "qArea": p["qArea"]} for p in pages]


# -- tree -----------------------------------------------------------------------------


def test_tree_nodes_carry_each_levels_measures_from_sql(app: Client, db: Any) -> None:
    h = app.create(cube("T", measures=("Sum(Amount)", "Count(distinct Product)")))
    (root,) = app.call("GetHyperCubeTreeData", "/qHyperCubeDef", handle=h)["qNodes"]
    assert root["qType"] == "R"
    total, products = db.execute("SELECT SUM(Amount), COUNT(DISTINCT Product) FROM t").fetchone()
    assert [v["qValue"] for v in root["qValues"]] == [total, products]
    level1 = dict((r, (s, n)) for r, s, n in db.execute(
        "SELECT Region, SUM(Amount), COUNT(DISTINCT Product) FROM t GROUP BY Region").fetchall())
    level2 = dict(((r, p), s) for r, p, s in db.execute(
        "SELECT Region, Product, SUM(Amount) FROM t GROUP BY ALL").fetchall())
    assert {n["qText"]: tuple(v["qValue"] for v in n["qValues"]) for n in root["qNodes"]} == level1
    for i, reg in enumerate(root["qNodes"]):
        assert reg["qGroupPos"] == i and reg["qTreePath"] == []
        assert reg["qGroupSize"] == len(reg["qNodes"])
        for j, prod in enumerate(reg["qNodes"]):
            assert prod["qValues"][0]["qValue"] == level2[(reg["qText"], prod["qText"])]
            assert prod["qTreePath"] == [i] and prod["qGroupPos"] == j


def test_tree_golden() -> None:
    """A tree's nodes and layout over the cubes of its levels, written by hand."""
    from associa.calc.tree import TreeTable

    case = json.loads((GOLDEN / "T" / "two_dims.json").read_text())
    definition = case["definition"]
    table = _table(case["tables"], definition)
    first = _table(case["tables"], dict(definition, qDimensions=definition["qDimensions"][:1],
                                        qMode="S"))
    tree = TreeTable(table, [first, table])
    layout = tree.layout()
    assert layout["qMode"] == "T" and layout["qTreeNodesOnDim"] == case["qTreeNodesOnDim"]
    keep = ("qText", "qElemNo", "qGroupPos", "qGroupSize", "qTreePath", "qType")

    def node(n: dict[str, Any], want: dict[str, Any]) -> dict[str, Any]:
        out = {k: n[k] for k in keep if k in want}
        out["qValues"] = [v["qValue"] for v in n["qValues"]]
        out["qNodes"] = [node(c, w) for c, w in zip(n["qNodes"], want["qNodes"], strict=False)]
        return out

    got = tree.nodes()
    assert [node(n, w) for n, w in zip(got, case["qNodes"], strict=True)] == case["qNodes"]


def test_tree_options_page_levels_and_limit(app: Client) -> None:
    h = app.create(cube("T"))
    only_products = app.call("GetHyperCubeTreeData", "/qHyperCubeDef",
                             {"qTreeLevels": {"qLeft": 1, "qDepth": 1}}, handle=h)["qNodes"]
    kids = only_products[0]["qNodes"]
    assert kids and all(n["qNodes"] == [] for n in kids)
    assert {n["qText"] for n in kids} <= {"p", "q", "r"}
    paged = app.call("GetHyperCubeTreeData", "/qHyperCubeDef", {"qTreeNodes": [
        {"qArea": {"qLeft": 0, "qTop": 1, "qWidth": 1, "qHeight": 2}}]}, handle=h)["qNodes"]
    assert [n["qText"] for n in paged[0]["qNodes"]] == ["B", "C"]
    none = app.call("GetHyperCubeTreeData", "/qHyperCubeDef", {"qMaxNbrOfNodes": 3}, handle=h)
    assert none["qNodes"] == []
    assert app.error("GetHyperCubeTreeData", "/qHyperCubeDef", {"qTreeNodes": [{}]},
                     handle=h)["code"] == 8


DEALERS = """Sales:
LOAD * INLINE [
Dealer, CarType, Sales
D1, hybrid, 10
D1, petrol, 5
D2, petrol, 7
D3, hybrid, 4
D3, diesel, 2
D4, diesel, 1
];
"""


def _all_values(*areas: tuple[int, int, int, int, bool]) -> dict[str, Any]:
    return {"qTreeNodes": [{"qArea": {"qLeft": lft, "qWidth": w, "qTop": t, "qHeight": h},
                            "qAllValues": every} for lft, w, t, h, every in areas]}


def test_tree_all_values_generates_the_possible_dealers_without_sales(client: Client) -> None:
    """The reference's example: hybrid sales per dealership; with qAllValues the dealers
    that sold no hybrid are generated nodes ("G") too, those possible in the current
    selection only (CarType = petrol: D1 and D2 are possible; the set ignores it)."""
    client.session_app(DEALERS)
    d = cube("T", dims=("Dealer",), measures=("Sum({<CarType={'hybrid'}>} Sales)",),
             qSuppressZero=True)
    h = client.create(d)
    opts = _all_values((0, 1, 0, 100, True))
    (root,) = client.call("GetHyperCubeTreeData", "/qHyperCubeDef", opts, handle=h)["qNodes"]
    # by hand: hybrid sales D1 10, D3 4; D2 and D4 sold none; all four possible
    assert [(n["qText"], n["qType"]) for n in root["qNodes"]] == [
        ("D1", "N"), ("D3", "N"), ("D2", "G"), ("D4", "G")]
    d2 = root["qNodes"][2]
    assert d2["qValues"] == [{"qText": "-", "qValue": "NaN"}] and d2["qRow"] == -1
    assert (d2["qGroupPos"], d2["qGroupSize"], d2["qNodes"], d2["qState"]) == (2, 0, [], "O")
    plain = client.call("GetHyperCubeTreeData", "/qHyperCubeDef", handle=h)["qNodes"][0]
    assert [n["qText"] for n in plain["qNodes"]] == ["D1", "D3"]
    car = client.call("GetField", "CarType", handle=1)["qReturn"]["qHandle"]
    client.call("Select", "petrol", handle=car)
    (root,) = client.call("GetHyperCubeTreeData", "/qHyperCubeDef", opts, handle=h)["qNodes"]
    assert [(n["qText"], n["qType"]) for n in root["qNodes"]] == [
        ("D1", "N"), ("D3", "N"), ("D2", "G")]
    assert client.error("GetHyperCubeTreeData", "/qHyperCubeDef", {"qTreeNodes": [
        {"qArea": {"qWidth": 1, "qHeight": 1}, "qAllValues": "yes"}]}, handle=h)["code"] == 8
    assert client.call("GetHyperCubeTreeData", "/qHyperCubeDef", handle=h)["qNodes"]


def test_tree_all_values_on_an_inner_level_and_the_node_limit(client: Client) -> None:
    client.session_app(DEALERS)
    h = client.create(cube("T", dims=("Dealer", "CarType"), measures=("Sum(Sales)",)))
    (root,) = client.call("GetHyperCubeTreeData", "/qHyperCubeDef",
                          _all_values((1, 1, 0, 100, True)), handle=h)["qNodes"]
    # by hand: the car types each dealer sold (ascii order), then the others generated
    want = {"D1": (["hybrid", "petrol"], ["diesel"]), "D2": (["petrol"], ["diesel", "hybrid"]),
            "D3": (["diesel", "hybrid"], ["petrol"]), "D4": (["diesel"], ["hybrid", "petrol"])}
    for i, dealer in enumerate(root["qNodes"]):
        real, gen = want[dealer["qText"]]
        kids = dealer["qNodes"]
        assert [(k["qText"], k["qType"]) for k in kids] == (
            [(t, "N") for t in real] + [(t, "G") for t in gen])
        assert [k["qGroupPos"] for k in kids] == list(range(len(kids)))
        assert all(k["qTreePath"] == [i] for k in kids)
        assert dealer["qGroupSize"] == len(real)  # the real tree's children
    # 1 root + 4 dealers + 6 real + 6 generated = 17 nodes
    for limit, empty in ((16, True), (17, False)):
        got = client.call("GetHyperCubeTreeData", "/qHyperCubeDef",
                          dict(_all_values((1, 1, 0, 100, True)), qMaxNbrOfNodes=limit),
                          handle=h)["qNodes"]
        assert (got == []) is empty
    (root,) = client.call("GetHyperCubeTreeData", "/qHyperCubeDef", _all_values(
        (0, 1, 1, 1, False), (1, 1, 0, 100, True)), handle=h)["qNodes"]
    (d2,) = root["qNodes"]
    assert [(k["qText"], k["qType"]) for k in d2["qNodes"]] == [
        ("petrol", "N"), ("diesel", "G"), ("hybrid", "G")]


def test_tree_others_node_from_sql(app: Client, db: Any) -> None:
    """Regions limited to 3 (2 and Others): the Others node is "O", qElemNo -3, with the
    measures over the other regions at its level and its products' below."""
    d = cube("T")
    d["qHyperCubeDef"]["qDimensions"][0]["qOtherTotalSpec"] = {
        "qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": "3"}}
    h = app.create(d)
    (root,) = app.call("GetHyperCubeTreeData", "/qHyperCubeDef", handle=h)["qNodes"]
    ranked = [r for r, _ in db.execute(
        "SELECT Region, SUM(Amount) s FROM t GROUP BY Region ORDER BY s DESC").fetchall()]
    *_, others = root["qNodes"]
    assert (others["qType"], others["qElemNo"], others["qText"]) == ("O", -3, "Others")
    names = ", ".join(f"'{r}'" for r in ranked[2:])
    (rest,) = db.execute(f"SELECT SUM(Amount) FROM t WHERE Region IN ({names})").fetchone()
    assert others["qValues"][0]["qValue"] == rest
    per = dict(db.execute(f"SELECT Product, SUM(Amount) FROM t WHERE Region IN ({names}) "
                          "GROUP BY Product").fetchall())
    assert {n["qText"]: n["qValues"][0]["qValue"] for n in others["qNodes"]} == per


# -- range selections -----------------------------------------------------------------


def _in(db: Any, sql: str) -> list[str]:
    return sorted(r for (r,) in db.execute(sql).fetchall())


def test_range_select_selects_the_dimension_values_in_range(app: Client, db: Any) -> None:
    h = app.create(cube("S", dims=("Region",), measures=("Sum(Amount)", "Sum(Qty)")))
    lb = listbox(app, "Region")
    lo, hi = 150, 400
    ok = app.call("RangeSelectHyperCubeValues", "/qHyperCubeDef", [
        {"qMeasureIx": 0, "qRange": {"qMin": lo, "qMax": hi, "qMinInclEq": True,
                                     "qMaxInclEq": False}}], handle=h)
    want = _in(db, f"SELECT Region FROM t GROUP BY Region HAVING SUM(Amount) >= {lo} "
                   f"AND SUM(Amount) < {hi}")
    assert ok == {"qSuccess": bool(want)} and selected(app, lb) == want


def test_range_select_and_or_over_two_measures(app: Client, db: Any) -> None:
    h = app.create(cube("S", dims=("Region",), measures=("Sum(Amount)", "Sum(Qty)")))
    lb = listbox(app, "Region")
    ranges = [{"qMeasureIx": 0, "qRange": {"qMin": 100, "qMax": 10_000, "qMinInclEq": True,
                                           "qMaxInclEq": True}},
              {"qMeasureIx": 1, "qRange": {"qMin": 0, "qMax": 180, "qMinInclEq": True,
                                           "qMaxInclEq": True}}]
    both = _in(db, "SELECT Region FROM t GROUP BY Region HAVING SUM(Amount) BETWEEN 100 AND "
                   "10000 AND SUM(Qty) BETWEEN 0 AND 180")
    either = _in(db, "SELECT Region FROM t GROUP BY Region HAVING SUM(Amount) BETWEEN 100 AND "
                     "10000 OR SUM(Qty) BETWEEN 0 AND 180")
    assert both != either  # the data tell the modes apart
    app.call("RangeSelectHyperCubeValues", "/qHyperCubeDef", ranges, [], False, handle=h)
    assert selected(app, lb) == both
    app.call("ClearAll", handle=1)
    app.call("RangeSelectHyperCubeValues", "/qHyperCubeDef", ranges, [], True, handle=h)
    assert selected(app, lb) == either


def test_range_select_columns_and_multi_range(app: Client, db: Any) -> None:
    h = app.create(cube("S"))
    regions, products = listbox(app, "Region"), listbox(app, "Product")
    app.call("RangeSelectHyperCubeValues", "/qHyperCubeDef", [
        {"qMeasureIx": 0, "qRange": {"qMin": 80, "qMinInclEq": True}}], [1], handle=h)
    want = _in(db, "SELECT DISTINCT Product FROM (SELECT Region, Product FROM t GROUP BY ALL "
                   "HAVING SUM(Amount) >= 80)")
    assert selected(app, products) == want and selected(app, regions) == []
    app.call("ClearAll", handle=1)
    ok = app.call("MultiRangeSelectHyperCubeValues", "/qHyperCubeDef", [
        {"qRanges": [{"qMeasureIx": 0, "qRange": {"qMax": 0, "qMaxInclEq": True}}],
         "qColumnsToSelect": [0]}], handle=h)
    want = _in(db, "SELECT DISTINCT Region FROM (SELECT Region, Product FROM t GROUP BY ALL "
                   "HAVING SUM(Amount) <= 0)")
    assert ok["qSuccess"] is bool(want) and selected(app, regions) == want


def test_range_select_in_modal_mode_is_undone(app: Client) -> None:
    h = app.create(cube("S", dims=("Region",)))
    lb = listbox(app, "Region")
    app.call("BeginSelections", ["/qHyperCubeDef"], handle=h)
    app.call("RangeSelectHyperCubeValues", "/qHyperCubeDef", [
        {"qMeasureIx": 0, "qRange": {"qMin": -1e9, "qMax": 1e9}}], handle=h)
    assert selected(app, lb) != []
    assert app.layout(h)["qSelectionInfo"] == {"qInSelections": True, "qMadeSelections": True}
    app.call("EndSelections", False, handle=h)
    assert selected(app, lb) == []


def test_range_select_bad_input(app: Client) -> None:
    h = app.create(cube("S", dims=("Region",)))
    assert app.error("RangeSelectHyperCubeValues", "/qHyperCubeDef",
                     [{"qMeasureIx": 3, "qRange": {}}], handle=h)["code"] == 8
    assert app.error("RangeSelectHyperCubeValues", "/qHyperCubeDef",
                     [{"qMeasureIx": 0, "qRange": {"qMin": "x"}}], handle=h)["code"] == 8
    assert app.error("RangeSelectHyperCubeValues", "/qHyperCubeDef",
                     [{"qMeasureIx": 0, "qRange": {}}], [5], handle=h)["code"] == 8
    nothing = app.call("RangeSelectHyperCubeValues", "/qHyperCubeDef",
                       [{"qMeasureIx": 0, "qRange": {"qMin": 1e9}}], handle=h)
    assert nothing == {"qSuccess": False}
    assert app.layout(h)["qHyperCube"]["qSize"]["qcy"] == 5  # still usable


def test_continuous_range_selects_numbers_in_range(app: Client, db: Any) -> None:
    h = app.create(cube("S", dims=("Qty",), measures=("Sum(Amount)",)))
    lb = listbox(app, "Qty")
    app.call("SelectHyperCubeContinuousRange", "/qHyperCubeDef",
             [{"qDimIx": 0, "qRange": {"qMin": 5, "qMax": 12, "qMinInclEq": False,
                                       "qMaxInclEq": False}}], handle=h)
    want = sorted(_in(db, "SELECT DISTINCT CAST(Qty AS VARCHAR) FROM t WHERE Qty > 5 AND Qty < 12"))
    assert sorted(selected(app, lb)) == want
    app.call("ClearAll", handle=1)
    # one inclusive flag includes both ends (reference: "Min and Max values will be selected")
    app.call("SelectHyperCubeContinuousRange", "/qHyperCubeDef",
             [{"qDimIx": 0, "qRange": {"qMin": 5, "qMax": 12, "qMinInclEq": True}}], handle=h)
    want = sorted(_in(db, "SELECT DISTINCT CAST(Qty AS VARCHAR) FROM t WHERE Qty BETWEEN 5 AND 12"))
    assert sorted(selected(app, lb)) == want


# -- reduced, binned, continuous --------------------------------------------------------


SERIES = "Series:\nLOAD * INLINE [\nX, Y, Z\n" + "\n".join(
    f"{x}, {v}, {x % 3}" for x, v in enumerate([5, 1, 9, 3, 3, 8, 2, 7, 4, 6, 0, 5])) + "\n];\n"


def series(client: Client, measures: tuple[str, ...] = ("Sum(Y)",)) -> int:
    client.session_app(SERIES)
    d = cube("S", dims=("X",), measures=measures)
    d["qHyperCubeDef"]["qDimensions"][0]["qDef"]["qSortCriterias"] = [{"qSortByNumeric": 1}]
    return client.create(d)


def test_reduced_d1_keeps_each_runs_least_and_greatest(client: Client) -> None:
    h = series(client)
    page = {"qLeft": 0, "qTop": 0, "qWidth": 2, "qHeight": 6}
    (plain,) = client.call("GetHyperCubeReducedData", "/qHyperCubeDef", [page], 0, "D1",
                           handle=h)["qDataPages"]
    assert "qIsReduced" not in plain and len(plain["qMatrix"]) == 6
    (red,) = client.call("GetHyperCubeReducedData", "/qHyperCubeDef", [page], 1, "D1",
                         handle=h)["qDataPages"]
    # runs of 4 values: [5 1 9 3] -> 1, 9; [3 8 2 7] -> 8, 2; [4 6 0 5] -> 6, 0
    assert red["qIsReduced"] is True
    assert [r[1]["qNum"] for r in red["qMatrix"]] == [1, 9, 8, 2, 6, 0]
    (auto,) = client.call("GetHyperCubeReducedData", "/qHyperCubeDef",
                          [dict(page, qHeight=4)], -1, "D1", handle=h)["qDataPages"]
    # the least 2^n that fits 4 rows: runs of 8 -> [5 1 9 3 3 8 2 7] 1, 9; [4 6 0 5] 6, 0
    assert [r[1]["qNum"] for r in auto["qMatrix"]] == [1, 9, 6, 0]
    assert client.error("GetHyperCubeReducedData", "/qHyperCubeDef", [page], 1, "Q",
                        handle=h)["code"] == 8


def test_reduced_clusters_and_grid_keep_real_rows(client: Client) -> None:
    h = series(client, ("Sum(X)", "Sum(Y)"))
    page = {"qLeft": 0, "qTop": 0, "qWidth": 3, "qHeight": 12}
    (c,) = client.call("GetHyperCubeReducedData", "/qHyperCubeDef", [page], 3, "C",
                       handle=h)["qDataPages"]
    assert c["qIsReduced"] and 1 <= len(c["qMatrix"]) <= 3
    (s,) = client.call("GetHyperCubeReducedData", "/qHyperCubeDef", [page], 1, "S",
                       handle=h)["qDataPages"]
    # a 2 x 2 grid over x 0..11 (cells x <= 5, x >= 6) and y 0..9 (y < 4.5, y >= 4.5):
    # the first row of each occupied cell: x=0 (y 5: high), x=1 (y 1: low), x=6 (y 2: low),
    # x=7 (y 7: high)
    assert [r[0]["qText"] for r in s["qMatrix"]] == ["0", "1", "6", "7"]


def test_binned_cells_count_the_points_in_range(client: Client) -> None:
    h = series(client, ("Sum(X)", "Sum(Y)"))
    area = [{"qLeft": 0, "qTop": 9, "qWidth": 11, "qHeight": 9}]
    page = [{"qLeft": 0, "qTop": 0, "qWidth": 3, "qHeight": 100}]
    (cells,) = client.call("GetHyperCubeBinnedData", "/qHyperCubeDef", page, {}, area, 4, 3, 0,
                           handle=h)["qDataPages"]
    head, *grid = cells["qMatrix"]
    assert head[0]["qElemNumber"] == 0 and head[0]["qState"] == "L"
    assert sum(r[0]["qNum"] for r in grid) == 12 and len(grid) <= 4
    assert head[0]["qNum"] == max(r[0]["qNum"] for r in grid)
    for r in grid:
        (box,) = json.loads(r[0]["qText"])
        assert len(box) == 4 and box[0] <= box[2] and box[3] <= box[1]
    (points,) = client.call("GetHyperCubeBinnedData", "/qHyperCubeDef", page, {},
                            [{"qLeft": 0, "qTop": 5, "qWidth": 5, "qHeight": 5}], 100, 3, 0,
                            handle=h)["qDataPages"]
    # x in 0..5 and y in 0..5: x=0 (5), 1 (1), 3 (3), 4 (3)
    assert points["qMatrix"][0] == [] and [r[0]["qText"] for r in points["qMatrix"][1:]] == [
        "0", "1", "3", "4"]


def test_hexagonal_binning_is_refused_and_the_object_stays_usable(client: Client) -> None:
    """qBinningMethod 1 (hexagonal grid): the reference documents rectangles only
    ("Cells are represented as rectangles", [left, top, right, bottom]), so associa
    answers error 20 (NotImplementedInEngine); the uniform grid (2) still works after."""
    h = series(client, ("Sum(X)", "Sum(Y)"))
    area = [{"qLeft": 0, "qTop": 9, "qWidth": 11, "qHeight": 9}]
    page = [{"qLeft": 0, "qTop": 0, "qWidth": 3, "qHeight": 100}]
    err = client.error("GetHyperCubeBinnedData", "/qHyperCubeDef", page, {}, area, 4, 1, 1,
                       handle=h)
    assert err["code"] == 20
    (cells,) = client.call("GetHyperCubeBinnedData", "/qHyperCubeDef", page, {}, area, 4, 1, 2,
                           handle=h)["qDataPages"]
    # a 2 x 2 uniform grid over x 0..11, y 0..9 (cells split at x 5.5, y 4.5); by hand:
    # x<5.5: y 5, 9, 8 high (x 0, 2, 5), y 1, 3, 3 low (x 1, 3, 4); x>=5.5: y 7, 6, 5 high
    # (x 7, 9, 11), y 2, 4, 0 low (x 6, 8, 10): every cell 3 points
    head, *grid = cells["qMatrix"]
    assert sorted(r[0]["qNum"] for r in grid) == [3, 3, 3, 3] and head[0]["qNum"] == 3
    assert client.layout(h)["qHyperCube"]["qSize"]["qcy"] == 12


def test_continuous_data_in_range_with_ticks(client: Client) -> None:
    h = series(client)
    got = client.call("GetHyperCubeContinuousData", "/qHyperCubeDef",
                      {"qStart": 2, "qEnd": 7, "qNbrPoints": 100, "qMaxNbrTicks": 3}, True,
                      handle=h)
    (page,) = got["qDataPages"]
    assert [r[0]["qText"] for r in page["qMatrix"]] == ["7", "6", "5", "4", "3", "2"]
    (axis,) = got["qAxisData"]["qAxis"]
    # span 5, at most 3 ticks: step 2 (1 would make 5): 2, 4, 6
    assert [t["qText"] for t in axis["qTicks"]] == ["2", "4", "6"] and axis["qName"] == "X"


# -- groups ---------------------------------------------------------------------------


def drill(levels: list[str], grouping: str = "H", **qdef: Any) -> dict[str, Any]:
    d = cube("S", dims=("Region",))
    d["qHyperCubeDef"]["qDimensions"][0]["qDef"].update(
        {"qGrouping": grouping, "qFieldDefs": levels, **qdef})
    d["qHyperCubeDef"]["qInitialDataFetch"] = [{"qWidth": 2, "qHeight": 20}]
    return d


def test_drill_down_follows_selections_and_drills_up(app: Client, db: Any) -> None:
    h = app.create(drill(["Region", "Product"]))
    info = app.layout(h)["qHyperCube"]["qDimensionInfo"][0]
    assert (info["qGroupPos"], info["qGrouping"], info["qFallbackTitle"]) == (0, "H", "Region")
    assert info["qGroupFallbackTitles"] == ["Region", "Product"]
    region = app.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    app.call("Select", "B", handle=region)
    cube_ = app.layout(h)["qHyperCube"]
    assert cube_["qDimensionInfo"][0]["qGroupPos"] == 1
    got = {r[0]["qText"]: r[1]["qNum"] for r in cube_["qDataPages"][0]["qMatrix"]}
    assert got == dict(db.execute("SELECT Product, SUM(Amount) FROM t WHERE Region = 'B' "
                                  "GROUP BY Product").fetchall())
    app.call("DrillUp", "/qHyperCubeDef", 0, 5, handle=h)  # more steps than levels
    assert app.layout(h)["qHyperCube"]["qDimensionInfo"][0]["qGroupPos"] == 0
    lb = listbox(app, "Region")
    assert selected(app, lb) == []


def test_cyclic_group_steps_and_sets_the_active_field(app: Client) -> None:
    h = app.create(drill(["Region", "Product", "Qty"], "C"))
    titles = lambda: app.layout(h)["qHyperCube"]["qDimensionInfo"][0]  # noqa: E731
    assert titles()["qFallbackTitle"] == "Region" and titles()["qIsCyclic"] is True
    app.call("StepCycle", "/qHyperCubeDef", 0, 1, handle=h)
    assert titles()["qFallbackTitle"] == "Product" and titles()["qGroupPos"] == 1
    app.call("StepCycle", "/qHyperCubeDef", 0, -2, handle=h)
    assert titles()["qFallbackTitle"] == "Qty"
    app.call("SetActiveField", "/qHyperCubeDef", 0, 0, handle=h)
    assert titles()["qFallbackTitle"] == "Region"
    app.call("SetActiveField", "/qHyperCubeDef", 0, 9, handle=h)  # out of bounds: nothing
    assert titles()["qFallbackTitle"] == "Region"
    props = app.call("GetProperties", handle=h)["qProp"]
    assert props["qHyperCubeDef"]["qDimensions"][0]["qDef"]["qActiveField"] == 0
    assert app.error("StepCycle", "/qHyperCubeDef", 4, 1, handle=h)["code"] == 8


def test_cycle_skips_a_field_another_dimension_shows(app: Client) -> None:
    d = drill(["Region", "Product", "Qty"], "C")
    d["qHyperCubeDef"]["qDimensions"].append({"qDef": {"qFieldDefs": ["Product"]}})
    h = app.create(d)
    app.call("StepCycle", "/qHyperCubeDef", 0, 1, handle=h)
    assert app.layout(h)["qHyperCube"]["qDimensionInfo"][0]["qFallbackTitle"] == "Qty"


def test_a_pivot_cube_has_no_stacked_pages(app: Client) -> None:
    h = app.create(cube("P"))
    err = app.error("GetHyperCubeStackData", "/qHyperCubeDef", [{"qHeight": 1}], handle=h)
    assert err["code"] == 6000
    assert app.layout(h)["qHyperCube"]["qMode"] == "P"


def test_get_layout_gives_the_stacked_and_tree_layouts(app: Client) -> None:
    """GetLayout of a "K" object carries qStackedDataPages (its initial fetch), of a "T"
    object qTreeNodesOnDim; the straight data pages stay empty in both."""
    fetch = [{"qLeft": 0, "qTop": 0, "qWidth": 3, "qHeight": 10}]
    stacked = app.layout(app.create(cube("K", qInitialDataFetch=fetch)))["qHyperCube"]
    assert stacked["qMode"] == "K" and stacked["qDataPages"] == []
    direct = app.call("GetHyperCubeStackData", "/qHyperCubeDef", fetch,
                      handle=app.create(cube("K")))["qDataPages"]
    assert stacked["qStackedDataPages"] == direct
    tree = app.layout(app.create(cube("T", qInitialDataFetch=fetch)))["qHyperCube"]
    regions = {r for r, _, _, _ in ROWS}
    assert tree["qMode"] == "T" and tree["qDataPages"] == []
    assert tree["qTreeNodesOnDim"][0] == len(regions)
