"""The socket flavour's own behaviour: reconnecting after a drop within the session's
TTL (handles stay valid), the engine's close codes, a token; the asyncio flavour."""

from __future__ import annotations

import asyncio
import socket

import pytest

from associa.client import ConnectionLost, EngineError, aconnect, alocal, connect
from associa.client.transport import AsyncSocketTransport
from associa.qix.sessions import SessionManager
from tests.client.conftest import SCRIPT, cube, listbox
from tests.conftest import RunningServer


def test_a_dropped_socket_reconnects_to_the_same_session(server: RunningServer) -> None:
    qix = connect(f"{server.url}/app/", ttl=30)
    try:
        app = qix.create_session_app()
        app.set_script(SCRIPT)
        app.do_reload()
        chart = app.create_session_object(cube("Region", measures=("Sum(Amount)",)))
        app.get_field("Region").select("North")
        transport = qix.connection.transport
        transport._ws.socket.shutdown(socket.SHUT_RDWR)  # no close frame: a drop
        # a call in flight when the drop is noticed loses its reply (at most one);
        # then the socket is back on the same session
        size, lost = None, 0
        while size is None and lost < 2:
            try:
                size = chart.get_layout()["qHyperCube"]["qSize"]
            except ConnectionLost:
                lost += 1
        assert size == {"qcx": 2, "qcy": 1}  # same handle, same selections
        assert transport.reconnects == 1
        assert qix.connection.session_state == "SESSION_ATTACHED"
    finally:
        qix.connection.close()


def test_a_dropped_asyncio_socket_reconnects_to_the_same_session(
        server: RunningServer) -> None:
    async def run() -> tuple[dict[str, int] | None, int, str]:
        qix = await aconnect(f"{server.url}/app/", ttl=30)
        try:
            app = await qix.create_session_app()
            await app.set_script(SCRIPT)
            await app.do_reload()
            chart = await app.create_session_object(cube("Region",
                                                         measures=("Sum(Amount)",)))
            await (await app.get_field("Region")).select("North")
            transport = qix.connection.transport
            sock = transport._ws.transport.get_extra_info("socket")
            sock.shutdown(socket.SHUT_RDWR)  # no close frame: a drop
            size, lost = None, 0
            while size is None and lost < 2:
                try:
                    size = (await chart.get_layout())["qHyperCube"]["qSize"]
                except ConnectionLost:
                    lost += 1
            return size, transport.reconnects, qix.connection.session_state
        finally:
            await qix.connection.aclose()

    # same handle, same selections, one reconnection, the session attached again
    assert asyncio.run(run()) == ({"qcx": 2, "qcy": 1}, 1, "SESSION_ATTACHED")


def test_without_a_ttl_the_session_does_not_survive(server: RunningServer) -> None:
    qix = connect(f"{server.url}/app/")
    try:
        app = qix.create_session_app()
        qix.connection.transport._ws.socket.shutdown(socket.SHUT_RDWR)
        codes = []
        while not codes or codes[-1] == 1006:
            with pytest.raises(EngineError) as info:
                app.get_app_layout()
            codes.append(info.value.code)
        assert codes[-1] == -32602 and len(codes) <= 2  # the handle died with the session
        assert qix.connection.session_state == "SESSION_CREATED"
    finally:
        qix.connection.close()


def test_an_engine_close_ends_the_connection(server: RunningServer) -> None:
    qix = connect(f"{server.url}/app/nosuch-app", reconnect_for=0)
    server.engine.create_app("gone", SCRIPT)
    try:
        app = qix.open_doc("gone")
        other = connect(f"{server.url}/app/")
        other.delete_app("gone")
        other.connection.close()
        with pytest.raises(ConnectionLost) as info:
            for _ in range(100):
                app.get_app_layout()
        assert info.value.code == 4204
    finally:
        qix.connection.close()


def test_asyncio_flavour(sessions: SessionManager, server: RunningServer) -> None:
    async def run(make: str) -> tuple[str, float, int]:
        qix = (await alocal(sessions) if make == "local"
               else await aconnect(f"{server.url}/app/"))
        try:
            app = await qix.create_session_app()
            await app.set_script(SCRIPT)
            assert await app.do_reload() is True
            chart = await app.create_session_object(cube("Region",
                                                         measures=("Sum(Amount)",)))
            changes = chart.changes()
            field = await app.get_field("Region")
            await field.select("South")
            await asyncio.wait_for(changes.__anext__(), 10)  # repaint
            await changes.aclose()
            table = await app.hypercube(["Region"], ["Sum(Amount)"])
            layout = await chart.get_layout()
            return (await app.evaluate("Sum(Amount)"), table.column(1)[0].as_py(),
                    layout["qHyperCube"]["qSize"]["qcy"])
        finally:
            await qix.connection.aclose()

    assert asyncio.run(run("local")) == asyncio.run(run("socket")) == ("150", 150.0, 1)


def test_asyncio_socket_is_native(server: RunningServer) -> None:
    """aconnect reads its socket in the event loop (websockets.asyncio); the helpers the
    asyncio flavour runs in worker threads send through that loop; requests run
    concurrently; after aclose a request fails with ConnectionLost."""
    async def run() -> tuple[list[str], list[str], bool]:
        qix = await aconnect(f"{server.url}/app/")
        assert isinstance(qix.connection.transport, AsyncSocketTransport)
        app = await qix.create_session_app()
        await app.set_script(SCRIPT)
        assert await app.do_reload() is True
        box = await app.create_session_object(listbox("Region"))
        await box.select_values(0, [0], False)  # a helper: a worker thread, BeginSelections
        selected = await box.has_selections()
        await box.end_selections(True)
        values = await asyncio.gather(*(app.evaluate(f"Only({{<Region={{{r}}}>}} Region)")
                                        for r in ("North", "South")))
        rows: list[str] = []
        await box.each_data_row(lambda n, row: rows.append(row[0]["qState"]))
        await qix.connection.aclose()
        with pytest.raises(ConnectionLost):
            await app.evaluate("1")
        return list(values), rows, selected

    values, states, selected = asyncio.run(run())
    assert values == ["North", "South"]
    assert selected is True
    assert states.count("S") == 1
