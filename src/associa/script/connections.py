"""Database statements of a load script: LIB CONNECT TO, DISCONNECT and SQL.

``LIB CONNECT TO 'name'`` opens the database of the app's connection of that name (the
interpreter's ``connect`` callback: the app decrypts the credentials and opens it with
``sources.database``); it stays the current connection until the next LIB CONNECT, a
DISCONNECT or the end of the script, when it is closed (also when the reload fails).

``SQL <text>`` (or ``SELECT …``) is a LOAD whose source is the statement's result set
(``parser.sql_head``): the text goes to the database verbatim after ``$(…)`` expansion,
and the result's columns keep their database types (``sources.typed``). Prefixes, labels
and a preceding LOAD on top of it are those of any LOAD. A statement that returns no
result set (DDL, INSERT, …) makes no table. A database error is a script error at the
statement, at the place in the SQL text the database names when it names one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from associa.errors import ScriptError
from associa.script import parser as p
from associa.script.sources.database import DatabaseError
from associa.script.sources.table import SourceTable
from associa.script.sources.typed import arrow_source

if TYPE_CHECKING:
    from associa.script.interpreter import Interpreter

Reader = Callable[[set[str] | None, Callable[[int], None]], SourceTable]


def do_lib_connect(interp: Interpreter, node: p.LibConnect) -> None:
    if interp.connect is None:
        raise ScriptError("No data connections in this context")
    disconnect(interp)
    interp.database = interp.connect(node.name)
    interp.say("Connected.")


def do_disconnect(interp: Interpreter, node: p.Disconnect) -> None:
    disconnect(interp)


def disconnect(interp: Interpreter) -> None:
    if interp.database is not None:
        database, interp.database = interp.database, None
        database.close()


def sql_source(interp: Interpreter, node: p.Load) -> tuple[list[str], Reader | None]:
    """Send an SQL statement to the connected database: the result's field names and
    how to read it, or None for a statement without a result set."""
    if interp.database is None:
        raise ScriptError("SQL statement without a data connection: connect first with "
                          "LIB CONNECT TO 'connection name'")
    try:
        result = interp.database.run(node.data, interp.check_cancelled)
    except DatabaseError as exc:
        err = p.StatementError(exc.message)
        err.offset = node.data_offset + max(exc.position, 0)
        raise err from None
    if result is None:
        return [], None

    def read(fields: set[str] | None, on_batch: Callable[[int], None]) -> SourceTable:
        source = arrow_source(result, interp.locale, fields, interp._interpreter_of)
        on_batch(result.num_rows)
        return source

    return list(result.column_names), read
