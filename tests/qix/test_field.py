"""Field: selections by value, by search string, by state; locks; change lists."""

from __future__ import annotations

import pytest

from tests.conftest import CUBE, LISTBOX, Client


@pytest.fixture
def field(loaded: Client) -> int:
    return loaded.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]


def total(c: Client) -> str:
    return c.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"]


def test_select_values(loaded: Client, field: int) -> None:
    cube = loaded.create(CUBE)
    reply = loaded.send("SelectValues", [{"qText": "North"}, {"qText": "East"}], False, False,
                        handle=field)
    assert reply["result"] == {"qReturn": True}
    assert reply["change"] == [1, cube]
    assert total(loaded) == "160"
    loaded.call("SelectValues", [{"qText": "East"}], True, handle=field)  # toggle off
    assert total(loaded) == "120"


def test_select_numeric_values(loaded: Client) -> None:
    amount = loaded.call("GetField", "Amount", handle=1)["qReturn"]["qHandle"]
    loaded.call("SelectValues", [{"qIsNumeric": True, "qNumber": 150}], handle=amount)
    assert total(loaded) == "150"


def test_select_search_string(loaded: Client, field: int) -> None:
    assert loaded.call("Select", "North", handle=field) == {"qReturn": True}
    assert total(loaded) == "120"
    assert loaded.call("ToggleSelect", "South", handle=field) == {"qReturn": True}
    assert total(loaded) == "270"
    amount = loaded.call("GetField", "Amount", handle=1)["qReturn"]["qHandle"]
    loaded.call("Clear", handle=field)
    loaded.call("Select", ">=100", handle=amount)
    assert total(loaded) == "250"


def test_clear_and_clear_all_but_this(loaded: Client, field: int) -> None:
    product = loaded.call("GetField", "Product", handle=1)["qReturn"]["qHandle"]
    loaded.call("Select", "North", handle=field)
    loaded.call("Select", "Bike", handle=product)
    assert total(loaded) == "100"
    assert loaded.call("ClearAllButThis", handle=product) == {"qReturn": True}
    assert total(loaded) == "250"
    reply = loaded.send("Clear", handle=product)
    assert reply["result"] == {"qReturn": True} and 1 in reply["change"]
    assert total(loaded) == "310"


def test_lock_unlock(loaded: Client, field: int) -> None:
    assert loaded.call("Lock", handle=field) == {"qReturn": False}  # nothing selected
    loaded.call("Select", "North", handle=field)
    assert loaded.call("Lock", handle=field) == {"qReturn": True}
    assert loaded.call("Clear", handle=field) == {"qReturn": False}
    assert total(loaded) == "120"
    assert loaded.call("Unlock", handle=field) == {"qReturn": True}
    assert loaded.call("Clear", handle=field) == {"qReturn": True}
    assert total(loaded) == "310"


def test_select_by_states(loaded: Client, field: int) -> None:
    product = loaded.call("GetField", "Product", handle=1)["qReturn"]["qHandle"]
    loaded.call("Select", "Bike", handle=product)  # Regions North, South possible
    assert loaded.call("SelectPossible", handle=field) == {"qReturn": True}
    assert total(loaded) == "250"
    loaded.call("ClearAll", handle=1)
    loaded.call("Select", "North", handle=field)
    loaded.call("SelectAlternative", handle=field)
    assert total(loaded) == "190"
    loaded.call("ClearAll", handle=1)
    loaded.call("Select", "North", handle=field)
    loaded.call("SelectExcluded", handle=field)
    assert total(loaded) == "190"
    loaded.call("ClearAll", handle=1)
    loaded.call("Select", "North", handle=field)
    loaded.call("SelectAll", handle=field)
    assert total(loaded) == "310"


def test_low_level_select(loaded: Client, field: int) -> None:
    listbox = loaded.create(LISTBOX)
    elems = {row["qText"]: row["qElemNumber"]
             for (row,) in loaded.layout(listbox)["qListObject"]["qDataPages"][0]["qMatrix"]}
    assert loaded.call("LowLevelSelect", [elems["South"]], False, handle=field) == {
        "qReturn": True
    }
    assert total(loaded) == "150"


