"""The engine's metadata: app owners, access rules, API keys, items and script versions.

Apps themselves are files (``store/appstore.py``); what the engine knows *about* them and
about its users lives in one database: SQLite in ``<data dir>/associa.db`` by default, or
the database of the ``database_url`` setting (``postgresql+psycopg://…``) so that several
engines share it; through
SQLAlchemy 2 (typed ORM). Its schema is made and upgraded by the Alembic migrations
shipped in ``store/migrations/`` (run when the store opens: ``MetaStore.open``), so a data
folder written by an older version is brought up to date in place. The models below and
the migrations must agree; ``tests/store/test_meta.py`` compares them.

Tables:

* ``app_access``: an app's owner (user id and directory). No row: nobody owns the app
  (made before owners were recorded, or in development mode), which is open to all.
* ``app_rules``: rights granted on an app to a user or a group (``app/access.py``).
* ``api_keys``: keys a user authenticates with. Only the SHA-256 of the secret is kept;
  the token is shown once, when made: ``associa_<key id>_<secret>`` (``auth/keys.py``).
* ``items``: the REST API's items (``store/items.py``): one row per resource (an app, and
  later data files and the rest), with the attributes Qlik Cloud keeps beside an app
  (description, space, usage, published, thumbnail, dates). Migration 0002.
* ``app_scripts``: the script versions saved through ``/apps/{id}/scripts``.
* ``reloads``: the reloads queued through ``/reloads`` with their status and log,
  ``reload_tasks``: scheduled reloads (``/reload-tasks``), ``data_connections``: the
  connections of ``/data-connections``, and ``data_files``: the files uploaded through
  ``/data-files``. Migration 0003.
* ``engine_leases``: the engines sharing the database that are alive, so that one never
  fails another's running reloads (``store/leases.py``). Migration 0006.
* ``collections``, ``collection_items`` and ``item_uses``: collections of items,
  favorites and each user's last use of an item (``store/collections.py``). Migration
  0007.

* ``access_version``: one counter of the changes of owners and rules, and
  ``item_views``: the views of each item per user and day (``store/views.py``).
  Migration 0008.

Access rules are read on every check of a right, so they are kept in memory per app once
read. Other engines sharing the database change them too: every change of an owner or
rules adds one to ``access_version`` in its own transaction, and every check reads that
counter (one SELECT by primary key) and drops the cache when it moved, so a change made
through one engine holds on every other at its next check. (Space membership, roles and
items are not cached: each check reads them.)

Only the engine opens this store (``Engine.meta``), so it sits beside the engine, above
``app/``: it keeps ``app/access.py``'s values (Owner, Rule, Right), while ``app/`` reads
nothing of it (apps are ``store/appstore.py``'s).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Engine,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    false,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from associa.app.access import AppAccess, Owner, Right, Rule, rules_from
from associa.auth import keys
from associa.errors import PersistenceReadFailed
from associa.identity import Identity
from associa.store import DB_NAME

if TYPE_CHECKING:
    from alembic.config import Config

# a reload that has not ended (store/reloads.py's PENDING), as SQL: one per app
PENDING_SQL = "status IN ('QUEUED', 'RELOADING', 'CANCELING')"
IN_SPACE_SQL, PERSONAL_SQL = "space_id <> ''", "space_id = ''"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Base(DeclarativeBase):
    pass


class AppAccessRow(Base):
    __tablename__ = "app_access"

    app_id: Mapped[str] = mapped_column(String(512), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(512))
    owner_directory: Mapped[str] = mapped_column(String(512), default="")


class AccessVersionRow(Base):
    """One row (id 1) counting the changes of app owners and rules, made in the same
    transaction as each change: an engine whose cache was read at another count reads
    the rules again (several engines share the database). Migration 0008."""

    __tablename__ = "access_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)


class AppRuleRow(Base):
    __tablename__ = "app_rules"
    __table_args__ = (
        UniqueConstraint("app_id", "subject_kind", "subject", name="uq_app_rules_subject"),
        CheckConstraint("subject_kind IN ('user', 'group')", name="ck_app_rules_kind"),
        CheckConstraint("\"right\" IN ('consume', 'edit', 'manage')",  # RIGHT is reserved in PostgreSQL
                        name="ck_app_rules_right"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    app_id: Mapped[str] = mapped_column(String(512), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(512))
    right: Mapped[str] = mapped_column(String(16))


class ItemRow(Base):
    """A resource as the items API lists it; for an app also its attributes."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("resource_type", "resource_id", name="uq_items_resource"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource_type: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(512), index=True)
    name: Mapped[str] = mapped_column(String(1024))
    description: Mapped[str] = mapped_column(Text, default="")
    space_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    owner_id: Mapped[str] = mapped_column(String(512), default="", index=True)
    creator_id: Mapped[str] = mapped_column(String(512), default="")
    updater_id: Mapped[str] = mapped_column(String(512), default="")
    usage: Mapped[str] = mapped_column(String(64), default="ANALYTICS")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    publish_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                          nullable=True)
    origin_id: Mapped[str] = mapped_column(String(512), default="")
    thumbnail: Mapped[str] = mapped_column(String(1024), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ScriptRow(Base):
    """One saved version of an app's script."""

    __tablename__ = "app_scripts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(512), index=True)
    script: Mapped[str] = mapped_column(Text)
    version_message: Mapped[str] = mapped_column(String(1024), default="")
    modifier_id: Mapped[str] = mapped_column(String(512), default="")
    modified: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReloadRow(Base):
    """One reload queued through ``/reloads`` (or by a reload task): its status and log
    (``store/reloads.py``). Migration 0003; ``engine_id`` (the engine that queued or
    runs it, ``store/leases.py``) and at most one unfinished reload per app, also across
    engines sharing the database: migration 0006; ``groups`` (its credential's):
    migration 0012."""

    __tablename__ = "reloads"
    __table_args__ = (
        Index("uq_reloads_pending_app", "app_id", unique=True,
              sqlite_where=text(PENDING_SQL), postgresql_where=text(PENDING_SQL)),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(512), index=True)
    user_id: Mapped[str] = mapped_column(String(512), default="")
    user_directory: Mapped[str] = mapped_column(String(512), default="")
    type: Mapped[str] = mapped_column(String(32), default="external")
    status: Mapped[str] = mapped_column(String(32), index=True)
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    variables: Mapped[str] = mapped_column(Text, default="{}")  # a JSON object
    task_id: Mapped[str] = mapped_column(String(64), default="")
    log: Mapped[str] = mapped_column(Text, default="")
    error_code: Mapped[str] = mapped_column(String(64), default="")
    error_message: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    engine_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    groups: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")  # JSON


class ReloadTaskRow(Base):
    """A scheduled reload (``/reload-tasks``): RFC 5545 recurrence rules in a time zone,
    and when it runs next (``store/reloadtasks.py``). Migrations 0003, 0005 and 0012."""

    __tablename__ = "reload_tasks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(512), index=True)
    owner_id: Mapped[str] = mapped_column(String(512), default="")
    owner_directory: Mapped[str] = mapped_column(String(512), default="")
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    recurrence: Mapped[str] = mapped_column(Text, default="[]")  # a JSON list of lines
    start_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="Enabled")
    last_run: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    next_run: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True,
                                                      index=True)
    last_reload_id: Mapped[str] = mapped_column(String(64), default="")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # a reload when the app's data files change (migration 0005)
    auto_reload: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    auto_reload_partial: Mapped[bool] = mapped_column(Boolean, default=False,
                                                      server_default=false())
    # the owner's groups on the credential that made it (migration 0012): a JSON list
    groups: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")


