"""Parsing the LOAD statement's prefixes and clauses, and the statements that rename,
qualify and map fields (the parts of the grammar that belong to loading).

``LoadStatement ::= { TableLabel | LoadPrefix } 'Load' ['Distinct'] FieldList
[LoadSource] [Where | While] [Group By …] [Order By …]`` (the engine's BNF, condensed in
qlik-language.md §2.1). The label and the prefixes come in any order before ``LOAD``;
``ORDER BY`` is only meaningful after ``RESIDENT`` (a file source is read in its own
order). A LOAD without a source is a preceding load: it reads the output of the LOAD (or
SELECT) written under it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from associa.expr import ast
from associa.expr.tokens import T

if TYPE_CHECKING:
    from associa.script.parser import StatementParser

# words that start a LOAD statement (its prefixes and the LOAD keyword itself)
LOAD_WORDS = frozenset({
    "load", "concatenate", "noconcatenate", "join", "inner", "outer", "left", "right",
    "keep", "mapping", "crosstable", "intervalmatch", "generic", "hierarchy",
    "hierarchybelongsto", "first", "sample", "buffer", "add", "replace", "merge",
})


@dataclass(slots=True)
class Prefixes:
    """The prefixes written before one LOAD (``None``/False: not given)."""

    concatenate: str | None = None  # None: automatic; "": last table; name: that table
    no_concatenate: bool = False
    join: str | None = None  # "outer" | "inner" | "left" | "right"
    keep: str | None = None  # "inner" | "left" | "right"
    target: str | None = None  # the (table) of JOIN or KEEP
    mapping: bool = False
    crosstable: tuple[str, str, int] | None = None  # attribute field, data field, qualifiers
    intervalmatch: list[str] | None = None  # the match field, then the key fields
    generic: bool = False
    hierarchy: list[str] | None = None  # Hierarchy(...) arguments
    belongs_to: list[str] | None = None  # HierarchyBelongsTo(...) arguments
    first: ast.Node | None = None
    sample: ast.Node | None = None
    buffer: bool = False
    mode: str | None = None  # "add" | "replace" | "merge" (partial reload)
    only: bool = False  # ADD ONLY / REPLACE ONLY / MERGE ONLY: partial reloads only
    merge_keys: list[str] = field(default_factory=list)  # MERGE … ON keys
    merge_sequence: str | None = None  # MERGE (SequenceNoField [, SequenceNoVar])
    merge_sequence_var: str | None = None

    def transforms(self) -> bool:
        """Whether a prefix reshapes the LOAD's rows before they are stored."""
        return bool(self.crosstable or self.generic or self.hierarchy or self.belongs_to
                    or self.intervalmatch is not None)


@dataclass(slots=True)
class OrderKey:
    name: str
    descending: bool = False


@dataclass(slots=True)
class RenameItems:
    kind: str  # "table" | "field"
    pairs: list[tuple[str, str]]
    using: str | None = None  # a mapping table of old → new names


@dataclass(slots=True)
class Qualify:
    patterns: list[str]
    on: bool  # QUALIFY (True) or UNQUALIFY (False)


@dataclass(slots=True)
class MapUsing:
    fields: list[str]  # field names or patterns ('*')
    mapping: str | None  # None: UNMAP


# -- prefixes -------------------------------------------------------------------------


def parse_prefixes(sp: StatementParser, label: str | None) -> tuple[Prefixes, str | None]:
    """The prefixes (and the label, which may stand among them) before ``LOAD``."""
    pre = Prefixes()
    while True:
        tok = sp.tok
        if tok.kind in (T.NAME, T.QUOTED, T.STRING) and sp.peek().is_op(":") and label is None:
            label = sp.advance().value
            sp.advance()
            continue
        word = tok.value.lower() if tok.kind is T.NAME else ""
        if word == "load" or word == "" or word not in _PREFIX:
            return pre, label
        sp.advance()
        _PREFIX[word](sp, pre, word)


def _concatenate(sp: StatementParser, pre: Prefixes, word: str) -> None:
    if word == "noconcatenate":
        pre.no_concatenate = True
        return
    pre.concatenate = _table_arg(sp) or ""


