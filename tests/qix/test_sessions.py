"""SessionManager: the sharing rule, TTLs (capped, infinite, the latest one given),
re-attach and expiry, limits on sessions, apps in memory and reloads, session apps owned
by their session (empty or from a template), and sockets closed when an app is deleted."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from associa.engine import Engine
from associa.errors import AppGone, EngineBusy
from associa.identity import ANONYMOUS, Identity
from associa.qix.sessions import SessionManager, session_key
from associa.settings import Settings, effective_ttl
from tests.conftest import SALES_SCRIPT, Client

ALICE = Identity("alice", "corp", method="jwt")
BOB = Identity("bob", "corp", method="jwt")


def manager(tmp_path: Path, **settings: Any) -> SessionManager:
    return SessionManager(Engine(Settings(data_dir=tmp_path / "data", **settings)))


class Socket(Client):
    """A Client whose socket can be closed by the session (a close code), as the
    server's are: the closes it got are in ``closed``."""

    def __init__(self, sessions: SessionManager, key: str | None = None,
                 url_app: str | None = None, ttl: int | None = None,
                 identity: Identity = ANONYMOUS, template: str | None = None) -> None:
        self.sessions = sessions
        self.engine = sessions.engine
        self.session, attached = sessions.session(key, url_app, ttl, identity, template)
        self.pushed: list[dict[str, Any]] = []
        self.closed: list[tuple[int, str]] = []
        self.hello = json.loads(self.session.attach(self.receive, attached, self.on_close))
        import itertools

        self._ids = itertools.count(1)
        self.last: dict[str, Any] = {}

    def on_close(self, code: int, reason: str) -> None:
        self.closed.append((code, reason))


# -- the sharing rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "shared"),
    [
        # authentication off: the same header shares, whatever the URL
        ((("h1", "x", None, ANONYMOUS)), ("h1", "y", None, ANONYMOUS), True),
        ((("h1", None, None, ANONYMOUS)), ("h1", None, None, ANONYMOUS), True),
        # a new header value forces a new session, even for the same document
        ((("h1", "x", None, ANONYMOUS)), ("h2", "x", None, ANONYMOUS), False),
        ((("h1", "x", None, ANONYMOUS)), (None, "x", None, ANONYMOUS), False),
        # no header: the same document shares (its identity suffix too)
        (((None, "x", None, ANONYMOUS)), (None, "x", None, ANONYMOUS), True),
        (((None, "x", "i", ANONYMOUS)), (None, "x", "i", ANONYMOUS), True),
        (((None, "x", None, ANONYMOUS)), (None, "y", None, ANONYMOUS), False),
        (((None, "x", "i", ANONYMOUS)), (None, "x", "j", ANONYMOUS), False),
        (((None, "x", "i", ANONYMOUS)), (None, "x", None, ANONYMOUS), False),
        (((None, "SessionApp_1", None, ANONYMOUS)), (None, "SessionApp_1", None, ANONYMOUS),
         True),
        # authentication on: the same user with the same header, nothing else
        ((("h1", "x", None, ALICE)), ("h1", "x", None, ALICE), True),
        ((("h1", "x", None, ALICE)), ("h1", "y", None, ALICE), True),
        ((("h1", "x", None, ALICE)), ("h1", "x", None, BOB), False),
        ((("h1", "x", None, ALICE)), ("h2", "x", None, ALICE), False),
        (((None, "x", None, ALICE)), (None, "x", None, ALICE), False),
        (((None, "x", "i", ALICE)), (None, "x", "i", ALICE), False),
        # a user's header never joins an anonymous session of the same header
        ((("h1", "x", None, ALICE)), ("h1", "x", None, ANONYMOUS), False),
        # a header that looks like another key's parts
        ((('["doc", "x", ""]', None, None, ANONYMOUS)), (None, "x", None, ANONYMOUS), False),
    ],
)
def test_session_key(a: tuple[Any, ...], b: tuple[Any, ...], shared: bool) -> None:
    ka, kb = session_key(*a), session_key(*b)
    assert (ka is not None and ka == kb) is shared


