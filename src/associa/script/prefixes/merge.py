"""The MERGE prefix: a change log applied to a table by key.

``Merge [only] [(SequenceNoField [, SequenceNoVar])] On ListOfKeys [Concatenate
[(TableName)]] LoadStatement`` (help "Merge",
https://help.qlik.com/en-US/sense/Subsystems/Hub/Content/Sense_Hub/Scripting/ScriptPrefixes/Merge.htm):

* the first field of the LOAD holds the operation, ``Insert``, ``Update`` or ``Delete``
  (``i``, ``u``, ``d`` also; any case); it is not stored in the table;
* for each key, only the latest record is kept: the latest by the sequence field when
  one is named (a timestamp or a number), else the last loaded; when the latest is a
  Delete, no record of that key is kept;
* the target is the CONCATENATE table, else the table with the same set of fields (the
  operation field left out), else (a partial reload) the table of the LOAD's name, else a
  new table;
* Insert: the target's fields the LOAD lacks are NULL; Delete: the missing fields do not
  matter (help, "Operations", seen in the zh-CN page); Update: they keep the values of the
  record it updates (that sentence of the page was cut off in the copy searched here; an
  update that blanked them would be an Insert);
* SequenceNoVar gets the largest sequence number seen (target and change log), so that a
  later ``WHERE Seq > $(var)`` reads only the new part of an accumulated log.

Choices the help leaves open (not confirmed by a source): the records a change replaces
leave their place and the changes are appended in sequence order; an existing record whose
sequence number is larger than the change's is kept as it is; a LOAD whose first field is
one of the keys has no operation field (every record is an Insert-or-Update: the earlier
``MERGE ON keys`` form); records without a sequence number come before the others; the
variable gets the number as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from associa.errors import ScriptError
from associa.expr import Vec
from associa.model.builder import ModelBuilder
from associa.model.table import Columns, Table
from associa.script.frame import Frame
from associa.values import Locale
from associa.values.rendering import default_texts

INSERT, UPDATE, DELETE = 0, 1, 2
OPERATIONS = {"i": INSERT, "insert": INSERT, "u": UPDATE, "update": UPDATE,
              "d": DELETE, "delete": DELETE}


@dataclass(slots=True)
class ChangeLog:
    """What a MERGE load adds to its rows: the operation and sequence number of each."""

    ops: np.ndarray  # int8 per row: INSERT, UPDATE or DELETE
    seq: np.ndarray | None  # float64 per row (NaN: none); None without a sequence field


def operation_field(names: list[str], keys: list[str]) -> str | None:
    """The field holding the operations: the first one, unless it is a key."""
    if not names or names[0] in keys:
        return None
    return names[0]


def fields_stored(names: list[str], keys: list[str]) -> list[str]:
    op = operation_field(names, keys)
    return names[1:] if op is not None else list(names)


def split(frame: Frame, keys: list[str], seq_field: str | None,
          locale: Locale) -> tuple[Frame, ChangeLog]:
    """The frame without its operation field, and the change log of its rows."""
    op = operation_field(frame.names, keys)
    if op is None:
        ops = np.full(frame.nrows, UPDATE, dtype=np.int8)
    else:
        sym = frame.symbols[op]
        distinct = Vec.from_symbols(sym, np.arange(len(sym), dtype=np.int64))
        lut = np.empty(len(sym) + 1, dtype=np.int8)
        lut[-1] = -1  # NULL
        for i in range(distinct.n):
            text = distinct.value(i, locale)[0]
            lut[i] = OPERATIONS.get((text or "").strip().lower(), -1)
        ops = lut[frame.codes(op)]
        bad = np.flatnonzero(ops < 0)
        if len(bad):
            text = frame.vec(op).value(int(bad[0]), locale)[0]
            shown = "NULL" if text is None else f"'{text}'"
            raise ScriptError(f"MERGE: the operation field '{op}' holds {shown} (row "
                              f"{int(bad[0]) + 1}); it must be Insert, Update or Delete "
                              "(or i, u, d)")
        names = frame.names[1:]
        frame = Frame(names, {n: frame.columns[n] for n in names}, frame.nrows,
                      {n: frame.symbols[n] for n in names})
    for key in keys:
        if key not in frame.names:
            raise ScriptError(f"MERGE: the key field '{key}' is not loaded")
    seq = None
    if seq_field is not None:
        if seq_field not in frame.names:
            raise ScriptError(f"MERGE: the sequence field '{seq_field}' is not loaded")
        seq = frame.vec(seq_field).num.astype(np.float64)
    return frame, ChangeLog(ops, seq)


def apply(builder: ModelBuilder, name: str, target: Table | None, names: list[str],
          columns: dict[str, np.ndarray], n: int, keys: list[str],
          seq_field: str | None, log: ChangeLog) -> tuple[Table, float]:
    """Apply the change log (rows in builder codes) to ``target`` (None: a new table
    ``name``); the table and the largest sequence number seen (NaN: none)."""
    if target is None:
        target = builder.add(name, list(names),
                             Columns({f: np.zeros(0, dtype=np.int32) for f in names}), 0)
    for key in keys:
        if key not in target.columns and target.nrows:
            raise ScriptError(f"MERGE: the key field '{key}' is not in table '{target.name}'")
    old_n = target.nrows
    old_seq = _numbers(builder, target, seq_field)
    if not n:
        return target, _largest([] if old_seq is None else [old_seq])
    # the changes in the order they apply, and each key's latest change
    if log.seq is not None:
        order = np.argsort(np.nan_to_num(log.seq, nan=-np.inf), kind="stable")
    else:
        order = np.arange(n, dtype=np.int64)
    old_keys = np.stack([_column(target, k, old_n) for k in keys], axis=1)
    new_keys = np.stack([np.asarray(columns[k], dtype=np.int64) for k in keys], axis=1)
    _, group = np.unique(np.concatenate([old_keys, new_keys]), axis=0, return_inverse=True)
    group = group.reshape(-1)
    old_group, new_group = group[:old_n], group[old_n:]
    ngroups = int(group.max()) + 1 if len(group) else 0
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n, dtype=np.int64)
    last_rank = np.full(ngroups, -1, dtype=np.int64)
    np.maximum.at(last_rank, new_group, rank)
    changed = last_rank >= 0
    latest = np.where(changed, order[np.maximum(last_rank, 0)] if n else -1, -1)
    if old_seq is not None and log.seq is not None and old_n:
        # an existing record newer than the change keeps its place
        newest_old = np.full(ngroups, -np.inf)
        np.maximum.at(newest_old, old_group, np.nan_to_num(old_seq, nan=-np.inf))
        change_seq = np.full(ngroups, np.inf)
        change_seq[changed] = np.nan_to_num(log.seq[latest[changed]], nan=-np.inf)
        changed &= ~(newest_old > change_seq)
    # the rows that stay, and the changes that add a row, in apply order
    keep_old = ~changed[old_group] if old_n else np.zeros(0, dtype=bool)
    winners = np.zeros(n, dtype=bool)
    winners[latest[changed]] = True
    rows = order[winners[order]]
    rows = rows[log.ops[rows] != DELETE]
    first_old = np.full(ngroups, old_n, dtype=np.int64)  # an Update's record of the target
    np.minimum.at(first_old, old_group, np.arange(old_n, dtype=np.int64))
    first_old[first_old == old_n] = -1
    added: dict[str, np.ndarray] = {f: np.asarray(columns[f])[rows].astype(np.int32)
                                    for f in names}
    source = first_old[new_group[rows]]
    update = (log.ops[rows] == UPDATE) & (source >= 0)
    for f in target.fields:
        if f in added:
            continue
        col = np.full(len(rows), -1, dtype=np.int32)
        col[update] = np.asarray(target.columns[f])[source[update]]
        added[f] = col
    seen = [] if old_seq is None else [old_seq]
    if log.seq is not None:
        seen.append(log.seq)
    largest = _largest(seen)
    if old_n and not keep_old.all():
        kept = np.flatnonzero(keep_old)
        for f in target.fields:
            target.columns[f] = np.asarray(target.columns[f])[kept]
        target.nrows = len(kept)
    target.append_rows(added, len(rows))
    return target, largest


def sequence_text(value: float) -> str | None:
    """The SequenceNoVar's text: the number as plain text (None: no number seen)."""
    if np.isnan(value):
        return None
    return str(default_texts(np.array([value]))[0])


def _column(table: Table, name: str, n: int) -> np.ndarray:
    if name not in table.columns:
        return np.full(n, -1, dtype=np.int64)
    return np.asarray(table.columns[name], dtype=np.int64)


def _numbers(builder: ModelBuilder, table: Table, field: str | None) -> np.ndarray | None:
    if field is None or field not in table.columns or not table.nrows:
        return None
    codes = np.asarray(table.columns[field], dtype=np.int64)
    return Vec.from_symbols(builder.symbols_of(field), codes).num.astype(np.float64)


def _largest(parts: list[np.ndarray]) -> float:
    nums = np.concatenate(parts) if parts else np.zeros(0)
    nums = nums[~np.isnan(nums)]
    return float(nums.max()) if len(nums) else float("nan")
