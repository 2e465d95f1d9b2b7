"""The tenant's directory in the metadata database: users, groups, spaces and their
members (migration 0003).

* ``users``: the people Qlik Cloud's users API lists. ``subject`` ties a row to the
  identities that authenticate (``Identity.user_id``, as JWTs and API keys name it);
  ``roles`` and ``groups`` are JSON lists (role names of ``rest/roles.py``, group ids).
* ``groups``: named groups; an identity's groups (from its token) are matched by name.
* ``spaces``: shared, managed or data spaces with an owner; an app is in a space when its
  item's ``space_id`` says so (``store/items.py``).
* ``space_assignments``: a user or group and the space roles it holds there. The right
  those roles give on the space's apps is ``space_right`` (the mapping is data, from
  https://qlik.dev/manage/access-control/space-roles and the shared-space permission
  tables of https://help.qlik.com/en-US/cloud-services/Content/Sense_Hub/Spaces/
  permissions-shared-space-prof-full.htm: *Can view* views apps, *Can edit* and *Can edit
  data in applications* edit them, *Can manage* and the space owner delete and move
  them; a managed space's apps are published and read-only to everyone but managers).

The rows register on ``store/meta.py``'s ``Base`` (``meta.py`` imports this module) so
that the migration check there covers them.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from associa.app.access import Right, Rule
from associa.store.meta import Base, _aware

SPACE_TYPES = ("shared", "managed", "data")
ADMIN_ROLE = "TenantAdmin"  # the tenant role that makes its holder an administrator
# the roles a space of each type takes (https://qlik.dev/manage/access-control/space-roles)
SPACE_ROLES: dict[str, tuple[str, ...]] = {
    "shared": ("consumer", "dataconsumer", "facilitator", "producer", "codeveloper"),
    "managed": ("consumer", "contributor", "dataconsumer", "facilitator", "operator",
                "publisher", "basicconsumer"),
    "data": ("consumer", "dataconsumer", "facilitator", "operator", "producer",
             "publisher", "datapreview"),
}
# the right a role gives on the space's apps (dataconsumer and datapreview: none)
ROLE_RIGHTS: dict[str, Right] = {
    "consumer": Right.CONSUME, "basicconsumer": Right.CONSUME,
    "contributor": Right.CONSUME, "operator": Right.CONSUME, "publisher": Right.CONSUME,
    "producer": Right.EDIT, "codeveloper": Right.EDIT,
    "facilitator": Right.MANAGE,
}


def new_id() -> str:
    return secrets.token_hex(12)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(512), unique=True)
    name: Mapped[str] = mapped_column(String(512), default="")
    email: Mapped[str] = mapped_column(String(512), default="")
    status: Mapped[str] = mapped_column(String(32), default="active")
    roles: Mapped[str] = mapped_column(Text, default="[]")
    groups: Mapped[str] = mapped_column(Text, default="[]")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GroupRow(Base):
    __tablename__ = "groups"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(512), unique=True)
    status: Mapped[str] = mapped_column(String(32), default="active")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SpaceRow(Base):
    __tablename__ = "spaces"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256), unique=True)
    type: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[str] = mapped_column(String(512))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AssignmentRow(Base):
    __tablename__ = "space_assignments"
    __table_args__ = (
        UniqueConstraint("space_id", "type", "assignee_id", name="uq_space_assignee"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    space_id: Mapped[str] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(16))  # user | group
    assignee_id: Mapped[str] = mapped_column(String(512))
    roles: Mapped[str] = mapped_column(Text, default="[]")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True, slots=True)
class User:
    id: str
    subject: str
    name: str = ""
    email: str = ""
    status: str = "active"
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: str
    status: str
    created: datetime


@dataclass(frozen=True, slots=True)
class Space:
    id: str
    name: str
    type: str
    description: str
    owner_id: str
    created: datetime
    updated: datetime


@dataclass(frozen=True, slots=True)
class Assignment:
    id: str
    space_id: str
    type: str
    assignee_id: str
    roles: tuple[str, ...]
    created: datetime


def _user(row: UserRow) -> User:
    return User(row.id, row.subject, row.name, row.email, row.status,
                tuple(json.loads(row.roles or "[]")), tuple(json.loads(row.groups or "[]")),
                _aware(row.created) or row.created, _aware(row.updated) or row.updated)


def _space(row: SpaceRow) -> Space:
    return Space(row.id, row.name, row.type, row.description, row.owner_id,
                 _aware(row.created) or row.created, _aware(row.updated) or row.updated)


def _assignment(row: AssignmentRow) -> Assignment:
    return Assignment(row.id, row.space_id, row.type, row.assignee_id,
                      tuple(json.loads(row.roles or "[]")), _aware(row.created) or row.created)


def space_right(roles: Sequence[str]) -> Right | None:
    """The highest right the roles give on a space's apps (None: none)."""
    return max((ROLE_RIGHTS[r] for r in roles if r in ROLE_RIGHTS), default=None)


