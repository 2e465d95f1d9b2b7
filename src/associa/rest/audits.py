"""``/audits``: the audit log (https://qlik.dev/apis/rest/audits/), read by administrators.

Events are recorded by ``Engine.audit`` (``store/audits.py``): every REST request that
changes something and succeeds (``com.qlik.v1.<resource>.created|updated|deleted``, by
``rest/operations.py``), every REST request refused for want of a credential or a right
(``com.qlik.v1.access.denied``), and every refusal of the engine's own access checks
(the QIX socket; source ``qix``). Filters: ``eventType``, ``userId``, ``eventTime`` (an
interval ``<from>/<to>`` of ISO 8601 times, either side may be empty), ``sort``
(``±eventTime``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from associa.rest.apps import iso
from associa.rest.errors import BadRequest, NotFound
from associa.rest.models import TENANT_ID, Href, Links, SelfLink, Shape
from associa.rest.operations import Call, Operation
from associa.rest.paging import PageQuery, paginate
from associa.rest.users import require_admin
from associa.store.audits import Audit, AuditFilter, AuditLog


class AuditsQuery(PageQuery):
    eventType: str | None = None
    userId: str | None = None
    eventTime: str | None = None
    sort: Literal["-eventTime", "+eventTime"] = "-eventTime"


class AuditEntry(Shape):
    id: str
    eventId: str
    eventType: str
    eventTypeVersion: str = "1.0"
    eventTime: str
    source: str
    userId: str
    tenantId: str
    contentType: str = "application/json"
    data: dict[str, Any]
    links: SelfLink


class AuditsList(Shape):
    data: list[AuditEntry]
    links: Links


def entry(call: Call, audit: Audit) -> AuditEntry:
    return AuditEntry(id=audit.id, eventId=audit.id, eventType=audit.event_type,
                      eventTime=iso(audit.event_time) or "", source=audit.source,
                      userId=audit.user_id, tenantId=TENANT_ID, data=audit.data,
                      links=SelfLink(self=Href(href=call.url(f"/audits/{audit.id}"))))


def _time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{text!r} is not an ISO 8601 time", parameter="eventTime") from None
    if when.tzinfo is None:
        raise BadRequest("eventTime needs a time zone (Z)", parameter="eventTime")
    return when


def list_audits(call: Call) -> AuditsList:
    require_admin(call.identity, "read the audit log")
    q: AuditsQuery = call.query
    since = until = None
    if q.eventTime:
        start, _, end = q.eventTime.partition("/")
        since, until = _time(start), _time(end)
    found = AuditLog(call.engine.meta.db).find(
        AuditFilter(q.eventType or "", q.userId or "", since, until),
        newest_first=q.sort == "-eventTime")
    page, links = paginate(call.request, found, q.limit, q.next, q.prev)
    return AuditsList(data=[entry(call, a) for a in page], links=links)


def get_audit(call: Call) -> AuditEntry:
    require_admin(call.identity, "read the audit log")
    audit = AuditLog(call.engine.meta.db).get(call.path["auditId"])
    if audit is None:
        raise NotFound(f"No audit event {call.path['auditId']}")
    return entry(call, audit)


OPERATIONS = [
    Operation("GET", "/audits", list_audits, "Audit events (administrators)", "audits",
              query=AuditsQuery, response=AuditsList),
    Operation("GET", "/audits/{auditId}", get_audit, "One audit event", "audits",
              response=AuditEntry),
]
