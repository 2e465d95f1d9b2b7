"""The right an operation needs on the app its path names, checked before the handler.

Rights are the socket's (``app/access.py``: consume, edit, manage; the owner, admins and
development mode have all). An operation row says which one it needs (``Operation.right``)
and the app is the ``{appId}`` of its path. A caller with no right at all on an app gets
404, as if the app did not exist (it is not in their item lists either, as GetDocList
leaves it out); one with a lower right than needed gets 403. A session app (never saved)
is not a REST resource: 404.
"""

from __future__ import annotations

from collections.abc import Callable

from associa.app.access import Right
from associa.engine import SESSION_APP_PREFIX, Engine
from associa.errors import AppAccessDenied, AssociaError
from associa.identity import Identity
from associa.rest.errors import NotFound

APP_PARAM = "appId"


def check_app(engine: Engine, identity: Identity, app_id: str, right: Right) -> None:
    if app_id.startswith(SESSION_APP_PREFIX) or not engine.store.exists(app_id):
        raise NotFound(f"No app {app_id}")
    rights = engine.rights(identity, app_id)
    if not rights:
        engine.audit("com.qlik.v1.access.denied", identity, "rest",
                     {"appId": app_id, "right": right.label})
        raise NotFound(f"No app {app_id}")
    if right not in rights:
        raise AppAccessDenied(app_id, f"The {right.label} right on the app is needed")


def check_app_of(engine: Engine, identity: Identity, app_id: str, right: Right,
                 missing: str) -> None:
    """``right`` on the app a record (a reload, a reload task) belongs to: a caller who
    cannot see the app cannot see the record either (404 with ``missing``); one who sees
    it without ``right`` gets 403."""
    try:
        check_app(engine, identity, app_id, Right.CONSUME)
    except NotFound:
        raise NotFound(missing) from None
    if right is not Right.CONSUME:
        check_app(engine, identity, app_id, right)


def app_filter(engine: Engine, identity: Identity) -> Callable[[str], bool]:
    """Whether the caller may see an app, asked once per app id (for filtering a list
    of records by the app they belong to)."""
    seen: dict[str, bool] = {}

    def may_see(app_id: str) -> bool:
        if app_id not in seen:
            try:
                check_app(engine, identity, app_id, Right.CONSUME)
                seen[app_id] = True
            except (NotFound, AssociaError):
                seen[app_id] = False
        return seen[app_id]

    return may_see
