"""Master dimensions and measures, variables, and ``qLibraryId`` over QIX.

Expected numbers are worked out by hand from ``SALES_SCRIPT`` (North: Bike 100 and Lock
20; South: Bike 150; East: Helmet 40); expected shapes are the real engine's (corectl's
goldens in the reference traces, quoted below)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from associa.app.library import script_variable_id
from tests.conftest import SALES_SCRIPT, Client

PRIVILEGES = ["read", "update", "delete", "exportdata"]


def cube(dims: list[dict[str, Any]], measures: list[dict[str, Any]],
         **extra: Any) -> dict[str, Any]:
    return {"qInfo": {"qType": "table"},
            "qHyperCubeDef": {"qDimensions": dims, "qMeasures": measures,
                              "qInterColumnSortOrder": [0, 1] if dims and measures else [],
                              "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 3,
                                                     "qHeight": 20}]},
            **extra}


def rows(c: Client, handle: int) -> dict[str, str]:
    """A two-column cube's rows as {dimension text: measure text}."""
    matrix = c.layout(handle)["qHyperCube"]["qDataPages"][0]["qMatrix"]
    return {r[0]["qText"]: r[1]["qText"] for r in matrix}


def field(c: Client, name: str) -> int:
    return c.call("GetField", name, handle=1)["qReturn"]["qHandle"]


def select(c: Client, name: str, *texts: str) -> None:
    c.call("SelectValues", [{"qText": t} for t in texts], handle=field(c, name))


def evaluate(c: Client, text: str) -> str:
    result: str = c.call("Evaluate", text, handle=1)["qReturn"]
    return result


def master(c: Client, method: str, props: dict[str, Any]) -> int:
    handle: int = c.call(method, props, handle=1)["qReturn"]["qHandle"]
    return handle


REGION = {"qInfo": {"qId": "dim-region", "qType": "dimension"},
          "qDim": {"qFieldDefs": ["Region"], "title": "Region"},
          "qMetaDef": {"title": "Region"}}
TOTAL = {"qInfo": {"qId": "m-total", "qType": "measure"},
         "qMeasure": {"qLabel": "Total", "qDef": "Sum(Amount)"},
         "qMetaDef": {"title": "Total"}}


@pytest.fixture
def shared(make_client: Callable[..., Client]) -> tuple[Client, Client]:
    """Two sessions (two identities) on one persisted app with the sales data."""
    a, b = make_client(), make_client(key="other")
    assert a.call("CreateApp", "lib")["qSuccess"]
    a.call("OpenDoc", "lib")
    a.call("SetScript", SALES_SCRIPT, handle=1)
    assert a.call("DoReload", handle=1) == {"qReturn": True}
    b.call("OpenDoc", "lib")
    return a, b


# -- shapes -------------------------------------------------------------------------------


