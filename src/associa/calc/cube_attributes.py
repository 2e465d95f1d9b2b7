"""A cube's attribute columns: each column's attribute expressions (``qAttributeExpressions``)
evaluated per row, its attribute dimensions' (``qAttributeDimensions``) value codes per
row, and which fields attributes read (those with ``qAttribute`` add no rows: the groups
only they bring in are pruned). A mixin of ``calc/cube.py``'s ``Cube``, which holds the
state these read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from associa.calc.calcdims import CalcValues, coded_values
from associa.calc.cells import validation_error
from associa.calc.columns import AttrDim, AttrExpr, Dimension, Measure
from associa.calc.grouping import group
from associa.calc.records import Records, associate
from associa.errors import ExpressionError
from associa.expr import Evaluator, Vec, ast
from associa.model import DataModel
from associa.select import Inference
from associa.values import Locale


class Attributes:
    """Attribute expressions and dimensions of a cube's columns (dimensions, then
    measures)."""

    model: DataModel
    locale: Locale
    evaluator: Evaluator
    dims: list[Dimension]
    measures: list[Measure]
    dim_symbols: list[np.ndarray]
    attr_exprs: list[list[AttrExpr]]
    attr_dims: list[list[AttrDim]]
    attr_values: list[list[Vec]]
    attr_dim_codes: list[list[np.ndarray]]
    attr_dim_values: list[list[CalcValues | None]]

    def _attr_nodes(self) -> list[ast.Node]:
        return [a.node for col in self.attr_exprs for a in col
                if a.node is not None and a.error is None]

    def _evaluate_attrs(self, scope: Any, count: int, finish: Callable[[Vec], Vec],
                        records: Records | None, key: np.ndarray | None,
                        to_groups: Callable[[np.ndarray], np.ndarray]) -> None:
        """Each attribute expression once over all groups (a Vec per expression), and
        each attribute dimension's value code per group."""
        for c, col in enumerate(self.attr_exprs):
            self.attr_values[c] = [
                finish(self._evaluate_attr(a, scope, scope.n))
                if count and not a.deferred else Vec.nulls(count) for a in col]
        for c, dcol in enumerate(self.attr_dims):
            codes: list[np.ndarray] = []
            values: list[CalcValues | None] = []
            for ad in dcol:
                got, table = self._attr_dim_codes(ad, scope, count, finish, records, key,
                                                  to_groups)
                codes.append(got)
                values.append(table)
            self.attr_dim_codes[c] = codes
            self.attr_dim_values[c] = values

    def _attr_dim_codes(self, ad: AttrDim, scope: Any, count: int,
                        finish: Callable[[Vec], Vec], records: Records | None,
                        key: np.ndarray | None, to_groups: Callable[[np.ndarray], np.ndarray],
                        ) -> tuple[np.ndarray, CalcValues | None]:
        none = np.full(count, -1, dtype=np.int64)
        if not count or ad.error is not None:
            return none, None
        if ad.node is not None:  # calculated: its value per row, coded by value
            try:
                v = finish(self.evaluator.eval(ad.node, scope))
            except ExpressionError as exc:
                ad.error = validation_error(7000, ad.label, exc.message)
                return none, None
            codes, table = coded_values(v, self.locale)
            # NULL: no value code here (-1), not the calculated dimensions' last code
            return np.where(codes == table.null_code, -1, codes).astype(np.int64), table
        assert ad.field is not None and records is not None and key is not None
        null = self.model.fields[ad.field].null_code
        sym = records.codes(ad.field).materialize().astype(np.int64)
        ok = (sym >= 0) & (sym != null)
        g = key[ok]
        s = sym[ok]
        space = scope.n
        lo = np.full(space, np.iinfo(np.int64).max, dtype=np.int64)
        hi = np.full(space, -1, dtype=np.int64)
        np.minimum.at(lo, g, s)
        np.maximum.at(hi, g, s)
        one = np.where((hi >= 0) & (lo == hi), hi, -1)
        return to_groups(one), None

    def _evaluate_attr(self, a: AttrExpr, scope: Any, n: int) -> Vec:
        if a.node is None or a.error is not None:
            return Vec.nulls(n)
        try:
            return self.evaluator.eval(a.node, scope)
        except ExpressionError as exc:
            a.error = validation_error(7000, a.text, exc.message)
            return Vec.nulls(n)

    def _attribute_groups(self, inference: Inference, fields: set[str], dim_fields: set[str],
                          active: list[str]) -> np.ndarray | None:
        """The groups that only the fields of attributes (with ``qAttribute``) bring into
        the records (an outer join's rows of their tables): attributes do not add rows,
        so these are pruned. None when there are none (or calculated dimensions, whose
        value codes depend on the records)."""
        rowless = self._attribute_fields()
        if not rowless or not active or any(d.calc is not None for d in self.dims):
            return None
        base = self._row_fields(dim_fields)
        if not (rowless - base):
            return None
        records = associate(self.model, inference, base, dim_fields) if base else Records.single()
        count = len(self.dim_symbols[0]) if self.dim_symbols else 0
        if not records.n:
            return np.ones(count, dtype=bool)
        base_syms = group(self.model, records, active).symbols
        ours = np.stack([s.astype(np.int64) for s in self.dim_symbols], axis=1)
        theirs = np.stack([s.astype(np.int64) for s in base_syms], axis=1)
        _, inverse = np.unique(np.concatenate([ours, theirs]), axis=0, return_inverse=True)
        inverse = inverse.ravel()
        return ~np.isin(inverse[:count], inverse[count:])

    def _attribute_fields(self) -> set[str]:
        names: set[str] = set()
        for col in self.attr_exprs:
            for a in col:
                if a.node is not None and not a.counts_rows:
                    names |= {f for f in ast.field_names(a.node) if f in self.model.fields}
        for dcol in self.attr_dims:
            for ad in dcol:
                if not ad.definition.get("qAttribute"):
                    continue
                if ad.field:
                    names.add(ad.field)
                elif ad.node is not None:
                    names |= ast.field_names(ad.node)
        return names

    def _row_fields(self, dim_fields: set[str]) -> set[str]:
        """The fields that make the rows: the dimensions', the measures', and those of
        the attribute expressions and dimensions without ``qAttribute``."""
        names = set(dim_fields)
        for m in self.measures:
            if m.node is not None:
                names |= {f for f in ast.field_names(m.node) if f in self.model.fields}
        for col in self.attr_exprs:
            for a in col:
                if a.node is not None and a.counts_rows:
                    names |= {f for f in ast.field_names(a.node) if f in self.model.fields}
        for dcol in self.attr_dims:
            for ad in dcol:
                if ad.definition.get("qAttribute"):
                    continue
                if ad.field:
                    names.add(ad.field)
                elif ad.node is not None:
                    names |= ast.field_names(ad.node)
        return names
