"""Partial reload (``DoReload(qPartial=true)``): the script runs again over the tables of
the current data model; only the LOADs marked ADD, REPLACE or MERGE read data (help
"Partial reload": "only Load and Select statements preceded by Add, Replace or Merge are
executed"; other statements, SET and LET among them, run as in a full reload).

* ``ADD LOAD``: the rows are added to the table of the same name (the label), else as a
  full reload would store them;
* ``REPLACE LOAD``: the table of that name is dropped first, then loaded anew;
* ``MERGE … ON keys LOAD``: the new rows replace the rows with the same keys, and are
  added otherwise (the ``Operation`` field variant of the help is not supported);
* ``ADD ONLY`` / ``REPLACE ONLY`` / ``MERGE ONLY``: like the above, and skipped entirely in
  a full reload.
"""

from __future__ import annotations

import numpy as np

from associa.model import DataModel
from associa.model.builder import ModelBuilder
from associa.model.symbols import SymbolTable
from associa.model.table import Columns, Table


def builder_of(model: DataModel) -> ModelBuilder:
    """A builder holding the model's tables again, in the builder's form (int32 codes,
    -1 for NULL) over growable copies of its symbol tables."""
    builder = ModelBuilder()
    for name, fld in model.fields.items():
        sym = fld.symbols
        n = len(sym)
        builder.symbols[name] = SymbolTable.from_arrays(sym.nums_at(np.arange(n)),
                                                        sym.stored_texts())
    for table in model.tables.values():
        cols = {}
        for f in table.fields:
            col = np.asarray(table.columns[f]).astype(np.int32)
            col[col >= len(model.fields[f].symbols)] = -1
            cols[f] = col
        builder.tables[table.name] = Table(table.name, list(table.fields), Columns(cols),
                                           table.nrows)
    return builder


def merge_rows(target: Table, names: list[str], columns: dict[str, np.ndarray], n: int,
               keys: list[str]) -> None:
    """MERGE: rows of ``target`` whose keys come again are dropped, then the new rows are
    appended (codes of both sides are in the same symbol tables)."""
    if keys and all(k in target.columns for k in keys):
        old = np.stack([np.asarray(target.columns[k], dtype=np.int64) for k in keys], axis=1)
        new = np.stack([np.asarray(columns[k], dtype=np.int64) for k in keys], axis=1)
        both = np.concatenate([old, new])
        _, inv = np.unique(both, axis=0, return_inverse=True)
        inv = inv.reshape(-1)
        again = np.isin(inv[: len(old)], inv[len(old):])
        if again.any():
            keep = np.flatnonzero(~again)
            for f in target.fields:
                target.columns[f] = np.asarray(target.columns[f])[keep]
            target.nrows = len(keep)
    target.append_rows(columns, n)
