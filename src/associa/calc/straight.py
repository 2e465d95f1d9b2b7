"""A computed cube rendered as a straight table: the layout (``qSize``, dimension and
measure infos, the grand total row, ``qDataPages``) and data pages (``NxPage`` areas).

What the renderer needs of the selection state (each dimension's value states, state
counts and infos) is read once when it is made, so that a cached table holds its answer
and no row set of the state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from associa.calc.calcdims import CalcValues
from associa.calc.cells import (
    Wire,
    attr_expr_info,
    custom_members,
    dimension_info,
    format_attr_values,
    format_measure,
    format_measures,
    measure_num_format,
    nan_json,
    plain_copy,
)
from associa.calc.chartresult import ADDED, added_cell
from associa.calc.columns import AttrDim, Dimension
from associa.calc.cube import Cube
from associa.calc.groups import group_info
from associa.calc.others import OTHERS, TOTAL
from associa.calc.pages import check_pages, clip_page, initial_pages, layout_head
from associa.calc.sorting import dimension_criteria, measure_criteria, sort_indicator
from associa.select import STATE_CODES, Inference
from associa.values import Locale

GLYPH_SAMPLE = 50  # rows whose measure texts give qApprMaxGlyphCount (with the extremes)


class StraightTable:
    """The straight-table layout of a cube (``qMode`` "S")."""

    # rows whose measure texts give qApprMaxGlyphCount, with the extremes (a straight
    # table's first page shows the same cells, formatted once for both)
    glyph_sample = GLYPH_SAMPLE

    def __init__(self, cube: Cube, inference: Inference, definition: Mapping[str, Any],
                 locale: Locale) -> None:
        self.cube = cube
        self.model = cube.model
        self.definition = definition
        self.locale = locale
        self.dims = cube.dims
        self.rows = cube.rows
        self.dim_symbols = cube.dim_symbols
        # each dimension's state codes per symbol, and its info (state counts, min/max)
        self._states = [
            None if d.field is None else inference.states(d.field) for d in cube.dims
        ]
        self._inference_locked = frozenset(inference.state.locked)
        self._dim_infos = [self._dim_info(inference, i) for i in range(len(cube.dims))]
        for d, info in zip(cube.dims, self._dim_infos, strict=True):  # drill-down, cyclic
            info.update(group_info(self.model, d.definition, inference))
        self._measure_infos: list[dict[str, Any]] | None = None
        self._cells: dict[tuple[int, int], dict[str, Any]] = {}  # (measure, group) -> cell
        # (column, group) -> the cell's qAttrExps / qAttrDims members
        self._attrs: dict[tuple[int, int], dict[str, Any]] = {}
        self._attr_cols = [c for c in range(len(cube.attr_exprs))
                           if cube.attr_exprs[c] or cube.attr_dims[c]]

    def data_parts(self) -> tuple[Any, ...]:
        """Everything the table's pages can show, as arrays (not copied): the rows in
        order, each dimension's symbols and states, each measure's and total's values,
        the attribute values. Equal parts show equal pages (``pages.same_parts``)."""
        parts: list[Any] = [self.rows, *self.dim_symbols, *self._states]
        for v in [*self.cube.values, *self.cube.totals,
                  *(v for vals in self.cube.attr_values for v in vals)]:
            parts += [v.num, v.null, v.text]
        for codes in self.cube.attr_dim_codes:
            parts += list(codes)
        return tuple(parts)

    def _attr_members(self, col: int, g: int) -> dict[str, Any]:
        """The qAttrExps and qAttrDims of column ``col``'s cell in group ``g``."""
        hit = self._attrs.get((col, g))
        if hit is None:
            self._format_attrs(col, np.array([g], dtype=np.int64))
            hit = self._attrs[(col, g)]
        return hit

    def _format_attrs(self, col: int, groups: np.ndarray) -> None:
        """Make the attribute members of a column's cells of many groups at once."""
        todo = np.array([g for g in groups.tolist() if (col, g) not in self._attrs],
                        dtype=np.int64)
        if not len(todo):
            return
        cube = self.cube
        exprs = [format_attr_values(v, todo, a.definition, self.locale)
                 for a, v in zip(cube.attr_exprs[col], cube.attr_values[col], strict=True)]
        dims = [attr_dim_values(self.model, d, codes, table, todo)
                for d, codes, table in zip(cube.attr_dims[col], cube.attr_dim_codes[col],
                                           cube.attr_dim_values[col], strict=True)]
        for k, g in enumerate(todo.tolist()):
            members: dict[str, Any] = {}
            if exprs:
                members["qAttrExps"] = {"qValues": [e[k] for e in exprs]}
            if dims:
                members["qAttrDims"] = {"qValues": [d[k] for d in dims]}
            self._attrs[(col, g)] = members

    def _measure_cell(self, m_idx: int, g: int) -> dict[str, Any]:
        """A measure's value in group ``g`` formatted (made once per table)."""
        hit = self._cells.get((m_idx, g))
        if hit is None:
            cube = self.cube
            hit = format_measure(cube.values[m_idx], g, cube.measures[m_idx].definition,
                                 self.locale)
            self._cells[(m_idx, g)] = hit
        return hit

    def _format_groups(self, m_idx: int, groups: np.ndarray) -> None:
        """Format a measure's cells of many groups at once (those not made yet)."""
        todo = np.array([g for g in groups.tolist() if (m_idx, g) not in self._cells],
                        dtype=np.int64)
        if not len(todo):
            return
        cube = self.cube
        cells = format_measures(cube.values[m_idx], todo, cube.measures[m_idx].definition,
                                self.locale)
        for g, cell in zip(todo.tolist(), cells, strict=True):
            self._cells[(m_idx, g)] = cell

    @property
    def size(self) -> dict[str, int]:
        return {"qcx": len(self.cube.dims) + len(self.cube.measures), "qcy": len(self.rows)}

    def cell(self, row: int, col: int) -> dict[str, Any]:
        cube = self.cube
        g = int(self.rows[row])
        cell = self._plain_cell(col, g)
        if cube.attr_exprs[col] or cube.attr_dims[col]:
            null = cell.pop("qIsNull", None)
            cell.update(self._attr_members(col, g))
            if null is not None:
                cell["qIsNull"] = null
        return cell

    def _column_cells(self, col: int, groups: np.ndarray) -> list[dict[str, Any]]:
        """``_plain_cell`` of many groups of one column (none an Others or total row)."""
        cube = self.cube
        ndims = len(cube.dims)
        if col >= ndims:
            m = col - ndims
            self._format_groups(m, groups)
            cells = self._cells
            return [{**cells[(m, g)], "qElemNumber": 0, "qState": "L"}
                    for g in groups.tolist()]
        d = cube.dims[col]
        if d.values is not None or d.field is None:
            return [self._plain_cell(col, g) for g in groups.tolist()]
        syms = cube.dim_symbols[col][groups]
        fld = self.model.fields[d.field]
        states = self._states[col]
        assert states is not None
        null = fld.null_code
        symbols = fld.symbols
        real = np.unique(syms[syms != null])
        texts = dict(zip(real.tolist(), symbols.texts_at(real).tolist(), strict=True))
        nums = dict(zip(real.tolist(), symbols.nums_at(real).tolist(), strict=True))
        out: list[dict[str, Any]] = []
        for sym, state in zip(syms.tolist(), states[np.where(syms != null, syms, 0)].tolist(),
                              strict=True):
            if sym == null:
                out.append({"qText": "-", "qNum": "NaN", "qElemNumber": -2, "qState": "O",
                            "qIsNull": True})
            else:
                out.append({"qText": texts[sym], "qNum": nan_json(nums[sym]),
                            "qElemNumber": sym, "qState": STATE_CODES[state]})
        return out

    def _plain_cell(self, col: int, g: int) -> dict[str, Any]:
        cube = self.cube
        if g >= cube.count:  # an Others or total row (``calc/others.py``)
            return self._virtual_cell(col, g)
        if col < len(cube.dims):
            d = cube.dims[col]
            sym = int(cube.dim_symbols[col][g])
            if d.values is not None:
                return _calc_cell(d.values, sym)
            if d.field is None or sym == self.model.fields[d.field].null_code:
                return {"qText": "-", "qNum": "NaN", "qElemNumber": -2, "qState": "O", "qIsNull": True}
            symbols = self.model.fields[d.field].symbols
            states = self._states[col]
            assert states is not None
            return {
                "qText": symbols.text(sym),
                "qNum": nan_json(symbols.num(sym)),
                "qElemNumber": sym,
                "qState": STATE_CODES[int(states[sym])],
            }
        cell = dict(self._measure_cell(col - len(cube.dims), g))
        cell["qElemNumber"] = 0
        cell["qState"] = "L"
        return cell

    def _virtual_cell(self, col: int, g: int) -> dict[str, Any]:
        """A cell of an Others row (its dimension cell: the ``qOtherLabel`` text,
        ``qElemNumber`` -3, ``qIsOtherCell``) or of a dimension total row (the
        ``qTotalLabel`` text on the totalled dimension, empty on the inner ones,
        ``qElemNumber`` -1, ``qIsTotalCell``; its measures as the grand total's cells)."""
        cube = self.cube
        ndims = len(cube.dims)
        syms = [int(cube.dim_symbols[c][g]) for c in range(ndims)]
        total = TOTAL in syms
        if col < ndims:
            sym = syms[col]
            if sym == OTHERS:
                return {"qText": cube.other_labels[col], "qNum": "NaN", "qElemNumber": -3,
                        "qState": "O", "qIsOtherCell": True}
            if sym == TOTAL:
                first = col == 0 or syms[col - 1] != TOTAL
                return {"qText": cube.total_labels[col] if first else "", "qNum": "NaN",
                        "qElemNumber": -1, "qState": "X", "qIsTotalCell": True}
            return self._real_dim_cell(col, sym)
        cell = dict(self._measure_cell(col - ndims, g))
        if total:
            cell["qElemNumber"] = -1
            cell["qState"] = "X"
            cell["qIsTotalCell"] = True
        else:
            cell["qElemNumber"] = 0
            cell["qState"] = "L"
        return cell

    def _real_dim_cell(self, col: int, sym: int) -> dict[str, Any]:
        """A dimension value's cell by its code (in a virtual row: an outer value)."""
        d = self.cube.dims[col]
        if sym <= ADDED:  # a value a chart script's Load added (calc/chartresult.py)
            return added_cell(self.cube, col, sym)
        if d.values is not None:
            return _calc_cell(d.values, sym)
        if d.field is None or sym < 0 or sym == self.model.fields[d.field].null_code:
            return {"qText": "-", "qNum": "NaN", "qElemNumber": -2, "qState": "O", "qIsNull": True}
        symbols = self.model.fields[d.field].symbols
        states = self._states[col]
        assert states is not None
        return {"qText": symbols.text(sym), "qNum": nan_json(symbols.num(sym)),
                "qElemNumber": sym, "qState": STATE_CODES[int(states[sym])]}

    def page(self, page: Mapping[str, Any]) -> dict[str, Any]:
        left, top, width, height = clip_page(page, self.size["qcx"], self.size["qcy"])
        ndims = len(self.cube.dims)
        for c in range(max(left, ndims), left + width):
            self._format_groups(c - ndims, self.rows[top:top + height])
        for c in self._attr_cols:
            if left <= c < left + width:
                self._format_attrs(c, self.rows[top:top + height])
        groups = self.rows[top:top + height]
        if len(groups) and (groups.max() >= self.cube.count or any(
                left <= c < left + width for c in self._attr_cols)):
            matrix = Wire([self.cell(r, c) for c in range(left, left + width)]
                          for r in range(top, top + height))
        else:  # plain cells only: made column by column
            columns = [self._column_cells(c, groups) for c in range(left, left + width)]
            matrix = Wire(list(row) for row in zip(*columns, strict=True))
        return {
            "qMatrix": matrix,
            "qTails": [{"qUp": 0, "qDown": 0} for _ in self.cube.dims],
            "qArea": {"qLeft": left, "qTop": top, "qWidth": width, "qHeight": height},
        }

    def pages(self, pages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        check_pages(pages)
        return [self.page(p) for p in pages]

    def layout(self) -> dict[str, Any]:
        d = self.definition
        cube = self.cube
        out = layout_head(d, self.size, cube.error)
        out["qDimensionInfo"] = plain_copy(self._dim_infos)
        for i, info in enumerate(out["qDimensionInfo"]):
            self._attr_infos(info, i)
        if self._measure_infos is None:
            self._measure_infos = [self._measure_info(i) for i in range(len(cube.measures))]
        out["qMeasureInfo"] = plain_copy(self._measure_infos)
        out["qEffectiveInterColumnSortOrder"] = list(cube.effective_sort_order)
        out["qGrandTotalRow"] = [self._total_cell(i) for i in range(len(cube.measures))]
        initial_pages(out, d, self.pages)
        out["qPivotDataPages"] = []
        out["qStackedDataPages"] = []
        out["qMode"] = "S"
        out["qNoOfLeftDims"] = d.get("qNoOfLeftDims", -1)
        out["qTreeNodesOnDim"] = []
        out["qColumnOrder"] = list(d.get("qColumnOrder") or [])
        if cube.has_others:  # HyperCube qHasOtherValues: "True if other row exists"
            out["qHasOtherValues"] = True
        if cube.calc_cond_msg is not None:
            out["qCalcCondMsg"] = cube.calc_cond_msg
        return out

    def _dim_info(self, inference: Inference, i: int) -> dict[str, Any]:
        d = self.cube.dims[i]
        criteria = dimension_criteria(d.definition)
        if d.values is not None:
            present = self.cube.dim_symbols[i][self.rows]
            return _calc_info(d, present[present >= 0], criteria)
        if d.field is None:
            info = {
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
            if d.cond_msg is not None:  # its calculation condition failed
                info["qCalcCondMsg"] = d.cond_msg
            return info
        present = self.cube.dim_symbols[i][self.rows]
        present = present[present >= 0]  # not the Others and total rows
        shown = np.unique(present[present != self.model.fields[d.field].null_code])
        info = dimension_info(self.model, inference, d.field, d.label, criteria, shown, self.locale)
        info["qCardinalities"] = {
            "qCardinal": info["qCardinal"],
            "qHypercubeCardinal": len(shown),
            "qAllValuesCardinal": -1,
        }
        return info

    def _measure_info(self, i: int) -> dict[str, Any]:
        m = self.cube.measures[i]
        v = self.cube.values[i]
        value_rows = self._value_rows()
        nums = v.num[value_rows]
        finite = nums[~np.isnan(nums)]
        # the longest text (qApprMaxGlyphCount, an approximation): of the first rows and
        # the rows of the least and greatest values, whose texts are the widest numbers
        sample = self.rows[:self.glyph_sample]
        if len(finite):
            ok = value_rows[~np.isnan(nums)]
            sample = np.unique(np.concatenate(
                [sample, ok[[int(np.argmin(finite)), int(np.argmax(finite))]]]))
        self._format_groups(i, sample)
        texts = [self._measure_cell(i, int(g))["qText"] for g in sample]
        num_format, auto = measure_num_format(m.definition, finite, self.locale)
        info: dict[str, Any] = {
            "qFallbackTitle": m.label,
            "qApprMaxGlyphCount": max((len(t) for t in texts), default=0),
            "qCardinal": 0,
            "qSortIndicator": sort_indicator(measure_criteria(m.definition)),
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
        if m.cond_msg is not None:  # its calculation condition failed
            info["qCalcCondMsg"] = m.cond_msg
        self._attr_infos(info, len(self.cube.dims) + i)
        return info

    def _value_rows(self) -> np.ndarray:
        """The rows whose values a measure's range covers: the values and Others rows,
        not the dimension totals."""
        rows = self.rows
        if not len(rows) or rows.max() < self.cube.count:
            return rows
        total = np.zeros(len(rows), dtype=bool)
        for syms in self.cube.dim_symbols:
            total |= syms[rows] == TOTAL
        return rows[~total]

    def _attr_infos(self, info: dict[str, Any], col: int) -> None:
        """Fill a column info's qAttrExprInfo and qAttrDimInfo."""
        cube = self.cube
        rows = self.rows
        info["qAttrExprInfo"] = [
            attr_expr_info(a.label, v, rows, a.definition, self.locale)
            for a, v in zip(cube.attr_exprs[col], cube.attr_values[col], strict=True)]
        info["qAttrDimInfo"] = [
            _attr_dim_info(self.model, self._inference_locked, d, codes[rows], table)
            for d, codes, table in zip(cube.attr_dims[col], cube.attr_dim_codes[col],
                                       cube.attr_dim_values[col], strict=True)]

    def _total_cell(self, i: int) -> dict[str, Any]:
        cell = format_measure(self.cube.totals[i], 0, self.cube.measures[i].definition, self.locale)
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


def _calc_cell(values: CalcValues, code: int) -> dict[str, Any]:
    """A calculated dimension's cell: its value's text and number; qElemNumber is the
    value's index among the dimension's values (no field's symbol), state optional."""
    if code >= values.null_code:
        return {"qText": "-", "qNum": "NaN", "qElemNumber": -2, "qState": "O", "qIsNull": True}
    return {"qText": values.text(code), "qNum": nan_json(values.num(code)),
            "qElemNumber": code, "qState": "O"}


def _calc_info(d: Dimension, shown_codes: np.ndarray, criteria: Any) -> dict[str, Any]:
    """NxDimensionInfo of a calculated dimension: its values are no field's, so no
    selection state counts; the range is over the numbers shown."""
    values = d.values
    assert values is not None
    shown = np.unique(shown_codes[shown_codes < values.null_code])
    nums = values.values.num[shown] if len(shown) else np.zeros(0)
    nums = nums[~np.isnan(nums)]
    numeric = len(shown) > 0 and len(nums) == len(shown)
    counts = _zero_counts()
    counts["qOption"] = len(shown)
    text = (d.definition.get("qDef") or {}).get("qFieldDefs") or [""]
    return {
        "qFallbackTitle": d.label,
        "qApprMaxGlyphCount": max((len(values.text(int(c))) for c in shown), default=0),
        "qCardinal": len(values),
        "qSortIndicator": sort_indicator(criteria),
        "qGroupFallbackTitles": [d.label],
        "qGroupPos": 0,
        "qStateCounts": counts,
        "qTags": [],
        "qDimensionType": "N" if numeric else "D",
        "qGrouping": "N",
        "qNumFormat": {"qType": "U", "qnDec": 0, "qUseThou": 0},
        "qIsAutoFormat": True,
        "qGroupFieldDefs": [text[0]],
        "qMin": float(nums.min()) if len(nums) else "NaN",
        "qMax": float(nums.max()) if len(nums) else "NaN",
        "qAttrExprInfo": [],
        "qAttrDimInfo": [],
        "qIsCalculated": True,
        **({"qError": d.error} if d.error else {}),
        "qCardinalities": {"qCardinal": len(values), "qHypercubeCardinal": len(shown),
                           "qAllValuesCardinal": -1},
    }


def attr_dim_values(model: Any, d: AttrDim, codes: np.ndarray, table: CalcValues | None,
                     groups: np.ndarray) -> list[dict[str, Any]]:
    """An attribute dimension's value in some groups as NxSimpleDimValue: the field
    value's text and symbol (a calculated one's text and index among its values); a
    row with none or more than one value: NULL's text and element number."""
    out: list[dict[str, Any]] = []
    symbols = model.fields[d.field].symbols if d.field else None
    for code in codes[groups].tolist():
        if code < 0:
            out.append({"qText": "-", "qElemNo": -2})
        elif symbols is not None:
            out.append({"qText": symbols.text(code), "qElemNo": code})
        elif table is not None:
            out.append({"qText": table.text(code), "qElemNo": code})
        else:
            out.append({"qText": "-", "qElemNo": -2})
    return out


def _attr_dim_info(model: Any, locked: frozenset[str], d: AttrDim, shown: np.ndarray,
                   table: CalcValues | None) -> dict[str, Any]:
    """NxAttrDimInfo: the field's cardinal, ``qSize`` one column of the distinct values
    the rows show, the title (the definition's text), whether the field is locked, and
    an error when the definition does not resolve."""
    distinct = len(np.unique(shown[shown >= 0]))
    if d.field:
        cardinal = len(model.fields[d.field].symbols)
    else:
        cardinal = len(table) if table is not None else 0
    info: dict[str, Any] = {
        "qCardinal": cardinal,
        "qSize": {"qcx": 1, "qcy": distinct},
        "qFallbackTitle": d.label,
    }
    if d.field and d.field in locked:  # false left out, as the dimension info's
        info["qLocked"] = True
    if d.error:
        info["qError"] = d.error
    if d.node is not None or (d.error and str(d.label).lstrip().startswith("=")):
        info["qIsCalculated"] = True
    info.update(custom_members(d.definition, "NxAttrDimDef"))
    return info
