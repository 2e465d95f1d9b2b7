"""Qlik's Python SDK (``qlik-sdk`` from PyPI) against a real engine: its ``Apps``,
``Items``, ``Reloads``, ``Users``, ``Spaces`` and ``ApiKeys`` classes over REST, and its app
session over QIX.

qlik-sdk 0.17 pins PyJWT 2.4.0, requests 2.27.1 and websocket-client 1.3.2, so it lives in
a virtual environment of its own (``.venv-sdk``, made by ``make test``); the SDK's side of
each test (``sdk_scenarios.py``) runs there as a plain SDK user, and these tests check what
it saw and what the engine holds afterwards. Outside CI the tests are skipped when that
environment is missing; in CI (``CI`` set) they fail.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from associa.engine import Engine
from associa.settings import Settings
from tests.conftest import RunningServer

KEY = "sdk-admin-key"
ROOT = Path(__file__).resolve().parents[2]
SDK_PYTHON = Path(os.environ.get("ASSOCIA_SDK_PYTHON", ROOT / ".venv-sdk" / "bin" / "python"))
SCENARIOS = Path(__file__).with_name("sdk_scenarios.py")


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=KEY)


@pytest.fixture
def sdk(rest_server: RunningServer) -> Any:
    def run(scenario: str) -> dict[str, Any]:
        return run_scenario(f"http://127.0.0.1:{rest_server.port}", scenario)

    return run


def run_scenario(host: str, scenario: str,
                 env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one of ``sdk_scenarios.py`` with the SDK pointed at ``host``; what it saw."""
    if not SDK_PYTHON.exists():
        message = f"qlik-sdk's environment {SDK_PYTHON} is missing (make sdk)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    done = subprocess.run([str(SDK_PYTHON), str(SCENARIOS), host, KEY, scenario],
                          capture_output=True, text=True, timeout=180, check=False, env=env)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise AssertionError(f"qlik-sdk scenario {scenario} failed: "
                             f"{done.stderr.strip().splitlines()[-1:]}")
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def test_apps_items_reloads(sdk: Any, rest_engine: Engine) -> None:
    seen = sdk("apps_items_reloads")
    app_id = seen["app_id"]
    assert seen["got_name"] == "From SDK"
    assert seen["renamed"] == ["Renamed", "by the SDK"]
    assert rest_engine.get_app(app_id).title == "Renamed"
    assert seen["script_versions"] == ["four rows"]
    # a reload through REST, followed by the SDK until it ends
    assert seen["reload_created"] == [app_id, True]
    assert seen["reload_status"] == "SUCCEEDED" and seen["reload_log_has_rows"]
    assert seen["reloads_of_app"] == [seen["reload_id"]]
    assert seen["tables"] == {"T": 4}
    model = rest_engine.get_app(app_id).model
    assert model.data_tables == ["T"] and model.data_fields == ["N"]
    assert seen["lineage"] == [["AUTOGENERATE", "T: LOAD RecNo() AS N AutoGenerate 4"]]
    assert seen["copy_id"] != app_id and not rest_engine.app_exists(seen["copy_id"])
    assert seen["first_page"] == ["Renamed", "Copy"]
    assert seen["all_pages"] == ["Renamed", "Copy", "More 0", "More 1", "More 2"]
    assert seen["me"] == ["admin", "associa"]


def test_spaces_users_api_keys(sdk: Any) -> None:
    seen = sdk("spaces_users_api_keys")
    assert seen["user"] == ["carl", "Carl"]
    assert seen["patched_name"] == "Carla"
    assert "carl" in seen["subjects"]
    assert seen["space"] == ["shared", "Finance"]
    assert seen["assignees"] == ["carl"]
    assert seen["changed_roles"] == ["producer"]
    assert seen["spaces"] == ["Finance"] and seen["spaces_after"] == []
    assert seen["token_prefix"] == "associa"
    assert seen["key_listed"] and seen["key_status"] == "revoked"
    assert "carl" not in seen["subjects_after"]


class Port443:
    """What a deployment puts on a host's port 443 in front of an engine, for the test:
    TLS with the host's certificate (a load balancer's termination), forwarding to the
    engine's plain port, reached as an HTTP CONNECT proxy. qlik-sdk 0.17 opens apps at
    ``wss://<hostname>/app/<id>``, port 443 whatever port its host setting names
    (``qlik_sdk/rpc.py``); its WebSocket library takes a proxy from ``https_proxy`` and
    trusted certificates from ``WEBSOCKET_CLIENT_CA_BUNDLE``, as for any host."""

    def __init__(self, engine_port: int, tls: ssl.SSLContext) -> None:
        self.engine_port, self.tls = engine_port, tls
        self.loop = asyncio.new_event_loop()
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._tunnel, "127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    async def _tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        method, target = head.split(" ", 2)[:2]
        if method != "CONNECT" or not target.endswith(":443"):
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            writer.close()
            return
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await writer.start_tls(self.tls)
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.engine_port)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while chunk := await source.read(65536):
                    sink.write(chunk)
                    await sink.drain()
            except (ConnectionError, ssl.SSLError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def close(self) -> None:
        async def stop() -> None:
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def test_the_sdk_opens_the_app_over_qix(rest_server: RunningServer, rest_engine: Engine,
                                        tmp_path: Path) -> None:
    """The SDK's app session (``Apps.open``, SetScript, DoReload, DoSave, Evaluate) over
    ``wss://localhost`` (port 443, TLS ended in front of the engine as a load balancer
    does), its REST calls to the engine's own port."""
    from tests.auth.material import make_pki

    pki = make_pki(tmp_path / "pki")
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(pki.server_cert, pki.server_key)
    port443 = Port443(rest_server.port, tls)
    try:
        env = {k: v for k, v in os.environ.items() if k.lower() not in (
            "https_proxy", "http_proxy", "no_proxy", "all_proxy")}
        env.update(https_proxy=port443.url, no_proxy="none.invalid",
                   WEBSOCKET_CLIENT_CA_BUNDLE=str(pki.ca))
        seen = run_scenario(f"http://localhost:{rest_server.port}", "app_over_qix", env)
    finally:
        port443.close()
    assert seen["reloaded"] is True and seen["sum"] == "6"
    app = rest_engine.get_app(seen["app_id"])  # the SDK's reload, saved by the engine
    assert app.title == "Over QIX" and app.model.tables["T"].nrows == 3
