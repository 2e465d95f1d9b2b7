"""Section Access over QIX: OpenDoc gives each session's user the model the app's access
table allows (app/section_access.py), refuses the others with 4000, and the session
stays usable after a refusal. Expected numbers are summed here from the script's rows."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from associa.engine import Engine
from associa.identity import Identity
from associa.qix.sessions import SessionManager
from associa.settings import Settings
from tests.app.test_section_access import expected_sums, script
from tests.conftest import Client

CHART = {
    "qInfo": {"qId": "sales-by-region", "qType": "table"},
    "qHyperCubeDef": {
        "qDimensions": [{"qDef": {"qFieldDefs": ["REGION"]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}],
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 50}],
    },
}

LISTBOX = {
    "qInfo": {"qType": "listbox"},
    "qListObjectDef": {
        "qDef": {"qFieldDefs": ["MANAGER"]},
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 50}],
    },
}


class UserClient(Client):
    """An in-process connection whose session acts as ``identity``."""

    def __init__(self, sessions: SessionManager, identity: Identity) -> None:
        self.sessions = sessions
        self.engine = sessions.engine
        self.session, attached = sessions.session(None, None, None, identity=identity)
        self.pushed: list[dict[str, Any]] = []
        self.hello = json.loads(self.session.attach(self.receive, attached))
        self._ids = iter(range(1, 1 << 30))
        self.last: dict[str, Any] = {}

    def open(self, app_id: str = "secured") -> int:
        return int(self.call("OpenDoc", app_id)["qReturn"]["qHandle"])

    def chart(self, doc: int) -> dict[str, float]:
        handle = self.call("GetObject", "sales-by-region", handle=doc)["qReturn"]["qHandle"]
        matrix = self.layout(handle)["qHyperCube"]["qDataPages"][0]["qMatrix"]
        return {row[0]["qText"]: row[1]["qNum"] for row in matrix}


def search(client: UserClient, doc: int, text: str) -> list[tuple[str, str]]:
    """(field, value) of what SearchResults finds for ``text``."""
    page = {"qOffset": 0, "qCount": 10, "qMaxNbrFieldMatches": 5}
    result = client.call("SearchResults", {"qContext": "Cleared"}, [text], page,
                         handle=doc)["qResult"]
    return [(item["qIdentifier"], match["qText"])
            for group in result["qSearchGroupArray"] for item in group["qItems"]
            for match in item["qItemMatches"]]


def user(name: str, *groups: str) -> Identity:
    return Identity(user_id=name, user_directory="CORP", groups=groups, method="jwt")


@pytest.fixture
def secured(engine: Engine) -> Engine:
    """The app ``secured`` with its Section Access, reloaded and saved, and the chart
    every user opens (made by the admin)."""
    app = engine.create_app("secured", script())
    app.reload()
    app.create_object(CHART)
    engine.save_app(app)
    return engine


@pytest.fixture
def connect(sessions: SessionManager) -> Iterator[Callable[[Identity], UserClient]]:
    made: list[UserClient] = []

    def make(identity: Identity) -> UserClient:
        made.append(UserClient(sessions, identity))
        return made[-1]

    yield make
    for c in made:
        c.close()


def test_two_users_see_different_numbers_in_the_same_chart(
        secured: Engine, connect: Callable[[Identity], UserClient]) -> None:
    ann, bob, boss = connect(user("ann")), connect(user("bob")), connect(user("boss"))
    assert ann.chart(ann.open()) == expected_sums({"NORTH"}) == {"NORTH": 120.0}
    assert bob.chart(bob.open()) == expected_sums({"SOUTH", "EAST"})
    assert boss.chart(boss.open()) == expected_sums(
        {"NORTH", "north", "SOUTH", "EAST", "WEST", "CENTRAL"})
    group = connect(user("zoe", "Sales"))
    assert group.chart(group.open()) == expected_sums({"WEST"})
    audit = connect(user("ivan", "AUDIT"))  # *: the regions the table lists
    assert audit.chart(audit.open()) == expected_sums({"NORTH", "SOUTH", "EAST", "WEST"})


def test_a_user_not_listed_is_refused_and_the_session_stays_usable(
        secured: Engine, connect: Callable[[Identity], UserClient]) -> None:
    mallory = connect(user("mallory"))
    assert mallory.error("OpenDoc", "secured") == {
        "code": 4000, "parameter": "", "message": "User access denied"}
    eve = connect(user("eve"))  # strict exclusion: her only value is in no record
    assert eve.error("OpenDoc", "secured")["code"] == 4000
    # the session is intact: no doc open, other calls and other apps work
    assert mallory.error("GetActiveDoc")["code"] == 1007
    assert mallory.call("EngineVersion")["qVersion"]["qComponentVersion"]
    secured.create_app("public", "T: LOAD 1 as X AUTOGENERATE 1;").reload()
    doc = mallory.open("public")
    assert mallory.call("Evaluate", "Sum(X)", handle=doc) == {"qReturn": "1"}
    assert mallory.error("OpenDoc", "secured")["code"] == 1002  # one doc per session


def test_omitted_fields_are_hidden(secured: Engine,
                                   connect: Callable[[Identity], UserClient]) -> None:
    bob = connect(user("bob"))
    doc = bob.open()
    tables = bob.call("GetTablesAndKeys", {}, {}, 0, True, False, handle=doc)["qtr"]
    regions = next(t for t in tables if t["qName"] == "Regions")
    assert [f["qName"] for f in regions["qFields"]] == ["REGION"]
    assert regions["qNoOfRows"] == 2  # SOUTH and EAST
    box = bob.layout(bob.create(LISTBOX, doc))["qListObject"]
    assert box["qDimensionInfo"]["qError"]["qErrorCode"] == 7000
    assert box["qDataPages"] == [] or box["qDataPages"][0]["qMatrix"] == []
    assert bob.call("GetFieldsFromExpression", "Only(MANAGER) & REGION",
                    handle=doc)["qFieldNames"] == ["REGION"]
    assert bob.error("GetField", "MANAGER", handle=doc) == {
        "code": 2, "parameter": "MANAGER", "message": "Resource not found"}
    assert search(bob, doc, "Bob") == []  # the manager's name is nowhere to be found
    boss = connect(user("boss"))
    assert search(boss, boss.open(), "Bob") == [("MANAGER", "Bob")]
    ann = connect(user("ann"))
    doc = ann.open()
    box = ann.layout(ann.create(LISTBOX, doc))["qListObject"]
    assert [r[0]["qText"] for r in box["qDataPages"][0]["qMatrix"]] == ["Ann"]


def test_selections_and_searches_stay_inside_the_reduction(
        secured: Engine, connect: Callable[[Identity], UserClient]) -> None:
    ann = connect(user("ann"))
    doc = ann.open()
    field = ann.call("GetField", "REGION", handle=doc)["qReturn"]["qHandle"]
    assert ann.call("GetCardinal", handle=field) == {"qReturn": 1}
    assert search(ann, doc, "SOUTH") == []
    assert search(ann, doc, "NORTH") == [("REGION", "NORTH")]
    # selecting a value the user may not see selects nothing
    ann.call("SelectValues", [{"qText": "SOUTH"}], handle=field)
    assert ann.chart(doc) == {"NORTH": 120.0}
    assert ann.call("Evaluate", "Sum({1} Amount)", handle=doc) == {"qReturn": "120"}


def test_a_reload_reduces_every_open_session_again(
        secured: Engine, connect: Callable[[Identity], UserClient]) -> None:
    ann, boss = connect(user("ann")), connect(user("boss"))
    doc_ann, doc_boss = ann.open(), boss.open()
    assert ann.chart(doc_ann) == {"NORTH": 120.0}
    new_orders = script().replace("NORTH, Lock, 20", "NORTH, Lock, 25")
    boss.call("SetScript", new_orders, handle=doc_boss)
    assert boss.call("DoReload", handle=doc_boss) == {"qReturn": True}
    assert ann.chart(doc_ann) == {"NORTH": 125.0}


def test_section_access_holds_after_a_restart(
        secured: Engine, data_dir: Path, connect: Callable[[Identity], UserClient]) -> None:
    fresh = SessionManager(Engine(Settings(data_dir=data_dir)))
    try:
        ann = UserClient(fresh, user("ann"))
        assert ann.chart(ann.open()) == {"NORTH": 120.0}
        mallory = UserClient(fresh, user("mallory"))
        assert mallory.error("OpenDoc", "secured")["code"] == 4000
    finally:
        fresh.shutdown()


def test_a_bookmark_shows_each_user_only_what_they_may_see(
        secured: Engine, connect: Callable[[Identity], UserClient]) -> None:
    boss = connect(user("boss"))
    doc = boss.open()
    for name, texts in (("REGION", ["NORTH", "SOUTH", "EAST"]), ("MANAGER", ["Ann", "Bob"])):
        field = boss.call("GetField", name, handle=doc)["qReturn"]["qHandle"]
        boss.call("SelectValues", [{"qText": t} for t in texts], handle=field)
    boss.call("CreateBookmark", {"qInfo": {"qId": "picked", "qType": "bookmark"},
                                 "qMetaDef": {"title": "picked"}}, handle=doc)

    def seen(client: UserClient, doc: int) -> tuple[dict[str, int], dict[str, list[str]], str]:
        """The counts of its layout, each field's values, and all it was told, as text."""
        handle = client.call("GetBookmark", "picked", handle=doc)["qReturn"]["qHandle"]
        layout = client.layout(handle)
        counts = {i["qFieldName"]: i["qValuesCount"] for i in layout["qFieldInfos"]}
        values = {name: [v["qText"] for v in client.call(
            "GetFieldValues", name, False, {"qStartIndex": 0, "qEndIndex": 10},
            handle=handle)["qFieldValues"]] for name in ("REGION", "MANAGER")}
        verified = client.call("ApplyAndVerifyBookmark", "picked", handle=doc)
        listed = client.call("GetBookmarks", {"qTypes": ["bookmark"],
                                              "qData": {"b": "/qBookmark"}}, handle=doc)
        return counts, values, json.dumps([layout, verified, listed])

    counts, values, told = seen(boss, doc)
    assert counts == {"REGION": 3, "MANAGER": 2}
    assert values == {"REGION": ["NORTH", "SOUTH", "EAST"], "MANAGER": ["Ann", "Bob"]}
    ann = connect(user("ann"))
    doc_ann = ann.open()
    counts, values, told = seen(ann, doc_ann)
    assert counts == {"REGION": 1, "MANAGER": 1}
    assert values == {"REGION": ["NORTH"], "MANAGER": ["Ann"]}
    for hidden in ("SOUTH", "EAST", "Bob"):
        assert hidden not in told
    assert ann.chart(doc_ann) == {"NORTH": 120.0}  # applied: her own region
    bob = connect(user("bob"))  # SOUTH and EAST, without MANAGER
    doc_bob = bob.open()
    counts, values, told = seen(bob, doc_bob)
    assert counts == {"REGION": 2}
    assert values == {"REGION": ["SOUTH", "EAST"], "MANAGER": []}
    for hidden in ("NORTH", "MANAGER", "Ann", "Bob"):
        assert hidden not in told
    assert bob.chart(doc_bob) == expected_sums({"SOUTH", "EAST"})
