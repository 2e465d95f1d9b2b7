"""Set analysis through QIX: set identifiers naming the session's alternate states, its
history and its bookmarks; charts showing what their sets reach; change lists."""

from __future__ import annotations

from typing import Any

from tests.conftest import Client


def field(c: Client, name: str, state: str = "") -> int:
    return c.call("GetField", name, state, handle=1)["qReturn"]["qHandle"]


def select(c: Client, name: str, *texts: str, state: str = "") -> None:
    c.call("SelectValues", [{"qText": t} for t in texts], False, handle=field(c, name, state))


def ev(c: Client, text: str) -> str:
    return c.call("Evaluate", text, handle=1)["qReturn"]


def cube(*measures: str) -> dict[str, Any]:
    return {"qInfo": {"qType": "table"},
            "qHyperCubeDef": {"qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}],
                              "qMeasures": [{"qDef": {"qDef": m}} for m in measures],
                              "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 3,
                                                     "qHeight": 10}]}}


def rows(c: Client, handle: int) -> list[list[str]]:
    page = c.layout(handle)["qHyperCube"]["qDataPages"][0]["qMatrix"]
    return [[cell["qText"] for cell in row] for row in page]


def test_identifiers_name_states_history_and_bookmarks(loaded: Client) -> None:
    c = loaded
    select(c, "Region", "North")
    assert ev(c, "Sum(Amount)") == "120"
    assert ev(c, "Sum({1} Amount)") == "310"
    assert ev(c, "Sum({<Region=>} Amount)") == "310"
    assert ev(c, "Sum({$<Region={'South'}>} Amount)") == "150"
    assert ev(c, "Sum({<Region+={East}>} Amount)") == "160"
    assert ev(c, 'Sum({<Product={"B*"}>} Amount)') == "100"
    assert ev(c, "Count({1<Region=P({1<Product={Helmet}>} Region)>} DISTINCT Product)") == "1"
    # an alternate state
    c.call("AddAlternateState", "Other", handle=1)
    select(c, "Region", "South", state="Other")
    assert ev(c, "Sum({Other} Amount)") == "150"
    assert ev(c, "Sum({Other<Product={Lock}>} Amount)") == "0"
    # the history: $1 is one Back away
    select(c, "Product", "Lock")
    assert ev(c, "Sum(Amount)") == "20"
    assert ev(c, "Sum({$1} Amount)") == "120"
    c.call("Back", handle=1)
    assert ev(c, "Sum({$_1} Amount)") == "20"
    # bookmarks, by id and by title
    c.call("ClearAll", handle=1)
    select(c, "Region", "East")
    c.call("CreateBookmark", {"qInfo": {"qId": "bm-east", "qType": "bookmark"},
                              "qMetaDef": {"title": "Only East"}}, handle=1)
    c.call("ClearAll", handle=1)
    assert ev(c, "Sum({[bm-east]} Amount)") == "40"
    assert ev(c, "Sum({[Only East]} Amount)") == "40"
    assert ev(c, "Sum({[Only East]<Region+={North}>} Amount)") == "160"


def test_a_chart_shows_the_values_its_sets_reach(loaded: Client) -> None:
    c = loaded
    select(c, "Region", "North")
    plain = c.create(cube("Sum(Amount)"))
    both = c.create(cube("Sum(Amount)", "Sum({1} Amount)"))
    assert rows(c, plain) == [["North", "120"]]
    assert sorted(rows(c, both)) == [["East", "0", "40"], ["North", "120", "120"],
                                     ["South", "0", "150"]]
    total = c.layout(both)["qHyperCube"]["qGrandTotalRow"]
    assert [cell["qText"] for cell in total] == ["120", "310"]


def test_a_set_naming_a_state_changes_with_that_state(loaded: Client) -> None:
    c = loaded
    c.call("AddAlternateState", "Other", handle=1)
    handle = c.create(cube("Sum({Other} Amount)"))
    c.layout(handle)
    reply = c.send("SelectValues", [{"qText": "East"}], False, handle=field(c, "Region", "Other"))
    assert handle in reply["change"]
    assert [r[1] for r in rows(c, handle)] == ["40"]


def test_bad_sets_are_errors_in_the_cell(loaded: Client) -> None:
    c = loaded
    assert ev(c, "Sum({Nowhere} Amount)").startswith("Error")
    handle = c.create(cube("Sum({<Nofield={1}>} Amount)"))
    info = c.layout(handle)["qHyperCube"]["qMeasureInfo"][0]
    assert info["qError"]["qErrorCode"] == 7000
    assert ev(c, "Sum(Amount)") == "310"  # the session goes on


def test_chart_measures_expand_variables_and_read_the_selections(loaded: Client) -> None:
    c = loaded
    c.call("SetScript", "SET vRegion = 'South';\nSET vScale = 10;\nLET vSum = 'Sum(Amount)';\n"
           + c.call("GetScript", handle=1)["qScript"], handle=1)
    c.call("DoReload", handle=1)
    select(c, "Region", "North", "South")
    handle = c.create(cube("Sum({<Region={$(vRegion)}>} Amount) * $(vScale)",
                           "$(vSum) + GetSelectedCount(Region)"))
    assert rows(c, handle) == [["North", "0", "122"], ["South", "1500", "152"]]


def test_list_objects_expand_variables(loaded: Client) -> None:
    c = loaded
    c.call("SetScript", "SET vLimit = 50;\nSET vField = Region;\n"
           + c.call("GetScript", handle=1)["qScript"], handle=1)
    c.call("DoReload", handle=1)
    props = {"qInfo": {"qType": "listbox"},
             "qListObjectDef": {"qDef": {"qFieldDefs": [
                 "=If(Amount > $(vLimit), 'big', 'small')"]},
                                "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2,
                                                       "qHeight": 10}]}}
    h = c.create(props)
    page = c.layout(h)["qListObject"]["qDataPages"][0]["qMatrix"]
    assert sorted(row[0]["qText"] for row in page) == ["big", "small"]
    c.call("SelectListObjectValues", "/qListObjectDef", [page[0][0]["qElemNumber"]], False,
           handle=h)
    chosen = page[0][0]["qText"]
    states = {row[0]["qText"]: row[0]["qState"]
              for row in c.layout(h)["qListObject"]["qDataPages"][0]["qMatrix"]}
    assert states[chosen] == "S"
    assert ev(c, "Sum(Amount)") == ("250" if chosen == "big" else "60")
    # a list's expression columns expand too
    c.call("ClearAll", handle=1)
    regions = c.create({"qInfo": {"qType": "listbox"},
                        "qListObjectDef": {"qDef": {"qFieldDefs": ["$(vField)"]},
                                           "qExpressions": [{"qExpr": "Sum(Amount) * $(vLimit)"}],
                                           "qInitialDataFetch": [{"qTop": 0, "qLeft": 0,
                                                                  "qWidth": 2, "qHeight": 10}]}})
    page = c.layout(regions)["qListObject"]["qDataPages"][0]["qMatrix"]
    assert {row[0]["qText"]: row[1]["qText"] for row in page} == {
        "North": "6000", "South": "7500", "East": "2000"}
