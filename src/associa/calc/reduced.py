"""Fewer rows than the cube has: reduced, binned and continuous data pages.

GetHyperCubeReducedData (https://help.qlik.com/en-US/sense-developer/May2022/Subsystems/EngineJSONAPI/Content/service-genericobject-gethypercubereduceddata.htm;
Backend API getReducedData, https://help.qlik.com/en-US/sense-developer/May2024/Subsystems/APIs/Content/Sense_ClientAPIs/BackendAPI/getreduceddata-method.htm):
``qReductionMode`` N none; D1 a bar or line chart "reduced whatever the number of
dimensions", only when "the values cannot fit in the defined page" and the zoom factor is
not 0, keeping its shape; S a scatter plot's resolution; C a scatter plot's points as
2D k-means clusters, ``qZoomFactor`` "defines the number of centroids"; ST a stacked
table. For D1 and S "the zoom factor is 2ⁿ"; -1 lets the engine choose. Reduced pages
carry ``qIsReduced``. The condition that the values do not fit the page is the one of
bar and line charts (D1, ST); a scatter plot (S, C) is reduced whatever the page. Here: D1 (and ST, over the stacked cube's rows) keeps, in each run
of 2·2ⁿ rows, the rows holding the run's least and greatest first measure (min/max
decimation keeps peaks and troughs); -1 picks the least n that fits the page. S keeps the
first row of each cell of a grid of 2ⁿ × 2ⁿ cells over the first two measures' range
(-1: as many cells as the page has rows); C keeps, for each of the k clusters of a
deterministic k-means over the first two measures (scaled to their range), the row
nearest its centroid.

GetHyperCubeBinnedData (https://help.qlik.com/en-US/sense-developer/May2022/Subsystems/EngineJSONAPI/Content/service-genericobject-gethypercubebinneddata.htm):
one dimension and two or three measures; ``qDataRanges[0]`` gives the x range as
``qLeft``..``qWidth`` and the y range as ``qTop - qHeight``..``qTop`` (NxDataAreaPage);
``qBinningMethod`` 0 adaptive grid, 1 hexagonal, 2 uniform; ``qQueryLevel`` at most 20.
While cells are shown, the first row is one cell whose ``qNum`` is the most points a
cell can hold, each next row one cell: ``qText`` its bounds ``[[left, top, right,
bottom]]`` in the measures' range, ``qNum`` its number of points, ``qElemNumber`` an id
of the engine's; once few enough points remain they are returned as rows (the first row
empty). The adaptive grid here is a quadtree: a cell holding more points than the
others' share is split, up to ``qQueryLevel`` levels and ``qMaxNbrCells`` cells; the
points are shown when there are no more of them in the range than ``qMaxNbrCells``. The
uniform grid is the 2^level × 2^level grid.

The hexagonal grid (``qBinningMethod`` 1) is not built: it answers error 20
(NotImplementedInEngine) and the object stays usable. The reference names the method
("1: Hexagonal grid") but documents one cell shape only, the rectangle: "Cells are
represented as rectangles", ``qText`` "[[<left>, <top>, <right>, <bottom>], ...]"
(the method's description in the OpenRPC 12.2528 schema and on the page above); nothing
says how a hexagon's corners, its centre or its size would be written in those four
numbers, and no Qlik client found asks for it: the one chart reading binned pages,
qlik-oss/sn-scatter-plot (``src/data-handler/binned-data-fetcher.js``, its heat map
over many points), passes 0 and reads ``qMatrix[0][0].qNum`` and the rectangles; the
enigma.js schemas and the community SDKs only pass the number through. Inventing a
shape no client can read would be worse than the error.

GetHyperCubeContinuousData (OpenRPC 12.2528: "retrieves and packs compressed hypercube
and axis data"; NxContinuousDataOptions qStart, qEnd, qNbrPoints "number of bins",
qMaxNbrTicks, qMaxNumberLines; NxAxisData ``qAxis`` of NxAxisTicks {qName, qTags,
qTicks: [NxTickCell {qText, qStart, qEnd}]}): the rows whose first dimension's number
lies in [qStart, qEnd], in number order (reversed with ``qReverseSort``), reduced (min/max
decimation) to ``qNbrPoints`` per line when more; with a second dimension only the
``qMaxNumberLines`` lines of largest first measure total are kept (-1 all). The axis has
at most ``qMaxNbrTicks`` ticks at round steps (1, 2 or 5 × 10ᵏ) over [qStart, qEnd]
(for a field tagged ``$date``/``$timestamp`` the steps are days and the labels dates).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from associa.calc.stacked import page_bounds, pages_list
from associa.errors import InvalidParameters, NotImplementedInEngine

REDUCTION_MODES = ("N", "D1", "S", "C", "ST")


def _numbers(table: Any, m: int) -> np.ndarray:
    """Measure ``m``'s numbers over the rows in display order (NaN for NULL)."""
    v = table.cube.values[m]
    nums = np.asarray(v.num, dtype=np.float64)[table.rows].copy()
    nums[np.asarray(v.null)[table.rows]] = np.nan
    return nums


