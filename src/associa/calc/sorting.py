"""Sort orders for list objects and hypercube columns (SortCriteria).

Within one SortCriteria the flags apply in Qlik's priority: state, expression, frequency,
numeric value, text, load order; each is 1 (ascending), -1 (descending) or 0 (off). The
load order breaks any remaining ties.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from associa.model import Field
from associa.select.propagate import (
    ALTERNATIVE,
    DESELECTED,
    EXCLUDED,
    LOCK_EXCL,
    LOCKED,
    OPTION,
    SEL_EXCL,
    SELECTED,
)

# how "selected" a state is, for sorting by state (lower first when ascending)
_STATE_RANK = np.zeros(8, dtype=np.int64)
for _code, _rank in (
    (LOCKED, 0),
    (SELECTED, 0),
    (OPTION, 1),
    (ALTERNATIVE, 2),
    (DESELECTED, 3),
    (SEL_EXCL, 3),
    (LOCK_EXCL, 3),
    (EXCLUDED, 4),
):
    _STATE_RANK[_code] = _rank


def _flag(criteria: Mapping[str, Any], name: str) -> int:
    value = criteria.get(name, 0)
    try:
        value = int(value)
    except (TypeError, ValueError):
        return 0
    return (value > 0) - (value < 0)


def sort_indicator(criteria: Mapping[str, Any] | None) -> str:
    if not criteria:
        return "N"
    for name in (
        "qSortByExpression",
        "qSortByFrequency",
        "qSortByNumeric",
        "qSortByAscii",
        "qSortByLoadOrder",
    ):
        flag = _flag(criteria, name)
        if flag:
            return "A" if flag > 0 else "D"
    return "N"


def text_ranks(texts: list[str]) -> np.ndarray:
    """Rank of each text in case-insensitive alphabetical order (ties by exact text)."""
    order = sorted(range(len(texts)), key=lambda i: (texts[i].casefold(), texts[i]))
    ranks = np.empty(len(texts), dtype=np.int64)
    ranks[order] = np.arange(len(texts))
    return ranks


def symbol_order_keys(
    fld: Field,
    criteria: Mapping[str, Any] | None,
    states: np.ndarray | None = None,
    frequency: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Sort keys over the field's symbols, most significant first."""
    sym = fld.symbols
    n = len(sym)
    keys: list[np.ndarray] = []
    criteria = criteria or {}
    flag = _flag(criteria, "qSortByState")
    if flag and states is not None:
        keys.append(flag * _STATE_RANK[states])
    flag = _flag(criteria, "qSortByFrequency")
    if flag and frequency is not None:
        keys.append(flag * frequency.astype(np.int64))
    flag = _flag(criteria, "qSortByNumeric")
    if flag:
        nums = sym.nums[:-1]
        isnum = ~np.isnan(nums)
        rank = np.zeros(n, dtype=np.float64)
        rank[isnum] = flag * nums[isnum]
        keys.append((~isnum).astype(np.int64))  # numbers before text, either direction
        keys.append(rank)  # type: ignore[arg-type]
    flag = _flag(criteria, "qSortByAscii")
    if flag:
        keys.append(flag * text_ranks(list(sym.texts[:-1])))
    flag = _flag(criteria, "qSortByLoadOrder")
    if flag:
        keys.append(flag * np.arange(n, dtype=np.int64))
    keys.append(np.arange(n, dtype=np.int64))
    return keys


def symbol_order(
    fld: Field,
    criteria: Mapping[str, Any] | None,
    states: np.ndarray | None = None,
    frequency: np.ndarray | None = None,
) -> np.ndarray:
    """Symbol indices in display order."""
    keys = symbol_order_keys(fld, criteria, states, frequency)
    return np.lexsort(keys[::-1])


def symbol_rank(
    fld: Field, criteria: Mapping[str, Any] | None, states: np.ndarray | None = None
) -> np.ndarray:
    """Rank of each symbol in display order, with one extra slot (last) for NULL."""
    order = symbol_order(fld, criteria, states)
    rank = np.empty(len(order) + 1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    rank[-1] = len(order)
    return rank


def value_rank(num: np.ndarray, texts: np.ndarray | None, sort_by: Mapping[str, Any] | None) -> np.ndarray | None:
    """Sort key of measure values by their qSortBy, or None when the measure does not sort."""
    sort_by = sort_by or {}
    flag = _flag(sort_by, "qSortByNumeric")
    if flag:
        key = np.where(np.isnan(num), np.inf, flag * np.nan_to_num(num, nan=0.0))
        return key
    flag = _flag(sort_by, "qSortByAscii")
    if flag and texts is not None:
        return flag * text_ranks(["" if t is None else t for t in texts])
    return None
