"""Change lists after a selection: only the objects whose layout, or any page of their
data, is no longer what the client last got are in ``change``."""

from __future__ import annotations

from typing import Any

from tests.conftest import Client

SCRIPT = """\
Facts:
LOAD * INLINE [
Cat, Sub, Val
a, x, 1
b, y, 2
b, z, 3
c, w, 5
];

Island:
LOAD * INLINE [
Colour
red
blue
];
"""


def listbox(name: str) -> dict[str, Any]:
    return {"qInfo": {"qType": "listbox"},
            "qListObjectDef": {"qDef": {"qFieldDefs": [name]},
                               "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1,
                                                      "qHeight": 10}]}}


# Max(Val) by Cat, showing the first row only: a selection in Sub that changes row b
# leaves the first page, the size, the measure's min and max and the total as they were
FIRST_ROW = {"qInfo": {"qType": "table"},
             "qHyperCubeDef": {"qDimensions": [{"qDef": {"qFieldDefs": ["Cat"]}}],
                               "qMeasures": [{"qDef": {"qDef": "Max(Val)"}}],
                               "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2,
                                                      "qHeight": 1}]}}
STATIC = {"qInfo": {"qType": "text"}, "markdown": "hello"}


def field(c: Client, name: str) -> int:
    return c.call("GetField", name, handle=1)["qReturn"]["qHandle"]


def test_only_objects_that_really_changed_are_in_change(client: Client) -> None:
    c = client
    c.session_app(SCRIPT)
    cat, sub, colour = (c.create(listbox(n)) for n in ("Cat", "Sub", "Colour"))
    cube, static = c.create(FIRST_ROW), c.create(STATIC)
    before = {h: c.layout(h) for h in (cat, sub, colour, cube, static)}
    reply = c.send("SelectValues", [{"qText": "x"}, {"qText": "y"}, {"qText": "w"}], False,
                   handle=field(c, "Sub"))
    changed = set(reply["change"])
    # Sub's states changed; Cat's values all stay possible; the island and the static
    # text cannot change; the cube's first page did not change but row b did (3 -> 2)
    assert sub in changed and cube in changed
    assert not changed & {cat, colour, static}
    assert c.layout(cat) == before[cat] and c.layout(colour) == before[colour]
    page = c.call("GetHyperCubeData", "/qHyperCubeDef",
                  [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 3}], handle=cube)
    rows = [[cell["qText"] for cell in row] for row in page["qDataPages"][0]["qMatrix"]]
    assert rows == [["a", "1"], ["b", "2"], ["c", "5"]]
    assert c.layout(cube) == before[cube]  # the layout itself is the same
    # a selection that changes Cat's states puts Cat in, and the others stay out
    reply = c.send("SelectValues", [{"qText": "x"}], False, handle=field(c, "Sub"))
    changed = set(reply["change"])
    assert {cat, sub, cube} <= changed and not changed & {colour, static}
    # an object whose layout the client never fetched is always in
    fresh = c.create(listbox("Colour"))
    reply = c.send("Clear", handle=field(c, "Sub"))
    assert fresh in reply["change"] and colour not in reply["change"]


def test_the_layouts_after_a_selection_are_current(client: Client) -> None:
    """The layouts computed to tell what changed are the ones GetLayout answers, and
    only until the next change."""
    c = client
    c.session_app(SCRIPT)
    sub = c.create(listbox("Sub"))
    c.layout(sub)
    for texts in (["x"], ["y"], ["z", "w"]):
        c.call("SelectValues", [{"qText": t} for t in texts], False, handle=field(c, "Sub"))
        states = {row[0]["qText"]: row[0]["qState"]
                  for row in c.layout(sub)["qListObject"]["qDataPages"][0]["qMatrix"]}
        assert {v for v, s in states.items() if s == "S"} == set(texts)
    c.call("SetProperties", {**listbox("Cat"), "qInfo": c.layout(sub)["qInfo"]}, handle=sub)
    values = [row[0]["qText"] for row in c.layout(sub)["qListObject"]["qDataPages"][0]["qMatrix"]]
    assert values == ["a", "b", "c"]


def test_a_change_made_under_the_docs_lock_does_not_wait_for_itself(client: Client) -> None:
    """Applying a bookmark changes the selections while holding the doc's lock; the
    layouts made to tell what changed are then made in the same thread."""
    c = client
    c.session_app(SCRIPT)
    boxes = [c.create(listbox(n)) for n in ("Cat", "Sub", "Colour")]
    for h in boxes:
        c.layout(h)
    c.call("SelectValues", [{"qText": "x"}], False, handle=field(c, "Sub"))
    bm = c.call("CreateBookmark", {"qInfo": {"qType": "bookmark"}}, handle=1)["qInfo"]["qId"]
    c.call("ClearAll", handle=1)
    for h in boxes:
        c.layout(h)
    reply = c.send("ApplyBookmark", bm, handle=1)
    assert reply["result"] == {"qSuccess": True}
    assert set(reply["change"]) >= {boxes[0], boxes[1]} and boxes[2] not in reply["change"]
