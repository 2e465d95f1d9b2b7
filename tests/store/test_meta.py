"""The metadata database (``store/meta.py``): migrations, owners and rules, API keys."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from associa.app.access import OPEN, AppAccess, Owner, Right, Rule
from associa.identity import Identity
from associa.store.meta import DB_NAME, MIGRATIONS, Base, MetaStore, head_revision

ANN = Identity("ann", "corp", name="Ann", email="ann@corp", groups=("sales", "eu"),
               method="jwt")


@pytest.fixture
def meta(tmp_path: Path) -> Iterator[MetaStore]:
    store = MetaStore.open(tmp_path)
    yield store
    store.close()


def test_an_empty_database_migrates_to_head(tmp_path: Path) -> None:
    store = MetaStore.open(tmp_path)
    store.close()
    db = sqlite3.connect(tmp_path / DB_NAME)
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        (version,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        db.close()
    assert {"app_access", "app_rules", "api_keys", "alembic_version"} <= tables
    assert version == head_revision() is not None


def test_the_models_match_the_migrations(meta: MetaStore) -> None:
    with meta.db.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_the_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS / "env.py").is_file()
    assert list((MIGRATIONS / "versions").glob("0001_*.py"))


def test_reopening_keeps_the_data(tmp_path: Path) -> None:
    store = MetaStore.open(tmp_path)
    store.set_owner("a", ANN)
    store.close()
    again = MetaStore.open(tmp_path)
    try:
        assert again.access("a").owner == Owner("ann", "corp")
    finally:
        again.close()


def test_owner_and_rules(meta: MetaStore) -> None:
    assert meta.access("a") == OPEN
    meta.set_owner("a", ANN)
    meta.set_rules("a", [("user", "bob", "consume"), ("group", "finance", "edit")])
    assert meta.access("a") == AppAccess(Owner("ann", "corp"), (
        Rule("user", "bob", Right.CONSUME), Rule("group", "finance", Right.EDIT)))
    meta.grant("a", "user", "bob", "manage")
    assert Rule("user", "bob", Right.MANAGE) in meta.access("a").rules
    assert meta.revoke_rule("a", "group", "finance") is True
    assert meta.revoke_rule("a", "group", "finance") is False
    assert meta.access("a").rules == (Rule("user", "bob", Right.MANAGE),)
    meta.set_owner("b", Owner("cid", ""))
    assert set(meta.all_access()) == {"a", "b"}
    meta.set_owner("a", None)
    assert meta.access("a").owner is None
    meta.forget_app("a")
    assert meta.access("a") == OPEN and "a" not in meta.all_access()


def test_a_bad_rule_changes_nothing(meta: MetaStore) -> None:
    meta.set_rules("a", [("user", "bob", "edit")])
    with pytest.raises(ValueError):
        meta.set_rules("a", [("user", "cid", "edit"), ("robot", "x", "edit")])
    assert meta.access("a").rules == (Rule("user", "bob", Right.EDIT),)


def test_api_key_round_trip(meta: MetaStore) -> None:
    token, key = meta.create_api_key(ANN, description="ci")
    assert token.startswith("associa_") and key.id in token
    user = meta.verify_api_key(token)
    assert user is not None
    assert (user.user_id, user.user_directory, user.name, user.email, user.groups) == (
        "ann", "corp", "Ann", "ann@corp", ("sales", "eu"))
    assert user.method == "api-key"
    (listed,) = meta.api_keys(ANN)
    assert listed.id == key.id and listed.description == "ci" and listed.revoked is None


def test_only_the_hash_of_the_secret_is_stored(meta: MetaStore, tmp_path: Path) -> None:
    token, key = meta.create_api_key(ANN)
    secret = token[len("associa_") + 17:]  # associa_<16 hex id>_<secret>
    db = sqlite3.connect(tmp_path / DB_NAME)
    try:
        (stored,) = db.execute("SELECT key_hash FROM api_keys").fetchone()
        dump = "\n".join(db.iterdump())
    finally:
        db.close()
    import hashlib

    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert secret not in dump


@pytest.mark.parametrize("mangle", [
    lambda t: t + "x",
    lambda t: t[:-1],
    lambda t: t.replace("associa_", "associa-"),
    lambda t: t.rpartition("_")[0],
    lambda t: "associa_" + "0" * 16 + t[len("associa_") + 16:],
    lambda t: "",
    lambda t: "associa_" + "a" * 300,
])
def test_a_wrong_token_verifies_to_nobody(meta: MetaStore,
                                          mangle: Callable[[str], str]) -> None:
    token, _ = meta.create_api_key(ANN)
    assert meta.verify_api_key(mangle(token)) is None


def test_revoked_and_expired_keys(meta: MetaStore) -> None:
    token, key = meta.create_api_key(ANN, expires=timedelta(hours=1))
    assert meta.verify_api_key(token) is not None
    later = datetime.now(UTC) + timedelta(hours=2)
    assert meta.verify_api_key(token, now=later) is None
    assert meta.revoke_api_key(key.id) is True
    assert meta.verify_api_key(token) is None
    assert meta.revoke_api_key(key.id) is False
    assert meta.revoke_api_key("nope") is False
    (listed,) = meta.api_keys()
    assert listed.revoked is not None and listed.expires is not None


def test_a_damaged_database_is_a_clear_error(tmp_path: Path) -> None:
    from associa.errors import PersistenceReadFailed

    (tmp_path / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(PersistenceReadFailed) as err:
        MetaStore.open(tmp_path)
    assert err.value.parameter.endswith(DB_NAME) and "not a database" in err.value.message


def test_a_database_of_a_newer_version_is_refused(tmp_path: Path) -> None:
    from associa.errors import PersistenceReadFailed

    MetaStore.open(tmp_path).close()
    db = sqlite3.connect(tmp_path / DB_NAME)
    with db:
        db.execute("UPDATE alembic_version SET version_num = '9999'")
    db.close()
    with pytest.raises(PersistenceReadFailed, match="9999"):
        MetaStore.open(tmp_path)
