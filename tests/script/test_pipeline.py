"""LOAD statements end to end, beyond the golden cases: what a preceding load may stand on,
errors with positions, progress lines of the prefixes, and limits that are reported."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from associa.errors import ScriptError
from associa.script import run_script
from tests.script.test_interpreter import snapshot


def values(script: str, table: str, field: str) -> list[str | None]:
    tables = snapshot(run_script(script).model)
    return [None if c is None else c[0] for c in tables[table][field]]


def test_preceding_loads_of_any_depth() -> None:
    script = ("T:\nLOAD D + 1 as E;\nLOAD C + 1 as D;\nLOAD B + 1 as C;\nLOAD A + 1 as B;\n"
              "LOAD * INLINE [A\n1\n10];")
    assert values(script, "T", "E") == ["5", "14"]


def test_a_preceding_load_needs_a_statement_under_it() -> None:
    with pytest.raises(ScriptError) as info:
        run_script("T: LOAD 1 as X AUTOGENERATE 1;\n\n  LOAD X;\nDROP TABLE T;")
    assert (info.value.line, info.value.column) == (4, 1)  # the statement that interrupts
    with pytest.raises(ScriptError) as info:
        run_script("T: LOAD 1 as X AUTOGENERATE 1;\n\n  LOAD X;")
    assert (info.value.line, info.value.column) == (3, 3)  # the waiting LOAD, at the end


def test_unknown_field_in_a_preceding_load_is_reported_at_its_name() -> None:
    with pytest.raises(ScriptError) as info:
        run_script("T:\nLOAD A, Nope;\nLOAD * INLINE [A\n1];")
    assert "Field 'Nope' not found" in info.value.detail
    assert (info.value.line, info.value.column) == (2, 9)


def test_the_intermediate_values_of_a_preceding_load_are_not_symbols() -> None:
    # B's values 10 and 20 exist only between the two stages: field B is not in the model
    model = run_script("T:\nLOAD B / 10 as C;\nLOAD A * 10 as B INLINE [A\n1\n2];").model
    assert model.data_fields == ["C"]
    assert len(model.fields["C"].symbols) == 2


def test_progress_lines_of_join_and_mapping() -> None:
    lines: list[str] = []
    run_script("M: MAPPING LOAD * INLINE [K, V\n1, a];\nT: LOAD * INLINE [K\n1\n2];\n"
               "LEFT JOIN (T) LOAD * INLINE [K, W\n1, x];", progress=lines.append)
    assert lines == ["M << INLINE 1 Lines fetched", "T << INLINE 2 Lines fetched",
                     "T << INLINE 1 Lines fetched"]


def test_mapping_tables_are_gone_after_the_script() -> None:
    model = run_script("M: MAPPING LOAD * INLINE [K, V\n1, a];\n"
                       "T: LOAD ApplyMap('M', K) as V INLINE [K\n1];").model
    assert model.data_tables == ["T"] and "K" not in model.fields


def test_exists_in_a_mixed_condition_follows_the_records_kept_so_far() -> None:
    # the first record is kept because its key is new; the second because the first
    # record's key now exists (evaluated record by record, this is the only answer)
    script = ("T: LOAD * INLINE [K, F\n1, 0\n1, 1] "
              "WHERE If(F = 1, Exists(K), NOT Exists(K));")
    assert values(script, "T", "K") == ["1", "1"]


def test_hierarchy_with_a_cycle_is_an_error() -> None:
    with pytest.raises(ScriptError, match="cycle"):
        run_script("H: HIERARCHY (Id, P, N) LOAD * INLINE [Id, P, N\n1, 2, a\n2, 1, b];")


def test_peek_outside_a_load_reads_the_last_table() -> None:
    result = run_script("A: LOAD * INLINE [X\n1\n2];\nB: LOAD * INLINE [Y\n7];\n"
                        "LET v = Peek('Y');\nLET w = Peek('X', 0, 'A');")
    assert (result.variables["v"], result.variables["w"]) == ("7", "1")


def test_while_over_a_big_source_stays_vectorized() -> None:
    script = "T: LOAD RecNo() as N, IterNo() as I AUTOGENERATE 20000 WHILE IterNo() <= 3;"
    model = run_script(script).model
    assert model.tables["T"].nrows == 60000


def test_sql_select_feeds_a_preceding_load(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE orders (id INTEGER, qty INTEGER)")
        con.executemany("INSERT INTO orders VALUES (?, ?)", [(1, 2), (2, 5)])
    doc = client.session_app(None)
    client.call("CreateConnection", {"qName": "shop", "qType": "sqlite",
                                     "qConnectionString": str(db)}, handle=doc)
    script = "LIB CONNECT TO 'shop';\nT:\nLOAD id, qty * 10 as Amount;\nSQL SELECT id, qty FROM orders;"
    client.call("SetScript", script, handle=doc)
    assert client.call("DoReload", handle=doc) == {"qReturn": True}
    assert client.call("Evaluate", "Sum(Amount)", handle=doc)["qReturn"] == "70"


RUNNING = """
Src: LOAD * INLINE [
Cust, Day, Amt
{rows}
];
T: NoConcatenate LOAD Cust, Day, Amt,
  RangeSum(Peek('A'), Amt) as A,
  Peek('B') + Amt as B,
  If(Cust = Previous(Cust), RangeSum(Peek('C'), Amt), Amt) as C,
  If(Cust = Previous(Cust), Peek('D') + Amt, 0) as D
