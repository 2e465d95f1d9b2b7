"""Access rules over QIX (``qix/rights.py``): an owner, a consumer, an editor and a
stranger on one app; each checked method refused or allowed; a refusal answers error 5
and leaves the session as it was."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from associa.app.access import Right
from associa.engine import Engine
from associa.errors import AppAccessDenied
from associa.identity import ANONYMOUS, Identity
from associa.qix.rights import NEEDS
from tests.conftest import CUBE, LISTBOX, SALES_SCRIPT, Client

ANN = Identity("ann", "corp", groups=("sales",), method="jwt")  # the owner
BOB = Identity("bob", "corp", groups=("sales",), method="jwt")  # consume
CID = Identity("cid", "corp", groups=("editors",), method="jwt")  # edit (by group)
DAN = Identity("dan", "corp", method="jwt")  # manage
EVE = Identity("eve", "other", method="jwt")  # no rule
ROOT = Identity("root", "corp", admin=True, method="jwt")
DENIED = {"code": 5, "message": "Access denied"}

Make = Callable[..., Client]


@pytest.fixture
def app_id(engine: Engine, make_client: Make) -> str:
    """``sales``: owned by ann, loaded and saved (with one persistent chart) by her."""
    engine.create_app("sales", SALES_SCRIPT, owner=ANN)
    engine.set_rules("sales", [("user", "bob", "consume"), ("group", "editors", "edit"),
                               ("user", "corp\\dan", "manage")])
    ann = make_client(identity=ANN)
    ann.call("OpenDoc", "sales")
    assert ann.call("DoReload", handle=1) == {"qReturn": True}
    ann.call("CreateObject", {**CUBE, "qInfo": {"qId": "chart", "qType": "table"}}, handle=1)
    ann.call("DoSave", handle=1)
    ann.close()
    return "sales"


def denied(reply: dict) -> bool:
    err = reply.get("error") or {}
    return err.get("code") == DENIED["code"] and err.get("message") == DENIED["message"]


def opened(make_client: Make, who: Identity) -> Client:
    c = make_client(identity=who)
    assert c.call("OpenDoc", "sales")["qReturn"]["qHandle"] == 1
    return c


def test_created_apps_are_owned_by_their_creator(engine: Engine, make_client: Make) -> None:
    c = make_client(identity=ANN)
    assert c.call("CreateApp", "mine")["qSuccess"] is True
    assert engine.app_access("mine").owner is not None
    assert engine.rights(EVE, "mine") == frozenset()
    # development mode: nobody owns it, open to all
    make_client().call("CreateApp", "ours")
    assert engine.app_access("ours").owner is None
    assert engine.rights(EVE, "ours") == frozenset(Right)


def test_open_doc(app_id: str, make_client: Make) -> None:
    for who in (ANN, BOB, CID, DAN, ROOT, ANONYMOUS):
        opened(make_client, who)
    eve = make_client(identity=EVE)
    reply = eve.send("OpenDoc", app_id)
    assert denied(reply) and reply["error"]["parameter"] == app_id
    # refused, the session goes on: no doc, other calls answer
    assert eve.error("GetActiveDoc")["code"] == 1007
    assert eve.call("QvVersion")["qReturn"]


def test_a_refusal_does_not_tell_whether_the_app_exists(app_id: str, make_client: Make) -> None:
    eve = make_client(identity=EVE)
    assert eve.send("OpenDoc", app_id)["error"] == eve.send("OpenDoc", "no such app")["error"] \
        | {"parameter": app_id}
    assert denied(eve.send("OpenDoc", "no such app"))
    assert denied(eve.send("GetAppEntry", "no such app"))
    assert denied(eve.send("DeleteApp", "no such app"))
    # who may not be refused (development mode, admins) learns it is not there
    assert make_client(identity=ROOT).error("OpenDoc", "no such app")["code"] == 1003


def test_doc_list_shows_what_the_user_may_open(app_id: str, engine: Engine,
                                               make_client: Make) -> None:
    engine.create_app("open to all")  # nobody owns it
    engine.create_app("eve's", owner=EVE)

    def names(who: Identity) -> list[str]:
        return sorted(d["qDocId"] for d in make_client(identity=who).call("GetDocList")["qDocList"])

    assert names(EVE) == ["eve's", "open to all"]
    assert names(BOB) == ["open to all", "sales"]
    assert names(ROOT) == names(ANONYMOUS) == ["eve's", "open to all", "sales"]


def test_app_entry(app_id: str, make_client: Make) -> None:
    assert make_client(identity=BOB).call("GetAppEntry", app_id)["qEntry"]["qID"] == app_id
    assert denied(make_client(identity=EVE).send("GetAppEntry", app_id))


EDITS = [
    ("SetScript", ["LOAD 1 AS X AUTOGENERATE 1;"]),
    ("DoReload", []),
    ("DoSave", []),
    ("GetScript", []),
    ("CreateObject", [{"qInfo": {"qId": "new", "qType": "table"}}]),
    ("DestroyObject", ["chart"]),
    ("CreateDimension", [{"qInfo": {"qType": "dimension"},
                          "qDim": {"qFieldDefs": ["Region"], "qGrouping": "N"}}]),
    ("CreateMeasure", [{"qInfo": {"qType": "measure"}, "qMeasure": {"qDef": "Sum(Amount)"}}]),
    ("CreateVariableEx", [{"qInfo": {"qType": "variable"}, "qName": "v", "qDefinition": "1"}]),
    ("CreateBookmark", [{"qInfo": {"qType": "bookmark"}}]),
    ("AddAlternateState", ["S1"]),
    ("SetAppProperties", [{"qTitle": "Mine now"}]),
    ("SetLooselyCoupledVector", [[1, 0]]),
    ("CreateConnection", [{"qName": "c", "qConnectionString": "/tmp", "qType": "folder"}]),
]


@pytest.mark.parametrize(("method", "params"), EDITS, ids=[m for m, _ in EDITS])
def test_a_consumer_may_not_edit(app_id: str, make_client: Make, engine: Engine,
                                 method: str, params: list) -> None:
    bob = opened(make_client, BOB)
    script = engine.get_app(app_id).script
    reply = bob.send(method, *params, handle=1)
    assert denied(reply), reply
    assert f"{method}: the edit right is needed" == reply["error"]["parameter"]
    # nothing changed; the session goes on
    assert engine.get_app(app_id).script == script
    assert "chart" in engine.get_app(app_id).objects
    assert bob.layout(bob.call("GetObject", "chart", handle=1)["qReturn"]["qHandle"])
    # an editor may
    cid = opened(make_client, CID)
    assert "error" not in cid.send(method, *params, handle=1)


def test_every_edit_in_the_table_is_a_method(app_id: str) -> None:
    import associa.qix.api  # noqa: F401
    from associa.qix.dispatch import METHODS

    pending = {("Global", "CreateSessionAppFromApp"), ("Global", "ShutdownProcess")}
    unknown = [k for k in NEEDS if k not in METHODS and k not in pending]
    assert unknown == []


def test_a_consumer_selects_and_uses_session_objects(app_id: str, make_client: Make) -> None:
    bob = opened(make_client, BOB)
    h = bob.create(LISTBOX)  # session object: consume is enough
    assert bob.call("SetProperties", {**LISTBOX, "qInfo": bob.layout(h)["qInfo"]}, handle=h) == {}
    assert bob.call("ApplyPatches", [{"qOp": "replace", "qPath": "/title", "qValue": '"x"'}],
                    handle=h) == {}
    field = bob.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    assert bob.call("Select", "North", handle=field)["qReturn"] is True
    assert bob.call("CreateSessionVariable", {"qInfo": {"qType": "variable"}, "qName": "mine",
                                              "qDefinition": "1"}, handle=1)
    chart = bob.call("GetObject", "chart", handle=1)["qReturn"]["qHandle"]
    values = [r[0]["qText"] for r in bob.layout(chart)["qHyperCube"]["qDataPages"][0]["qMatrix"]]
    assert values == ["North"]
    # the app's chart: a soft patch is the session's own, a real one changes the app
    soft = [{"qOp": "replace", "qPath": "/title", "qValue": '"soft"'}]
    assert bob.call("ApplyPatches", soft, True, handle=chart) == {}
    assert denied(bob.send("ApplyPatches", soft, False, handle=chart))
    assert denied(bob.send("SetProperties", {**CUBE, "qInfo": {"qId": "chart",
                                                               "qType": "table"}}, handle=chart))
    assert denied(bob.send("CreateChild", {"qInfo": {"qType": "x"}}, handle=chart))
    # the session still answers
    assert bob.layout(chart)["qInfo"]["qId"] == "chart"


def test_get_or_create_object(app_id: str, make_client: Make) -> None:
    bob = opened(make_client, BOB)
    found = bob.call("GetOrCreateObject", {"qInfo": {"qId": "chart", "qType": "table"}},
                     handle=1)
    assert found["qNewObject"] is False
    assert denied(bob.send("GetOrCreateObject", {"qInfo": {"qId": "new", "qType": "table"}},
                           handle=1))


def test_app_variables_need_edit_session_variables_do_not(app_id: str,
                                                          make_client: Make) -> None:
    cid = opened(make_client, CID)
    cid.call("CreateVariableEx", {"qInfo": {"qType": "variable"}, "qName": "vApp",
                                  "qDefinition": "1"}, handle=1)
    bob = opened(make_client, BOB)
    app_var = bob.call("GetVariableByName", "vApp", handle=1)["qReturn"]["qHandle"]
    assert denied(bob.send("SetStringValue", "2", handle=app_var))
    bob.call("CreateSessionVariable", {"qInfo": {"qType": "variable"}, "qName": "vMine",
                                       "qDefinition": "1"}, handle=1)
    mine = bob.call("GetVariableByName", "vMine", handle=1)["qReturn"]["qHandle"]
    assert bob.call("SetStringValue", "2", handle=mine) == {}


def test_delete_app_needs_manage(app_id: str, engine: Engine, make_client: Make) -> None:
    for who in (BOB, CID, EVE):
        assert denied(make_client(identity=who).send("DeleteApp", app_id))
    assert engine.app_exists(app_id)
    assert make_client(identity=DAN).call("DeleteApp", app_id) == {"qSuccess": True}
    assert not engine.app_exists(app_id)
    # its rules went with it: an app made again under that name starts open
    engine.create_app(app_id)
    assert engine.app_access(app_id).owner is None and engine.app_access(app_id).rules == ()


def test_changing_rules_takes_effect_at_once(app_id: str, engine: Engine,
                                             make_client: Make) -> None:
    eve = make_client(identity=EVE)
    assert denied(eve.send("OpenDoc", app_id))
    engine.grant(app_id, "user", "eve", "edit")
    assert eve.call("OpenDoc", app_id)["qReturn"]["qHandle"] == 1
    assert eve.call("SetScript", SALES_SCRIPT, handle=1) == {}
    engine.set_owner(app_id, EVE)
    assert make_client(identity=EVE).call("DeleteApp", app_id) == {"qSuccess": True}


def test_engine_functions_refuse_unknown_apps(engine: Engine) -> None:
    from associa.errors import AppNotFound

    with pytest.raises(AppNotFound):
        engine.set_owner("nope", ANN)
    with pytest.raises(AppNotFound):
        engine.set_rules("nope", [])
    with pytest.raises(AppAccessDenied):
        engine.check_access(EVE, "nope", Right.CONSUME)


def test_development_mode_never_opens_the_database(engine: Engine, make_client: Make) -> None:
    c = make_client()
    c.call("CreateApp", "a")
    c.call("OpenDoc", "a")
    c.call("SetScript", SALES_SCRIPT, handle=1)
    c.call("DoReload", handle=1)
    assert c.call("GetDocList")["qDocList"]
    assert not engine.meta_path.exists()


def test_os_user_and_qv_user(app_id: str, make_client: Make) -> None:
    bob = opened(make_client, BOB)
    assert bob.call("Evaluate", "OSUser()", handle=1)["qReturn"] == \
        "UserDirectory=corp; UserId=bob"
    assert bob.call("Evaluate", "QVUser()", handle=1)["qReturn"] == "corp\\bob"
    dev = opened(make_client, ANONYMOUS)
    assert "UserId=" in dev.call("Evaluate", "OSUser()", handle=1)["qReturn"]
    assert dev.call("Evaluate", "QVUser()", handle=1)["qReturn"] == "-"


def test_master_items_and_bookmarks_need_edit_to_change(app_id: str,
                                                        make_client: Make) -> None:
    cid = opened(make_client, CID)
    dim = cid.call("CreateDimension", {"qInfo": {"qId": "dim", "qType": "dimension"},
                                       "qDim": {"qFieldDefs": ["Region"], "qGrouping": "N"}},
                   handle=1)["qInfo"]["qId"]
    bm = cid.call("CreateBookmark", {"qInfo": {"qId": "bm", "qType": "bookmark"}},
                  handle=1)["qInfo"]["qId"]
    bob = opened(make_client, BOB)
    d = bob.call("GetDimension", dim, handle=1)["qReturn"]["qHandle"]
    props = bob.call("GetProperties", handle=d)["qProp"]
    assert denied(bob.send("SetProperties", props, handle=d))
    assert denied(bob.send("ApplyPatches", [{"qOp": "replace", "qPath": "/qDim/title",
                                             "qValue": '"x"'}], handle=d))
    assert denied(bob.send("DestroyDimension", dim, handle=1))
    b = bob.call("GetBookmark", bm, handle=1)["qReturn"]["qHandle"]
    assert denied(bob.send("SetProperties", bob.call("GetProperties", handle=b)["qProp"],
                           handle=b))
    assert denied(bob.send("ReplaceBookmark", bm, handle=1))
    assert denied(bob.send("Publish", handle=b))
    # reading and applying stay a consumer's
    assert bob.call("GetLayout", handle=d)["qLayout"]["qInfo"]["qId"] == dim
    assert bob.call("ApplyBookmark", bm, handle=1) == {"qSuccess": True}
