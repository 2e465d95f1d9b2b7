"""Pivot, stacked and tree hypercubes (qMode P, K, T) as Arrow tables, in long form.

A straight cube is already a table (``frames.RemoteTable``). The others come as trees
of dimension values over a matrix of cells; a DataFrame of them has one column per
dimension (the left ones, then the top ones: the HyperCubeDef's order) holding the
values' texts, one float64 column per measure, and a row per real cell combination:

- **P** (``GetHyperCubePivotData``, every page): a row per left path × top path with at
  least one cell that is not empty (``U``); the measures' pseudo dimension (``P`` nodes)
  picks the measure column. A collapsed node's row has null for the levels below it.
- **K** (``GetHyperCubeStackData``): a row per path down to the measures' values.
- **T** (``GetHyperCubeTreeData``): a row per node: its path's values (null below its
  level) and its own measures (``qValues``), the root's grand total left out.

Totals (``T`` nodes; the tree's root) are left out unless ``totals=True``; a total's
level and those below it are null in its row. NULL values are null.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from associa.client.errors import EngineError

PATH = "/qHyperCubeDef"
Row = tuple[tuple[Any, ...], dict[int, Any]]


def _text(node: dict[str, Any]) -> str | None:
    if node.get("qType") == "T" or int(node.get("qElemNo", 0)) == -2:  # a total, NULL
        return None
    return str(node.get("qText", ""))


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value):
        return float(value)
    return None


def _leaf_paths(nodes: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    out: list[list[dict[str, Any]]] = []

    def walk(node: dict[str, Any], path: list[dict[str, Any]]) -> None:
        here = [*path, node]
        subs = node.get("qSubNodes") or []
        if not subs:
            out.append(here)
        for sub in subs:
            walk(sub, here)

    for node in nodes:
        walk(node, [])
    return out


def _split(path: list[dict[str, Any]], width: int) -> tuple[list[Any], int, bool]:
    """A pivot axis path: its dimension values (padded to ``width``), the measure its
    pseudo node names (0 without one), and whether it runs through a total."""
    values: list[Any] = []
    measure, total = 0, False
    for node in path:
        if node.get("qType") == "P":
            measure = int(node.get("qElemNo", 0))
            continue
        total = total or node.get("qType") == "T"
        values.append(None if total else _text(node))
    return values + [None] * (width - len(values)), measure, total


def pivot_rows(call: Callable[..., dict[str, Any]], cube: dict[str, Any],
               page_cells: int, totals: bool) -> list[Row]:
    ndims = len(cube.get("qDimensionInfo") or [])
    left = int(cube.get("qNoOfLeftDims", ndims))
    size = cube.get("qSize") or {}
    width, height = int(size.get("qcx", 0)), int(size.get("qcy", 0))
    rows: dict[tuple[Any, ...], dict[int, Any]] = {}
    col_step = max(min(width, page_cells), 1)
    for col in range(0, width, col_step):
        cols = min(col_step, width - col)
        row_step = max(page_cells // cols, 1)
        for top in range(0, height, row_step):
            page = {"qLeft": col, "qTop": top, "qWidth": cols,
                    "qHeight": min(row_step, height - top)}
            got = call("GetHyperCubePivotData", PATH, [page])["qDataPages"][0]
            lefts, tops = _leaf_paths(got["qLeft"]), _leaf_paths(got["qTop"])
            data = got["qData"]
            if len(lefts) < len(data) or (data and len(tops) < len(data[0])):
                raise EngineError(-1, "A pivot page's axes do not cover its cells", PATH)
            for i, cells in enumerate(data):
                lvals, lmeasure, ltotal = _split(lefts[i], left)
                for j, cell in enumerate(cells):
                    if cell.get("qType") == "U":
                        continue
                    tvals, tmeasure, ttotal = _split(tops[j], ndims - left)
                    if (ltotal or ttotal or cell.get("qType") == "T") and not totals:
                        continue
                    key = tuple(lvals + tvals)
                    rows.setdefault(key, {})[max(lmeasure, tmeasure)] = _number(
                        cell.get("qNum"))
    return list(rows.items())


def stack_rows(call: Callable[..., dict[str, Any]], cube: dict[str, Any],
               page_cells: int, totals: bool) -> list[Row]:
    ndims = len(cube.get("qDimensionInfo") or [])
    size = cube.get("qSize") or {}
    width, height = max(int(size.get("qcx", 0)), 1), int(size.get("qcy", 0))
    rows: dict[tuple[Any, ...], dict[int, Any]] = {}

    def walk(node: dict[str, Any], values: list[Any], total: bool) -> None:
        subs = node.get("qSubNodes") or []
        if subs and all(s.get("qType") in ("V", "U") and not s.get("qSubNodes")
                        for s in subs) and len(values) == ndims:
            if total and not totals:
                return
            key = tuple(values)
            for m, sub in enumerate(subs):
                if sub.get("qType") != "U":
                    rows.setdefault(key, {})[m] = _number(sub.get("qValue"))
            return
        for sub in subs:
            is_total = total or sub.get("qType") == "T"
            walk(sub, [*values, None if is_total else _text(sub)], is_total)

    step = max(page_cells // width, 1)
    for top in range(0, height, step):
        page = {"qLeft": 0, "qTop": top, "qWidth": width, "qHeight": min(step, height - top)}
        for got in call("GetHyperCubeStackData", PATH, [page], page_cells)["qDataPages"]:
            for root in got["qData"]:
                walk(root, [], False)
    return list(rows.items())


def tree_rows(call: Callable[..., dict[str, Any]], cube: dict[str, Any],
              totals: bool) -> list[Row]:
    ndims = len(cube.get("qDimensionInfo") or [])
    rows: list[Row] = []

    def emit(node: dict[str, Any], values: list[Any]) -> None:
        key = tuple(values + [None] * (ndims - len(values)))
        rows.append((key, {m: _number(v.get("qValue"))
                           for m, v in enumerate(node.get("qValues") or [])}))

    def walk(node: dict[str, Any], values: list[Any]) -> None:
        if node.get("qType") == "R":
            if totals:
                emit(node, [])
        elif node.get("qType") == "T":
            if totals:
                emit(node, [*values, None])
            return
        else:
            values = [*values, _text(node)]
            emit(node, values)
        for sub in node.get("qNodes") or []:
            walk(sub, values)

    for root in call("GetHyperCubeTreeData", PATH, {})["qNodes"]:
        walk(root, [])
    return rows


def long_table(call: Callable[..., dict[str, Any]], cube: dict[str, Any], page_cells: int,
               totals: bool = False) -> pa.Table:
    """The cube of a layout (``cube``: its ``qHyperCube``) in long form (see above)."""
    mode = cube.get("qMode", "S")
    if mode == "P":
        rows = pivot_rows(call, cube, page_cells, totals)
    elif mode == "K":
        rows = stack_rows(call, cube, page_cells, totals)
    elif mode == "T":
        rows = tree_rows(call, cube, totals)
    else:
        raise EngineError(20, f"Hypercubes in mode {mode} have no row table yet", PATH)
    dims = [str(d.get("qFallbackTitle", "")) for d in cube.get("qDimensionInfo") or []]
    measures = [str(m.get("qFallbackTitle", "")) for m in cube.get("qMeasureInfo") or []]
    columns: dict[str, pa.Array] = {}
    for i, title in enumerate(dims):
        columns[_unique(title, columns)] = pa.array([key[i] for key, _ in rows], pa.string())
    for m, title in enumerate(measures):
        columns[_unique(title, columns)] = pa.array([cells.get(m) for _, cells in rows],
                                                    pa.float64())
    return pa.table(columns)


def _unique(title: str, taken: dict[str, Any]) -> str:
    name, n = title, 1
    while name in taken:
        n += 1
        name = f"{title} ({n})"
    return name
