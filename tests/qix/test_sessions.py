"""SessionManager: sessions by key, release and TTLs, session apps shared by URL."""

from __future__ import annotations

import time
from pathlib import Path

from associa.engine import Engine
from associa.qix.sessions import SessionManager
from associa.settings import Settings
from tests.conftest import SALES_SCRIPT, Client


def test_sessions_by_key(sessions: SessionManager) -> None:
    s1, attached = sessions.session("k")
    assert not attached
    s2, attached = sessions.session("k")
    assert s2 is s1 and attached
    s3, attached = sessions.session(None)
    s4, _ = sessions.session(None)
    assert s3 is not s4 and not attached


def test_release_without_ttl_ends_the_session(sessions: SessionManager, engine: Engine) -> None:
    c = Client(sessions, "k")
    app_id = c.call("CreateSessionApp")["qSessionAppId"]
    c.close()
    assert "k" not in sessions.sessions and not engine.app_exists(app_id)
    again = Client(sessions, "k")
    assert again.hello["params"]["qSessionState"] == "SESSION_CREATED"
    assert again.error("GetActiveDoc")["code"] == 1007
    again.close()


def test_release_keeps_a_session_with_sockets(sessions: SessionManager) -> None:
    a = Client(sessions, "k")
    b = Client(sessions, "k")
    a.close()
    assert "k" in sessions.sessions
    b.close()
    assert "k" not in sessions.sessions


def test_ttl_keeps_the_session_then_expires(sessions: SessionManager, engine: Engine) -> None:
    c = Client(sessions, "k", "SessionApp_ttl", ttl=1)
    c.call("SetScript", SALES_SCRIPT, handle=1)
    c.call("DoReload", handle=1)
    c.close()
    assert "k" in sessions.sessions
    again = Client(sessions, "k", "SessionApp_ttl", ttl=1)
    assert again.hello["params"]["qSessionState"] == "SESSION_ATTACHED"
    assert again.call("GetActiveDoc")["qReturn"]["qHandle"] == 1
    assert again.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"
    again.close()
    sessions.sessions["k"].expires_at = time.monotonic() - 1  # as if the TTL ran out
    sessions.expire()
    assert "k" not in sessions.sessions
    assert not engine.app_exists("SessionApp_ttl")


def test_ttl_is_capped(tmp_path: Path) -> None:
    sessions = SessionManager(Engine(Settings(data_dir=tmp_path, max_session_ttl=10)))
    session, _ = sessions.session("k", None, 999)
    assert session.ttl == 10
    session, _ = sessions.session("k", None, -5)
    assert session.ttl == 0


def test_url_session_app(sessions: SessionManager) -> None:
    c = Client(sessions, None, "SessionApp_abc")
    assert c.call("GetActiveDoc") == {
        "qReturn": {"qType": "Doc", "qHandle": 1, "qGenericId": "SessionApp_abc"}
    }
    assert c.call("OpenDoc", "SessionApp_abc")["qReturn"]["qHandle"] == 1
    layout = c.call("GetAppLayout", handle=1)["qLayout"]
    assert layout["qIsSessionApp"] and not layout["qHasData"]
    c.close()


def test_shutdown_closes_sessions(sessions: SessionManager, engine: Engine) -> None:
    Client(sessions, "a").call("CreateSessionApp")
    sessions.shutdown()
    assert sessions.sessions == {}
    assert not any(a.session_app for a in engine.apps.values())


def test_url_session_app_shared_until_the_last_session_ends(sessions: SessionManager, engine: Engine) -> None:
    a = Client(sessions, None, "SessionApp_shared")
    b = Client(sessions, None, "SessionApp_shared")
    a.call("SetScript", "T: LOAD 1 as X AutoGenerate 1;", handle=1)
    assert b.call("GetScript", handle=1)["qScript"] == "T: LOAD 1 as X AutoGenerate 1;"
    a.close()
    assert engine.app_exists("SessionApp_shared")
    assert b.call("OpenDoc", "SessionApp_shared")["qReturn"]["qHandle"] == 1
    c = Client(sessions, None, "SessionApp_shared")
    assert c.call("GetScript", handle=1)["qScript"] == "T: LOAD 1 as X AutoGenerate 1;"
    b.close()
    c.close()
    assert not engine.app_exists("SessionApp_shared")
