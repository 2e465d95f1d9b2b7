"""Dimension limits ("Others") and dimension totals of a straight hypercube
(``qOtherTotalSpec`` on NxDimension).

Evidence (Engine API "OtherTotalSpecProp",
https://help.qlik.com/en-US/sense-developer/May2023/Subsystems/EngineJSONAPI/Content/models-othertotalspecprop.htm
and the 2.1 struct page
https://help.qlik.com/en-us/sense-developer/2.1/Subsystems/EngineAPI/Content/Structs/OtherTotalSpecProp.htm;
"Applying dimension limits",
https://help.qlik.com/en-US/sense-developer/May2023/Subsystems/Mashups/Content/Sense_Mashups/Create/Visualizations/dimension-limits.htm):

* ``qOtherMode``: OTHER_OFF; OTHER_COUNTED (``qOtherCounted`` values, "calculated on the
  first measure"); OTHER_ABS_LIMITED (each value's measure compared with ``qOtherLimit``
  by ``qOtherLimitMode``: GE/LE/GT/LT); OTHER_REL_LIMITED (the same with the value's
  share of the total of the dimension's values: the limit is a fraction, 0.05 for 5%,
  our reading of "a percentage of the total"); OTHER_ABS_ACC_TARGET and
  OTHER_REL_ACC_TARGET ("all rows up to the current row are accumulated and the result
  is compared" with the limit: with GE/GT the values are kept until the accumulation
  reaches the target, the one reaching it included; with LE/LT those whose accumulation
  still satisfies the limit).
* A fixed number counts the Others row: "top 6 values (including others)"; "If
  qSuppressOther is not defined, the last value ... summarizes all the remaining values
  and the value counts as 1": with N values or fewer nothing is grouped, else N-1 values
  and Others (N values when ``qSuppressOther``).
* The ranking measure is the first one, or the measure whose label or expression
  ``qReferencedExpression`` names ("Name of the measure to use for the calculation of
  Others"). ``qOtherSortMode``: descending (the default, "top") or ascending ("bottom").
* ``qForceBadValueKeeping`` (default true): values whose measure is not a number are kept
  by the limit modes; false puts them in Others. ``qSuppressOther``: the Others row is
  not shown. ``qGlobalOtherGrouping``: an inner dimension's limit is computed over the
  dimension alone ("all previous dimensions are ignored"); otherwise within each value
  of the outer dimensions. ``qOtherCollapseInnerDimensions``: the inner dimensions of an
  Others row are collapsed into it (their cells are Others too).
* The Others row's measures are the measures over the records of all the values it
  groups (not a sum of rows: ``Count(DISTINCT x)`` counts once). Its dimension cell has
  ``qElemNumber`` -3 ("−3 Others"), ``qIsOtherCell`` true and the ``qOtherLabel`` text
  ("Others" when empty); the layout says ``qHasOtherValues`` (HyperCube: "True if other
  row exists"). The Others row comes after the values it stands beside.
* ``qTotalMode`` TOTAL_EXPR ("the total of the dimension values is returned"): a row per
  value of the outer dimensions with the measures over all its values, the dimension's
  cell ``qElemNumber`` -1 with the ``qTotalLabel`` text ("Total" when empty), inner
  dimensions' cells empty totals; after the rows it totals, before them with
  ``qShowTotalsAbove``.
* ``qApplyEvenWhenPossiblyWrongResult`` is accepted; no check for possibly wrong results
  is made (the grouping is always applied).

The cube hands this module its rows and a ``regroup`` function (the measures over the
records of groups of its groups); the rows made here are appended to the cube's groups
as virtual groups whose dimension codes are ``OTHERS`` or ``TOTAL``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from associa.expr import Vec

OTHERS = -3  # a dimension's code in an Others row (qElemNumber -3)
TOTAL = -5  # in a dimension total row (its cells: qElemNumber -1)

Regroup = Callable[[np.ndarray, int, list[np.ndarray]], list[Vec]]
Scalar = Callable[[str], tuple[str | None, float]]

_LIMIT_MODES = ("OTHER_GE_LIMIT", "OTHER_LE_LIMIT", "OTHER_GT_LIMIT", "OTHER_LT_LIMIT")
_MODES = ("OTHER_OFF", "OTHER_COUNTED", "OTHER_ABS_LIMITED", "OTHER_ABS_ACC_TARGET",
          "OTHER_REL_LIMITED", "OTHER_REL_ACC_TARGET")


def _enum(value: Any, names: tuple[str, ...], default: str) -> str:
    """An enum member by name or number (what a stored or a raw definition holds)."""
    if isinstance(value, str) and value in names:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return names[value]
    return default


def _qv(value: Any) -> str:
    if isinstance(value, Mapping):
        value = value.get("qv")
    return value if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class OtherSpec:
    """One dimension's ``qOtherTotalSpec`` and labels, read leniently."""

    mode: str
    counted: str
    limit: str
    limit_mode: str
    suppress: bool
    force_bad: bool
    global_grouping: bool
    collapse_inner: bool
    ascending: bool
    totals: bool
    referenced: str
    other_label: str
    total_label: str

    @property
    def limits(self) -> bool:
        return self.mode != "OTHER_OFF"