def test_master_items_have_the_engines_properties_and_layouts(loaded: Client) -> None:
    """corectl's dimension-abcs, measure-sum-numbers and variable-xyz goldens, over our
    data: defaults filled in the engine's order, empty members left out, client keys
    kept after the engine's."""
    c = loaded
    made = c.call("CreateDimension", {"qInfo": {"qId": "dimension-abcs", "qType": "dimension"},
                                      "qDim": {"qFieldDefs": ["Region"]}}, handle=1)
    assert made["qInfo"] == {"qId": "dimension-abcs", "qType": "dimension"}
    assert made["qReturn"]["qType"] == "GenericDimension"
    assert made["qReturn"]["qGenericId"] == "dimension-abcs"
    dim = made["qReturn"]["qHandle"]
    assert dim in c.last["change"]
    props = c.call("GetProperties", handle=dim)["qProp"]
    assert list(props) == ["qInfo", "qDim", "qMetaDef"]
    assert props["qDim"] == {"qGrouping": "N", "qFieldDefs": ["Region"], "qFieldLabels": []}
    assert props["qMetaDef"] == {}
    layout = c.layout(dim)
    assert list(layout) == ["qInfo", "qMeta", "qDim", "qDimInfos"]
    assert layout["qMeta"] == {"privileges": PRIVILEGES}
    # Region: North, South, East: three values, the longest five characters; the key
    # between Sales and Regions
    assert layout["qDimInfos"] == [{"qApprMaxGlyphCount": 5, "qCardinal": 3,
                                    "qTags": ["$key", "$ascii", "$text"]}]
    assert c.call("GetDimension", handle=dim)["qDim"] == props["qDim"]
    assert c.call("GetInfo", handle=dim)["qInfo"] == {"qId": "dimension-abcs",
                                                      "qType": "dimension"}

    meas = master(c, "CreateMeasure", {"qInfo": {"qId": "measure-sum", "qType": "measure"},
                                       "qMeasure": {"title": "Sum of numbers",
                                                    "qDef": "Sum(Amount)"}})
    props = c.call("GetProperties", handle=meas)["qProp"]
    assert props == {"qInfo": {"qId": "measure-sum", "qType": "measure"},
                     "qMeasure": {"qDef": "Sum(Amount)", "qGrouping": "N", "qExpressions": [],
                                  "qActiveExpression": 0,
                                  "qNumFormat": {"qType": "U", "qnDec": 10, "qUseThou": 0},
                                  "title": "Sum of numbers"},
                     "qMetaDef": {}}
    layout = c.layout(meas)
    assert layout == {"qInfo": props["qInfo"], "qMeta": {"privileges": PRIVILEGES},
                      "qMeasure": props["qMeasure"]}

    var = c.call("CreateVariableEx", {"qInfo": {"qId": "variable-xyz", "qType": "variable"},
                                      "qName": "variable-xyz", "qComment": "last three",
                                      "qNumberPresentation": {"qType": "U", "qnDec": 10,
                                                              "qUseThou": 0},
                                      "qDefinition": "1", "tags": []}, handle=1)
    assert var["qReturn"]["qType"] == "GenericVariable"
    handle = var["qReturn"]["qHandle"]
    assert list(c.call("GetProperties", handle=handle)["qProp"]) == [
        "qInfo", "qMetaDef", "qName", "qComment", "qNumberPresentation", "qDefinition", "tags"]
    assert c.layout(handle) == {"qInfo": {"qId": "variable-xyz", "qType": "variable"},
                                "qMeta": {"privileges": PRIVILEGES},
                                "qText": "1", "qNum": 1, "tags": []}
    assert c.call("GetRawContent", handle=handle) == {"qReturn": "1"}


def test_a_missing_item_answers_the_null_handle_and_bad_input_its_error(loaded: Client) -> None:
    c = loaded
    null = {"qType": None, "qHandle": None}
    for method in ("GetDimension", "GetMeasure", "GetVariableById"):
        assert c.call(method, "nope", handle=1) == {"qReturn": null}
    assert c.call("GetVariableByName", "nope", handle=1) == {"qReturn": null}
    assert c.call("DestroyMeasure", "nope", handle=1) == {"qSuccess": False}
    assert c.error("CreateVariableEx", {"qName": ""}, handle=1)["code"] == 18000
    c.call("CreateVariableEx", {"qName": "v", "qDefinition": "1"}, handle=1)
    assert c.error("CreateVariableEx", {"qName": "v"}, handle=1)["code"] == 18001
    assert c.error("CreateSessionVariable", {"qName": "v"}, handle=1)["code"] == 18001
    assert c.error("CreateMeasure", {"qMeasure": "Sum(Amount)"}, handle=1)["code"] == 8
    master(c, "CreateMeasure", TOTAL)
    assert c.error("CreateMeasure", TOTAL, handle=1)["code"] == 3
    assert evaluate(c, "$(v) + 1") == "2"  # the session goes on


# -- qLibraryId ---------------------------------------------------------------------------


def test_a_chart_reads_master_items_and_changes_with_them(loaded: Client) -> None:
    c = loaded
    master(c, "CreateDimension", REGION)
    meas = master(c, "CreateMeasure", TOTAL)
    chart = c.create(cube([{"qLibraryId": "dim-region", "qDef": {}}],
                          [{"qLibraryId": "m-total", "qDef": {}}]))
    layout = c.layout(chart)
    hc = layout["qHyperCube"]
    assert [d["qFallbackTitle"] for d in hc["qDimensionInfo"]] == ["Region"]
    assert [m["qFallbackTitle"] for m in hc["qMeasureInfo"]] == ["Total"]
    assert rows(c, chart) == {"North": "120", "South": "150", "East": "40"}
    # the properties keep the reference
    props = c.call("GetProperties", handle=chart)["qProp"]
    assert props["qHyperCubeDef"]["qMeasures"][0]["qLibraryId"] == "m-total"

    new = {**TOTAL, "qMeasure": {"qLabel": "Lines", "qDef": "Count(Product)"}}
    c.call("SetProperties", new, handle=meas)
    assert chart in c.last["change"] and meas in c.last["change"]
    assert rows(c, chart) == {"North": "2", "South": "1", "East": "1"}
    assert c.layout(chart)["qHyperCube"]["qMeasureInfo"][0]["qFallbackTitle"] == "Lines"
    c.call("ApplyPatches", [{"qOp": "replace", "qPath": "/qMeasure/qDef",
                             "qValue": '"Max(Amount)"'}], handle=meas)
    assert rows(c, chart) == {"North": "100", "South": "150", "East": "40"}


