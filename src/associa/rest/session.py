"""The web hub's session cookie, and the CSRF rule that goes with it.

A browser cannot keep a bearer credential safe from scripts, so it signs in once:
``POST /login`` with a credential the REST API accepts (``Authorization: Bearer``: an
API key, an OAuth token, a JWT) answers 204 and sets ``associa-session``, an HttpOnly,
SameSite=Lax cookie holding the identity, signed (HS256) with the engine's key
(``store/oauth.py``'s ``signing_key``) and valid for ``LIFETIME``; ``POST /logout``
clears it. A REST request without an ``Authorization`` header is authenticated by the
cookie (``rest/identity.py``).

Because a browser sends cookies on requests other sites cause, a cookie-authenticated
request with an unsafe method (POST, PUT, PATCH, DELETE) must also carry the
``qlik-csrf-token`` header that ``GET /api/v1/csrf-token`` gave the same user, or it
is refused with 403, as Qlik Cloud does (https://qlik.dev/apis/rest/csrf-token/).

The same cookie opens QIX sockets (``socket_identity``): a page of the web hub connects
to ``/app/<id>`` as its signed-in user. A socket has no CSRF token, so the cookie counts
only from a page of the engine's own origin (the upgrade's ``Origin`` is the ``Host`` it
was sent to) or of a web integration's origin (``rest/webintegrations.py``); elsewhere,
and when the cookie is forged or expired, the upgrade needs another credential (401).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from http.cookies import CookieError, SimpleCookie

import anyio
import jwt
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from associa.engine import Engine
from associa.identity import Identity
from associa.rest.errors import Forbidden, Unauthorized
from associa.rest.me import csrf_token
from associa.store.oauth import signing_key

COOKIE = "associa-session"
ISSUER = "associa-session"
LIFETIME = timedelta(hours=8)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def make_cookie(engine: Engine, identity: Identity) -> str:
    now = datetime.now(UTC)
    claims = {"iss": ISSUER, "sub": identity.user_id, "dir": identity.user_directory,
              "name": identity.name, "email": identity.email, "groups": list(identity.groups),
              "admin": identity.admin, "iat": int(now.timestamp()),
              "exp": int((now + LIFETIME).timestamp())}
    return jwt.encode(claims, signing_key(engine.settings.data_dir), algorithm="HS256")


def read_cookie(engine: Engine, value: str) -> Identity | None:
    """The identity a session cookie holds, or None (forged, expired, not ours)."""
    try:
        claims = jwt.decode(value, signing_key(engine.settings.data_dir),
                            algorithms=["HS256"], issuer=ISSUER,
                            options={"require": ["exp", "sub"]})
    except jwt.PyJWTError:
        return None
    groups = claims.get("groups") or []
    return Identity(user_id=str(claims["sub"]), user_directory=str(claims.get("dir", "")),
                    name=str(claims.get("name", "")), email=str(claims.get("email", "")),
                    groups=tuple(str(g) for g in groups if isinstance(g, str)),
                    admin=bool(claims.get("admin")), method="cookie")


def _cookie_value(header: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


def _same_origin(origin: str, host: str) -> bool:
    from associa.rest.webintegrations import check_origin

    try:
        checked = check_origin(origin)
    except ValueError:
        return False
    return checked.split("://", 1)[1] == host.strip().lower()


def socket_identity(engine: Engine, headers: Mapping[str, str]) -> Identity | None:
    """The user a socket upgrade's session cookie names (``headers``: lower-case names),
    or None: no cookie, another credential sent, a cookie that does not hold, or a page
    of an origin that may not use it."""
    if "authorization" in headers or "x-qlik-user" in headers:
        return None
    value = _cookie_value(headers.get("cookie", ""))
    if not value:
        return None
    origin = headers.get("origin")
    if origin is not None and not _same_origin(origin, headers.get("host", "")):
        from associa.rest.webintegrations import allowed_origins, check_origin

        allowed = allowed_origins(engine) or frozenset()
        try:
            if check_origin(origin) not in allowed:
                return None
        except ValueError:
            return None
    return read_cookie(engine, value)


def check_csrf(request: Request, identity: Identity) -> None:
    """403 for an unsafe cookie-authenticated request without the user's CSRF token."""
    if request.method in SAFE_METHODS or identity.method != "cookie":
        return
    sent = request.headers.get("qlik-csrf-token", "")
    if not hmac.compare_digest(sent.encode(), csrf_token(identity).encode()):
        raise Forbidden("A cookie-authenticated change needs the qlik-csrf-token header "
                        "(GET /api/v1/csrf-token)")


async def login(request: Request) -> Response:
    from associa.rest.identity import credential

    if request.headers.get("authorization") is None:
        return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    engine: Engine = request.app.state.engine
    try:
        identity = await anyio.to_thread.run_sync(credential, request, engine,
                                                  request.app.state.authenticator)
    except Unauthorized:
        return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    if identity.anonymous:
        return Response(status_code=400)  # development mode: nobody to remember
    value = await anyio.to_thread.run_sync(make_cookie, engine, identity)
    response = Response(status_code=204)
    response.set_cookie(COOKIE, value, max_age=int(LIFETIME.total_seconds()), httponly=True,
                        samesite="lax", secure=request.url.scheme == "https", path="/")
    return response


async def logout(request: Request) -> Response:
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


def routes() -> list[Route]:
    return [Route("/login", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"])]
