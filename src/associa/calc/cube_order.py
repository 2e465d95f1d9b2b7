"""A cube's rows pruned and put in display order: null suppression, ``qSuppressZero`` and
``qSuppressMissing``, then ``qInterColumnSortOrder`` with each column's sort criteria, the
Others and total rows kept beside the values they stand for. A mixin of
``calc/cube.py``'s ``Cube``, which holds the state these read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from associa.calc import others as limits
from associa.calc.cells import format_measure
from associa.calc.columns import AttrExpr, Dimension, Measure
from associa.calc.grouping import Grouping
from associa.calc.sorting import (
    dimension_criteria,
    expression_numbers,
    measure_criteria,
    sort_by_text,
    sort_expression,
    symbol_rank,
    value_rank,
)
from associa.errors import ExpressionError
from associa.expr import Evaluator, Vec
from associa.model import DataModel
from associa.select import Inference
from associa.values import Locale


class Ordering:
    """Pruning and sorting a cube's rows."""

    model: DataModel
    locale: Locale
    evaluator: Evaluator
    dims: list[Dimension]
    measures: list[Measure]
    values: list[Vec]
    dim_symbols: list[np.ndarray]
    deferred: set[int]
    attr_exprs: list[list[AttrExpr]]
    attr_values: list[list[Vec]]
    other_specs: list[limits.OtherSpec | None]
    show_totals_above: bool
    count: int
    effective_sort_order: list[int]
    _attribute_only: np.ndarray | None

    def _sort_order(self, definition: Mapping[str, Any]) -> list[int]:
        ncols = len(self.dims) + len(self.measures)
        order = list(definition.get("qInterColumnSortOrder") or [])
        order = [c for c in order if isinstance(c, int) and not isinstance(c, bool)
                 and 0 <= c < ncols]
        order = list(dict.fromkeys(order))
        order += [c for c in range(ncols) if c not in order]
        self.effective_sort_order = order
        return order

    def _prune(self, rows: np.ndarray, definition: Mapping[str, Any]) -> np.ndarray:
        keep = np.ones(len(rows), dtype=bool)
        if self._attribute_only is not None:
            keep &= ~self._attribute_only[rows]
        for d, sym in zip(self.dims, self.dim_symbols, strict=True):
            if d.definition.get("qNullSuppression"):
                if d.values is not None:
                    keep &= sym[rows] != d.values.null_code
                elif d.field is None:
                    keep[:] = False
                else:
                    keep &= sym[rows] != self.model.fields[d.field].null_code
        # the measures with inter-record functions are not known yet: they prune nothing
        known = [v for i, v in enumerate(self.values) if i not in self.deferred]
        # attribute expressions without qAttribute count as measures here
        known += [v for col, vals in zip(self.attr_exprs, self.attr_values, strict=True)
                  for a, v in zip(col, vals, strict=True)
                  if a.counts_rows and a.node is not None and a.error is None and not a.deferred]
        if known and definition.get("qSuppressZero"):
            nonzero = np.zeros(len(rows), dtype=bool)
            for v in known:
                nonzero |= ~v.null[rows] & ((v.num[rows] != 0) | np.isnan(v.num[rows]))
            keep &= nonzero
        if known and definition.get("qSuppressMissing"):
            present = np.zeros(len(rows), dtype=bool)
            for v in known:
                present |= ~v.null[rows]
            keep &= present
        return rows[keep]

    def _sort(self, rows: np.ndarray, definition: Mapping[str, Any], inference: Inference,
              scope: Any, grouping: Grouping) -> np.ndarray:
        """The rows in display order: by the columns in ``qInterColumnSortOrder``
        (the others after, in column order; entries out of range or repeated are left
        out), each by its SortCriteria (``qReverseSort`` inverting them). An Others row
        comes after the values beside it and a dimension total after (or, with
        ``qShowTotalsAbove``, before) the rows it totals; the outermost dimension with
        limits or totals keeps them there even when a measure sorts first."""
        order = self._sort_order(definition)
        ndims = len(self.dims)
        keys: list[np.ndarray] = []
        for c in order:
            if c < ndims:
                d = self.dims[c]
                criteria = dimension_criteria(d.definition)
                if d.values is not None:
                    keys.append(self._dim_key(d.values.rank(criteria), c, rows))
                    continue
                if not d.field:
                    continue
                rank = symbol_rank(self.model, inference, d.field, criteria, self.locale)
                keys.append(self._dim_key(rank, c, rows))
            elif c - ndims in self.deferred:
                continue  # its values follow from the order: it does not sort
            else:
                m = self.measures[c - ndims]
                v = self.values[c - ndims]
                sort_by = measure_criteria(m.definition)
                texts = self._texts(m, v, rows) if sort_by_text(sort_by) else None
                node = sort_expression(sort_by)
                expression = None
                if node is not None:
                    try:
                        value = grouping.finish(self.evaluator.eval(node, scope))
                        numbers = expression_numbers(value)
                        extra = len(v.num) - len(numbers)  # the virtual rows: none
                        if extra > 0:
                            numbers = np.append(numbers, np.full(extra, np.nan))
                        expression = numbers[rows]
                    except ExpressionError:
                        expression = None  # an unusable sort expression does not sort
                keys += value_rank(expression_numbers(v)[rows], texts, sort_by, expression)
        keys = self._virtual_keys(rows) + keys
        if not keys or not len(rows):
            return rows
        return rows[np.lexsort(keys[::-1])]

    def _dim_key(self, rank: np.ndarray, c: int, rows: np.ndarray) -> np.ndarray:
        """A dimension's sort key over rows: its values' rank; Others after every value,
        a total before or after them all."""
        syms = self.dim_symbols[c][rows]
        if not len(syms) or syms.min() >= 0:
            return rank[syms]
        key = rank[np.maximum(syms, 0)]
        key = np.where(syms == limits.OTHERS, len(rank), key)
        total = -1 if self.show_totals_above else len(rank) + 1
        return np.where(syms == limits.TOTAL, total, key)

    def _virtual_keys(self, rows: np.ndarray) -> list[np.ndarray]:
        """Keys placing the virtual rows of the outermost dimension with limits or
        totals before every column's own key, when that dimension is the first one
        sorted (a measure sorted before it then cannot move its Others row)."""
        if len(self.values) == 0 or self.values[0].n <= self.count:
            return []
        ndims = len(self.dims)
        first_dim = next((c for c in self.effective_sort_order if c < ndims), None)
        for c, spec in enumerate(self.other_specs):
            if spec is None:
                continue
            if c != first_dim:  # an inner dimension: its own key places them
                return []
            syms = self.dim_symbols[c][rows]
            total = np.where(syms == limits.TOTAL, -1 if self.show_totals_above else 2, 0)
            return [total + (syms == limits.OTHERS)]
        return []

    def _texts(self, m: Measure, v: Vec, rows: np.ndarray) -> np.ndarray:
        """The texts the cells show (numbers formatted), None for NULL."""
        out = np.empty(len(rows), dtype=object)
        for i, g in enumerate(rows.tolist()):
            out[i] = None if v.null[g] else format_measure(v, g, m.definition, self.locale)["qText"]
        return out