def test_an_unknown_library_id_is_the_columns_error_not_the_calls(loaded: Client) -> None:
    c = loaded
    chart = c.create(cube([{"qLibraryId": "gone", "qDef": {}}],
                          [{"qDef": {"qDef": "Sum(Amount)"}}]))
    hc = c.layout(chart)["qHyperCube"]
    assert hc["qDimensionInfo"][0]["qError"]["qErrorCode"] == 7001
    measure_chart = c.create(cube([{"qDef": {"qFieldDefs": ["Region"]}}],
                                  [{"qLibraryId": "gone too", "qDef": {}}]))
    info = c.layout(measure_chart)["qHyperCube"]["qMeasureInfo"][0]
    assert info["qError"]["qErrorCode"] == 7001
    listbox = c.create({"qInfo": {"qType": "listbox"},
                        "qListObjectDef": {"qLibraryId": "nothing", "qDef": {}}})
    assert c.layout(listbox)["qListObject"]["qDimensionInfo"]["qError"]["qErrorCode"] == 7001
    # made now, the master items are read at once
    master(c, "CreateDimension", {**REGION, "qInfo": {"qId": "gone", "qType": "dimension"}})
    assert chart in c.last["change"]
    assert "qError" not in c.layout(chart)["qHyperCube"]["qDimensionInfo"][0]
    assert rows(c, chart) == {"North": "120", "South": "150", "East": "40"}


def test_list_objects_and_attribute_expressions_read_master_items(loaded: Client) -> None:
    c = loaded
    master(c, "CreateDimension", {"qInfo": {"qId": "prod", "qType": "dimension"},
                                  "qDim": {"qFieldDefs": ["Product"]}})
    master(c, "CreateMeasure", TOTAL)
    listbox = c.create({"qInfo": {"qType": "listbox"},
                        "qListObjectDef": {
                            "qLibraryId": "prod", "qDef": {"qSortCriterias": [{"qSortByAscii": 1}]},
                            "qExpressions": [{"qLibraryId": "m-total"}],
                            "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2,
                                                   "qHeight": 10}]}})
    lo = c.layout(listbox)["qListObject"]
    matrix = lo["qDataPages"][0]["qMatrix"]
    assert [r[0]["qText"] for r in matrix] == ["Bike", "Helmet", "Lock"]
    # Bike: 100 + 150, Helmet 40, Lock 20
    assert [r[1]["qText"] for r in matrix] == ["250", "40", "20"]
    c.call("SelectListObjectValues", "/qListObjectDef", [matrix[2][0]["qElemNumber"]], False,
           handle=listbox)
    assert evaluate(c, "Sum(Amount)") == "20"
    c.call("ClearAll", handle=1)
    chart = c.create(cube([{"qDef": {"qFieldDefs": ["Region"]},
                            "qAttributeExpressions": [{"qLibraryId": "m-total"}]}],
                          [{"qDef": {"qDef": "Count(Product)"}}]))
    matrix = c.layout(chart)["qHyperCube"]["qDataPages"][0]["qMatrix"]
    got = {r[0]["qText"]: r[0]["qAttrExps"]["qValues"][0]["qNum"] for r in matrix}
    assert got == {"North": 120, "South": 150, "East": 40}


