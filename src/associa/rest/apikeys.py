"""``/api-keys``: keys a user signs REST requests with (https://qlik.dev/apis/rest/api-keys/).

Made by the metadata store (``MetaStore.create_api_key``; ``auth/keys.py``'s format, only
the hash kept): the answer to ``POST`` carries the ``token`` once, never again. A key
acts as the user who made it. ``expiry`` is an ISO 8601 duration (``PT24H``, ``P30D``) as
the published API takes it; an expired or revoked key no longer authenticates
(``rest/identity.py``). Users see and revoke their own keys; administrators all keys.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import Field, TypeAdapter, ValidationError

from associa.rest.apps import iso
from associa.rest.errors import BadRequest, Forbidden, NotFound
from associa.rest.models import TENANT_ID, Href, Links, SelfLink, Shape, Strict
from associa.rest.operations import Call, Operation, Reply
from associa.rest.paging import PageQuery, paginate
from associa.rest.ratelimit import Tier
from associa.store.meta import ApiKey

DURATION = TypeAdapter(timedelta)


class CreateApiKey(Strict):
    description: str = Field(min_length=1, max_length=256)
    expiry: str | None = Field(default=None, max_length=64)


class ApiKeysQuery(PageQuery):
    status: str | None = None


class ApiKeyEntry(Shape):
    id: str
    tenantId: str
    description: str
    sub: str
    subType: str
    status: str
    createdByUser: str
    created: str
    expiry: str | None = None
    token: str | None = None
    links: SelfLink


class ApiKeysList(Shape):
    data: list[ApiKeyEntry]
    links: Links


def status_of(key: ApiKey, now: datetime) -> str:
    if key.revoked is not None:
        return "revoked"
    return "active" if key.valid_at(now) else "expired"


def entry(call: Call, key: ApiKey, token: str | None = None) -> ApiKeyEntry:
    return ApiKeyEntry(
        id=key.id, tenantId=TENANT_ID, description=key.description, sub=key.user.user_id,
        subType="user", status=status_of(key, datetime.now(UTC)),
        createdByUser=key.user.user_id, created=iso(key.created) or "",
        expiry=iso(key.expires), token=token,
        links=SelfLink(self=Href(href=call.url(f"/api-keys/{key.id}"))))


def parse_expiry(text: str) -> timedelta:
    try:
        span = DURATION.validate_python(text)
    except ValidationError:
        raise BadRequest(f"expiry {text!r} is not an ISO 8601 duration",
                         pointer="/expiry") from None
    if not text.startswith("P") or span <= timedelta(0):
        raise BadRequest("expiry is a positive ISO 8601 duration (PT24H, P30D)",
                         pointer="/expiry")
    return span


def mine(call: Call) -> list[ApiKey]:
    """The keys the caller may see: its own, or all for an administrator."""
    return call.engine.meta.api_keys(None if call.identity.admin else call.identity)


def _key(call: Call) -> ApiKey:
    found = next((k for k in mine(call) if k.id == call.path["apiKeyId"]), None)
    if found is None:
        raise NotFound(f"No API key {call.path['apiKeyId']}")
    return found


def create_key(call: Call) -> Reply:
    if call.identity.anonymous:
        raise Forbidden("API keys are made by signed-in users (the engine runs without "
                        "authentication)")
    body: CreateApiKey = call.body
    expires = parse_expiry(body.expiry) if body.expiry else None
    token, key = call.engine.meta.create_api_key(call.identity, expires, body.description)
    return Reply(entry(call, key, token), status=201)


def list_keys(call: Call) -> ApiKeysList:
    q: ApiKeysQuery = call.query
    now = datetime.now(UTC)
    found = [k for k in mine(call) if q.status is None or status_of(k, now) == q.status]
    page, links = paginate(call.request, found, q.limit, q.next, q.prev)
    return ApiKeysList(data=[entry(call, k) for k in page], links=links)


def get_key(call: Call) -> ApiKeyEntry:
    return entry(call, _key(call))


def revoke_key(call: Call) -> Reply:
    call.engine.meta.revoke_api_key(_key(call).id)
    return Reply(status=204)


OPERATIONS = [
    Operation("POST", "/api-keys", create_key, "Create an API key (its token is shown once)",
              "api-keys", tier=Tier.TIER2, body=CreateApiKey, response=ApiKeyEntry,
              status=201),
    Operation("GET", "/api-keys", list_keys, "The caller's API keys (all: administrators)",
              "api-keys", query=ApiKeysQuery, response=ApiKeysList),
    Operation("GET", "/api-keys/{apiKeyId}", get_key, "One API key", "api-keys",
              response=ApiKeyEntry),
    Operation("DELETE", "/api-keys/{apiKeyId}", revoke_key, "Revoke an API key",
              "api-keys", tier=Tier.TIER2, status=204),
]
