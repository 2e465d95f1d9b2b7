"""Who the REST caller is: the administrator key, users' API keys, 401 otherwise (when
the engine requires authentication); development mode acts as ANONYMOUS."""

from __future__ import annotations

from pathlib import Path

import pytest

from associa.engine import Engine
from associa.settings import Settings
from tests.rest.conftest import ANN

ADMIN_KEY = "admin-key-for-tests"


@pytest.fixture
def rest_settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, api_key=ADMIN_KEY)


def test_a_key_is_required(make_api, rest_engine: Engine, keys) -> None:
    for token in (None, "wrong", "ak_nope.secret", keys["ann"] + "x"):
        r = make_api(token).get("/users/me")
        assert r.status_code == 401, token
        assert r.json()["errors"][0]["code"] == "HTTP-401"
        assert r.headers["www-authenticate"] == "Bearer"
    assert make_api(None).post("/apps", json={"attributes": {"name": "x"}}).status_code == 401
    assert rest_engine.list_apps() == []
    # the OpenAPI document is public
    assert make_api(None).get("/openapi.json").status_code == 200


def test_the_keys_identities(make_api, rest_engine: Engine, keys) -> None:
    me = make_api(keys["ann"]).get("/users/me").json()
    assert (me["id"], me["name"], me["subject"]) == ("ann", "Ann", ANN.qualified)
    assert me["assignedGroups"] == [{"id": "sales", "name": "sales"}]
    assert me["assignedRoles"] == []
    admin = make_api(ADMIN_KEY).get("/users/me").json()
    assert admin["assignedRoles"][0]["name"] == "TenantAdmin"


def test_the_administrator_sees_and_manages_every_app(make_api, rest_engine: Engine,
                                                      keys) -> None:
    ann, admin = make_api(keys["ann"]), make_api(ADMIN_KEY)
    app_id = ann.post("/apps", json={"attributes": {"name": "A"}}).json()["attributes"]["id"]
    assert [i["name"] for i in admin.get("/items").json()["data"]] == ["A"]
    assert admin.delete(f"/apps/{app_id}").status_code == 200


def test_a_revoked_key_is_refused(make_api, rest_engine: Engine, keys) -> None:
    client = make_api(keys["ann"])
    assert client.get("/users/me").status_code == 200
    key_id = keys["ann"][3:].split(".")[0]
    assert rest_engine.meta.revoke_api_key(key_id)
    assert client.get("/users/me").status_code == 401


def test_development_mode_is_anonymous(data_dir: Path) -> None:
    from associa.rest.identity import development_mode

    engine = Engine(Settings(data_dir=data_dir))
    assert development_mode(engine)
    assert not development_mode(Engine(Settings(data_dir=data_dir, api_key="k")))
