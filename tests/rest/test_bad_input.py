"""Bad input over every operation that takes a body or a cursor, generated from the
operations table: malformed JSON, the wrong JSON type, an unknown field next to valid
ones, a body over the limit (declared, and streamed without a length), a bad cursor,
path traversal in a data file's name, a body of the wrong media type. Each gets its 4xx
in the documented error shape (``SpecChecker`` checks every answer), and changes nothing:
every listing, the audit log included, reads the same afterwards."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from associa.rest.resources import operations
from associa.settings import Settings
from tests.conftest import RunningServer
from tests.rest import test_directory_matrix, test_rights
from tests.rest.conftest import SpecChecker

ADMIN_KEY = "bad-input-admin"
LIMIT = 64 * 1024
OPS = operations()
JSON_OPS = [op for op in OPS if op.body is not None]
CURSOR_OPS = [op for op in OPS if op.query is not None and "next" in op.query.model_fields]
# what the listings are read from: every GET without a path parameter
LISTINGS = [op.path for op in OPS if op.method == "GET" and "{" not in op.path]
TASK = {"timeZone": "Europe/Stockholm", "startDateTime": "2030-03-27T08:00:00",
        "recurrence": ["RRULE:FREQ=DAILY;BYHOUR=8;BYMINUTE=0;BYSECOND=0"]}
# a body each JSON operation accepts (an unknown field is added to it)
VALID: dict[tuple[str, str], Any] = {
    **test_directory_matrix.BODIES, **test_rights.BODIES,
    ("POST", "/apps"): {"attributes": {"name": "n"}},
    ("POST", "/apps/{appId}/copy"): {"attributes": {"name": "n"}},
    ("POST", "/data-connections"): {"qName": "n", "qType": "duckdb",
                                    "qConnectStatement": ":memory:"},
    ("PUT", "/data-connections/{qID}"): {"qName": "n", "qType": "duckdb",
                                         "qConnectStatement": ":memory:"},
    ("POST", "/reloads"): {"appId": "{appId}"},
    ("POST", "/reload-tasks"): {"appId": "{appId}", **TASK},
    ("PUT", "/reload-tasks/{taskId}"): {"appId": "{appId}", **TASK},
    ("POST", "/oauth-clients"): {"clientName": "c"},
    ("PUT", "/apps/{appId}/publish"): {"targetId": "{appId}", "data": "source"},
    ("PUT", "/items/{itemId}"): {"name": "n", "resourceType": "app"},
    ("POST", "/collections"): {"name": "c", "type": "public"},
    ("PUT", "/collections/{collectionId}"): {"name": "c"},
    ("PATCH", "/collections/{collectionId}"): [{"op": "replace", "path": "/name",
                                                "value": "n"}],
    ("POST", "/collections/{collectionId}/items"): {"id": "x"},
}


class Fixture:
    def __init__(self, server: RunningServer, client: httpx.Client) -> None:
        self.server = server
        self.client = client
        self.app_id = client.post("/apps", json={"attributes": {"name": "A"}}).json()[
            "attributes"]["id"]
        self.file_id = client.post("/data-files", files={"File": ("a.csv", b"x\n1\n")},
                                   data={"Json": '{"name": "kept.csv"}'}).json()["id"]
        self.space_id = client.post("/spaces", json={"name": "s", "type": "shared"}).json()[
            "id"]
        # an event that never comes here (nothing is deleted): no deliveries to make
        self.webhook_id = client.post("/webhooks", json={
            "name": "h", "url": "http://127.0.0.1:9/",
            "eventTypes": ["com.qlik.v1.app.deleted"]}).json()["id"]

    def path(self, op) -> str:  # type: ignore[no-untyped-def]
        ids = {"appId": self.app_id, "id": self.file_id, "spaceId": self.space_id,
               "webhookId": self.webhook_id}
        return re.sub(r"{(\w+)}", lambda m: ids.get(m.group(1), "x"), op.path)

    def state(self) -> dict[str, Any]:
        """Every listing, as the administrator reads it."""
        out = {}
        for path in LISTINGS:
            r = self.client.get(path, params={"limit": 100} if path != "/quotas" else None)
            out[path] = r.json() if r.content else r.status_code
        return out


@pytest.fixture(scope="module")
def fx(tmp_path_factory: pytest.TempPathFactory,
       spec: dict[str, Any]) -> Iterator[Fixture]:
    from associa.engine import Engine
    from associa.qix.sessions import SessionManager

    settings = Settings(data_dir=tmp_path_factory.mktemp("bad-input") / "data",
                        api_key=ADMIN_KEY, rest_max_body_bytes=LIMIT,
                        rest_rate_tier1=0, rest_rate_tier2=0, rest_rate_special=0)
    engine = Engine(settings)
    srv = RunningServer(engine, SessionManager(engine))
    with httpx.Client(base_url=f"http://127.0.0.1:{srv.port}/api/v1",
                      headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                      event_hooks={"response": [SpecChecker(spec)]}, timeout=30) as client:
        yield Fixture(srv, client)
    srv.stop()


def error(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, (r.request.method, r.request.url, r.text)
    entry: dict[str, Any] = r.json()["errors"][0]
    return entry


def valid_body(fx: Fixture, op) -> Any:  # type: ignore[no-untyped-def]
    body = copy.deepcopy(VALID[(op.method, op.path)])
    return json.loads(json.dumps(body).replace("{appId}", fx.app_id))


def test_every_json_operation_has_a_valid_body() -> None:
    assert {(op.method, op.path) for op in JSON_OPS} <= set(VALID)


@pytest.mark.parametrize("op", JSON_OPS, ids=lambda op: f"{op.method} {op.path}")
def test_json_bodies(op, fx: Fixture) -> None:  # type: ignore[no-untyped-def]
    before = fx.state()
    path, send = fx.path(op), fx.client.request
    json_type = {"content-type": "application/json"}
    assert "not valid JSON" in error(send(op.method, path, content=b'{"a": ', headers=json_type),
                                     400)["detail"]
    good = valid_body(fx, op)
    wrong = {} if isinstance(good, list) else []
    error(send(op.method, path, json=wrong), 400)
    if isinstance(good, list):
        good[0]["bogusField"] = 1
        pointer = "/0/bogusField"
    else:
        good["bogusField"] = 1
        pointer = "/bogusField"
    assert error(send(op.method, path, json=good), 400)["source"] == {"pointer": pointer}
    huge = b'{"x": "' + b"a" * LIMIT + b'"}'
    error(send(op.method, path, content=huge, headers=json_type), 413)
    error(send(op.method, path, content=iter([huge[:LIMIT // 2], huge[LIMIT // 2:]]),
               headers=json_type), 413)
    assert fx.state() == before


@pytest.mark.parametrize("op", CURSOR_OPS, ids=lambda op: f"{op.method} {op.path}")
def test_bad_cursors_and_limits(op, fx: Fixture) -> None:  # type: ignore[no-untyped-def]
    before = fx.state()
    path = fx.path(op)
    for cursor in ("garbage", "eyJvZmZzZXQiOiAtMX0", "../../etc/passwd"):
        entry = error(fx.client.get(path, params={"next": cursor}), 400)
        assert entry["source"] == {"parameter": "next"}
    if "limit" in op.query.model_fields:
        for limit in ("abc", "0", "100000"):
            assert error(fx.client.get(path, params={"limit": limit}), 400)["source"] == {
                "parameter": "limit"}
    assert fx.state() == before


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_data_file_bodies(method: str, fx: Fixture) -> None:
    """Multipart: path traversal in the name, a bad Json part, the wrong media type, a
    body over the limit."""
    before = fx.state()
    path = "/data-files" if method == "POST" else f"/data-files/{fx.file_id}"

    def upload(json_part: str, content: bytes = b"x\n1\n") -> httpx.Response:
        return fx.client.request(method, path, files={"File": ("a.csv", content)},
                                 data={"Json": json_part})

    for name in ("../escape.csv", "/etc/passwd", "a/../../b.csv", "a\\b.csv", "c:x.csv",
                 "..", "x\x00.csv"):
        error(upload(json.dumps({"name": name})), 400)
    for part in ("{", "[]", '{"name": 5}', '{"name": "n.csv", "bogusField": 1}'):
        assert error(upload(part), 400)["source"] == {"parameter": "Json"}
    error(fx.client.request(method, path, json={"name": "n.csv"}), 415)
    error(upload('{"name": "big.csv"}', b"x" * LIMIT), 413)
    assert fx.state() == before
    assert fx.client.get(f"/data-files/{fx.file_id}/content").content == b"x\n1\n"


def test_app_import_bodies(fx: Fixture) -> None:
    before = fx.state()
    octet = {"content-type": "application/octet-stream"}
    error(fx.client.post("/apps/import", content=b"not an app", headers=octet), 400)
    error(fx.client.post("/apps/import", content=b"PK\x03\x04broken", headers=octet), 400)
    error(fx.client.post("/apps/import", json={"app": 1}), 415)
    error(fx.client.post("/apps/import", content=b"x" * (LIMIT + 1), headers=octet), 413)
    assert fx.state() == before
