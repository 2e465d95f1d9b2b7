"""DataFrames out (hypercubes, list objects, field states, values) in both flavours,
checked against DuckDB over the same rows; DataFrames in (pandas, polars, Arrow)."""

from __future__ import annotations

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from associa.client import Doc, EngineError, local
from associa.client import frames as client_frames
from associa.qix.sessions import SessionManager
from tests.client.conftest import cube, listbox

ROWS = pd.DataFrame({"Region": ["North", "North", "South", "East", "West"],
                     "Amount": [100, 20, 150, 40, 25.5], "Qty": [1, 4, 2, 3, 5]})


def test_hypercube_as_table_matches_duckdb(app: Doc) -> None:
    got = app.hypercube(["Region"], ["Sum(Amount)", "Sum(Qty)"]).to_pandas()
    want = duckdb.sql("SELECT Region, SUM(Amount) AS a, SUM(Qty) AS q FROM ROWS "
                      "GROUP BY Region ORDER BY Region").df()
    got = got.sort_values("Region").reset_index(drop=True)
    assert list(got.columns) == ["Region", "Sum(Amount)", "Sum(Qty)"]
    assert got["Region"].tolist() == want["Region"].tolist()
    assert got["Sum(Amount)"].tolist() == pytest.approx(want["a"].tolist())
    assert got["Sum(Qty)"].tolist() == pytest.approx(want["q"].astype(float).tolist())


def test_every_page_is_fetched(app: Doc, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_frames, "PAGE_CELLS", 2)  # one row per page of 2 columns
    obj = app.create_session_object(cube("Product", "Region", measures=("Sum(Qty)",),
                                         height=1))
    table = obj.to_arrow()
    assert table.num_rows == 5  # five (Product, Region) pairs, one page each
    assert sum(table.column("Sum(Qty)").to_pylist()) == 15
    assert obj.to_polars()["Region"].to_list() == table.column("Region").to_pylist()


def test_list_object_and_field_states(app: Doc) -> None:
    app.get_field("Product").select("Bike")
    states = app.field_values("Region").to_pandas()
    assert dict(zip(states["value"], states["state"], strict=True)) == {
        "East": "X", "North": "O", "South": "O", "West": "X"}
    assert app.field_values("Product").to_pandas().set_index("value")["state"]["Bike"] == "S"
    amounts = app.field_values("Amount").to_pandas()
    assert sorted(amounts["number"]) == [20, 25.5, 40, 100, 150]
    box = app.create_session_object(listbox("Manager"))
    assert box.to_arrow().column(0).to_pylist() == ["Ann", "Bob", "Cid", "Dan"]


def test_value_in_the_current_selections(app: Doc) -> None:
    assert app.value("Sum(Amount)") == pytest.approx(335.5)
    app.get_field("Region").select("North")
    assert app.value("Sum(Amount)") == 120
    assert app.value("Only(Manager)") == "Ann"
    assert app.evaluate("Sum(Amount)") == "120"  # QIX's Evaluate: the text


def test_frames_in(app: Doc, sessions: SessionManager) -> None:
    """The same in both flavours (over a socket the frames cross as data files, which
    are gone afterwards); the app's script stays as it was."""
    script = app.get_script()
    app.load_frames({
        "Sales": ROWS,
        "Regions": pl.DataFrame({"Region": ["North", "South"], "Boss": ["Ann", "Bob"]}),
        "Targets": pa.table({"Boss": ["Ann", "Bob"], "Target": [100.0, 200.0]}),
    })
    got = app.hypercube(["Boss"], ["Sum(Amount)", "Sum(Target)"]).to_pandas()
    missing = got[got["Boss"].isna()]  # East and West have no boss: the NULL row
    assert missing["Sum(Amount)"].tolist() == [65.5]
    assert got.dropna(subset=["Boss"]).set_index("Boss").to_dict("index") == {
        "Ann": {"Sum(Amount)": 120.0, "Sum(Target)": 100.0},
        "Bob": {"Sum(Amount)": 150.0, "Sum(Target)": 200.0}}
    tables = [t["qName"] for t in app.get_tables_and_keys(
        {"qcx": 0, "qcy": 0}, {"qcx": 0, "qcy": 0}, 0, True, False)["qtr"]]
    assert tables == ["Sales", "Regions", "Targets"]
    assert app.get_script() == script
    assert not list((sessions.engine.settings.data_dir / "datafiles").glob("associa-frames-*"))
    # loaded again: the tables replaced, not added to
    app.load_frames({"Sales": ROWS.head(2)})
    assert app.value("Sum(Amount)") == 120
    assert app.value("Count(Region)") == 2


def test_bad_frames_change_nothing_in_either_flavour(app: Doc) -> None:
    with pytest.raises(EngineError) as info:
        app.load_frames({"T": pd.DataFrame()})
    assert info.value.code == 8
    assert app.value("Sum(Amount)") == pytest.approx(335.5)


@pytest.mark.parametrize("frames", [{}, {"a]b": ROWS}, {"T": [1, 2]},
                                    {"T": pd.DataFrame()}])
def test_bad_frames_change_nothing(sessions: SessionManager, frames: dict) -> None:
    qix = local(sessions)
    app = qix.create_session_app()
    app.set_script("T: LOAD 1 AS X AUTOGENERATE 3;")
    app.do_reload()
    with pytest.raises(EngineError) as info:
        app.load_frames(frames)
    assert info.value.code == 8
    assert app.value("Sum(X)") == 3
    qix.connection.close()


def test_frames_in_over_the_asyncio_socket(sessions: SessionManager,
                                           request: pytest.FixtureRequest) -> None:
    """aconnect's app loads frames as the blocking flavours do (a helper coroutine)."""
    import asyncio

    from associa.client import aconnect

    server = request.getfixturevalue("server")

    async def run() -> object:
        qix = await aconnect(f"{server.url}/app/")
        try:
            app = await qix.create_session_app()
            await app.load_frames({"Sales": ROWS})
            return await app.value("Sum(Amount)")
        finally:
            await qix.connection.aclose()

    assert asyncio.run(run()) == pytest.approx(335.5)
