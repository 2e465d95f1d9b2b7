"""Straight hypercubes: dimensions × measures over the possible records.

The rows of a cube are the distinct combinations of dimension values found in the
records (the association join of the tables involved, restricted to possible rows).
Each measure is evaluated once per row over that row's records. Rows are then pruned
(suppress zero/missing, null suppression), sorted by ``qInterColumnSortOrder`` and cut
into the pages a client asks for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from associa.calc.aggregate import GroupScope
from associa.calc.cells import (
    dimension_info,
    format_measure,
    measure_num_format,
    nan_json,
    validation_error,
)
from associa.calc.pages import check_pages, clip_page, initial_pages, layout_head
from associa.calc.records import Records, associate
from associa.calc.sorting import (
    expression_numbers,
    first_criteria,
    sort_by_text,
    sort_expression,
    sort_indicator,
    symbol_rank,
    value_rank,
)
from associa.errors import ExpressionError
from associa.expr import Evaluator, Vec, ast, parse
from associa.model import DataModel
from associa.select import STATE_CODES, Inference
from associa.values import Locale


@dataclass(slots=True)
class Dimension:
    field: str | None
    label: str
    definition: Mapping[str, Any]
    error: dict | None = None


@dataclass(slots=True)
class Measure:
    text: str
    label: str
    definition: Mapping[str, Any]
    node: ast.Node | None = None
    error: dict | None = None


def _dimension(model: DataModel, d: Mapping[str, Any]) -> Dimension:
    qdef = d.get("qDef") or {}
    defs = qdef.get("qFieldDefs") or []
    labels = qdef.get("qFieldLabels") or []
    text = defs[0] if defs else ""
    label = labels[0] if labels and labels[0] else text
    if not text:
        return Dimension(None, label, d, validation_error(7000, "", "Empty dimension"))
    if text.lstrip().startswith("="):
        return Dimension(
            None, label, d, validation_error(7000, text, "Calculated dimensions are not supported yet")
        )
    name = text[1:-1] if text[:1] == "[" and text[-1:] == "]" else text
    if name not in model.fields:
        return Dimension(None, label, d, validation_error(7000, text, f"Field not found: {name}"))
    return Dimension(name, label, d)


def _measure(m: Mapping[str, Any]) -> Measure:
    qdef = m.get("qDef") or {}
    text = qdef.get("qDef") or ""
    label = qdef.get("qLabel") or text
    try:
        node = parse(text)
    except ExpressionError as exc:
        return Measure(text, label, m, None, validation_error(7000, text, exc.message))
    return Measure(text, label, m, node)


class HyperCube:
    """A computed straight hypercube."""

    def __init__(
        self,
        model: DataModel,
        inference: Inference,
        definition: Mapping[str, Any],
        locale: Locale,
    ) -> None:
        self.model = model
        self.inference = inference
        self.definition = definition
        self.locale = locale
        self.evaluator = Evaluator(locale)
        self.dims = [_dimension(model, d) for d in definition.get("qDimensions") or []]
        self.measures = [_measure(m) for m in definition.get("qMeasures") or []]
        self.error: dict | None = None
        self._compute()

    # -- computation ----------------------------------------------------------------

    def _fields(self) -> set[str]:
        names = {d.field for d in self.dims if d.field}
        for m in self.measures:
            if m.node is not None:
                for f in ast.field_names(m.node):
                    if f in self.model.fields:
                        names.add(f)
                    elif m.error is None:
                        m.error = validation_error(7000, m.text, f"Field not found: {f}")
        return names

    def _compute(self) -> None:
        model, inference = self.model, self.inference
        fields = self._fields()
        dim_fields = {d.field for d in self.dims if d.field}
        self.records: Records = (
            associate(model, inference, fields, dim_fields) if fields else Records({}, 1)
        )
        active = [d for d in self.dims if d.field]
        if self.dims and len(active) < len(self.dims):
            self.error = {"qErrorCode": 7000}
        # groups: distinct combinations of the dimension values
        cols = [self.records.column(model, d.field).astype(np.int64) for d in active if d.field]
        if cols and self.records.n:
            group, keys = _group(cols)
        elif cols:
            group, keys = np.zeros(0, dtype=np.int64), [np.zeros(0, dtype=np.int64) for _ in cols]
        else:
            group, keys = np.zeros(self.records.n, dtype=np.int64), []
            if not self.dims:
                keys = []
        ngroups = len(keys[0]) if keys else (1 if not self.dims else 0)
        self.dim_symbols: list[np.ndarray] = []
        ki = 0
        for d in self.dims:
            if d.field:
                self.dim_symbols.append(keys[ki])
                ki += 1
            else:
                self.dim_symbols.append(np.full(ngroups, -1, dtype=np.int64))
        dims_for_scope = [(d.field, s) for d, s in zip(self.dims, self.dim_symbols, strict=True) if d.field]
        scope = GroupScope(model, self.records, group, ngroups, self.locale, dims_for_scope)
        # no groups (no dimension resolves, or no record): nothing to evaluate per group
        self.values: list[Vec] = [
            self._evaluate(m, scope, ngroups) if ngroups else Vec.nulls(0) for m in self.measures
        ]
        total_scope = GroupScope(
            model, self.records, np.zeros(self.records.n, dtype=np.int64), 1, self.locale
        )
        self.totals = [self._evaluate(m, total_scope, 1, quiet=True) for m in self.measures]
        self.rows = self._prune(np.arange(ngroups))
        self.rows = self._sort(self.rows, scope)

    def _evaluate(self, m: Measure, scope: GroupScope, n: int, quiet: bool = False) -> Vec:
        if m.node is None or m.error is not None:
            return Vec.nulls(n)
        try:
            return self.evaluator.eval(m.node, scope)
        except ExpressionError as exc:
            if not quiet:
                m.error = validation_error(7000, m.text, exc.message)
            return Vec.nulls(n)

    def _prune(self, rows: np.ndarray) -> np.ndarray:
        keep = np.ones(len(rows), dtype=bool)
        for d, sym in zip(self.dims, self.dim_symbols, strict=True):
            if d.definition.get("qNullSuppression"):
                if d.field is None:
                    keep[:] = False
                else:
                    keep &= sym[rows] != self.model.fields[d.field].null_code
        if self.values and self.definition.get("qSuppressZero"):
            nonzero = np.zeros(len(rows), dtype=bool)
            for v in self.values:
                nonzero |= ~v.null[rows] & ((v.num[rows] != 0) | np.isnan(v.num[rows]))
            keep &= nonzero
        if self.values and self.definition.get("qSuppressMissing"):
            present = np.zeros(len(rows), dtype=bool)
            for v in self.values:
                present |= ~v.null[rows]
            keep &= present
        return rows[keep]

    def _sort(self, rows: np.ndarray, scope: GroupScope) -> np.ndarray:
        ncols = len(self.dims) + len(self.measures)
        order = list(self.definition.get("qInterColumnSortOrder") or [])
        order = [c for c in order if isinstance(c, int) and 0 <= c < ncols]
        order += [c for c in range(ncols) if c not in order]
        self.effective_sort_order = order
        keys: list[np.ndarray] = []
        for c in order:
            if c < len(self.dims):
                d = self.dims[c]
                if not d.field:
                    continue
                criteria = first_criteria(d.definition)
                rank = symbol_rank(self.model, self.inference, d.field, criteria, self.locale)
                keys.append(rank[self.dim_symbols[c][rows]])
            else:
                m = self.measures[c - len(self.dims)]
                v = self.values[c - len(self.dims)]
                sort_by = m.definition.get("qSortBy")
                texts = self._texts(m, v, rows) if sort_by_text(sort_by) else None
                node = sort_expression(sort_by)
                expression = None
                if node is not None:
                    try:
                        expression = expression_numbers(self.evaluator.eval(node, scope))[rows]
                    except ExpressionError:
                        expression = None  # an unusable sort expression does not sort
                keys += value_rank(expression_numbers(v)[rows], texts, sort_by, expression)
        if not keys or not len(rows):
            return rows
        return rows[np.lexsort(keys[::-1])]

    def _texts(self, m: Measure, v: Vec, rows: np.ndarray) -> np.ndarray:
        """The texts the cells show (numbers formatted), None for NULL."""
        out = np.empty(len(rows), dtype=object)
        for i, g in enumerate(rows.tolist()):
            out[i] = None if v.null[g] else format_measure(v, g, m.definition, self.locale)["qText"]
        return out

    # -- output ---------------------------------------------------------------------

    @property
    def size(self) -> dict[str, int]:
        return {"qcx": len(self.dims) + len(self.measures), "qcy": len(self.rows)}

    def cell(self, row: int, col: int) -> dict[str, Any]:
        g = int(self.rows[row])
        if col < len(self.dims):
            d = self.dims[col]
            sym = int(self.dim_symbols[col][g])
            if d.field is None or sym == self.model.fields[d.field].null_code:
                return {"qText": "-", "qNum": "NaN", "qElemNumber": -2, "qState": "O", "qIsNull": True}
            symbols = self.model.fields[d.field].symbols
            state = STATE_CODES[int(self.inference.states(d.field)[sym])]
            return {
                "qText": symbols.text(sym),
                "qNum": nan_json(symbols.num(sym)),
                "qElemNumber": sym,
                "qState": state,
            }
        m_idx = col - len(self.dims)
        cell = format_measure(self.values[m_idx], g, self.measures[m_idx].definition, self.locale)
        cell["qElemNumber"] = 0
        cell["qState"] = "L"
        return cell

    def page(self, page: Mapping[str, Any]) -> dict[str, Any]:
        left, top, width, height = clip_page(page, self.size["qcx"], self.size["qcy"])
        matrix = [
            [self.cell(r, c) for c in range(left, left + width)] for r in range(top, top + height)
        ]
        return {
            "qMatrix": matrix,
            "qTails": [{"qUp": 0, "qDown": 0} for _ in self.dims],
            "qArea": {"qLeft": left, "qTop": top, "qWidth": width, "qHeight": height},
        }

    def pages(self, pages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        check_pages(pages)
        return [self.page(p) for p in pages]

    def layout(self) -> dict[str, Any]:
        d = self.definition
        out = layout_head(d, self.size, self.error)
        out["qDimensionInfo"] = [self._dim_info(i) for i in range(len(self.dims))]
        out["qMeasureInfo"] = [self._measure_info(i) for i in range(len(self.measures))]
        out["qEffectiveInterColumnSortOrder"] = self.effective_sort_order
        out["qGrandTotalRow"] = [self._total_cell(i) for i in range(len(self.measures))]
        initial_pages(out, d, self.pages)
        out["qPivotDataPages"] = []
        out["qStackedDataPages"] = []
        out["qMode"] = "S"
        out["qNoOfLeftDims"] = d.get("qNoOfLeftDims", -1)
        out["qTreeNodesOnDim"] = []
        out["qColumnOrder"] = list(d.get("qColumnOrder") or [])
        return out

    def _dim_info(self, i: int) -> dict[str, Any]:
        d = self.dims[i]
        criteria = first_criteria(d.definition)
        if d.field is None:
            return {
                "qFallbackTitle": d.label,
                "qApprMaxGlyphCount": 0,
                "qCardinal": 0,
                "qSortIndicator": sort_indicator(criteria),
                "qGroupFallbackTitles": [d.label],
                "qGroupPos": 0,
                "qStateCounts": _zero_counts(),
                "qTags": [],
                "qError": d.error,
                "qDimensionType": "D",
                "qGrouping": "N",
                "qNumFormat": {"qType": "U", "qnDec": 0, "qUseThou": 0},
                "qIsAutoFormat": True,
                "qGroupFieldDefs": [],
                "qMin": "NaN",
                "qMax": "NaN",
                "qAttrExprInfo": [],
                "qAttrDimInfo": [],
            }
        present = self.dim_symbols[i][self.rows]
        shown = np.unique(present[present != self.model.fields[d.field].null_code])
        info = dimension_info(
            self.model, self.inference, d.field, d.label, criteria, shown, self.locale
        )
        info["qCardinalities"] = {
            "qCardinal": info["qCardinal"],
            "qHypercubeCardinal": len(shown),
            "qAllValuesCardinal": -1,
        }
        return info

    def _measure_info(self, i: int) -> dict[str, Any]:
        m = self.measures[i]
        v = self.values[i]
        nums = v.num[self.rows]
        finite = nums[~np.isnan(nums)]
        texts = [format_measure(v, int(g), m.definition, self.locale)["qText"] for g in self.rows[:200]]
        num_format, auto = measure_num_format(m.definition, finite, self.locale)
        info: dict[str, Any] = {
            "qFallbackTitle": m.label,
            "qApprMaxGlyphCount": max((len(t) for t in texts), default=0),
            "qCardinal": 0,
            "qSortIndicator": sort_indicator(m.definition.get("qSortBy")),
            "qNumFormat": num_format,
            "qMin": float(finite.min()) if len(finite) else "NaN",
            "qMax": float(finite.max()) if len(finite) else "NaN",
            "qIsAutoFormat": auto,
            "qAttrExprInfo": [],
            "qAttrDimInfo": [],
            "qTrendLines": [],
        }
        if m.error:
            info["qError"] = m.error
        return info

    def _total_cell(self, i: int) -> dict[str, Any]:
        cell = format_measure(self.totals[i], 0, self.measures[i].definition, self.locale)
        cell["qElemNumber"] = -1
        cell["qState"] = "X"
        cell["qIsTotalCell"] = True
        return cell


def _zero_counts() -> dict[str, int]:
    keys = ("qLocked", "qSelected", "qOption", "qDeselected", "qAlternative", "qExcluded")
    out = dict.fromkeys(keys, 0)
    out["qSelectedExcluded"] = 0
    out["qLockedExcluded"] = 0
    return out


def _group(cols: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Group ids per record and the symbol of each dimension per group."""
    shifted = [c + 1 for c in cols]  # codes from 1 (a -1 would become 0)
    radix = [int(c.max(initial=0)) + 1 for c in shifted]
    space = 1
    for r in radix:
        space *= r
    n = len(cols[0])
    if space <= max(4 * n, 1 << 20):
        key = np.zeros(n, dtype=np.int64)
        for c, r in zip(shifted, radix, strict=True):
            key = key * r + c
        counts = np.bincount(key, minlength=space)
        present = np.flatnonzero(counts)
        remap = np.full(space, -1, dtype=np.int64)
        remap[present] = np.arange(len(present))
        group = remap[key]
        uniq = present
        out: list[np.ndarray] = []
        for r in reversed(radix):
            out.append(uniq % r - 1)
            uniq = uniq // r
        return group, out[::-1]
    stacked = np.stack(shifted, axis=1)
    uniq_rows, group = np.unique(stacked, axis=0, return_inverse=True)
    return group.ravel(), [uniq_rows[:, i] - 1 for i in range(len(cols))]