@pytest.mark.parametrize("url", [None, ""])
def test_no_document_no_header_is_a_session_of_its_own(url: str | None) -> None:
    assert session_key(None, url, None) is None


def test_sharing_through_the_manager(sessions: SessionManager) -> None:
    a = Socket(sessions, session_key(None, "doc-1", None))
    b = Socket(sessions, session_key(None, "doc-1", None))
    c = Socket(sessions, session_key("fresh", "doc-1", None))
    assert a.session is b.session is not c.session
    assert a.hello["params"]["qSessionState"] == "SESSION_CREATED"
    assert b.hello["params"]["qSessionState"] == "SESSION_ATTACHED"
    assert c.hello["params"]["qSessionState"] == "SESSION_CREATED"
    for s in (a, b, c):
        s.close()


def test_users_never_see_each_others_state(sessions: SessionManager, engine: Engine) -> None:
    engine.create_app("shared", SALES_SCRIPT).reload()
    alice = Socket(sessions, session_key("h", "shared", None, ALICE), "shared", identity=ALICE)
    bob = Socket(sessions, session_key("h", "shared", None, BOB), "shared", identity=BOB)
    assert alice.session is not bob.session and alice.session.identity is ALICE
    for s in (alice, bob):
        s.call("OpenDoc", "shared")
    field = alice.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    alice.call("Select", "North", handle=field)
    alice.call("CreateSessionObject", {"qInfo": {"qId": "mine", "qType": "x"}}, handle=1)
    assert alice.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "120"
    assert bob.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"
    assert bob.call("GetObject", "mine", handle=1)["qReturn"]["qHandle"] is None
    alice.close()
    bob.close()


# -- lifetime -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "cap", "ttl"),
    [(0, 1800, 0), (30, 1800, 30), (5000, 1800, 1800), (-1, 1800, 1800), (-1, -1, -1),
     (30, -1, 30), (-7, 1800, 0), (10, 0, 0)],
)
def test_effective_ttl(requested: int, cap: int, ttl: int) -> None:
    assert effective_ttl(requested, cap) == ttl


def test_sessions_by_key(sessions: SessionManager) -> None:
    s1, attached = sessions.session("k")
    assert not attached
    s2, attached = sessions.session("k")
    assert s2 is s1 and attached
    s3, attached = sessions.session(None)
    s4, _ = sessions.session(None)
    assert s3 is not s4 and not attached


def test_release_without_ttl_ends_the_session(sessions: SessionManager) -> None:
    c = Client(sessions, "k")
    app_id = c.call("CreateSessionApp")["qSessionAppId"]
    session = c.session
    c.close()
    assert "k" not in sessions.sessions and app_id not in session.session_apps
    again = Client(sessions, "k")
    assert again.hello["params"]["qSessionState"] == "SESSION_CREATED"
    assert again.error("GetActiveDoc")["code"] == 1007
    assert again.error("OpenDoc", app_id)["code"] == 1003
    again.close()


def test_release_keeps_a_session_with_sockets(sessions: SessionManager) -> None:
    a = Client(sessions, "k")
    b = Client(sessions, "k")
    a.close()
    assert "k" in sessions.sessions
    b.close()
    assert "k" not in sessions.sessions


def test_ttl_keeps_the_session_then_expires(sessions: SessionManager) -> None:
    c = Client(sessions, "k", "SessionApp_ttl", ttl=1)
    c.call("SetScript", SALES_SCRIPT, handle=1)
    c.call("DoReload", handle=1)
    listbox = c.call("CreateSessionObject", {"qInfo": {"qId": "lb", "qType": "x"}},
                     handle=1)["qReturn"]["qHandle"]
    c.close()
    assert "k" in sessions.sessions
    again = Client(sessions, "k", "SessionApp_ttl", ttl=1)
    assert again.hello["params"]["qSessionState"] == "SESSION_ATTACHED"
    assert again.call("GetActiveDoc")["qReturn"]["qHandle"] == 1
    assert again.call("GetObject", "lb", handle=1)["qReturn"]["qHandle"] == listbox
    assert again.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"
    session = again.session
    again.close()
    time.sleep(1.05)
    assert sessions.expire() == 1
    assert "k" not in sessions.sessions and session.session_apps == {}
    assert sessions.expired_total == 1
    fresh = Client(sessions, "k", "SessionApp_ttl", ttl=1)
    assert fresh.hello["params"]["qSessionState"] == "SESSION_CREATED"
    assert fresh.call("GetScript", handle=1)["qScript"] != SALES_SCRIPT  # a new, empty app
    fresh.close()


