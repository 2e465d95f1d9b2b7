"""List objects: every value of one field with its state, sorted, in pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from associa.calc.calclist import CalcList, calc_list, calc_order, is_calculated
from associa.calc.cells import Wire, dimension_info, nan_json, validation_error
from associa.calc.columns import not_in_library
from associa.calc.pages import check_pages, clip_page, initial_pages, layout_head
from associa.calc.sorting import (
    field_frequency,
    first_criteria,
    needs_frequency,
    sort_indicator,
    symbol_order,
)
from associa.model import DataModel
from associa.select import STATE_CODES, Inference
from associa.select.actions import highlight_ranges
from associa.select.propagate import (
    ALTERNATIVE,
    EXCLUDED,
    LOCK_EXCL,
    LOCKED,
    SEL_EXCL,
    SELECTED,
)
from associa.select.search import fuzzy_order
from associa.values import DEFAULT_LOCALE, Locale

FREQUENCY_MODES = {
    "N": "N",
    "NX_FREQUENCY_NONE": "N",
    "V": "V",
    "NX_FREQUENCY_VALUE": "V",
    "P": "P",
    "NX_FREQUENCY_PERCENT": "P",
    "R": "R",
    "NX_FREQUENCY_RELATIVE": "R",
}


def list_field(definition: Mapping[str, Any]) -> str:
    qdef = definition.get("qDef") or {}
    defs = qdef.get("qFieldDefs") or []
    text = defs[0] if defs else ""
    if text[:1] == "[" and text[-1:] == "]":
        text = text[1:-1]
    return text


class ListObject:
    """A computed list object."""

    def __init__(
        self,
        model: DataModel,
        inference: Inference,
        definition: Mapping[str, Any],
        search: set[int] | None = None,
        search_text: str = "",
        locale: Locale = DEFAULT_LOCALE,
        prepare_errors: Mapping[int, str] | None = None,
    ) -> None:
        """``prepare_errors``: what failed before parsing (``DocState.prepared_list``:
        an expansion, a variable referring to itself), -1 the field, i expression i."""
        self.model = model
        self.locale = locale
        self.inference = inference
        self.definition = definition
        self.field = list_field(definition)
        qdef = definition.get("qDef") or {}
        labels = qdef.get("qFieldLabels") or []
        self.label = labels[0] if labels and labels[0] else self.field
        self.criteria = first_criteria(definition)
        self.error: dict | None = None
        self.search_text = search_text if search is not None else ""
        self.mode = FREQUENCY_MODES.get(str(definition.get("qFrequencyMode", "N")), "N")
        self.frequency: np.ndarray | None = None
        self.frequency_total = 0
        self.expressions: list[tuple[str, np.ndarray | None, str]] = []
        self.calc: CalcList | None = None
        self.searched = None
        self.prepare_errors = prepare_errors or {}
        if -1 in self.prepare_errors:
            self.error = validation_error(7000, self.field, self.prepare_errors[-1])
            self.order = np.zeros(0, dtype=np.int64)
            return
        if is_calculated(self.field):
            self._calculated(search)
            return
        if self.field not in model.fields:
            self.error = (not_in_library(definition) if not self.field else None) or \
                validation_error(7000, self.field, f"Field not found: {self.field}")
            self.order = np.zeros(0, dtype=np.int64)
            self.searched = None
            return
        self.states = inference.states(self.field)
        self.frequency = (
            field_frequency(model, inference, self.field)
            if self.mode != "N" or needs_frequency(self.criteria)
            else None
        )
        self.frequency_total = int(self.frequency.sum()) if self.frequency is not None else 0
        order = symbol_order(model, inference, self.field, self.criteria, locale, self.frequency)
        order = self._promote_selected(order, definition.get("qAutoSortByState"))
        self.searched = search
        if search is not None and self.search_text.strip().startswith("~"):
            # a fuzzy search: every value, the most alike first (help "Fuzzy search")
            order = np.asarray(fuzzy_order(model, self.field, self.search_text), dtype=np.int64)
        elif search is not None:
            keep = np.zeros(len(model.fields[self.field].symbols) + 1, dtype=bool)
            keep[np.fromiter(search, dtype=np.intp, count=len(search))] = True
            order = order[keep[order]]
        self.order = order
        self.expressions = self._expressions()

    def _calculated(self, search: set[int] | None) -> None:
        """A list on an expression (``calc/calclist.py``): its values are the
        expression's distinct values, ``qElemNumber`` their codes."""
        calc = self.calc = calc_list(self.model, self.inference, self.field, self.locale)
        if calc.error:
            self.error = calc.error
            self.order = np.zeros(0, dtype=np.int64)
            return
        self.states = calc.states
        self.frequency = calc.frequency
        self.frequency_total = int(calc.frequency.sum())
        order = calc_order(calc, self.criteria)
        order = self._promote_selected(order, self.definition.get("qAutoSortByState"))
        self.searched = search
        if search is not None:
            keep = np.zeros(len(calc) + 1, dtype=bool)
            keep[[c for c in search if 0 <= c < len(calc)]] = True
            order = order[keep[order]]
        self.order = order
        self.expressions = self._expressions()

    def _promote_selected(self, order: np.ndarray, auto: Any) -> np.ndarray:
        """qAutoSortByState (help "NxAutoSortByStateDef"): when the list has more values
        than ``qDisplayNumberOfRows`` (> 0), its selected values come first, each part
        in the order it had."""
        rows = auto.get("qDisplayNumberOfRows") if isinstance(auto, Mapping) else None
        if not isinstance(rows, int) or isinstance(rows, bool) or rows <= 0 \
                or len(order) <= rows:
            return order
        states = np.append(self.states, EXCLUDED)  # the NULL code, if listed, last
        chosen = np.isin(states[np.minimum(order, len(states) - 1)],
                         (SELECTED, LOCKED, SEL_EXCL, LOCK_EXCL))
        return np.concatenate([order[chosen], order[~chosen]])

    def _expressions(self) -> list[tuple[str, np.ndarray | None, str]]:
        """``qExpressions``: each one's text, its number per symbol (computed as a chart
        with the field as its dimension; on a calculated list, per value: a chart with
        the list's expression as its dimension, ``calclist.expression_by_value``) and its
        error text ("" when none)."""
        from associa.calc.calclist import expression_by_value
        from associa.calc.sorting import expression_by_symbol
        from associa.errors import ExpressionError
        from associa.expr import parse

        out: list[tuple[str, np.ndarray | None, str]] = []
        for i, item in enumerate(self.definition.get("qExpressions") or []):
            text = item.get("qExpr") if isinstance(item, Mapping) else item
            text = text if isinstance(text, str) else ""
            if i in self.prepare_errors:
                out.append((text, None, self.prepare_errors[i]))
                continue
            body = text.strip()
            body = body[1:] if body.startswith("=") else body
            try:
                node = parse(body)
            except ExpressionError as exc:
                out.append((text, None, exc.message))
                continue
            if self.calc is not None:
                values = expression_by_value(self.model, self.inference, self.calc, node,
                                             self.locale)
            else:
                values = expression_by_symbol(self.model, self.inference, self.field, node,
                                              self.locale)
            out.append((text, values, "" if values is not None else "Error in expression"))
        return out

    def data_parts(self) -> tuple[Any, ...]:
        """Everything the list's pages can show, as arrays (not copied): the values in
        order, their states and frequencies, the expressions' values and errors."""
        parts: list[Any] = [self.order, self.search_text, getattr(self, "states", None),
                            self.frequency]
        for _, values, error in self.expressions:
            parts += [error, values]
        return tuple(parts)

    @property
    def size(self) -> dict[str, int]:
        return {"qcx": 1 + len(self.expressions), "qcy": len(self.order)}

    def cell(self, row: int) -> dict[str, Any]:
        return self.cells(row, row + 1)[0]

    def cells(self, top: int, stop: int) -> list[dict[str, Any]]:
        """The cells of rows ``top`` to ``stop``: only their symbols' texts are read."""
        syms = np.asarray(self.order[top:stop], dtype=np.intp)
        if self.calc is not None:
            texts, nums = self.calc.texts_nums(syms)
        else:
            symbols = self.model.fields[self.field].symbols
            texts = symbols.texts_at(syms).tolist()
            nums = symbols.nums_at(syms).tolist()
        states = self.states[syms].tolist()
        hide = not self.definition.get("qShowAlternatives")
        out = []
        for sym_idx, text, num, state in zip(syms.tolist(), texts, nums, states, strict=True):
            if state == ALTERNATIVE and hide:
                state = EXCLUDED
            cell: dict[str, Any] = {
                "qText": text,
                "qNum": nan_json(num),
                "qElemNumber": sym_idx,
                "qState": STATE_CODES[state],
            }
            if self.mode != "N" and self.frequency is not None:
                # a key field has no frequency: no qFrequency (see field_frequency)
                cell["qFrequency"] = self._frequency_text(sym_idx)
            if self.search_text:
                ranges = highlight_ranges(text, self.search_text)
                if ranges:
                    cell["qHighlightRanges"] = {"qRanges": ranges}
            out.append(cell)
        return out

    def _frequency_text(self, sym_idx: int) -> str:
        assert self.frequency is not None
        value = int(self.frequency[sym_idx])
        if self.mode == "V":
            return str(value)
        total = self.frequency_total
        share = value / total if total else 0.0
        if self.mode == "P":
            return f"{share * 100:.1f}%"
        return f"{share:.3f}".rstrip("0").rstrip(".") if share else "0"

    def _expression_cells(self, top: int, stop: int) -> list[list[dict[str, Any]]]:
        """Per row, the cells of the expressions (a number and its automatic text)."""
        from associa.values.format import auto_format

        syms = np.asarray(self.order[top:stop], dtype=np.intp)
        columns = []
        for _, values, _ in self.expressions:
            nums = (np.full(len(syms), np.nan) if values is None
                    else values[np.minimum(syms, len(values) - 1)] if len(values)
                    else np.full(len(syms), np.nan))
            columns.append([{"qText": "-" if x != x else auto_format(x, self.locale),
                             "qNum": nan_json(x), "qElemNumber": 0, "qState": "L"}
                            for x in nums.tolist()])
        return [list(row) for row in zip(*columns, strict=True)]

    def page(self, page: Mapping[str, Any]) -> dict[str, Any]:
        left, top, width, height = clip_page(page, self.size["qcx"], len(self.order))
        if not (width and height):
            matrix = Wire()
        elif not self.expressions:  # the value column alone
            matrix = Wire([c] for c in self.cells(top, top + height))
        else:
            rows = [[c, *extra] for c, extra in zip(
                self.cells(top, top + height), self._expression_cells(top, top + height),
                strict=True)]
            matrix = Wire(row[left:left + width] for row in rows)
        return {
            "qMatrix": matrix,
            "qTails": [],
            "qArea": {"qLeft": left, "qTop": top, "qWidth": width, "qHeight": len(matrix)},
        }

    def pages(self, pages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        check_pages(pages)
        if self.error:
            return []
        return [self.page(p) for p in pages]

    def layout(self) -> dict[str, Any]:
        d = self.definition
        out = layout_head(d, self.size, self.error)
        if self.error:
            out["qDimensionInfo"] = {"qFallbackTitle": self.label, "qError": self.error}
            out["qExpressions"] = []
            out["qDataPages"] = []
            return out
        if self.calc is not None:
            out["qDimensionInfo"] = self._calc_info()
            out["qExpressions"] = self._expression_infos()
            initial_pages(out, d, self.pages)
            return out
        info = dimension_info(
            self.model,
            self.inference,
            self.field,
            self.label,
            self.criteria,
            self.order,
            self.locale,
            every_symbol=self.searched is None,
        )
        info["qCardinalities"] = {
            "qCardinal": info["qCardinal"],
            "qHypercubeCardinal": info["qCardinal"],
            "qAllValuesCardinal": -1,
        }
        out["qDimensionInfo"] = info
        out["qExpressions"] = self._expression_infos()
        initial_pages(out, d, self.pages)
        return out

    def _expression_infos(self) -> list[dict[str, Any]]:
        """The layout's ``qExpressions``: each expression's text, with ``qError`` when it
        failed."""
        return [{"qExpr": text, **({"qError": {"qErrorCode": 7000}} if error else {})}
                for text, _, error in self.expressions]

    def _calc_info(self) -> dict[str, Any]:
        """NxDimensionInfo of a calculated list: its values' cardinal, glyphs, range and
        state counts, ``qIsCalculated`` (help "NxDimensionInfo": true for a calculated
        dimension), ``qGroupFieldDefs`` the expression."""
        calc = self.calc
        assert calc is not None
        values = calc.values
        numeric = bool(len(values)) and bool(values.values.is_numeric().all())
        nums = values.values.num[np.asarray(self.order, dtype=np.intp)] if numeric \
            else np.zeros(0)
        nums = nums[~np.isnan(nums)]
        counts = np.bincount(calc.states, minlength=8) if len(calc) else np.zeros(8, int)
        names = ("qLocked", "qSelected", "qOption", "qDeselected", "qAlternative",
                 "qExcluded", "qSelectedExcluded", "qLockedExcluded")
        info: dict[str, Any] = {
            "qFallbackTitle": self.label,
            "qApprMaxGlyphCount": max((len(str(t)) for t in values.texts.tolist()), default=0),
            "qCardinal": len(values),
            "qSortIndicator": sort_indicator(self.criteria),
            "qGroupFallbackTitles": [self.label],
            "qGroupPos": 0,
            "qStateCounts": {n: int(c) for n, c in zip(names, counts.tolist(), strict=True)},
            "qTags": [],
            "qDimensionType": "N" if numeric else "D",
            "qGrouping": "N",
            "qNumFormat": {"qType": "U", "qnDec": 0, "qUseThou": 0},
            "qIsAutoFormat": True,
            "qGroupFieldDefs": [self.field],
            "qMin": float(nums.min()) if len(nums) else "NaN",
            "qMax": float(nums.max()) if len(nums) else "NaN",
            "qAttrExprInfo": [],
            "qAttrDimInfo": [],
            "qIsCalculated": True,
            "qCardinalities": {"qCardinal": len(values), "qHypercubeCardinal": len(values),
                               "qAllValuesCardinal": -1},
        }
        if any(f in self.inference.state.locked for f in calc.fields):
            info["qLocked"] = True
        return info
