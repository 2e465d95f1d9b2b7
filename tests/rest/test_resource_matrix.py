"""The authorization matrix of the operations that are neither an app's own (those are
``test_rights.py``, from the rights in the table) nor the directory's
(``test_directory_matrix.py``): creating and importing apps, items, reloads, reload
tasks, data files, data connections, temporary contents, ``me`` and the CSRF token.
Every operation × anonymous (401) / another user (Bob: 404 for what is Ann's, as he may
not know it exists; his own for a creation or a listing) / the owner (Ann) / the
administrator → the status it documents. ``test_every_operation_has_a_matrix`` keeps
the three matrices complete: an operation added to the table without a row fails."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from associa.engine import Engine
from associa.rest import (
    appdata,
    apps,
    dataconnections,
    datafiles,
    items,
    me,
    reloads,
    reloadtasks,
    tempcontents,
)
from associa.rest.resources import operations
from associa.settings import Settings
from tests.rest import test_collections, test_directory_matrix, test_rights
from tests.rest.test_reloads import ENDLESS, app_with_script, wait

ADMIN_KEY = "resource-matrix-admin"
MODULES = (apps, appdata, dataconnections, datafiles, items, me, reloads, reloadtasks,
           tempcontents)
OPS = [op for m in MODULES for op in m.OPERATIONS if op.right is None]
DAILY_8 = "RRULE:FREQ=DAILY;BYHOUR=8;BYMINUTE=0;BYSECOND=0"
NAMES = itertools.count()

OWNED = {"other": 404}  # Ann's, unknown to Bob
# (method, path) → the status of callers other than the success of the owner and the
# administrator (a creation or a listing succeeds for Bob too: his own)
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    **{("GET", p): OWNED for p in (
        "/data-connections/{qID}", "/data-files/{id}", "/data-files/{id}/content",
        "/items/{itemId}", "/reloads/{reloadId}", "/reload-tasks/{taskId}",
        "/temp-contents/{id}")},
    **{(m, p): OWNED for m, p in (
        ("PUT", "/data-connections/{qID}"), ("DELETE", "/data-connections/{qID}"),
        ("PUT", "/data-files/{id}"), ("DELETE", "/data-files/{id}"),
        ("POST", "/reloads"), ("POST", "/reloads/{reloadId}/actions/cancel"),
        ("POST", "/reload-tasks"), ("PUT", "/reload-tasks/{taskId}"),
        ("DELETE", "/reload-tasks/{taskId}"), ("PUT", "/items/{itemId}"))},
}


@pytest.fixture
def rest_settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, api_key=ADMIN_KEY, reload_time_limit=10)


def task_body(app_id: str) -> dict[str, Any]:
    return {"appId": app_id, "timeZone": "Europe/Stockholm", "recurrence": [DAILY_8],
            "startDateTime": "2030-03-27T08:00:00"}


def connection_body() -> dict[str, Any]:
    return {"qName": f"C{next(NAMES)}", "qType": "duckdb", "qConnectStatement": ":memory:"}


def data_file() -> dict[str, Any]:
    return {"files": {"File": ("a.csv", b"x\n1\n")},
            "data": {"Json": json.dumps({"name": f"f{next(NAMES)}.csv"})}}


def resources(ann: httpx.Client, engine: Engine, op) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Ann's app (and its item), data connection, data file, reload task, exported app
    (a temporary content, and its bytes to import); a running reload when the
    operation cancels one, else a finished one."""
    out: dict[str, Any] = {}
    endless = op.path == "/reloads/{reloadId}/actions/cancel"
    out["appId"] = app_with_script(ann, engine, ENDLESS if endless else
                                   "T: LOAD 1 AS N AutoGenerate 1;")
    out["itemId"] = next(i["id"] for i in ann.get("/items").json()["data"]
                         if i["resourceId"] == out["appId"])
    out["qID"] = ann.post("/data-connections", json=connection_body()).json()["id"]
    out["id"] = ann.post("/data-files", **data_file()).json()["id"]
    out["taskId"] = ann.post("/reload-tasks", json=task_body(out["appId"])).json()["id"]
    if op.path.startswith("/reloads/"):
        out["reloadId"] = ann.post("/reloads", json={"appId": out["appId"]}).json()["id"]
        if not endless:
            wait(ann, out["reloadId"])
    if op.path.startswith(("/temp-contents", "/apps/import")):
        location = ann.post(f"/apps/{out['appId']}/export").headers["location"]
        out["tempId"] = location.rsplit("/", 1)[1]
        out["export"] = ann.get(location).content
    return out


def send(client: httpx.Client, op, ids: dict[str, Any]) -> httpx.Response:  # type: ignore[no-untyped-def]
    key = {"/temp-contents/{id}": "tempId"}.get(op.path)
    path = re.sub(r"{(\w+)}", lambda m: ids[key or m.group(1)], op.path)
    kwargs: dict[str, Any] = {}
    if op.path == "/apps/import":
        kwargs = {"content": ids["export"],
                  "headers": {"content-type": "application/octet-stream"}}
    elif op.multipart:
        kwargs = data_file()
    elif op.path == "/apps":
        kwargs = {"json": {"attributes": {"name": "M"}}}
    elif op.path.startswith("/data-connections") and op.body is not None:
        kwargs = {"json": connection_body()}
    elif op.path.startswith("/reload-tasks") and op.body is not None:
        kwargs = {"json": task_body(ids["appId"])}
    elif op.path == "/items/{itemId}" and op.method == "PUT":
        kwargs = {"json": {"name": f"Renamed {next(NAMES)}", "resourceType": "app"}}
    elif op.path == "/reloads" and op.method == "POST":
        kwargs = {"json": {"appId": ids["appId"]}}
    return client.request(op.method, path, **kwargs)


def test_every_operation_has_a_matrix() -> None:
    """Each operation of the table is in exactly one of the four matrices."""
    rows = [(op.method, op.path) for op in
            (*OPS, *test_rights.APP_OPS, *test_directory_matrix.OPS,
             *test_collections.collections.OPERATIONS)]
    assert sorted(rows) == sorted((op.method, op.path) for op in operations())


@pytest.mark.parametrize("op", OPS, ids=lambda op: f"{op.method} {op.path}")
def test_matrix(op, make_api: Callable[..., httpx.Client], keys: dict[str, str],  # type: ignore[no-untyped-def]
                rest_engine: Engine) -> None:
    admin, ann, bob = make_api(keys["admin"]), make_api(keys["ann"]), make_api(keys["bob"])
    expected = EXPECTED.get((op.method, op.path), {})
    ids = resources(ann, rest_engine, op)
    assert send(make_api(), op, ids).status_code == 401
    assert send(bob, op, ids).status_code == expected.get("other", op.status)
    assert send(ann, op, ids).status_code == op.status
    fresh = resources(ann, rest_engine, op)  # the owner's call may have used them up
    assert send(admin, op, fresh).status_code == op.status
    if "reloadId" in fresh:
        for reload_id in (ids["reloadId"], fresh["reloadId"]):
            ann.post(f"/reloads/{reload_id}/actions/cancel")
            wait(ann, reload_id)