def test_ttl_is_capped(tmp_path: Path) -> None:
    sessions = manager(tmp_path, max_session_ttl=10)
    session, _ = sessions.session("k", None, 999)
    assert session.ttl == 10
    session, _ = sessions.session("k", None, -5)
    assert session.ttl == 0
    session, _ = sessions.session("k", None, -1)  # infinite asked, the cap given
    assert session.ttl == 10


def test_the_global_ttl_and_the_latest_given(tmp_path: Path) -> None:
    sessions = manager(tmp_path, session_ttl=20)
    session, _ = sessions.session("k")
    assert session.ttl == 20  # SessionTTL when the URL gives none
    sessions.session("k", None, 5)
    assert session.ttl == 5  # the URL overrides it, and the latest given wins
    sessions.session("k")
    assert session.ttl == 5  # a URL without /ttl gives none
    sessions.session("k", None, 0)
    assert session.ttl == 0


def test_infinite_ttl(tmp_path: Path) -> None:
    sessions = manager(tmp_path, session_ttl=-1, max_session_ttl=-1)
    c = Client(sessions, "k")
    c.close()
    session = sessions.sessions["k"]
    assert session.ttl == -1 and session.expires_at is None
    assert sessions.expire() == 0 and "k" in sessions.sessions
    sessions.shutdown()


def test_url_session_app(sessions: SessionManager) -> None:
    c = Client(sessions, None, "SessionApp_abc")
    assert c.call("GetActiveDoc") == {
        "qReturn": {"qType": "Doc", "qHandle": 1, "qGenericId": "SessionApp_abc"}
    }
    assert c.call("OpenDoc", "SessionApp_abc")["qReturn"]["qHandle"] == 1
    layout = c.call("GetAppLayout", handle=1)["qLayout"]
    assert layout["qIsSessionApp"] and not layout["qHasData"]
    c.close()


def test_shutdown_closes_sessions(sessions: SessionManager) -> None:
    c = Client(sessions, "a")
    c.call("CreateSessionApp")
    session = c.session
    sessions.shutdown()
    assert sessions.sessions == {} and session.session_apps == {} and session.doc is None


# -- session apps ----------------------------------------------------------------------


def test_session_apps_are_owned_by_their_session(sessions: SessionManager) -> None:
    """Two sessions naming the same SessionApp_ id each get their own app; sockets of
    one session share it; nobody else reaches it, not even by OpenDoc."""
    a = Client(sessions, "a", "SessionApp_same")
    b = Client(sessions, "b", "SessionApp_same")
    a2 = Client(sessions, "a", "SessionApp_same")
    a.call("SetScript", "T: LOAD 1 as X AutoGenerate 1;", handle=1)
    assert a2.call("GetScript", handle=1)["qScript"] == "T: LOAD 1 as X AutoGenerate 1;"
    assert b.call("GetScript", handle=1)["qScript"] != "T: LOAD 1 as X AutoGenerate 1;"
    stranger = Client(sessions, "c")
    assert stranger.error("OpenDoc", "SessionApp_same")["code"] == 1003
    assert all(d["qDocId"] != "SessionApp_same"
               for d in stranger.call("GetDocList")["qDocList"])
    for c in (a, a2, b, stranger):
        c.close()


