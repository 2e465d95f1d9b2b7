"""``make bench`` must not rot: run it once at a tiny size, as a user would, and check that
it prints every row of its table, writes the same table as JSON, and that the engine and
the baseline gave the same answers (so the baseline did the engine's work). Times are
not checked: speed is what the benchmark reports, never what a test asserts."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench import baseline_side, star, statements
from tests.bench.workload import CLICKS, DESCRIPTIONS, LISTS, plan

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ROWS = 20_000


def test_bench_runs_at_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "tests.bench.run", "--rows", str(ROWS), "--repeat", "2",
         "--reload-runs", "1", "--qvd-runs", "1", "--data", str(tmp_path / "data"), "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    table = [line for line in lines if line.startswith("| ") and "---" not in line]
    table, script_table = table[: table.index(next(x for x in table if x.startswith(
        "| statement |")))], table[[i for i, x in enumerate(table)
                                   if x.startswith("| statement |")][0] + 1:]
    works = [f"reload: {ROWS:,} fact rows"] + [DESCRIPTIONS[c] for c in CLICKS] + [
        "3 alternate states active", "set-analysis chart",
        "3 countries selected, then a page of the straight table",
        "3 countries selected, then the pivot", "another session's small request", "resident after reload", "peak during reload",
        "resident after the clicks", "QVD write", "QVD read"]
    assert len(table) == 1 + len(works), proc.stdout
    for work, line in zip(works, table[1:], strict=True):
        assert line.startswith(f"| {work}"), line
        assert "| – |" not in line.split(work, 1)[1].split("|")[1], line  # associa measured
    assert "answers: associa and DuckDB agree" in proc.stdout, proc.stdout
    # issue 7's statements: JOIN, GROUP BY, CROSSTABLE, each against DuckDB, same answers
    assert [line.split(" | ")[0] for line in script_table] == [
        f"| {w}" for w in statements.WORK.values()], proc.stdout
    assert "statement answers: associa and DuckDB agree" in proc.stdout, proc.stdout
    assert f"json: {out}" in lines

    result = json.loads(out.read_text())
    assert result["shape"]["rows"] == ROWS
    rows = {r["key"]: r for r in result["rows"]}
    for key in ("reload", *CLICKS):
        assert rows[key]["associa"] > 0 and rows[key]["baseline"] > 0
        assert rows[key]["ratio"] == pytest.approx(rows[key]["associa"] / rows[key]["baseline"])
    for click in CLICKS:
        assert len(result["engine"]["clicks"][click]) == 3  # warm-up + 2 timed runs
    # the clicks with alternate states ran once per 3% click run, against that click
    assert len(result["engine"]["states"]) == 3
    assert rows["alternate states"]["baseline"] == rows["3% click"]["associa"]
    # the set-analysis chart: both sides answered every run (and agreed: "agree" above)
    assert len(result["engine"]["sets"]["seconds"]) == 3
    assert rows["set analysis"]["associa"] > 0 and rows["set analysis"]["baseline"] > 0
    # the pivot lines: both sides timed every run of both objects (and agreed)
    for key, side in (("straight page", "straight"), ("pivot", "pivot")):
        assert len(result["engine"]["pivots"][side]) == 3
        assert rows[key]["associa"] > 0 and rows[key]["baseline"] > 0
    # another session's requests were answered while a click ran, and with none
    latency = result["engine"]["latency"]
    assert latency["busy"] and len(latency["idle"]) == 60 and latency["click_s"] > 0
    assert rows["latency"]["associa"] > 0 and rows["latency"]["baseline"] > 0
    assert result["layouts"] == "concurrent"
    assert (star.folder_for(star.Shape.for_rows(ROWS), tmp_path / "data") / "complete").exists()
    script_rows = {r["key"]: r for r in result["statements"]}
    assert list(script_rows) == list(statements.WORK)
    for r in script_rows.values():
        assert r["associa"] > 0 and r["baseline"] > 0 and r["ratio"] > 0
    assert result["statements_differ"] == []


def test_the_star_is_cached_and_has_the_shape_asked(tmp_path: Path) -> None:
    import duckdb

    shape = star.Shape.for_rows(5_000, seed=3)
    logs: list[str] = []
    folder = star.ensure(shape, tmp_path, log=logs.append)
    assert "written by DuckDB" in logs[-1]
    stamp = (folder / "fact.csv").stat().st_mtime_ns
    assert star.ensure(shape, tmp_path, log=logs.append) == folder
    assert "(cached)" in logs[-1] and (folder / "fact.csv").stat().st_mtime_ns == stamp

    con = duckdb.connect()
    fact = con.execute(
        f"SELECT count(*), count(DISTINCT OrderID), max(CustomerID), max(ProductID), "
        f"count(DISTINCT DateKey), min(Quantity), max(Quantity), min(Sales) "
        f"FROM read_csv('{folder / 'fact.csv'}')").fetchone()
    assert fact[:4] == (5_000, 5_000, shape.customers, shape.products)
    assert fact[4] <= shape.dates and (fact[5], fact[6]) == (1, 100) and fact[7] > 0
    # the fields are drawn independently: as many distinct pairs as independent draws give
    pairs = shape.customers * shape.products
    expected = pairs * (1 - math.exp(-5_000 / pairs))
    (seen,) = con.execute(f"SELECT count(DISTINCT (CustomerID, ProductID)) "
                          f"FROM read_csv('{folder / 'fact.csv'}')").fetchone()
    assert 0.97 * expected <= seen <= 1.03 * expected
    text = (folder / "fact.csv").read_text().splitlines()
    assert text[0] == "OrderID,CustomerID,ProductID,DateKey,Quantity,Sales"
    assert all(len(line.rsplit(",", 1)[1].split(".")[1]) == 2 for line in text[1:50])  # cents
    dims = con.execute(
        f"SELECT count(*), count(DISTINCT Country), count(DISTINCT Segment) "
        f"FROM read_csv('{folder / 'customers.csv'}')").fetchone()
    assert dims == (shape.customers, shape.countries, shape.segments)
    # a click's values exist: the plan selects texts the files hold
    countries = {r[0] for r in con.execute(
        f"SELECT DISTINCT Country FROM read_csv('{folder / 'customers.csv'}')").fetchall()}
    for run in plan(shape, 4)["3% click"]:
        assert set(run.select["Country"]) <= countries


def test_list_box_sql_states_follow_the_other_fields() -> None:
    """The baseline's list box query: own selection first (selected), the rest possible
    under the other fields' selections (alternative) or not (excluded); with no other
    selection no join is made."""
    where = {"Country": ["Country 001"], "Category": ["Category 01"]}
    q = baseline_side.list_query("Country", where)
    assert "WHEN d.v IN ('Country 001') THEN 0" in q
    assert "WHERE Category IN ('Category 01')" in q and "Country IN" not in q.split("WHERE")[1]
    assert "LEFT JOIN products" in q and "LEFT JOIN customers" in q
    alone = baseline_side.list_query("Segment", {"Segment": ["Consumer"]})
    assert "fact" not in alone and "THEN 2" in alone
    assert len(baseline_side.queries(where)) == len(LISTS) + 2