def test_clones_labels_attribute_dimensions_and_bad_properties(loaded: Client) -> None:
    c = loaded
    dim = master(c, "CreateDimension", {"qInfo": {"qId": "mgr", "qType": "dimension"},
                                        "qDim": {"qFieldDefs": ["Manager"]}})
    clone = c.call("CloneDimension", "mgr", handle=1)["qCloneId"]
    assert clone != "mgr"
    copied = c.call("GetDimension", clone, handle=1)["qReturn"]["qHandle"]
    assert c.call("GetDimension", handle=copied)["qDim"]["qFieldDefs"] == ["Manager"]
    meas = master(c, "CreateMeasure", TOTAL)
    assert c.call("GetMeasureWithLabel", "Total", handle=1)["qReturn"]["qHandle"] == meas
    # an attribute dimension on a master dimension: each region's manager
    chart = c.create(cube([{"qDef": {"qFieldDefs": ["Region"]},
                            "qAttributeDimensions": [{"qLibraryId": "mgr"}]}],
                          [{"qDef": {"qDef": "Sum(Amount)"}}]))
    matrix = c.layout(chart)["qHyperCube"]["qDataPages"][0]["qMatrix"]
    got = {r[0]["qText"]: r[0]["qAttrDims"]["qValues"][0]["qText"] for r in matrix}
    assert got == {"North": "Ann", "South": "Bob", "East": "Cid"}
    # bad properties: error 8, and the dimension is as it was
    props = c.call("GetProperties", handle=dim)["qProp"]
    assert c.error("SetProperties", {**props, "qDim": ["Region"]}, handle=dim)["code"] == 8
    assert c.error("ApplyPatches", [{"qOp": "replace", "qPath": "/qDim/qFieldDefs",
                                     "qValue": '"Region"'}], handle=dim)["code"] == 8
    assert c.call("GetProperties", handle=dim)["qProp"] == props
    c.call("Approve", handle=dim)
    assert c.layout(dim)["qMeta"]["approved"] is True
    c.call("UnApprove", handle=dim)
    assert c.layout(dim)["qMeta"]["approved"] is False


# -- variables ----------------------------------------------------------------------------


def test_variables_are_read_by_expressions_and_tell_the_charts_reading_them(
        loaded: Client) -> None:
    c = loaded
    var = master(c, "CreateVariableEx", {"qName": "vScale", "qDefinition": "10"})
    assert evaluate(c, "Sum(Amount) / $(vScale)") == "31"
    chart = c.create(cube([{"qDef": {"qFieldDefs": ["Region"]}}],
                          [{"qDef": {"qDef": "Sum(Amount) / vScale"}}]))
    assert rows(c, chart) == {"North": "12", "South": "15", "East": "4"}
    c.call("SetNumValue", 2, handle=var)
    assert chart in c.last["change"] and var in c.last["change"]
    assert rows(c, chart) == {"North": "60", "South": "75", "East": "20"}
    assert c.call("GetProperties", handle=var)["qProp"]["qDefinition"] == "2"
    c.call("SetStringValue", "5", handle=var)
    assert rows(c, chart) == {"North": "24", "South": "30", "East": "8"}
    c.call("SetDualValue", "five", 5, handle=var)
    layout = c.layout(var)
    assert (layout["qText"], layout["qNum"]) == ("five", 5)
    # renamed: the old name means nothing any more, the new one the value
    props = c.call("GetProperties", handle=var)["qProp"]
    c.call("SetProperties", {**props, "qName": "vRenamed", "qDefinition": "4"}, handle=var)
    assert evaluate(c, "'$(vScale)'") == ""
    assert evaluate(c, "Sum(Amount) / $(vRenamed)") == "77.5"
    other = master(c, "CreateVariableEx", {"qName": "vOther"})
    taken = c.error("SetProperties", {"qName": "vRenamed"}, handle=other)
    assert taken["code"] == 18001


def test_a_calculated_variable_follows_the_selections(loaded: Client) -> None:
    c = loaded
    var = master(c, "CreateVariableEx", {"qName": "vTotal", "qDefinition": "=Sum(Amount)"})
    layout = c.layout(var)
    assert (layout["qText"], layout["qNum"]) == ("310", 310)
    assert "qIsScriptCreated" not in layout
    select(c, "Region", "North")
    assert var in c.last["change"]
    assert c.layout(var)["qNum"] == 120
    assert evaluate(c, "$(vTotal) * 2") == "240"


def test_script_variables_are_generic_variables_too(loaded: Client) -> None:
    c = loaded
    c.call("SetScript", SALES_SCRIPT + "\nSET vFromScript = 42;\n", handle=1)
    c.call("DoReload", handle=1)
    found = c.call("GetVariableByName", "vFromScript", handle=1)["qReturn"]
    assert found["qGenericId"] == script_variable_id(c.session.doc.app.id, "vFromScript")
    layout = c.layout(found["qHandle"])
    assert layout["qIsScriptCreated"] is True and layout["qNum"] == 42
    same = c.call("GetVariableById", found["qGenericId"], handle=1)["qReturn"]
    assert same["qHandle"] == found["qHandle"]
    assert c.call("DestroyVariableByName", "vFromScript", handle=1) == {"qSuccess": True}
    assert found["qHandle"] in c.last["close"]
    assert evaluate(c, "'$(vFromScript)'") == ""


