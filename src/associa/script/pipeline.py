"""One LOAD statement from its source to the table it fills: preceding loads, the
source-side prefixes (FIRST, SAMPLE, ORDER BY), the reshaping prefixes, QUALIFY and
MAP … USING, and where the rows go (a new table, a concatenation, a JOIN or KEEP, a
mapping table).

A LOAD without a source (a preceding load) waits (``Interpreter.pending``) for the LOAD
or SELECT written under it; that one runs first and each LOAD above reads the output of
the one below (help "Preceding load"). The stages between are ``Frame``s over scratch
symbol tables; the last stage interns straight into the fields of the model when nothing
reshapes its rows afterwards (the common case, and the fast one).
"""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

import numpy as np

from associa.errors import LanguageError, ScriptError
from associa.expr import Evaluator, ast
from associa.model.table import Identity, Table
from associa.script import parser as p
from associa.script.frame import Frame, Scratch
from associa.script.loading import LoadRun
from associa.script.prefixes import join as joins
from associa.script.prefixes import merge, reshape
from associa.script.prefixes.mapping import Mapping
from associa.script.sources.table import SourceColumn, SourceTable

if TYPE_CHECKING:
    from associa.script.interpreter import Interpreter

Column = np.ndarray | Identity


def run_load(it: Interpreter, node: p.Load) -> None:
    if node.source == "preceding":
        it.pending.append(node)
        assert it.current_at is not None
        it.pending_where.append(it.current_at)
        return
    chain = [node, *reversed(it.pending)]  # the statement under the others first
    where = [None, *reversed(it.pending_where)]
    it.pending, it.pending_where = [], []
    top = chain[-1]
    pre = top.prefixes
    if pre.only and not it.partial:
        return  # ADD ONLY / REPLACE ONLY / MERGE ONLY run in partial reloads only
    if it.partial and pre.mode is None:
        return  # a partial reload runs only the statements marked ADD, REPLACE or MERGE
    source_name = it._source_name(node)
    it.status(f"{top.label or source_name} << {source_name}")
    names, read = it._open_source(node)
    if read is None:  # an SQL statement that returns no result set: no table
        return
    try:
        last = [""]

        def report(text: str) -> None:
            last[0] = text
            it.status(text)

        # the table the rows go to: its name (for RowNo, Peek, QUALIFY) is known up front
        final_items = _items(top, names if len(chain) == 1 else None)
        known = bool(final_items) or not top.items
        plain = known and not (pre.mapping or pre.transforms() or pre.join or pre.keep
                               or pre.mode == "merge")
        table_name, target = _destination(it, top, source_name, chain, final_items)

        def on_batch(rows: int) -> None:
            report(f"{table_name} << {rows} Lines fetched")
            it.check_cancelled()

        first = chain[0]
        items0 = _items(first, names)
        source = read(_referenced(first, items0, names, len(chain) > 1), on_batch)
    except BaseException:  # failed before reading: stop the source's reader now
        close = getattr(read, "close", None)
        if close is not None:
            close()
        raise
    source = _source_prefixes(it, top, first, source)
    frame: Frame | None = None
    changes: merge.ChangeLog | None = None
    columns: dict[str, Column] = {}
    n = 0
    for k, stage in enumerate(chain):
        if k:
            assert frame is not None
            source = frame.source()
        items = _items(stage, source.names if k else names)
        is_last = k == len(chain) - 1
        if is_last:
            items = _qualified(it, items, table_name, pre)
        direct = is_last and plain and not _mapped(it, items)
        symbols = it.builder if direct else Scratch()
        run = LoadRun(stage, items, source, symbols, it.locale,
                      table_name=table_name,
                      base=target.nrows if (direct and target is not None) else 0,
                      status=report, check_cancelled=it.check_cancelled,
                      target=target if direct else None)
        it.context.current_table = table_name
        try:
            columns, n = run.run()
        except LanguageError as exc:
            if where[k] is not None:
                exc.stage_at = where[k]  # type: ignore[attr-defined]
            raise
        finally:
            it.context.current_table = None
        del run
        item_names = [i.name for i in items]
        if stage.distinct and n:
            columns, n = _distinct_rows(columns, item_names, n)
        frame = None if direct else Frame(item_names, columns, n,
                                          {nm: symbols.symbols_of(nm) for nm in item_names})
        source = None  # type: ignore[assignment]
    names_out = [i.name for i in _qualified(it, final_items, table_name, pre)] if frame is None \
        else frame.names
    if frame is not None:
        frame = _apply_maps(it, frame)
        if pre.mapping:
            it.context.mappings[top.label or table_name] = Mapping.of(top.label or table_name,
                                                                     frame)
            it.say(f"{top.label or table_name} << {source_name} {n} Lines fetched")
            return
        stored = _reshape(it, top, frame, table_name)
        if stored is None:
            return
        frame = stored
        if not known:  # `*` over a preceding load: the fields are known only now
            table_name, target = _destination(it, top, source_name, chain, [
                p.LoadItem(ast.FieldRef(nm), nm) for nm in frame.names])
        if pre.mode == "merge":
            frame, changes = merge.split(frame, pre.merge_keys, pre.merge_sequence, it.locale)
        names_out, columns, n = _to_builder(it, frame, table_name, report)
    total = _store(it, top, table_name, target, names_out, columns, n, changes)
    it.context.changed()
    done = f"{table_name} << {total} Lines fetched"
    if last[0] != done:
        it.status(done)
    it.say(f"{table_name} << {source_name} {n} Lines fetched")