RESIDENT Src ORDER BY Cust, Day;
CONCATENATE (T) LOAD 'z' as Cust, Amt, RangeSum(Peek('A'), Amt) as A INLINE [
Amt
1
2];
DROP TABLE Src;
"""


def test_running_totals_are_computed_as_record_by_record(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = __import__("numpy").random.default_rng(7)
    rows = "\n".join(f"{'abc'[rng.integers(3)]}, {d}, {rng.integers(-5, 20) if d % 7 else 'x'}"
                     for d in range(300))
    script = RUNNING.format(rows=rows)
    fast = snapshot(run_script(script).model)
    from associa.script import running

    monkeypatch.setattr(running, "recognise", lambda expr, name: None)
    slow = snapshot(run_script(script).model)
    assert fast == slow
    assert fast["T"]["A"][-1] is not None  # the concatenation continues the total


def test_previous_in_where_reads_the_previous_record_kept() -> None:
    # each record needs the previous kept one: over 64 passes, settled record by record
    rows = "\n".join(str(i) for i in range(1, 201))
    script = f"T: LOAD A INLINE [A\n{rows}] WHERE A >= Alt(Previous(A), -10) + 2;"
    assert values(script, "T", "A") == [str(i) for i in range(1, 201, 2)]


def test_peek_in_where_reads_the_rows_of_the_table_kept_so_far() -> None:
    """Peek of the table being built, inside WHERE, reads the rows it holds when the
    record is read: the concatenation target's rows, then the records this LOAD kept."""
    script = ("T: LOAD V INLINE [V\n1\n2\n3\n5\n6\n8] "
              "WHERE IsNull(Peek('V')) or Peek('V') + 1 < V;")
    assert values(script, "T", "V") == ["1", "3", "5", "8"]
    script = ("T: LOAD V INLINE [V\n1];\n"
              "Concatenate(T) LOAD V, V * 10 as W INLINE [V\n1\n2\n4\n5\n9] "
              "WHERE Peek('V', -1, 'T') + 1 < V and Alt(Peek('W'), 0) < 90;")
    assert values(script, "T", "V") == ["1", "4", "9"]
    # row numbers count from the table's first row; a field this LOAD does not fill is NULL
    script = ("T: LOAD K, V INLINE [K, V\na, 1\nb, 2\na, 3\nc, 4] "
              "WHERE RecNo() < 3 or Peek('K', 1) = 'b' and Peek('K') <> K;")
    assert values(script, "T", "V") == ["1", "2", "3", "4"]
    # each record depends on the one kept before it: settled record by record
    rows = "\n".join(str(i) for i in range(1, 201))
    script = f"T: LOAD A INLINE [A\n{rows}] WHERE A >= Alt(Peek('A'), -10) + 2;"
    assert values(script, "T", "A") == [str(i) for i in range(1, 201, 2)]


def test_exists_of_two_fields_the_load_fills() -> None:
    script = ("T: LOAD A, B INLINE [A, B\n1, x\n1, y\n2, x\n3, z] "
              "WHERE NOT Exists(A) and NOT Exists(B);")
    assert values(script, "T", "A") == ["1", "3"]
    assert values(script, "T", "B") == ["x", "z"]


@pytest.mark.parametrize("script", [
    "CONCATENATE (Nope) LOAD a FROM [f.csv] (txt);",
    "CONCATENATE (Nope) LOAD a INLINE [\na\n1\n];",
])
def test_a_load_failing_before_it_reads_stops_the_reader(monkeypatch: pytest.MonkeyPatch,
                                                         script: str) -> None:
    """A LOAD that fails before it reads (its target table does not exist) has opened
    its text (the labels are read from it): its reader is stopped then, not left to the
    interpreter's exit (where an Arrow reader may abort the process)."""
    from associa.script.sources.arrow_csv import DelimitedBatches

    closed: list[DelimitedBatches] = []
    close = DelimitedBatches.close

    def counting(self: DelimitedBatches) -> None:
        closed.append(self)
        close(self)

    monkeypatch.setattr(DelimitedBatches, "close", counting)
    with pytest.raises(ScriptError, match="Nope"):
        run_script(script, lambda path: b"a\n1\n")
    assert len(closed) >= 1
