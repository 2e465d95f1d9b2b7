"""Who may do what with an app: an identity and the app's owner and rules → its rights.

Pure: no storage and no protocol. The rules are kept by ``store/meta.py``; the QIX layer
(``qix/rights.py``) says which right each method needs and asks ``rights`` here.

The model (issue 11, point 6):

* Three rights, each including the ones before it: **consume** (open the app, select,
  read layouts, make session objects), **edit** (change the script, reload, save,
  create, change or destroy what the app keeps: objects, master items, variables,
  bookmarks, connections), **manage** (delete the app, change its owner and rules).
* An app has an owner (the identity that created it) and rules granting a right to a
  user (by user id, or ``DIRECTORY\\userid`` as Qlik writes users in Section Access) or
  to a group the identity belongs to.
* The owner, engine administrators (``Identity.admin``) and the identity of development
  mode (``ANONYMOUS``: authentication off) have every right.
* An app without an owner (made before owners were recorded, or in development mode) is
  open to everyone, as the engine without security is.
* An app in a space (Qlik Cloud's shared and managed spaces) also grants its rights to
  the space's members: the store turns their space roles into rules
  (``AppAccess.space``; ``store/directory.py`` maps the roles), weighed as the app's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from associa.errors import AppAccessDenied
from associa.identity import Identity


class Right(IntEnum):
    """A right on an app; a higher right includes the lower ones."""

    CONSUME = 1
    EDIT = 2
    MANAGE = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str | Right) -> Right:
        """``consume`` | ``edit`` | ``manage`` (any case) → the Right; ValueError else."""
        if isinstance(text, Right):
            return text
        try:
            return cls[str(text).strip().upper()]
        except KeyError:
            raise ValueError(f"unknown right {text!r}: consume, edit or manage") from None


SUBJECT_KINDS = ("user", "group")
NO_RIGHTS: frozenset[Right] = frozenset()
ALL_RIGHTS: frozenset[Right] = frozenset(Right)


@dataclass(frozen=True, slots=True)
class Owner:
    """The owner of an app: a user id in a user directory."""

    user_id: str
    user_directory: str = ""

    @classmethod
    def of(cls, identity: Identity) -> Owner:
        return cls(identity.user_id, identity.user_directory)

    def is_(self, identity: Identity) -> bool:
        return (self.user_id, self.user_directory) == (identity.user_id,
                                                      identity.user_directory)


@dataclass(frozen=True, slots=True)
class Rule:
    """A right granted on an app to a user or to a group."""

    kind: str  # "user" | "group"
    subject: str
    right: Right

    def __post_init__(self) -> None:
        if self.kind not in SUBJECT_KINDS:
            raise ValueError(f"unknown subject kind {self.kind!r}: user or group")
        if not isinstance(self.subject, str) or not self.subject:
            raise ValueError("a rule names its user or group")
        object.__setattr__(self, "right", Right.parse(self.right))

    def applies_to(self, identity: Identity) -> bool:
        if self.kind == "group":
            return self.subject in identity.groups
        return self.subject in (identity.user_id,
                                f"{identity.user_directory}\\{identity.user_id}")


@dataclass(frozen=True, slots=True)
class AppAccess:
    """What the store keeps about who may use one app."""

    owner: Owner | None = None
    rules: tuple[Rule, ...] = ()
    space: tuple[Rule, ...] = ()  # the rules of the space the app is in


OPEN = AppAccess()  # an app nobody owns: open to all


def unrestricted(identity: Identity) -> bool:
    """Whether the identity may do everything with every app (development mode, admins)."""
    return identity.anonymous or identity.admin


def rights(identity: Identity, access: AppAccess | None) -> frozenset[Right]:
    """The rights ``identity`` has on an app with ``access`` (None: nothing recorded)."""
    if unrestricted(identity) or access is None or access.owner is None:
        return ALL_RIGHTS
    if access.owner.is_(identity):
        return ALL_RIGHTS
    best = max((r.right for r in (*access.rules, *access.space) if r.applies_to(identity)),
               default=None)
    if best is None:
        return NO_RIGHTS
    return frozenset(r for r in Right if r <= best)


def allowed(identity: Identity, access: AppAccess | None, right: Right) -> bool:
    return right in rights(identity, access)


def check(identity: Identity, access: AppAccess | None, right: Right, app_id: str) -> None:
    """Raise ``AppAccessDenied`` unless ``identity`` has ``right`` on the app."""
    if not allowed(identity, access, right):
        raise AppAccessDenied(app_id)


def rules_from(items: Iterable[Rule | tuple[str, str, str | Right]]) -> tuple[Rule, ...]:
    """Rules from Rule objects or (kind, subject, right) triples; one rule per subject
    (the last given wins)."""
    out: dict[tuple[str, str], Rule] = {}
    for item in items:
        rule = item if isinstance(item, Rule) else Rule(item[0], item[1], Right.parse(item[2]))
        out[(rule.kind, rule.subject)] = rule
    return tuple(out.values())