def _matrix(table: Any, rows: Sequence[int], left: int, width: int) -> list[list[Any]]:
    return [[table.cell(int(r), c) for c in range(left, left + width)] for r in rows]


def _page(table: Any, rows: Sequence[int], left: int, top: int, width: int,
          reduced: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "qMatrix": _matrix(table, rows, left, width),
        "qTails": [{"qUp": 0, "qDown": 0} for _ in table.cube.dims],
        "qArea": {"qLeft": left, "qTop": top, "qWidth": width, "qHeight": len(rows)},
    }
    if reduced:
        out["qIsReduced"] = True
    return out


def decimate(values: np.ndarray, factor: int) -> np.ndarray:
    """Positions kept by min/max decimation: in each run of ``2 * factor`` values the
    first least and first greatest (NaN never chosen unless the run is all NaN: then its
    first), in order."""
    n = len(values)
    span = max(2 * factor, 1)
    kept: list[int] = []
    for start in range(0, n, span):
        part = values[start:start + span]
        finite = ~np.isnan(part)
        if not finite.any():
            kept.append(start)
            continue
        lo = int(np.argmin(np.where(finite, part, np.inf)))
        hi = int(np.argmax(np.where(finite, part, -np.inf)))
        kept += sorted({start + lo, start + hi})
    return np.asarray(kept, dtype=np.int64)


def reduced_pages(table: Any, pages: Any, zoom: int, mode: str) -> list[dict[str, Any]]:
    """GetHyperCubeReducedData's pages."""
    if mode not in REDUCTION_MODES:
        raise InvalidParameters("qReductionMode", f"unknown reduction mode {mode!r}")
    out = []
    ncols = len(table.cube.dims) + len(table.cube.measures)
    nrows = len(table.rows)
    for page in pages_list(pages):
        left, top, width, height = page_bounds(page)
        left, top = min(left, ncols), min(top, nrows)
        width = max(min(width, ncols - left), 0)
        candidates = np.arange(top, nrows)
        fits = len(candidates) <= height and mode in ("D1", "ST")  # bar and line charts
        if mode == "N" or zoom == 0 or fits or not table.cube.measures:
            out.append(_page(table, candidates[:height].tolist(), left, top, width, False))
            continue
        if mode in ("D1", "ST"):
            kept = _one_dim(_numbers(table, 0)[top:], zoom, height) + top
        elif mode == "S":
            kept = _scattered(table, candidates, zoom, height)
        else:
            kept = _clustered(table, candidates, zoom, height)
        out.append(_page(table, kept[:max(height, 0)].tolist(), left, top, width, True))
    return out


def _one_dim(values: np.ndarray, zoom: int, height: int) -> np.ndarray:
    if zoom > 0:
        return decimate(values, 1 << min(zoom, 62))
    factor = 1
    while True:  # the least 2ⁿ whose decimation fits the page
        kept = decimate(values, factor)
        if len(kept) <= max(height, 1) or factor >= len(values):
            return kept
        factor *= 2


