"""The directory, audit log, OAuth, origins and webhook tables (migration 0004)
on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from associa.app.access import Right, Rule
from associa.identity import Identity
from associa.store.audits import AuditFilter, AuditLog
from associa.store.directory import Directory, space_right
from associa.store.meta import MetaStore
from associa.store.oauth import OAuth
from associa.store.origins import Origins
from associa.store.webhooks import Webhooks
from tests.pg import PgServer, postgres  # noqa: F401  (the session's PostgreSQL server)

ANN = Identity("ann", "corp", name="Ann", groups=("sales",), method="jwt")


@pytest.fixture(params=["sqlite", "postgresql"])
def meta(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MetaStore]:
    if request.param == "sqlite":
        store = MetaStore.open(tmp_path)
    else:
        server: PgServer = request.getfixturevalue("postgres")
        db = f"dir_{uuid.uuid4().hex[:10]}"
        server.execute(f"CREATE DATABASE {db}")
        store = MetaStore.open(tmp_path, f"postgresql+psycopg://{server.user}:"
                                         f"{server.password}@{server.host}:{server.port}/{db}")
    yield store
    store.close()


def test_users_groups_spaces_and_their_rules(meta: MetaStore) -> None:
    d = Directory(meta.db)
    carl = d.add_user("carl", "Carl", roles=["Developer"])
    assert carl is not None and d.add_user("carl") is None  # subjects are unique
    group = d.add_group("sales")
    assert group is not None and d.add_group("sales") is None
    space = d.add_space("S", "shared", owner_id="ann")
    assert space is not None and d.add_space("S", "managed", owner_id="bob") is None
    assert d.assign(space.id, "user", carl.id, ["producer"]) is not None
    assert d.assign(space.id, "user", carl.id, ["consumer"]) is None
    assert d.assign(space.id, "group", group.id, ["consumer", "dataconsumer"]) is not None
    assert set(d.space_rules(space.id)) == {Rule("user", "ann", Right.MANAGE),
                                            Rule("user", "carl", Right.EDIT),
                                            Rule("group", "sales", Right.CONSUME)}
    assert d.remove_user(carl.id) and d.user(carl.id) is None
    assert [a.type for a in d.assignments(space.id)] == ["group"]  # its assignment went too
    assert d.remove_space(space.id) and d.assignments(space.id) == []
    assert space_right(["dataconsumer"]) is None
    assert space_right(["consumer", "facilitator"]) == Right.MANAGE


def test_audits_oauth_origins_webhooks(meta: MetaStore, tmp_path: Path) -> None:
    log = AuditLog(meta.db)
    log.record("com.qlik.v1.apps.created", "ann", "rest", {"path": "/x"})
    log.record("com.qlik.v1.access.denied", "bob", "qix", {})
    assert [a.user_id for a in log.find(AuditFilter(event_type="com.qlik.v1.access.denied"))
            ] == ["bob"]
    oauth = OAuth(meta.db, tmp_path)
    client, secret = oauth.create_client("ci", ANN)
    assert oauth.authenticate_client(client.id, "wrong") is None
    token, lifetime = oauth.issue(oauth.authenticate_client(client.id, secret))  # type: ignore[arg-type]
    assert lifetime == 3600 and oauth.verify(token) == client.user
    assert oauth.revoke(oauth.tokens(ANN)[0].id) and oauth.verify(token) is None
    origins = Origins(meta.db)
    origins.add_integration("w", ["https://a.example"], "admin")
    assert origins.allowed_origins() == {"https://a.example"}
    hooks = Webhooks(meta.db)
    hook = hooks.add("h", "http://x/", ["com.qlik.v1.app.created"], "s", True, "admin")
    assert [w.id for w in hooks.subscribed("com.qlik.v1.app.created")] == [hook.id]
    ident = hooks.start_delivery(hook.id, "com.qlik.v1.app.created", "{}")
    hooks.log_attempt(ident, "failed", 500, "no")
    hooks.log_attempt(ident, "success", 200, "ok")
    got = hooks.delivery(hook.id, ident)
    assert got is not None and (got.status, got.attempts) == ("success", 2)
    assert hooks.remove(hook.id) and hooks.deliveries(hook.id) == []


def test_an_expired_oauth_token_does_not_verify(meta: MetaStore, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from associa.store import oauth as module

    monkeypatch.setattr(module, "TOKEN_LIFETIME", timedelta(seconds=-5))
    store = OAuth(meta.db, tmp_path)
    client, _ = store.create_client("ci", ANN)
    token, _ = store.issue(client)
    assert store.verify(token) is None
