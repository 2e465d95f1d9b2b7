"""GenericObject.ExportData of pivot hypercubes (qMode P): the grid the pivot shows, in
CSV, xlsx and Parquet, read back (csv, openpyxl, pyarrow); every number checked against
DuckDB's GROUP BY CUBE over the same rows; collapsed and expanded left nodes, totals, the
measures' pseudo dimension on either side, paging, limits and the modes still refused."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import duckdb
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from associa.calc import export as export_module
from associa.calc import pivot_export
from tests.conftest import Client, RunningServer
from tests.qix.test_export import fetch

ROWS = [(2023, "North", "Bike", 100, 1), (2023, "North", "Lock", 20, 2),
        (2023, "South", "Bike", 150, 3), (2024, "North", "Bike", 60, 4),
        (2024, "East", "Helmet", 40, 5), (2024, "East", "Lock", 10, 6)]
SCRIPT = "Sales:\nLOAD * INLINE [\nYear, Region, Product, Amount, Qty\n" + "\n".join(
    ", ".join(str(v) for v in r) for r in ROWS) + "\n];\n"
TOTAL = "Total"


def cube(*dims: str) -> dict[tuple[Any, ...], tuple[float, float]]:
    """(Sum(Amount), Sum(Qty)) of every combination of ``dims``' values and subtotals
    (a dimension rolled up is "Total"), by DuckDB's GROUP BY CUBE."""
    con = duckdb.connect()
    con.execute("CREATE TABLE s(year INT, region TEXT, product TEXT, amount DOUBLE, "
                "qty DOUBLE)")
    con.executemany("INSERT INTO s VALUES (?, ?, ?, ?, ?)", ROWS)
    cols = ", ".join(dims)
    got = con.execute(f"SELECT {cols}, SUM(amount), SUM(qty) FROM s "
                      f"GROUP BY CUBE({cols})").fetchall()
    return {tuple(TOTAL if v is None else str(v) for v in r[:len(dims)]): (r[-2], r[-1])
            for r in got}


def pivot(dims: list[str], measures: list[str], **extra: Any) -> dict[str, Any]:
    return {"qInfo": {"qType": "pivot-table"}, "qHyperCubeDef": {
        "qMode": "P",
        "qDimensions": [{"qDef": {"qFieldDefs": [d], "qSortCriterias": [{"qSortByAscii": 1}]},
                         "qOtherTotalSpec": {"qTotalMode": "TOTAL_EXPR"}} for d in dims],
        "qMeasures": [{"qDef": {"qDef": m, "qLabel": m}} for m in measures],
        **extra}}


def exported(client: Client, data_dir: Path, handle: int, kind: str) -> Path:
    out = client.call("ExportData", kind, "/qHyperCubeDef", handle=handle)
    assert out["qWarnings"] == []
    _, _, token, name = out["qUrl"].split("/")
    return data_dir / "tempcontent" / token / unquote(name)


def csv_rows(client: Client, data_dir: Path, handle: int) -> list[list[str]]:
    text = exported(client, data_dir, handle, "CSV_C").read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(client: Client, data_dir: Path, handle: int) -> list[tuple[Any, ...]]:
    book = load_workbook(exported(client, data_dir, handle, "OOXML"))
    return list(book.active.iter_rows(values_only=True))


def number(text: str) -> float | None:
    return None if text == "-" else float(text)


@pytest.fixture
def year_by_region(client: Client) -> int:
    """Year left; Region, then the two measures, on top; totals on both; fully expanded."""
    doc = client.session_app(SCRIPT)
    return client.create(pivot(["Year", "Region"], ["Sum(Amount)", "Sum(Qty)"],
                               qNoOfLeftDims=1, qAlwaysFullyExpanded=True), doc)


