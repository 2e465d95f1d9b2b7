"""Range functions over Above/Below ranges whose count differs from row to row (running
totals, ``RangeSum(Above(Sum(Sales), 0, RowNo()))``): RangeSum, RangeCount and RangeAvg
read prefix sums and RangeMin/RangeMax a sparse table (``expr/ranges.py``), and give what
the general path (a value per row and place in the range) gives."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from associa.calc import HyperCube
from associa.expr import ranges
from associa.model import DataModel
from associa.model.builder import model_from_rows
from associa.select import Inference, SelectionState
from associa.values import DEFAULT_LOCALE


def _cells(model: DataModel, dims: list[str], measures: list[str], height: int,
           **extra: Any) -> tuple[list[list[Any]], list[Any]]:
    definition = {
        "qDimensions": [{"qDef": {"qFieldDefs": [d]}} for d in dims],
        "qMeasures": [{"qDef": {"qDef": m}} for m in measures],
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": len(dims) + len(measures),
                               "qHeight": height}],
        **extra,
    }
    layout = HyperCube(model, Inference(model, SelectionState()), definition,
                       DEFAULT_LOCALE).layout()
    for info in layout["qMeasureInfo"]:
        assert "qError" not in info, info
    rows = [[(c["qText"], c.get("qNum")) for c in row]
            for row in layout["qDataPages"][0]["qMatrix"]]
    totals = [(c.get("qText"), c.get("qNum")) for c in layout["qGrandTotalRow"]]
    return rows, totals


def _close(a: list[list[Any]], b: list[list[Any]]) -> None:
    assert len(a) == len(b)
    for ra, rb in zip(a, b, strict=True):
        for (ta, na), (tb, nb) in zip(ra, rb, strict=True):
            if isinstance(na, float) and isinstance(nb, float) and not (ta == "-" or tb == "-"):
                assert na == pytest.approx(nb, rel=1e-9, abs=1e-9), (ra, rb)
            else:
                assert (ta, na) == (tb, nb), (ra, rb)


# a measure with numbers, NULLs and text
M = "If(Sum(V) > 6, Sum(V), If(Sum(V) > 3, 'low'))"
MEASURES = [
    f"RangeSum(Above({M}, 0, RowNo()))",
    f"RangeAvg(Above({M}, 1, RowNo()))",
    f"RangeCount(Above({M}, 0, RowNo()))",
    f"RangeMin(Below({M}, 0, NoOfRows() - RowNo() + 1))",
    f"RangeMax(Above(TOTAL {M}, 0, RowNo(TOTAL)))",
    f"RangeSum(Above({M}, -1, 3), 5, {M})",
    f"RangeMin(Below({M}, 2, Mod(RowNo(), 4)), 7)",
    f"RangeMax(Above({M}, 0, 2), Below(Sum(V), 1, RowNo()))",
    f"RangeAvg(Below(TOTAL {M}, 1, 5), 'x', Above(Sum(V), 0, RowNo()))",
    f"RangeCount(Above({M}, 0, RowNo()), Null(), 'a')",
    f"RangeMin(Above({M}, 0, 1 + Mod(RowNo() * 7, 5)))",
]


@pytest.mark.parametrize("seed", range(6))
def test_windows_equal_the_general_path(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    model = model_from_rows({"T": {
        "A": [f"a{int(x)}" for x in rng.integers(0, 4, n)],
        "B": [int(x) for x in rng.integers(0, 12, n)],
        "V": [None if x < 0 else int(x) for x in rng.integers(-2, 10, n)],
    }})
    for dims in (["B"], ["A", "B"]):
        fast = _cells(model, dims, MEASURES, 200)
        monkeypatch.setattr(ranges, "_windowed", lambda *args: None)
        slow = _cells(model, dims, MEASURES, 200)
        monkeypatch.undo()
        _close(fast[0], slow[0])
        _close([fast[1]], [slow[1]])


def test_running_sum_over_200000_rows() -> None:
    """A running total over 200,000 rows (the general path would hold 200,000 ** 2
    values): RangeSum, RangeCount, RangeAvg and RangeMax of Above(..., 0, RowNo())."""
    n = 200_000
    rng = np.random.default_rng(7)
    sales = rng.integers(0, 1000, n)
    model = model_from_rows({"T": {"K": list(range(n)), "Sales": [int(x) for x in sales]}})
    rows, _ = _cells(model, ["K"], [
        "RangeSum(Above(Sum(Sales), 0, RowNo()))",
        "RangeCount(Above(Sum(Sales), 0, RowNo()))",
        "RangeAvg(Above(Sum(Sales), 0, RowNo()))",
        "RangeMax(Above(Sum(Sales), 0, RowNo()))",
    ], 2000, qInterColumnSortOrder=[0])
    assert len(rows) == 2000  # the first page
    running = np.cumsum(sales)
    got = np.array([r[1][1] for r in rows])
    assert np.array_equal(got, running[:2000].astype(np.float64))
    assert [r[2][1] for r in rows] == list(range(1, 2001))
    assert np.allclose([r[3][1] for r in rows], running[:2000] / np.arange(1, 2001))
    assert np.array_equal([r[4][1] for r in rows], np.maximum.accumulate(sales)[:2000])


def test_running_sum_last_rows_of_200000() -> None:
    """The last page of the same table: the running total of every row."""
    n = 200_000
    sales = np.random.default_rng(8).integers(-500, 1000, n)
    model = model_from_rows({"T": {"K": list(range(n)), "Sales": [int(x) for x in sales]}})
    definition = {
        "qDimensions": [{"qDef": {"qFieldDefs": ["K"]}}],
        "qMeasures": [{"qDef": {"qDef": "RangeSum(Above(Sum(Sales), 0, RowNo()))"}}],
        "qInitialDataFetch": [{"qLeft": 0, "qTop": n - 1000, "qWidth": 2, "qHeight": 1000}],
    }
    layout = HyperCube(model, Inference(model, SelectionState()), definition,
                       DEFAULT_LOCALE).layout()
    got = np.array([row[1]["qNum"] for row in layout["qDataPages"][0]["qMatrix"]])
    assert np.array_equal(got, np.cumsum(sales)[-1000:].astype(np.float64))
