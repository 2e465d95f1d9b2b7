"""``/reloads``: queue a reload of an app, follow it, list them, cancel one.

Shapes are Qlik Cloud's reloads API (@qlik/api ``reloads``; https://qlik.dev/apis/rest/reloads/):
``POST /reloads`` takes ``{appId, partial?, variables?, weight?}`` and answers 201 with
the ``Reload`` queued; ``GET /reloads/{reloadId}`` shows its ``status`` (QUEUED →
RELOADING → SUCCEEDED / FAILED / CANCELED) and ``log``; ``GET /reloads`` pages them
newest first (filters ``appId``, ``partial``); ``POST /reloads/{reloadId}/actions/cancel``
answers 202 with the status it left the reload in. ``POST /reloads`` answers 429 when a
reload of the app is already pending ("a pending reload request already exists for this
app"), and counts against the special rate tier.

Rights are the socket's: queueing or cancelling a reload needs the *edit* right on the
app (the apps API's ``reload`` privilege), seeing one *consume*; a reload of an app the
caller may not see is a 404, as the app is. The queue and its workers are
``rest/reloadqueue.py``; the history is ``store/reloads.py``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from associa.app.access import Right
from associa.rest.apps import iso
from associa.rest.errors import NotFound
from associa.rest.models import TENANT_ID, Href, Links, Shape, Strict
from associa.rest.operations import Call, Operation, Reply
from associa.rest.paging import MAX_LIMIT, paginate
from associa.rest.ratelimit import Tier
from associa.rest.reloadqueue import ReloadQueue
from associa.rest.rights import app_filter, check_app, check_app_of
from associa.store.reloads import Reload as ReloadRecord

Status = Literal["QUEUED", "RELOADING", "CANCELING", "SUCCEEDED", "FAILED", "CANCELED",
                 "EXCEEDED_LIMIT"]


class ReloadRequest(Strict):
    appId: str = Field(min_length=1, max_length=512)
    partial: bool = False
    variables: dict[str, str] | None = None
    weight: int | None = Field(default=None, ge=0, le=100)  # accepted; one queue here
    resourceType: Literal["api", "reload-tasks", "tasks", "automate"] | None = None
    resourceId: str | None = None


class ByAppQuery(Shape):
    """The query of GET /reloads and GET /reload-tasks."""

    appId: str | None = None
    partial: bool | None = None
    limit: int = Field(default=10, ge=1, le=MAX_LIMIT)
    next: str | None = None
    prev: str | None = None


class ReloadLinks(Shape):
    self: Href


class Reload(Shape):
    id: str
    appId: str
    tenantId: str
    userId: str
    type: str
    status: Status
    partial: bool
    log: str
    creationTime: str
    startTime: str | None = None
    endTime: str | None = None
    engineTime: str | None = None
    errorCode: str | None = None
    errorMessage: str | None = None
    links: ReloadLinks


class Reloads(Shape):
    data: list[Reload]
    links: Links


class ReloadStatus(Shape):
    status: Status


def queue(call: Call) -> ReloadQueue:
    return call.state.reloads


def shown(call: Call, r: ReloadRecord) -> Reload:
    return Reload(
        id=r.id, appId=r.app_id, tenantId=TENANT_ID, userId=r.user_id, type=r.type,
        status=r.status,  # type: ignore[arg-type]
        partial=r.partial, log=r.log, creationTime=iso(r.created) or "",
        startTime=iso(r.started), endTime=iso(r.ended), engineTime=iso(r.started),
        errorCode=r.error_code or None, errorMessage=r.error_message or None,
        links=ReloadLinks(self=Href(href=call.url(f"/reloads/{r.id}"))))


def visible(call: Call, reload_id: str, right: Right) -> ReloadRecord:
    """The reload, if the caller has ``right`` on its app (404 when they cannot see it)."""
    found = queue(call).store.get(reload_id)
    if found is None:
        raise NotFound(f"No reload {reload_id}")
    check_app_of(call.engine, call.identity, found.app_id, right, f"No reload {reload_id}")
    return found


def queue_reload(call: Call) -> Reply:
    body: ReloadRequest = call.body
    check_app(call.engine, call.identity, body.appId, Right.EDIT)
    me = call.identity
    made = queue(call).submit(body.appId, me.user_id, me.user_directory,
                              partial=body.partial, variables=body.variables,
                              groups=me.groups)
    return Reply(shown(call, made), status=201)


def get_reload(call: Call) -> Reload:
    return shown(call, visible(call, call.path["reloadId"], Right.CONSUME))


def get_reloads(call: Call) -> Reloads:
    q: ByAppQuery = call.query
    found = queue(call).store.find(app_id=q.appId or "", partial=q.partial)
    may_see = app_filter(call.engine, call.identity)
    seen = [r for r in found if may_see(r.app_id)]
    page, links = paginate(call.request, seen, q.limit, q.next, q.prev)
    return Reloads(data=[shown(call, r) for r in page], links=links)


def cancel_reload(call: Call) -> ReloadStatus:
    reload_id = call.path["reloadId"]
    visible(call, reload_id, Right.EDIT)
    return ReloadStatus(status=queue(call).cancel(reload_id).status)  # type: ignore[arg-type]


OPERATIONS = [
    Operation("POST", "/reloads", queue_reload, "Queue a reload of an app", "reloads",
              tier=Tier.SPECIAL, body=ReloadRequest, response=Reload, status=201),
    Operation("GET", "/reloads", get_reloads, "The reloads the caller may see, newest first",
              "reloads", query=ByAppQuery, response=Reloads),
    Operation("GET", "/reloads/{reloadId}", get_reload, "One reload, with its log",
              "reloads", response=Reload),
    Operation("POST", "/reloads/{reloadId}/actions/cancel", cancel_reload,
              "Cancel a queued or running reload", "reloads", tier=Tier.TIER2,
              response=ReloadStatus, status=202),
]
