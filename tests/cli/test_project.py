"""The golden project (tests/cli/golden/project.yaml) built into an app by ``associa
build`` and queried through the real entry point: listings, eval by dimensions,
select, preview, reload's progress on a pipe, diff, export and import; as tables for
people and as JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.commands import associa

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the golden project, built into app 'sales' in <copy>/data."""
    folder = tmp_path_factory.mktemp("golden") / "project"
    shutil.copytree(GOLDEN, folder)
    done = associa("build", str(folder / "project.yaml"), "--data-dir", str(folder / "data"),
                   cwd=folder.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == (
        "built 'sales': 2 tables, 8 rows, 1 dimensions, 1 measures, 1 variables, "
        "1 objects, 1 bookmarks")
    assert done.stderr.splitlines() == ["Sales: 5 rows loaded", "Regions: 3 rows loaded"]
    return folder


def run_json(project: Path, *args: str) -> object:
    done = associa(*args, "--data-dir", str(project / "data"), "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize(("listing", "rows"), [
    ("tables", [{"table": "Sales", "rows": 5, "fields": 3,
                 "field names": "Region, Product, Amount"},
                {"table": "Regions", "rows": 3, "fields": 2, "field names": "Region, Manager"}]),
    ("keys", [{"key": "Region", "tables": "Sales, Regions"}]),
    ("measures", [{"id": "m-total", "title": "Total sales", "expression": "Sum(Amount)"}]),
    ("dimensions", [{"id": "dim-region", "title": "Region", "fields": "Region"}]),
    ("variables", [{"name": "vTarget", "definition": "200", "from": "app"}]),
    ("objects", [{"id": "sheet-1", "type": "sheet"}]),
    ("bookmarks", [{"id": "bm-north", "title": "North only"}]),
])
def test_listings_json(project: Path, listing: str, rows: list[dict[str, object]]) -> None:
    assert run_json(project, listing, "sales") == rows


def test_fields_as_a_table(project: Path) -> None:
    done = associa("fields", "sales", "--data-dir", str(project / "data"))
    lines = [line.split() for line in done.stdout.splitlines()]
    assert lines[0] == ["field", "tables", "distinct", "tags"]
    assert lines[1][:4] == ["Region", "Sales,", "Regions", "3"]
    assert [line[0] for line in lines[1:]] == ["Region", "Product", "Amount", "Manager"]


def test_eval_by_dimension(project: Path) -> None:
    assert run_json(project, "eval", "sales", "Sum(Amount)", "--by", "Region") == [
        {"Region": "North", "Sum(Amount)": 150}, {"Region": "South", "Sum(Amount)": 180},
        {"Region": "West", "Sum(Amount)": 70}]
    done = associa("eval", "sales", "Sum(Amount)", "--by", "Region", "--data-dir",
                   str(project / "data"))
    assert [line.split() for line in done.stdout.splitlines()] == [
        ["Region", "Sum(Amount)"], ["North", "150"], ["South", "180"], ["West", "70"]]


def test_select_then_eval(project: Path) -> None:
    data = str(project / "data")
    done = associa("select", "sales", "Region=North", "Region=West", "--data-dir", data,
                   "--", "eval", "Sum(Amount)")
    assert (done.returncode, done.stdout) == (0, "220\n"), done.stderr
    done = associa("select", "sales", "Manager=Bo", "--data-dir", data, "--", "eval",
                   "Sum(Amount)", "--by", "Product", "--json")
    assert json.loads(done.stdout) == [{"Product": "Apples", "Sum(Amount)": 150},
                                       {"Product": "Plums", "Sum(Amount)": 30}]
    done = associa("select", "sales", "Nope=1", "--data-dir", data, "--", "eval", "1")
    assert (done.returncode, done.stderr) == (1, "associa select: no field 'Nope' in the app\n")
    done = associa("select", "sales", "Region", "--data-dir", data)
    assert done.returncode == 2 and "'Region' is not FIELD=VALUE" in done.stderr


def test_preview(project: Path) -> None:
    assert run_json(project, "preview", "sales", "Sales", "--limit", "2") == [
        {"Region": "North", "Product": "Apples", "Amount": 100},
        {"Region": "North", "Product": "Pears", "Amount": 50}]
    done = associa("preview", "sales", "Nope", "--data-dir", str(project / "data"))
    assert done.returncode == 1
    assert done.stderr == "associa preview: no table 'Nope' in app 'sales' (tables: Sales, Regions)\n"


def test_reload_on_a_pipe_prints_rows_per_table_then_diff(project: Path) -> None:
    data = str(project / "data")
    with (project / "sales.csv").open("a", encoding="utf-8") as fh:
        fh.write("East,Kiwis,40\n")
    done = associa("reload", "sales", "--data-dir", data)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == ["Sales: 6 rows loaded", "Regions: 3 rows loaded"]
    assert done.stdout.splitlines()[:2] == ["Sales << sales 6 Lines fetched",
                                            "Regions << INLINE 3 Lines fetched"]
    assert run_json(project, "diff", "sales") == [
        {"change": "rows changed", "table": "Sales", "detail": "+1", "rows before": 5,
         "rows after": 6}]
    done = associa("diff", "sales", "--data-dir", data)
    assert done.stdout.split() == ["change", "table", "detail", "rows", "before", "rows",
                                   "after", "rows", "changed", "Sales", "+1", "5", "6"]


def test_export_then_import(project: Path, tmp_path: Path) -> None:
    data = str(project / "data")
    file = tmp_path / "sales.associa"
    done = associa("export", "sales", str(file), "--data-dir", data)
    assert done.returncode == 0 and file.is_file(), done.stderr
    other = tmp_path / "other"
    other.mkdir()
    done = associa("import", "copy", str(file), "--data-dir", str(other))
    assert done.returncode == 0, done.stderr
    done = associa("eval", "copy", "Sum(Amount)", "--data-dir", str(other))
    assert done.stdout in ("400\n", "440\n")  # before or after the reload test's extra row
    again = associa("import", "copy", str(file), "--data-dir", str(other))
    assert again.returncode == 1 and "use --replace" in again.stderr


def test_a_bad_project_file_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("app: x\nscript: 'T: LOAD 1 as A AUTOGENERATE 1;'\nmeasures:\n"
                    "  - id: m\n    expresion: Sum(A)\n", encoding="utf-8")
    done = associa("build", str(path), "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 2
    assert done.stderr.startswith(f"associa build: {path}: measures.0.")
    assert not (tmp_path / "data" / "apps").exists() or not list(
        (tmp_path / "data" / "apps").glob("*.app"))