# -- the pieces -----------------------------------------------------------------------------


def _items(node: p.Load, names: list[str] | None) -> list[p.LoadItem]:
    """The LOAD's items with ``*`` spelled out over the names it reads."""
    out: list[p.LoadItem] = []
    for item in node.items:
        if item.expr is None:
            if names is None:
                return []  # not known yet (a preceding load's input)
            out.extend(p.LoadItem(ast.FieldRef(n), n) for n in names)
        else:
            out.append(item)
    seen = [it.name for it in out]
    dupes = {n for n in seen if seen.count(n) > 1}
    if dupes:
        raise ScriptError(f"Field names must be unique within table: {sorted(dupes)[0]}")
    return out


def _referenced(node: p.Load, items: list[p.LoadItem], names: list[str],
                preceded: bool) -> set[str] | None:
    """The source fields a LOAD reads (None: all of them)."""
    out: set[str] = set()
    for item in items:
        if item.expr is not None:
            out |= ast.field_names(item.expr)
    for expr in (node.where, node.while_, *(node.group_by or ())):
        if expr is not None:
            out |= ast.field_names(expr)
    out |= {k.name for k in node.order_by}
    return out


def _destination(it: Interpreter, top: p.Load, source_name: str, chain: list[p.Load],
                 items: list[p.LoadItem]) -> tuple[str, Table | None]:
    pre = top.prefixes
    if pre.join:  # the rows go into the table joined onto, which names the progress line
        other = it.builder.table(pre.target) if pre.target else it.builder.last_table()
        if other is None:
            raise ScriptError("No previous table to join with")
        return other.name, None
    if pre.keep:
        return (top.label or it._default_name(chain[0], source_name)), None
    if pre.mapping:
        return top.label or source_name, None
    base_name = top.label or it._default_name(chain[0], source_name)
    if pre.mode == "replace":  # help "Replace": the table it replaces is dropped first
        old = _replaced(it, pre, base_name, items)
        if old is not None:
            it.builder.drop(old.name)
            return it.builder.unique_name(base_name), None
    if pre.concatenate is not None:
        last = (it.builder.table(pre.concatenate) if pre.concatenate
                else it.builder.last_table())
        if last is None:
            raise ScriptError("No previous table for concatenate load.")
        return last.name, last
    if it.partial and pre.mode in ("add", "merge") and base_name in it.builder.tables:
        target = it.builder.table(base_name)  # help "Add": the table of the generated name
        return target.name, target
    if not pre.no_concatenate and not pre.transforms() and not pre.generic and items:
        names = [i.name for i in _qualified(it, items, base_name, pre)]
        if pre.mode == "merge":  # help "Merge": the same fields, the operation left out
            names = merge.fields_stored(names, pre.merge_keys)
        found = it.builder.find_same_fields(names)
        if found is not None:
            return found.name, found
    return it.builder.unique_name(base_name), None


def _replaced(it: Interpreter, pre: object, name: str,
              items: list[p.LoadItem]) -> Table | None:
    """The table a REPLACE load drops: the CONCATENATE target, in a partial reload the table
    of the generated name, else a table with the same set of fields."""
    target = getattr(pre, "concatenate", None)
    if target:
        return it.builder.table(target)
    if it.partial and name in it.builder.tables:
        return it.builder.tables[name]
    if items:
        return it.builder.find_same_fields([i.name for i in items])
    return None


def _qualified(it: Interpreter, items: list[p.LoadItem], table: str,
               pre: object) -> list[p.LoadItem]:
    """QUALIFY: the fields that match a QUALIFY pattern (and no later UNQUALIFY one) are
    named ``table.field`` (help "Qualify"); mapping loads are left alone."""
    if not it.qualify or getattr(pre, "mapping", False):
        return items
    out = []
    for item in items:
        on = False
        for pattern, flag in it.qualify:
            if fnmatchcase(item.name.lower(), pattern.lower()):
                on = flag
        out.append(p.LoadItem(item.expr, f"{table}.{item.name}", item.refs) if on else item)
    return out


