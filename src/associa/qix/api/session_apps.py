"""Global.CreateSessionAppFromApp: a session app made from an app.

The OpenRPC text of the method (Qlik's engine API, 12.x): "Creates an empty session app
from a Qlik Sense app. The objects in the source app are copied into the session app
but contain no data. The script of the session app can be edited and reloaded." The
URL form is ``/app/SessionApp_<id>?from=<appId>`` (``qix.sessions``). The app belongs to
the session that made it, as every session app does.
"""

from __future__ import annotations

from typing import Any

from associa.engine import SESSION_APP_PREFIX
from associa.errors import AppAlreadyOpen, AppNotFound
from associa.qix.api.interfaces import doc_interface
from associa.qix.dispatch import method, p
from associa.qix.session import Call


@method("Global", "CreateSessionAppFromApp", p("qSrcAppId", "str"),
        out=("qSessionAppId", "qReturn"))
def create_session_app_from_app(call: Call, qSrcAppId: str) -> dict[str, Any]:
    session = call.session
    if session.doc is not None:  # one doc per session, as for OpenDoc
        raise AppAlreadyOpen(session.doc.app.id)
    if qSrcAppId.startswith(SESSION_APP_PREFIX):  # only a saved app is a template
        raise AppNotFound("Could not find app")
    app = session.engine.session_app_from(qSrcAppId)
    session.session_apps[app.id] = app
    entry = session.open_doc(app)
    session.mark_changed([entry.handle])
    return {"qReturn": doc_interface(entry), "qSessionAppId": app.id}
