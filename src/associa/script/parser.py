"""Parsing one (already expanded) load-script statement into a statement node.

Statements are dispatched on their first keyword (``STATEMENTS``); a LOAD is parsed with
the expression parser for its field list and clauses. Errors carry the offset inside the
statement so that the interpreter can report the script line and column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from associa.errors import ExpressionError
from associa.expr import ast
from associa.expr.parser import Parser
from associa.expr.tokens import T, Token
from associa.script import loadsyntax as ls
from associa.script import metadata
from associa.script.connections import DISCONNECT, LIB_CONNECT, lib_name, sql_head
from associa.script.sources import TextFormat


class StatementError(ExpressionError):
    """A statement that does not parse; ``offset`` is its position in the statement."""


# -- statement nodes ------------------------------------------------------------------


@dataclass(slots=True)
class LoadItem:
    expr: ast.Node | None  # None for '*'
    name: str  # output field name ('*' for star)
    # where each name in the expression first appears in the statement (for errors)
    refs: dict[str, int] = field(default_factory=dict, compare=False)


@dataclass(slots=True)
class FileFormat:
    kind: str = ""  # "": by the file's extension (sources.formats.kind_of)
    text: TextFormat = field(default_factory=TextFormat)
    table: str | None = None  # ``table is``: a sheet or a JSON member
    record: str = "line"  # ``record is`` (fix)
    compression: str | None = None  # ``compression is`` (STORE into parquet)


@dataclass(slots=True)
class Load:
    label: str | None
    items: list[LoadItem]
    # "inline" | "file" | "resident" | "autogenerate" | "preceding" | "sql" | "from_field"
    source: str
    data: str = ""  # inline text, file path, resident table name or SQL statement
    data_field: str = ""  # FROM_FIELD (table, field): the field (``data`` the table)
    count: ast.Node | None = None  # AUTOGENERATE count
    fmt: FileFormat = field(default_factory=FileFormat)
    where: ast.Node | None = None
    distinct: bool = False
    prefixes: ls.Prefixes = field(default_factory=ls.Prefixes)
    while_: ast.Node | None = None
    group_by: list[ast.Node] | None = None
    order_by: list[ls.OrderKey] = field(default_factory=list)
    where_refs: dict[str, int] = field(default_factory=dict, compare=False)
    while_refs: dict[str, int] = field(default_factory=dict, compare=False)
    group_refs: dict[str, int] = field(default_factory=dict, compare=False)
    data_offset: int = field(default=0, compare=False)  # where an SQL text starts

    @property
    def concatenate(self) -> str | None:
        return self.prefixes.concatenate

    @property
    def no_concatenate(self) -> bool:
        return self.prefixes.no_concatenate


@dataclass(slots=True)
class LibConnect:
    name: str


@dataclass(slots=True)
class Disconnect:
    pass


@dataclass(slots=True)
class SetVar:
    name: str
    value: str


@dataclass(slots=True)
class LetVar:
    name: str
    expr: ast.Node


@dataclass(slots=True)
class DropTables:
    names: list[str]


@dataclass(slots=True)
class DropFields:
    names: list[str]
    tables: list[str]


@dataclass(slots=True)
class Trace:
    text: str


@dataclass(slots=True)
class Noop:
    pass


Node = (Load | LibConnect | Disconnect | SetVar | LetVar | DropTables | DropFields | Trace
        | Noop | ls.RenameItems | ls.Qualify | ls.MapUsing)


# -- the parser -----------------------------------------------------------------------


class StatementParser(Parser):
    def __init__(self, text: str, sql: tuple[str, int] | None = None) -> None:
        self.sql = sql  # an SQL statement's raw text and its offset (``sql_head``)
        try:
            super().__init__(text, comments=False)
        except ExpressionError as exc:  # a token error: keep its position in the statement
            err = StatementError(exc.detail, text=text)
            err.offset = exc.offset
            raise err from None

    def fail(self, message: str, tok: Token | None = None) -> StatementError:
        tok = tok or self.tok
        exc = StatementError(message, text=self.text)
        exc.offset = tok.pos
        return exc

    def unexpected(self, hint: str = "") -> StatementError:
        tok = self.tok
        what = "end of statement" if tok.kind is T.EOF else f"'{tok.value}'"
        return self.fail(f"Unexpected {what}" + (f", {hint}" if hint else ""), tok)

    def word(self, *words: str) -> bool:
        if self.tok.is_word(*words):
            self.advance()
            return True
        return False

    def expect_word(self, *words: str) -> None:
        if not self.word(*words):
            raise self.unexpected(f"expected {' or '.join(w.upper() for w in words)}")

    def name(self, what: str = "a name") -> str:
        tok = self.tok
        if tok.kind in (T.NAME, T.QUOTED, T.STRING):
            self.advance()
            return tok.value
        raise self.unexpected(f"expected {what}")

    def names(self) -> list[str]:
        out = [self.name()]
        while self.tok.is_op(","):
            self.advance()
            out.append(self.name())
        return out

    def end(self) -> None:
        if self.tok.kind is not T.EOF:
            raise self.unexpected()

    # -- statements -----------------------------------------------------------------

    def statement(self) -> Node:
        if self.tok.kind is T.EOF:
            return Noop()
        label = None
        if self.tok.kind in (T.NAME, T.QUOTED, T.STRING) and self.peek().is_op(":"):
            label = self.advance().value
            self.advance()
        tok = self.tok
        keyword = tok.value.lower() if tok.kind is T.NAME else ""
        if label is None and keyword in SIMPLE and (keyword == "let"
                                                    or not self.peek().is_op("=")):
            self.advance()
            return SIMPLE[keyword](self)
        if label is None and tok.kind in (T.NAME, T.QUOTED) and self.peek().is_op("="):
            return self.let_var()  # the LET keyword is optional
        if keyword in ls.LOAD_WORDS or (keyword == "sql" and self.sql is not None):
            return self.load(label)
        if keyword in ("odbc", "oledb", "connect", "connect32", "connect64", "custom"):
            raise self.fail(f"{tok.value.upper()} CONNECT is not supported: create a connection "
                            "(CreateConnection) and use LIB CONNECT TO 'name'", tok)
        if keyword in ("sqltables", "sqlcolumns", "sqltypes", "if", "for", "do", "sub", "call",
                       "switch", "exit", "binary", "section", "directory"):
            raise self.fail(f"The {tok.value.upper()} statement is not supported yet", tok)
        raise self.fail(f"Unknown statement: {tok.value}" if tok.value else "Unknown statement", tok)

    def let_var(self) -> LetVar:
        name = self.name("a variable name")
        if not self.tok.is_op("="):
            raise self.unexpected("expected '='")
        self.advance()
        expr = self.expression(0)
        self.end()
        return LetVar(name, expr)

    def drop(self) -> Node:
        if self.word("table", "tables"):
            names = self.names()
            self.end()
            return DropTables(names)
        if self.word("field", "fields"):
            names = self.names()
            tables: list[str] = []
            if self.word("from"):
                tables = self.names()
            self.end()
            return DropFields(names, tables)
        raise self.unexpected("expected TABLE or FIELD")

    # -- LOAD -----------------------------------------------------------------------

    def load(self, label: str | None) -> Load:
        prefixes, label = ls.parse_prefixes(self, label)
        if self.sql is not None and self.word("sql"):  # SQL SELECT: LOAD * from its result
            text, offset = self.sql
            self.end()
            return Load(label, [LoadItem(None, "*")], "sql", text, prefixes=prefixes,
                        data_offset=offset)
        if self.tok.is_word("sql", "select"):
            raise self.fail(f"The {self.tok.value.upper()} statement is not supported yet")
        self.expect_word("load")
        distinct = self.word("distinct")
        items = self.load_items()
        load = Load(label, items, "", distinct=distinct, prefixes=prefixes)
        tok = self.tok
        if self.word("inline"):
            data = self.tok
            if data.kind not in (T.QUOTED, T.STRING):
                raise self.unexpected("expected inline data in [ ]")
            self.advance()
            load.source, load.data = "inline", data.value
            if self.tok.is_op("("):
                load.fmt = self.format_spec()
        elif self.word("from"):
            load.source, load.data = "file", self.path()
            if self.tok.is_op("("):
                load.fmt = self.format_spec()
        elif self.word("resident"):
            load.source, load.data = "resident", self.name("a table name")
        elif self.word("from_field"):  # FROM_FIELD (table, field) [(format)]
            self.expect_op("(")
            load.source, load.data = "from_field", self.name("a table name")
            self.expect_op(",")
            load.data_field = self.name("a field name")
            self.expect_op(")")
            if self.tok.is_op("("):
                load.fmt = self.format_spec()
        elif self.word("autogenerate"):
            load.source = "autogenerate"
            load.count = self.expression(0)
        elif tok.kind is T.EOF or tok.is_word("where", "while", "group"):
            load.source = "preceding"  # reads the LOAD or SELECT written under it
        else:
            raise self.unexpected("expected FROM, FROM_FIELD, INLINE, RESIDENT or AUTOGENERATE")
        ls.parse_clauses(self, load)
        self.end()
        return load

    def load_items(self) -> list[LoadItem]:
        items: list[LoadItem] = []
        while True:
            if self.tok.is_op("*"):
                self.advance()
                items.append(LoadItem(None, "*"))
            elif (self.tok.kind is T.NAME and self.tok.value.startswith("@")
                  and self.peek().is_op(":")):
                items.append(self.position_item())
            else:
                start, first = self.tok, self.i
                expr = self.expression(0)
                end, refs = self.tok, self.refs(first)
                if self.word("as"):
                    name = self.name("a field name")
                elif isinstance(expr, ast.FieldRef):
                    name = expr.name
                else:
                    name = self.text[start.pos : end.pos].strip()
                items.append(LoadItem(expr, name, refs))
            if self.tok.is_op(","):
                self.advance()
                continue
            return items

    def position_item(self) -> LoadItem:
        """``@start:end [AS name]``: characters of a fixed-record line (``n``: to its end)."""
        tok = self.advance()
        self.advance()  # ':'
        end = self.tok
        if end.kind is T.NUMBER or (end.kind is T.NAME and end.value.lower() == "n"):
            self.advance()
        else:
            raise self.unexpected("expected an end position")
        ref = f"{tok.value}:{end.value}"
        name = self.name("a field name") if self.word("as") else ref
        return LoadItem(ast.FieldRef(ref), name, {ref: tok.pos})

    def refs(self, first: int) -> dict[str, int]:
        """Where each name among the tokens ``first`` up to the current one first appears:
        an unknown field is reported at its name, not at the statement's start."""
        out: dict[str, int] = {}
        for k in range(first, self.i):
            tok = self.tokens[k]
            if tok.kind is T.QUOTED or (tok.kind is T.NAME and not self.tokens[k + 1].is_op("(")):
                out.setdefault(tok.value, tok.pos)
        return out

    def path(self) -> str:
        tok = self.tok
        if tok.kind in (T.QUOTED, T.STRING):
            self.advance()
            return tok.value
        if tok.kind is T.EOF:
            raise self.unexpected("expected a file name")
        start = tok.pos
        while self.tok.kind is not T.EOF and not (
            self.tok.is_op("(") or self.tok.is_word("where", "while", "group", "order")
        ):
            self.advance()
        return self.text[start : self.tok.pos].strip()

    def format_spec(self) -> FileFormat:
        spec_tok = self.expect_op("(")
        kind = ""
        opts: dict[str, object] = {}
        extra: dict[str, str] = {}
        while True:
            tok = self.tok
            word = tok.value.lower() if tok.kind is T.NAME else ""
            if word in ("txt", "csv", "fix", "qvd", "ooxml", "biff", "parquet", "json"):
                self.advance()
                kind = "txt" if word == "csv" else word
            elif word in ("xml", "dif", "html", "kml", "qvx", "xmlsimple", "xmlsax",
                          "xmlgeneric"):
                raise self.fail(f"File format {tok.value} is not supported yet", tok)
            elif word in ("utf8", "ansi", "oem", "unicode", "mac", "utf7", "symbol"):
                self.advance()
                opts["charset"] = word
            elif word == "codepage":
                self.advance()
                self.expect_word("is")
                opts["charset"] = f"codepage:{self.advance().value}"
            elif word in ("embedded", "explicit"):
                self.advance()
                self.expect_word("labels")
                opts["labels"] = word
            elif word == "no":
                self.advance()
                if self.word("labels"):
                    opts["labels"] = "none"
                elif self.word("quotes"):
                    opts["quoting"] = "none"
                elif self.word("eof"):
                    pass  # an end-of-file character is no special case here
                else:
                    raise self.unexpected("expected LABELS, QUOTES or EOF")
            elif word == "msq":
                self.advance()
                opts["quoting"] = "msq"
            elif word == "delimiter":
                self.advance()
                self.expect_word("is")
                spec_tok = self.tok  # where an invalid delimiter is reported
                opts["delimiter"] = _delimiter(self.advance().value)
            elif word == "header":
                self.advance()
                self.expect_word("is")
                if self.tok.kind is not T.NUMBER:
                    raise self.unexpected("expected a number")
                opts["header_lines"] = int(float(self.advance().value))
                self.word("lines", "line")
            elif word == "record":
                self.advance()
                self.expect_word("is")
                if self.word("line"):
                    extra["record"] = "line"
                elif self.tok.kind is T.NUMBER:
                    count = str(int(float(self.advance().value)))
                    extra["record"] = f"{count} lines" if self.word("lines", "line") else count
                else:
                    raise self.unexpected("expected LINE or a number")
            elif word == "comment":
                self.advance()
                self.expect_word("is")
                opts["comment"] = self.advance().value
            elif word == "table":
                self.advance()
                self.expect_word("is")
                table = self.advance()
                if table.kind is T.EOF or table.is_op(")"):
                    raise self.fail("Expected a table name", table)
                extra["table"] = table.value
            elif word == "compression":
                self.advance()
                self.expect_word("is")
                extra["compression"] = self.advance().value.lower()
            else:
                raise self.unexpected("in file format")
            if self.tok.is_op(","):
                self.advance()
                continue
            break
        self.expect_op(")")
        try:
            text = TextFormat(**opts)  # type: ignore[arg-type]
        except ValueError as exc:
            raise self.fail(str(exc), spec_tok) from None
        return FileFormat(kind, text, extra.get("table"), extra.get("record", "line"),
                          extra.get("compression"))