def test_session_app_from_a_template(sessions: SessionManager, engine: Engine) -> None:
    tpl = engine.create_app("template", SALES_SCRIPT)
    tpl.create_object({"qInfo": {"qId": "chart-1", "qType": "barchart"}, "title": "Sales"})
    tpl.reload()
    engine.save_app(tpl)
    c = Socket(sessions, "k", "SessionApp_t1", template="template")
    assert c.call("GetScript", handle=1)["qScript"] == SALES_SCRIPT
    props = c.call("GetObject", "chart-1", handle=1)["qReturn"]
    assert props["qHandle"] is not None
    layout = c.call("GetAppLayout", handle=1)["qLayout"]
    assert layout["qIsSessionApp"] and not layout["qHasData"]  # no data until reloaded
    assert c.call("DoReload", handle=1) == {"qReturn": True}
    assert c.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"
    assert c.error("DoSave", handle=1)["code"] == 9009
    # re-attaching ignores the template: the session keeps its app
    again = Socket(sessions, "k", "SessionApp_t1", template="nosuch")
    assert again.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"
    assert tpl.model.tables  # the template is untouched
    c.close()
    again.close()


def test_session_app_from_a_missing_template(sessions: SessionManager) -> None:
    with pytest.raises(AppGone) as caught:
        sessions.session("k", "SessionApp_t2", None, ANONYMOUS, "nosuch")
    assert caught.value.close_code == 4204
    assert "k" not in sessions.sessions
    with pytest.raises(AppGone):  # a session app is no template
        sessions.session("k", "SessionApp_t2", None, ANONYMOUS, "SessionApp_other")


def test_create_session_app_from_app(sessions: SessionManager, engine: Engine) -> None:
    tpl = engine.create_app("tpl", SALES_SCRIPT)
    tpl.create_object({"qInfo": {"qId": "o", "qType": "x"}})
    c = Client(sessions, "k")
    reply = c.send("CreateSessionAppFromApp", "tpl")
    result = reply["result"]
    assert result["qSessionAppId"].startswith("SessionApp_")
    assert result["qReturn"]["qType"] == "Doc" and reply["change"] == [result["qReturn"]["qHandle"]]
    doc = result["qReturn"]["qHandle"]
    assert c.call("GetScript", handle=doc)["qScript"] == SALES_SCRIPT
    assert c.call("GetObject", "o", handle=doc)["qReturn"]["qHandle"] is not None
    assert c.error("CreateSessionAppFromApp", "tpl")["code"] == 1002  # one doc a session
    other = Client(sessions, "o")
    assert other.error("CreateSessionAppFromApp", "nosuch")["code"] == 1003
    assert other.error("OpenDoc", result["qSessionAppId"])["code"] == 1003
    c.close()
    other.close()


# -- limits and close codes -----------------------------------------------------------


def test_max_sessions(tmp_path: Path) -> None:
    sessions = manager(tmp_path, max_sessions=2)
    sessions.session("a")
    sessions.session("b")
    sessions.session("a")  # a re-attach is no new session
    with pytest.raises(EngineBusy) as caught:
        sessions.session("c")
    assert caught.value.close_code == 4205 and caught.value.code == 429
    sessions.release(sessions.sessions["a"])
    sessions.session("c")
    sessions.shutdown()


def test_max_apps_in_memory(tmp_path: Path) -> None:
    sessions = manager(tmp_path, max_apps_in_memory=2)
    engine = sessions.engine
    for name in ("a", "b", "c"):
        engine.save_app(engine.create_app(name, SALES_SCRIPT))
    engine.apps.clear()
    one, two = Socket(sessions, "1"), Socket(sessions, "2")
    three = Client(sessions, "3")  # no closer: the error is answered as any other
    one.call("OpenDoc", "a")
    two.call("OpenDoc", "b")
    reply = three.send_text(json.dumps({"jsonrpc": "2.0", "id": 9, "handle": -1,
                                         "method": "OpenDoc", "params": ["c"]}))
    assert reply["error"]["code"] == 19  # in process, without the server's closer
    assert one.closed == two.closed == []
    two.close()  # b is no longer open: it may be let go
    assert three.call("OpenDoc", "c")["qReturn"]["qHandle"] == 1
    assert sorted(engine.loaded()) == ["a", "c"]
    one.close()
    three.close()
    sessions.shutdown()


