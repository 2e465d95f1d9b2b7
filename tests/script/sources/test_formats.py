"""File types of LOAD … FROM: Excel (xlsx made here with openpyxl, xls with xlwt), JSON,
Parquet and fixed-record text, read through a folder connection."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlwt
from openpyxl import Workbook

from associa.app.folders import FolderFiles
from associa.errors import ScriptError
from associa.script import run_script
from associa.script.sources.formats import SourceOptions, kind_of


def _run(script: str, root: Path):
    folder = FolderFiles(lambda name: root)
    return run_script(script, folder.open, list_files=folder.list, write_file=folder.write,
                      stat_file=folder.stat)


def _cells(model, table: str, field: str) -> list:
    t = model.tables[table]
    sym = model.fields[field].symbols
    out = []
    for code in t.columns[field]:
        if int(code) == sym.null_code:
            out.append(None)
        else:
            num = sym.num(int(code))
            out.append((sym.text(int(code)), None if math.isnan(num) else num))
    return out


ORDERS: list[list[object]] = [
    ["Exported by a tool"],  # a banner line: header is 1 lines
    ["Id", "Customer", "Amount", "Shipped", "Paid", "Code"],
    [1, "Acme", 10.5, dt.datetime(2024, 3, 1), True, "007"],
    [2, "Bolt", None, dt.datetime(2024, 3, 2, 14, 30), False, "x"],
    [3, None, 7, None, None, "12"],
]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws.append(["ignored sheet"])
    orders = wb.create_sheet("Orders")
    for row in ORDERS:
        orders.append(row)
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


@pytest.fixture
def old_book(tmp_path: Path) -> Path:
    """The same workbook as an Excel 97-2003 file (BIFF, ``.xls``)."""
    wb = xlwt.Workbook()
    wb.add_sheet("Summary").write(0, 0, "ignored sheet")
    orders = wb.add_sheet("Orders")
    stamp = xlwt.easyxf(num_format_str="YYYY-MM-DD hh:mm")
    for r, row in enumerate(ORDERS):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                orders.write(r, c, value, stamp)
            elif value is not None:
                orders.write(r, c, value)
    path = tmp_path / "book.xls"
    wb.save(str(path))
    return path


@pytest.mark.parametrize(("workbook", "spec"), [("book", "ooxml"), ("old_book", "biff")])
def test_excel_sheet_with_embedded_labels(workbook: str, spec: str,
                                          request: pytest.FixtureRequest) -> None:
    path: Path = request.getfixturevalue(workbook)
    model = _run(
        "SET DateFormat = 'YYYY-MM-DD';\nSET TimestampFormat = 'YYYY-MM-DD hh:mm';\n"
        f"O: LOAD * FROM [lib://x/{path.name}] ({spec}, embedded labels, header is 1 lines, "
        "table is Orders$);", path.parent).model
    assert model.tables["O"].fields == ["Id", "Customer", "Amount", "Shipped", "Paid", "Code"]
    assert _cells(model, "O", "Id") == [("1", 1.0), ("2", 2.0), ("3", 3.0)]
    assert _cells(model, "O", "Customer") == [("Acme", None), ("Bolt", None), None]
    assert _cells(model, "O", "Amount") == [("10.5", 10.5), None, ("7", 7.0)]
    assert _cells(model, "O", "Shipped") == [("2024-03-01", 45352.0),
                                             ("2024-03-02 14:30", 45353.0 + 14.5 / 24), None]
    assert _cells(model, "O", "Paid") == [("True", -1.0), ("False", 0.0), None]
    # text cells are untyped input: '007' is the number 7 with its text kept
    assert _cells(model, "O", "Code") == [("007", 7.0), ("x", None), ("12", 12.0)]


def test_an_xls_file_by_its_extension(old_book: Path) -> None:
    model = _run("S: LOAD * FROM [lib://x/book.xls] (no labels);", old_book.parent).model
    assert _cells(model, "S", "A") == [("ignored sheet", None)]


def test_xlsx_no_labels_and_first_sheet(book: Path) -> None:
    model = _run("S: LOAD * FROM [lib://x/book.xlsx] (ooxml, no labels);", book.parent).model
    assert model.tables["S"].fields == ["A"]
    assert _cells(model, "S", "A") == [("ignored sheet", None)]
    model = _run("O: LOAD A, C FROM [lib://x/book.xlsx] (ooxml, no labels, table is [Orders$]);",
                 book.parent).model
    assert _cells(model, "O", "C")[1:3] == [("Amount", None), ("10.5", 10.5)]


def test_xlsx_missing_sheet_is_a_clear_error(book: Path) -> None:
    with pytest.raises(ScriptError) as info:
        _run("O: LOAD * FROM [lib://x/book.xlsx] (ooxml, table is Nope);", book.parent)
    assert "Sheet 'Nope' not found (sheets: Summary, Orders)" in info.value.detail


def test_not_an_xlsx_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "fake.xlsx").write_text("hello")
    with pytest.raises(ScriptError) as info:
        _run("O: LOAD * FROM [lib://x/fake.xlsx] (ooxml);", tmp_path)
    assert "Excel" in info.value.detail or "Cannot read file" in info.value.detail


def test_bad_json_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(ScriptError) as info:
        _run("T: LOAD * FROM [lib://x/x.json] (json);", tmp_path)
    assert "Invalid JSON" in info.value.detail


def test_json_member_not_found(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{"a": [{"b": 1}]}')
    with pytest.raises(ScriptError) as info:
        _run("T: LOAD * FROM [lib://x/x.json] (json, table is zz);", tmp_path)
    assert "Table 'zz' not found in the JSON file" in info.value.detail


def test_parquet_nested_struct_is_flattened(tmp_path: Path) -> None:
    tbl = pa.table({"id": [1, 2], "who": pa.array([{"name": "a", "n": 1}, {"name": "b", "n": 2}])})
    pq.write_table(tbl, tmp_path / "n.parquet")
    model = _run("T: LOAD * FROM [lib://x/n.parquet];", tmp_path).model
    assert model.tables["T"].fields == ["id", "who.name", "who.n"]
    assert _cells(model, "T", "who.name") == [("a", None), ("b", None)]


def test_large_parquet_keeps_codes(tmp_path: Path) -> None:
    n = 200_000
    tbl = pa.table({"k": pa.array(range(n)), "g": pa.array([f"g{i % 97}" for i in range(n)])})
    pq.write_table(tbl, tmp_path / "big.parquet")
    model = _run("T: LOAD * FROM [lib://x/big.parquet] (parquet);", tmp_path).model
    assert model.tables["T"].nrows == n
    assert len(model.fields["g"].symbols) == 97
    assert len(model.fields["k"].symbols) == n


@pytest.mark.parametrize(
    ("path", "kind"),
    [("lib://a/x.QVD", "qvd"), ("lib://a/x.xlsx", "ooxml"), ("lib://a/x.XLS", "biff"),
     ("lib://a/b.c/x", "txt"),
     ("x.parquet", "parquet"), ("x.json", "json"), ("x.csv", "txt"), ("x.fix", "fix")],
)
def test_kind_by_extension(path: str, kind: str) -> None:
    assert kind_of(path, SourceOptions()) == kind
    assert kind_of(path, SourceOptions("txt")) == "txt"


def test_fix_bad_record_spec(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("abc\n")
    with pytest.raises(ScriptError) as info:
        _run("T: LOAD @1:2 FROM [lib://x/f.txt] (fix, no labels, record is 0 lines);", tmp_path)
    assert info.value.line == 1
