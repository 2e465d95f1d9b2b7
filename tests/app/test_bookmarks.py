"""Bookmarks and temporary selection states over the engine API: a bookmark holds the
selections of every state by value, and applying it restores exactly those, also after
a reload that renumbers the values, in another session, and after a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from associa.app import bookmarks, statedata
from associa.app.app import App
from associa.app.doc import DocState
from associa.engine import Engine
from associa.errors import AlreadyExists, InvalidParameters
from associa.select import SelectionState
from associa.settings import Settings
from tests.app.conftest import Listener
from tests.conftest import SALES_SCRIPT

BOOKMARK_LIST = {"qInfo": {"qType": "list"},
                 "qBookmarkListDef": {"qType": "bookmark", "qData": {"title": "/qMetaDef/title"}}}


def loaded(tmp_path: Path, script: str = SALES_SCRIPT) -> App:
    app = App("a", script=script, base_dir=tmp_path)
    app.reload()
    app.add_state("A")
    return app


def selected(doc: DocState) -> dict[str, Any]:
    """Every state's selections by value: field -> texts, with the order and locks."""
    model = doc.app.model
    out = {}
    for name, state in doc.all_states().items():
        out[name] = (
            {f: sorted(model.fields[f].symbols.text(int(i)) for i in np.flatnonzero(m))
             for f, m in state.selected.items()},
            state.order,
            state.locked,
        )
    return out


def bookmark(doc: DocState, bm_id: str = "bm", **props: Any) -> str:
    entry = bookmarks.new_bookmark(doc, {"qInfo": {"qId": bm_id, "qType": "bookmark"}, **props})
    doc.app.create_bookmark(entry)
    return bm_id


def apply(doc: DocState, bm_id: str = "bm") -> list[dict[str, Any]]:
    entry = doc.app.get_bookmark(bm_id)
    assert entry is not None
    return bookmarks.apply_bookmark(doc, entry)


def test_a_bookmark_restores_the_selections_of_every_state(tmp_path: Path) -> None:
    doc = DocState(loaded(tmp_path))
    doc.select("Product", "Bike")
    doc.select("Region", "North")
    doc.select("Manager", "Bob", state="A")
    doc.lock_field("Manager", state="A")
    before = selected(doc)
    assert doc.evaluate("Sum(Amount)") == ("100", 100.0)
    bookmark(doc)
    doc.clear_all(locked_also=True)
    doc.clear_all(locked_also=True, state="A")
    doc.select("Region", "East")
    assert apply(doc) == []
    assert selected(doc) == before
    assert doc.evaluate("Sum(Amount)") == ("100", 100.0)
    assert doc.evaluate("Sum(Amount)", "A") == ("150", 150.0)
    # one step of the history: Back goes to the selections before the bookmark
    doc.step(forward=False)
    assert doc.evaluate("Sum(Amount)") == ("40", 40.0)


def test_a_bookmark_of_no_selections_clears_them(tmp_path: Path) -> None:
    doc = DocState(loaded(tmp_path))
    bookmark(doc)
    doc.select("Region", "North")
    doc.select("Region", "South", state="A")
    apply(doc)
    assert all(not state.selected for state in doc.all_states().values())


