"""A hypercube's computation: dimensions × measures over the possible records.

The rows of a cube are the distinct combinations of dimension values found in the
records (``calc/records.py``). Each measure is evaluated once per row over that row's
records, and once over all records for the grand total. Rows are then pruned (suppress
zero/missing, null suppression) and sorted by ``qInterColumnSortOrder``. What a ``Cube``
keeps is the answer: the rows, each row's dimension symbols and measure values, the totals.
Laying it out (a straight table's pages, or later pivot and stacked modes) is the
renderer's (``calc/straight.py``).

Grouping: each dimension's code is scaled by a stride (the product of the later
dimensions' symbol counts + 1, NULL being the last code), so that a group key orders
groups by their dimension codes, and the dimensions read through one column share one
lookup table of scaled codes (``kernels.group.group_keys``). A small key space is
aggregated as is; a larger one is compacted onto the groups that occur first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from associa.calc import others as limits
from associa.calc.aggregate import (
    GroupScope,
    LocalGroups,
    SetScope,
    TotalScope,
    reads_chart_state,
    set_texts,
)
from associa.calc.calcdims import (
    CalcRecords,
    CalcValues,
    calc_codes,
    calc_key,
    calc_vec,
    coded_values,
)
from associa.calc.cells import validation_error
from associa.calc.chartscript import run_chart_scripts
from associa.calc.columns import (
    AttrDim,
    AttrExpr,
    Measure,
    attr_dimension,
    attr_expression,
    dimension,
    measure,
)
from associa.calc.conditions import condition_error, unfulfilled
from associa.calc.cube_attributes import Attributes
from associa.calc.cube_order import Ordering
from associa.calc.grouping import (
    Grouping,
    compact,
    group,
    local_groups,
    spread,
    union_groups,
)
from associa.calc.interrecord import Table as InterRecordTable
from associa.calc.interrecord import segment_ids
from associa.calc.records import Records, associate
from associa.calc.records import Records as _Records
from associa.calc.sets import NoSources, SetEvaluator
from associa.errors import ExpressionError
from associa.expr import Evaluator, Vec, ast, parse
from associa.expr.interrecord import uses_chart_rows
from associa.expr.vector import concat
from associa.kernels import pool
from associa.model import DataModel
from associa.select import Inference
from associa.values import Locale


class Cube(Attributes, Ordering):
    """The computed answer of a straight hypercube definition."""

    def __init__(
        self,
        model: DataModel,
        inference: Inference,
        definition: Mapping[str, Any],
        locale: Locale,
        sets: SetEvaluator | None = None,
        prepare: Callable[..., str] | None = None,
        context: Any = None,
    ) -> None:
        self.model = model
        self.locale = locale
        self.sets = sets
        self.evaluator = Evaluator(locale, context=context)
        self.dims = [dimension(model, d, prepare, inference)
                     for d in _listed(definition, "qDimensions")]
        self.measures = [measure(m, prepare) for m in _listed(definition, "qMeasures")]
        # each column's attribute expressions and dimensions (dimensions, then measures)
        columns = [*_listed(definition, "qDimensions"), *_listed(definition, "qMeasures")]
        self.attr_exprs: list[list[AttrExpr]] = [
            [attr_expression(a, prepare) for a in _listed(c, "qAttributeExpressions")]
            if isinstance(c, Mapping) else [] for c in columns]
        self.attr_dims: list[list[AttrDim]] = [
            [attr_dimension(model, a, prepare) for a in _listed(c, "qAttributeDimensions")]
            if isinstance(c, Mapping) else [] for c in columns]
        # their values per group (NULL until computed), and the attribute dimensions'
        # value codes per group (-1: none) with the values the codes stand for
        self.attr_values: list[list[Vec]] = [[] for _ in columns]
        self.attr_dim_codes: list[list[np.ndarray]] = [[] for _ in columns]
        self.attr_dim_values: list[list[CalcValues | None]] = [[] for _ in columns]
        # measures calling chart inter-record functions: evaluated over the sorted rows
        self.deferred = {i for i, m in enumerate(self.measures)
                         if m.node is not None and uses_chart_rows(m.node)}
        self.error: dict | None = None
        self._attribute_only: np.ndarray | None = None  # groups only attributes make
        self._prepare = prepare
        # the cube's own calculation condition failed: its message (qCalcCondMsg)
        self.calc_cond_msg: str | None = None
        # dimension limits and totals (``calc/others.py``): each dimension's spec and
        # labels; the groups from ``count`` on are the virtual rows (Others, totals),
        # whose dimension codes are ``others.OTHERS`` / ``others.TOTAL``
        self.other_specs = [limits.other_spec(d.definition) for d in self.dims]
        self.other_labels: list[str] = []
        self.total_labels: list[str] = []
        self.has_others = False
        # each Others row's group -> the real groups it stands for (``grouped``)
        self._grouped: dict[int, np.ndarray] = {}
        self.show_totals_above = definition.get("qShowTotalsAbove") is True
        # per dimension, the values a chart script's Load added that its field does not
        # hold (``calc/chartresult.py``: codes ``ADDED - k``)
        self.added_values: list[list[tuple[str, float]]] = [[] for _ in self.dims]
        self._inference: Inference | None = inference
        if self._conditions(definition):
            self._compute(inference, definition)
        else:
            self._empty(definition)
        self._inference = None

    def scalar(self, text: str) -> tuple[str | None, float]:
        """An expression over all the chart state's possible records, as one value
        (conditions, limits, labels): its text and number; raises ExpressionError."""
        inference = self._inference
        assert inference is not None
        node = parse(text if self._prepare is None else self._prepare(text))
        names = ast.field_names(node)
        for name in names:
            if name not in self.model.fields:
                raise ExpressionError(f"Field not found: {name}")
        records = (associate(self.model, inference, names, names) if names
                   else _Records.single())
        default = GroupScope(self.model, records, np.zeros(records.n, dtype=np.intp), 1,
                             self.locale)
        scope: Any = default
        texts = set_texts([node])
        if texts:
            sets = self.sets or SetEvaluator(self.model, inference.state, NoSources(),
                                             self.locale)
            by_set: dict[str, GroupScope] = {}
            errors: dict[str, str] = {}
            for t in texts:
                try:
                    inf = sets.inference(t)
                    recs = associate(self.model, inf, names, names) if names else _Records.single()
                    by_set[t] = GroupScope(self.model, recs, np.zeros(recs.n, dtype=np.intp),
                                           1, self.locale)
                except ExpressionError as exc:
                    errors[t] = exc.message
            scope = SetScope(default, by_set, errors)
        try:
            return self.evaluator.eval(node, scope).value(0, self.locale)
        finally:
            scope.release()

    def _conditions(self, definition: Mapping[str, Any]) -> bool:
        """Evaluate the calculation conditions: the cube's (False: not calculated) and
        each column's (a column whose condition fails is turned off: a dimension groups
        nothing, a measure is not evaluated; its info carries error 7005 and the
        message)."""
        msg = unfulfilled(definition, self.scalar)
        if msg is not None:
            self.error = condition_error()
            self.calc_cond_msg = msg
            return False
        for d in self.dims:
            msg = unfulfilled(d.definition, self.scalar)
            if msg is not None:
                d.field, d.calc, d.values = None, None, None
                d.error, d.cond_msg = condition_error(), msg
        for m in self.measures:
            msg = unfulfilled(m.definition, self.scalar)
            if msg is not None:
                m.node, m.error, m.cond_msg = None, condition_error(), msg
        return True

    def _empty(self, definition: Mapping[str, Any]) -> None:
        """The answer of a cube that is not calculated: no rows, NULL totals."""
        empty = np.zeros(0, dtype=np.int64)
        self.count = 0
        self.dim_symbols: list[np.ndarray] = [empty for _ in self.dims]
        self.values: list[Vec] = [Vec.nulls(0) for _ in self.measures]
        self.totals = [Vec.nulls(1) for _ in self.measures]
        self.attr_values = [[Vec.nulls(0) for _ in col] for col in self.attr_exprs]
        self.attr_dim_codes = [[empty for _ in col] for col in self.attr_dims]
        self.attr_dim_values = [[None for _ in col] for col in self.attr_dims]
        self.rows = empty
        self._sort_order(definition)

    def _limit(self, rows: np.ndarray, regroup: limits.Regroup) -> np.ndarray:
        """Dimension limits and totals (``calc/others.py``): the virtual rows are added
        as groups ``count..``, and the rows to show returned (unsorted)."""
        specs = self.other_specs
        if not any(s is not None for s in specs) or not self.dims:
            return rows
        for spec in specs:
            self.other_labels.append(limits.label_text(
                spec.other_label if spec else "", "Others", self.scalar))
            self.total_labels.append(limits.label_text(
                spec.total_label if spec else "", "Total", self.scalar))
        named = [(m.label if isinstance(m.label, str) else "", m.text) for m in self.measures]
        ranking = [limits.ranking_measure(s, named) if s is not None else 0 for s in specs]
        if not self.measures:
            return rows
        virtual = limits.apply(specs, self.dim_symbols, rows, ranking, regroup, self.scalar)
        self.has_others = virtual.has_others
        k = len(virtual.symbols[0]) if virtual.symbols else 0
        if not k:
            return virtual.kept
        base = self.values[0].n if self.values else self.count
        self._grouped = {base + int(k): rows[virtual.others_of == k]
                         for k in np.unique(virtual.others_of[virtual.others_of >= 0])}
        self.dim_symbols = [np.concatenate([s.astype(np.int64), v])
                            for s, v in zip(self.dim_symbols, virtual.symbols, strict=True)]
        nm = len(self.measures)
        self.values = [concat([v, extra]) if i not in self.deferred
                       else concat([v, Vec.nulls(k)])
                       for i, (v, extra) in enumerate(zip(self.values, virtual.values[:nm],
                                                          strict=True))]
        # the virtual rows' attribute expressions, over their records (``_regrouped``)
        extras = iter(virtual.values[nm:])
        self.attr_values = [[concat([v, next(extras) if not a.deferred else Vec.nulls(k)])
                             for v, a in zip(col, attrs, strict=True)]
                            for col, attrs in zip(self.attr_values, self.attr_exprs, strict=True)]
        self.attr_dim_codes = [[np.concatenate([c.astype(np.int64),
                                                np.full(k, -1, dtype=np.int64)])
                                for c in col] for col in self.attr_dim_codes]
        return np.concatenate([virtual.kept, base + np.arange(k, dtype=virtual.kept.dtype)])

    def grouped(self, group: int) -> np.ndarray:
        """The real groups an Others row's group stands for (``calc/others.py``); the
        group itself for a real group; none for a total row."""
        if group < self.count:
            return np.asarray([group], dtype=np.int64)
        return self._grouped.get(group, np.zeros(0, dtype=np.int64))

    def _fields(self) -> set[str]:
        names = {d.field for d in self.dims if d.field}
        for d in self.dims:
            if d.calc is not None:
                names |= ast.field_names(d.calc)
        columns: list[Measure | AttrExpr] = [*self.measures,
                                             *(a for col in self.attr_exprs for a in col)]
        for column in columns:
            if column.node is not None:
                for f in ast.field_names(column.node):
                    if f in self.model.fields:
                        names.add(f)
                    elif column.error is None:
                        column.error = validation_error(7000, column.text,
                                                        f"Field not found: {f}")
        for dcol in self.attr_dims:
            for ad in dcol:
                if ad.field:
                    names.add(ad.field)
                elif ad.node is not None:
                    names |= ast.field_names(ad.node)
        return names

    def _compute(self, inference: Inference, definition: Mapping[str, Any]) -> None:
        model = self.model
        fields = self._fields()
        dim_fields = {d.field for d in self.dims if d.field}
        active = [d.field or calc_key(i) for i, d in enumerate(self.dims)
                  if d.field or d.calc is not None]
        if self.dims and len(active) < len(self.dims) - sum(
                d.cond_msg is not None for d in self.dims):
            self.error = {"qErrorCode": 7000}
        nodes = [m.node for m in self.measures if m.node is not None and m.error is None]
        nodes += self._attr_nodes()
        texts = set_texts(nodes)
        if texts:
            self._compute_sets(inference, definition, fields, dim_fields, active, nodes, texts)
            return
        records = associate(model, inference, fields, dim_fields) if fields else Records.single()
        if active and records.n:
            grouping = group(model, self._calc_records(records), active)
        elif active:
            empty = np.zeros(0, dtype=np.int64)
            grouping = Grouping(empty, 0, None, [empty for _ in active])
        else:
            grouping = Grouping(np.zeros(records.n, dtype=np.intp), 0 if self.dims else 1,
                                None, [])
        ngroups = grouping.count
        self.dim_symbols = []
        it = iter(grouping.symbols)
        for d in self.dims:
            self.dim_symbols.append(next(it) if d.field or d.calc is not None
                                    else np.full(ngroups, -1, dtype=np.int64))
        dims_in_scope = [(d.field, s) for d, s in zip(self.dims, self.dim_symbols, strict=True) if d.field]
        if grouping.cells is not None:  # the scope's groups are the key space's cells
            dims_in_scope = [(f, spread(s, grouping)) for f, s in dims_in_scope]
        scope = GroupScope(model, records, grouping.key, grouping.n, self.locale, dims_in_scope,
                           grouping.counts)
        # no groups (no dimension resolves, or no record): nothing to evaluate per group
        self.values = self._evaluate_all(scope, grouping, ngroups, records.n)
        cells = grouping.cells
        self.count = ngroups
        self._evaluate_attrs(scope, ngroups, grouping.finish, records, grouping.key,
                             (lambda a: a) if cells is None else (lambda a: a[cells]))
        total_scope = TotalScope(scope)
        self.totals = [self._evaluate(m, total_scope, 1, quiet=True)
                       if i not in self.deferred else Vec.nulls(1)
                       for i, m in enumerate(self.measures)]
        self._attribute_only = self._attribute_groups(inference, fields, dim_fields, active)
        rows = self._prune(np.arange(ngroups), definition)

        def regroup(new_of: np.ndarray, n: int, syms: list[np.ndarray]) -> list[Vec]:
            # each record's group among the cube's rows (only dimension limits need it)
            if grouping.cells is None:
                record_groups = grouping.key
            else:
                lut = np.full(grouping.n, -1, dtype=np.int64)
                lut[grouping.cells] = np.arange(len(grouping.cells))
                record_groups = lut[grouping.key]
            ext = np.append(np.where(new_of >= 0, new_of, n), n)
            sub = GroupScope(model, records, ext[record_groups].astype(np.intp), n + 1,
                             self.locale, self._scope_dims(syms))
            try:
                return self._regrouped(sub, n)
            finally:
                sub.release()

        self._finish(rows, regroup, definition, inference, scope, total_scope, grouping)

    def _compute_sets(self, inference: Inference, definition: Mapping[str, Any],
                      fields: set[str], dim_fields: set[str], active: list[str],
                      nodes: list[ast.Node], texts: list[str]) -> None:
        """Measures with set expressions: each set's records are grouped by the
        dimensions on their own, and the chart's rows are the union of the groups of
        every set (and of the chart state's, when a measure reads it): a dimension value
        that a set reaches is shown even when the chart's selections exclude it. The
        sets only attribute expressions read add no rows: their values are read for the
        rows there are (the groups only they reach are pruned)."""
        model = self.model
        sets = self.sets or SetEvaluator(model, inference.state, NoSources(), self.locale)
        sources: list[tuple[str | None, Inference]] = []
        errors: dict[str, str] = {}
        if reads_chart_state(nodes):
            sources.append((None, inference))
        for text in texts:
            try:
                sources.append((text, sets.inference(text)))
            except ExpressionError as exc:
                errors[text] = exc.message
        if not sources:
            sources.append((None, inference))
        measures = [m.node for m in self.measures if m.node is not None and m.error is None]
        row_texts = set(set_texts(measures))
        chart_rows = reads_chart_state(measures) or not row_texts

        def gives_rows(text: str | None) -> bool:
            return chart_rows if text is None else text in row_texts

        if not any(gives_rows(t) for t, _ in sources):
            sources.insert(0, (None, inference))
            chart_rows = True
        if any(d.calc is not None for d in self.dims):
            every = self._calc_set_groups(inference, sources, fields, dim_fields, active)
        else:
            every = [(t, inf, local_groups(model, inf, fields, dim_fields, active,
                                           self.locale)) for t, inf in sources]
        sources = [(t, inf) for t, inf, _ in every]
        groups = [lg for _, _, lg in every]
        all_records = [lg.records for lg in groups]
        keys, symbols, count, at_local = union_groups(active, groups, bool(self.dims))
        # the groups only the sets of attribute expressions reach are pruned: those sets
        # group their records with the others' (so that TOTAL and Aggr read them as any
        # set), but add no rows
        reached = np.zeros(count, dtype=bool)
        for (name, _), lg, at in zip(sources, groups, at_local, strict=True):
            if gives_rows(name):
                reached |= at < lg.n
        self._attribute_only = None if reached.all() else ~reached
        self.dim_symbols = []
        it = iter(symbols)
        for d in self.dims:
            self.dim_symbols.append(next(it) if d.field or d.calc is not None
                                    else np.full(count, -1, dtype=np.int64))
        dims_in_scope = [(d.field, s) for d, s in zip(self.dims, self.dim_symbols, strict=True)
                         if d.field]
        scopes = {text: GroupScope(model, recs, key, count, self.locale, dims_in_scope)
                  for (text, _), recs, key in zip(sources, all_records, keys, strict=True)}
        by_text = {text: (recs, key) for (text, _), recs, key
                   in zip(sources, all_records, keys, strict=True)}
        first: str | None = None if None in by_text else next(
            t for t, _ in sources if gives_rows(t))
        default_records, default_key = by_text[first]
        default = scopes.pop(first) if first is None else scopes[first]
        local: dict[str | None, tuple[LocalGroups, np.ndarray]] = {
            text: (lg, at) for (text, _), lg, at in zip(sources, groups, at_local, strict=True)}
        scope = SetScope(default, {t: sc for t, sc in scopes.items() if t is not None}, errors,
                         local)
        grouping = Grouping(np.zeros(0, dtype=np.intp), count, None, symbols)
        self.values = [self._evaluate(m, scope, count)
                       if count and i not in self.deferred else Vec.nulls(count)
                       for i, m in enumerate(self.measures)]
        self.count = count
        self._evaluate_attrs(scope, count, lambda v: v, default_records, default_key,
                             lambda a: a)
        totals = scope.totals()
        self.totals = [self._evaluate(m, totals, 1, quiet=True)
                       if i not in self.deferred else Vec.nulls(1)
                       for i, m in enumerate(self.measures)]
        rows = self._prune(np.arange(count), definition)

        def regroup(new_of: np.ndarray, n: int, syms: list[np.ndarray]) -> list[Vec]:
            ext = np.append(np.where(new_of >= 0, new_of, n), n)
            dims = self._scope_dims(syms)
            subs = {text: GroupScope(model, recs, ext[key].astype(np.intp), n + 1,
                                     self.locale, dims)
                    for (text, _), recs, key in zip(sources, all_records, keys, strict=True)}
            base = subs.pop(first) if first is None else subs[first]
            sub = SetScope(base, {t: sc for t, sc in subs.items() if t is not None}, errors)
            try:
                return self._regrouped(sub, n)
            finally:
                sub.release()

        self._finish(rows, regroup, definition, inference, scope, totals, grouping)

    def _finish(self, rows: np.ndarray, regroup: Callable[..., list[Vec]],
                definition: Mapping[str, Any], inference: Inference, scope: Any, totals: Any,
                grouping: Grouping) -> None:
        """The rows kept (dimension limits), sorted, and the measures with inter-record
        functions over them; then the scopes are released (their links are cycles)."""
        try:
            rows = self._limit(rows, self._by_rows(rows, regroup))
            self.rows = self._sort(rows, definition, inference, scope, grouping)
            self._evaluate_deferred(scope, totals, grouping)
            run_chart_scripts(self, definition)  # qDynamicScript (calc/chartscript.py)
        finally:
            scope.release()
            totals.release()

    def _scope_dims(self, syms: list[np.ndarray]) -> list[tuple[str, np.ndarray]]:
        """A regrouped scope's dimensions (for TOTAL <dim>): each field's symbol per new
        group, -1 for the extra group of the records left out."""
        return [(d.field, np.append(s, -1)) for d, s in zip(self.dims, syms, strict=True)
                if d.field]

    def _regrouped(self, scope: Any, n: int) -> list[Vec]:
        """Each measure over a regrouped scope's first ``n`` groups (its last group holds
        the records left out), then each attribute expression without inter-record
        functions (columns in order); the measures with inter-record functions are NULL."""
        keep = np.arange(n)
        return [self._evaluate(m, scope, n + 1, quiet=True).take(keep)
                if i not in self.deferred else Vec.nulls(n)
                for i, m in enumerate(self.measures)] + [
            self._evaluate_attr(a, scope, n + 1).take(keep)
            for col in self.attr_exprs for a in col if not a.deferred]

    def _by_rows(self, rows: np.ndarray, regroup: limits.Regroup) -> limits.Regroup:
        """``regroup`` taking a new group per row of ``rows`` instead of per group."""
        count = self.count

        def by_rows(mapping: np.ndarray, n: int, syms: list[np.ndarray]) -> list[Vec]:
            new_of = np.full(count, -1, dtype=np.int64)
            new_of[rows] = mapping
            return regroup(new_of, n, syms)

        return by_rows

    def _evaluate_deferred(self, scope: Any, totals: Any, grouping: Grouping) -> None:
        """The measures with inter-record functions, over the rows in display order
        (``calc/interrecord.py``): segments by every dimension but the last one in the
        inter-field sort order."""
        attrs = [(c, j) for c, col in enumerate(self.attr_exprs)
                 for j, a in enumerate(col) if a.deferred and a.error is None]
        if not self.deferred and not attrs:
            return
        ndims = len(self.dims)
        by_order = [c for c in self.effective_sort_order
                    if c < ndims and (self.dims[c].field or self.dims[c].calc is not None)]
        rows = self.rows[self.rows < self.count]  # the virtual rows (Others) read no records
        segment = segment_ids([self.dim_symbols[c][rows] for c in by_order[:-1]], len(rows))
        table = InterRecordTable(
            scope, totals, grouping.finish, rows, segment, ndims, self.locale,
            [None if i in self.deferred else v for i, v in enumerate(self.values)],
            [None if i in self.deferred else v for i, v in enumerate(self.totals)],
            lambda i, sc, n, quiet: self._evaluate(self.measures[i], sc, n, quiet))
        ngroups = self.values[0].n if self.values else self.count
        for i in sorted(self.deferred):
            self.values[i] = table.spread(table.measure(i), ngroups)
            self.totals[i] = table.measure_total(i)
        for c, j in attrs:
            a = self.attr_exprs[c][j]
            if not ngroups:
                continue
            self.attr_values[c][j] = table.spread(
                self._evaluate_attr(a, table.scope, len(rows)), ngroups)

    def _calc_set_groups(self, home: Inference, sources: list[tuple[str | None, Inference]],
                         fields: set[str], dim_fields: set[str], active: list[str],
                         ) -> list[tuple[str | None, Inference, LocalGroups]]:
        """Calculated dimensions beside measures with sets: each source's records (the
        chart state's, each set's) grouped by the dimensions, a calculated one by its
        value per record (``calc_vec``: its aggregations and Aggr over the chart state's
        records, as Qlik computes a calculated dimension in the chart's state; a set's
        record takes the value its fields have there), coded over all the sources at
        once so that one value is one code everywhere. Not kept with the inferences (the
        values depend on the chart state as well as on the set)."""
        model = self.model

        def records_of(inf: Inference) -> Records:
            return associate(model, inf, fields, dim_fields) if fields else Records.single()

        records = [records_of(inf) for _, inf in sources]
        home_records = next((r for (t, _), r in zip(sources, records, strict=True)
                             if t is None), None) or records_of(home)
        calc: list[dict[str, tuple[np.ndarray, CalcValues]]] = [{} for _ in records]
        for i, d in enumerate(self.dims):
            if d.calc is None:
                continue
            try:
                vecs = [calc_vec(model, recs, d.calc, self.evaluator, self.locale,
                                 home_records) for recs in records]
                codes, values = coded_values(concat(vecs), self.locale)
            except ExpressionError as exc:
                d.error = validation_error(7000, "", exc.message)
                codes = np.zeros(sum(r.n for r in records), dtype=np.int64)
                values = CalcValues(Vec.nulls(0), np.empty(0, dtype=object))
            d.values = values
            at = 0
            for j, recs in enumerate(records):
                calc[j][calc_key(i)] = (codes[at:at + recs.n], values)
                at += recs.n
        out = []
        for (text, inf), recs, coded in zip(sources, records, calc, strict=True):
            if active and recs.n:
                calc_records: Any = CalcRecords(recs, coded)
                key, symbols = compact(group(model, calc_records, active))
            elif active:
                key = np.zeros(0, dtype=np.intp)
                symbols = [np.zeros(0, dtype=np.int64) for _ in active]
            else:
                key, symbols = np.zeros(recs.n, dtype=np.intp), []
            out.append((text, inf, LocalGroups(model, recs, np.asarray(key, dtype=np.intp),
                                               list(symbols), active, self.locale)))
        return out

    def _calc_records(self, records: Records) -> Any:
        """The records with each calculated dimension's value codes (computed here)."""
        calc: dict[str, tuple[np.ndarray, CalcValues]] = {}
        for i, d in enumerate(self.dims):
            if d.calc is None:
                continue
            try:
                codes, values = calc_codes(self.model, records, d.calc, self.evaluator,
                                           self.locale)
            except ExpressionError as exc:
                d.error = validation_error(7000, "", exc.message)
                codes = np.zeros(records.n, dtype=np.int64)
                values = CalcValues(Vec.nulls(0), np.empty(0, dtype=object))
            d.values = values
            calc[calc_key(i)] = (codes, values)
        return CalcRecords(records, calc) if calc else records

    def _evaluate_all(self, scope: GroupScope, grouping: Grouping, ngroups: int,
                      nrec: int) -> list[Vec]:
        """Every measure's values per group. Over many records the measures are
        evaluated at once, one per core (``kernels.pool``: their passes release the GIL):
        a chart's sums are separate passes over the same records. Not with Aggr, whose
        virtual tables the scope makes once for all the measures that read them."""
        todo = [i for i in range(len(self.measures)) if ngroups and i not in self.deferred]
        nodes = [n for n in (self.measures[i].node for i in todo) if n is not None]
        at_once = len(todo) > 1 and nrec >= PARALLEL_MEASURES and not any(
            isinstance(node, ast.Call) and node.name == "AGGR"
            for top in nodes for node in top.walk())

        def one(i: int) -> Vec:
            return grouping.finish(self._evaluate(self.measures[i], scope, grouping.n))

        if at_once:
            done = dict(zip(todo, pool.run_spans(lambda lo, _hi: one(lo),
                                                 [(i, i + 1) for i in todo]), strict=True))
        else:
            done = {i: one(i) for i in todo}
        return [done[i] if i in done else Vec.nulls(ngroups) for i in range(len(self.measures))]

    def _evaluate(self, m: Measure, scope: Any, n: int, quiet: bool = False) -> Vec:
        if m.node is None or m.error is not None:
            return Vec.nulls(n)
        try:
            return self.evaluator.eval(m.node, scope)
        except ExpressionError as exc:
            if not quiet:
                m.error = validation_error(7000, m.text, exc.message)
            return Vec.nulls(n)

PARALLEL_MEASURES = 1 << 16  # records before a chart's measures are evaluated at once


def _listed(definition: Mapping[str, Any], key: str) -> list[Any]:
    """A definition's list member; anything else (a number, an object) lists nothing,
    as a property tree may hold a cube definition of any shape."""
    found = definition.get(key)
    return found if isinstance(found, list) else []
