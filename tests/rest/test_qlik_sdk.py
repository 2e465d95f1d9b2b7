"""Qlik's Python SDK (``qlik-sdk`` from PyPI) against a real engine: its ``Apps``,
``Items``, ``Users``, ``Spaces`` and ``ApiKeys`` classes over REST, and its app session
over QIX.

qlik-sdk 0.17 pins PyJWT 2.4.0, which associa's own PyJWT>=2.8 excludes; with it
installed beside the newer PyJWT (API-key authentication does not use PyJWT) it works.
The test is skipped when the SDK is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from associa.engine import Engine
from associa.settings import Settings
from tests.conftest import RunningServer

sdk = pytest.importorskip("qlik_sdk", reason="qlik-sdk is not installed")

KEY = "sdk-admin-key"


@pytest.fixture
def rest_settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, api_key=KEY)


@pytest.fixture
def qlik(rest_server: RunningServer) -> Iterator[Any]:
    yield sdk.Qlik(sdk.Config(host=f"http://127.0.0.1:{rest_server.port}",
                              auth_type=sdk.AuthType.APIKey, api_key=KEY))


def test_apps_items_users(qlik: Any, rest_engine: Engine) -> None:
    from qlik_sdk.apis.Apps import (
        AppAttributes,
        AppUpdateAttributes,
        CreateApp,
        ScriptVersion,
        UpdateApp,
    )

    app = qlik.apps.create(data=CreateApp(attributes=AppAttributes(name="From SDK")))
    app_id = app.attributes.id
    assert rest_engine.get_app(app_id).title == "From SDK"
    assert qlik.apps.get(app_id).attributes.name == "From SDK"
    app = app.set(UpdateApp(attributes=AppUpdateAttributes(name="Renamed",
                                                           description="by the SDK")))
    assert app.attributes.name == "Renamed" and app.attributes.description == "by the SDK"

    app.create_script(ScriptVersion(script="T: LOAD RecNo() AS N AutoGenerate 4;",
                                    versionMessage="four rows"))
    assert [s.versionMessage for s in app.get_script_versions().scripts] == ["four rows"]
    rest_engine.get_app(app_id).reload()
    tables = {t.name: t.no_of_rows for t in app.get_data_metadata().tables
              if not t.is_system}
    assert tables == {"T": 4}
    assert [(e.discriminator, e.statement) for e in app.get_data_lineages()] == [
        ("AUTOGENERATE", "T: LOAD RecNo() AS N AutoGenerate 4")]

    copy = app.create_copy(CreateApp(attributes=AppAttributes(name="Copy")))
    assert copy.attributes.id != app_id
    for i in range(3):
        qlik.apps.create(data=CreateApp(attributes=AppAttributes(name=f"More {i}")))
    first = qlik.items.get_items(resourceType="app", limit=2)
    assert [item.name for item in first] == ["Renamed", "Copy"]
    assert [item.name for item in first.pagination] == [  # the next pages, limit 100
        "Renamed", "Copy", "More 0", "More 1", "More 2"]

    copy.delete()
    assert not rest_engine.app_exists(copy.attributes.id)
    me = qlik.users.get_me()
    assert me.id == "admin" and me.tenantId == "associa"


@pytest.mark.xfail(strict=True, reason="qlik-sdk 0.17 opens apps at wss://<hostname>/app/<id> "
                   "(always TLS on port 443, the port of the host setting dropped: "
                   "qlik_sdk/rpc.py), so it cannot reach an engine on http://host:port")
def test_the_sdk_opens_the_app_over_qix(qlik: Any) -> None:
    from qlik_sdk.apis.Apps import AppAttributes, CreateApp

    app = qlik.apps.create(data=CreateApp(attributes=AppAttributes(name="Over QIX")))
    try:
        with app.open():
            app.set_script("T: LOAD RecNo() AS N AutoGenerate 3;")
            assert app.do_reload() is True
            assert app.evaluate("Sum(N)") == "6"
    except sdk.rpc.FailedToConnect as exc:
        close_sockets(exc)  # the one its failed connect leaves open
        raise AssertionError("qlik-sdk could not connect") from None


def close_sockets(exc: BaseException | None) -> None:
    """Close the sockets the frames of ``exc`` and its causes hold (a failed connect
    leaves its socket there, and pytest keeps the traceback)."""
    import socket

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        tb = exc.__traceback__
        while tb is not None:
            for value in tb.tb_frame.f_locals.values():
                if isinstance(value, socket.socket):
                    value.close()
            tb = tb.tb_next
        exc = exc.__cause__ or exc.__context__


def test_spaces_users_api_keys(qlik: Any, rest_server: RunningServer) -> None:
    from qlik_sdk.apis.Api_Keys import ApiKeyBody
    from qlik_sdk.apis.Spaces import SpaceCreate
    from qlik_sdk.apis.Users import UserPostSchema

    user = qlik.users.create(UserPostSchema(subject="carl", name="Carl",
                                            email="carl@corp"))
    assert user.subject == "carl" and qlik.users.get(user.id).name == "Carl"
    # a plain list: qlik-sdk 0.17 serializes its own JSONPatchArray (a list subclass) as {}
    user.patch([{"op": "replace", "path": "/name", "value": "Carla"}])
    assert qlik.users.get(user.id).name == "Carla"
    with pytest.warns(DeprecationWarning):  # the SDK always sends its deprecated sortBy
        users = qlik.users.get_users()
    assert "carl" in [u.subject for u in users]

    space = qlik.spaces.create(SpaceCreate(name="Finance", type="shared",
                                           description="numbers"))
    assert space.type == "shared" and qlik.spaces.get(space.id).name == "Finance"
    # plain dicts: qlik-sdk 0.17 turns roles into RoleType enums it cannot serialize
    assigned = space.create_assignment({"type": "user", "assigneeId": "carl",
                                        "roles": ["consumer"]})
    assert [a.assigneeId for a in space.get_assignments()] == ["carl"]
    changed = space.set_assignment(assigned.id, {"roles": ["producer"]})
    assert [r.value for r in changed.roles] == ["producer"]
    assert [s.name for s in qlik.spaces.get_spaces()] == ["Finance"]
    space.delete_assignment(assigned.id)
    space.delete()
    assert [s.name for s in qlik.spaces.get_spaces()] == []

    made = qlik.api_keys.create(ApiKeyBody(description="from the SDK", expiry="PT2H"))
    assert made.token.startswith("associa_")
    listed = qlik.api_keys.get_api_keys()
    assert made.id in [k.id for k in listed]
    key = qlik.api_keys.get(made.id)
    key.delete()
    assert qlik.api_keys.get(made.id).status == "revoked"
    user.delete()
