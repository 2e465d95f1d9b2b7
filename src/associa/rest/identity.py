"""Who is calling the REST API: a request → an ``Identity``, or 401.

The one place REST authentication is decided (JWTs and session cookies plug in here):

* ``Authorization: Bearer <token>``: the administrator key of the ``api_key`` setting
  (``ASSOCIA_API_KEY``: automation's way in before any user exists, issue 12 point 2),
  else an API key made through the metadata store (``MetaStore.verify_api_key``).
* No credential, or one that is not a key: development mode (no administrator key is
  configured: the engine runs without authentication, as the socket does) acts as
  ``ANONYMOUS``; otherwise 401.

Qlik Cloud answers a missing or bad credential with 401 (every operation of the
published OpenAPI lists it).
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from associa.engine import Engine
from associa.identity import ANONYMOUS, Identity
from associa.rest.errors import Unauthorized

# the identity of the administrator key
ADMIN = Identity(user_id="admin", user_directory="associa", name="administrator",
                 admin=True, method="api-key")


def development_mode(engine: Engine) -> bool:
    """Whether the engine runs without authentication (no administrator key set)."""
    return not engine.settings.api_key


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(request: Request, engine: Engine) -> Identity:
    """The identity of the request's credential (Unauthorized when there is none that
    holds and the engine requires one)."""
    token = bearer(request)
    if token is not None:
        configured = engine.settings.api_key
        if configured and hmac.compare_digest(token.encode(), configured.encode()):
            return ADMIN
        if engine.meta_in_use() or not development_mode(engine):
            identity = engine.meta.verify_api_key(token)
            if identity is not None:
                return identity
    if development_mode(engine):
        return ANONYMOUS
    raise Unauthorized("A valid API key is required (Authorization: Bearer <key>)",
                       headers={"WWW-Authenticate": "Bearer"})