def _mapped(it: Interpreter, items: list[p.LoadItem]) -> bool:
    return any(_map_of(it, i.name) for i in items)


def _map_of(it: Interpreter, name: str) -> str | None:
    found = None
    for pattern, mapping in it.maps:
        if fnmatchcase(name.lower(), pattern.lower()):
            found = mapping
    return found


def _apply_maps(it: Interpreter, frame: Frame) -> Frame:
    """MAP … USING: a mapped field's values go through its mapping table as it loads."""
    for name in frame.names:
        mapping = _map_of(it, name)
        if not mapping:
            continue
        m = it.context.mapping(mapping)
        sym = frame.symbols[name]
        values = m.apply(frame.vec(name).__class__.from_symbols(
            sym, np.arange(len(sym), dtype=np.int64)))
        scratch = Scratch().symbols_of(name)
        from associa.script.frame import value_texts

        lut = np.append(scratch.intern_many(value_texts(values, it.locale), values.num,
                                            values.null), -1).astype(np.int32)
        frame.columns[name] = lut[frame.codes(name)]
        frame.symbols[name] = scratch
    return frame


def _source_prefixes(it: Interpreter, top: p.Load, first: p.Load,
                     source: SourceTable) -> SourceTable:
    """ORDER BY (of a RESIDENT), FIRST n and SAMPLE p on the records read."""
    rows: np.ndarray | None = None
    if first.order_by:
        rows = _order(source, first.order_by)
    pre = top.prefixes
    if pre.first is not None:
        count = _number(it, pre.first, "FIRST")
        limit = max(int(count), 0)
        if limit < source.nrows:
            rows = np.arange(limit, dtype=np.int64) if rows is None else rows[:limit]
    if pre.sample is not None:
        prob = _number(it, pre.sample, "SAMPLE")
        base = np.arange(source.nrows, dtype=np.int64) if rows is None else rows
        rows = base[np.random.default_rng().random(len(base)) < prob]
    return source if rows is None else _take(source, rows)


def _number(it: Interpreter, expr: ast.Node, what: str) -> float:
    from associa.script.interpreter import ConstantScope

    v = Evaluator(it.locale).eval(expr, ConstantScope(it.locale))
    if v.null[0] or np.isnan(v.num[0]):
        raise ScriptError(f"{what} needs a number")
    return float(v.num[0])


def _order(source: SourceTable, keys: list) -> np.ndarray:
    """The records sorted by the ORDER BY fields: numbers before texts, numbers by value,
    texts by text, NULL last; stable."""
    sort_keys = []
    for key in reversed(keys):
        col = source.columns.get(key.name)
        if col is None:
            raise ScriptError(f"Field '{key.name}' not found")
        nvals = len(col.values) if col.codes is not None else col.nrows
        codes = np.arange(nvals, dtype=np.int64)
        nums = col.values.nums_at(codes)
        texts = col.values.texts_at(codes)
        has_num = ~np.isnan(nums)
        rank = np.empty(nvals, dtype=np.int64)
        num_idx = np.flatnonzero(has_num)
        txt_idx = np.flatnonzero(~has_num)
        num_order = num_idx[np.argsort(nums[num_idx], kind="stable")]
        txt_order = txt_idx[np.argsort(np.array([str(t) for t in texts[txt_idx]]), kind="stable")]
        rank[np.concatenate([num_order, txt_order])] = np.arange(nvals, dtype=np.int64)
        row_rank = np.append(rank, nvals)[col.codes_at(None)]
        sort_keys.append(-row_rank if key.descending else row_rank)
    return np.lexsort(sort_keys).astype(np.int64)


def _take(source: SourceTable, rows: np.ndarray) -> SourceTable:
    out = SourceTable(list(source.names), len(rows), streamed=source.streamed)
    for name, col in source.columns.items():
        out.columns[name] = SourceColumn(col.values, col.codes_at(rows), len(rows))
    return out


def _reshape(it: Interpreter, top: p.Load, frame: Frame, table_name: str) -> Frame | None:
    pre = top.prefixes
    if pre.crosstable:
        attr, data, nq = pre.crosstable
        return reshape.crosstable(frame, attr, data, nq)
    if pre.hierarchy:
        return reshape.hierarchy(frame, pre.hierarchy)
    if pre.belongs_to:
        return reshape.belongs_to(frame, pre.belongs_to)
    if pre.intervalmatch is not None:
        return _intervalmatch(it, frame, pre.intervalmatch)
    if pre.generic:
        for name, part in reshape.generic(frame, table_name):
            names, columns, n = _to_builder(it, part, name, lambda text: None)
            it.builder.add(it.builder.unique_name(name), names, columns, n)
        return None
    return frame