class Directory:
    """Users, groups, spaces and space assignments over the metadata database."""

    def __init__(self, db: Engine) -> None:
        self.db = db

    # -- users ----------------------------------------------------------------------

    def users(self) -> list[User]:
        with Session(self.db) as s:
            return [_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.created,
                                                                         UserRow.id))]

    def user(self, user_id: str) -> User | None:
        with Session(self.db) as s:
            row = s.get(UserRow, user_id)
            return _user(row) if row is not None else None

    def user_by_subject(self, subject: str) -> User | None:
        with Session(self.db) as s:
            row = s.scalar(select(UserRow).where(UserRow.subject == subject))
            return _user(row) if row is not None else None

    def tenant_admin(self, subjects: Sequence[str]) -> bool:
        """Whether an active user with one of ``subjects`` holds the TenantAdmin role
        (given through ``/users``' ``assignedRoles``)."""
        with Session(self.db) as s:
            rows = s.scalars(select(UserRow).where(UserRow.subject.in_(list(subjects))))
            return any(r.status == "active" and ADMIN_ROLE in json.loads(r.roles or "[]")
                       for r in rows)

    def add_user(self, subject: str, name: str = "", email: str = "",
                 roles: Sequence[str] = (), groups: Sequence[str] = (),
                 status: str = "active") -> User | None:
        """A new user; None when one with the subject exists already."""
        now = datetime.now(UTC)
        with Session(self.db) as s, s.begin():
            if s.scalar(select(UserRow.id).where(UserRow.subject == subject)) is not None:
                return None
            row = UserRow(id=new_id(), subject=subject, name=name, email=email,
                          status=status, roles=json.dumps(list(roles)),
                          groups=json.dumps(list(groups)), created=now, updated=now)
            s.add(row)
            s.flush()
            return _user(row)

    def update_user(self, user_id: str, **changes: Any) -> User | None:
        """Change ``name``, ``email``, ``status``, ``roles`` or ``groups``."""
        with Session(self.db) as s, s.begin():
            row = s.get(UserRow, user_id)
            if row is None:
                return None
            for key, value in changes.items():
                setattr(row, key, json.dumps(list(value)) if key in ("roles", "groups")
                        else value)
            row.updated = datetime.now(UTC)
            s.flush()
            return _user(row)

    def remove_user(self, user_id: str) -> bool:
        with Session(self.db) as s, s.begin():
            row = s.get(UserRow, user_id)
            if row is None:
                return False
            s.execute(delete(AssignmentRow).where(AssignmentRow.type == "user",
                                                  AssignmentRow.assignee_id == user_id))
            s.delete(row)
            return True

    # -- groups ---------------------------------------------------------------------

    def groups(self) -> list[Group]:
        with Session(self.db) as s:
            return [Group(r.id, r.name, r.status, _aware(r.created) or r.created)
                    for r in s.scalars(select(GroupRow).order_by(GroupRow.name))]

    def group(self, group_id: str) -> Group | None:
        return next((g for g in self.groups() if g.id == group_id), None)

    def add_group(self, name: str) -> Group | None:
        now = datetime.now(UTC)
        with Session(self.db) as s, s.begin():
            if s.scalar(select(GroupRow.id).where(GroupRow.name == name)) is not None:
                return None
            row = GroupRow(id=new_id(), name=name, status="active", created=now)
            s.add(row)
            return Group(row.id, name, "active", now)

    def remove_group(self, group_id: str) -> bool:
        with Session(self.db) as s, s.begin():
            row = s.get(GroupRow, group_id)
            if row is None:
                return False
            s.execute(delete(AssignmentRow).where(AssignmentRow.type == "group",
                                                  AssignmentRow.assignee_id == group_id))
            s.delete(row)
            return True

    # -- spaces ---------------------------------------------------------------------

    def spaces(self) -> list[Space]:
        with Session(self.db) as s:
            return [_space(r) for r in s.scalars(select(SpaceRow).order_by(SpaceRow.created,
                                                                           SpaceRow.id))]

    def space(self, space_id: str) -> Space | None:
        with Session(self.db) as s:
            row = s.get(SpaceRow, space_id)
            return _space(row) if row is not None else None

    def add_space(self, name: str, type_: str, owner_id: str,
                  description: str = "") -> Space | None:
        """A new space; None when the name is taken (space names are unique)."""
        now = datetime.now(UTC)
        with Session(self.db) as s, s.begin():
            if s.scalar(select(SpaceRow.id).where(SpaceRow.name == name)) is not None:
                return None
            row = SpaceRow(id=new_id(), name=name, type=type_, description=description,
                           owner_id=owner_id, created=now, updated=now)
            s.add(row)
            s.flush()
            return _space(row)

    def update_space(self, space_id: str, **changes: Any) -> Space | None:
        with Session(self.db) as s, s.begin():
            row = s.get(SpaceRow, space_id)
            if row is None:
                return None
            for key, value in changes.items():
                setattr(row, key, value)
            row.updated = datetime.now(UTC)
            s.flush()
            return _space(row)

    def remove_space(self, space_id: str) -> bool:
        with Session(self.db) as s, s.begin():
            row = s.get(SpaceRow, space_id)
            if row is None:
                return False
            s.execute(delete(AssignmentRow).where(AssignmentRow.space_id == space_id))
            s.delete(row)
            return True

    # -- assignments ----------------------------------------------------------------

    def assignments(self, space_id: str) -> list[Assignment]:
        with Session(self.db) as s:
            rows = s.scalars(select(AssignmentRow).where(AssignmentRow.space_id == space_id)
                             .order_by(AssignmentRow.created, AssignmentRow.id))
            return [_assignment(r) for r in rows]

    def assign(self, space_id: str, type_: str, assignee_id: str,
               roles: Sequence[str]) -> Assignment | None:
        """A new assignment; None when the assignee has one in the space already."""
        now = datetime.now(UTC)
        with Session(self.db) as s, s.begin():
            taken = s.scalar(select(AssignmentRow.id).where(
                AssignmentRow.space_id == space_id, AssignmentRow.type == type_,
                AssignmentRow.assignee_id == assignee_id))
            if taken is not None:
                return None
            row = AssignmentRow(id=new_id(), space_id=space_id, type=type_,
                                assignee_id=assignee_id, roles=json.dumps(list(roles)),
                                created=now)
            s.add(row)
            s.flush()
            return _assignment(row)

    def reassign(self, space_id: str, assignment_id: str,
                 roles: Sequence[str]) -> Assignment | None:
        with Session(self.db) as s, s.begin():
            row = s.get(AssignmentRow, assignment_id)
            if row is None or row.space_id != space_id:
                return None
            row.roles = json.dumps(list(roles))
            s.flush()
            return _assignment(row)

    def unassign(self, space_id: str, assignment_id: str) -> bool:
        with Session(self.db) as s, s.begin():
            row = s.get(AssignmentRow, assignment_id)
            if row is None or row.space_id != space_id:
                return False
            s.delete(row)
            return True

    def space_rules(self, space_id: str) -> tuple[Rule, ...]:
        """The space's members as app rules: the owner manages, each assignment gives
        the right of its roles (a user by subject, a group by name)."""
        space = self.space(space_id)
        if space is None:
            return ()
        rules = [Rule("user", space.owner_id, Right.MANAGE)]
        with Session(self.db) as s:
            for a in self.assignments(space_id):
                right = space_right(a.roles)
                if right is None:
                    continue
                if a.type == "user":
                    row = s.get(UserRow, a.assignee_id)
                    subject = row.subject if row is not None else a.assignee_id
                    rules.append(Rule("user", subject, right))
                else:
                    group = s.get(GroupRow, a.assignee_id)
                    rules.append(Rule("group", group.name if group else a.assignee_id,
                                      right))
        return tuple(rules)
