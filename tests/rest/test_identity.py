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
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY)


def test_a_key_is_required(make_api, rest_engine: Engine, keys) -> None:
    for token in (None, "wrong", "associa_" + "0" * 16 + "_" + "s" * 43, keys["ann"] + "x"):
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
    key_id = keys["ann"][len("associa_"):][:16]  # associa_<16 hex id>_<secret>
    assert rest_engine.meta.revoke_api_key(key_id)
    assert client.get("/users/me").status_code == 401


def test_development_mode_is_anonymous(data_dir: Path) -> None:
    # SQLite only: development mode is decided from the settings; no database is opened
    from associa.auth.authenticator import Authenticator
    from associa.rest.identity import development_mode

    def mode(settings: Settings) -> bool:
        return development_mode(Engine(settings), Authenticator.from_settings(settings))

    assert mode(Settings(data_dir=data_dir))
    assert not mode(Settings(data_dir=data_dir, api_key="k"))
    assert not mode(Settings(data_dir=data_dir, validate_json_web_tokens=2,
                             json_web_token_secret="s3cret"))


def test_the_sockets_json_web_tokens_name_the_rest_caller(data_dir: Path,
                                                          database_url: str) -> None:
    """The same identities as the QIX socket: an engine that checks JWTs on its socket
    takes the same tokens on the REST API (and refuses requests without one)."""
    import httpx

    from tests.auth.material import token
    from tests.conftest import RunningServer

    secret = "a-secret-of-at-least-thirty-two-bytes"
    engine = Engine(Settings(data_dir=data_dir, database_url=database_url,
                             validate_json_web_tokens=2, json_web_token_secret=secret))
    server = RunningServer(engine)
    try:
        base = f"http://127.0.0.1:{server.port}/api/v1"
        me = httpx.get(f"{base}/users/me",
                       headers={"Authorization": f"Bearer {token(secret, sub='jdoe')}"})
        assert me.status_code == 200 and me.json()["id"] == "jdoe"
        forged = token("another-secret-of-thirty-two-bytes", sub="jdoe")
        for headers in ({}, {"Authorization": f"Bearer {forged}"}):
            assert httpx.get(f"{base}/users/me", headers=headers).status_code == 401
    finally:
        server.stop()
        engine.close_meta()