def _delimiter(value: str) -> str:
    if value.lower() == "spaces":
        return "spaces"
    return {"\\t": "\t", "\\\\": "\\", "tab": "\t"}.get(value, value)


def _store(sp: StatementParser) -> Node:
    from associa.script.storing import parse_store  # the STORE statement's own module

    return parse_store(sp)  # type: ignore[return-value]


SIMPLE: dict[str, Callable[[StatementParser], Node]] = {
    "let": StatementParser.let_var,
    "drop": StatementParser.drop,
    "store": _store,
    **metadata.STATEMENTS,  # TAG / UNTAG, LOOSEN TABLE
    "rename": ls.parse_rename,
    "qualify": ls.parse_qualify,
    "unqualify": ls.parse_unqualify,
    "map": ls.parse_map,
    "unmap": ls.parse_unmap,
}

_SET = re.compile(r"\s*set\s+(\[[^\]]*\]|[^\s=]+)\s*=(.*)\Z", re.IGNORECASE | re.DOTALL)
_RAW = re.compile(r"\s*(rem|trace)(\s.*)?\Z", re.IGNORECASE | re.DOTALL)


def parse_statement(text: str) -> Node:
    """Parse one statement. SET, TRACE and REM take raw text, not tokens."""
    m = _SET.match(text)
    if m:
        name = m.group(1).strip("[]")
        raw = m.group(2).strip()
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"" and raw.count(raw[0]) == 2:
            raw = raw[1:-1]
        return SetVar(name, raw)
    m = _RAW.match(text)
    if m:
        if m.group(1).lower() == "trace":
            return Trace((m.group(2) or "").strip())
        return Noop()
    m = LIB_CONNECT.match(text)
    if m:
        name = lib_name(m.group(1))
        if not name:
            raise StatementParser(text).fail("LIB CONNECT TO needs a connection name")
        return LibConnect(name)
    if DISCONNECT.match(text):
        return Disconnect()
    sql = sql_head(text)
    if sql is not None:
        head, raw, offset = sql
        if not raw.strip() or raw.lower() == "select":
            raise StatementParser(head).fail("SQL statement without text")
        return StatementParser(head, (raw, offset)).statement()
    return StatementParser(text).statement()
