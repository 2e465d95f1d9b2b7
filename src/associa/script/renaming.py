"""RENAME TABLE(S) and RENAME FIELD(S), by name pairs or ``USING`` a mapping table of old
and new names (help "Rename table", "Rename field").

Renaming a field onto the name of another existing field does not merge them: the field
keeps its name (help "Rename field", Sense 2.0: "the second field is not renamed";
qlik-language.md §11.15). With ``USING``, names the mapping lists that are not loaded are
skipped, as the help's examples rely on; a pair naming a field or table that does not exist
is an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from associa.errors import ScriptError
from associa.script.loadsyntax import RenameItems

if TYPE_CHECKING:
    from associa.script.interpreter import Interpreter


def rename_items(it: Interpreter, node: RenameItems) -> None:
    pairs = node.pairs
    strict = node.using is None
    if node.using is not None:
        mapping = it.context.mapping(node.using)
        olds = mapping.keys.texts()
        news = mapping.values.texts()
        pairs = [(str(o), str(n)) for o, n in zip(olds, news, strict=True)
                 if o is not None and n is not None]
    for old, new in pairs:
        if node.kind == "table":
            _rename_table(it, old, new, strict)
        else:
            _rename_field(it, old, new, strict)
    it.context.changed()


def _rename_table(it: Interpreter, old: str, new: str, strict: bool) -> None:
    if old not in it.builder.tables:
        if strict:
            raise ScriptError(f"Table '{old}' not found")
        return
    if old == new:
        return
    it.builder.rename(old, new)


def _rename_field(it: Interpreter, old: str, new: str, strict: bool) -> None:
    builder = it.builder
    holders = [t for t in builder.tables.values() if old in t.columns]
    if not holders:
        if strict:
            raise ScriptError(f"Field '{old}' not found")
        return
    if old == new or any(new in t.columns for t in builder.tables.values()):
        return  # onto an existing field: not renamed (no merge)
    for table in holders:
        col = table.columns.stored(old)
        del table.columns[old]
        table.columns[new] = col
        table.fields[table.fields.index(old)] = new
    if old in builder.symbols:
        builder.symbols[new] = builder.symbols.pop(old)