def _join_or_keep(sp: StatementParser, pre: Prefixes, word: str) -> None:
    kind = word
    start = sp.tokens[sp.i - 1]
    if word in ("inner", "outer", "left", "right"):
        if sp.word("join"):
            pre.join = kind
        elif sp.word("keep"):
            if kind == "outer":
                raise sp.fail("OUTER KEEP is not a valid prefix; use INNER, LEFT or RIGHT KEEP",
                              start)
            pre.keep = kind
        else:
            raise sp.unexpected("expected JOIN or KEEP")
    elif word == "join":
        pre.join = "outer"  # a plain JOIN is an outer join (help "Join")
    else:  # a bare KEEP: the BNF accepts it; the help says it needs a qualifier
        pre.keep = "inner"
    pre.target = _table_arg(sp)


def _table_arg(sp: StatementParser) -> str | None:
    if sp.tok.is_op("("):
        sp.advance()
        name = sp.name("a table name")
        sp.expect_op(")")
        return name
    return None


def _name_args(sp: StatementParser, what: str) -> list[str]:
    sp.expect_op("(")
    out: list[str] = []
    while True:
        tok = sp.tok
        if tok.kind is T.NUMBER:
            out.append(sp.advance().value)
        elif tok.is_op(")") and out and out[-1] == "":
            break
        else:
            out.append(sp.name(f"a {what} argument"))
        if sp.tok.is_op(","):
            sp.advance()
            if sp.tok.is_op(","):  # an empty optional argument
                out.append("")
            continue
        break
    sp.expect_op(")")
    return out


def _crosstable(sp: StatementParser, pre: Prefixes, word: str) -> None:
    tok = sp.tok
    args = _name_args(sp, "CROSSTABLE")
    if len(args) not in (2, 3):
        raise sp.fail("CROSSTABLE takes an attribute field, a data field and the number of "
                      "qualifier fields", tok)
    n = 1
    if len(args) == 3:
        try:
            n = int(float(args[2]))
        except ValueError:
            raise sp.fail("The number of qualifier fields must be a number", tok) from None
    pre.crosstable = (args[0], args[1], n)


def _intervalmatch(sp: StatementParser, pre: Prefixes, word: str) -> None:
    pre.intervalmatch = _name_args(sp, "INTERVALMATCH")


def _hierarchy(sp: StatementParser, pre: Prefixes, word: str) -> None:
    tok = sp.tok
    args = _name_args(sp, word.upper())
    if word == "hierarchy":
        if not 3 <= len(args) <= 8:
            raise sp.fail("HIERARCHY takes 3 to 8 arguments", tok)
        pre.hierarchy = args
    else:
        if not 5 <= len(args) <= 6:
            raise sp.fail("HIERARCHYBELONGSTO takes 5 or 6 arguments", tok)
        pre.belongs_to = args


def _flag(sp: StatementParser, pre: Prefixes, word: str) -> None:
    if word == "generic":
        pre.generic = True
    elif word == "mapping":
        pre.mapping = True
    elif word == "buffer":  # BUFFER [(Incremental | Stale [after] n [days|hours])]: no-op
        pre.buffer = True
        if sp.tok.is_op("("):
            depth = 0
            while sp.tok.kind is not T.EOF:
                if sp.tok.is_op("("):
                    depth += 1
                elif sp.tok.is_op(")"):
                    depth -= 1
                sp.advance()
                if depth == 0:
                    break


def _count(sp: StatementParser, pre: Prefixes, word: str) -> None:
    expr = sp.expression(0)
    if word == "first":
        pre.first = expr
    else:
        pre.sample = expr


def _mode(sp: StatementParser, pre: Prefixes, word: str) -> None:
    pre.mode = word
    pre.only = sp.word("only")
    if word == "merge":
        if sp.tok.is_op("("):  # (SequenceNoField [, SequenceNoVar]) (help "Merge")
            tok = sp.tok
            args = _name_args(sp, "MERGE")
            if not 1 <= len(args) <= 2 or not args[0]:
                raise sp.fail("MERGE takes a sequence field and, optionally, a variable", tok)
            pre.merge_sequence = args[0]
            pre.merge_sequence_var = args[1] if len(args) == 2 and args[1] else None
        sp.expect_word("on")
        pre.merge_keys = sp.names()