def test_refusal_answers_then_closes_the_socket(tmp_path: Path) -> None:
    """With the server's closer, a request that meets a refusal is answered through
    the socket, then the socket closes with its code."""
    sessions = manager(tmp_path, max_apps_in_memory=1)
    engine = sessions.engine
    for name in ("a", "b"):
        engine.save_app(engine.create_app(name))
    engine.apps.clear()
    one, two = Socket(sessions, "1"), Socket(sessions, "2")
    one.call("OpenDoc", "a")
    text = json.dumps({"jsonrpc": "2.0", "id": 4, "handle": -1, "method": "OpenDoc",
                       "params": ["b"]})
    assert two.session.handle(text, two.receive) is None
    assert two.pushed[-1]["id"] == 4 and two.pushed[-1]["error"]["code"] == 19
    assert two.closed == [(4230, "Too many open apps")]
    assert one.closed == []
    sessions.shutdown()


def test_max_concurrent_reloads(tmp_path: Path) -> None:
    sessions = manager(tmp_path, max_concurrent_reloads=1)
    engine = sessions.engine
    gate = threading.Event()
    with engine.reloading("other"):  # a reload runs elsewhere
        c = Socket(sessions, "k")
        c.session_app(script=None)
        text = json.dumps({"jsonrpc": "2.0", "id": 7, "handle": 1, "method": "DoReload",
                           "params": []})
        assert c.session.handle(text, c.receive) is None
        assert c.pushed[-1]["error"]["code"] == 429
        assert c.closed == [(4205, "Engine busy: too many requests")]
        gate.set()
    again = Socket(sessions, "k")  # the session is intact; the slot is free now
    assert again.call("DoReload", handle=1) == {"qReturn": True}
    assert engine.reloads_running == 0 and engine.reloads_total == 2
    c.close()
    again.close()
    sessions.shutdown()


def test_deleting_an_open_app_closes_its_sockets(sessions: SessionManager,
                                                 engine: Engine) -> None:
    engine.create_app("doomed", SALES_SCRIPT)
    engine.create_app("other")
    a = Socket(sessions, "a")
    a2 = Socket(sessions, "a")
    b = Socket(sessions, "b")
    c = Socket(sessions, "c")
    a.call("OpenDoc", "doomed")
    b.call("OpenDoc", "doomed")
    c.call("OpenDoc", "other")
    text = json.dumps({"jsonrpc": "2.0", "id": 3, "handle": -1, "method": "DeleteApp",
                       "params": ["doomed"]})
    # the socket that deleted it gets its answer first, then the close
    assert b.session.handle(text, b.receive) is None
    assert b.pushed[-1] == {"jsonrpc": "2.0", "id": 3, "result": {"qSuccess": True}}
    for s in (a, a2, b):
        assert s.closed == [(4204, "App not found or deleted")]
    assert c.closed == []
    assert a.session.doc is None and a.error("GetActiveDoc")["code"] == 1007
    for s in (a, a2, b, c):
        s.close()


def test_access_refused_closes_4203(sessions: SessionManager, engine: Engine,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The access rules (another module) refuse an OpenDoc by raising AppAccessRefused:
    the call is answered with the access-denied error and the socket closes with 4203;
    a plain AccessDenied answers the call and keeps the socket."""
    from associa.errors import AccessDenied, AppAccessRefused

    engine.create_app("secret")
    calls = iter([AppAccessRefused("secret"), AccessDenied("secret")])

    def refuse(app_id: str) -> Any:
        raise next(calls)

    monkeypatch.setattr(sessions, "open_app", refuse)
    c = Socket(sessions, "k")
    text = json.dumps({"jsonrpc": "2.0", "id": 1, "handle": -1, "method": "OpenDoc",
                       "params": ["secret"]})
    assert c.session.handle(text, c.receive) is None
    assert c.pushed[-1]["error"] == {"code": 5, "parameter": "secret", "message": "Access denied"}
    assert c.closed == [(4203, "No permission to open the app")]
    d = Socket(sessions, "j")
    assert d.error("OpenDoc", "secret")["code"] == 5 and d.closed == []
    c.close()
    d.close()
