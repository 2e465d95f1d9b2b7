"""Databases a load script reads with ``SQL …``: DuckDB and SQLite files, PostgreSQL.

``open_database(kind, target, user, password, base_dir)`` opens one (``kind`` as
``database_kind`` names it); ``Database.run(sql, check)`` sends a statement to it
verbatim, as the engine passes ``SQL <text>`` to its connector, and gives its result set
as an Arrow table with the database's types (None when the statement returns no rows'
description: DDL, INSERT, …). ``check`` runs between batches of rows (it raises to
cancel), and, while the database computes, every 0.1 s in a watcher thread that
interrupts the statement when it raises (``_Watch``): a cancelled reload stops a long
query too. Failures raise ``DatabaseError`` with the database's message and, where the
database says it (PostgreSQL, DuckDB), the offset in the statement where it went wrong.

The drivers are the databases' own: ``duckdb`` (Arrow batches straight from the engine),
the standard ``sqlite3`` and ``psycopg`` 3; their rows become Arrow columns typed from
their Python values (``rows_table``).

Targets (a connection's ``qConnectionString``):

* duckdb, sqlite: the database file, absolute or relative to ``base_dir`` (also written
  ``duckdb:///path``/``sqlite:///path``); it must exist (a missing file is an error, not
  a new empty database); DuckDB's ``:memory:`` is a new empty database for the reload. The script's SQL reaches that file only: DuckDB runs without
  external access (no ``read_csv('/etc/…')``, ATTACH, COPY TO or extension installs),
  SQLite attaches no other database;
* postgresql: a libpq conninfo (``host=… port=… dbname=…``), a ``postgresql://`` URL, or
  ``key=value;…`` pairs as in a Qlik connector string (``host``, ``port``, ``db`` or
  ``database``, …), optionally wrapped in ``CUSTOM CONNECT TO "…"`` as corectl writes
  connections from its project files (``provider=<type>;key=value;…``). The user name and
  password come from the connection's (encrypted) credentials.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import pyarrow as pa

from associa.script.sources.typed import INTERPRET

__all__ = ["Database", "DatabaseError", "database_kind", "open_database", "postgres_params",
           "rows_table", "split_credentials", "sql_table_name"]

BATCH_ROWS = 65536  # rows fetched between two cancellation checks
_ALIASES = {"duckdb": "duckdb", "sqlite": "sqlite", "sqlite3": "sqlite",
            "postgresql": "postgresql", "postgres": "postgresql", "pgsql": "postgresql"}
_PG_KEYS = {"db": "dbname", "database": "dbname", "server": "host", "uid": "user",
            "username": "user", "userid": "user", "pwd": "password"}
_PG_IGNORED = {"provider", "driver"}


class DatabaseError(Exception):
    """A database refused a connection or a statement. ``position``: the offset in the
    statement where the database says the error is (-1 when it does not say)."""

    def __init__(self, message: str, position: int = -1) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


class Database(Protocol):
    kind: str

    def run(self, sql: str, check: Callable[[], None]) -> pa.Table | None: ...

    def close(self) -> None: ...


def database_kind(type_name: str) -> str | None:
    """The database a connection type names (``duckdb``, ``sqlite``, ``postgresql``;
    case-insensitive, with aliases such as ``postgres``), or None."""
    return _ALIASES.get(type_name.strip().lower())


def open_database(kind: str, target: str, user: str, password: str, base_dir: Path) -> Database:
    opener = _OPENERS.get(kind)
    if opener is None:
        raise DatabaseError(f"Unknown database type '{kind}'")
    return opener(target, user, password, base_dir)


# -- connection strings ---------------------------------------------------------------

_CUSTOM = re.compile(r"\s*custom\s+connect\s+to\s+(.*)\Z", re.IGNORECASE | re.DOTALL)


def _unwrapped(target: str) -> str:
    m = _CUSTOM.match(target)
    text = m.group(1).strip() if m else target.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return text.strip()


def _pairs(text: str) -> dict[str, str]:
    """``key=value;key=value`` (a Qlik connector string), keys lower-cased."""
    out: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, eq, value = part.partition("=")
        if not eq:
            raise DatabaseError(f"Invalid connection string part '{part.strip()}'")
        out[key.strip().lower()] = value.strip()
    return out


def postgres_params(target: str) -> dict[str, str]:
    """The libpq parameters of a PostgreSQL connection string (see the module doc)."""
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    text = _unwrapped(target)
    if ";" in text and not text.lower().startswith(("postgresql://", "postgres://")):
        params: dict[str, str] = {}
        for key, value in _pairs(text).items():
            if key not in _PG_IGNORED:
                params[_PG_KEYS.get(key, key)] = value
        return params
    try:
        return {k: str(v) for k, v in conninfo_to_dict(text).items()}
    except ProgrammingError as exc:
        raise DatabaseError(f"Invalid connection string: {_first_line(exc)}") from None


def split_credentials(kind: str, target: str) -> tuple[str, str, str]:
    """(target without credentials, user, password): a user name or password written in
    a PostgreSQL connection string is taken out of it, to be kept encrypted."""
    if kind != "postgresql":
        return target, "", ""
    from psycopg.conninfo import make_conninfo

    params = postgres_params(target)
    if "user" not in params and "password" not in params:
        return target, "", ""
    user = params.pop("user", "")
    password = params.pop("password", "")
    return make_conninfo(**params), user, password


def _file_path(target: str, base_dir: Path, kind: str) -> Path:
    text = _unwrapped(target)
    if ";" in text:  # provider=duckdb;database=…;
        pairs = _pairs(text)
        text = pairs.get("database") or pairs.get("path") or pairs.get("file") or ""
    for scheme in (f"{kind}:///", f"{kind}://", f"{kind}:"):
        if text.lower().startswith(scheme):
            text = text[len(scheme):]
            break
    if not text:
        raise DatabaseError("The connection names no database file")
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    path = path.resolve()
    if not path.is_file():
        raise DatabaseError(f"Database file not found: {path}")
    return path


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _Watch:
    """While a statement runs: call ``check`` every ``POLL`` seconds in a thread; when it
    raises (the reload was cancelled), ``interrupt`` the statement. The statement's
    thread then calls ``check`` itself (``cancelled``) to raise the cancellation."""

    POLL = 0.1

    def __init__(self, check: Callable[[], None], interrupt: Callable[[], None]) -> None:
        self.check = check
        self.interrupt = interrupt
        self.fired = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sql-cancel-watch", daemon=True)

    def __enter__(self) -> _Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.POLL):
            try:
                self.check()
            except BaseException:  # whatever cancels the reload
                self.fired = True
                try:
                    self.interrupt()
                except Exception:  # the statement may have just ended
                    pass
                return

    def cancelled(self) -> None:
        """Raise the cancellation if the watcher interrupted the statement."""
        if self.fired:
            self.check()


# -- DuckDB ---------------------------------------------------------------------------


class DuckDB:
    kind = "duckdb"

    def __init__(self, target: str, user: str, password: str, base_dir: Path) -> None:
        import duckdb

        memory = _unwrapped(target).lower() in (":memory:", "duckdb:///:memory:")
        path = ":memory:" if memory else str(_file_path(target, base_dir, "duckdb"))
        try:  # no file but the database's own: no read_csv('/etc/…'), ATTACH, COPY TO
            self.conn = duckdb.connect(path, config={"enable_external_access": False})
        except duckdb.Error as exc:
            raise DatabaseError(f"Cannot open DuckDB database {path}: {_first_line(exc)}") from None

    def run(self, sql: str, check: Callable[[], None]) -> pa.Table | None:
        import duckdb

        statements: list[Any] = []
        results = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN,
                   duckdb.StatementType.PRAGMA, duckdb.StatementType.CALL,
                   duckdb.StatementType.EXECUTE, duckdb.StatementType.RELATION}
        watch = _Watch(check, self.conn.interrupt)
        try:
            with watch:
                statements = duckdb.extract_statements(sql)
                if not statements or statements[-1].type not in results:
                    self.conn.execute(sql)
                    return None
                rel = self.conn.sql(sql)
                reader = _duckdb_reader(rel)
                batches = []
                for batch in reader:
                    batches.append(batch)
                    check()
                return pa.Table.from_batches(batches, schema=reader.schema)
        except duckdb.Error as exc:
            watch.cancelled()
            if "\nLINE " not in str(exc) and statements and all(
                    st.type == duckdb.StatementType.SELECT for st in statements):
                # the relation API leaves out where; a query (no side effect) run through
                # execute says it
                try:
                    self.conn.execute(sql)
                except duckdb.Error as again:
                    exc = again
            raise DatabaseError(_duckdb_message(exc), _duckdb_position(exc, sql)) from None

    def close(self) -> None:
        self.conn.close()


def _duckdb_reader(rel: Any) -> pa.RecordBatchReader:
    for name in ("to_arrow_reader", "fetch_arrow_reader", "fetch_record_batch"):
        method = getattr(rel, name, None)
        if method is not None:
            return method(BATCH_ROWS)
    return rel.record_batch(BATCH_ROWS)  # duckdb 1.0


def _duckdb_message(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.split("\n\n")[0].replace("\n", " ") if text else type(exc).__name__


_DUCK_LINE = re.compile(r"^LINE (\d+): (.*)$", re.MULTILINE)


def _duckdb_position(exc: BaseException, sql: str) -> int:
    """Where DuckDB's caret points (its message shows ``LINE n: <text>`` and a ``^``
    under the place), as an offset in ``sql``; -1 when it shows none."""
    text = str(exc)
    m = _DUCK_LINE.search(text)
    if not m:
        return -1
    after = text[m.end() + 1:].split("\n", 1)[0]
    caret = after.find("^")
    if caret < 0:
        return -1
    shown = m.group(2)
    col = caret - (len(m.group(0)) - len(shown))
    lines = sql.split("\n")
    n = int(m.group(1)) - 1
    if not 0 <= n < len(lines) or col < 0:
        return -1
    start = sum(len(line) + 1 for line in lines[:n])
    skipped = 0
    if shown.startswith("..."):  # a long line is shown from a later place
        shown, col = shown[3:], col - 3
        found = lines[n].find(shown[:20])
        if found < 0:
            return -1
        skipped = found
    return start + skipped + max(col, 0)


# -- SQLite ---------------------------------------------------------------------------


class SQLite:
    kind = "sqlite"

    def __init__(self, target: str, user: str, password: str, base_dir: Path) -> None:
        path = _file_path(target, base_dir, "sqlite")
        try:
            self.conn = sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True,
                                        isolation_level=None, check_same_thread=False)
            self.conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)  # no ATTACH of other files
        except sqlite3.Error as exc:
            raise DatabaseError(f"Cannot open SQLite database {path}: {_first_line(exc)}") from None

    def run(self, sql: str, check: Callable[[], None]) -> pa.Table | None:
        watch = _Watch(check, self.conn.interrupt)
        try:
            with watch:
                got = _fetched(self.conn.execute(sql), check)
        except sqlite3.Error as exc:
            watch.cancelled()
            raise DatabaseError(f"SQLite: {_first_line(exc)}") from None
        return None if got is None else rows_table(*got)

    def close(self) -> None:
        self.conn.close()


# -- PostgreSQL -----------------------------------------------------------------------


class Postgres:
    kind = "postgresql"

    def __init__(self, target: str, user: str, password: str, base_dir: Path) -> None:
        import psycopg

        params = postgres_params(target)
        if user:
            params["user"] = user
        if password:
            params["password"] = password
        params.setdefault("connect_timeout", "10")
        try:
            self.conn = psycopg.connect(autocommit=True, **params)  # type: ignore[arg-type]
        except psycopg.Error as exc:
            where = params.get("host", "")
            raise DatabaseError(f"Cannot connect to PostgreSQL{' at ' + where if where else ''}:"
                                f" {_first_line(exc)}") from None

    def run(self, sql: str, check: Callable[[], None]) -> pa.Table | None:
        import psycopg

        conn = self.conn
        watch = _Watch(check, getattr(conn, "cancel_safe", conn.cancel))
        try:
            with watch, conn.cursor() as cur:
                cur.execute(sql)  # the script's text, verbatim
                got = _fetched(cur, check)
        except psycopg.Error as exc:
            watch.cancelled()
            diag = getattr(exc, "diag", None)
            message = (diag.message_primary if diag is not None else None) or _first_line(exc)
            pos = diag.statement_position if diag is not None else None
            position = int(pos) - 1 if pos and str(pos).isdigit() else -1
            raise DatabaseError(f"PostgreSQL: {message}", position) from None
        return None if got is None else rows_table(*got)

    def close(self) -> None:
        self.conn.close()


_OPENERS: dict[str, Callable[[str, str, str, Path], Database]] = {
    "duckdb": DuckDB,
    "sqlite": SQLite,
    "postgresql": Postgres,
}


# -- rows to Arrow --------------------------------------------------------------------

_PLAIN = (type(None), bool, int, float, str, bytes, Decimal, date, datetime, time, timedelta)


def _fetched(cur: Any, check: Callable[[], None]
             ) -> tuple[list[str], list[Sequence[Any]]] | None:
    """A DB-API cursor's column names and rows, fetched in batches with ``check`` (a
    cancel) between them; None for a statement without a result set."""
    if cur.description is None:
        return None
    names = [d[0] for d in cur.description]
    rows: list[Sequence[Any]] = []
    while batch := cur.fetchmany(BATCH_ROWS):
        rows.extend(batch)
        check()
    return names, rows


def rows_table(names: list[str], rows: Sequence[Sequence[Any]]) -> pa.Table:
    """Rows of Python values (a DB-API result) as an Arrow table, each column typed from
    its values; a column of values of several types (SQLite) is a struct of its numbers
    and its other values as texts, marked to be interpreted (``typed.INTERPRET``)."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays, fields = [], []
    for name, values in zip(names, columns, strict=True):
        arr, untyped = _column(list(values))
        arrays.append(arr)
        fields.append(pa.field(name, arr.type, metadata={INTERPRET: b"1"} if untyped else None))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _column(values: list[Any]) -> tuple[pa.Array, bool]:
    if not all(isinstance(v, _PLAIN) for v in values):
        values = [_plain(v) for v in values]
    try:
        return pa.array(values), False
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        pass
    # values of several types in one column (SQLite): the numbers stay numbers, the
    # other values are texts to interpret (typed.INTERPRET)
    nums = [float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
            for v in values]
    texts = [None if v is None or n is not None else _text(v) for v, n in zip(values, nums,
                                                                              strict=True)]
    return pa.StructArray.from_arrays([pa.array(nums, pa.float64()), pa.array(texts, pa.string())],
                                      names=["num", "text"]), True