_PREFIX = {
    "concatenate": _concatenate, "noconcatenate": _concatenate,
    "join": _join_or_keep, "keep": _join_or_keep, "inner": _join_or_keep,
    "outer": _join_or_keep, "left": _join_or_keep, "right": _join_or_keep,
    "crosstable": _crosstable, "intervalmatch": _intervalmatch,
    "hierarchy": _hierarchy, "hierarchybelongsto": _hierarchy,
    "generic": _flag, "mapping": _flag, "buffer": _flag,
    "first": _count, "sample": _count,
    "add": _mode, "replace": _mode, "merge": _mode,
}


# -- clauses after the source ------------------------------------------------------------


def parse_clauses(sp: StatementParser, load: object) -> None:
    """WHERE | WHILE, GROUP BY and ORDER BY, in the engine's order (both orders of the
    last two are accepted)."""
    if sp.word("where"):
        first = sp.i
        load.where = sp.expression(0)  # type: ignore[attr-defined]
        load.where_refs = sp.refs(first)  # type: ignore[attr-defined]
    elif sp.word("while"):
        first = sp.i
        load.while_ = sp.expression(0)  # type: ignore[attr-defined]
        load.while_refs = sp.refs(first)  # type: ignore[attr-defined]
    for _ in range(2):
        if sp.tok.is_word("group") and sp.peek().is_word("by"):
            sp.advance()
            sp.advance()
            first = sp.i
            groups = [sp.expression(0)]
            while sp.tok.is_op(","):
                sp.advance()
                groups.append(sp.expression(0))
            load.group_by = groups  # type: ignore[attr-defined]
            load.group_refs = sp.refs(first)  # type: ignore[attr-defined]
        elif sp.tok.is_word("order") and sp.peek().is_word("by"):
            tok = sp.tok
            sp.advance()
            sp.advance()
            if load.source != "resident":  # type: ignore[attr-defined]
                raise sp.fail("ORDER BY is only allowed after RESIDENT", tok)
            keys = [_order_key(sp)]
            while sp.tok.is_op(","):
                sp.advance()
                keys.append(_order_key(sp))
            load.order_by = keys  # type: ignore[attr-defined]


def _order_key(sp: StatementParser) -> OrderKey:
    name = sp.name("a field name")
    if sp.word("desc"):
        return OrderKey(name, True)
    sp.word("asc")
    return OrderKey(name)


# -- RENAME, QUALIFY, MAP … USING ------------------------------------------------------


def parse_rename(sp: StatementParser) -> RenameItems:
    if sp.word("table", "tables"):
        kind = "table"
    elif sp.word("field", "fields"):
        kind = "field"
    else:
        raise sp.unexpected("expected TABLE or FIELD")
    if sp.word("using"):
        using = sp.name("a mapping table")
        sp.end()
        return RenameItems(kind, [], using)
    pairs = []
    while True:
        old = sp.name()
        sp.expect_word("to")
        pairs.append((old, sp.name()))
        if not sp.tok.is_op(","):
            break
        sp.advance()
    sp.end()
    return RenameItems(kind, pairs)


def _patterns(sp: StatementParser) -> list[str]:
    out = []
    while True:
        if sp.tok.is_op("*"):
            sp.advance()
            out.append("*")
        else:
            out.append(sp.name("a field name or pattern"))
        if not sp.tok.is_op(","):
            return out
        sp.advance()


def parse_qualify(sp: StatementParser) -> Qualify:
    pats = _patterns(sp)
    sp.end()
    return Qualify(pats, True)


def parse_unqualify(sp: StatementParser) -> Qualify:
    pats = _patterns(sp)
    sp.end()
    return Qualify(pats, False)


def parse_map(sp: StatementParser) -> MapUsing:
    fields = _patterns(sp)
    sp.expect_word("using")
    name = sp.name("a mapping table")
    sp.end()
    return MapUsing(fields, name)


def parse_unmap(sp: StatementParser) -> MapUsing:
    fields = _patterns(sp)
    sp.end()
    return MapUsing(fields, None)
