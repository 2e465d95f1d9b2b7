"""``/csp-origins``: origins for the hub's Content-Security-Policy
(https://qlik.dev/apis/rest/csp-origins/), kept per directive. Administrators manage
them; ``GET /csp-origins/actions/generate-header`` answers the header they make.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from associa.rest.apps import iso
from associa.rest.errors import NotFound
from associa.rest.models import TENANT_ID, Links, Shape, Strict
from associa.rest.operations import Call, Operation, Reply
from associa.rest.paging import PageQuery, paginate
from associa.rest.ratelimit import Tier
from associa.rest.users import require_admin
from associa.rest.webintegrations import check_origin, origins
from associa.store.origins import CspOrigin

# the directives an origin can be added to, as the API names them → the CSP directive
DIRECTIVES = {
    "childSrc": "child-src", "connectSrc": "connect-src", "connectSrcWSS": "connect-src",
    "fontSrc": "font-src", "formAction": "form-action", "frameAncestors": "frame-ancestors",
    "frameSrc": "frame-src", "imgSrc": "img-src", "mediaSrc": "media-src",
    "objectSrc": "object-src", "scriptSrc": "script-src", "styleSrc": "style-src",
    "workerSrc": "worker-src",
}


class Directives(BaseModel):
    """One flag per directive of ``DIRECTIVES`` (a body's and an answer's)."""

    childSrc: bool = False
    connectSrc: bool = False
    connectSrcWSS: bool = False
    fontSrc: bool = False
    formAction: bool = False
    frameAncestors: bool = False
    frameSrc: bool = False
    imgSrc: bool = False
    mediaSrc: bool = False
    objectSrc: bool = False
    scriptSrc: bool = False
    styleSrc: bool = False
    workerSrc: bool = False


class CspBody(Directives, Strict):
    name: str = Field(min_length=1, max_length=256, pattern=r"\S")
    origin: str = Field(min_length=1, max_length=1024)
    description: str = Field(default="", max_length=4096)

    @field_validator("origin")
    @classmethod
    def _origin(cls, value: str) -> str:
        return check_origin(value if "://" in value else f"https://{value}")

    def directives(self) -> dict[str, bool]:
        return {d: bool(getattr(self, d)) for d in DIRECTIVES}


class CspEntry(Directives, Shape):
    id: str
    name: str
    origin: str
    description: str
    tenantId: str
    createdDate: str
    modifiedDate: str


class CspList(Shape):
    data: list[CspEntry]
    links: Links


class CspHeader(Shape):
    # the Content-Security-Policy header value
    contentSecurityPolicy: str = Field(alias="Content-Security-Policy")


def entry(c: CspOrigin) -> CspEntry:
    return CspEntry(id=c.id, name=c.name, origin=c.origin, description=c.description,
                    tenantId=TENANT_ID, createdDate=iso(c.created) or "",
                    modifiedDate=iso(c.updated) or "",
                    **{d: bool(c.directives.get(d)) for d in DIRECTIVES})


def _one(call: Call) -> CspOrigin:
    found = next((c for c in origins(call.engine).csp_origins() if c.id == call.path["id"]),
                 None)
    if found is None:
        raise NotFound(f"No CSP origin {call.path['id']}")
    return found


def list_csp(call: Call) -> CspList:
    require_admin(call.identity, "read CSP origins")
    q: PageQuery = call.query
    page, links = paginate(call.request, origins(call.engine).csp_origins(), q.limit,
                           q.next, q.prev)
    return CspList(data=[entry(c) for c in page], links=links)


def create_csp(call: Call) -> Reply:
    require_admin(call.identity, "create CSP origins")
    b: CspBody = call.body
    made = origins(call.engine).add_csp(b.name, b.origin, b.description, b.directives())
    return Reply(entry(made), status=201)


def get_csp(call: Call) -> CspEntry:
    require_admin(call.identity, "read CSP origins")
    return entry(_one(call))


def update_csp(call: Call) -> CspEntry:
    require_admin(call.identity, "change CSP origins")
    b: CspBody = call.body
    done = origins(call.engine).update_csp(_one(call).id, b.name, b.origin, b.description,
                                           b.directives())
    assert done is not None
    return entry(done)


def delete_csp(call: Call) -> Reply:
    require_admin(call.identity, "delete CSP origins")
    origins(call.engine).remove_csp(_one(call).id)
    return Reply(status=204)


def generate_header(call: Call) -> CspHeader:
    """``<directive> 'self' <origins>;`` for each directive some origin is added to."""
    require_admin(call.identity, "read CSP origins")
    by_directive: dict[str, list[str]] = {}
    for c in origins(call.engine).csp_origins():
        for name, on in c.directives.items():
            if on and name in DIRECTIVES:
                origin = c.origin.replace("https://", "wss://") if name == "connectSrcWSS" \
                    else c.origin
                by_directive.setdefault(DIRECTIVES[name], []).append(origin)
    text = "; ".join(f"{d} 'self' {' '.join(dict.fromkeys(o))}"
                     for d, o in sorted(by_directive.items()))
    return CspHeader.model_validate({"Content-Security-Policy": text})


PATH = "/csp-origins/{id}"
OPERATIONS = [
    Operation("GET", "/csp-origins", list_csp, "The CSP origins", "csp-origins",
              query=PageQuery, response=CspList),
    Operation("POST", "/csp-origins", create_csp, "Add a CSP origin", "csp-origins",
              tier=Tier.TIER2, body=CspBody, response=CspEntry, status=201),
    Operation("GET", "/csp-origins/actions/generate-header", generate_header,
              "The Content-Security-Policy header of the origins", "csp-origins",
              response=CspHeader),
    Operation("GET", PATH, get_csp, "One CSP origin", "csp-origins", response=CspEntry),
    Operation("PUT", PATH, update_csp, "Change a CSP origin", "csp-origins",
              tier=Tier.TIER2, body=CspBody, response=CspEntry),
    Operation("DELETE", PATH, delete_csp, "Delete a CSP origin", "csp-origins",
              tier=Tier.TIER2, status=204),
]
