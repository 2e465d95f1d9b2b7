"""Pivot, stacked and tree cubes (qMode P, K, T) as DataFrames in long form, in both
flavours, checked against DuckDB over the same rows (``client/cubes.py``)."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd
import pytest

from associa.client import Doc
from associa.client import frames as client_frames

SALES = pd.DataFrame({
    "Region": ["North", "North", "South", "East", "West"],
    "Product": ["Bike", "Lock", "Bike", "Helmet", "Lock"],
    "Amount": [100, 20, 150, 40, 25.5], "Qty": [1, 4, 2, 3, 5]})
BY_BOTH = ("SELECT Region, Product, SUM(Amount) AS a, SUM(Qty)::DOUBLE AS q FROM SALES "
           "GROUP BY ALL ORDER BY ALL")


def props(mode: str, **more: Any) -> dict[str, Any]:
    return {"qInfo": {"qType": "x"}, "qHyperCubeDef": {
        "qMode": mode, "qNoOfLeftDims": 1, "qAlwaysFullyExpanded": True,
        "qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}},
                        {"qDef": {"qFieldDefs": ["Product"]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}, {"qDef": {"qDef": "Sum(Qty)"}}],
        "qInitialDataFetch": [], **more}}


def records(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    frame = frame.astype(object).where(frame.notna(), None)
    return sorted((tuple(r) for r in frame.itertuples(index=False)),
                  key=lambda r: tuple("" if v is None else str(v) for v in r))


def want(sql: str) -> list[tuple[Any, ...]]:
    return records(duckdb.sql(sql).df())


@pytest.mark.parametrize("mode", ["P", "K"])
def test_pivot_and_stacked_cells_in_long_form(app: Doc, mode: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_frames, "PAGE_CELLS", 3)  # many pages
    frame = app.create_session_object(props(mode)).to_pandas()
    assert list(frame.columns) == ["Region", "Product", "Sum(Amount)", "Sum(Qty)"]
    assert records(frame) == want(BY_BOTH)  # only the five real cells, no totals


def test_pivot_with_the_measures_on_the_left(app: Doc) -> None:
    obj = app.create_session_object(props("P", qNoOfLeftDims=2))
    assert records(obj.to_pandas()) == want(BY_BOTH)
    app.get_field("Product").select("Bike")
    assert records(obj.to_polars().to_pandas()) == want(
        BY_BOTH.replace("GROUP BY", "WHERE Product = 'Bike' GROUP BY"))


def test_tree_one_row_per_node(app: Doc) -> None:
    frame = app.create_session_object(props("T")).to_pandas()
    assert records(frame) == want(
        "SELECT Region, Product, SUM(Amount) AS a, SUM(Qty)::DOUBLE AS q FROM SALES "
        "GROUP BY GROUPING SETS ((Region), (Region, Product))")
    with_total = app.create_session_object(props("T")).to_pandas(totals=True)
    assert records(with_total) == want(
        "SELECT Region, Product, SUM(Amount) AS a, SUM(Qty)::DOUBLE AS q FROM SALES "
        "GROUP BY GROUPING SETS ((), (Region), (Region, Product))")


def test_pivot_totals_only_when_asked(app: Doc) -> None:
    made = props("P")
    for dim in made["qHyperCubeDef"]["qDimensions"]:
        dim["qOtherTotalSpec"] = {"qTotalMode": "TOTAL_EXPR"}
    obj = app.create_session_object(made)
    assert records(obj.to_pandas()) == want(BY_BOTH)
    assert records(obj.to_pandas(totals=True)) == want(
        "SELECT Region, Product, SUM(Amount) AS a, SUM(Qty)::DOUBLE AS q FROM SALES "
        "GROUP BY CUBE (Region, Product)")
