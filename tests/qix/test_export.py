"""GenericObject.ExportData: the file each type writes (read back with csv, openpyxl and
pyarrow, the numbers checked against DuckDB over the same rows), the URL the server
serves it at and who may read it, qServeOnce, the files' end with the session, and bad
input."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from associa.calc import export as export_module
from associa.qix.api.export import EXPORTS
from tests.conftest import CUBE, LISTBOX, Client, RunningServer

SALES_ROWS = [("North", "Bike", 100), ("North", "Lock", 20), ("South", "Bike", 150),
              ("East", "Helmet", 40)]


def duck_sums(where: str = "") -> dict[str, float]:
    """Sum(Amount) by Region over the rows SALES_SCRIPT loads, by DuckDB."""
    con = duckdb.connect()
    con.execute("CREATE TABLE sales(region TEXT, product TEXT, amount DOUBLE)")
    con.executemany("INSERT INTO sales VALUES (?, ?, ?)", SALES_ROWS)
    rows = con.execute(f"SELECT region, SUM(amount) FROM sales {where} GROUP BY region").fetchall()
    return {r: float(s) for r, s in rows}


def export(client: Client, handle: int, *params: Any) -> dict[str, Any]:
    return client.call("ExportData", *params, handle=handle)


def fetch(server: RunningServer, url: str, **headers: str) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{server.port}{url}", headers=headers, timeout=10)


@pytest.fixture
def cube(loaded: Client) -> int:
    return loaded.create(CUBE)


def test_csv_comma_holds_the_texts_of_every_row(server: RunningServer, loaded: Client,
                                                cube: int) -> None:
    out = export(loaded, cube, "CSV_C", "/qHyperCubeDef")
    assert out["qWarnings"] == []
    assert out["qUrl"].startswith("/tempcontent/") and out["qUrl"].endswith(".csv")
    reply = fetch(server, out["qUrl"])
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(reply.text)))
    assert rows[0] == ["Region", "Sum(Amount)"]
    assert {r: float(s) for r, s in rows[1:]} == duck_sums()
    assert len(rows) == 1 + 3


def test_csv_tab_and_the_file_name(server: RunningServer, loaded: Client, cube: int) -> None:
    out = export(loaded, cube, "EXPORT_CSV_T", "/qHyperCubeDef", "../sales by region")
    assert out["qUrl"].endswith("/sales%20by%20region.csv")
    reply = fetch(server, out["qUrl"])
    assert reply.status_code == 200
    assert "attachment" in reply.headers["content-disposition"]
    lines = reply.text.splitlines()
    assert lines[0] == "Region\tSum(Amount)"
    assert {ln.split("\t")[0]: float(ln.split("\t")[1]) for ln in lines[1:]} == duck_sums()


def test_csv_keeps_the_engine_s_number_texts(server: RunningServer, loaded: Client) -> None:
    props = {"qInfo": {"qType": "table"}, "qHyperCubeDef": {
        "qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(Amount)/3",
                                "qNumFormat": {"qType": "F", "qnDec": 2, "qFmt": "0.00"}}}]}}
    handle = loaded.create(props)
    layout = loaded.layout(handle)
    matrix = loaded.call("GetHyperCubeData", "/qHyperCubeDef",
                         [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 10}],
                         handle=handle)["qDataPages"][0]["qMatrix"]
    shown = {row[0]["qText"]: row[1]["qText"] for row in matrix}
    assert layout["qHyperCube"]["qSize"]["qcy"] == 3
    rows = list(csv.reader(io.StringIO(
        fetch(server, export(loaded, handle, "CSV_C", "/qHyperCubeDef")["qUrl"]).text)))
    assert dict(rows[1:]) == shown
    expected = {r: f"{s / 3:.2f}" for r, s in duck_sums().items()}
    assert dict(rows[1:]) == expected


def test_xlsx_holds_numbers_as_numbers(server: RunningServer, loaded: Client, cube: int,
                                       tmp_path: Path) -> None:
    out = export(loaded, cube, "OOXML")  # without qPath: the object's hypercube
    assert out["qUrl"].endswith(".xlsx")
    reply = fetch(server, out["qUrl"])
    assert reply.status_code == 200
    file = tmp_path / "out.xlsx"
    file.write_bytes(reply.content)
    sheet = load_workbook(file).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Region", "Sum(Amount)")
    assert all(isinstance(r[1], int | float) for r in rows[1:])
    assert {r[0]: float(r[1]) for r in rows[1:]} == duck_sums()


def test_xlsx_dates_read_as_dates(server: RunningServer, client: Client,
                                  tmp_path: Path) -> None:
    client.session_app("T: LOAD Date(MakeDate(2024, 3, d)) as Day, d as N "
                       "INLINE [\nd\n1\n2\n];")
    handle = client.create({"qInfo": {"qType": "t"}, "qHyperCubeDef": {
        "qDimensions": [{"qDef": {"qFieldDefs": ["Day"]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(N)"}}]}})
    file = tmp_path / "d.xlsx"
    file.write_bytes(fetch(server, export(client, handle, "OOXML", "/qHyperCubeDef")["qUrl"]
                           ).content)
    rows = list(load_workbook(file).active.iter_rows(values_only=True))[1:]
    days = sorted((r[0].date().isoformat(), r[1]) for r in rows)
    assert days == [("2024-03-01", 1), ("2024-03-02", 2)]


def test_parquet(server: RunningServer, loaded: Client, cube: int, tmp_path: Path) -> None:
    out = export(loaded, cube, 3, "/qHyperCubeDef")
    file = tmp_path / "out.parquet"
    file.write_bytes(fetch(server, out["qUrl"]).content)
    table = pq.read_table(file)
    assert table.column_names == ["Region", "Sum(Amount)"]
    assert dict(zip(*table.to_pydict().values(), strict=True)) == duck_sums()


def test_export_follows_the_selections(server: RunningServer, loaded: Client,
                                       cube: int) -> None:
    field = loaded.call("GetField", "Product", handle=1)["qReturn"]["qHandle"]
    loaded.call("Select", "Bike", handle=field)
    rows = list(csv.reader(io.StringIO(
        fetch(server, export(loaded, cube, "CSV_C", "/qHyperCubeDef")["qUrl"]).text)))
    assert {r: float(s) for r, s in rows[1:]} == duck_sums("WHERE product = 'Bike'")


def test_export_state_possible_leaves_excluded_values_out(server: RunningServer,
                                                         loaded: Client) -> None:
    listbox = loaded.create(LISTBOX)
    field = loaded.call("GetField", "Product", handle=1)["qReturn"]["qHandle"]
    loaded.call("Select", "Lock", handle=field)  # Region: North possible, the rest excluded
    every = fetch(server, export(loaded, listbox, "CSV_C", "/qListObjectDef", "", "A")["qUrl"])
    possible = fetch(server, export(loaded, listbox, "CSV_C", "/qListObjectDef", "",
                                    "EXPORT_POSSIBLE")["qUrl"])
    assert sorted(every.text.split()[1:]) == ["East", "North", "South"]
    assert possible.text.split()[1:] == ["North"]
    assert every.text.split()[0] == possible.text.split()[0] == "Region"


def test_serve_once(server: RunningServer, loaded: Client, cube: int) -> None:
    out = loaded.call("ExportData", handle=cube, named={
        "qFileType": "CSV_C", "qPath": "/qHyperCubeDef", "qServeOnce": True})
    assert fetch(server, out["qUrl"]).status_code == 200
    assert fetch(server, out["qUrl"]).status_code == 404
    token = out["qUrl"].split("/")[2]
    assert token not in EXPORTS
    again = export(loaded, cube, "CSV_C", "/qHyperCubeDef")  # without: served again
    assert fetch(server, again["qUrl"]).status_code == 200
    assert fetch(server, again["qUrl"]).status_code == 200


def test_only_the_session_that_made_it(server: RunningServer,
                                       make_client: Callable[..., Client],
                                       data_dir: Path) -> None:
    owner = make_client("hdr:alice")
    owner.session_app()
    cube = owner.create(CUBE)
    url = export(owner, cube, "CSV_C", "/qHyperCubeDef")["qUrl"]
    assert fetch(server, url).status_code == 403  # the session was keyed by its header
    assert fetch(server, url, **{"X-Qlik-Session": "bob"}).status_code == 403
    assert fetch(server, url, **{"X-Qlik-Session": "alice"}).status_code == 200
    assert fetch(server, url, Cookie="X-Qlik-Session=alice").status_code == 200
    wrong_name = url.rsplit("/", 1)[0] + "/other.csv"
    assert fetch(server, wrong_name, **{"X-Qlik-Session": "alice"}).status_code == 404
    assert fetch(server, "/tempcontent/" + "0" * 32 + "/x.csv").status_code == 404
    # an anonymous session's file: its token is the key; naming a session refuses it
    anon = make_client()
    anon.session_app()
    anon_url = export(anon, anon.create(CUBE), "CSV_C", "/qHyperCubeDef")["qUrl"]
    assert fetch(server, anon_url).status_code == 200
    assert fetch(server, anon_url, **{"X-Qlik-Session": "alice"}).status_code == 403


def test_files_end_with_the_session(server: RunningServer, make_client: Callable[..., Client],
                                    data_dir: Path) -> None:
    client = make_client()
    client.session_app()
    url = export(client, client.create(CUBE), "OOXML", "/qHyperCubeDef")["qUrl"]
    token = url.split("/")[2]
    folder = data_dir / "tempcontent" / token
    assert folder.is_dir() and any(folder.iterdir())
    client.close()
    assert not folder.exists()
    assert token not in EXPORTS
    assert fetch(server, url).status_code == 404


def test_bad_input_leaves_the_object_usable(loaded: Client, cube: int) -> None:
    assert loaded.error("ExportData", "XLS", "/qHyperCubeDef", handle=cube)["code"] == 8
    assert loaded.error("ExportData", 7, "/qHyperCubeDef", handle=cube)["code"] == 8
    assert loaded.error("ExportData", "CSV_C", handle=cube)["code"] == 8  # CSV needs qPath
    assert loaded.error("ExportData", "CSV_C", "/qNope", handle=cube)["code"] == 4
    assert loaded.error("ExportData", "CSV_C", "/qHyperCubeDef", "", "Z",
                        handle=cube)["code"] == 8
    assert loaded.error("ExportData", handle=cube)["code"] == -32602  # qFileType missing
    stacked = loaded.create({"qInfo": {"qType": "barchart"}, "qHyperCubeDef": {
        "qMode": "K", "qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}]}})
    err = loaded.error("ExportData", "OOXML", "/qHyperCubeDef", handle=stacked)
    assert err["code"] == 20 and "mode K" in err["message"]
    assert loaded.layout(cube)["qHyperCube"]["qSize"] == {"qcx": 2, "qcy": 3}
    assert export(loaded, cube, "CSV_C", "/qHyperCubeDef")["qWarnings"] == []


def test_no_rows_is_error_13001(loaded: Client) -> None:
    listbox = loaded.create(LISTBOX)
    loaded.call("SearchListObjectFor", "/qListObjectDef", "zzz", handle=listbox)
    assert loaded.layout(listbox)["qListObject"]["qSize"]["qcy"] == 0
    err = loaded.error("ExportData", "CSV_C", "/qListObjectDef", handle=listbox)
    assert err["code"] == 13001 and err["message"] == "No data"


def test_limits_cut_the_file_with_warning_1000(server: RunningServer, loaded: Client,
                                                cube: int, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    monkeypatch.setattr(export_module, "CSV_MAX_CELLS", 4)  # two rows of two cells
    out = export(loaded, cube, "CSV_C", "/qHyperCubeDef")
    assert out["qWarnings"] == [1000]
    assert len(fetch(server, out["qUrl"]).text.splitlines()) == 1 + 2
    monkeypatch.setattr(export_module, "XLSX_MAX_COLUMNS", 1)
    out = export(loaded, cube, "OOXML", "/qHyperCubeDef")
    assert out["qWarnings"] == [1000]
    file = tmp_path / "cut.xlsx"
    file.write_bytes(fetch(server, out["qUrl"]).content)
    rows = list(load_workbook(file).active.iter_rows(values_only=True))
    assert rows[0] == ("Region",) and len(rows) == 4
