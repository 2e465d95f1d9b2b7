"""Data pages (NxPage): validating and clipping the areas a client asks for."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from associa.calc.cells import CalcError
from associa.errors import InvalidParameters

MAX_CELLS = 10_000


def _int(page: Mapping[str, Any], key: str) -> int:
    value = page.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidParameters(key, f"{key} must be a number")
    return int(value)


def check_pages(pages: Sequence[Mapping[str, Any]]) -> None:
    """Reject malformed pages (error 8) and too many cells (error 7009)."""
    if not isinstance(pages, list | tuple):
        raise InvalidParameters("qPages", "qPages must be a list of pages")
    total = 0
    for page in pages:
        if not isinstance(page, Mapping):
            raise InvalidParameters("qPages", "a page must be an object")
        values = [_int(page, k) for k in ("qLeft", "qTop", "qWidth", "qHeight")]
        if any(v < 0 for v in values):
            raise InvalidParameters("qPages", "page values must not be negative")
        total += values[2] * values[3]
    if total > MAX_CELLS:
        raise CalcError("qPages")


def clip_page(page: Mapping[str, Any], ncols: int, nrows: int) -> tuple[int, int, int, int]:
    """(left, top, width, height) of the part of the page inside the data."""
    left = min(_int(page, "qLeft"), ncols)
    top = min(_int(page, "qTop"), nrows)
    width = max(min(_int(page, "qWidth"), ncols - left), 0)
    height = max(min(_int(page, "qHeight"), nrows - top), 0)
    return left, top, width, height


def layout_head(definition: Mapping[str, Any], size: dict[str, int], error: dict | None) -> dict[str, Any]:
    """The first members of a list-object or hypercube layout."""
    out: dict[str, Any] = {}
    if definition.get("qStateName"):
        out["qStateName"] = definition["qStateName"]
    out["qSize"] = size
    if error:
        out["qError"] = error
    return out


def initial_pages(
    out: dict[str, Any],
    definition: Mapping[str, Any],
    pages: Callable[[Sequence[Mapping[str, Any]]], list[dict[str, Any]]],
) -> None:
    """Fill ``qDataPages`` from ``qInitialDataFetch``; too many cells become a layout
    error (7009) with no pages, as the engine does, instead of a failed GetLayout."""
    try:
        out["qDataPages"] = pages(definition.get("qInitialDataFetch") or [])
    except CalcError as exc:
        out["qError"] = {"qErrorCode": exc.code}
        out["qDataPages"] = []


def same_parts(a: Sequence[Any], b: Sequence[Any]) -> bool:
    """Whether two computations' data (``data_parts``: arrays, texts, None) are equal:
    then they show the same pages (how a session tells which layouts a selection really
    changed). Arrays are compared whole, at memory speed; nothing is hashed."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if x is y:
            continue
        if isinstance(x, np.ndarray) and isinstance(y, np.ndarray):
            if x.shape != y.shape or x.dtype != y.dtype or not np.array_equal(x, y):
                return False
        elif x != y:
            return False
    return True
