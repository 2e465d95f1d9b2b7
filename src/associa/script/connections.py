"""Database statements of a load script: LIB CONNECT TO, DISCONNECT and SQL (how the
parser recognises them, and what they do).

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

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from associa.errors import ScriptError
from associa.script.sources.database import DatabaseError
from associa.script.sources.table import SourceTable
from associa.script.sources.typed import arrow_source

if TYPE_CHECKING:
    from associa.script import parser as p
    from associa.script.interpreter import Interpreter

Reader = Callable[[set[str] | None, Callable[[int], None]], SourceTable]

# ``[label:] {prefix} SQL <text>`` or ``… SELECT <text>``: the text goes to the database
# verbatim (SqlStatement/SelectStatement in the engine's grammar), so it is split off
# before the statement is tokenized; the label and prefixes are parsed as for a LOAD
_LABEL = r"(?:[^\W\d][\w.$#-]*|\[[^\]]*\]|\"[^\"]*\"|'[^']*')\s*:"
_PREFIX = r"(?:[^\W\d]\w*|\d+(?:\.\d+)?)(?:\s*\([^()]*\))?"
_SQL = re.compile(rf"(\s*(?:{_LABEL})?\s*(?:{_PREFIX}\s+)*?)(sql|select)(?=\s|\Z)",
                  re.IGNORECASE)
SQL_PREFIXES = {"add", "buffer", "concatenate", "crosstable", "first", "generic", "hierarchy",
                "hierarchybelongsto", "info", "inner", "intervalmatch", "join", "keep", "left",
                "mapping", "merge", "noconcatenate", "only", "outer", "replace", "right",
                "sample", "semantic", "incremental", "inc", "incr", "stale", "after", "day",
                "days", "hour", "hours"}
LIB_CONNECT = re.compile(r"\s*lib\s+connect\s+to\b\s*(.*?)\s*\Z", re.IGNORECASE | re.DOTALL)
DISCONNECT = re.compile(r"\s*disconnect\s*\Z", re.IGNORECASE)


def sql_head(text: str) -> tuple[str, str, int] | None:
    """(label and prefixes with the keyword SQL, SQL text, its offset) of an SQL
    statement, or None for any other statement. ``SELECT …`` sends ``SELECT …``;
    ``SQL …`` sends what follows SQL."""
    m = _SQL.match(text)
    if not m:
        return None
    head = m.group(1)
    body = re.sub(r"\([^()]*\)", " ", re.sub(rf"^\s*{_LABEL}", "", head))
    words = re.findall(r"[^\W\d]\w*", body)
    if any(w.lower() not in SQL_PREFIXES for w in words):
        return None
    if m.group(2).lower() == "sql":
        start = m.end()
        rest = text[start:]
        offset = start + len(rest) - len(rest.lstrip())
    else:
        offset = m.start(2)
    return head + "sql", text[offset:].rstrip(), offset


def lib_name(raw: str) -> str:
    if len(raw) >= 2 and (raw[0], raw[-1]) in (("'", "'"), ('"', '"'), ("[", "]"), ("`", "`")):
        return raw[1:-1]
    return raw


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
    from associa.script.parser import StatementError

    try:
        result = interp.database.run(node.data, interp.check_cancelled)
    except DatabaseError as exc:
        err = StatementError(exc.message)
        err.offset = node.data_offset + max(exc.position, 0)
        raise err from None
    if result is None:
        return [], None

    def read(fields: set[str] | None, on_batch: Callable[[int], None]) -> SourceTable:
        source = arrow_source(result, interp.locale, fields, interp._interpreter_of)
        on_batch(result.num_rows)
        return source

    return list(result.column_names), read
