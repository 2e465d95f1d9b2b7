"""/webhooks: app events delivered to a local HTTP server, HMAC-signed, retried, logged."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from associa.rest import webhooks
from associa.settings import Settings

ADMIN_KEY = "webhooks-admin-key"


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY)


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhooks, "RETRY_DELAYS", (0.05, 0.05))


class Receiver:
    """A local HTTP server that records what it is sent; ``fail`` answers 500 first."""

    def __init__(self, fail: int = 0) -> None:
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.fail = fail
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = 500 if receiver.fail > 0 else 200
                receiver.fail -= 1
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.got) < count:
            assert time.monotonic() < deadline, f"{len(self.got)} of {count} deliveries"
            time.sleep(0.02)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail=1)
    yield r
    r.close()


def wait_for(predicate, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_signed_delivery_with_a_retry(make_api, keys, receiver: Receiver) -> None:  # type: ignore[no-untyped-def]
    admin, ann = make_api(keys["admin"]), make_api(keys["ann"])
    types = admin.get("/webhooks/event-types").json()["data"]
    assert "com.qlik.v1.app.created" in {t["name"] for t in types}
    body = {"name": "ci", "url": receiver.url, "secret": "s3cret",
            "eventTypes": ["com.qlik.v1.app.created", "com.qlik.v1.app.deleted"]}
    assert ann.post("/webhooks", json=body).status_code == 403
    made = admin.post("/webhooks", json=body)
    assert made.status_code == 201, made.text
    hook = made.json()
    assert hook["hasSecret"] and "secret" not in hook
    app_id = ann.post("/apps", json={"attributes": {"name": "A"}}).json()["attributes"]["id"]
    receiver.wait(2)  # the first attempt answered 500, the second 200
    headers, raw = receiver.got[-1]
    assert headers["qlik-signature"] == hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
    sent = json.loads(raw)
    assert sent["eventType"] == "com.qlik.v1.app.created" and sent["data"]["id"] == app_id
    assert sent["userId"] == "ann"
    log = f"/webhooks/{hook['id']}/deliveries"
    wait_for(lambda: admin.get(log).json()["data"][0]["status"] == "success")
    delivery = admin.get(log).json()["data"][0]
    assert delivery["attempts"] == 2 and delivery["statusCode"] == 200
    # a change it does not subscribe to sends nothing; a delete does
    ann.put(f"/apps/{app_id}", json={"attributes": {"description": "d"}})
    ann.delete(f"/apps/{app_id}")
    receiver.wait(3)
    time.sleep(0.2)
    assert [json.loads(b)["eventType"] for _, b in receiver.got[2:]] == [
        "com.qlik.v1.app.deleted"]
    # resend
    again = admin.post(f"{log}/{delivery['id']}/actions/resend")
    assert again.status_code == 201
    receiver.wait(4)
    assert receiver.got[-1][1] == receiver.got[1][1]


def test_failing_endpoint_is_logged_as_failed(make_api, keys) -> None:  # type: ignore[no-untyped-def]
    dead = Receiver(fail=99)
    try:
        admin = make_api(keys["admin"])
        hook = admin.post("/webhooks", json={"name": "x", "url": dead.url,
                                             "eventTypes": ["com.qlik.v1.app.created"]}).json()
        admin.post("/apps", json={"attributes": {"name": "B"}})
        dead.wait(3)  # three attempts, then it gives up
        log = f"/webhooks/{hook['id']}/deliveries"
        wait_for(lambda: admin.get(log).json()["data"][0]["attempts"] == 3)
        time.sleep(0.2)
        entry = admin.get(log).json()["data"][0]
        assert entry["status"] == "failed" and entry["statusCode"] == 500
        assert len(dead.got) == 3 and "qlik-signature" not in dead.got[0][0]
    finally:
        dead.close()


@pytest.mark.parametrize("body", [
    {"name": "x", "url": "ftp://h/", "eventTypes": ["com.qlik.v1.app.created"]},
    {"name": "x", "url": "http://h/", "eventTypes": ["com.qlik.v1.nope"]},
    {"name": "x", "url": "http://h/", "eventTypes": []},
])
def test_bad_webhooks_are_400(make_api, keys, body) -> None:  # type: ignore[no-untyped-def]
    admin = make_api(keys["admin"])
    assert admin.post("/webhooks", json=body).status_code == 400
    assert admin.get("/webhooks").json()["data"] == []


def test_reload_finished_is_delivered(make_api, keys, receiver: Receiver) -> None:  # type: ignore[no-untyped-def]
    admin = make_api(keys["admin"])
    admin.post("/webhooks", json={"name": "r", "url": receiver.url,
                                  "eventTypes": ["com.qlik.v1.reload.finished"]})
    app_id = admin.post("/apps", json={"attributes": {"name": "R"}}).json()["attributes"]["id"]
    reload_id = admin.post("/reloads", json={"appId": app_id}).json()["id"]
    receiver.wait(1, timeout=10)
    event = json.loads(receiver.got[0][1])
    assert event["eventType"] == "com.qlik.v1.reload.finished"
    assert event["data"] == {"id": reload_id, "appId": app_id, "status": "SUCCEEDED"}


def test_a_stopped_dispatcher_leaves_no_delivery_running(
        rest_engine, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Stopping (a server that stops) ends a delivery waiting to be tried again: no
    webhook thread is left to write to the metadata database the engine closes next."""
    monkeypatch.setattr(webhooks, "RETRY_DELAYS", (60.0, 60.0))
    dead = Receiver(fail=99)
    try:
        hook = webhooks.Webhooks(rest_engine.meta.db).add(
            "x", dead.url, ["com.qlik.v1.app.created"], "", True, "admin")
        dispatcher = webhooks.Dispatcher(rest_engine)
        assert dispatcher.emit("com.qlik.v1.app.created", {"id": "a"}) == 1
        dead.wait(1)
        log = webhooks.Webhooks(rest_engine.meta.db)
        wait_for(lambda: log.deliveries(hook.id)[0].attempts == 1)
        dispatcher.stop()  # not after the 60 s the retry waits for
        assert not [t for t in threading.enumerate() if t.name.startswith("webhook")]
        assert dispatcher.emit("com.qlik.v1.app.created", {"id": "b"}) == 0
        assert [(d.attempts, d.status) for d in log.deliveries(hook.id)] == [(1, "failed")]
        assert len(dead.got) == 1
    finally:
        dead.close()