@st.composite
def random_states(draw: st.DrawFn, app: App) -> dict[str, SelectionState]:
    """Any selections of the default state and A: random values of random fields, in
    a random order, some locked (including ones no click could make)."""
    model = app.model
    names = sorted(f for f in model.fields if not f.startswith("$"))
    out = {}
    for state in ("$", "A"):
        fields = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
        masks = {}
        for f in fields:
            n = len(model.fields[f].symbols)
            picks = draw(st.lists(st.booleans(), min_size=n, max_size=n).filter(any))
            masks[f] = np.array(picks, dtype=bool)
        locked = frozenset(f for f in fields if draw(st.booleans()))
        out[state] = SelectionState(masks, tuple(fields), locked)
    return out


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> App:
    return loaded(tmp_path_factory.mktemp("bm"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_applying_gives_back_exactly_what_was_saved(shared_app: App, data: st.DataObject) -> None:
    app = shared_app
    doc = DocState(app)
    try:
        saved = data.draw(random_states(app))
        doc.set_states(saved)
        before = selected(doc)
        entry = bookmarks.new_bookmark(doc, {})
        doc.set_states(data.draw(random_states(app)))  # anything else meanwhile
        assert bookmarks.apply_bookmark(doc, entry) == []
        assert selected(doc) == before
        for name, state in doc.all_states().items():
            for f, mask in state.selected.items():
                assert np.array_equal(mask, saved[name].selected[f])
    finally:
        doc.close()


REORDERED = """\
Sales:
LOAD * INLINE [
Region, Product, Amount
West, Saddle, 7
East, Helmet, 40
South, Bike, 150
North, Lock, 20
North, Bike, 100
];

Regions:
LOAD * INLINE [
Region, Manager
West, Dee
East, Cid
South, Bob
North, Ann
];
"""


def test_a_bookmark_survives_a_reload_that_renumbers_the_values(tmp_path: Path) -> None:
    app = loaded(tmp_path)
    doc = DocState(app)
    doc.select("Region", "North", "East")
    doc.select("Amount", 20.0, 40.0, 100.0)
    doc.select("Manager", "Bob", state="A")
    bookmark(doc)
    before = selected(doc)
    app.set_script(REORDERED)
    app.reload()
    sym = app.model.fields["Region"].symbols
    assert sym.text(0) == "West"  # the codes changed
    doc.clear_all()
    doc.clear_all(state="A")
    assert apply(doc) == []
    assert selected(doc) == before
    assert doc.evaluate("Sum(Amount)") == ("160", 160.0)


def test_values_fields_and_states_gone_are_left_out_and_reported(tmp_path: Path) -> None:
    app = loaded(tmp_path)
    app.add_state("B")
    doc = DocState(app)
    doc.select("Region", "North", "East")
    doc.select("Manager", "Ann")
    doc.select("Product", "Lock", state="B")
    bookmark(doc)
    app.set_script(SALES_SCRIPT.replace("East, Helmet, 40\n", "")
                   .replace("East, Cid\n", "").replace("Region, Manager", "Region, Boss")
                   .replace("North, Ann", "North, Ann2"))
    app.reload()
    app.remove_state("B")
    warnings = apply(doc)
    assert [(w["qState"], w.get("qField"), w["qVerifyResult"]) for w in warnings] == [
        ("$", "Region", "FIELD_VALUE_MISSING"),
        ("$", "Manager", "FIELD_MISSING"),
        ("B", None, "STATE_MISSING"),
    ]
    assert warnings[0]["qMissingValues"] == ["East"]
    assert warnings[0]["qMissingDuals"] == [{"qText": "East", "qIsNumeric": False, "qNumber": 0}]
    assert warnings[0]["qTotalMissing"] == 1
    assert selected(doc)["$"][0] == {"Region": ["North"]}


def test_a_bookmark_is_shared_by_the_sessions_of_the_app(tmp_path: Path) -> None:
    app = loaded(tmp_path)
    mine, theirs = DocState(app), DocState(app)
    seen: list[tuple[str, str | None]] = []
    theirs.on_change = lambda what, obj_id: seen.append((what, obj_id))
    listing = theirs.create_session_object(BOOKMARK_LIST)["qInfo"]["qId"]
    mine.select("Product", "Bike")
    mine.select("Region", "South", state="A")
    bookmark(mine, "shared")
    assert ("object", listing) in seen  # the other session's bookmark list changed
    assert theirs.evaluate("Sum(Amount)") == ("310", 310.0)
    apply(theirs, "shared")
    assert selected(theirs) == selected(mine)
    assert theirs.evaluate("Sum(Amount)") == ("250", 250.0)
    seen.clear()
    assert app.destroy_bookmark("shared")
    assert ("object", listing) in seen
    assert not app.destroy_bookmark("shared")


def test_bookmarks_are_saved_with_the_app_and_survive_a_restart(data_dir: Path) -> None:
    first = Engine(Settings(data_dir=data_dir))
    app = first.get_or_create_app("sales", SALES_SCRIPT)
    app.reload()
    app.add_state("A")
    doc = DocState(app)
    doc.select("Region", "North")
    doc.select("Product", "Bike", state="A")
    doc.lock_field("Product", state="A")
    bookmark(doc, "kept", qMetaDef={"title": "North"})
    before = selected(doc)
    store = statedata.store_temp_state(doc)
    first.save_app(app)

    second = Engine(Settings(data_dir=data_dir))
    again = second.get_app("sales")
    assert list(again.bookmarks) == ["kept"]
    assert again.bookmarks["kept"]["qProperties"]["qMetaDef"] == {"title": "North"}
    assert again.temp_states == {}  # temporary states are not saved
    fresh = DocState(again)
    assert not statedata.restore_temp_state(fresh, store)
    apply(fresh, "kept")
    assert selected(fresh) == before
    assert fresh.evaluate("Sum(Amount)") == ("120", 120.0)


def test_properties_are_checked_and_nothing_is_stored_on_error(tmp_path: Path) -> None:
    app = loaded(tmp_path)
    doc = DocState(app)
    for bad in ({"qIncludeVariables": "yes"}, {"qInfo": {"qId": 3}}, {"qMetaDef": []}, []):
        with pytest.raises(InvalidParameters):
            bookmarks.new_bookmark(doc, bad)
    bookmark(doc, "one")
    with pytest.raises(AlreadyExists):
        bookmark(doc, "one")
    app.create_object({"qInfo": {"qId": "obj", "qType": "x"}})
    with pytest.raises(AlreadyExists):  # bookmarks and objects share the ids
        bookmark(doc, "obj")
    assert list(app.bookmarks) == ["one"]
    props = bookmarks.bookmark_properties(
        {"qMetaDef": {"title": "t"}, "sheetId": "s1", "qDistinctValues": True,
         "qIncludeVariables": False, "qInfo": {"qType": "bookmark"}})
    assert list(props) == ["qInfo", "qMetaDef", "qDistinctValues", "sheetId"]
    assert props["qInfo"]["qId"]  # a new id


def test_variables_are_recorded_when_asked_for(tmp_path: Path) -> None:
    app = loaded(tmp_path, "SET vLimit = 100;\nLET vName = 'North';\n" + SALES_SCRIPT)
    doc = DocState(app)
    without = bookmarks.new_bookmark(doc, {})
    assert without["qBookmark"]["qVariableItems"] == []
    items = bookmarks.new_bookmark(doc, {"qIncludeVariables": True})["qBookmark"]["qVariableItems"]
    by_name = {i["qName"]: i["qValue"] for i in items}
    assert by_name["vLimit"] == {"qText": "100", "qIsNumeric": True, "qNumber": 100}
    assert by_name["vName"] == {"qText": "North", "qIsNumeric": False, "qNumber": 0}


def test_an_app_tells_its_listeners_of_bookmarks(tmp_path: Path) -> None:
    app = loaded(tmp_path)
    listener = Listener()
    app.listen(listener)
    doc = DocState(app)
    entry = bookmarks.new_bookmark(doc, {"qInfo": {"qId": "b"}})
    app.create_bookmark(entry)
    app.set_bookmark("b", bookmarks.with_properties(entry, {"qMetaDef": {"title": "x"}}))
    app.destroy_bookmark("b")
    assert [e for e in listener.events if e[0] == "bookmark"] == [("bookmark", "b")] * 3


# -- temporary selection states -------------------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The temporary states' clock, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(statedata, "clock", lambda: now[0])
    return now


def test_a_temporary_state_restores_until_its_ttl_ends(tmp_path: Path, clock: list[float]) -> None:
    app = loaded(tmp_path)
    doc, other = DocState(app), DocState(app)
    doc.select("Region", "South")
    doc.select("Product", "Bike", state="A")
    before = selected(doc)
    short = statedata.store_temp_state(doc, 10)
    default = statedata.store_temp_state(doc)  # 30 minutes
    negative = statedata.store_temp_state(doc, -5)  # not positive: 30 minutes too
    assert statedata.restore_temp_state(other, short)  # any session of the app
    assert selected(other) == before
    clock[0] += 10
    assert not statedata.restore_temp_state(other, short)
    assert short not in app.temp_states  # forgotten once expired
    clock[0] += statedata.DEFAULT_TEMP_TTL - 11
    other.clear_all()
    assert statedata.restore_temp_state(other, default)
    assert statedata.restore_temp_state(other, negative)
    assert selected(other) == before
    clock[0] += 1
    assert not statedata.restore_temp_state(other, default)
    assert not statedata.restore_temp_state(other, "no-such-id")


def test_a_temporary_state_can_be_dropped(tmp_path: Path, clock: list[float]) -> None:
    app = loaded(tmp_path)
    doc = DocState(app)
    temp = statedata.store_temp_state(doc, 60)
    assert statedata.drop_temp_state(app, temp)
    assert not statedata.drop_temp_state(app, temp)
    assert not statedata.restore_temp_state(doc, temp)
