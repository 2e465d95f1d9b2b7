"""HTTP downloads of the files ExportData wrote: ``GET /tempcontent/<token>/<name>``.

The checks are the export registry's (``qix/api/export.py``): the token must be one a
live session was given, the name its file's, and the request may name no other session
(``X-Qlik-Session`` header or cookie; a session keyed by that header must send it). A
file exported with ``qServeOnce`` is deleted once its response has been sent.
"""

from __future__ import annotations

from urllib.parse import unquote

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from associa.qix.api.export import EXPORTS, Refused, remove

SESSION_HEADER = "x-qlik-session"


def session_ids(request: Request) -> set[str]:
    """The session names a request carries (its header and its cookie)."""
    found = {request.headers.get(SESSION_HEADER), request.cookies.get("X-Qlik-Session")}
    return {value for value in found if value}


async def exported_file(request: Request) -> Response:
    token = request.path_params["token"]
    name = unquote(request.path_params["name"])
    try:
        item = EXPORTS.claim(token, name, session_ids(request))
    except Refused as refused:
        text = "Forbidden" if refused.status == 403 else "Not Found"
        return PlainTextResponse(text, status_code=refused.status)
    return FileResponse(
        item.path,
        media_type=item.media_type,
        filename=item.name,
        background=BackgroundTask(remove, item) if item.serve_once else None,
    )
