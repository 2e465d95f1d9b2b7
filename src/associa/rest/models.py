"""The pydantic models every REST resource shares: links, the error shape, the tenant.

Request models forbid unknown fields (``Strict``: a misspelt attribute is a 400, not a
silent no-op); response models leave out what is None when serialized.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

# associa serves one tenant; its id is what Qlik Cloud's resources carry as tenantId
TENANT_ID = "associa"


class Strict(BaseModel):
    """A request body: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid")


class Shape(BaseModel):
    """A response body (and a query model: unknown query parameters are ignored)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Href(Shape):
    href: str


class SelfLink(Shape):
    """``links`` of a single resource: where it is."""

    self: Href


class Links(Shape):
    self: Href
    next: Href | None = None
    prev: Href | None = None


class ErrorSource(Shape):
    parameter: str | None = None
    pointer: str | None = None


class ErrorEntry(Shape):
    code: str
    title: str
    detail: str | None = None
    status: str | None = None
    source: ErrorSource | None = None


class Errors(Shape):
    """``{"errors": [...]}``: the body of every error answer."""

    errors: list[ErrorEntry]