def test_csv_of_a_pivot_with_totals_and_measures_on_top(client: Client, data_dir: Path,
                                                         year_by_region: int) -> None:
    rows = csv_rows(client, data_dir, year_by_region)
    regions = ["East", "North", "South", TOTAL]
    # two header rows: the top dimension's values (its title in the corner), then the
    # measures' labels under each (the left dimension's title in the corner)
    assert rows[0] == ["Region"] + [r for r in regions for _ in range(2)]
    assert rows[1] == ["Year"] + ["Sum(Amount)", "Sum(Qty)"] * 4
    assert [r[0] for r in rows[2:]] == ["2023", "2024", TOTAL]
    sums = cube("year", "region")
    for row in rows[2:]:
        for j, text in enumerate(row[1:]):
            region, measure = regions[j // 2], j % 2
            want = sums.get((row[0], region))
            assert number(text) == (None if want is None else want[measure]), (row[0], j)


def test_xlsx_of_a_pivot_holds_numbers(client: Client, data_dir: Path,
                                       year_by_region: int) -> None:
    rows = xlsx_rows(client, data_dir, year_by_region)
    assert rows[0][:3] == ("Region", "East", "East") and rows[1][:3] == (
        "Year", "Sum(Amount)", "Sum(Qty)")
    assert [r[0] for r in rows[2:]] == [2023, 2024, TOTAL]  # a year as its number
    sums = cube("year", "region")
    regions = ["East", "North", "South", TOTAL]
    for row in rows[2:]:
        for j, value in enumerate(row[1:]):
            want = sums.get((str(row[0]), regions[j // 2]))
            assert value == (None if want is None else want[j % 2]), (row[0], j)
            assert value is None or isinstance(value, int | float)


def test_parquet_of_a_pivot_names_columns_by_their_headers(
        client: Client, data_dir: Path, year_by_region: int) -> None:
    table = pq.read_table(exported(client, data_dir, year_by_region, "PARQUET"))
    names = table.column_names
    assert names[:3] == ["Year", "East / Sum(Amount)", "East / Sum(Qty)"]
    assert names[-1] == "Total / Sum(Qty)"
    data = table.to_pydict()
    sums = cube("year", "region")
    assert data["Year"] == ["2023", "2024", TOTAL]
    assert data["North / Sum(Amount)"] == [sums[(y, "North")][0]
                                           for y in ("2023", "2024", TOTAL)]
    assert data["East / Sum(Qty)"] == [None, sums[("2024", "East")][1],
                                       sums[(TOTAL, "East")][1]]


def collapsed_pivot(client: Client) -> int:
    """Year and Region left (collapsed, as a new pivot shows them), Product on top."""
    doc = client.session_app(SCRIPT)
    return client.create(pivot(["Year", "Region", "Product"], ["Sum(Amount)"],
                               qNoOfLeftDims=2), doc)


def test_collapsed_and_expanded_rows(client: Client, data_dir: Path) -> None:
    h = collapsed_pivot(client)
    products = ["Bike", "Helmet", "Lock", TOTAL]
    by_year = cube("year", "product")
    by_region = cube("year", "region", "product")

    def expected(year: str, region: str) -> list[float | None]:
        sums = by_year if region == "" else {
            (y, p): v for (y, r, p), v in by_region.items() if r == region}
        return [sums[(year, p)][0] if (year, p) in sums else None for p in products]

    rows = csv_rows(client, data_dir, h)
    assert rows[0] == ["Year", "Region"] + products
    # both years collapsed: the Region column empty; the total row last
    assert [r[:2] for r in rows[1:]] == [["2023", ""], ["2024", ""], [TOTAL, ""]]
    for r in rows[1:]:
        assert [number(t) for t in r[2:]] == expected(r[0], r[1]), r
    client.call("ExpandLeft", "/qHyperCubeDef", 0, 0, False, handle=h)
    rows = csv_rows(client, data_dir, h)
    assert [r[:2] for r in rows[1:]] == [["2023", "North"], ["2023", "South"],
                                         ["2023", TOTAL], ["2024", ""], [TOTAL, ""]]
    for r in rows[1:]:
        assert [number(t) for t in r[2:]] == expected(r[0], r[1]), r
    # xlsx alike: an empty cell for the collapsed level and for a missing value
    rows_x = xlsx_rows(client, data_dir, h)
    assert rows_x[4] == (2024, None, 60, 40, 10, 110)  # 60; 40; 10; 60+40+10
    assert rows_x[1] == (2023, "North", 100, None, 20, 120)


def test_measures_on_the_left(client: Client, data_dir: Path) -> None:
    """The pseudo dimension on the left: its column holds the measures' labels."""
    doc = client.session_app(SCRIPT)
    h = client.create(pivot(["Year", "Region"], ["Sum(Amount)", "Sum(Qty)"],
                            qNoOfLeftDims=2, qInterColumnSortOrder=[0, -1, 1],
                            qAlwaysFullyExpanded=True), doc)
    rows = csv_rows(client, data_dir, h)
    regions = ["East", "North", "South", TOTAL]
    assert rows[0] == ["Year", ""] + regions
    sums = cube("year", "region")
    measures = {"Sum(Amount)": 0, "Sum(Qty)": 1}
    assert [r[:2] for r in rows[1:]] == [
        [y, m] for y in ("2023", "2024", TOTAL) for m in measures]
    for r in rows[1:]:
        want = [sums[(r[0], g)][measures[r[1]]] if (r[0], g) in sums else None
                for g in regions]
        assert [number(t) for t in r[2:]] == want, r


def test_pages_are_read_in_pieces(client: Client, data_dir: Path, year_by_region: int,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A pivot larger than one page is read page by page, in both directions."""
    whole = csv_rows(client, data_dir, year_by_region)
    calls: list[dict[str, Any]] = []
    original = pivot_export.PivotGrid.of

    def spy(table: Any) -> Any:
        pages = table.pivot_pages

        def counted(asked: list[dict[str, Any]]) -> list[dict[str, Any]]:
            calls.extend(asked)
            return pages(asked)

        table.pivot_pages = counted
        return original(table)

    monkeypatch.setattr(pivot_export, "PIVOT_PAGE_CELLS", 3)
    monkeypatch.setattr(pivot_export.PivotGrid, "of", staticmethod(spy))
    assert csv_rows(client, data_dir, year_by_region) == whole
    assert all(p["qWidth"] * p["qHeight"] <= 3 for p in calls)
    assert len({p["qTop"] for p in calls}) == 3 and len({p["qLeft"] for p in calls}) > 1


def test_a_pivot_over_the_column_limit_is_cut(client: Client, data_dir: Path,
                                              year_by_region: int,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_module, "CSV_MAX_COLUMNS", 3)
    out = client.call("ExportData", "CSV_C", "/qHyperCubeDef", handle=year_by_region)
    assert out["qWarnings"] == [1000]
    _, _, token, name = out["qUrl"].split("/")
    text = (data_dir / "tempcontent" / token / name).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[:2] == [["Region", "East", "East"], ["Year", "Sum(Amount)", "Sum(Qty)"]]
    assert rows[2] == ["2023", "-", "-"] and len(rows) == 5


def test_served_over_http(server: RunningServer, client: Client,
                          year_by_region: int) -> None:
    url = client.call("ExportData", "CSV_T", "/qHyperCubeDef",
                      handle=year_by_region)["qUrl"]
    reply = fetch(server, url)
    assert reply.status_code == 200
    assert reply.text.splitlines()[2].split("\t")[:3] == ["2023", "-", "-"]


@pytest.mark.parametrize("mode", ["K", "T"])
def test_stacked_and_tree_cubes_are_refused(client: Client, mode: str) -> None:
    doc = client.session_app(SCRIPT)
    h = client.create({"qInfo": {"qType": "chart"}, "qHyperCubeDef": {
        "qMode": mode, "qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}]}}, doc)
    err = client.error("ExportData", "OOXML", "/qHyperCubeDef", handle=h)
    assert err["code"] == 20 and f"mode {mode}" in err["message"]
    assert client.layout(h)["qHyperCube"]["qSize"]["qcy"] == 3  # still usable


def test_a_pivot_without_rows_is_error_13001(client: Client) -> None:
    doc = client.session_app(SCRIPT)
    h = client.create(pivot(["Region"], ["Sum(Amount) * 0"], qSuppressZero=True), doc)
    assert client.layout(h)["qHyperCube"]["qSize"]["qcy"] == 0
    err = client.error("ExportData", "CSV_C", "/qHyperCubeDef", handle=h)
    assert err["code"] == 13001


def test_xlsx_dates_on_the_left_read_as_dates(client: Client, data_dir: Path) -> None:
    doc = client.session_app("T: LOAD Date(MakeDate(2024, 3, d)) as Day, d as N "
                             "INLINE [\nd\n1\n2\n2\n];")
    h = client.create(pivot(["Day"], ["Sum(N)"]), doc)
    rows = xlsx_rows(client, data_dir, h)
    assert rows[0] == ("Day", "Sum(N)")
    days = [(r[0].date().isoformat() if r[0] != TOTAL else r[0], r[1]) for r in rows[1:]]
    assert days == [("2024-03-01", 1), ("2024-03-02", 4), (TOTAL, 5)]  # 1; 2+2; 1+2+2
