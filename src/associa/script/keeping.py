"""Keeping: the source records a LOAD's WHERE keeps.

A WHERE is evaluated vectorized over chunks of records. Some of its functions read what
the LOAD kept *before* each record: Exists of a field the LOAD fills (its values in the
records kept so far), Previous (the previous record kept) and Peek of the table being
built (the target's rows, then the records kept). For those the WHERE is evaluated again
over the records the last pass kept until nothing changes: record i is settled once the
records before it are, so this ends; after 64 passes it goes record by record.

During the passes the ``LoadRun`` holds what those functions read (``exists_where``,
``kept``, ``peek_where``); ``loading.LoadRun.exists_here`` and ``peek_values`` read it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from associa.expr import Vec, ast
from associa.expr.vector import where as choose
from associa.script.matching import KeptValues
from associa.script.scopes import (
    InputScope,
    MissingField,
    exists_fields,
    located,
    peeked_fields,
)

if TYPE_CHECKING:
    from associa.script.loading import LoadRun

PASSES = 64  # passes over the kept records before going record by record


def where_records(run: LoadRun, chunk: int) -> np.ndarray:
    """The records the WHERE of ``run`` keeps (ascending), ``chunk`` at a time."""
    where = run.node.where
    assert where is not None
    own = {n for n in exists_fields(where) if n in run.names}
    previous = any(isinstance(n, ast.Call) and n.name == "PREVIOUS" for n in where.walk())
    peeked = peeked_fields(where, run.table_name)
    if peeked is not None and "*" in peeked:
        peeked = set(run.names)
    kept = _pass(run, chunk)
    if not own and not previous and peeked is None:
        return kept
    every = np.arange(run.source.nrows, dtype=np.int64)
    values = {name: _item_values(run, name, every) for name in own} if own else None
    peeks = ({name: _item_values(run, name, every) for name in peeked & run.names}
             if peeked is not None else None)
    for _ in range(PASSES):
        _settle(run, kept, values, previous, peeks)
        again = _pass(run, chunk)
        if np.array_equal(again, kept):
            break
        kept = again
    else:
        kept = _one_by_one(run, chunk, values, previous, peeks)
    run.exists_where = run.peek_where = None
    run.kept = None
    return kept


def peek(run: LoadRun, name: str, records: np.ndarray, rows: np.ndarray) -> Vec:
    """Peek(name, rows) inside WHERE at source ``records``: a record's place in the table
    being built is after the records kept before it; rows before the LOAD's own are the
    concatenation target's, the others the values of this LOAD's fields."""
    assert run.peek_where is not None
    kept, peeks = run.peek_where
    g = (run.base + np.searchsorted(kept, records)).astype(np.float64)
    t = np.where(rows < 0, g + rows, rows)
    ok = ~np.isnan(t) & (t >= 0) & (t < g)
    t_ok = np.where(ok, t, 0).astype(np.int64)
    old = ok & (t_ok < run.base)
    codes = np.full(len(records), -1, dtype=np.int32)
    if old.any() and run.target is not None and name in run.target.columns:
        codes[old] = run.target.columns[name][t_ok[old]]
    out = Vec.from_symbols(run.builder.symbols_of(name), codes)
    new = ok & (t_ok >= run.base)
    values = peeks.get(name)
    if not new.any() or values is None:
        return out
    taken = values.take(kept[np.where(new, t_ok - run.base, 0)])
    return choose(new, taken, out)


def _settle(run: LoadRun, kept: np.ndarray, values: dict[str, Vec] | None,
            previous: bool, peeks: dict[str, Vec] | None) -> None:
    """What Exists, Previous and Peek read in the next pass: the records ``kept``."""
    if values is not None:
        run.exists_where = ({name: KeptValues(v, kept) for name, v in values.items()}, kept)
    if previous:
        run.kept = kept
    if peeks is not None:
        run.peek_where = (kept, peeks)


def _one_by_one(run: LoadRun, chunk: int, values: dict[str, Vec] | None,
                previous: bool, peeks: dict[str, Vec] | None) -> np.ndarray:
    where = run.node.where
    assert where is not None
    kept: list[int] = []
    for i in range(run.source.nrows):
        _settle(run, np.array(kept, dtype=np.int64), values, previous, peeks)
        scope = InputScope(run.source, np.array([i], dtype=np.int64), run.locale,
                           run.base + len(kept), None, run)
        if bool(run.evaluator.eval(where, scope).truth()[0]):
            kept.append(i)
        if i % chunk == chunk - 1:
            run.check_cancelled()
    return np.array(kept, dtype=np.int64)


def _item_values(run: LoadRun, name: str, rows: np.ndarray) -> Vec:
    item = next(it for it in run.items if it.name == name)
    assert item.expr is not None
    return run.evaluator.eval(item.expr, InputScope(run.source, rows, run.locale, run.base,
                                                    None, run))


def _pass(run: LoadRun, chunk: int) -> np.ndarray:
    """One vectorized pass of the WHERE over every record, ``chunk`` at a time (progress
    and cancellation between chunks)."""
    where = run.node.where
    assert where is not None
    total = run.source.nrows
    kept: list[np.ndarray] = []
    count = 0
    for lo in range(0, max(total, 1), chunk):
        hi = min(lo + chunk, total)
        rows = np.arange(lo, hi, dtype=np.int64)
        try:
            scope = InputScope(run.source, rows, run.locale, run.base + count, None, run)
            kept.append(rows[run.evaluator.eval(where, scope).truth()])
        except MissingField as exc:
            raise located(exc, run.node.where_refs) from None
        count += len(kept[-1])
        if hi < total:
            if not run.source.streamed:
                run.status(f"{run.table_name} << {count} Lines fetched")
            run.check_cancelled()
    if not kept:
        return np.zeros(0, dtype=np.int64)
    return kept[0] if len(kept) == 1 else np.concatenate(kept)


__all__ = ["PASSES", "peek", "where_records"]