def other_spec(dimension: Mapping[str, Any]) -> OtherSpec | None:
    """The spec of a dimension definition; None when it neither limits nor totals."""
    spec = dimension.get("qOtherTotalSpec")
    spec = spec if isinstance(spec, Mapping) else {}
    mode = _enum(spec.get("qOtherMode"), _MODES, "OTHER_OFF")
    totals = _enum(spec.get("qTotalMode"), ("TOTAL_OFF", "TOTAL_EXPR"), "TOTAL_OFF")
    if mode == "OTHER_OFF" and totals == "TOTAL_OFF":
        return None
    sort_mode = _enum(spec.get("qOtherSortMode"),
                      ("OTHER_SORT_DEFAULT", "OTHER_SORT_DESCENDING", "OTHER_SORT_ASCENDING"),
                      "OTHER_SORT_DESCENDING")
    return OtherSpec(
        mode=mode,
        counted=_qv(spec.get("qOtherCounted")),
        limit=_qv(spec.get("qOtherLimit")),
        limit_mode=_enum(spec.get("qOtherLimitMode"), _LIMIT_MODES, "OTHER_GT_LIMIT"),
        suppress=spec.get("qSuppressOther") is True,
        force_bad=spec.get("qForceBadValueKeeping") is not False,
        global_grouping=spec.get("qGlobalOtherGrouping") is True,
        collapse_inner=spec.get("qOtherCollapseInnerDimensions") is True,
        ascending=sort_mode == "OTHER_SORT_ASCENDING",
        totals=totals == "TOTAL_EXPR",
        referenced=_qv(spec.get("qReferencedExpression")),
        other_label=_qv(dimension.get("qOtherLabel")),
        total_label=_qv(dimension.get("qTotalLabel")),
    )


def label_text(text: str, default: str, scalar: Scalar) -> str:
    """A StringExpr label: ``=expr`` is evaluated, anything else is the text itself."""
    if not text:
        return default
    if text.lstrip().startswith("="):
        try:
            got, num = scalar(text.lstrip()[1:])
        except Exception:  # noqa: BLE001 - a label that fails shows the default
            return default
        if got is not None:
            return got
        return default if math.isnan(num) else f"{num:g}"
    return text


def value_number(text: str, scalar: Scalar) -> float:
    """A ValueExpr's number (a leading ``=`` optional); NaN when it has none."""
    body = text.strip()
    if body.startswith("="):
        body = body[1:]
    if not body.strip():
        return math.nan
    try:
        return float(scalar(body)[1])
    except Exception:  # noqa: BLE001 - an unusable limit limits nothing
        return math.nan


def _compare(values: np.ndarray, limit: float, mode: str) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        if mode == "OTHER_GE_LIMIT":
            return values >= limit
        if mode == "OTHER_LE_LIMIT":
            return values <= limit
        if mode == "OTHER_LT_LIMIT":
            return values < limit
        return values > limit