class DataConnectionRow(Base):
    """A data connection made through ``/data-connections``, which scripts use by name
    (a personal one only its owner's; ``store/dataconnections.py``); its credentials only sealed
    (``app/credentials.py``). Migration 0003; a name unique per space, a personal
    one's per owner: migration 0010."""

    __tablename__ = "data_connections"
    __table_args__ = (
        Index("uq_data_connections_space_name", "space_id", "name", unique=True,
              sqlite_where=text(IN_SPACE_SQL), postgresql_where=text(IN_SPACE_SQL)),
        Index("uq_data_connections_owner_name", "owner_id", "owner_directory", "name",
              unique=True, sqlite_where=text(PERSONAL_SQL),
              postgresql_where=text(PERSONAL_SQL)),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    type: Mapped[str] = mapped_column(String(32))
    connect_statement: Mapped[str] = mapped_column(Text, default="")
    credentials: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[str] = mapped_column(String(512), default="", index=True)
    owner_directory: Mapped[str] = mapped_column(String(512), default="")
    space_id: Mapped[str] = mapped_column(String(64), default="", index=True)  # 0009
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DataFileRow(Base):
    """A file uploaded through ``/data-files`` (its bytes in its space's folder or its
    owner's, ``store/datafiles.py``). Migration 0003; a name unique per space, a
    personal one's per owner: migrations 0010 and 0011."""

    __tablename__ = "data_files"
    __table_args__ = (
        Index("uq_data_files_space_name", "space_id", "name", unique=True,
              sqlite_where=text(IN_SPACE_SQL), postgresql_where=text(IN_SPACE_SQL)),
        Index("uq_data_files_owner_name", "owner_id", "owner_directory", "name",
              unique=True, sqlite_where=text(PERSONAL_SQL),
              postgresql_where=text(PERSONAL_SQL)),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(1024))
    owner_id: Mapped[str] = mapped_column(String(512), default="", index=True)
    owner_directory: Mapped[str] = mapped_column(String(512), default="")
    app_id: Mapped[str] = mapped_column(String(512), default="")
    space_id: Mapped[str] = mapped_column(String(64), default="", index=True)  # 0009
    size: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    modified: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(512), index=True)
    user_directory: Mapped[str] = mapped_column(String(512), default="")
    name: Mapped[str] = mapped_column(String(512), default="")
    email: Mapped[str] = mapped_column(String(512), default="")
    groups: Mapped[str] = mapped_column(Text, default="[]")  # a JSON list
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(String(512), default="")
    key_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the secret, hex
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as listed (never its secret)."""

    id: str
    user: Identity
    description: str
    created: datetime
    expires: datetime | None
    revoked: datetime | None

    def valid_at(self, now: datetime) -> bool:
        return self.revoked is None and (self.expires is None or now < self.expires)


def _aware(when: datetime | None) -> datetime | None:
    """SQLite gives datetimes back without their zone; they were written in UTC."""
    if when is None or when.tzinfo is not None:
        return when
    return when.replace(tzinfo=UTC)


def alembic_config(connection: object | None = None) -> Config:
    """Alembic's configuration, made in code: the migrations shipped in the package, run
    on ``connection`` (``migrations/env.py`` reads it from the attributes). Alembic is
    imported only when the database is opened: importing it logs lines of its own, which
    a server that never opens the database (development mode) should not print."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # a write-ahead log with NORMAL sync: a commit appends to the log and syncs only at
    # checkpoints (the rollback journal's default syncs several times per commit, which
    # made every audited REST request wait on the disk); still safe against a crash of
    # the process, durable up to the last checkpoint against a power loss
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_VERSION = select(AccessVersionRow.version).where(AccessVersionRow.id == 1)


