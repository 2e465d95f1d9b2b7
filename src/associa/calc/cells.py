"""Cells and column infos shared by list objects and hypercubes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from associa.calc.sorting import sort_indicator
from associa.errors import PagesTooLarge
from associa.expr import Vec
from associa.model import DataModel, SymbolTable
from associa.model.derived import derived
from associa.select import Inference
from associa.values import Locale, auto_format, format_with_attributes
from associa.values.format import auto_format_many

# a calculation that cannot be answered (pages too large): errors.PagesTooLarge, 7009
CalcError = PagesTooLarge


def nan_json(x: float) -> float | int | str:
    """A number as the wire writes it: NaN and infinities as strings, an integral value
    (below 2**53) as an integer, as the engine writes ``"qNum":3``."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x.is_integer() and abs(x) < 2**53:
        return int(x)
    return x


class Wire(list):
    """A list whose items are in wire form already (texts, integers, ``nan_json``
    numbers, and dicts and lists of those): the message encoder writes it as it is,
    without walking it again. The data pages' matrices of cells are made so."""

    __slots__ = ()


def plain_copy(value: Any) -> Any:
    """A copy of a layout part made of dicts and lists (what ``copy.deepcopy`` gives for
    them, without its memo: a cached layout's infos handed out on every GetLayout)."""
    if isinstance(value, dict):
        return {k: plain_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_copy(v) for v in value]
    return value


def validation_error(code: int, context: str, message: str) -> dict[str, Any]:
    return {"qErrorCode": code, "qContext": context, "qExtendedMessage": message}


def dimension_num_format(sym: SymbolTable, locale: Locale) -> dict[str, Any]:
    """The automatic qNumFormat of a dimension on a field.

    * Text or mixed field: ``{"qType": "U", "qnDec": 0, "qUseThou": 0}`` (corectl layout
      golden, dimension ``xyz``).
    * Integer field: ``{"qType": "I", "qnDec": 0, "qUseThou": 1, "qFmt": "###0", "qDec": <the
      app's decimal separator>}`` with no ``qThou`` (enigma-go recording, dimension ``ID``: no
      qThou although that engine's locale had one, as its measure format shows; corectl's
      integer measure format has none either under an en-US locale).
    * Other numeric field: no recording shows one; we use the engine's automatic real format
      as the enigma-go recording shows it for a real-valued measure:
      ``{"qType": "R", "qnDec": 0, "qUseThou": 0, "qFmt": "##############", "qDec", "qThou"}``.
    """
    return _num_format(sym.all_numeric(), sym.all_integer(), locale)


def _num_format(numeric: bool, integer: bool, locale: Locale) -> dict[str, Any]:
    if not numeric:
        return {"qType": "U", "qnDec": 0, "qUseThou": 0}
    if integer:
        return _integer_format(locale)
    return _real_format(locale)


def _integer_format(locale: Locale) -> dict[str, Any]:
    return {"qType": "I", "qnDec": 0, "qUseThou": 1, "qFmt": "###0", "qDec": locale.decimal_sep}


def _real_format(locale: Locale) -> dict[str, Any]:
    fmt: dict[str, Any] = {
        "qType": "R",
        "qnDec": 0,
        "qUseThou": 0,
        "qFmt": "##############",
        "qDec": locale.decimal_sep,
    }
    if locale.thousand_sep:  # the engine leaves out empty strings
        fmt["qThou"] = locale.thousand_sep
    return fmt


@dataclass(frozen=True, slots=True)
class FieldFacts:
    """What a dimension's info says of a field whatever the selections, once per model."""

    numeric: bool
    integer: bool
    glyphs: int
    tags: tuple[str, ...]
    low: float  # smallest and largest number among the symbols (NaN when none)
    high: float


def field_facts(model: DataModel, name: str) -> FieldFacts:
    def compute() -> FieldFacts:
        fld = model.fields[name]
        sym = fld.symbols
        numeric = sym.all_numeric()
        low = high = math.nan
        if sym.arithmetic is not None and len(sym):
            first, last = sym.num(0), sym.num(len(sym) - 1)
            low, high = min(first, last), max(first, last)
        elif sym.any_numeric():
            nums = sym.nums[:-1]
            low, high = float(np.nanmin(nums)), float(np.nanmax(nums))
        return FieldFacts(numeric, numeric and sym.all_integer(), sym.max_glyphs(),
                          tuple(fld.tags()), low, high)

    return derived(model, ("field_facts", name), compute)


