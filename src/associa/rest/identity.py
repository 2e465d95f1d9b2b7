"""Who is calling the REST API: a request → an ``Identity``, or 401.

The one place REST authentication is decided, with the same credentials and identities as
the engine socket (issue 12 point 2: "the same identities and rights as the QIX socket"):

* ``Authorization: Bearer <key>`` with the administrator key of the ``ApiKey`` setting
  (``ASSOCIA_API_KEY``: automation's way in before any user exists) is ``ADMIN``;
* otherwise, when the engine authenticates its sockets (``auth/``: JSON Web Tokens, API
  keys, ``X-Qlik-User`` from trusted proxies, client certificates), the same
  ``Authenticator`` decides; an associa API key made through the metadata store is
  always accepted here (Qlik Cloud's REST API takes API keys; the socket only with
  ``ApiKeyAuthentication``), and so is an OAuth access token the engine issued
  (``rest/oauth.py``; the socket takes them too);
* without an ``Authorization`` header, the web hub's session cookie (``rest/session.py``;
  its unsafe requests need the CSRF token);
* with neither an administrator key nor socket authentication configured the engine runs
  in development mode: a valid API key still names its user, anything else is
  ``ANONYMOUS``.

Whoever authenticated, a user that ``/users`` gives the ``TenantAdmin`` role is an
administrator (``with_roles``), on REST and on the socket alike.

Qlik Cloud answers a missing or bad credential with 401 (every operation of the
published OpenAPI lists it).
"""

from __future__ import annotations

import hmac
from dataclasses import replace

from starlette.requests import Request

from associa.auth.authenticator import Authenticator, Upgrade
from associa.auth.keys import looks_like_key
from associa.auth.tls import peer_certificate
from associa.engine import Engine
from associa.errors import AuthenticationFailed
from associa.identity import ANONYMOUS, Identity
from associa.rest.errors import Unauthorized
from associa.store.oauth import OAuth, looks_like_ours

# the identity of the administrator key
ADMIN = Identity(user_id="admin", user_directory="associa", name="administrator",
                 admin=True, method="api-key")


def development_mode(engine: Engine, authenticator: Authenticator) -> bool:
    """Whether the engine runs without authentication: no administrator key and no
    socket authentication configured."""
    return not engine.settings.api_key and not authenticator.enabled


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def with_roles(engine: Engine, identity: Identity) -> Identity:
    """``identity``, an administrator when its user holds TenantAdmin in the directory
    (matched by subject: the user id, or Qlik's ``UserDirectory=…; UserId=…``)."""
    if identity.admin or identity.anonymous or not engine.meta_in_use():
        return identity
    from associa.store.directory import Directory

    subjects = (identity.user_id, identity.qualified)
    if Directory(engine.meta.db).tenant_admin(subjects):
        return replace(identity, admin=True)
    return identity


def authenticate(request: Request, engine: Engine, authenticator: Authenticator) -> Identity:
    """The identity of the request's credential (Unauthorized when there is none that
    holds and the engine requires one), with the roles the directory gives it."""
    return with_roles(engine, credential(request, engine, authenticator))


def credential(request: Request, engine: Engine, authenticator: Authenticator) -> Identity:
    token = bearer(request)
    if "authorization" not in request.headers:
        from associa.rest.session import COOKIE, read_cookie

        cookie = request.cookies.get(COOKIE)
        if cookie:
            identity = read_cookie(engine, cookie)
            if identity is not None:
                return identity  # unsafe methods also need the CSRF token (operations.py)
    configured = engine.settings.api_key
    if token is not None and configured and hmac.compare_digest(token.encode(),
                                                                 configured.encode()):
        return ADMIN
    if token is not None and looks_like_key(token) and (
            engine.meta_in_use() or not development_mode(engine, authenticator)):
        identity = engine.meta.verify_api_key(token)
        if identity is not None:
            return identity
    if token is not None and not looks_like_key(token) and looks_like_ours(token) and (
            engine.meta_in_use()):
        identity = OAuth(engine.meta.db, engine.settings.data_dir).verify(token)
        if identity is not None:
            return identity
    if development_mode(engine, authenticator):
        return ANONYMOUS
    if authenticator.enabled and (token is None or not looks_like_key(token)):
        headers = [(k.lower(), v) for k, v in request.headers.items()]
        upgrade = Upgrade(headers=headers,
                          peer=request.client.host if request.client else None,
                          certificate=peer_certificate(request.scope))
        try:
            return authenticator.authenticate(upgrade)
        except AuthenticationFailed:
            pass
    raise Unauthorized("A valid credential is required (Authorization: Bearer <API key "
                       "or token>)", headers={"WWW-Authenticate": "Bearer"})
