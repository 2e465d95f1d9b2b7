"""QIX for the CLI: ``associa.client``, in process or over a WebSocket.

Every command that reads or changes an app talks QIX through ``Qix``, so the same code
runs against the data folder (``Qix.local``: ``associa.client.local``, a session of an
in-process engine, no socket) and against a running engine (``Qix.remote``:
``associa.client.connect``, ``--engine ws://host:port``). The wire is the client's; this
adapter keeps the commands' few calls typed, and turns the client's errors into
``QixFailure``: the engine's words for people, and whether the engine is unreachable
(exit 3).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from associa.client import EngineError, Global
    from associa.client.connection import Connection
    from associa.engine import Engine

# how many cells one GetHyperCubeData page asks for (the engine's limit is 10,000)
PAGE_CELLS = 10_000
POLL_SECONDS = 0.2  # how often a reload's progress is asked for
# a command waits for as long as a request runs (a reload of a big app: hours)
REQUEST_SECONDS = 7 * 24 * 3600.0


# the bearer token a command sends to the engine of --engine (QIX and REST alike)
TOKEN_VARIABLE = "ASSOCIA_ENGINE_TOKEN"


def engine_token() -> str | None:
    """The token for --engine (``ASSOCIA_ENGINE_TOKEN``: a JWT or an API key), if set."""
    return os.environ.get(TOKEN_VARIABLE) or None


class QixFailure(Exception):
    """A QIX error response, or a connection that failed: ``message`` is for people."""

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


def error_text(error: EngineError) -> str:
    message = str(error.message or f"error {error.code}")
    parameter = error.parameter
    return f"{message}: {parameter}" if parameter and parameter not in message else message


class Qix:
    """A QIX connection: ``call`` sends one request and answers its result."""

    def __init__(self, proxy: Global, where: str = "") -> None:
        self.proxy = proxy
        self.connection: Connection = proxy.connection
        self.connection.timeout = REQUEST_SECONDS
        self.where = where  # the engine's URL; "" in process

    @classmethod
    @contextmanager
    def local(cls, engine: Engine) -> Iterator[Qix]:
        """A session of ``engine`` (the data folder's apps), without a socket."""
        from associa.client import local

        # the engine's request log is for a server's operator: a command's failures are
        # its own one-line messages (without a handler, Python would print warnings)
        logging.getLogger("associa").addHandler(logging.NullHandler())
        qix = cls(local(engine))
        try:
            yield qix
        finally:
            qix.connection.close()

    @classmethod
    @contextmanager
    def remote(cls, url: str) -> Iterator[Qix]:
        """A connection to the engine at ``url`` (ws://host:port or ws://host:port/app/x);
        a dropped socket is not made again: the command fails (exit 3). The token is
        ``ASSOCIA_ENGINE_TOKEN``'s."""
        from associa.client import connect

        try:
            proxy = connect(url, engine_token(), reconnect_for=0)
        except Exception as exc:  # noqa: BLE001 - OSError, websockets' refusals, bad URLs
            raise QixFailure(f"cannot connect to {url}: {exc}", unreachable=True) from exc
        qix = cls(proxy, url)
        try:
            yield qix
        finally:
            qix.connection.close()

    def _failure(self, err: EngineError) -> QixFailure:
        from associa.client import ConnectionLost

        if isinstance(err, ConnectionLost):
            return QixFailure(f"connection to {self.where or 'the engine'} lost",
                              unreachable=True)
        return QixFailure(error_text(err))

    def call(self, method: str, handle: int = -1, **params: Any) -> dict[str, Any]:
        """One request's result (safe from several threads at once)."""
        from associa.client import EngineError

        try:
            result = self.connection.call(handle, method, params)
        except EngineError as err:
            raise self._failure(err) from err
        return result if isinstance(result, dict) else {}

    def call_watching(self, method: str, handle: int,
                      on_progress: Callable[[dict[str, Any]], Any],
                      **params: Any) -> dict[str, Any]:
        """``call`` with GetProgress's answers for the request while it runs."""
        from associa.client import EngineError

        try:
            result = self.connection.call_watching(handle, method, params, on_progress,
                                                   POLL_SECONDS)
        except EngineError as err:
            raise self._failure(err) from err
        return result if isinstance(result, dict) else {}

    # -- Global ---------------------------------------------------------------------

    def open_doc(self, app_id: str) -> Doc:
        reply = self.call("OpenDoc", qDocName=app_id)
        return Doc(self, reply["qReturn"]["qHandle"])

    def create_app(self, name: str) -> str:
        return str(self.call("CreateApp", qAppName=name)["qAppId"])

    def get_doc_list(self) -> list[dict[str, Any]]:
        return list(self.call("GetDocList")["qDocList"])

    def create_session_app(self) -> Doc:
        reply = self.call("CreateSessionApp")
        return Doc(self, reply["qReturn"]["qHandle"])



class Doc:
    """An open app (a Doc handle)."""

    def __init__(self, qix: Qix, handle: int) -> None:
        self.qix = qix
        self.handle = handle

    def _call(self, method: str, **params: Any) -> dict[str, Any]:
        return self.qix.call(method, self.handle, **params)

    def evaluate_ex(self, expression: str) -> dict[str, Any]:
        return dict(self._call("EvaluateEx", qExpression=expression)["qValue"])

    def get_tables_and_keys(self) -> dict[str, Any]:
        return self._call("GetTablesAndKeys", qWindowSize={}, qNullSize={}, qCellHeight=0,
                          qSyntheticMode=False, qIncludeSysVars=False)

    def get_table_data(self, table: str, offset: int, rows: int) -> list[list[dict[str, Any]]]:
        """Rows ``offset`` .. ``offset + rows`` of a table in load order: each a list of
        FieldValues (qText, qIsNumeric, qNumber; qIsNull on a NULL)."""
        reply = self._call("GetTableData", qOffset=offset, qRows=rows, qSyntheticMode=False,
                           qTableName=table)
        return [list(row["qValue"]) for row in reply["qData"]]

    def get_all_infos(self) -> list[dict[str, Any]]:
        return list(self._call("GetAllInfos")["qInfos"])

    def get_field(self, name: str) -> Field:
        return Field(self.qix, self._call("GetField", qFieldName=name)["qReturn"]["qHandle"])

    def create_session_object(self, props: dict[str, Any]) -> GenericObject:
        reply = self._call("CreateSessionObject", qProp=props)
        return GenericObject(self.qix, reply["qReturn"]["qHandle"])

    def create_object(self, props: dict[str, Any]) -> str:
        return str(self._call("CreateObject", qProp=props)["qInfo"]["qId"])

    def create_dimension(self, props: dict[str, Any]) -> str:
        return str(self._call("CreateDimension", qProp=props)["qInfo"]["qId"])

    def create_measure(self, props: dict[str, Any]) -> str:
        return str(self._call("CreateMeasure", qProp=props)["qInfo"]["qId"])

    def create_variable_ex(self, props: dict[str, Any]) -> str:
        return str(self._call("CreateVariableEx", qProp=props)["qInfo"]["qId"])

    def create_bookmark(self, props: dict[str, Any]) -> str:
        return str(self._call("CreateBookmark", qProp=props)["qInfo"]["qId"])

    def create_connection(self, connection: dict[str, Any]) -> str:
        return str(self._call("CreateConnection", qConnection=connection)["qConnectionId"])

    def set_script(self, script: str) -> None:
        self._call("SetScript", qScript=script)

    def check_script_syntax(self) -> list[dict[str, Any]]:
        return list(self._call("CheckScriptSyntax")["qErrors"])

    def clear_all(self) -> None:
        self._call("ClearAll", qLockedAlso=False, qStateName="")

    def do_save(self) -> None:
        self._call("DoSave", qFileName="")

    def do_reload_ex(self, on_progress: Callable[[dict[str, Any]], None] | None = None,
                     ) -> dict[str, Any]:
        """DoReloadEx; while it runs, ``on_progress`` gets each GetProgress answer for
        it (asked for a few times a second, on the same connection), the last one once
        it has finished."""
        params = {"qParams": {"qMode": 0}}
        if on_progress is None:
            result = self._call("DoReloadEx", **params)
        else:
            result = self.qix.call_watching("DoReloadEx", self.handle, on_progress, **params)
        return dict(result["qResult"])


class Field:
    def __init__(self, qix: Qix, handle: int) -> None:
        self.qix = qix
        self.handle = handle

    def select_values(self, values: list[dict[str, Any]]) -> bool:
        reply = self.qix.call("SelectValues", self.handle, qFieldValues=values,
                              qToggleMode=False, qSoftLock=False)
        return bool(reply.get("qReturn"))


class GenericObject:
    def __init__(self, qix: Qix, handle: int) -> None:
        self.qix = qix
        self.handle = handle

    def get_layout(self) -> dict[str, Any]:
        return dict(self.qix.call("GetLayout", self.handle)["qLayout"])

    def get_hyper_cube_data(self, pages: list[dict[str, int]]) -> list[dict[str, Any]]:
        reply = self.qix.call("GetHyperCubeData", self.handle, qPath="/qHyperCubeDef",
                              qPages=pages)
        return list(reply["qDataPages"])

    def rows(self, width: int, total: int) -> Iterator[list[dict[str, Any]]]:
        """Every row of the object's hypercube, a page at a time."""
        height = max(PAGE_CELLS // max(width, 1), 1)
        for top in range(0, total, height):
            page = {"qTop": top, "qLeft": 0, "qWidth": width,
                    "qHeight": min(height, total - top)}
            for data in self.get_hyper_cube_data([page]):
                yield from data["qMatrix"]