def test_the_next_reload_reads_the_apis_variables(loaded: Client) -> None:
    c = loaded
    var = master(c, "CreateVariableEx", {"qName": "vRows", "qDefinition": "3"})
    c.call("SetScript", "T: LOAD RecNo() AS R AUTOGENERATE $(vRows);\n"
                        "LET vRows = $(vRows) + 1;\n", handle=1)
    assert c.call("DoReload", handle=1) == {"qReturn": True}
    assert evaluate(c, "Count(R)") == "3"
    # the script set it: the variable keeps the value the script gave it
    assert c.call("GetProperties", handle=var)["qProp"]["qDefinition"] == "4"
    assert "qIsScriptCreated" not in c.layout(var)


def test_a_bookmark_with_variables_gives_an_api_variable_its_value_back(
        loaded: Client) -> None:
    c = loaded
    var = master(c, "CreateVariableEx", {"qName": "vScale", "qDefinition": "10"})
    c.call("CreateBookmark", {"qInfo": {"qId": "b", "qType": "bookmark"},
                              "qIncludeVariables": True}, handle=1)
    c.call("SetStringValue", "2", handle=var)
    assert evaluate(c, "Sum(Amount) / vScale") == "155"
    c.call("ApplyBookmark", "b", handle=1)
    assert evaluate(c, "Sum(Amount) / vScale") == "31"
    assert c.call("GetProperties", handle=var)["qProp"]["qDefinition"] == "10"
    assert c.layout(var)["qNum"] == 10


def test_session_variables_stay_in_their_session(shared: tuple[Client, Client]) -> None:
    a, b = shared
    made = a.call("CreateSessionVariable", {"qName": "vMine", "qDefinition": "7"}, handle=1)
    handle = made["qReturn"]["qHandle"]
    assert evaluate(a, "$(vMine) * 2") == "14"
    assert evaluate(b, "'$(vMine)'") == ""
    assert b.call("GetVariableByName", "vMine", handle=1)["qReturn"]["qHandle"] is None
    # the app's variables are everyone's
    b.call("CreateVariableEx", {"qName": "vAll", "qDefinition": "3"}, handle=1)
    assert evaluate(a, "$(vAll)") == "3"
    listing = {"qType": "variable", "qData": {}}
    names = [i["qName"] for i in a.call("GetVariables", listing, handle=1)["qList"]]
    assert "vAll" in names and "vMine" not in names
    names = [i["qName"] for i in
             a.call("GetVariables", {**listing, "qShowSession": True}, handle=1)["qList"]]
    assert "vMine" in names
    assert a.call("DestroySessionVariableByName", "vMine", handle=1) == {"qSuccess": True}
    assert handle in a.last["close"]
    assert evaluate(a, "'$(vMine)'") == ""


# -- lists, other sessions, persistence --------------------------------------------------


def test_library_lists_hold_the_items_and_change_with_them(
        shared: tuple[Client, Client]) -> None:
    a, b = shared
    lists = b.create({"qInfo": {"qType": "lists"},
                      "qDimensionListDef": {"qType": "dimension",
                                            "qData": {"title": "/qMetaDef/title",
                                                      "info": "/qDimInfos"}},
                      "qMeasureListDef": {"qType": "measure",
                                          "qData": {"title": "/qMetaDef/title",
                                                    "expr": "/qMeasure/qDef"}},
                      "qVariableListDef": {"qType": "variable",
                                           "qData": {"text": "/qText"}}})
    layout = b.layout(lists)
    assert layout["qDimensionList"] == {"qItems": []}
    master(a, "CreateDimension", REGION)
    a.call("CreateMeasure", TOTAL, handle=1)
    a.call("CreateVariableEx", {"qName": "vX", "qDefinition": "=Count(Product)",
                                "qComment": "regions"}, handle=1)
    assert any(lists in m.get("change", []) for m in b.pushed)
    layout = b.layout(lists)
    [dim] = layout["qDimensionList"]["qItems"]
    assert dim["qInfo"] == {"qId": "dim-region", "qType": "dimension"}
    assert dim["qMeta"]["title"] == "Region"
    assert dim["qData"]["title"] == "Region" and dim["qData"]["info"][0]["qCardinal"] == 3
    [meas] = layout["qMeasureList"]["qItems"]
    assert meas["qData"] == {"title": "Total", "expr": "Sum(Amount)"}
    [var] = layout["qVariableList"]["qItems"]
    assert var["qName"] == "vX" and var["qDefinition"] == "=Count(Product)"
    assert var["qDescription"] == "regions" and "qIsScriptCreated" not in var
    assert var["qData"] == {"text": "4"}  # Count(Product): the four Sales rows


