"""OAuth2 client credentials: ``/oauth/token``, ``/.well-known/oauth-authorization-server``,
``/api/v1/oauth-clients`` and ``/api/v1/oauth-tokens`` (https://qlik.dev/authenticate/
oauth/create/create-oauth-client/ and https://qlik.dev/apis/rest/oauth-tokens/).

A signed-in user makes a client (``POST /oauth-clients``: the secret is in that answer
only) that acts as that user; a program trades the client's id and secret for an access
token at ``POST /oauth/token`` (``grant_type=client_credentials``, the credentials in the
form body or as HTTP Basic, RFC 6749 sections 2.3.1 and 4.4) and sends it as
``Authorization: Bearer``. Token errors are RFC 6749 section 5.2's
``{"error", "error_description"}``. The server metadata is RFC 8414's. Tokens and
clients are kept by ``store/oauth.py``; users see and revoke their own, administrators
all.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs

import anyio
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from associa.auth.keys import ApiKeyLookup
from associa.engine import Engine
from associa.identity import Identity
from associa.rest.apps import iso
from associa.rest.errors import Forbidden, NotFound
from associa.rest.models import TENANT_ID, Href, Links, SelfLink, Shape, Strict
from associa.rest.operations import Call, Operation, Reply
from associa.rest.paging import PageQuery, paginate
from associa.rest.ratelimit import Tier
from associa.store.oauth import OAuth, OAuthClient, OAuthToken, looks_like_ours

MAX_FORM_BYTES = 16 * 1024


def store(engine: Engine) -> OAuth:
    return OAuth(engine.meta.db, engine.settings.data_dir)


def lookup(engine: Engine) -> ApiKeyLookup:
    """The engine's OAuth access tokens → their identity, for the socket's authenticator
    (``auth/authenticator.py``); any other token is left to the JWT verifier."""

    def find(token: str) -> Identity | None:
        if not looks_like_ours(token) or not engine.meta_in_use():
            return None
        return store(engine).verify(token)

    return find


class CreateClient(Strict):
    clientName: str = Field(min_length=1, max_length=256, pattern=r"\S")
    appType: str = "backend"
    allowedGrantTypes: list[str] = ["client_credentials"]


class ClientEntry(Shape):
    clientId: str
    clientName: str
    clientSecret: str | None = None
    appType: str = "backend"
    allowedGrantTypes: list[str] = ["client_credentials"]
    userId: str
    tenantId: str
    createdAt: str
    links: SelfLink


class ClientsList(Shape):
    data: list[ClientEntry]
    links: Links


class TokenEntry(Shape):
    id: str
    clientId: str
    userId: str
    tenantId: str
    createdAt: str
    expiresAt: str
    revoked: bool


class TokensList(Shape):
    data: list[TokenEntry]
    links: Links


def _scope(identity: Identity) -> Identity | None:
    return None if identity.admin else identity


def _refuse_anonymous(identity: Identity) -> None:
    if identity.anonymous:
        raise Forbidden("OAuth clients are made by signed-in users (the engine runs "
                        "without authentication)")


def client_entry(call: Call, client: OAuthClient, secret: str | None = None) -> ClientEntry:
    return ClientEntry(clientId=client.id, clientName=client.name, clientSecret=secret,
                       userId=client.user.user_id, tenantId=TENANT_ID,
                       createdAt=iso(client.created) or "",
                       links=SelfLink(self=Href(href=call.url(f"/oauth-clients/{client.id}"))))


def token_entry(token: OAuthToken) -> TokenEntry:
    return TokenEntry(id=token.id, clientId=token.client_id, userId=token.user_id,
                      tenantId=TENANT_ID, createdAt=iso(token.issued) or "",
                      expiresAt=iso(token.expires) or "", revoked=token.revoked is not None)


def _client(call: Call) -> OAuthClient:
    found = next((c for c in store(call.engine).clients(_scope(call.identity))
                  if c.id == call.path["clientId"]), None)
    if found is None:
        raise NotFound(f"No OAuth client {call.path['clientId']}")
    return found


def create_client(call: Call) -> Reply:
    _refuse_anonymous(call.identity)
    client, secret = store(call.engine).create_client(call.body.clientName, call.identity)
    return Reply(client_entry(call, client, secret), status=201)


def list_clients(call: Call) -> ClientsList:
    q: PageQuery = call.query
    page, links = paginate(call.request, store(call.engine).clients(_scope(call.identity)),
                           q.limit, q.next, q.prev)
    return ClientsList(data=[client_entry(call, c) for c in page], links=links)


def get_client(call: Call) -> ClientEntry:
    return client_entry(call, _client(call))


def delete_client(call: Call) -> Reply:
    store(call.engine).delete_client(_client(call).id)
    return Reply(status=204)


def list_tokens(call: Call) -> TokensList:
    q: PageQuery = call.query
    page, links = paginate(call.request, store(call.engine).tokens(_scope(call.identity)),
                           q.limit, q.next, q.prev)
    return TokensList(data=[token_entry(t) for t in page], links=links)


def revoke_token(call: Call) -> Reply:
    tokens = store(call.engine).tokens(_scope(call.identity))
    if not any(t.id == call.path["tokenId"] for t in tokens):
        raise NotFound(f"No OAuth token {call.path['tokenId']}")
    store(call.engine).revoke(call.path["tokenId"])
    return Reply(status=204)


OPERATIONS = [
    Operation("POST", "/oauth-clients", create_client,
              "Create an OAuth client (its secret is shown once)", "oauth-clients",
              tier=Tier.TIER2, body=CreateClient, response=ClientEntry, status=201),
    Operation("GET", "/oauth-clients", list_clients, "The caller's OAuth clients",
              "oauth-clients", query=PageQuery, response=ClientsList),
    Operation("GET", "/oauth-clients/{clientId}", get_client, "One OAuth client",
              "oauth-clients", response=ClientEntry),
    Operation("DELETE", "/oauth-clients/{clientId}", delete_client,
              "Delete an OAuth client (its tokens stop working)", "oauth-clients",
              tier=Tier.TIER2, status=204),
    Operation("GET", "/oauth-tokens", list_tokens, "The caller's OAuth access tokens",
              "oauth-tokens", query=PageQuery, response=TokensList),
    Operation("DELETE", "/oauth-tokens/{tokenId}", revoke_token, "Revoke an access token",
              "oauth-tokens", tier=Tier.TIER2, status=204),
]


# -- the token endpoint and the server metadata (outside /api/v1) ----------------------


def token_error(code: str, detail: str, status: int = 400) -> JSONResponse:
    headers = {"WWW-Authenticate": "Basic"} if status == 401 else {}
    headers["Cache-Control"] = "no-store"
    return JSONResponse({"error": code, "error_description": detail}, status_code=status,
                        headers=headers)


async def _form(request: Request) -> dict[str, str] | None:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind == "application/json":
        import orjson

        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        return ({str(k): v for k, v in data.items() if isinstance(v, str)}
                if isinstance(data, dict) else None)
    pairs = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in pairs.items() if len(v) == 1}


def _basic(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, secret = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, secret) if sep else None


async def token_endpoint(request: Request) -> JSONResponse:
    engine: Engine = request.app.state.engine
    form = await _form(request)
    if form is None:
        return token_error("invalid_request", "The body is not a form (or JSON) under 16 KiB")
    if form.get("grant_type") != "client_credentials":
        return token_error("unsupported_grant_type", "Only client_credentials is supported")
    creds = _basic(request) or (form.get("client_id", ""), form.get("client_secret", ""))
    if not all(creds):
        return token_error("invalid_client", "client_id and client_secret are required", 401)
    oauth = store(engine)
    client = await anyio.to_thread.run_sync(oauth.authenticate_client, *creds)
    if client is None:
        return token_error("invalid_client", "Unknown client or wrong secret", 401)
    token, lifetime = await anyio.to_thread.run_sync(oauth.issue, client)
    return JSONResponse({"access_token": token, "token_type": "bearer",
                         "expires_in": lifetime, "scope": "user_default"},
                        headers={"Cache-Control": "no-store"})


async def server_metadata(request: Request) -> JSONResponse:
    base = str(request.base_url).rstrip("/")
    return JSONResponse({
        "issuer": base,
        "token_endpoint": f"{base}/oauth/token",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                  "client_secret_post"],
        "response_types_supported": ["token"],
        "scopes_supported": ["user_default"],
        "revocation_endpoint": f"{base}/api/v1/oauth-tokens",
    })


def routes() -> list[Route]:
    """The routes ``server/app.py`` serves beside ``/api/v1``."""
    return [Route("/oauth/token", token_endpoint, methods=["POST"]),
            Route("/.well-known/oauth-authorization-server", server_metadata,
                  methods=["GET"])]