def _plain(v: Any) -> Any:
    if isinstance(v, _PLAIN):
        return v
    if isinstance(v, memoryview | bytearray):
        return bytes(v)
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, dict | list | tuple):
        import json

        return json.dumps(v, default=str)
    return str(v)


def _text(v: Any) -> str:
    return v.hex() if isinstance(v, bytes) else str(v)


# -- default table names --------------------------------------------------------------

_FROM = re.compile(
    r"\bfrom\s+((?:(?:\"[^\"]+\"|\[[^\]]+\]|`[^`]+`|[\w$#@]+)\s*\.\s*)*"
    r"(?:\"[^\"]+\"|\[[^\]]+\]|`[^`]+`|[\w$#@]+))",
    re.IGNORECASE,
)


def sql_table_name(sql: str) -> str | None:
    """The table a statement reads, for an unlabelled ``SQL SELECT``: the name right
    after its first FROM (help "Table names": the table name immediately following the
    keyword FROM, at most 32 characters), without schema and quotes; None without one."""
    flat = re.sub(r"'(?:[^']|'')*'", "''", sql)  # no FROM inside a literal,
    while True:  # nor inside parentheses (extract(year from d), subqueries)
        inner = re.sub(r"\([^()]*\)", "()", flat)
        if inner == flat:
            break
        flat = inner
    m = _FROM.search(flat)
    if not m:
        return None
    last = re.split(r"\s*\.\s*(?=(?:\"|\[|`|[\w$#@]))", m.group(1))[-1]
    name = last.strip("\"[]`")
    return name[:32] or None
