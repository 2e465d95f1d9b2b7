"""DocState: a session's selections, session objects and cached computations."""

from __future__ import annotations

from pathlib import Path

import pytest

from associa.app.app import App
from associa.app.doc import DocState, resolve_path
from associa.errors import AlreadyExists, InvalidPath, NotFound
from associa.select.actions import search_symbols, select_symbols
from tests.conftest import CUBE, LISTBOX, SALES_SCRIPT


@pytest.fixture
def app(tmp_path: Path) -> App:
    app = App("a", script=SALES_SCRIPT, base_dir=tmp_path)
    app.reload()
    return app


class Events:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []

    def __call__(self, what: str, obj_id: str | None) -> None:
        self.seen.append((what, obj_id))


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def doc(app: App, events: Events) -> DocState:
    return DocState(app, events)


def select(doc: DocState, field: str, text: str, toggle: bool = False) -> bool:
    model, state, _ = doc.snapshot()
    return doc.set_state(
        select_symbols(model, state, field, search_symbols(model, field, text), toggle)
    )


def total(doc: DocState) -> str | None:
    return doc.evaluate("Sum(Amount)")[0]


def test_selection_changes_and_notifies(doc: DocState, events: Events) -> None:
    assert total(doc) == "310"
    assert select(doc, "Region", "North")
    assert total(doc) == "120"
    assert events.seen == [("selection", "$")]  # the default state's selections changed
    # the same selection again: success, but nothing changed
    assert select(doc, "Region", "North")
    assert events.seen == [("selection", "$")]
    assert doc.set_state(None) is False


def test_sessions_have_their_own_selections(app: App, doc: DocState) -> None:
    other = DocState(app)
    select(doc, "Region", "South")
    assert total(doc) == "150" and total(other) == "310"


def test_back_and_forward(doc: DocState, events: Events) -> None:
    select(doc, "Region", "North")
    select(doc, "Product", "Bike")
    assert len(doc.back) == 2 and total(doc) == "100"
    doc.step(forward=False)
    assert total(doc) == "120" and len(doc.forward) == 1
    doc.step(forward=True)
    assert total(doc) == "100"
    doc.step(forward=True)  # nothing there: no change
    # two selections in the default state, then two steps through every state's history
    assert events.seen == [("selection", "$")] * 2 + [("selection", None)] * 2
    select(doc, "Region", "East")
    assert doc.forward == []


def test_back_history_is_bounded(doc: DocState) -> None:
    for i in range(120):
        select(doc, "Region", ["North", "South"][i % 2])
    assert len(doc.back) == 100


def test_reload_keeps_selections_and_notifies(app: App, doc: DocState, events: Events) -> None:
    select(doc, "Region", "North")
    app.reload()
    assert ("reload", None) in events.seen
    assert total(doc) == "120"
    app.set_script("Sales: LOAD * INLINE [\nRegion, Amount\nWest, 5\nSouth, 7\n];")
    app.reload()
    model, state, _ = doc.snapshot()
    assert set(model.data_fields) == {"Region", "Amount"}
    assert state.order == ()  # North is gone, so is the selection on it
    assert total(doc) == "12"


def test_app_events_reach_the_callback(app: App, doc: DocState, events: Events) -> None:
    obj_id = app.create_object({"qInfo": {"qType": "x"}})["qInfo"]["qId"]
    app.set_object(obj_id, {"a": 1})
    app.destroy_object(obj_id)
    app.set_properties({"qTitle": "t"})
    assert events.seen == [
        ("create", obj_id), ("object", obj_id), ("destroy", obj_id), ("properties", None)
    ]
    doc.close()
    app.set_properties({"qTitle": "u"})
    assert len(events.seen) == 4  # closed: no more events


def test_session_objects(app: App, doc: DocState, events: Events) -> None:
    made = doc.create_session_object({"qInfo": {"qType": "x"}, "v": 1})
    obj_id = made["qInfo"]["qId"]
    assert doc.properties(obj_id) == (made, True)
    assert app.get_object(obj_id) is None
    with pytest.raises(AlreadyExists):
        doc.create_session_object({"qInfo": {"qId": obj_id}})
    doc.set_session_object(obj_id, {"v": 2})
    props, is_session = doc.properties(obj_id) or ({}, False)
    assert is_session and props["v"] == 2 and props["qInfo"]["qType"] == "x"
    assert doc.version(obj_id) == 2
    assert events.seen == [("object", obj_id)]
    assert doc.destroy_session_object(obj_id) is True
    assert doc.destroy_session_object(obj_id) is False
    assert doc.properties(obj_id) is None
    with pytest.raises(NotFound):
        doc.set_session_object(obj_id, {})


def test_session_object_ids(doc: DocState) -> None:
    for props in ({}, {"qInfo": "x"}, {"qInfo": {"qId": ""}}):
        made = doc.create_session_object(props)
        assert made["qInfo"]["qId"]
    made = doc.create_session_object({"qInfo": {"qId": "s"}})
    doc.set_session_object("s", {"qInfo": [1]})
    assert (doc.properties("s") or ({}, False))[0]["qInfo"] == {"qId": "s", "qType": ""}
    assert made["qInfo"]["qId"] == "s"


def test_persisted_objects_seen_through_the_doc(app: App, doc: DocState) -> None:
    app.create_object({"qInfo": {"qId": "p"}, "n": 1})
    props, is_session = doc.properties("p") or ({}, True)
    assert props["n"] == 1 and not is_session
    assert doc.version("p") == 1


def test_hypercube_cache(doc: DocState) -> None:
    definition = CUBE["qHyperCubeDef"]
    doc.create_session_object({"qInfo": {"qId": "c"}, "qHyperCubeDef": definition})
    first = doc.hypercube("c", "/qHyperCubeDef", definition)
    assert doc.hypercube("c", "/qHyperCubeDef", definition) is first
    select(doc, "Region", "North")
    second = doc.hypercube("c", "/qHyperCubeDef", definition)
    assert second is not first
    assert second.layout()["qSize"]["qcy"] == 1


def test_listobject_cache_and_search(doc: DocState) -> None:
    definition = LISTBOX["qListObjectDef"]
    first = doc.listobject("l", "/qListObjectDef", definition)
    assert doc.listobject("l", "/qListObjectDef", definition) is first
    doc.search("l", "/qListObjectDef", "Region", "no*")
    searched = doc.listobject("l", "/qListObjectDef", definition)
    assert searched is not first and searched.layout()["qSize"]["qcy"] == 1


def test_evaluate_text(doc: DocState) -> None:
    assert doc.evaluate_text("Sum(Amount)") == "310"
    assert doc.evaluate_text("Sum(").startswith("Error")
    assert doc.evaluate_text("Null()") == "-"


def test_resolve_path() -> None:
    props = {"qHyperCubeDef": {"a": 1}, "list": [{"qListObjectDef": {"b": 2}}], "n": 1}
    assert resolve_path(props, "/qHyperCubeDef") == {"a": 1}
    assert resolve_path(props, "qHyperCubeDef/") == {"a": 1}
    assert resolve_path(props, "/list/0/qListObjectDef") == {"b": 2}
    assert resolve_path(props, "/") == props
    for bad in ["/nope", "/list/1/qListObjectDef", "/n", "/list/x", "/list", "/list/³",
                "/list/-1/qListObjectDef"]:
        with pytest.raises(InvalidPath):
            resolve_path(props, bad)
