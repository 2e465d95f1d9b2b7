"""Calculated dimensions through QIX: list objects on ``=expr`` and selecting in them
(SelectListObjectValues, search, SelectHyperCubeValues/Cells on a calculated dimension),
on SALES_SCRIPT (Amount 100, 20, 150, 40)."""

from __future__ import annotations

from typing import Any

from tests.conftest import Client

SIZE = "=If(Amount>50,'big','small')"


def listbox(text: str, **extra: Any) -> dict[str, Any]:
    return {"qInfo": {"qType": "listbox"},
            "qListObjectDef": {"qDef": {"qFieldDefs": [text]},
                               "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1,
                                                      "qHeight": 50}], **extra}}


def shown(c: Client, handle: int) -> dict[str, tuple[str, int]]:
    page = c.layout(handle)["qListObject"]["qDataPages"][0]["qMatrix"]
    return {row[0]["qText"]: (row[0]["qState"], row[0]["qElemNumber"]) for row in page}


def states(c: Client, handle: int) -> dict[str, str]:
    return {t: s for t, (s, _) in shown(c, handle).items()}


def selected_in(c: Client, name: str) -> list[str]:
    lst = c.create(listbox(name))
    return [t for t, s in states(c, lst).items() if s in ("S", "L")]


def test_list_on_expressions_and_selecting_in_it(loaded: Client) -> None:
    c = loaded
    size = c.create(listbox(SIZE))
    upper = c.create(listbox("=Upper(Region)"))
    assert states(c, size) == {"big": "O", "small": "O"}
    assert states(c, upper) == {"NORTH": "O", "SOUTH": "O", "EAST": "O"}
    info = c.layout(size)["qListObject"]["qDimensionInfo"]
    assert info["qIsCalculated"] is True and info["qCardinal"] == 2
    big = shown(c, size)["big"][1]
    reply = c.send("SelectListObjectValues", "/qListObjectDef", [big], False, handle=size)
    assert reply["result"] == {"qSuccess": True}
    assert sorted(selected_in(c, "Amount")) == ["100", "150"]
    assert states(c, size) == {"big": "S", "small": "X"}
    assert states(c, upper) == {"NORTH": "O", "SOUTH": "O", "EAST": "X"}
    # the selection is Amount's: the current selections name the field
    sel = c.create({"qInfo": {"qType": "cs"}, "qSelectionObjectDef": {}})
    fields = [s["qField"] for s in c.layout(sel)["qSelectionObject"]["qSelections"]]
    assert fields == ["Amount"]
    # clearing the list clears the fields it reads
    c.call("ClearSelections", "/qListObjectDef", handle=size)
    assert states(c, size) == {"big": "O", "small": "O"}


def test_search_and_accept_in_a_calculated_list(loaded: Client) -> None:
    c = loaded
    upper = c.create(listbox("=Upper(Region)"))
    c.call("SearchListObjectFor", "/qListObjectDef", "so", handle=upper)
    page = c.layout(upper)["qListObject"]["qDataPages"][0]["qMatrix"]
    assert [row[0]["qText"] for row in page] == ["SOUTH"]
    c.call("AcceptListObjectSearch", "/qListObjectDef", False, handle=upper)
    assert selected_in(c, "Region") == ["South"]
    assert states(c, upper) == {"NORTH": "X", "SOUTH": "S", "EAST": "X"}


def test_select_possible_and_errors(loaded: Client) -> None:
    c = loaded
    field = c.call("GetField", "Product", "", handle=1)["qReturn"]["qHandle"]
    c.call("SelectValues", [{"qText": "Bike"}], False, handle=field)
    size = c.create(listbox(SIZE))
    assert states(c, size) == {"big": "O", "small": "X"}
    c.call("SelectListObjectPossible", "/qListObjectDef", handle=size)
    assert sorted(selected_in(c, "Amount")) == ["100", "150"]
    bad = c.create(listbox("=Nowhere + 1"))
    info = c.layout(bad)["qListObject"]["qDimensionInfo"]
    assert "Field not found" in str(info["qError"])


def test_selecting_in_a_hypercube_calculated_dimension(loaded: Client) -> None:
    c = loaded
    cube = c.create({"qInfo": {"qType": "table"},
                     "qHyperCubeDef": {"qDimensions": [{"qDef": {"qFieldDefs": [SIZE]}}],
                                       "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}],
                                       "qInitialDataFetch": [{"qTop": 0, "qLeft": 0,
                                                              "qWidth": 2, "qHeight": 10}]}})
    page = c.layout(cube)["qHyperCube"]["qDataPages"][0]["qMatrix"]
    elem = {row[0]["qText"]: row[0]["qElemNumber"] for row in page}
    reply = c.send("SelectHyperCubeValues", "/qHyperCubeDef", 0, [elem["small"]], False,
                   handle=cube)
    assert reply["result"] == {"qSuccess": True}
    assert sorted(selected_in(c, "Amount")) == ["20", "40"]
    page = c.layout(cube)["qHyperCube"]["qDataPages"][0]["qMatrix"]
    assert [[cell["qText"] for cell in row] for row in page] == [["small", "60"]]
    c.call("ClearAll", handle=1)
    page = c.layout(cube)["qHyperCube"]["qDataPages"][0]["qMatrix"]
    row = [r[0]["qText"] for r in page].index("big")
    c.call("SelectHyperCubeCells", "/qHyperCubeDef", [row], [0], handle=cube)
    assert sorted(selected_in(c, "Amount")) == ["100", "150"]
