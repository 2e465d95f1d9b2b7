"""Hypercubes as Arrow tables and pandas DataFrames (app/frames.py): every row, in the
selections, checked against DuckDB over the same rows."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from associa.app import DocState
from associa.app.app import App
from associa.app.frames import hypercube_table, object_table
from associa.errors import InvalidParameters, NotImplementedInEngine

ROWS = 3000  # more rows than one page of the reader (calc/export.CHUNK_ROWS)
SCRIPT = f"""\
T: LOAD RecNo() as Id, 'k' & Mod(RecNo(), 7) as K, If(Mod(RecNo(), 5) = 0, Null(),
       Mod(RecNo() * 37, 101)) as V
AUTOGENERATE {ROWS};
"""


def duck(sql: str) -> list[tuple]:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT i AS id, 'k' || (i % 7) AS k, "
                f"CASE WHEN i % 5 = 0 THEN NULL ELSE (i * 37) % 101 END AS v "
                f"FROM range(1, {ROWS + 1}) r(i)")
    return con.execute(sql).fetchall()


@pytest.fixture
def doc(tmp_path) -> DocState:  # type: ignore[no-untyped-def]
    app = App("frames", script=SCRIPT, base_dir=tmp_path)
    app.reload()
    return DocState(app)


CUBE = {"qDimensions": [{"qDef": {"qFieldDefs": ["Id"]}}, {"qDef": {"qFieldDefs": ["K"]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(V)"}}]}


def test_every_row_as_an_arrow_table(doc: DocState) -> None:
    table = hypercube_table(doc, CUBE)
    assert isinstance(table, pa.Table)
    assert table.column_names == ["Id", "K", "Sum(V)"]
    assert table.schema.field("Sum(V)").type == pa.float64()
    assert table.num_rows == ROWS
    got = sorted(zip(*table.to_pydict().values(), strict=True))
    want = sorted((str(i), k, None if v is None else float(v))
                  for i, k, v in duck("SELECT id, k, SUM(v) FROM t GROUP BY id, k"))
    # Sum over only NULLs is 0 in the engine (as in Qlik), NULL in SQL
    assert [(i, k, 0.0 if v is None else v) for i, k, v in want] == got


def test_a_data_frame_in_the_selections(doc: DocState) -> None:
    doc.select("K", "k3", "k5")
    frame = hypercube_table(doc, {"qDimensions": [{"qDef": {"qFieldDefs": ["K"]}}],
                                  "qMeasures": [{"qDef": {"qDef": "Sum(V)"}},
                                                {"qDef": {"qDef": "Count(V)"}}]}).to_pandas()
    assert list(frame.columns) == ["K", "Sum(V)", "Count(V)"]
    want = {k: (float(s), float(c)) for k, s, c in duck(
        "SELECT k, SUM(v), COUNT(v) FROM t WHERE k IN ('k3', 'k5') GROUP BY k")}
    got = {row.K: (row[1], row[2]) for row in frame.itertuples(index=False)}
    assert got == want


def test_an_object_s_cube_and_the_session_object_is_gone(doc: DocState) -> None:
    made = doc.create_session_object({"qInfo": {"qType": "t"}, "qHyperCubeDef": CUBE})
    table = object_table(doc, made["qInfo"]["qId"])
    assert table.num_rows == ROWS
    before = set(doc.session_objects)
    hypercube_table(doc, CUBE)
    assert set(doc.session_objects) == before


def test_bad_definitions(doc: DocState) -> None:
    with pytest.raises(InvalidParameters):
        hypercube_table(doc, {"qDimensions": "Id"})
    with pytest.raises(NotImplementedInEngine):
        hypercube_table(doc, {**CUBE, "qMode": "P"})
    assert hypercube_table(doc, CUBE).num_rows == ROWS


# -- DataFrames in --------------------------------------------------------------------


def test_load_frames_makes_tables_without_touching_the_script() -> None:
    import pandas as pd
    import polars as pl

    from associa.app.frames import load_frames

    app = App("frames")
    script = app.script
    load_frames(app, {
        "Sales": pd.DataFrame({"Region": ["N", "S"], "Amount": [1.5, 2.0]}),
        "More": pl.DataFrame({"Region": ["N"], "Amount": [4.0]}),  # same fields: concatenated
        "Dates": pa.table({"Region": ["N"], "Day": pa.array([19000], pa.date32())}),
    })
    assert app.script == script
    assert [app.model.tables[t].name for t in app.model.data_tables] == ["Sales", "Dates"]
    doc = DocState(app)
    table = hypercube_table(doc, {"qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}],
                                  "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}},
                                                {"qDef": {"qDef": "Max(Day)"}}]})
    assert table.to_pydict() == {"Region": ["N", "S"], "Sum(Amount)": [5.5, 2.0],
                                 "Max(Day)": [19000.0 + 25569.0, None]}
    assert "Execution finished." in app.reload_log  # logged as a reload


def test_load_frames_refuses_what_is_not_a_frame() -> None:
    from associa.app.frames import load_frames

    app = App("frames")
    with pytest.raises(InvalidParameters):
        load_frames(app, {"T": {"a": [1]}})
    with pytest.raises(InvalidParameters):
        load_frames(app, {"T": pa.table({"a": [1], "b": [2]}).rename_columns(["a", "a"])})
    assert not list(app.model.data_tables)  # nothing changed
