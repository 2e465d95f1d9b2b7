"""Cells and column infos shared by list objects and hypercubes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from associa.calc.sorting import sort_indicator
from associa.errors import AssociaError
from associa.expr import Vec
from associa.model import DataModel
from associa.select import Inference
from associa.values import Locale, auto_format, format_with_attributes


class CalcError(AssociaError):
    """A calculation that cannot be answered (e.g. pages too large)."""

    code = 7009
    default_message = "Calculation pages too large"


def nan_json(x: float) -> float | str:
    """Numbers as the wire wants them: NaN and infinities become strings."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def validation_error(code: int, context: str, message: str) -> dict[str, Any]:
    return {"qErrorCode": code, "qContext": context, "qExtendedMessage": message}


def dimension_info(
    model: DataModel,
    inference: Inference,
    name: str,
    label: str,
    criteria: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """NxDimensionInfo for a dimension on a plain field."""
    fld = model.fields[name]
    sym = fld.symbols
    nums = sym.nums[:-1]
    finite = nums[~np.isnan(nums)]
    numeric = sym.all_numeric()
    info: dict[str, Any] = {
        "qFallbackTitle": label,
        "qApprMaxGlyphCount": sym.max_glyphs(),
        "qCardinal": len(sym),
        "qSortIndicator": sort_indicator(criteria),
        "qGroupFallbackTitles": [label],
        "qGroupPos": 0,
        "qStateCounts": inference.state_counts(name),
        "qTags": fld.tags(),
        "qDimensionType": "N" if numeric else "D",
        "qGrouping": "N",
        "qNumFormat": {"qType": "U", "qnDec": 0, "qUseThou": 0},
        "qIsAutoFormat": True,
        "qGroupFieldDefs": [name],
        "qMin": float(finite.min()) if numeric and len(finite) else "NaN",
        "qMax": float(finite.max()) if numeric and len(finite) else "NaN",
        "qAttrExprInfo": [],
        "qAttrDimInfo": [],
    }
    if name in inference.state.locked:
        info["qLocked"] = True
    return info


def _explicit_format(definition: Mapping[str, Any]) -> Mapping[str, Any] | None:
    qdef = definition.get("qDef") or {}
    fmt = qdef.get("qNumFormat")
    if not fmt or fmt.get("qType", "U") in ("U", "UNKNOWN") or not fmt.get("qFmt"):
        return None
    return fmt


def format_measure(v: Vec, i: int, definition: Mapping[str, Any], locale: Locale) -> dict[str, Any]:
    """A measure value as a cell: qText (formatted) and qNum."""
    if v.null[i]:
        return {"qText": "-", "qNum": "NaN", "qIsNull": True}
    num = float(v.num[i])
    text = None if v.text is None else v.text[i]
    if text is None:
        fmt = _explicit_format(definition)
        text = format_with_attributes(num, fmt, locale) if fmt else auto_format(num, locale)
    return {"qText": text, "qNum": nan_json(num)}


def measure_num_format(
    definition: Mapping[str, Any], finite: np.ndarray, locale: Locale
) -> tuple[dict[str, Any], bool]:
    """The qNumFormat of a measure column and whether it is automatic."""
    fmt = _explicit_format(definition)
    if fmt:
        return dict(fmt), False
    if len(finite) and np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 1e15):
        return {
            "qType": "I",
            "qnDec": 0,
            "qUseThou": 1,
            "qFmt": "###0",
            "qDec": locale.decimal_sep,
            "qThou": locale.thousand_sep,
        }, True
    return {
        "qType": "R",
        "qnDec": 0,
        "qUseThou": 0,
        "qFmt": "##############",
        "qDec": locale.decimal_sep,
        "qThou": locale.thousand_sep,
    }, True
