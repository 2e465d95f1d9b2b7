"""The system fields of a data model: ``$Table``, ``$Field``, ``$Rows``, ``$Fields``,
``$FieldNo`` and ``$Info`` (Qlik help, "System fields": produced by the engine, "can be
displayed like ordinary fields in a visualization, such as a filter pane or a table",
hidden from field lists unless asked for; QlikView's system table box shows one row per
table and field).

Five of them are fields of the model, in three hidden system tables that a built
``DataModel`` adds after its data tables (``system_tables``; not where a data field
already has one of their names):

* ``$$SysTable 1``: ``$Table``, ``$Rows``, ``$Fields``, a row per data table (its name,
  rows and number of fields);
* ``$$SysTable 2``: ``$Field``, ``$Table``, ``$FieldNo``, a row per field of each data
  table (its position in the table from 1);
* ``$$SysTable 3``: ``$Field``, a row per field.

They are linked by ``$Table`` and ``$Field`` (the engine tags both ``$key``: Qlik's "List
the fields in an app") and to nothing else, so selecting a table shows its fields and
selections on them never touch the data. ``$Info`` (the names of info tables, which
associa does not have) is described, not stored. Listings of the data model
(GetTablesAndKeys, snapshots, the tables a partial reload starts from) leave the system
tables out (``DataModel.data_tables``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from associa.model.symbols import SymbolTable
from associa.model.table import Columns, Table

if TYPE_CHECKING:
    from associa.model.model import DataModel

__all__ = ["SYSTEM_FIELDS", "SYSTEM_TABLES", "system_tables", "system_tags", "system_values"]

SYSTEM_FIELDS = ("$Field", "$Table", "$Rows", "$Fields", "$FieldNo", "$Info")
SYSTEM_TABLES = ("$$SysTable 1", "$$SysTable 2", "$$SysTable 3")


def system_tables(tables: Sequence[Table],
                  fields: Sequence[str]) -> tuple[list[Table], dict[str, SymbolTable]]:
    """The system tables over data ``tables`` whose fields are ``fields`` (in the model's
    order), in the builder's form (int32 codes), and their fields' symbol tables."""
    names = [t.name for t in tables]
    table_code = {name: i for i, name in enumerate(names)}
    field_code = {name: i for i, name in enumerate(fields)}
    rows = list(dict.fromkeys(t.nrows for t in tables))  # load order: first seen first
    widths = list(dict.fromkeys(len(t.fields) for t in tables))
    numbers = list(range(1, max(widths, default=0) + 1))
    symbols = {
        "$Table": _texts(names),
        "$Field": _texts(list(fields)),
        "$Rows": _numbers(rows),
        "$Fields": _numbers(widths),
        "$FieldNo": _numbers(numbers),
    }
    n = len(tables)
    one = Table(SYSTEM_TABLES[0], ["$Table", "$Rows", "$Fields"], Columns({
        "$Table": np.arange(n, dtype=np.int32),
        "$Rows": np.array([rows.index(t.nrows) for t in tables], dtype=np.int32),
        "$Fields": np.array([widths.index(len(t.fields)) for t in tables], dtype=np.int32),
    }), n)
    pairs = [(f, t.name, i) for t in tables for i, f in enumerate(t.fields)]
    two = Table(SYSTEM_TABLES[1], ["$Field", "$Table", "$FieldNo"], Columns({
        "$Field": np.array([field_code[f] for f, _, _ in pairs], dtype=np.int32),
        "$Table": np.array([table_code[t] for _, t, _ in pairs], dtype=np.int32),
        "$FieldNo": np.array([i for _, _, i in pairs], dtype=np.int32),  # number i + 1
    }), len(pairs))
    three = Table(SYSTEM_TABLES[2], ["$Field"], Columns({
        "$Field": np.arange(len(fields), dtype=np.int32)}), len(fields))
    return [one, two, three], symbols


def _texts(values: list[str]) -> SymbolTable:
    return SymbolTable.from_arrays(np.full(len(values), np.nan), values)


def _numbers(values: list[int]) -> SymbolTable:
    return SymbolTable.from_arrays(np.array(values, dtype=np.float64), None)


def system_values(model: DataModel) -> dict[str, list[Any]]:
    """Each system field's distinct values, in load order."""
    tables = [model.tables[name] for name in model.data_tables]
    widths = [len(t.fields) for t in tables]
    return {
        "$Field": list(model.data_fields),
        "$Table": [t.name for t in tables],
        "$Rows": list(dict.fromkeys(t.nrows for t in tables)),
        "$Fields": list(dict.fromkeys(widths)),
        "$FieldNo": list(range(1, max(widths, default=0) + 1)),
        "$Info": [],
    }


def system_tags(name: str, values: Iterable[Any]) -> list[str]:
    """``$key`` for the two that link the system tables, ``$hidden``, ``$system``, then the
    type tags of the values (the engine's field list in Qlik's "List the fields in an
    app": ``$Field`` and ``$Table`` tagged ``$key``, ``$Rows`` and ``$Fields`` not)."""
    keys = ["$key"] if name in ("$Field", "$Table") else []
    return [*keys, "$hidden", "$system", *_type_tags(values)]


def _type_tags(values: Iterable[Any]) -> list[str]:
    values = list(values)
    if not values:
        return []
    if all(isinstance(v, int) for v in values):
        return ["$numeric", "$integer"]
    texts = [str(v) for v in values]
    return ["$ascii", "$text"] if all(t.isascii() for t in texts) else ["$text"]