def _intervalmatch(it: Interpreter, frame: Frame, args: list[str]) -> Frame:
    match, keys = args[0], args[1:]
    from associa.expr import Vec

    holder = next((t for t in it.builder.tables.values()
                   if match in t.columns and all(k in t.columns for k in keys)), None)
    if holder is None:
        raise ScriptError(f"Field '{match}' not found (INTERVALMATCH)")
    # the distinct (match, keys…) combinations loaded so far
    cols = [np.asarray(holder.columns[f], dtype=np.int64) for f in (match, *keys)]
    stacked = np.stack(cols, axis=1) if len(cols) > 1 else cols[0][:, None]
    _, first = np.unique(stacked, axis=0, return_index=True)
    first = np.sort(first)
    values = Vec.from_symbols(it.builder.symbols_of(match), cols[0][first])
    key_vecs = [Vec.from_symbols(it.builder.symbols_of(k), c[first])
                for k, c in zip(keys, cols[1:], strict=True)]
    rows, matched, _ = reshape.intervalmatch(frame, args, values, key_vecs)
    scratch = Scratch().symbols_of(match)
    from associa.script.frame import value_texts

    codes = scratch.intern_many(value_texts(matched, it.locale), matched.num, matched.null)
    names = [match, *[n for n in rows.names if n != match]]
    columns: dict[str, Column] = {match: codes}
    columns.update({n: rows.codes(n) for n in rows.names if n != match})
    symbols = {match: scratch, **{n: rows.symbols[n] for n in rows.names if n != match}}
    # keys come from the intervals' fields of the same name (equal to the values')
    out = Frame(names, columns, len(codes), symbols)
    mask = _distinct_mask(out)
    return out.take(np.flatnonzero(mask)) if not mask.all() else out


def _distinct_mask(frame: Frame) -> np.ndarray:
    if not frame.nrows:
        return np.ones(0, dtype=bool)
    stacked = np.stack([frame.codes(n) for n in frame.names], axis=1)
    _, first = np.unique(stacked, axis=0, return_index=True)
    mask = np.zeros(frame.nrows, dtype=bool)
    mask[first] = True
    return mask


def _to_builder(it: Interpreter, frame: Frame, table_name: str,
                report: Callable[[str], None]) -> tuple[list[str], dict[str, Column], int]:
    """A frame's columns interned into the model's fields (in order of first appearance,
    as a LOAD of them would)."""
    items = [p.LoadItem(ast.FieldRef(n), n) for n in frame.names]
    node = p.Load(None, items, "resident")
    run = LoadRun(node, items, frame.source(), it.builder, it.locale, table_name=table_name,
                  base=0, status=report, check_cancelled=it.check_cancelled)
    columns, n = run.run()
    return list(frame.names), columns, n


def _store(it: Interpreter, top: p.Load, table_name: str, target: Table | None,
           names: list[str], columns: dict[str, Column], n: int,
           changes: merge.ChangeLog | None = None) -> int:
    pre = top.prefixes
    builder = it.builder
    if changes is not None:  # MERGE, in full and partial reloads alike (help "Merge")
        cols = {k: _materialized(v) for k, v in columns.items()}
        table, largest = merge.apply(builder, table_name, target, names, cols, n,
                                     pre.merge_keys, pre.merge_sequence, changes)
        if pre.merge_sequence_var:
            it.assign(pre.merge_sequence_var, merge.sequence_text(largest))
        return table.nrows
    if pre.join or pre.keep:
        other = builder.table(pre.target) if pre.target else builder.last_table()
        if other is None:
            raise ScriptError("No previous table to join with")
        if pre.join:
            joined = joins.join(builder, other, names, columns, n, pre.join)
            builder.tables[other.name] = joined
            return joined.nrows
        left, columns, n = joins.keep(builder, other, names, columns, n, pre.keep)  # type: ignore[arg-type]
        builder.tables[other.name] = left
        name = builder.unique_name(table_name)
        builder.add(name, names, columns, n)
        return n
    if target is not None:
        target.append_rows({k: _materialized(v) for k, v in columns.items()}, n)
        return target.nrows
    builder.add(table_name, names, columns, n)
    return n


def _materialized(column: Column) -> np.ndarray:
    return column.materialize() if isinstance(column, Identity) else column


def _distinct_rows(columns: dict[str, Column], names: list[str],
                   n: int) -> tuple[dict[str, Column], int]:
    """LOAD DISTINCT: the first of each set of equal rows, in order."""
    if any(isinstance(c, Identity) for c in columns.values()):
        return columns, n  # a column with a value per row: no two rows are equal
    stacked = np.stack([columns[nm] for nm in names], axis=1)  # type: ignore[misc]
    _, first = np.unique(stacked, axis=0, return_index=True)
    keep = np.sort(first)
    return {k: v[keep] for k, v in columns.items()}, len(keep)  # type: ignore[index]
