"""What the benchmark asks of both sides: the objects a click refreshes, the clicks, and
how memory is read. Shared by the engine's side (``engine_side``) and the baseline's
(``baseline_side``) so that both answer the same questions.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.bench.star import SEGMENTS, Shape, categories, countries

# The 8 list boxes of the refresh, and which of them hold numbers (sorted as numbers).
LISTS = ("Country", "Segment", "Category", "Brand", "CustomerID", "ProductID", "DateKey",
         "Quantity")
NUMERIC = frozenset({"CustomerID", "ProductID", "DateKey", "Quantity"})
PAGE = 50  # rows of each object's first page

# Qlik's filter panes sort by state, then number, then text (then load order).
FILTER_PANE_SORT = {"qSortByState": 1, "qSortByNumeric": 1, "qSortByAscii": 1,
                    "qSortByLoadOrder": 1}


def listbox(field: str) -> dict[str, Any]:
    return {
        "qInfo": {"qType": "listbox"},
        "qListObjectDef": {
            "qDef": {"qFieldDefs": [field], "qSortCriterias": [FILTER_PANE_SORT]},
            "qShowAlternatives": True,
            "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": PAGE}],
        },
    }


def _dim(field: str) -> dict[str, Any]:
    return {"qDef": {"qFieldDefs": [field], "qSortCriterias": [{"qSortByAscii": 1}]}}


def _measure(expr: str) -> dict[str, Any]:
    return {"qDef": {"qDef": expr}}


# The 2 charts: (dimensions, measures); rows sorted by the dimensions' texts.
CHARTS = (
    (("Category",), ("Sum(Sales)", "Count(DISTINCT CustomerID)")),
    (("Segment", "Category"), ("Sum(Quantity * Sales)",)),
)


def chart(dims: tuple[str, ...], measures: tuple[str, ...]) -> dict[str, Any]:
    width = len(dims) + len(measures)
    return {
        "qInfo": {"qType": "table"},
        "qHyperCubeDef": {
            "qDimensions": [_dim(d) for d in dims],
            "qMeasures": [_measure(m) for m in measures],
            "qInterColumnSortOrder": list(range(width)),
            "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": width, "qHeight": PAGE}],
        },
    }


def objects() -> list[dict[str, Any]]:
    """The 10 objects' properties, list boxes first."""
    return [listbox(f) for f in LISTS] + [chart(d, m) for d, m in CHARTS]


# The set-analysis chart (issue 9): Category x 3 measures, each reading other records
# than the selection's: a segment instead of the selection's segments, every record of
# some countries, and a nested aggregation.
SET_CHART_MEASURES = (
    "Sum({<Segment={'Consumer'}>} Sales)",
    'Count({1<Country={"Country 00*"}>} DISTINCT CustomerID)',
    "Sum(Aggr(Sum(Sales), Category, Segment))",
)


def set_chart() -> dict[str, Any]:
    return chart(("Category",), SET_CHART_MEASURES)


def set_chart_rows(layout: dict[str, Any]) -> list[list[Any]]:
    """The set chart's first page as [category, number, number, number]."""
    page = layout["qHyperCube"]["qDataPages"][0]["qMatrix"]
    return [[row[0]["qText"], *(None if c.get("qIsNull") or c["qNum"] == "NaN"
                               else float(c["qNum"]) for c in row[1:])] for row in page]


def compare_rows(ours: list[list[Any]], theirs: list[list[Any]]) -> list[str]:
    """Where two sides' set-chart pages differ (numbers to 1e-6 relative)."""
    out: list[str] = []
    if len(ours) != len(theirs):
        out.append(f"{len(ours)} rows against {len(theirs)}")
    for a, b in zip(ours, theirs, strict=False):
        same = a[0] == b[0] and all(
            (x is None and (y is None or y == 0)) or (y is None and x == 0) or (
                x is not None and y is not None and abs(x - y) <= 1e-6 * max(1.0, abs(y)))
            for x, y in zip(a[1:], b[1:], strict=True))
        if not same:
            out.append(f"row {a} against {b}")
            break
    return out



# The pivot lines (issue 10): Segment x Category with 3 measures, as a straight page and as
# a pivot with Segment expanded (every segment's categories, a subtotal per segment and the
# grand total), against DuckDB's GROUP BY and GROUP BY ROLLUP over the same selection.
PIVOT_DIMS = ("Segment", "Category")
PIVOT_MEASURES = ("Sum(Sales)", "Sum(Quantity)", "Count(OrderID)")
TOTAL = "Total"


def straight_pivot_chart() -> dict[str, Any]:
    return chart(PIVOT_DIMS, PIVOT_MEASURES)


def pivot_chart() -> dict[str, Any]:
    """The pivot: both dimensions left, totals on, Segment's nodes all expanded, the
    measures on top."""
    dims = [{**_dim(d), "qOtherTotalSpec": {"qTotalMode": "TOTAL_EXPR"}} for d in PIVOT_DIMS]
    return {
        "qInfo": {"qType": "pivot-table"},
        "qHyperCubeDef": {
            "qMode": "P",
            "qDimensions": dims,
            "qMeasures": [_measure(m) for m in PIVOT_MEASURES],
            "qNoOfLeftDims": 2,
            "qExpansionState": [{"qExcludeList": False,
                                 "qPos": {"qDimName": PIVOT_DIMS[0], "qElemNo": []}}],
            "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": len(PIVOT_MEASURES),
                                   "qHeight": PAGE}],
        },
    }


def straight_rows(layout: dict[str, Any]) -> list[list[Any]]:
    """The straight page as [segment, category, numbers...]."""
    page = layout["qHyperCube"]["qDataPages"][0]["qMatrix"]
    return [[row[0]["qText"], row[1]["qText"],
             *(None if c["qNum"] == "NaN" else float(c["qNum"]) for c in row[2:])]
            for row in page]


