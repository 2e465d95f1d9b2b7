"""Every client test runs twice: in process (``associa.client.local``) and over a
socket to a real server on a free port (``associa.client.connect``), with the same
assertions. ``app`` is a session app with ``SCRIPT`` loaded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from associa.client import Doc, Global, connect, local
from associa.qix.sessions import SessionManager
from tests.conftest import RunningServer

SCRIPT = """\
Sales:
LOAD * INLINE [
Region, Product, Amount, Qty
North, Bike, 100, 1
North, Lock, 20, 4
South, Bike, 150, 2
East, Helmet, 40, 3
West, Lock, 25.5, 5
];

Regions:
LOAD * INLINE [
Region, Manager
North, Ann
South, Bob
East, Cid
West, Dan
];
"""


@pytest.fixture(params=["local", "socket"])
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server(sessions: SessionManager) -> Iterator[RunningServer]:
    running = RunningServer(sessions.engine, sessions)
    yield running
    running.stop()


@pytest.fixture
def qix(flavour: str, sessions: SessionManager,
        request: pytest.FixtureRequest) -> Iterator[Global]:
    """A Global proxy of the flavour under test."""
    if flavour == "local":
        made = local(sessions)
    else:
        server: RunningServer = request.getfixturevalue("server")
        made = connect(f"{server.url}/app/")
    yield made
    made.connection.close()


@pytest.fixture
def app(qix: Global) -> Doc:
    doc: Doc = qix.create_session_app()
    doc.set_script(SCRIPT)
    assert doc.do_reload() is True
    return doc


def cube(*dims: str, measures: tuple[str, ...] = (), height: int = 50) -> dict[str, Any]:
    width = len(dims) + len(measures)
    return {"qInfo": {"qType": "table"}, "qHyperCubeDef": {
        "qDimensions": [{"qDef": {"qFieldDefs": [d], "qSortCriterias": [{"qSortByAscii": 1}]}}
                        for d in dims],
        "qMeasures": [{"qDef": {"qDef": m}} for m in measures],
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": width, "qHeight": height}]}}


def listbox(field: str) -> dict[str, Any]:
    return {"qInfo": {"qType": "listbox"}, "qListObjectDef": {
        "qDef": {"qFieldDefs": [field], "qSortCriterias": [{"qSortByAscii": 1}]},
        "qShowAlternatives": True,
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 50}]}}
