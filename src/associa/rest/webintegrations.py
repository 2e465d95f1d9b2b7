"""``/web-integrations``: the origins browsers may call the engine from
(https://qlik.dev/apis/rest/web-integrations/), and their enforcement.

Administrators list, create, change (JSON Patch ``replace`` of ``/name`` or
``/validOrigins``) and delete integrations. Their origins together are the allowed
origins (``allowed_origins``): the REST API answers CORS for them only (``rest/cors.py``)
and, once any integration exists, a WebSocket upgrade whose ``Origin`` is not among
them is refused with 403 (``origin_allowed``; a client that sends no ``Origin``, i.e.
not a browser, is not concerned). An origin is ``scheme://host[:port]``, nothing more.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, RootModel, field_validator

from associa.engine import Engine
from associa.rest.apps import iso
from associa.rest.errors import BadRequest, NotFound
from associa.rest.models import TENANT_ID, Href, Links, SelfLink, Shape, Strict
from associa.rest.operations import Call, Operation, Reply
from associa.rest.paging import PageQuery, paginate
from associa.rest.ratelimit import Tier
from associa.rest.users import require_admin
from associa.store.origins import Origins, WebIntegration


def check_origin(text: str) -> str:
    """``scheme://host[:port]`` with http or https (ValueError else), lower-cased."""
    parts = urlsplit(text.strip())
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/")
            or parts.query or parts.fragment or parts.username or parts.password):
        raise ValueError(f"{text!r} is not an origin (scheme://host[:port])")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{text!r} has a bad port") from None
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")


class CreateWebIntegration(Strict):
    name: str = Field(min_length=1, max_length=256, pattern=r"\S")
    validOrigins: list[str] = Field(max_length=100)

    @field_validator("validOrigins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(check_origin(o) for o in value))


class WebIntegrationPatch(Strict):
    op: Literal["replace"]
    path: Literal["/name", "/validOrigins"]
    value: Any


class PatchWebIntegration(RootModel[list[WebIntegrationPatch]]):
    pass


class WebIntegrationEntry(Shape):
    id: str
    name: str
    validOrigins: list[str]
    tenantId: str
    createdBy: str
    created: str
    lastUpdated: str
    links: SelfLink


class WebIntegrationsList(Shape):
    data: list[WebIntegrationEntry]
    links: Links


def origins(engine: Engine) -> Origins:
    return Origins(engine.meta.db)


def allowed_origins(engine: Engine) -> frozenset[str] | None:
    """The origins of every web integration; None when there is none (no restriction)."""
    if not engine.meta_in_use():
        return None
    found = origins(engine).allowed_origins()
    return found if origins(engine).integrations() else None


def origin_allowed(engine: Engine, origin: str | None) -> bool:
    """Whether a browser from ``origin`` may open a socket (no Origin: not a browser)."""
    if origin is None:
        return True
    allowed = allowed_origins(engine)
    if allowed is None:
        return True
    try:
        return check_origin(origin) in allowed
    except ValueError:
        return False


def entry(call: Call, w: WebIntegration) -> WebIntegrationEntry:
    return WebIntegrationEntry(
        id=w.id, name=w.name, validOrigins=list(w.origins), tenantId=TENANT_ID,
        createdBy=w.created_by, created=iso(w.created) or "", lastUpdated=iso(w.updated) or "",
        links=SelfLink(self=Href(href=call.url(f"/web-integrations/{w.id}"))))


def _one(call: Call) -> WebIntegration:
    found = next((w for w in origins(call.engine).integrations()
                  if w.id == call.path["id"]), None)
    if found is None:
        raise NotFound(f"No web integration {call.path['id']}")
    return found


def list_integrations(call: Call) -> WebIntegrationsList:
    require_admin(call.identity, "read web integrations")
    q: PageQuery = call.query
    page, links = paginate(call.request, origins(call.engine).integrations(), q.limit,
                           q.next, q.prev)
    return WebIntegrationsList(data=[entry(call, w) for w in page], links=links)


def create_integration(call: Call) -> Reply:
    require_admin(call.identity, "create web integrations")
    body: CreateWebIntegration = call.body
    made = origins(call.engine).add_integration(body.name, body.validOrigins,
                                                call.identity.user_id)
    return Reply(entry(call, made), status=201)


def get_integration(call: Call) -> WebIntegrationEntry:
    require_admin(call.identity, "read web integrations")
    return entry(call, _one(call))


def patch_integration(call: Call) -> Reply:
    require_admin(call.identity, "change web integrations")
    current = _one(call)
    changes: dict[str, Any] = {}
    for i, patch in enumerate(call.body.root):
        if patch.path == "/name":
            if not isinstance(patch.value, str) or not patch.value.strip():
                raise BadRequest("name is a non-blank string", pointer=f"/{i}/value")
            changes["name"] = patch.value
        else:
            if not isinstance(patch.value, list) or not all(isinstance(o, str)
                                                            for o in patch.value):
                raise BadRequest("validOrigins is a list of origins", pointer=f"/{i}/value")
            try:
                changes["origins"] = list(dict.fromkeys(check_origin(o) for o in patch.value))
            except ValueError as exc:
                raise BadRequest(str(exc), pointer=f"/{i}/value") from None
    origins(call.engine).update_integration(current.id, **changes)
    return Reply(status=204)


def delete_integration(call: Call) -> Reply:
    require_admin(call.identity, "delete web integrations")
    origins(call.engine).remove_integration(_one(call).id)
    return Reply(status=204)


PATH = "/web-integrations/{id}"
OPERATIONS = [
    Operation("GET", "/web-integrations", list_integrations, "The web integrations",
              "web-integrations", query=PageQuery, response=WebIntegrationsList),
    Operation("POST", "/web-integrations", create_integration, "Create a web integration",
              "web-integrations", tier=Tier.TIER2, body=CreateWebIntegration,
              response=WebIntegrationEntry, status=201),
    Operation("GET", PATH, get_integration, "One web integration", "web-integrations",
              response=WebIntegrationEntry),
    Operation("PATCH", PATH, patch_integration, "Change a web integration",
              "web-integrations", tier=Tier.TIER2, body=PatchWebIntegration, status=204),
    Operation("DELETE", PATH, delete_integration, "Delete a web integration",
              "web-integrations", tier=Tier.TIER2, status=204),
]
