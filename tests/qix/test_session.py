"""Session: text in, text out; change/close lists; pushes to the session's other sockets."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from associa.qix.dispatch import METHODS, MethodSpec
from associa.qix.sessions import SessionManager
from tests.conftest import CUBE, LISTBOX, Client


def test_attach_says_created_then_attached(sessions: SessionManager) -> None:
    session, attached = sessions.session("k")
    assert attached is False
    first: list[str] = []
    hello = json.loads(session.attach(first.append, attached))
    assert hello == {"jsonrpc": "2.0", "method": "OnConnected",
                     "params": {"qSessionState": "SESSION_CREATED"}}
    again, attached = sessions.session("k")
    assert again is session and attached is True
    second: list[str] = []
    assert json.loads(again.attach(second.append, attached))["params"] == {
        "qSessionState": "SESSION_ATTACHED"
    }
    assert session.detach(first.append) == 1
    assert session.detach(second.append) == 0


def test_handle_never_raises(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(call: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(
        METHODS, ("Global", "Broken"), MethodSpec("Global", "Broken", (), (), broken)
    )
    err = client.error("Broken")
    assert err["code"] == -32603 and "Internal error" in err["message"]
    assert client.call("QvVersion")["qReturn"]


def test_reply_to_a_request_without_id_has_null_id(client: Client) -> None:
    reply = client.send_text('{"jsonrpc":"2.0","handle":-1,"method":"QvVersion","params":[]}')
    assert reply["id"] is None and "qReturn" in reply["result"]


def test_change_lists_the_doc_and_data_objects(loaded: Client) -> None:
    cube = loaded.create(CUBE)
    listbox = loaded.create(LISTBOX)
    field = loaded.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    reply = loaded.send("SelectListObjectValues", "/qListObjectDef", [0], handle=listbox)
    assert reply["result"] == {"qSuccess": True}
    assert {1, cube, listbox} <= set(reply["change"])
    assert field not in reply["change"]
    assert reply["change"] == sorted(reply["change"])


def test_push_reaches_other_sockets_not_the_requester(sessions: SessionManager) -> None:
    session, _ = sessions.session("shared")
    a: list[str] = []
    b: list[str] = []
    session.attach(a.append, False)
    session.attach(b.append, True)

    def send(method: str, *params: Any, handle: int = -1) -> dict[str, Any]:
        text = json.dumps({"jsonrpc": "2.0", "id": 1, "handle": handle, "method": method,
                           "params": list(params)})
        return json.loads(session.handle(text, a.append) or "")

    send("CreateSessionApp")
    assert b == ['{"jsonrpc":"2.0","change":[1]}'] and a == []
    send("SetScript", "T: LOAD * INLINE [\nX\n1\n2\n];", handle=1)
    assert send("DoReload", handle=1)["result"] == {"qReturn": True}
    assert json.loads(b[-1]) == {"jsonrpc": "2.0", "change": [1]}
    b.clear()
    send("QvVersion")  # nothing changes, nothing is pushed
    assert b == [] and a == []


def test_dead_sink_does_not_disturb_others(sessions: SessionManager) -> None:
    session, _ = sessions.session("s")
    good: list[str] = []

    def dead(text: str) -> None:
        raise ConnectionError("gone")

    session.attach(dead, False)
    session.attach(good.append, True)
    session.push('{"jsonrpc":"2.0","change":[1]}')
    assert good == ['{"jsonrpc":"2.0","change":[1]}']


def test_changes_outside_a_request_are_pushed(loaded: Client) -> None:
    loaded.pushed.clear()
    loaded.session.mark_changed([1])
    loaded.session.mark_changed([])
    loaded.session.mark_closed([5])
    assert loaded.pushed == [{"jsonrpc": "2.0", "change": [1]}, {"jsonrpc": "2.0", "close": [5]}]


def test_close_after_destroy(loaded: Client) -> None:
    handle = loaded.create({"qInfo": {"qId": "tmp", "qType": "x"}})
    reply = loaded.send("DestroySessionObject", "tmp", handle=1)
    assert reply["result"] == {"qSuccess": True}
    assert reply["close"] == [handle]
    assert "change" not in reply or handle not in reply["change"]
    assert loaded.error("GetLayout", handle=handle)["code"] == -32602


def test_changes_of_concurrent_requests_do_not_mix(loaded: Client) -> None:
    """Each thread collects its own request's changes."""
    cube = loaded.create(CUBE)
    session = loaded.session
    replies: dict[str, dict[str, Any]] = {}

    def run(name: str, text: str) -> None:
        replies[name] = json.loads(session.handle(text, loaded.receive) or "")

    jobs: list[tuple[str, str]] = []
    for i in range(20):
        jobs.append((f"v{i}", json.dumps({"jsonrpc": "2.0", "id": i, "handle": -1,
                                          "method": "QvVersion", "params": []})))
        jobs.append((f"s{i}", json.dumps({"jsonrpc": "2.0", "id": 100 + i, "handle": cube,
                                          "method": "SelectHyperCubeValues",
                                          "params": ["/qHyperCubeDef", 0, [i % 3], True]})))
    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, reply in replies.items():
        if name.startswith("v"):
            assert "change" not in reply, reply
        else:
            assert reply["result"] == {"qSuccess": True}


