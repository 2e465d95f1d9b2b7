"""A reduced data model: the same tables with fewer rows and fewer fields.

Section Access (``app/section_access.py``) gives a user only the records associated with
the user's reduction values, and hides the fields the user's OMIT names. Qlik does this
when the app is opened: "Qlik Cloud uses this information to reduce data to the
appropriate scope when the user opens the application, that is, some of the data in the
app is hidden from the user" (https://help.qlik.com/en-US/cloud-services/Subsystems/Hub/
Content/Sense_Hub/Scripting/Security/manage-security-with-section-access.htm). So the
reduction is a model of its own, not a selection: the values of the records left out are
gone from the fields (a list box, a search, ``Count(DISTINCT …)`` or a ``$Field`` system
table cannot show them), and nothing the user selects or clears brings them back.

``reduce_model`` keeps each table's rows where its mask is true, in load order, drops the
symbols no row uses any longer (``model.compact``, the same step a reload ends with) and
builds a new ``DataModel`` with the loose and synthetic tables, the table tags and the
fields' tags and formats of the full one. An omitted field leaves every table; an
omitted key field keeps the tables linked ("Key fields that are omitted are visible in
the data model viewer, but the content is not available", same page): its values are
replaced by meaningless numbers (the symbol's index) and it is hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from associa.model.model import DataModel, compact
from associa.model.symbols import NULL, SymbolTable
from associa.model.table import Columns, Table


def reduce_model(model: DataModel, rows: Mapping[str, np.ndarray] | None = None,
                 omit: Iterable[str] = ()) -> DataModel:
    """``model`` with only the rows of ``rows`` (table name → bool mask over the table's
    stored rows; a table not named keeps every row) and without the fields of ``omit``
    (names that are no field of the model are ignored). System tables are made anew."""
    rows = rows or {}
    omitted = {f for f in omit if f in model.fields and not model.fields[f].system}
    keys = {f for f in omitted if model.fields[f].is_key or model.fields[f].syn}
    tables: list[Table] = []
    for name in model.data_tables:
        table = _kept_rows(model, model.tables[name], rows.get(name))
        for f in omitted - keys:
            table.drop_field(f)
        if table.fields:
            tables.append(table)
    present = {f for t in tables for f in t.fields}
    symbols = compact(tables, {f: model.fields[f].symbols for f in present})
    for f in keys & present:
        symbols[f] = SymbolTable.from_arrays(np.arange(len(symbols[f]), dtype=np.float64), None)
    kept = {t.name for t in tables}
    out = DataModel(tables, symbols, loose=[t for t in model.loose_tables if t in kept],
                    synthetic=[t for t in model.synthetic_tables if t in kept])
    out.api_loose = frozenset(t for t in model.api_loose if t in kept)
    out.table_tags = {t: list(v) for t, v in model.table_tags.items() if t in kept}
    for name, fld in out.fields.items():
        full = model.fields.get(name)
        if fld.system or full is None:
            continue
        fld.added_tags, fld.removed_tags = full.added_tags, full.removed_tags
        if name in keys:
            fld.hidden = True
            continue
        fld.hidden = full.hidden
        fld.date_kind, fld.date_format = full.date_kind, full.date_format
    return out


def _kept_rows(model: DataModel, table: Table, mask: np.ndarray | None) -> Table:
    """The rows of ``mask`` (over stored rows; None: all) as a table in load order, in
    the builder's form (int32 codes, ``-1`` for NULL) that ``compact`` takes."""
    if mask is None:
        load = None
    elif table.origin is None:
        load = mask
    else:  # rows stored grouped by a key: back to the order they were loaded in
        load = np.zeros(table.nrows, dtype=bool)
        load[table.origin[mask]] = True
    columns: dict[str, np.ndarray] = {}
    for f in table.fields:
        col = table.in_load_order(f)
        if load is not None:
            col = col[load]
        codes = col.astype(np.int32)
        codes[col == model.fields[f].null_code] = NULL
        columns[f] = codes
    nrows = table.nrows if load is None else int(load.sum())
    return Table(table.name, list(table.fields), Columns(columns), nrows)