def pivot_rows(layout: dict[str, Any]) -> list[list[Any]]:
    """The pivot's first page as [segment or TOTAL, category or TOTAL, numbers...]."""
    page = layout["qHyperCube"]["qPivotDataPages"][0]
    paths: list[list[str]] = []

    def walk(nodes: list[dict[str, Any]], path: list[str]) -> None:
        for n in nodes:
            label = TOTAL if n["qType"] == "T" else n.get("qText", "")
            if n["qSubNodes"]:
                walk(n["qSubNodes"], [*path, label])
            else:
                paths.append([*path, label])

    walk(page["qLeft"], [])
    return [[*path, *(None if c["qType"] == "U" else float(c["qNum"]) for c in row)]
            for path, row in zip(paths, page["qData"], strict=True)]


def compare_pivot_rows(ours: list[list[Any]], theirs: list[list[Any]]) -> list[str]:
    """Where two sides' pivot-line pages differ: two texts, then numbers."""
    return compare_rows([[" / ".join(r[:2]), *r[2:]] for r in ours],
                        [[" / ".join(r[:2]), *r[2:]] for r in theirs])

# -- clicks -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Click:
    """One run of a click: ``before`` is selected first (not timed), then ``select`` is
    the timed click, followed by the layouts of every object."""

    before: dict[str, list[str]]
    select: dict[str, list[str]]

    @property
    def where(self) -> dict[str, list[str]]:
        return {**self.before, **self.select}

    def to_json(self) -> dict[str, Any]:
        return {"before": self.before, "select": self.select}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Click:
        return cls(data["before"], data["select"])


CLICKS = ("3% click", "40% click", "two-field click")
DESCRIPTIONS = {
    "3% click": "select 3 of 100 countries (~3% of rows)",
    "40% click": "select 2 of 5 segments (~40% of rows)",
    "two-field click": "3 countries selected, then select 2 of 50 categories (~0.1%)",
}


def plan(shape: Shape, runs: int) -> dict[str, list[Click]]:
    """Each click's runs (the first is the warm-up). Every run selects other values so
    that no run is answered from a cache a previous one filled: a user's next click is a
    new selection state, and so is each run here (for the baseline too)."""
    cs, ks = countries(shape), categories(shape)
    pairs = list(itertools.combinations(SEGMENTS, 2))
    out: dict[str, list[Click]] = {k: [] for k in CLICKS}
    for i in range(runs):
        a = (3 * i) % len(cs)
        out["3% click"].append(Click({}, {"Country": [cs[(a + j) % len(cs)] for j in range(3)]}))
        out["40% click"].append(Click({}, {"Segment": list(pairs[i % len(pairs)])}))
        b = (len(cs) // 2 + 3 * i) % len(cs)
        out["two-field click"].append(Click(
            {"Country": [cs[(b + j) % len(cs)] for j in range(3)]},
            {"Category": [ks[(2 * i + j) % len(ks)] for j in range(2)]},
        ))
    return out


# -- answers ----------------------------------------------------------------------------

# What each side reports of its last run's answers, so that the parent can check that both
# sides did the same work: for a list box its number of values and its page as
# (text, state) pairs; for a chart its number of rows, the grand totals and its page's
# dimension texts.


def same_number(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def compare(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> list[str]:
    """Where two sides' answers differ (empty when they agree). One case the baseline's SQL
    does not model: a selected value that the other fields' selections exclude (the engine
    shows it apart; the SQL calls it selected). The planned clicks select values that stay
    possible at the star's sizes, and the 20,000-row test run shows they do there."""
    names = list(LISTS) + [" x ".join(d) for d, _ in CHARTS]
    out: list[str] = []
    for name, a, b in zip(names, ours, theirs, strict=True):
        if a["rows"] != b["rows"]:
            out.append(f"{name}: {a['rows']} rows against {b['rows']}")
        if a["page"] != b["page"]:
            diff = next(i for i, (x, y) in enumerate(
                itertools.zip_longest(a["page"], b["page"])) if x != y)
            out.append(f"{name}: page row {diff}: {a['page'][diff:diff + 1]} against "
                       f"{b['page'][diff:diff + 1]}")
        totals = zip(a.get("totals", []), b.get("totals", []), strict=True)
        if not all(same_number(x, y) for x, y in totals):
            out.append(f"{name}: totals {a['totals']} against {b['totals']}")
    return out


# -- memory -----------------------------------------------------------------------------


def memory() -> dict[str, int | None]:
    """This process's resident set now and its peak, in bytes (``/proc/self/status``;
    elsewhere only the peak, from ``getrusage``)."""
    rss = hwm = None
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    value = int(line.split()[1]) * 1024
                    if line.startswith("VmRSS:"):
                        rss = value
                    else:
                        hwm = value
    except OSError:
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        hwm = peak if sys.platform == "darwin" else peak * 1024
    return {"rss": rss, "peak": hwm}


def reset_peak() -> bool:
    """Start the peak over from the current resident set (Linux: ``clear_refs`` 5), so
    that a peak measured later is the work's, not the imports'."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# -- a side as a child process ----------------------------------------------------------


def serve(handlers: dict[str, Callable[..., dict[str, Any]]]) -> None:
    """A side's loop in its child process: one JSON command a line on stdin
    (``{"do": name, ...arguments}``), one JSON reply a line on the process's stdout, until
    ``end``. Whatever else the side prints goes to stderr. An exception ends the process
    (its traceback on stderr); the parent then stops with an error."""
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    for line in sys.stdin:
        command = json.loads(line)
        name = command.pop("do")
        replies.write(json.dumps(handlers[name](**command)) + "\n")
        replies.flush()
        if name == "end":
            break
