"""The engine's WebSocket protocol for uvicorn: uvicorn's default (the websockets
sans-I/O implementation) plus two things the upgrade's authentication needs.

* The ASGI TLS extension. uvicorn does not expose the peer certificate to the
  application; at the upgrade this protocol adds ``scope["extensions"]["tls"]`` from
  the connection's SSL object (``auth/tls.py``: ``tls_extension``), so that the
  certificate connection can see the verified client certificate.
* A quiet denial. After a WebSocket denial response (the HTTP 401 of a refused upgrade)
  uvicorn 0.54's implementation still counts the handshake as unfinished and logs
  "ASGI callable returned without completing handshake" at ERROR for every refusal; a
  flood of bad upgrades would flood the log. The response itself is complete and
  correct, so the handshake is marked finished once its body is sent.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from associa.auth.tls import tls_extension


class EngineWebSocketProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope: Any = getattr(self, "scope", None)
        ssl_object = self.transport.get_extra_info("ssl_object")
        if scope is not None and ssl_object is not None:
            scope["extensions"]["tls"] = tls_extension(ssl_object)

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.http.response.body" and not message.get("more_body"):
            self.handshake_complete = True
