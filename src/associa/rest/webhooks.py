"""``/webhooks``: HTTP callbacks on app and reload events (https://qlik.dev/apis/rest/webhooks/).

Administrators register a URL, the event types it wants and an optional secret. When an
event happens (an operation of ``EVENTS`` succeeds, or a module calls
``Dispatcher.emit``: reloads emit ``com.qlik.v1.reload.finished``), every enabled webhook
subscribed to it gets a POST of the event as JSON (CloudEvents-style fields, as Qlik
sends) in a worker thread, signed with the secret: ``qlik-signature`` is the hex
HMAC-SHA256 of the body (a receiver recomputes it to trust the call). A delivery that
fails (no connection, a 5xx or 429 answer) is tried again after ``RETRY_DELAYS``; each
delivery, its attempts and last status are logged (``/webhooks/{id}/deliveries``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import Field, field_validator
from starlette.requests import Request
from starlette.responses import Response

from associa.engine import Engine
from associa.logs import event
from associa.rest.apps import iso
from associa.rest.errors import NotFound
from associa.rest.models import TENANT_ID, Href, Links, SelfLink, Shape, Strict
from associa.rest.operations import Call, Operation, Reply
from associa.rest.paging import PageQuery, paginate
from associa.rest.ratelimit import Tier
from associa.rest.users import require_admin
from associa.store.webhooks import Delivery, Webhook, Webhooks

log = logging.getLogger("associa.rest")

EVENT_TYPES: dict[str, str] = {
    "com.qlik.v1.app.created": "An app was created, copied or imported",
    "com.qlik.v1.app.updated": "An app's attributes or owner changed",
    "com.qlik.v1.app.deleted": "An app was deleted",
    "com.qlik.v1.app.published": "An app was published into a space",
    "com.qlik.v1.app.exported": "An app was exported",
    "com.qlik.v1.reload.finished": "A reload ended (succeeded, failed or canceled)",
}
# operation (handler name) → the event its success is
EVENTS: dict[str, str] = {
    "create_app": "com.qlik.v1.app.created", "copy_app": "com.qlik.v1.app.created",
    "import_app": "com.qlik.v1.app.created", "update_app": "com.qlik.v1.app.updated",
    "update_owner": "com.qlik.v1.app.updated", "delete_app": "com.qlik.v1.app.deleted",
    "publish_app": "com.qlik.v1.app.published", "export_app": "com.qlik.v1.app.exported",
}
RETRY_DELAYS: tuple[float, ...] = (1.0, 5.0)  # seconds before the 2nd and 3rd attempts
TIMEOUT = 10.0


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Dispatcher:
    """Sends the events of one engine to its webhooks, in worker threads."""

    def __init__(self, engine: Engine, workers: int = 4) -> None:
        self.engine = engine
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook")
        self.retry_delays = RETRY_DELAYS
        self._stopped = threading.Event()

    def stop(self) -> None:
        """Stop delivering: queued deliveries are dropped, one waiting to be tried again
        gives up, one being sent ends (within ``TIMEOUT``) and logs its attempt; on
        return no delivery touches the engine (whose metadata database may be closed
        next)."""
        self._stopped.set()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def store(self) -> Webhooks:
        return Webhooks(self.engine.meta.db)

    def emit(self, event_type: str, data: dict[str, Any], user_id: str = "") -> int:
        """Queue a delivery of the event to each subscribed webhook; how many."""
        if self._stopped.is_set() or not self.engine.meta_in_use():
            return 0
        hooks = self.store().subscribed(event_type)
        for hook in hooks:
            payload = json.dumps({
                "cloudEventsVersion": "0.1", "source": "com.qlik/associa",
                "contentType": "application/json", "eventId": secrets.token_hex(12),
                "eventTime": iso(datetime.now(UTC)), "eventType": event_type,
                "eventTypeVersion": "1.0.0", "tenantId": TENANT_ID, "userId": user_id,
                "data": data})
            ident = self.store().start_delivery(hook.id, event_type, payload)
            self.queue(hook, ident, payload)
        return len(hooks)

    def queue(self, hook: Webhook, ident: str, payload: str) -> None:
        """Deliver in a worker thread (nothing once the dispatcher stopped)."""
        try:
            self.pool.submit(self.deliver, hook, ident, payload)
        except RuntimeError:  # stopped meanwhile: the pool takes no more work
            pass

    def deliver(self, hook: Webhook, ident: str, payload: str) -> None:
        body = payload.encode()
        headers = {"Content-Type": "application/json", "User-Agent": "associa-webhooks"}
        if hook.secret:
            headers["qlik-signature"] = sign(hook.secret, body)
        for attempt in range(len(self.retry_delays) + 1):
            if attempt and self._stopped.wait(self.retry_delays[attempt - 1]):
                return  # the engine stops: the delivery stays as its last attempt left it
            try:
                answer = httpx.post(hook.url, content=body, headers=headers, timeout=TIMEOUT)
            except httpx.HTTPError as exc:
                self.store().log_attempt(ident, "failed", 0, repr(exc))
                continue
            ok = answer.status_code < 300
            self.store().log_attempt(ident, "success" if ok else "failed",
                                     answer.status_code, answer.text)
            if ok or not (answer.status_code >= 500 or answer.status_code == 429):
                return
        event(log, logging.WARNING, "webhook delivery failed", webhook=hook.id, delivery=ident)

    async def on_change(self, op: Operation, request: Request, response: Response) -> None:
        """The REST hook (``rest/operations.py``): an operation of ``EVENTS`` succeeded."""
        event_type = EVENTS.get(op.name)
        if event_type is None:
            return
        app_id = request.path_params.get("appId")
        if app_id is None or op.name in ("copy_app", "publish_app"):
            try:
                app_id = json.loads(bytes(response.body))["attributes"]["id"]
            except (ValueError, KeyError, TypeError):
                pass
        identity = getattr(request.state, "identity", None)
        import anyio

        await anyio.to_thread.run_sync(self.emit, event_type, {"id": app_id},
                                       identity.user_id if identity else "")

    def reload_finished(self, reload_id: str, app_id: str, values: dict[str, object]) -> None:
        """The reload queue's listener (``rest/reloadqueue.py``): a reload ended, whatever
        its status (``com.qlik.v1.reload.finished``, as Qlik Cloud sends it)."""
        self.emit("com.qlik.v1.reload.finished",
                  {"id": reload_id, "appId": app_id, "status": values.get("status")})


# -- the resource ---------------------------------------------------------------------


def check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("url is an http or https URL")
    return value


class WebhookBody(Strict):
    name: str = Field(min_length=1, max_length=256, pattern=r"\S")
    url: str = Field(min_length=1, max_length=2048)
    eventTypes: list[str] = Field(min_length=1)
    secret: str | None = Field(default=None, max_length=512)
    enabled: bool = True
    description: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url(value)

    @field_validator("eventTypes")
    @classmethod
    def _types(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"unknown event types {unknown}: see /webhooks/event-types")
        return list(dict.fromkeys(value))


class WebhookEntry(Shape):
    id: str
    name: str
    url: str
    eventTypes: list[str]
    enabled: bool
    hasSecret: bool
    ownerId: str
    createdByUserId: str
    tenantId: str
    createdAt: str
    updatedAt: str
    links: SelfLink


class WebhooksList(Shape):
    data: list[WebhookEntry]
    links: Links


class DeliveryEntry(Shape):
    id: str
    webhookId: str
    eventType: str
    status: Literal["pending", "success", "failed"]
    statusCode: int
    attempts: int
    triggeredAt: str
    request: dict[str, Any]
    response: str
    links: SelfLink


class DeliveriesList(Shape):
    data: list[DeliveryEntry]
    links: Links


class EventType(Shape):
    name: str
    title: str


class EventTypesList(Shape):
    data: list[EventType]


def dispatcher(call: Call) -> Dispatcher:
    return call.state.webhooks


def entry(call: Call, w: Webhook) -> WebhookEntry:
    return WebhookEntry(id=w.id, name=w.name, url=w.url, eventTypes=list(w.event_types),
                        enabled=w.enabled, hasSecret=bool(w.secret), ownerId=w.owner_id,
                        createdByUserId=w.owner_id, tenantId=TENANT_ID,
                        createdAt=iso(w.created) or "", updatedAt=iso(w.updated) or "",
                        links=SelfLink(self=Href(href=call.url(f"/webhooks/{w.id}"))))


def delivery_entry(call: Call, d: Delivery) -> DeliveryEntry:
    return DeliveryEntry(
        id=d.id, webhookId=d.webhook_id, eventType=d.event_type,
        status=d.status,  # type: ignore[arg-type]
        statusCode=d.status_code, attempts=d.attempts, triggeredAt=iso(d.triggered) or "",
        request=json.loads(d.payload), response=d.response,
        links=SelfLink(self=Href(href=call.url(
            f"/webhooks/{d.webhook_id}/deliveries/{d.id}"))))


def _hook(call: Call) -> Webhook:
    require_admin(call.identity, "manage webhooks")
    hook = Webhooks(call.engine.meta.db).get(call.path["webhookId"])
    if hook is None:
        raise NotFound(f"No webhook {call.path['webhookId']}")
    return hook


def list_webhooks(call: Call) -> WebhooksList:
    require_admin(call.identity, "manage webhooks")
    q: PageQuery = call.query
    page, links = paginate(call.request, Webhooks(call.engine.meta.db).all(), q.limit,
                           q.next, q.prev)
    return WebhooksList(data=[entry(call, w) for w in page], links=links)


def create_webhook(call: Call) -> Reply:
    require_admin(call.identity, "manage webhooks")
    b: WebhookBody = call.body
    made = Webhooks(call.engine.meta.db).add(b.name, b.url, b.eventTypes, b.secret or "",
                                             b.enabled, call.identity.user_id)
    return Reply(entry(call, made), status=201)


def get_webhook(call: Call) -> WebhookEntry:
    return entry(call, _hook(call))


def update_webhook(call: Call) -> WebhookEntry:
    hook = _hook(call)
    b: WebhookBody = call.body
    changes: dict[str, Any] = {"name": b.name, "url": b.url, "event_types": b.eventTypes,
                               "enabled": b.enabled}
    if b.secret is not None:
        changes["secret"] = b.secret
    done = Webhooks(call.engine.meta.db).update(hook.id, **changes)
    assert done is not None
    return entry(call, done)


def delete_webhook(call: Call) -> Reply:
    Webhooks(call.engine.meta.db).remove(_hook(call).id)
    return Reply(status=204)


def list_deliveries(call: Call) -> DeliveriesList:
    hook = _hook(call)
    q: PageQuery = call.query
    page, links = paginate(call.request, Webhooks(call.engine.meta.db).deliveries(hook.id),
                           q.limit, q.next, q.prev)
    return DeliveriesList(data=[delivery_entry(call, d) for d in page], links=links)


def _delivery(call: Call) -> tuple[Webhook, Delivery]:
    hook = _hook(call)
    found = Webhooks(call.engine.meta.db).delivery(hook.id, call.path["deliveryId"])
    if found is None:
        raise NotFound(f"No delivery {call.path['deliveryId']}")
    return hook, found


def get_delivery(call: Call) -> DeliveryEntry:
    return delivery_entry(call, _delivery(call)[1])


def resend_delivery(call: Call) -> Reply:
    hook, old = _delivery(call)
    store = Webhooks(call.engine.meta.db)
    ident = store.start_delivery(hook.id, old.event_type, old.payload)
    dispatcher(call).queue(hook, ident, old.payload)
    made = store.delivery(hook.id, ident)
    assert made is not None
    return Reply(delivery_entry(call, made), status=201)


def event_types(call: Call) -> EventTypesList:
    return EventTypesList(data=[EventType(name=n, title=t) for n, t in EVENT_TYPES.items()])


HOOK = "/webhooks/{webhookId}"
DELIVERY = HOOK + "/deliveries/{deliveryId}"
OPERATIONS = [
    Operation("GET", "/webhooks/event-types", event_types, "The event types", "webhooks",
              response=EventTypesList),
    Operation("GET", "/webhooks", list_webhooks, "The webhooks (administrators)",
              "webhooks", query=PageQuery, response=WebhooksList),
    Operation("POST", "/webhooks", create_webhook, "Create a webhook", "webhooks",
              tier=Tier.TIER2, body=WebhookBody, response=WebhookEntry, status=201),
    Operation("GET", HOOK, get_webhook, "One webhook", "webhooks", response=WebhookEntry),
    Operation("PUT", HOOK, update_webhook, "Change a webhook", "webhooks", tier=Tier.TIER2,
              body=WebhookBody, response=WebhookEntry),
    Operation("DELETE", HOOK, delete_webhook, "Delete a webhook", "webhooks",
              tier=Tier.TIER2, status=204),
    Operation("GET", HOOK + "/deliveries", list_deliveries, "A webhook's delivery log",
              "webhooks", query=PageQuery, response=DeliveriesList),
    Operation("GET", DELIVERY, get_delivery, "One delivery", "webhooks",
              response=DeliveryEntry),
    Operation("POST", DELIVERY + "/actions/resend", resend_delivery, "Send a delivery again",
              "webhooks", tier=Tier.TIER2, response=DeliveryEntry, status=201),
]