def keep_values(nums: np.ndarray, spec: OtherSpec, count: float, limit: float) -> np.ndarray:
    """Which of one parent's values stay (the others go to Others); ``nums`` are the
    ranking measure's numbers (NaN: not a number)."""
    n = len(nums)
    bad = np.isnan(nums)
    good = np.where(bad, 0.0, nums)
    # ranking order: by the measure (descending unless ascending), bad values last,
    # ties in the order the values come (the cube's group order)
    order = np.lexsort((np.arange(n), good if spec.ascending else -good, bad))
    keep = np.zeros(n, dtype=bool)
    if spec.mode == "OTHER_COUNTED":
        if math.isnan(count):
            return np.ones(n, dtype=bool)
        wanted = int(count)
        if n <= wanted:
            return np.ones(n, dtype=bool)
        shown = max(wanted if spec.suppress else wanted - 1, 0)
        keep[order[:shown]] = True
        return keep
    if math.isnan(limit):
        return np.ones(n, dtype=bool)
    relative = spec.mode in ("OTHER_REL_LIMITED", "OTHER_REL_ACC_TARGET")
    total = float(good[~bad].sum())
    scale = total if relative else 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        measured = good / scale if scale else np.full(n, math.nan)
    if spec.mode in ("OTHER_ABS_LIMITED", "OTHER_REL_LIMITED"):
        keep = _compare(measured, limit, spec.limit_mode) & ~np.isnan(measured)
    else:  # accumulated, in ranking order
        ranked = order[~bad[order]]
        acc = np.cumsum(measured[ranked])
        hit = _compare(acc, limit, spec.limit_mode)
        if spec.limit_mode in ("OTHER_GE_LIMIT", "OTHER_GT_LIMIT"):
            # until the target is reached, the value reaching it included
            reached = np.flatnonzero(hit)
            upto = int(reached[0]) + 1 if len(reached) else len(ranked)
            keep[ranked[:upto]] = True
        else:
            keep[ranked[hit]] = True
    keep |= bad & spec.force_bad
    return keep


def _unique_rows(cols: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each distinct combination, combination of each row)."""
    if not cols:
        return np.zeros(min(n, 1), dtype=np.int64), np.zeros(n, dtype=np.int64)
    _, first, inverse = np.unique(np.stack(cols, axis=1), axis=0, return_index=True,
                                  return_inverse=True)
    return first, inverse.ravel()


@dataclass(slots=True)
class Virtual:
    """The rows made here: each dimension's code per virtual group (a symbol, OTHERS,
    TOTAL), each measure's values, and the real rows that stay; ``others_of`` gives
    each of the rows grouped its Others group (the first virtual groups), -1 for the
    others (what selecting an Others cell selects)."""

    symbols: list[np.ndarray]
    values: list[Vec]
    kept: np.ndarray
    has_others: bool
    others_of: np.ndarray


def _scope_symbols(codes: list[np.ndarray], first: np.ndarray, used: list[bool]
                   ) -> list[np.ndarray]:
    """Each dimension's symbol per new group (from its first row; -1 where the group
    spans several values or is virtual), for the scope's TOTAL <dim> qualifiers."""
    out = []
    for col, on in zip(codes, used, strict=True):
        s = col[first] if on else np.full(len(first), -1, dtype=np.int64)
        out.append(np.where(s >= 0, s, -1))
    return out