def _changed(s: Session) -> None:
    """Count a change of owners or rules (``access_version``), in the session's
    transaction: other engines drop their cached rules at their next check."""
    s.execute(update(AccessVersionRow).where(AccessVersionRow.id == 1)
              .values(version=AccessVersionRow.version + 1))


class MetaStore:
    """The metadata database of one data folder."""

    def __init__(self, engine: Engine) -> None:
        self.db = engine
        self._lock = threading.RLock()
        self._access: dict[str, AppAccess] = {}  # app id → what was read (or written)
        self._version: int | None = None  # the access_version the cache was read at

    @classmethod
    def open(cls, data_dir: Path | str, url: str = "") -> MetaStore:
        """Open (or create) ``<data_dir>/associa.db``, or the database at ``url`` (an
        SQLAlchemy URL: ``postgresql+psycopg://user:pw@host/db``), and migrate it to the
        newest schema."""
        path: Path | str = Path(data_dir) / DB_NAME
        if url:
            engine = create_engine(url, pool_pre_ping=True)
            path = engine.url.render_as_string(hide_password=True)
        else:
            engine = create_engine(f"sqlite:///{path}")
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine)
        from alembic.util.exc import CommandError

        try:
            store.migrate()
        except (CommandError, SQLAlchemyError) as exc:
            # not a database, damaged, or written by a newer version (an unknown revision)
            engine.dispose()
            why = str(exc.orig if isinstance(exc, DBAPIError) else exc).splitlines()[0]
            raise PersistenceReadFailed(str(path), f"Read Failed: {why}") from None
        return store

    def migrate(self) -> None:
        """Bring the schema to the newest migration (nothing to do when it is there)."""
        from alembic import command
        from alembic.runtime.migration import MigrationContext

        head = head_revision()
        with self.db.begin() as conn:
            if MigrationContext.configure(conn).get_current_revision() == head:
                return
            command.upgrade(alembic_config(conn), "head")

    def close(self) -> None:
        self.db.dispose()

    # -- owners and rules -----------------------------------------------------------

    def access(self, app_id: str) -> AppAccess:
        """The owner and rules of an app (``OPEN``: no owner, when nothing is recorded)."""
        with self.db.connect() as conn:  # Core, not a Session: the check is per request
            version = conn.execute(_VERSION).scalar()
        with self._lock:
            if version != self._version:  # changed (perhaps by another engine)
                self._access.clear()
                self._version = version
            hit = self._access.get(app_id)
        if hit is not None:
            return hit
        with Session(self.db) as s:  # read after the count: never older than it
            row = s.get(AppAccessRow, app_id)
            rules = s.scalars(select(AppRuleRow).where(AppRuleRow.app_id == app_id)
                              .order_by(AppRuleRow.id)).all()
            access = AppAccess(
                Owner(row.owner_id, row.owner_directory) if row is not None else None,
                tuple(Rule(r.subject_kind, r.subject, Right.parse(r.right)) for r in rules))
        with self._lock:
            if self._version == version:
                self._access[app_id] = access
        return access

    def all_access(self) -> dict[str, AppAccess]:
        """Every app's owner and rules that are recorded (apps without any are open)."""
        with Session(self.db) as s:
            owners = {r.app_id: Owner(r.owner_id, r.owner_directory)
                      for r in s.scalars(select(AppAccessRow))}
            rules: dict[str, list[Rule]] = {}
            for r in s.scalars(select(AppRuleRow).order_by(AppRuleRow.id)):
                rules.setdefault(r.app_id, []).append(
                    Rule(r.subject_kind, r.subject, Right.parse(r.right)))
        return {app_id: AppAccess(owners.get(app_id), tuple(rules.get(app_id, ())))
                for app_id in set(owners) | set(rules)}

    def set_owner(self, app_id: str, owner: Identity | Owner | None) -> None:
        """Make ``owner`` the app's owner (None: nobody owns it; it is open to all)."""
        if isinstance(owner, Identity):
            owner = Owner.of(owner)
        with self._lock, Session(self.db) as s, s.begin():
            row = s.get(AppAccessRow, app_id)
            if owner is None:
                if row is not None:
                    s.delete(row)
            elif row is None:
                s.add(AppAccessRow(app_id=app_id, owner_id=owner.user_id,
                                   owner_directory=owner.user_directory))
            else:
                row.owner_id, row.owner_directory = owner.user_id, owner.user_directory
            _changed(s)
            self._access.pop(app_id, None)

    def set_rules(self, app_id: str,
                  rules: Iterable[Rule | tuple[str, str, str | Right]]) -> tuple[Rule, ...]:
        """Replace the app's rules (ValueError for a bad kind, subject or right)."""
        made = rules_from(rules)
        with self._lock, Session(self.db) as s, s.begin():
            s.execute(delete(AppRuleRow).where(AppRuleRow.app_id == app_id))
            s.add_all(AppRuleRow(app_id=app_id, subject_kind=r.kind, subject=r.subject,
                                 right=r.right.label) for r in made)
            _changed(s)
            self._access.pop(app_id, None)
        return made

    def grant(self, app_id: str, kind: str, subject: str, right: str | Right) -> None:
        """Add (or change) one subject's right on the app."""
        current = self.access(app_id).rules
        self.set_rules(app_id, [*current, Rule(kind, subject, Right.parse(right))])

    def revoke_rule(self, app_id: str, kind: str, subject: str) -> bool:
        """Remove a subject's rule; whether there was one."""
        current = self.access(app_id).rules
        kept = [r for r in current if (r.kind, r.subject) != (kind, subject)]
        if len(kept) == len(current):
            return False
        self.set_rules(app_id, kept)
        return True

    def forget_app(self, app_id: str) -> None:
        """The app is deleted: its owner, rules, item (and its place in collections, its
        uses and views), script versions and reload tasks go with it (its reload history stays)."""
        with self._lock, Session(self.db) as s, s.begin():
            s.execute(delete(ReloadTaskRow).where(ReloadTaskRow.app_id == app_id))
            item_ids = list(s.scalars(select(ItemRow.id).where(
                ItemRow.resource_type == "app", ItemRow.resource_id == app_id)))
            uses, members = _collections.ItemUseRow, _collections.CollectionItemRow
            s.execute(delete(members).where(members.item_id.in_(item_ids)))
            s.execute(delete(uses).where(uses.resource_type == "app",
                                         uses.resource_id == app_id))
            views = _views.ItemViewRow
            s.execute(delete(views).where(views.resource_type == "app",
                                          views.resource_id == app_id))
            s.execute(delete(ItemRow).where(ItemRow.resource_type == "app",
                                            ItemRow.resource_id == app_id))
            s.execute(delete(ScriptRow).where(ScriptRow.app_id == app_id))
            s.execute(delete(AppRuleRow).where(AppRuleRow.app_id == app_id))
            s.execute(delete(AppAccessRow).where(AppAccessRow.app_id == app_id))
            _changed(s)
            self._access.pop(app_id, None)

    # -- API keys -------------------------------------------------------------------

    def create_api_key(self, user: Identity, expires: datetime | timedelta | None = None,
                       description: str = "") -> tuple[str, ApiKey]:
        """Make a key for ``user``: (the token, shown only now; the key as listed)."""
        now = datetime.now(UTC)
        if isinstance(expires, timedelta):
            expires = now + expires
        expires = _aware(expires)
        issued = keys.issue()  # associa_<id>_<secret> (auth/keys.py)
        row = ApiKeyRow(
            id=issued.key_id, user_id=user.user_id, user_directory=user.user_directory,
            name=user.name, email=user.email, groups=json.dumps(list(user.groups)),
            admin=user.admin, description=description, key_hash=issued.digest,
            created=now, expires=expires, revoked=None)
        with Session(self.db) as s, s.begin():
            s.add(row)
            key = self._key(row)
        return issued.key, key

    def verify_api_key(self, token: str, now: datetime | None = None) -> Identity | None:
        """The identity a token stands for, or None (malformed, unknown, wrong secret,
        expired or revoked: the caller cannot tell which)."""
        key_id = keys.key_id(token) if isinstance(token, str) else None
        if key_id is None:
            return None
        with Session(self.db) as s:
            row = s.get(ApiKeyRow, key_id)
            if row is None:
                keys.digest(token)  # the same work as for a known key
                return None
            key = self._key(row)
            stored = row.key_hash
        if not keys.verify(token, stored):
            return None
        if not key.valid_at(now or datetime.now(UTC)):
            return None
        return key.user

    def revoke_api_key(self, key_id: str) -> bool:
        """Revoke a key (it verifies no more); whether it existed and was live."""
        with Session(self.db) as s, s.begin():
            row = s.get(ApiKeyRow, key_id)
            if row is None or row.revoked is not None:
                return False
            row.revoked = datetime.now(UTC)
            return True

    def api_keys(self, user: Identity | None = None) -> list[ApiKey]:
        """The keys (of one user, or all), oldest first."""
        query = select(ApiKeyRow).order_by(ApiKeyRow.created, ApiKeyRow.id)
        if user is not None:
            query = query.where(ApiKeyRow.user_id == user.user_id,
                                ApiKeyRow.user_directory == user.user_directory)
        with Session(self.db) as s:
            return [self._key(r) for r in s.scalars(query)]

    @staticmethod
    def _key(row: ApiKeyRow) -> ApiKey:
        groups = json.loads(row.groups or "[]")
        user = Identity(user_id=row.user_id, user_directory=row.user_directory,
                        name=row.name, email=row.email,
                        groups=tuple(str(g) for g in groups), admin=bool(row.admin),
                        method="api-key")
        return ApiKey(row.id, user, row.description, _aware(row.created) or row.created,
                      _aware(row.expires), _aware(row.revoked))


# the directory's and the audit log's tables register on Base (migration 0003)
from associa.store import audits as _audits  # noqa: E402,F401
from associa.store import collections as _collections  # noqa: E402,F401
from associa.store import directory as _directory  # noqa: E402,F401
from associa.store import leases as _leases  # noqa: E402,F401
from associa.store import oauth as _oauth  # noqa: E402,F401
from associa.store import origins as _origins  # noqa: E402,F401
from associa.store import views as _views  # noqa: E402,F401
from associa.store import webhooks as _webhooks  # noqa: E402,F401
