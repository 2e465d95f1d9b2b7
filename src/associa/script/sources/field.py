"""``LOAD … FROM_FIELD (table, field) [(format)]``: the values of a loaded field read as
the contents of files (help "Load": ``from_field fieldassource [format-spec]``, "the data
is to be loaded from a previously loaded field", ``fieldassource ::= (tablename,
fieldname)``; https://help.qlik.com/en-US/sense/Subsystems/Hub/Content/Sense_Hub/Scripting/ScriptRegularStatements/Load.htm).

Each record of the table gives one "file": the text of its value of the field, read with
the format specification as a file of that type would be (delimited text when none is
given, Qlik's default; ``json``, ``fix`` and the others as for FROM). The rows of all the
values follow each other in the table's record order, with the union of their field names
(a field one value lacks is NULL in its rows). A NULL value reads as no file. The text is
the value as loaded, so a ``codepage`` in the specification does not apply.

Not confirmed by a source: whether the engine reads each record's value or each distinct
value once (here: each record, so a value two records hold gives its rows twice; each
distinct value is parsed once). Each distinct value is a file of its own to the reader,
so many small values cost a reader's start each (about 0.4 ms for delimited text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pyarrow as pa

from associa.model.symbols import SymbolTable
from associa.script.sources.delimited import TextFormat
from associa.script.sources.formats import Interpret, Read, SourceOptions, open_source
from associa.script.sources.table import SourceColumn, SourceTable
from associa.values import Locale

__all__ = ["open_field_values"]


def open_field_values(texts: list[str | None], records: np.ndarray, label: str,
                      opts: SourceOptions, text: TextFormat, locale: Locale,
                      interpret: Interpret) -> tuple[list[str], Read]:
    """The field names of the values read as files, and how to read them: ``texts`` are
    the field's distinct values (None for NULL), ``records`` the index into them of each
    record, in order."""
    keep = np.array([t is not None for t in texts] + [False], dtype=bool)
    records = np.asarray(records, dtype=np.int64)
    records = records[keep[records]]  # NULL values read as no file
    used = np.unique(records)
    order = np.searchsorted(used, records)  # each record's part
    opts = replace(opts, kind=opts.kind or "txt")
    text = replace(text, charset="utf8")
    opened = [open_source(str(texts[i]).encode("utf-8"), label, opts, text, locale, interpret)
              for i in used]
    names: list[str] = []
    for part_names, _ in opened:
        names.extend(n for n in part_names if n not in names)

    def read(fields: set[str] | None, on_batch: Callable[[int], None]) -> SourceTable:
        parts = []
        for part_names, part_read in opened:
            wanted = set(part_names) if fields is None else fields & set(part_names)
            parts.append(part_read(wanted, on_batch))
        return _concatenated(names, parts, order, fields)

    return names, read


def _concatenated(names: list[str], parts: list[SourceTable], order: np.ndarray,
                  fields: set[str] | None) -> SourceTable:
    """The rows of ``parts[order[0]]``, ``parts[order[1]]``, … one after the other: each
    column's values interned into one symbol table in one call, the rows gathered with
    one take per column (no step per record)."""
    sizes = np.array([p.nrows for p in parts], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]) if len(parts) else sizes
    lengths = sizes[order]
    nrows = int(lengths.sum())
    # the row of the parts laid end to end that each output row reads
    out_starts = np.cumsum(lengths) - lengths
    rows = np.repeat(starts[order] - out_starts, lengths) + np.arange(nrows, dtype=np.int64)
    out = SourceTable(list(names), nrows)
    for name in names:
        if fields is not None and name not in fields:
            continue
        sym, laid = _laid_end_to_end(name, parts)
        out.columns[name] = SourceColumn(sym, laid[rows], nrows)
    return out


def _laid_end_to_end(name: str, parts: list[SourceTable]) -> tuple[SymbolTable, np.ndarray]:
    """One column of the parts laid end to end: the distinct values of every part interned
    at once into one symbol table, and the codes of all their rows."""
    cols = [p.columns.get(name) for p in parts]
    sizes = [0 if c is None else len(c.values) for c in cols]
    texts: list[pa.Array] = []
    nums, nulls = [], []
    for col, size in zip(cols, sizes, strict=True):
        if col is None:
            continue
        every = np.arange(size, dtype=np.int64)
        dual_texts, num = col.values.duals_at(every)
        texts.append(pa.nulls(size, pa.string()) if dual_texts is None
                     else dual_texts.cast(pa.string()))
        nums.append(num)
        nulls.append(col.values.null_mask(every))
    sym = SymbolTable()
    codes = sym.intern_many(pa.concat_arrays(texts) if texts else pa.array([], pa.string()),
                            np.concatenate(nums) if nums else np.zeros(0),
                            np.concatenate(nulls) if nulls else np.zeros(0, dtype=bool))
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    pieces = []
    for i, (part, col) in enumerate(zip(parts, cols, strict=True)):
        if col is None:
            pieces.append(np.full(part.nrows, -1, dtype=np.int32))
            continue
        lut = np.append(codes[offsets[i]:offsets[i + 1]], -1).astype(np.int32)
        pieces.append(lut[col.codes_at(None)])
    laid = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
    return sym, laid