def test_field_facts(loaded: Client, field: int) -> None:
    assert loaded.call("GetCardinal", handle=field) == {"qReturn": 3}
    assert loaded.call("GetAndMode", handle=field) == {"qReturn": False}
    assert loaded.call("SetAndMode", False, handle=field) == {}
    assert loaded.call("GetNxProperties", handle=field) == {"qProperties": {"qOneAndOnlyOne": False}}


def test_field_handles_survive_reload(loaded: Client, field: int) -> None:
    reply = loaded.send("DoReload", handle=1)
    assert field in reply["change"]
    assert loaded.call("Select", "North", handle=field) == {"qReturn": True}


def test_field_gone_after_reload(loaded: Client, field: int) -> None:
    loaded.call("SetScript", "T: LOAD * INLINE [\nOther\n1\n];", handle=1)
    loaded.call("DoReload", handle=1)
    assert loaded.call("Select", "North", handle=field) == {"qReturn": False}
    assert loaded.call("GetCardinal", handle=field) == {"qReturn": 0}


def test_bad_field_params(loaded: Client, field: int) -> None:
    err = loaded.error("SelectValues", "North", handle=field)
    assert err["code"] == -32602 and err["parameter"].startswith("qFieldValues")
    err = loaded.error("Select", 5, handle=field)
    assert err["code"] == -32602 and err["parameter"].startswith("qMatch")
    assert loaded.call("Select", "North", handle=field) == {"qReturn": True}


def test_one_and_only_one_keeps_exactly_one_value(loaded: Client, field: int) -> None:
    """Help "NxFieldProperties": qOneAndOnlyOne can be set only while one value is
    selected; the field is then never cleared and a new selection replaces the value."""
    props = {"qOneAndOnlyOne": True}
    loaded.call("SetNxProperties", props, handle=field)  # nothing selected: not set
    assert loaded.call("GetNxProperties", handle=field)["qProperties"] == {
        "qOneAndOnlyOne": False}
    loaded.call("SelectValues", [{"qText": "North"}, {"qText": "East"}], handle=field)
    loaded.call("SetNxProperties", props, handle=field)  # two selected: not set
    assert not loaded.call("GetNxProperties", handle=field)["qProperties"]["qOneAndOnlyOne"]
    loaded.call("SelectValues", [{"qText": "North"}], handle=field)
    loaded.call("SetNxProperties", props, handle=field)
    assert loaded.call("GetNxProperties", handle=field)["qProperties"]["qOneAndOnlyOne"]
    assert loaded.call("Clear", handle=field) == {"qReturn": False}
    loaded.call("ClearAll", handle=1)
    assert total(loaded) == "120"  # North stays
    loaded.call("SelectValues", [{"qText": "South"}, {"qText": "East"}], handle=field)
    assert total(loaded) == "150"  # one value: South replaced North
    loaded.call("ToggleSelect", "South", handle=field)  # would leave none: no change
    assert total(loaded) == "150"
    product = loaded.call("GetField", "Product", handle=1)["qReturn"]["qHandle"]
    loaded.call("SelectValues", [{"qText": "Helmet"}], handle=product)  # excluded by South
    assert total(loaded) == "0"  # South is not cleared for it: no possible row
    loaded.call("SetNxProperties", {"qOneAndOnlyOne": False}, handle=field)
    assert loaded.call("Clear", handle=field) == {"qReturn": True}


def test_select_by_an_expression_search(loaded: Client, field: int) -> None:
    """A search string starting with "=" selects the values for which the expression,
    per value, is true (help "Search": expression search)."""
    assert loaded.call("Select", "=Sum(Amount)>100", handle=field) == {"qReturn": True}
    assert total(loaded) == "270"  # North 120 and South 150, not East 40
    loaded.call("Clear", handle=field)
    assert loaded.call("Select", "=Count(Product)=1", handle=field) == {"qReturn": True}
    assert total(loaded) == "190"  # South and East have one product each
    loaded.call("Clear", handle=field)
    loaded.call("Select", "=Sum(Nope)>1", handle=field)  # an unknown field: nothing
    assert total(loaded) == "310"
