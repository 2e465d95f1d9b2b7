"""Alternate states: selections side by side, each object computed and selecting in its
own state (or its parent's), the app's states kept with it, the session's own."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.conftest import CUBE, LISTBOX, Client, QixError


def in_state(props: dict[str, Any], state: str, where: str = "top") -> dict[str, Any]:
    out = copy.deepcopy(props)
    if where == "top":
        out["qStateName"] = state
    else:
        key = "qListObjectDef" if "qListObjectDef" in out else "qHyperCubeDef"
        out[key]["qStateName"] = state
    return out


def total(c: Client, handle: int) -> list[list[str]]:
    page = c.layout(handle)["qHyperCube"]["qDataPages"][0]["qMatrix"]
    return [[cell["qText"] for cell in row] for row in page]


def states(c: Client, handle: int) -> dict[str, str]:
    page = c.layout(handle)["qListObject"]["qDataPages"][0]["qMatrix"]
    return {row[0]["qText"]: row[0]["qState"] for row in page}


def field(c: Client, name: str, state: str = "") -> int:
    return c.call("GetField", name, state, handle=1)["qReturn"]["qHandle"]


@pytest.fixture
def two(loaded: Client) -> Client:
    loaded.call("AddAlternateState", "A", handle=1)
    return loaded


def test_a_state_has_selections_of_its_own(two: Client) -> None:
    c = two
    assert c.call("GetAppLayout", handle=1)["qLayout"]["qStateNames"] == ["A"]
    default_cube = c.create(CUBE)
    a_cube = c.create(in_state(CUBE, "A"))
    a_list = c.create(in_state(LISTBOX, "A", "def"))
    plain_list = c.create(LISTBOX)
    c.call("SelectValues", [{"qText": "North"}], handle=field(c, "Region", "A"))
    assert total(c, a_cube) == [["North", "120"]]
    assert len(total(c, default_cube)) == 3  # the default state has no selection
    assert states(c, a_list)["North"] == "S" and states(c, a_list)["South"] == "A"
    assert set(states(c, plain_list).values()) == {"O"}
    assert c.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"
    # and the other way round
    c.call("SelectValues", [{"qText": "East"}], handle=field(c, "Region"))
    assert total(c, default_cube) == [["East", "40"]]
    assert total(c, a_cube) == [["North", "120"]]
    assert c.layout(a_cube)["qStateName"] == "A"
    assert "qStateName" not in c.layout(default_cube)


def test_clear_lock_and_unlock_all_act_in_one_state(two: Client) -> None:
    c = two
    a_list = c.create(in_state(LISTBOX, "A", "def"))
    plain_list = c.create(LISTBOX)
    c.call("SelectValues", [{"qText": "North"}], handle=field(c, "Region", "A"))
    c.call("SelectValues", [{"qText": "South"}], handle=field(c, "Region"))
    c.call("LockAll", "A", handle=1)
    c.call("ClearAll", False, "A", handle=1)  # locked: stays
    assert states(c, a_list)["North"] == "L"
    c.call("UnlockAll", "A", handle=1)
    c.call("ClearAll", False, "A", handle=1)
    assert set(states(c, a_list).values()) == {"O"}
    assert states(c, plain_list)["South"] == "S"


def test_list_object_selections_act_in_the_objects_state(two: Client) -> None:
    c = two
    a_list = c.create(in_state(LISTBOX, "A"))  # the object's state, not its def's
    cube = c.create(CUBE)
    c.call("SelectListObjectValues", "/qListObjectDef", [0], False, handle=a_list)
    chosen = [t for t, s in states(c, a_list).items() if s == "S"]
    assert len(chosen) == 1
    assert len(total(c, cube)) == 3  # the default state is untouched
    c.call("ClearSelections", "/qListObjectDef", handle=a_list)
    assert "S" not in states(c, a_list).values()


def test_children_inherit_their_parents_state(two: Client) -> None:
    c = two
    sheet = c.create({"qInfo": {"qType": "sheet"}, "qStateName": "A"})
    child = c.call("CreateChild", {**CUBE, "qInfo": {"qType": "table"}},
                   handle=sheet)["qReturn"]["qHandle"]
    c.call("SelectValues", [{"qText": "South"}], handle=field(c, "Region", "A"))
    assert total(c, child) == [["South", "150"]]
    assert c.layout(child)["qStateName"] == "A"
    own = c.call("CreateChild", in_state(CUBE, "$", "def"), handle=sheet)["qReturn"]["qHandle"]
    assert len(total(c, own)) == 3  # its own state wins over the parent's


def test_current_selections_of_a_state(two: Client) -> None:
    c = two
    c.call("SelectValues", [{"qText": "North"}], handle=field(c, "Region", "A"))
    a_sel = c.create({"qInfo": {"qType": "current"},
                      "qSelectionObjectDef": {"qStateName": "A"}})
    plain = c.create({"qInfo": {"qType": "current"}, "qSelectionObjectDef": {}})
    items = c.layout(a_sel)["qSelectionObject"]["qSelections"]
    assert [(i["qField"], i["qSelected"]) for i in items] == [("Region", "North")]
    assert c.layout(plain)["qSelectionObject"]["qSelections"] == []


def test_back_and_forward_step_through_every_state(two: Client) -> None:
    c = two
    a_cube = c.create(in_state(CUBE, "A"))
    cube = c.create(CUBE)
    c.call("SelectValues", [{"qText": "North"}], handle=field(c, "Region", "A"))
    c.call("SelectValues", [{"qText": "East"}], handle=field(c, "Region"))
    c.call("Back", handle=1)
    assert len(total(c, cube)) == 3 and total(c, a_cube) == [["North", "120"]]
    c.call("Back", handle=1)
    assert len(total(c, a_cube)) == 3
    c.call("Forward", handle=1)
    assert total(c, a_cube) == [["North", "120"]] and len(total(c, cube)) == 3
    assert c.call("ForwardCount", handle=1)["qReturn"] == 1


def test_modal_selections_in_a_state_are_undone_by_abort(two: Client) -> None:
    c = two
    a_list = c.create(in_state(LISTBOX, "A", "def"))
    c.call("BeginSelections", ["/qListObjectDef"], handle=a_list)
    c.call("SelectListObjectValues", "/qListObjectDef", [0], False, handle=a_list)
    assert c.layout(a_list)["qSelectionInfo"] == {"qInSelections": True,
                                                  "qMadeSelections": True}
    c.call("EndSelections", False, handle=a_list)
    assert "S" not in states(c, a_list).values()


def test_unknown_states_and_names_are_clear_errors(two: Client) -> None:
    c = two
    with pytest.raises(QixError, match="State not found"):
        c.call("GetField", "Region", "Nope", handle=1)
    with pytest.raises(QixError, match="State not found"):
        c.call("ClearAll", False, "Nope", handle=1)
    with pytest.raises(QixError):
        c.call("AddAlternateState", "A", handle=1)  # exists
    with pytest.raises(QixError):
        c.call("AddAlternateState", "$", handle=1)
    with pytest.raises(QixError, match="State not found"):
        c.call("RemoveAlternateState", "Nope", handle=1)
    # the engine and the session are intact
    assert c.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"


def test_removing_a_state_drops_its_selections(two: Client) -> None:
    c = two
    c.call("SelectValues", [{"qText": "North"}], handle=field(c, "Region", "A"))
    c.call("RemoveAlternateState", "A", handle=1)
    assert c.call("GetAppLayout", handle=1)["qLayout"]["qStateNames"] == []
    with pytest.raises(QixError, match="State not found"):
        c.call("GetField", "Region", "A", handle=1)
    c.call("AddAlternateState", "A", handle=1)  # a new state starts empty
    a_cube = c.create(in_state(CUBE, "A"))
    assert len(total(c, a_cube)) == 3


def test_session_states_copy_their_source_and_stay_in_the_session(
        loaded: Client, make_client: Any) -> None:
    c = loaded
    c.call("SelectValues", [{"qText": "North"}], handle=field(c, "Region"))
    c.call("AddSessionAlternateState", "Mine", "$", handle=1)
    assert c.call("GetAppLayout", handle=1)["qLayout"]["qStateNames"] == ["Mine"]
    cube = c.create(in_state(CUBE, "Mine"))
    assert total(c, cube) == [["North", "120"]]  # started from the default state's
    c.call("ClearAll", handle=1)
    assert total(c, cube) == [["North", "120"]]  # and has its own since
    assert c.call("RemoveSessionAlternateState", "Mine", handle=1) == {"qSuccess": True}
    assert c.call("RemoveSessionAlternateState", "Mine", handle=1) == {"qSuccess": False}
    assert c.call("GetAppLayout", handle=1)["qLayout"]["qStateNames"] == []


def test_a_selection_changes_the_objects_of_its_state_only(two: Client) -> None:
    """Only objects that depend on the state that changed are in ``change``: a chart in
    another state keeps its layout."""
    c = two
    c.call("AddAlternateState", "B", handle=1)
    default_cube = c.create(CUBE)
    a_cube = c.create(in_state(CUBE, "A"))
    b_cube = c.create(in_state(CUBE, "B"))
    reply = c.send("SelectValues", [{"qText": "North"}], handle=field(c, "Region", "A"))
    assert a_cube in reply["change"]
    assert default_cube not in reply["change"] and b_cube not in reply["change"]
    reply = c.send("SelectValues", [{"qText": "South"}], handle=field(c, "Region"))
    assert default_cube in reply["change"]
    assert a_cube not in reply["change"] and b_cube not in reply["change"]
    # an object naming another state in one of its definitions depends on that one too
    mixed = c.create({**in_state(CUBE, "B"), "qListObjectDef": {
        **LISTBOX["qListObjectDef"], "qStateName": "A"}})
    reply = c.send("SelectValues", [{"qText": "East"}], handle=field(c, "Region", "A"))
    assert mixed in reply["change"] and b_cube not in reply["change"]
    reply = c.send("Back", handle=1)  # the history spans every state: everything
    assert {default_cube, a_cube, b_cube} <= set(reply["change"])


def test_an_objects_expressions_are_evaluated_in_its_state(two: Client) -> None:
    c = two
    c.call("SelectValues", [{"qText": "North"}], handle=field(c, "Region", "A"))
    props = {"qInfo": {"qType": "kpi"}, "total": {"qStringExpression": "=Sum(Amount)"}}
    a_kpi = c.create({**props, "qStateName": "A"})
    plain = c.create(props)
    assert c.layout(a_kpi)["total"] == "120"
    assert c.layout(plain)["total"] == "310"
