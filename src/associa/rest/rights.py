"""The right an operation needs on the app its path names, checked before the handler.

Rights are the socket's (``app/access.py``: consume, edit, manage; the owner, admins and
development mode have all). An operation row says which one it needs (``Operation.right``)
and the app is the ``{appId}`` of its path. A caller with no right at all on an app gets
404, as if the app did not exist (it is not in their item lists either, as GetDocList
leaves it out); one with a lower right than needed gets 403. A session app (never saved)
is not a REST resource: 404.
"""

from __future__ import annotations

from associa.app.access import Right
from associa.engine import SESSION_APP_PREFIX, Engine
from associa.errors import AppAccessDenied
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