def test_an_items_handles_change_and_close_in_every_session(
        shared: tuple[Client, Client]) -> None:
    a, b = shared
    mine = master(a, "CreateMeasure", TOTAL)
    theirs = b.call("GetMeasure", "m-total", handle=1)["qReturn"]["qHandle"]
    chart = b.create(cube([{"qDef": {"qFieldDefs": ["Region"]}}],
                          [{"qLibraryId": "m-total", "qDef": {}}]))
    assert rows(b, chart)["North"] == "120"
    b.pushed.clear()
    a.call("ApplyPatches", [{"qOp": "replace", "qPath": "/qMeasure/qDef",
                             "qValue": '"Sum(Amount) * 2"'}], handle=mine)
    changed = {h for m in b.pushed for h in m.get("change", [])}
    assert {theirs, chart} <= changed
    assert rows(b, chart)["North"] == "240"
    a.call("Publish", handle=mine)
    assert b.layout(theirs)["qMeta"]["published"] is True
    b.pushed.clear()
    assert a.call("DestroyMeasure", "m-total", handle=1) == {"qSuccess": True}
    assert mine in a.last["close"]
    assert any(theirs in m.get("close", []) for m in b.pushed)
    assert b.error("GetLayout", handle=theirs)["code"] == -32602
    info = b.layout(chart)["qHyperCube"]["qMeasureInfo"][0]
    assert info["qError"]["qErrorCode"] == 7001


def test_linked_objects_name_the_objects_using_an_item(loaded: Client) -> None:
    c = loaded
    meas = master(c, "CreateMeasure", TOTAL)
    sheet = c.create({"qInfo": {"qId": "sheet", "qType": "sheet"}}, session=False)
    c.call("CreateChild", cube([], [{"qLibraryId": "m-total", "qDef": {}}],
                               qInfo={"qId": "kpi", "qType": "kpi"}), handle=sheet)
    c.create(cube([], [{"qDef": {"qDef": "Sum(Amount)"}}]), session=False)
    assert c.call("GetLinkedObjects", handle=meas)["qItems"] == [
        {"qRootId": "sheet", "qInfo": {"qId": "kpi", "qType": "kpi"}}]


def test_master_items_and_variables_are_saved_with_the_app(data_dir: Any) -> None:
    from associa.engine import Engine
    from associa.qix.sessions import SessionManager
    from associa.settings import Settings

    first = Client(SessionManager(Engine(Settings(data_dir=data_dir))))
    first.call("CreateApp", "kept")
    first.call("OpenDoc", "kept")
    first.call("SetScript", SALES_SCRIPT, handle=1)
    first.call("DoReload", handle=1)
    master(first, "CreateDimension", REGION)
    master(first, "CreateMeasure", TOTAL)
    first.call("CreateVariableEx", {"qName": "vScale", "qDefinition": "10"}, handle=1)
    first.call("CreateSessionVariable", {"qName": "vGone", "qDefinition": "1"}, handle=1)
    first.call("CreateObject", cube([{"qLibraryId": "dim-region", "qDef": {}}],
                                    [{"qLibraryId": "m-total", "qDef": {}}],
                                    qInfo={"qId": "chart", "qType": "table"}), handle=1)
    first.call("DoSave", handle=1)
    first.close()
    first.sessions.shutdown()

    second = Client(SessionManager(Engine(Settings(data_dir=data_dir))))
    second.call("OpenDoc", "kept")
    dim = second.call("GetDimension", "dim-region", handle=1)["qReturn"]["qHandle"]
    assert second.call("GetDimension", handle=dim)["qDim"]["qFieldDefs"] == ["Region"]
    var = second.call("GetVariableByName", "vScale", handle=1)["qReturn"]["qHandle"]
    assert second.layout(var)["qNum"] == 10
    assert second.call("GetVariableByName", "vGone", handle=1)["qReturn"]["qHandle"] is None
    assert evaluate(second, "Sum(Amount) / vScale") == "31"
    chart = second.call("GetObject", "chart", handle=1)["qReturn"]["qHandle"]
    assert rows(second, chart) == {"North": "120", "South": "150", "East": "40"}
    second.close()
    second.sessions.shutdown()
