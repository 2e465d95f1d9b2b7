"""Statements about the data model rather than its data: TAG / UNTAG and LOOSEN TABLE.

Grammar (the engine's BNF): ``Tag [Field|Fields] (Using <table> | <field> {, <field>}
With <string> {, <string>})``, the same for ``Untag``; ``Tag Table <table> {, <table>}
With <string> {, <string>}`` (and ``Untag Table``); ``Loosen (Table|Tables) <table> {,
<table>}``.

Qlik help, "Tag" / "Untag" / "Field tags": tags are put on fields by name and kept to the
end of the script (a field loaded after its TAG statement carries the tag); ``Using``
names a mapping table of field name → tag. The system tags ``$hidden``, ``$numeric``,
``$integer``, ``$text``, ``$ascii``, ``$date`` and ``$timestamp`` may be set or removed
by script; ``$system``, ``$key``, ``$keypart`` and ``$syn`` may not (the engine's own).
"Loosen Table": the named tables are loosely coupled (``associa.model.loops``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from associa.errors import ScriptError

if TYPE_CHECKING:
    from associa.script.interpreter import Interpreter
    from associa.script.parser import StatementParser

__all__ = ["HANDLERS", "STATEMENTS", "Loosen", "TagFields", "TagTables"]

FIXED_TAGS = frozenset({"$system", "$key", "$keypart", "$syn"})


@dataclass(slots=True)
class TagFields:
    names: list[str]
    tags: list[str]
    using: str | None = None  # a mapping table: field name -> tag
    untag: bool = False


@dataclass(slots=True)
class TagTables:
    names: list[str]
    tags: list[str]
    untag: bool = False


@dataclass(slots=True)
class Loosen:
    names: list[str]


# -- parsing (entries of parser.SIMPLE: called after the keyword) ---------------------------


def _strings(sp: StatementParser) -> list[str]:
    out = [sp.name("a tag")]
    while sp.tok.is_op(","):
        sp.advance()
        out.append(sp.name("a tag"))
    return out


def _tag(sp: StatementParser, untag: bool) -> TagFields | TagTables:
    if sp.word("table", "tables"):
        names = sp.names()
        sp.expect_word("with")
        tags = _strings(sp)
        sp.end()
        return TagTables(names, tags, untag)
    sp.word("field", "fields")
    if sp.word("using"):
        table = sp.name("a mapping table")
        sp.end()
        return TagFields([], [], table, untag)
    names = sp.names()
    sp.expect_word("with")
    tags = _strings(sp)
    sp.end()
    return TagFields(names, tags, None, untag)


def parse_tag(sp: StatementParser) -> TagFields | TagTables:
    return _tag(sp, untag=False)


def parse_untag(sp: StatementParser) -> TagFields | TagTables:
    return _tag(sp, untag=True)


def parse_loosen(sp: StatementParser) -> Loosen:
    sp.expect_word("table", "tables")
    names = sp.names()
    sp.end()
    return Loosen(names)


STATEMENTS: dict[str, Callable[[Any], Any]] = {
    "tag": parse_tag,
    "untag": parse_untag,
    "loosen": parse_loosen,
}


# -- running ------------------------------------------------------------------------------


def _mapping_pairs(interp: Interpreter, name: str) -> list[tuple[str, str]]:
    """The (field, tag) pairs of a mapping table (MAPPING LOAD, as Qlik's help has it),
    else of the first two fields of a table of the model being built."""
    mapping = interp.context.mappings.get(name)
    if mapping is not None:
        return [(str(k), str(v)) for k, v in zip(mapping.keys.texts(), mapping.values.texts(),
                                                 strict=True)
                if k is not None and v is not None]
    builder = interp.builder
    table = builder.tables.get(name)
    if table is None:
        raise ScriptError(f"Mapping table not found: {name}")
    if len(table.fields) < 2:
        raise ScriptError(f"Mapping table '{name}' must have two fields")
    columns = [table.columns[f] for f in table.fields[:2]]
    symbols = [builder.symbols_of(f) for f in table.fields[:2]]
    pairs = []
    for a, b in zip(*columns, strict=True):
        if a >= 0 and b >= 0:
            pairs.append((symbols[0].text(int(a)), symbols[1].text(int(b))))
    return pairs


def _check(tag: str) -> str:
    if not tag:
        raise ScriptError("A tag cannot be empty")
    if tag.lower() in FIXED_TAGS:
        raise ScriptError(f"The system tag '{tag}' cannot be set or removed by script")
    return tag


def do_tag_fields(interp: Interpreter, node: TagFields) -> None:
    pairs = (_mapping_pairs(interp, node.using) if node.using is not None
             else [(n, t) for n in node.names for t in node.tags])
    act = interp.builder.untag if node.untag else interp.builder.tag
    for name, tag in pairs:
        act(name, _check(tag))


def do_tag_tables(interp: Interpreter, node: TagTables) -> None:
    builder = interp.builder
    for name in node.names:
        builder.table(name)  # an unknown table is an error
        tags = builder.table_tags.setdefault(name, [])
        for tag in node.tags:
            if node.untag:
                if tag in tags:
                    tags.remove(tag)
            elif tag not in tags:
                tags.append(_check(tag))


def do_loosen(interp: Interpreter, node: Loosen) -> None:
    for name in node.names:
        interp.builder.table(name)
        if name not in interp.builder.loosened:
            interp.builder.loosened.append(name)


HANDLERS: dict[type, Callable[[Any, Any], None]] = {
    TagFields: do_tag_fields,
    TagTables: do_tag_tables,
    Loosen: do_loosen,
}
