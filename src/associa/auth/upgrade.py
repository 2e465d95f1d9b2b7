"""The WebSocket upgrade's authentication in Starlette: read the request, ask the
``Authenticator``, and refuse with HTTP 401 before the socket is accepted, as Qlik's
engine does when a JWT does not validate
(https://core.qlik.com/tutorials/authorization/, "Validation").

The refusal uses the ASGI WebSocket denial response (uvicorn implements it), so a
client sees an ordinary ``401 Unauthorized`` answer to its upgrade (corectl and
enigma.js report the status). The body and headers say nothing about why (the log does,
with the peer) and nothing about the app in the URL, which is not looked at before the
user is known.
"""

from __future__ import annotations

import logging

from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocket

from associa.auth.authenticator import Authenticator, Upgrade
from associa.auth.tls import peer_certificate
from associa.errors import AuthenticationFailed
from associa.identity import Identity
from associa.logs import event

log = logging.getLogger("associa.auth")


def upgrade_of(ws: WebSocket) -> Upgrade:
    headers = [(k.decode("latin-1").lower(), v.decode("latin-1"))
               for k, v in ws.scope.get("headers", [])]
    return Upgrade(headers=headers, peer=ws.client.host if ws.client else None,
                   certificate=peer_certificate(ws.scope))


async def identify(ws: WebSocket, authenticator: Authenticator) -> Identity | None:
    """The identity of the upgrade, or None once it has been refused with HTTP 401."""
    upgrade = upgrade_of(ws)
    try:
        return authenticator.authenticate(upgrade)
    except AuthenticationFailed as exc:
        event(log, logging.WARNING, "authentication refused", reason=exc.parameter,
              detail=exc.message, peer=upgrade.peer)
    await ws.send_denial_response(PlainTextResponse(
        "Unauthorized\n", status_code=401, headers={"WWW-Authenticate": "Bearer"}))
    return None
