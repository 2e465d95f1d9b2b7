"""What a client raises: the engine's JSON-RPC errors and a lost connection.

``EngineError`` carries the error object the engine answered with (``code``,
``message``, ``parameter``) so that a caller can tell a missing field (2) from a bad
parameter (-32602) without reading texts; both flavours (in process and over a socket)
raise it the same way, since both read the same JSON-RPC reply.
"""

from __future__ import annotations

from typing import Any

from associa.errors import AssociaError


class EngineError(AssociaError):
    """An error the engine answered a request with. ``code`` is the engine's (an
    instance attribute: a client meets codes of any engine, not only this one's)."""

    def __init__(self, code: int, message: str = "", parameter: str = "",
                 method: str = "") -> None:
        super().__init__(parameter, message or "Unknown error")
        self.code = code
        self.method = method

    @classmethod
    def from_json(cls, error: dict[str, Any], method: str = "") -> EngineError:
        return cls(int(error.get("code", -1)), str(error.get("message", "")),
                   str(error.get("parameter", "")), method)

    def __str__(self) -> str:
        where = f"{self.method}: " if self.method else ""
        what = f" ({self.parameter})" if self.parameter else ""
        return f"{where}{self.message}{what} [code {self.code}]"


class ConnectionLost(EngineError):
    """The socket ended: closed by the engine (its close code: 4204 app deleted, 4205
    busy, ...) or dropped and not reconnected in time. A request in flight when the
    socket dropped gets it too: its reply is lost, whether it ran or not."""

    def __init__(self, close_code: int, reason: str = "") -> None:
        super().__init__(close_code, reason or "Connection lost", "")
        self.close_code = close_code