def _xy(table: Any, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = _numbers(table, 0)[rows]
    y = _numbers(table, 1)[rows] if len(table.cube.measures) > 1 else np.zeros(len(rows))
    return x, y


def _scale(a: np.ndarray) -> np.ndarray:
    finite = a[~np.isnan(a)]
    if not len(finite):
        return np.zeros(len(a))
    lo, hi = float(finite.min()), float(finite.max())
    return (a - lo) / (hi - lo) if hi > lo else np.zeros(len(a))


def _scattered(table: Any, rows: np.ndarray, zoom: int, height: int) -> np.ndarray:
    x, y = _xy(table, rows)
    ok = ~(np.isnan(x) | np.isnan(y))
    side = 1 << min(zoom, 30) if zoom > 0 else max(int(math.isqrt(max(height, 1))), 1)
    gx = np.minimum((_scale(x) * side).astype(np.int64), side - 1)
    gy = np.minimum((_scale(y) * side).astype(np.int64), side - 1)
    cell = gx * side + gy
    picked = np.flatnonzero(ok)
    _, first = np.unique(cell[picked], return_index=True)
    return rows[np.sort(picked[first])]


def _clustered(table: Any, rows: np.ndarray, zoom: int, height: int) -> np.ndarray:
    x, y = _xy(table, rows)
    ok = np.flatnonzero(~(np.isnan(x) | np.isnan(y)))
    k = zoom if zoom > 0 else max(height, 1)
    if len(ok) <= k:
        return rows[ok]
    pts = np.stack([_scale(x)[ok], _scale(y)[ok]], axis=1)
    # deterministic start: k points evenly spaced along the x order
    order = np.argsort(pts[:, 0], kind="stable")
    centres = pts[order[np.linspace(0, len(ok) - 1, k).astype(np.int64)]].copy()
    for _ in range(20):
        dist = ((pts[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        label = dist.argmin(axis=1)
        moved = False
        for j in range(k):
            members = pts[label == j]
            if len(members):
                new = members.mean(axis=0)
                moved = moved or not np.allclose(new, centres[j])
                centres[j] = new
        if not moved:
            break
    dist = ((pts[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    nearest = {int(dist[:, j].argmin()) for j in range(k)}
    return rows[ok[np.asarray(sorted(nearest), dtype=np.int64)]]


# -- binned ---------------------------------------------------------------------------


def _range(area: Any) -> tuple[float, float, float, float]:
    """(x0, x1, y0, y1) of an NxDataAreaPage."""
    if not isinstance(area, Mapping):
        raise InvalidParameters("qDataRanges", "qDataRanges must hold NxDataAreaPage objects")
    vals = []
    for key in ("qLeft", "qTop", "qWidth", "qHeight"):
        v = area.get(key, 0)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise InvalidParameters("qDataRanges", f"{key} must be a number")
        vals.append(float(v))
    left, top, right, height = vals
    return left, right, top - height, top


def binned_pages(table: Any, pages: Any, ranges: Any, max_cells: int, level: int,
                 method: int) -> list[dict[str, Any]]:
    """GetHyperCubeBinnedData's pages (one per page, all over the first data range)."""
    if method not in (0, 2):
        raise NotImplementedInEngine(
            f"qBinningMethod {method}: only 0 (adaptive grid) and 2 (uniform grid) are "
            "built; the reference documents no hexagonal cell shape")
    if not isinstance(ranges, list) or not ranges:
        raise InvalidParameters("qDataRanges", "qDataRanges must hold one NxDataAreaPage")
    if len(table.cube.measures) < 2 or len(table.cube.dims) != 1:
        raise InvalidParameters("qPath", "binning needs one dimension and two or three measures")
    if not 0 <= level <= 20:
        raise InvalidParameters("qQueryLevel", "qQueryLevel must be between 0 and 20")
    x0, x1, y0, y1 = _range(ranges[0])
    rows = np.arange(len(table.rows))
    x, y = _xy(table, rows)
    with np.errstate(invalid="ignore"):
        inside = ~(np.isnan(x) | np.isnan(y)) & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    hit = rows[inside]
    out = []
    cap = max(max_cells, 1)
    for page in pages_list(pages):
        left, top, width, height = page_bounds(page)
        ncols = len(table.cube.dims) + len(table.cube.measures)
        left = min(left, ncols)
        width = max(min(width, ncols - left), 0)
        if len(hit) <= cap:  # points
            shown = hit[top:top + height]
            matrix: list[list[Any]] = [[]] + _matrix(table, shown.tolist(), left, width)
            out.append({"qMatrix": matrix, "qTails": [{"qUp": 0, "qDown": 0}],
                        "qArea": {"qLeft": left, "qTop": top, "qWidth": width,
                                  "qHeight": len(shown)}})
            continue
        cells = (_adaptive(x[inside], y[inside], (x0, y1, x1, y0), level, cap) if method == 0
                 else _uniform(x[inside], y[inside], (x0, y1, x1, y0), level))
        most = max((c[1] for c in cells), default=0)
        matrix = [[{"qText": "", "qNum": most, "qElemNumber": 0, "qState": "L"}]]
        for ident, (bounds, n) in enumerate(cells):
            matrix.append([{"qText": json.dumps([list(bounds)]), "qNum": n,
                            "qElemNumber": ident, "qState": "L"}])
        out.append({"qMatrix": matrix, "qTails": [{"qUp": 0, "qDown": 0}],
                    "qArea": {"qLeft": 0, "qTop": 0, "qWidth": 1, "qHeight": len(matrix)}})
    return out


Bounds = tuple[float, float, float, float]  # left, top, right, bottom


def _count(x: np.ndarray, y: np.ndarray, b: Bounds, last_x: bool, last_y: bool) -> np.ndarray:
    left, top, right, bottom = b
    in_x = (x >= left) & ((x <= right) if last_x else (x < right))
    in_y = (y >= bottom) & ((y <= top) if last_y else (y < top))
    return in_x & in_y


def _adaptive(x: np.ndarray, y: np.ndarray, whole: Bounds, level: int,
              max_cells: int) -> list[tuple[Bounds, int]]:
    """A quadtree over the points: the fullest cell is split while levels and cells
    allow and it holds more than the mean share."""
    # a cell: (bounds, depth, mask, touches the right edge, touches the top edge)
    cells = [(whole, 0, np.ones(len(x), dtype=bool), True, True)]
    while True:
        splittable = [i for i, c in enumerate(cells) if c[1] < level and c[2].sum() > 1]
        if not splittable or len(cells) + 3 > max_cells:
            break
        i = max(splittable, key=lambda j: int(cells[j][2].sum()))
        share = len(x) / len(cells)
        if cells[i][2].sum() <= share and len(cells) > 1:
            break
        (left, top, right, bottom), depth, mask, rx, ty = cells.pop(i)
        mx, my = (left + right) / 2, (bottom + top) / 2
        for b, lx, ly in (((left, top, mx, my), False, ty), ((mx, top, right, my), rx, ty),
                          ((left, my, mx, bottom), False, False),
                          ((mx, my, right, bottom), rx, False)):
            cells.append((b, depth + 1, mask & _count(x, y, b, lx, ly), lx, ly))
    return [(c[0], int(c[2].sum())) for c in cells if c[2].any()]


def _uniform(x: np.ndarray, y: np.ndarray, whole: Bounds, level: int,
             ) -> list[tuple[Bounds, int]]:
    left, top, right, bottom = whole
    side = 1 << level
    w = (right - left) / side or 1.0
    h = (top - bottom) / side or 1.0
    gx = np.clip(((x - left) / w).astype(np.int64), 0, side - 1)
    gy = np.clip(((y - bottom) / h).astype(np.int64), 0, side - 1)
    keys, counts = np.unique(gx * side + gy, return_counts=True)
    out = []
    for key, n in zip(keys.tolist(), counts.tolist(), strict=True):
        i, j = divmod(key, side)
        out.append(((left + i * w, bottom + (j + 1) * h, left + (i + 1) * w, bottom + j * h),
                    int(n)))
    return out


# -- continuous -----------------------------------------------------------------------


def _opt_num(options: Mapping[str, Any], key: str, default: float | None) -> float | None:
    v = options.get(key, default)
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise InvalidParameters("qOptions", f"{key} must be a number")
    return float(v)


def continuous(table: Any, options: Any, reverse: bool) -> dict[str, Any]:
    """GetHyperCubeContinuousData: ``{"qDataPages": [...], "qAxisData": {...}}``."""
    if not isinstance(options, Mapping):
        raise InvalidParameters("qOptions", "qOptions must be an object")
    cube = table.cube
    if not cube.dims:
        raise InvalidParameters("qPath", "continuous data needs a dimension")
    start = _opt_num(options, "qStart", None)
    end = _opt_num(options, "qEnd", None)
    points = int(_opt_num(options, "qNbrPoints", 0) or 0)
    ticks = int(_opt_num(options, "qMaxNbrTicks", 0) or 0)
    lines = int(_opt_num(options, "qMaxNumberLines", -1) or -1)
    dim_nums = np.asarray([_num(table.cell(r, 0)) for r in range(len(table.rows))])
    finite = dim_nums[~np.isnan(dim_nums)]
    lo = start if start is not None else (float(finite.min()) if len(finite) else 0.0)
    hi = end if end is not None else (float(finite.max()) if len(finite) else 0.0)
    with np.errstate(invalid="ignore"):
        rows = np.flatnonzero(~np.isnan(dim_nums) & (dim_nums >= lo) & (dim_nums <= hi))
    rows = rows[np.argsort(dim_nums[rows], kind="stable")]
    if reverse:
        rows = rows[::-1]
    measure = _numbers(table, 0) if cube.measures else np.zeros(len(table.rows))
    if len(cube.dims) > 1:
        line_of = np.asarray([int(table.cube.dim_symbols[1][table.rows[r]]) for r in rows])
        keys = list(dict.fromkeys(line_of.tolist()))
        if lines > 0 and len(keys) > lines:
            totals = {k: float(np.nansum(measure[rows[line_of == k]])) for k in keys}
            keys = sorted(keys, key=lambda k: -totals[k])[:lines]
        groups = [rows[line_of == k] for k in keys]
    else:
        groups = [rows]
    kept: list[int] = []
    reduced = False
    for g in groups:
        if points > 0 and len(g) > points:
            sel = g[decimate(measure[g], max(len(g) // max(points, 1), 1))]
            reduced = True
        else:
            sel = g
        kept += sel.tolist()
    order = {r: i for i, r in enumerate(rows.tolist())}
    kept.sort(key=lambda r: order[r])
    width = len(cube.dims) + len(cube.measures)
    page = _page(table, kept, 0, 0, width, reduced)
    return {"qDataPages": [page], "qAxisData": {"qAxis": [axis(table, lo, hi, ticks)]}}


def _num(cell: Mapping[str, Any]) -> float:
    v = cell.get("qNum")
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else math.nan


def nice_step(span: float, most: int) -> float:
    """The least step of 1, 2 or 5 × 10ᵏ that makes at most ``most`` ticks over ``span``."""
    if span <= 0 or most <= 0:
        return 0.0
    raw = span / most
    power = 10 ** math.floor(math.log10(raw))
    for f in (1, 2, 5, 10):
        if f * power * most >= span:
            return f * power
    return 10 * power


def axis(table: Any, lo: float, hi: float, most: int) -> dict[str, Any]:
    """NxAxisTicks of the first dimension over [lo, hi]."""
    d = table.cube.dims[0]
    tags: list[str] = []
    if d.field is not None:
        tags = list(table.model.fields[d.field].tags())
    dated = "$date" in tags or "$timestamp" in tags
    step = nice_step(hi - lo, most)
    if dated and step:
        step = max(1.0, float(math.ceil(step)))
    cells: list[dict[str, Any]] = []
    if step:
        t = math.ceil(lo / step) * step
        while t <= hi + 1e-9 * abs(step) and len(cells) < most:
            text = _date_text(t) if dated else _plain(t)
            cells.append({"qText": text, "qStart": t, "qEnd": min(t + step, hi)})
            t += step
    return {"qName": d.label, "qTags": tags, "qTicks": cells}


def _plain(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _date_text(serial: float) -> str:
    import datetime

    day = datetime.date(1899, 12, 30) + datetime.timedelta(days=int(math.floor(serial)))
    return day.isoformat()