def apply(specs: list[OtherSpec | None], symbols: list[np.ndarray], rows: np.ndarray,
          ranking: list[int], regroup: Regroup, scalar: Scalar) -> Virtual:
    """Group the rows ``rows`` (the cube's groups) by the specs: ``symbols`` are each
    dimension's code per group, ``ranking[i]`` the measure ranking dimension ``i``'s
    values. Returns the virtual rows (Others and totals) and the real rows that stay."""
    ndims = len(symbols)
    eff = [symbols[c][rows].astype(np.int64) for c in range(ndims)]
    drop = np.zeros(len(rows), dtype=bool)
    for i, spec in enumerate(specs):
        if spec is None or not spec.limits or not len(rows):
            continue
        parent = [] if spec.global_grouping else eff[:i]
        first, inverse = _unique_rows([*parent, eff[i]], len(rows))
        used = [spec.global_grouping is False and c < i or c == i for c in range(ndims)]
        vals = regroup(inverse, len(first), _scope_symbols(eff, first, used))[ranking[i]]
        nums = np.where(vals.null, np.nan, vals.num.astype(np.float64))
        if vals.text is not None:  # a text value is not a number to rank or compare
            texts = np.array([t is not None for t in vals.text], dtype=bool)
            nums = np.where(texts & np.isnan(vals.num), np.nan, nums)
        count = value_number(spec.counted, scalar) if spec.mode == "OTHER_COUNTED" else math.nan
        limit = math.nan if spec.mode == "OTHER_COUNTED" else value_number(spec.limit, scalar)
        # the parent of each value, and which values each parent keeps
        _, parent_of = _unique_rows([p[first] for p in parent], len(first))
        keep = np.ones(len(first), dtype=bool)
        order = np.argsort(parent_of, kind="stable")
        bounds = np.flatnonzero(np.diff(parent_of[order])) + 1
        for members in np.split(order, bounds):
            if len(members):
                keep[members] = keep_values(nums[members], spec, count, limit)
        gone = ~keep[inverse]
        if not gone.any():
            continue
        eff[i] = np.where(gone, OTHERS, eff[i])
        if spec.collapse_inner:
            for c in range(i + 1, ndims):
                eff[c] = np.where(gone, OTHERS, eff[c])
        if spec.suppress:
            drop |= gone
    virtual_rows: list[np.ndarray] = []  # per dimension, the codes of each virtual group
    mapping_parts: list[tuple[np.ndarray, int]] = []
    shown = ~drop
    is_other = np.zeros(len(rows), dtype=bool)
    for c in range(ndims):
        is_other |= eff[c] == OTHERS
    kept = rows[shown & ~is_other]
    others_at = np.flatnonzero(shown & is_other)
    codes: list[list[np.ndarray]] = [[] for _ in range(ndims)]
    others_of = np.full(len(rows), -1, dtype=np.int64)
    if len(others_at):
        first, inverse = _unique_rows([e[others_at] for e in eff], len(others_at))
        mapping = np.full(len(rows), -1, dtype=np.int64)
        mapping[others_at] = inverse
        others_of = mapping
        mapping_parts.append((mapping, len(first)))
        for c in range(ndims):
            codes[c].append(eff[c][others_at][first])
    for i, spec in enumerate(specs):
        if spec is None or not spec.totals or not len(rows):
            continue
        first, inverse = _unique_rows(eff[:i], len(rows))
        mapping_parts.append((inverse.astype(np.int64), len(first)))
        for c in range(ndims):
            codes[c].append(eff[c][first] if c < i else np.full(len(first), TOTAL,
                                                                dtype=np.int64))
    values: list[Vec] = []
    for mapping, n in mapping_parts:
        part_first = np.zeros(n, dtype=np.int64)
        hit = mapping >= 0
        part_first[mapping[hit]] = np.flatnonzero(hit)
        part_syms = [np.where(e[part_first] >= 0, e[part_first], -1) for e in eff]
        got = regroup(mapping, n, part_syms)
        values = got if not values else [_concat(a, b) for a, b in zip(values, got, strict=True)]
    for c in range(ndims):
        virtual_rows.append(np.concatenate(codes[c]) if codes[c]
                            else np.zeros(0, dtype=np.int64))
    return Virtual(virtual_rows, values, kept, bool(len(others_at)) or bool(drop.any()),
                   others_of)


def _concat(a: Vec, b: Vec) -> Vec:
    from associa.expr.vector import concat
    return concat([a, b])


def cell_symbols(cube: Any, col: int, groups: Any) -> list[int]:
    """The symbols the cells of dimension ``col`` in the rows of ``groups`` select: a
    value's own; an Others cell's (qElemNumber -3), the values of the rows it groups;
    a total cell's (-1), none.

    Selecting an Others cell selects the values it stands for: Qlik's charts send the
    cell's qElemNumber as they send any other (picasso.js ``plugins/q/src/brush/
    q-brush.js`` passes every number of the brush to selectHyperCubeValues and
    selectHyperCubeCells, -3 included), and the Others row is the sum of those values
    (https://help.qlik.com/en-US/sense-developer/May2023/Subsystems/Mashups/Content/Sense_Mashups/Create/Visualizations/dimension-limits.htm:
    it "summarizes all the remaining values"); the -1 of a total cell names no value."""
    syms = cube.dim_symbols[col]
    out: set[int] = set()
    for g in groups:
        code = int(syms[g])
        if code >= 0:
            out.add(code)
        elif code == OTHERS:
            out.update(int(c) for c in syms[cube.grouped(int(g))] if c >= 0)
    return sorted(out)


def ranking_measure(spec: OtherSpec, measures: list[tuple[str, str]]) -> int:
    """The measure ranking a dimension's values: the one whose label or expression
    ``qReferencedExpression`` names, else the first."""
    ref = spec.referenced.strip()
    if ref:
        for i, (label, text) in enumerate(measures):
            if ref in (label, text, text.lstrip("=")):
                return i
    return 0
