"""Proxies made from the method table, in both flavours: typed objects, unwrapped
results, errors with the engine's code, change notifications."""

from __future__ import annotations

import threading

import pytest

from associa.client import (
    Doc,
    EngineError,
    Field,
    GenericBookmark,
    GenericObject,
    GenericVariable,
    Global,
)
from associa.client.methods import snake
from associa.client.objects import SYNC
from associa.qix.dispatch import METHODS
from tests.client.conftest import cube, listbox


def test_every_engine_method_is_a_client_method() -> None:
    missing = [f"{qtype}.{name}" for qtype, name in METHODS
               if qtype in SYNC and not callable(getattr(SYNC[qtype], snake(name), None))]
    assert missing == []
    assert snake("GetHyperCubeData") == "get_hyper_cube_data"
    assert snake("qDimNo") == "dim_no"


def test_results_are_unwrapped_and_handles_typed(qix: Global, app: Doc) -> None:
    assert qix.engine_version()["qComponentVersion"]
    assert isinstance(app, Doc)
    assert app.evaluate("Sum(Amount)") == "335.5"
    obj = app.create_session_object(cube("Region", measures=("Sum(Amount)",)))
    assert isinstance(obj, GenericObject) and obj.id
    layout = obj.get_layout()
    assert layout["qHyperCube"]["qSize"] == {"qcx": 2, "qcy": 4}
    # by position, by Python name and by QIX name: the same call
    page = {"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 1}
    by_pos = obj.get_hyper_cube_data("/qHyperCubeDef", [page])
    assert by_pos == obj.get_hyper_cube_data(path="/qHyperCubeDef", pages=[page])
    assert by_pos == obj.get_hyper_cube_data(qPath="/qHyperCubeDef", qPages=[page])
    assert by_pos[0]["qMatrix"][0][0]["qText"] == "East"
    field = app.get_field("Region")
    assert isinstance(field, Field)
    assert field.select("North") is True and field.get_cardinal() == 4
    variable = app.create_session_variable({"qInfo": {"qType": "variable"},
                                            "qName": "vX", "qDefinition": "=1+2"})
    assert isinstance(variable, GenericVariable)
    assert variable.get_layout()["qNum"] == 3
    bookmark = app.create_bookmark({"qInfo": {"qType": "bookmark"},
                                    "qMetaDef": {"qTitle": "North"}})
    assert isinstance(bookmark, GenericBookmark)
    assert bookmark.get_layout()["qMeta"]["qTitle"] == "North"


def test_errors_carry_the_engines_code(app: Doc) -> None:
    with pytest.raises(EngineError) as info:
        app.get_field("Nosuch").select("x")
    assert info.value.code == 2 and info.value.parameter == "Nosuch"
    assert app.get_object("no-such-object") is None  # QIX's null handle
    with pytest.raises(EngineError) as bad:
        app.evaluate(42)  # a wrong type: refused by the engine, nothing changes
    assert bad.value.code == -32602 and "qExpression" in bad.value.parameter
    with pytest.raises(TypeError):
        app.evaluate("1", "2")  # more arguments than the method has


def test_change_callbacks(app: Doc) -> None:
    chart = app.create_session_object(cube("Region", measures=("Sum(Amount)",)))
    box = app.create_session_object(listbox("Product"))
    seen: list[int] = []
    repainted = threading.Event()

    def repaint(obj: GenericObject) -> None:  # a listener may call the engine
        seen.append(obj.get_layout()["qHyperCube"]["qSize"]["qcy"])
        if seen[-1] == 2:
            repainted.set()

    chart.on_change(repaint)
    box.select_list_object_values("/qListObjectDef", [0], False)  # Bike
    # the repaint after the selection shows Bike's two regions (a change delivered
    # before it, the chart's own creation's, may repaint the three of them first)
    assert repainted.wait(10)
    assert seen[-1] == 2 and set(seen) <= {2, 3}


def test_close_callback(app: Doc) -> None:
    obj = app.create_session_object(listbox("Region"))
    closed = threading.Event()
    obj.on_close(lambda _: closed.set())
    assert app.destroy_session_object(obj.id) is True
    assert closed.wait(10) and obj.closed


def test_table_data_from_the_method_table(app: Doc) -> None:
    """GetTableData, generated from the method table as every method is."""
    rows = app.get_table_data(1, 2, False, "Sales")
    assert [[v["qText"] for v in row["qValue"]] for row in rows] == [
        ["North", "Lock", "20", "4"], ["South", "Bike", "150", "2"]]