def dimension_info(
    model: DataModel,
    inference: Inference,
    name: str,
    label: str,
    criteria: Mapping[str, Any] | None,
    shown: np.ndarray,
    locale: Locale,
    every_symbol: bool = False,
) -> dict[str, Any]:
    """NxDimensionInfo for a dimension on a plain field, members in the engine's order
    (corectl layout golden; enigma-go recording for ``qContinuousAxes``).

    ``shown`` holds the symbols in the object's rows: ``qMin``/``qMax`` range over them
    (after selecting ID 1, 3 and 5 the real engine answered qMax 5, not 100).
    ``every_symbol`` says that ``shown`` is every symbol of the field (a list object
    without a search): the range is then the field's, kept per model.
    """
    sym = model.fields[name].symbols
    facts = field_facts(model, name)
    numeric = facts.numeric
    info: dict[str, Any] = {
        "qFallbackTitle": label,
        "qApprMaxGlyphCount": facts.glyphs,
        "qCardinal": len(sym),
    }
    if name in inference.state.locked:
        info["qLocked"] = True
    if not numeric:
        low = high = math.nan
    elif every_symbol:
        low, high = facts.low, facts.high
    else:
        nums = sym.nums_at(np.asarray(shown, dtype=np.intp))
        nums = nums[~np.isnan(nums)]
        low, high = (float(nums.min()), float(nums.max())) if len(nums) else (math.nan, math.nan)
    info.update(
        {
            "qSortIndicator": sort_indicator(criteria),
            "qGroupFallbackTitles": [label],
            "qGroupPos": 0,
            "qStateCounts": inference.state_counts(name),
            "qTags": list(facts.tags),
            "qDimensionType": "N" if numeric else "D",
            "qGrouping": "N",
            "qNumFormat": _num_format(numeric, facts.integer, locale),
            "qIsAutoFormat": True,
            "qGroupFieldDefs": [name],
            "qMin": "NaN" if math.isnan(low) else low,
            "qMax": "NaN" if math.isnan(high) else high,
        }
    )
    if numeric:
        info["qContinuousAxes"] = True
    info["qAttrExprInfo"] = []
    info["qAttrDimInfo"] = []
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


def format_measures(v: Vec, groups: np.ndarray, definition: Mapping[str, Any],
                    locale: Locale) -> list[dict[str, Any]]:
    """``format_measure`` of many groups at once: the numbers without an explicit format
    or a text of their own are formatted together (``auto_format_many``, the same texts)."""
    if v.text is not None or _explicit_format(definition) or not len(groups):
        return [format_measure(v, int(g), definition, locale) for g in groups]
    nums = v.num[groups]
    null = v.null[groups]
    texts = auto_format_many(nums, locale)
    out: list[dict[str, Any]] = []
    for num, is_null, text in zip(nums.tolist(), null.tolist(), texts.tolist(), strict=True):
        if is_null:
            out.append({"qText": "-", "qNum": "NaN", "qIsNull": True})
        else:
            out.append({"qText": text, "qNum": nan_json(num)})
    return out


def measure_num_format(
    definition: Mapping[str, Any], finite: np.ndarray, locale: Locale
) -> tuple[dict[str, Any], bool]:
    """The qNumFormat of a measure column and whether it is automatic."""
    fmt = _explicit_format(definition)
    if fmt:
        return dict(fmt), False
    if len(finite) and np.all(finite == np.round(finite)) and np.all(np.abs(finite) < 1e15):
        return _integer_format(locale), True
    return _real_format(locale), True


def custom_members(definition: Mapping[str, Any], struct: str) -> dict[str, Any]:
    """The client's own members of a definition (those the engine structure ``struct``
    does not have), as the engine copies them into the definition's layout (a chart's
    ``id`` of an attribute expression is found again in its ``qAttrExprInfo``)."""
    import copy

    from associa.app.schema import STRUCTS

    known = STRUCTS.get(struct, {})
    return {k: copy.deepcopy(v) for k, v in definition.items()
            if k not in known and k != "qLayoutExclude"}


def attr_expr_format(definition: Mapping[str, Any]) -> dict[str, Any]:
    """An attribute expression's definition (NxAttrExprDef, its own qNumFormat) in the
    shape the measure formatting reads."""
    return {"qDef": {"qNumFormat": definition.get("qNumFormat")}}


def format_attr_values(v: Vec, groups: np.ndarray, definition: Mapping[str, Any],
                       locale: Locale) -> list[dict[str, Any]]:
    """An attribute expression's values of some groups as NxSimpleValue: ``qText`` (a
    number formatted as a measure's, by the expression's own qNumFormat, else
    automatically; a value's own text as it is) and ``qNum``; NULL has no text."""
    out: list[dict[str, Any]] = []
    for cell in format_measures(v, groups, attr_expr_format(definition), locale):
        if cell.get("qIsNull"):
            out.append({"qNum": "NaN"})
        else:
            out.append({"qText": cell["qText"], "qNum": cell["qNum"]})
    return out


def attr_expr_info(label: str, v: Vec, rows: np.ndarray, definition: Mapping[str, Any],
                   locale: Locale) -> dict[str, Any]:
    """NxAttrExprInfo: the range of the values shown (``qMinText``/``qMaxText`` only
    when there are numbers), the format, then the client's own members (as a real
    engine's sn-scatter-plot layout shows them)."""
    nums = v.num[rows][~v.null[rows]] if len(rows) else np.zeros(0)
    finite = nums[np.isfinite(nums)]
    fmt_def = attr_expr_format(definition)
    info: dict[str, Any] = {"qMin": "NaN", "qMax": "NaN", "qFallbackTitle": label}
    if len(finite):
        low, high = float(finite.min()), float(finite.max())
        pair = format_measures(Vec.numbers(np.array([low, high])), np.arange(2), fmt_def,
                               locale)
        info = {"qMin": nan_json(low), "qMax": nan_json(high), "qFallbackTitle": label,
                "qMinText": pair[0]["qText"], "qMaxText": pair[1]["qText"]}
        num_format, auto = measure_num_format(fmt_def, finite, locale)
    else:
        explicit = _explicit_format(fmt_def)
        num_format = dict(explicit) if explicit else {"qType": "U", "qnDec": 0, "qUseThou": 0}
        auto = explicit is None
    info["qNumFormat"] = num_format
    info["qIsAutoFormat"] = auto
    info.update(custom_members(definition, "NxAttrExprDef"))
    return info
