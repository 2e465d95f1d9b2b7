"""Partial reload (``DoReload(qPartial=true)``): the script runs again over the tables of
the current data model; only the LOADs marked ADD, REPLACE or MERGE read data (help
"Partial reload": "only Load and Select statements preceded by Add, Replace or Merge are
executed"; other statements, SET and LET among them, run as in a full reload).

* ``ADD LOAD``: the rows are added to the table of the same name (the label), else as a
  full reload would store them;
* ``REPLACE LOAD``: the table of that name is dropped first, then loaded anew;
* ``MERGE [(seq [, var])] ON keys LOAD``: a change log applied by key, in full reloads
  too (``prefixes.merge``);
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
    for name in model.data_fields:  # the system tables are made again when built
        sym = model.fields[name].symbols
        n = len(sym)
        builder.symbols[name] = SymbolTable.from_arrays(sym.nums_at(np.arange(n)),
                                                        sym.stored_texts())
    for table in (model.tables[t] for t in model.data_tables):
        cols = {}
        for f in table.fields:
            # in load order (a model may store rows grouped by a key)
            col = table.in_load_order(f).astype(np.int32)
            col[col >= len(model.fields[f].symbols)] = -1
            cols[f] = col
        builder.tables[table.name] = Table(table.name, list(table.fields), Columns(cols),
                                           table.nrows)
    return builder
