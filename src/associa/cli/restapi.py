"""The REST API of a running engine, for what QIX does not carry: an app as one file
(``export``, ``import``) and the model its last reload replaced (``diff``).

``--engine ws://host:port`` names both: the REST API is ``http://host:port/api/v1``
(``wss://`` → ``https://``), and the bearer token (``ASSOCIA_ENGINE_TOKEN``) is the one
the WebSocket gets. A request the engine refuses is a one-line failure with the
engine's own words (its ``errors[0]``: title and detail); an engine that cannot be
reached is exit 3, as over QIX.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from associa.cli.output import UNREACHABLE, USAGE, fail
from associa.cli.remote import REQUEST_SECONDS, engine_token


def rest_base(engine_url: str) -> str:
    """``ws://host:port/anything`` → ``http://host:port/api/v1``."""
    parts = urlsplit(engine_url)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        fail(f"--engine wants a ws:// or wss:// URL, not '{engine_url}'", USAGE)
    scheme = "https" if parts.scheme == "wss" else "http"
    return urlunsplit((scheme, parts.netloc, "/api/v1", "", ""))


def refusal(response: httpx.Response) -> str:
    """The engine's words for a failed request: its first error's title and detail."""
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        errors = []
    if errors and isinstance(errors[0], dict):
        title = str(errors[0].get("title") or "")
        detail = str(errors[0].get("detail") or "")
        text = f"{title}: {detail}" if detail and detail != title else title
        return text or f"HTTP {response.status_code}"
    return f"HTTP {response.status_code}"


class RestApi:
    """An httpx client on the engine's REST API, with the command's token."""

    def __init__(self, engine_url: str) -> None:
        self.where = engine_url
        token = engine_token()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(base_url=rest_base(engine_url), headers=headers,
                                   timeout=httpx.Timeout(REQUEST_SECONDS, connect=10.0))

    @classmethod
    @contextmanager
    def open(cls, engine_url: str) -> Iterator[RestApi]:
        api = cls(engine_url)
        try:
            yield api
        finally:
            api.client.close()

    def request(self, method: str, path: str, ok: tuple[int, ...] = (200,),
                **kwargs: Any) -> httpx.Response:
        """One request; an answer not in ``ok`` (404 aside, which callers name) ends
        the command with the engine's words."""
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            fail(f"cannot connect to {self.where}: {exc}", UNREACHABLE)
        if response.status_code not in ok:
            fail(refusal(response))
        return response

    def app_exists(self, app_id: str) -> bool:
        return self.request("GET", f"/apps/{app_id}", ok=(200, 404)).status_code == 200

    def export_app(self, app_id: str, no_data: bool) -> bytes:
        """The app file: ``POST /apps/{id}/export`` (201 and the Location of a
        temporary content), then that content."""
        reply = self.request("POST", f"/apps/{app_id}/export", ok=(201, 404),
                             params={"NoData": "true"} if no_data else {})
        if reply.status_code == 404:
            fail(f"app '{app_id}' not found on {self.where}")
        return self.request("GET", reply.headers["location"]).content

    def import_app(self, content: bytes, name: str, replace: str | None) -> dict[str, Any]:
        """``POST /apps/import`` (octet-stream): a new app named ``name``, or the app
        ``replace`` replaced in place (``mode=AUTOREPLACE``); the NxApp answered."""
        params = ({"mode": "AUTOREPLACE", "appId": replace} if replace
                  else {"mode": "NEW", "name": name})
        reply = self.request("POST", "/apps/import", params=params, content=content,
                             headers={"content-type": "application/octet-stream"})
        return dict(reply.json())

    def data_summary(self, app_id: str) -> dict[str, Any]:
        """``GET /apps/{id}/data/summary``: the data tables now and before the last
        reload."""
        reply = self.request("GET", f"/apps/{app_id}/data/summary", ok=(200, 404))
        if reply.status_code == 404:
            fail(f"app '{app_id}' not found on {self.where}")
        return dict(reply.json())
