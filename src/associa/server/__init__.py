"""The network edge: Starlette WebSocket and HTTP endpoints, run by uvicorn."""

from associa.server.app import create_app

__all__ = ["create_app"]
