"""``associa serve`` as a user runs it: switches on the command line and in a settings
file, their errors, and a graceful stop (sockets closed with 1001, saves finished)."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from websockets.exceptions import ConnectionClosed

from tests.commands import associa, env_without_settings, serving
from tests.conftest import SALES_SCRIPT, WsClient


def one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_help_lists_every_switch() -> None:
    from associa.settings import SWITCHES

    done = associa("serve", "--help")
    assert done.returncode == 0
    for switch in SWITCHES:
        assert f"{switch.name} (env {switch.env}; default " in done.stdout, switch.name
    assert "-S, --set NAME=VALUE" in done.stdout and "--settings-file" in done.stdout


def test_unknown_switch_names_the_valid_ones(tmp_path: Path) -> None:
    done = associa("serve", "--data-dir", str(tmp_path), "-S", "SessionTimeout=5")
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert line.startswith("associa serve: unknown setting 'SessionTimeout'; the settings "
                           "are: Host, Port, DataDir, SessionTTL, MaxSessionTTL,")


def test_bad_switch_value(tmp_path: Path) -> None:
    done = associa("serve", "--data-dir", str(tmp_path), "-S", "MaxSessionTTL=soon")
    assert done.returncode == 2
    assert one_line(done.stderr) == ("associa serve: MaxSessionTTL must be a whole number of "
                                     "seconds or -1 (infinite), not 'soon'")


def test_bad_settings_file(tmp_path: Path) -> None:
    ini = tmp_path / "Settings.ini"
    ini.write_text("[Settings 7]\nPort=nine\n")
    done = associa("serve", "--data-dir", str(tmp_path), "--settings-file", str(ini))
    assert done.returncode == 2
    assert one_line(done.stderr) == f"associa serve: Port in {ini} must be a whole number, not 'nine'"


def test_switches_from_file_env_and_command_line(tmp_path: Path) -> None:
    """File < environment < -S: the TTL the sessions get shows it (a re-attach after the
    socket closed), and the log format the environment chose."""
    ini = tmp_path / "Settings.ini"
    ini.write_text("[Settings 7]\nSessionTTL=0\nLogFormat=text\nMaxSessionTTL=100\n")
    env = env_without_settings(ASSOCIA_LOG_FORMAT="json", ASSOCIA_SESSION_TTL="0")
    with serving("--port", "0", "--data-dir", str(tmp_path / "d"), "--settings-file",
                 str(ini), "-S", "sessionttl=30", env=env) as served:
        json.loads(served.wait_for_log("server started"))  # JSON: the environment's
        with WsClient(f"{served.url}/app/engineData/identity/me") as ws:
            ws.call("CreateSessionApp")
        with WsClient(f"{served.url}/app/engineData/identity/me") as ws:
            assert ws.hello["params"]["qSessionState"] == "SESSION_ATTACHED"  # -S's TTL


def test_graceful_stop(tmp_path: Path) -> None:
    """SIGTERM: open sockets are closed with 1001 ("going away") and the process ends."""
    with serving("--port", "0", "--data-dir", str(tmp_path / "d")) as served:
        ws = WsClient(f"{served.url}/app/stopping")
        ws.call("CreateSessionApp")
        ws.call("SetScript", SALES_SCRIPT, handle=1)
        served.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        code = None
        while time.monotonic() < deadline:
            try:
                ws.ws.recv(timeout=1)
            except TimeoutError:
                continue
            except ConnectionClosed as exc:
                assert exc.rcvd is not None
                code, reason = exc.rcvd.code, exc.rcvd.reason
                break
        ws.close()
        assert (code, reason) == (1001, "Server shutting down")
        served.proc.wait(15)
        served.wait_for_log("server stopping")


def test_accepted_connections_send_without_waiting_for_acks() -> None:
    # the listening socket names TCP, so that asyncio sets TCP_NODELAY on each connection
    # it accepts: without it a keep-alive HTTP response written in two parts waited for
    # the client's delayed ACK (about 40 ms per REST request)
    import asyncio
    import socket

    from associa.server.runner import bind

    async def accepted_nodelay() -> int:
        got: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def on_connect(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            sock = w.get_extra_info("socket")
            got.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            w.close()

        server = await asyncio.start_server(on_connect, sock=bind("127.0.0.1", 0))
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(got, 10)
        finally:
            writer.close()
            server.close()

    assert asyncio.run(accepted_nodelay()) != 0