def test_close_session_drops_its_session_apps(sessions: SessionManager) -> None:
    c = Client(sessions, "x")
    app_id = c.call("CreateSessionApp")["qSessionAppId"]
    session = c.session
    assert app_id in session.session_apps
    other = Client(sessions, "y")  # another session cannot reach it
    assert other.error("OpenDoc", app_id)["code"] == 1003
    c.close()
    assert session.session_apps == {} and session.doc is None
    assert "x" not in sessions.sessions
    other.close()


def test_same_object_same_handle(loaded: Client) -> None:
    loaded.call("CreateObject", {"qInfo": {"qId": "o1", "qType": "x"}}, handle=1)
    first = loaded.call("GetObject", "o1", handle=1)["qReturn"]["qHandle"]
    second = loaded.call("GetObject", named={"qId": "o1"}, handle=1)
    assert second["qReturn"]["qHandle"] == first
    assert loaded.call("GetActiveDoc")["qReturn"]["qHandle"] == 1
    f1 = loaded.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    f2 = loaded.call("GetField", "Region", "$", handle=1)["qReturn"]["qHandle"]
    assert f1 == f2 and f1 not in (0, first, 1)


def _handles_seen(replies: list[dict[str, Any]]) -> set[int]:
    out: set[int] = set()

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            if isinstance(v.get("qHandle"), int):
                out.add(v["qHandle"])
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(replies)
    return out


def test_handles_are_never_zero(loaded: Client) -> None:
    replies = []
    for _ in range(5):
        replies.append(loaded.call("CreateSessionObject", CUBE, handle=1))
    replies.append(loaded.call("GetField", "Amount", handle=1))
    replies.append(loaded.call("GetActiveDoc"))
    seen = _handles_seen(replies)
    assert 0 not in seen and min(seen) == 1


@pytest.mark.parametrize("flag", [True, False])
def test_delta_requests_are_answered_without_delta(loaded: Client, flag: bool) -> None:
    cube = loaded.create(CUBE)
    reply = loaded.send("GetLayout", handle=cube, delta=flag)
    assert "delta" not in reply
    assert isinstance(reply["result"]["qLayout"], dict)
    reply = loaded.send("GetLayout", handle=cube, delta=flag, return_empty=True)
    assert isinstance(reply["result"]["qLayout"], dict)


def test_client_fixture_sinks(make_client: Callable[..., Client]) -> None:
    """The in-process client passes a fresh bound method each time; the session must
    still recognise it as the requesting socket."""
    c = make_client()
    c.call("CreateSessionApp")
    assert c.pushed == []


def test_concurrent_selections_on_one_session_all_land(client: Client) -> None:
    """Requests on one socket run at once: N threads each toggle their own values of a
    list box (SelectListObjectValues, qToggleMode) and each answers qSuccess; at the end
    every value is selected, none overwritten by a selection made at the same time."""
    client.session_app("T: LOAD RecNo() as X AutoGenerate 300;")
    listbox = client.create({**LISTBOX, "qListObjectDef": {
        "qDef": {"qFieldDefs": ["X"]},
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 300}],
    }})
    session = client.session
    threads_n, per_thread = 12, 25
    barrier = threading.Barrier(threads_n)
    replies: list[dict[str, Any]] = []

    def run(k: int) -> None:
        barrier.wait()
        for j in range(per_thread):
            value = k * per_thread + j  # a value's qElemNumber
            text = json.dumps({"jsonrpc": "2.0", "id": 1000 + value, "handle": listbox,
                               "method": "SelectListObjectValues",
                               "params": ["/qListObjectDef", [value], True]})
            replies.append(json.loads(session.handle(text, client.receive) or ""))

    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so that requests interleave
    try:
        threads = [threading.Thread(target=run, args=(k,)) for k in range(threads_n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        sys.setswitchinterval(before)
    assert [r.get("result") for r in replies] == [{"qSuccess": True}] * (threads_n * per_thread)
    (page,) = client.call("GetListObjectData", "/qListObjectDef",
                          [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 300}],
                          handle=listbox)["qDataPages"]
    states = [row[0]["qState"] for row in page["qMatrix"]]
    assert states.count("S") == threads_n * per_thread
    assert client.call("Evaluate", "Count(X)", handle=1)["qReturn"] == str(threads_n * per_thread)
