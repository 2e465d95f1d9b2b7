"""The Backend API helpers in Python play the scenario the JavaScript module plays
(tests/clients/data/backend-api-scenario.json, run by tests/clients/backend-api.test.mjs):
the same calls on the same app, and after each one the same rows, selections and totals.
Run in process and over a socket (the ``app`` fixture of this package's conftest), and on
the asyncio flavour (``alocal``, ``aconnect``)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("associa.client", reason="the Python client (associa.client) is not here")

from associa.client import aconnect, alocal  # noqa: E402
from associa.qix.sessions import SessionManager  # noqa: E402
from tests.conftest import RunningServer  # noqa: E402

SCENARIO = json.loads(
    (Path(__file__).resolve().parents[1] / "clients" / "data" / "backend-api-scenario.json")
    .read_text("utf-8"))

# the scenario's camelCase calls and the Python helpers' names
NAMES = {
    "getData": "get_data", "selectValues": "select_values", "selectRange": "select_range",
    "clearSelections": "clear_selections", "endSelections": "end_selections",
    "search": "search", "acceptSearch": "accept_search", "abortSearch": "abort_search",
    "setProperties": "set_properties",
}


def texts(obj: Any) -> list[list[str]]:
    rows: list[list[str]] = []
    obj.each_data_row(lambda rownum, row: rows.append([c.get("qText") for c in row]))
    return rows


def states(obj: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    obj.each_data_row(lambda rownum, row: out.__setitem__(row[0]["qText"], row[0]["qState"]))
    return out


def row_count(obj: Any) -> int:
    layout = obj.get_layout()
    data = layout.get("qHyperCube") or layout.get("qListObject")
    return int(data["qSize"]["qcy"])


def elems(obj: Any, dim: int, wanted: list[str]) -> list[int]:
    col = 0 if "qListObject" in obj.get_layout() else dim
    found: dict[str, int] = {}
    obj.each_data_row(lambda rownum, row: found.__setitem__(row[col]["qText"],
                                                             row[col]["qElemNumber"]))
    return [found[t] for t in wanted]


def changed(obj: Any, changes: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = obj.get_properties()
    for where, value in changes.items():
        *keys, last = [k for k in where.split("/") if k]
        node = props
        for k in keys:
            node = node[k]
        node[last] = value
    return props


def play(obj: Any, step: dict[str, Any]) -> None:
    if not step.get("call"):
        return
    args = list(step["args"])
    if step["call"] == "selectValues":
        args[1] = elems(obj, args[0], args[1])
    if step["call"] == "setProperties":
        args[0] = changed(obj, args[0])
    getattr(obj, NAMES[step["call"]])(*args)


def test_the_shared_scenario(app: Any) -> None:
    app.set_script(SCENARIO["script"])
    assert app.do_reload() is True
    objects = {name: app.create_session_object(definition)
               for name, definition in SCENARIO["objects"].items()}
    for i, step in enumerate(SCENARIO["steps"]):
        obj = objects[step["object"]]
        where = f"step {i} ({step['object']}.{step['call']}): {step.get('note', '')}"
        play(obj, step)
        want = step["expect"]
        if "rows" in want:
            assert texts(obj) == want["rows"], where
        if "rowCount" in want:
            assert row_count(obj) == want["rowCount"], where
        if "hasSelections" in want:
            assert obj.has_selections() is want["hasSelections"], where
        if "states" in want:
            assert states(obj) == want["states"], where
        for expr, value in want.get("evaluate", {}).items():
            assert app.evaluate(expr) == value, f"{where}: {expr}"


@pytest.mark.parametrize("make", ["alocal", "aconnect"])
def test_the_shared_scenario_in_asyncio(make: str, sessions: SessionManager,
                                        request: pytest.FixtureRequest) -> None:
    """The same scenario on the asyncio flavour (the helpers as coroutines), in process
    and over aconnect's native asyncio socket; the checks read the blocking proxies of
    the same handles in a worker thread."""
    async def run() -> int:
        if make == "alocal":
            qix = await alocal(sessions)
        else:
            server: RunningServer = request.getfixturevalue("server")
            qix = await aconnect(f"{server.url}/app/")
        try:
            app = await qix.create_session_app()
            await app.set_script(SCENARIO["script"])
            assert await app.do_reload() is True
            objects = {name: await app.create_session_object(definition)
                       for name, definition in SCENARIO["objects"].items()}
            for i, step in enumerate(SCENARIO["steps"]):
                obj = objects[step["object"]]
                where = f"step {i} ({step['object']}.{step['call']})"
                if step.get("call"):
                    args = list(step["args"])
                    if step["call"] == "selectValues":
                        args[1] = await asyncio.to_thread(elems, obj.sync, args[0], args[1])
                    if step["call"] == "setProperties":
                        args[0] = await asyncio.to_thread(changed, obj.sync, args[0])
                    await getattr(obj, NAMES[step["call"]])(*args)
                want = step["expect"]
                if "rows" in want:
                    assert await asyncio.to_thread(texts, obj.sync) == want["rows"], where
                if "rowCount" in want:
                    assert await obj.get_row_count() == want["rowCount"], where
                if "hasSelections" in want:
                    assert await obj.has_selections() is want["hasSelections"], where
                if "states" in want:
                    assert await asyncio.to_thread(states, obj.sync) == want["states"], where
                for expr, value in want.get("evaluate", {}).items():
                    assert await app.evaluate(expr) == value, f"{where}: {expr}"
            return len(SCENARIO["steps"])
        finally:
            await qix.connection.aclose()

    assert asyncio.run(run()) == len(SCENARIO["steps"])
