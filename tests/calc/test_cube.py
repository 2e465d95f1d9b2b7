"""The cube computation: grand totals taken from the groups equal the measure over all
records; arithmetic arguments computed in fused passes equal the evaluator's; every
grouping path and every kernel backend gives the same layout; a cached cube keeps no
records and no selection state."""

from __future__ import annotations

import gc
import math
import random
import weakref
from typing import Any

import numpy as np
import pytest

from associa import kernels
from associa.calc import HyperCube, grouping
from associa.calc.aggregate import RecordScope
from associa.calc.numeric import Numbers, is_arithmetic
from associa.calc.records import associate
from associa.expr import Evaluator, ast, parse
from associa.model import DataModel
from associa.model.builder import model_from_rows
from associa.select import Inference, SelectionState
from associa.values import DEFAULT_LOCALE
from tests.calc.test_records import _selections, _star

MEASURES = [
    "Sum(Amount)",
    "Count(Amount)",
    "Count(DISTINCT CustID)",
    "Count(CustID)",
    "Count(DISTINCT Amount)",
    "Count(*)",
    "Avg(Amount)",
    "Min(Amount)",
    "Max(Amount) - Min(Amount)",
    "Only(Dept)",
    "Sum(DISTINCT Amount)",
    "Avg(DISTINCT Amount)",
    "Sum(Amount) / Count(OrderID)",
    "Sum(Amount * 2 - 1)",
    "Sum(-Amount / (OrderID - 3))",
    "Sum(TOTAL Amount)",
    "If(Sum(Amount) > 20, 'many', 'few')",
    "Country",
    "Count(Country & Dept)",
    "Sum(Amount) + Count(DISTINCT Category)",
]

DIMENSIONS = [["Country"], ["Dept", "ProdID"], ["Category"], ["OrderID"]]


def _model(seed: int) -> DataModel:
    return model_from_rows(_star(random.Random(seed), 60))


def _definition(dims: list[str], measures: list[str]) -> dict[str, Any]:
    width = len(dims) + len(measures)
    return {
        "qDimensions": [{"qDef": {"qFieldDefs": [d]}} for d in dims],
        "qMeasures": [{"qDef": {"qDef": m}} for m in measures],
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": width, "qHeight": 400}],
    }


def _cells(cells: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    return [(c["qText"], c["qNum"]) for c in cells]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("dims", DIMENSIONS, ids=" x ".join)
def test_totals_from_groups_are_the_measure_over_all_records(seed: int, dims: list[str]) -> None:
    model = _model(seed)
    for state in _selections(model, random.Random(seed), 5):
        inf = Inference(model, state)
        with_dims = HyperCube(model, inf, _definition(dims, MEASURES), DEFAULT_LOCALE).layout()
        alone = HyperCube(model, inf, _definition([], MEASURES), DEFAULT_LOCALE).layout()
        assert _cells(with_dims["qGrandTotalRow"]) == _cells(alone["qDataPages"][0]["qMatrix"][0])
        assert all("qError" not in info for info in with_dims["qMeasureInfo"])


ARITHMETIC = [
    "Amount * 2",
    "Amount + Amount",
    "-Amount",
    "+Amount / (Amount - 2)",
    "1e308 * Amount * 10",
    "Amount / 0",
    "OrderID - Amount * CustID",
    "(1 - Amount) * (Amount - 1) / 3",
]


@pytest.mark.parametrize("text", ARITHMETIC)
def test_fused_arithmetic_is_the_evaluators(text: str) -> None:
    model = _model(4)
    node = parse(text)
    assert is_arithmetic(node)
    for state in _selections(model, random.Random(4), 4):
        inf = Inference(model, state)
        records = associate(model, inf, ast.field_names(node))
        scope = RecordScope(model, records, DEFAULT_LOCALE)
        v = Evaluator(DEFAULT_LOCALE).eval(node, scope)
        want = np.where(v.null, math.nan, v.num)
        got = Numbers(model, scope.codes, records.n).evaluate(node)
        np.testing.assert_array_equal(got, want)


def test_only_arithmetic_is_fused() -> None:
    assert not is_arithmetic(parse("Amount"))
    assert not is_arithmetic(parse("If(Amount > 1, Amount, 0) * 2"))
    assert not is_arithmetic(parse("Amount & 'x'"))
    assert is_arithmetic(parse("-Amount"))


def _layouts(model: DataModel, states: list[SelectionState],
             measures: list[str] = MEASURES) -> list[dict[str, Any]]:
    out = []
    for state in states:
        inf = Inference(model, state)
        for dims in DIMENSIONS:
            out.append(HyperCube(model, inf, _definition(dims, measures), DEFAULT_LOCALE).layout())
    return out


def test_every_grouping_path_gives_the_same_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model(5)
    states = _selections(model, random.Random(5), 3)
    as_is = _layouts(model, states)
    monkeypatch.setattr(grouping, "SPACE_AS_IS", 0)  # compacted through a lookup table
    assert _layouts(model, states) == as_is
    monkeypatch.setattr(grouping, "SPACE_LUT", 0)  # compacted by sorting the keys
    assert _layouts(model, states) == as_is


def test_measures_evaluated_at_once_give_the_same_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    # over many records a chart's measures are evaluated in threads, one per core: the
    # same cells, totals and per-measure errors as one after the other
    from associa.calc import cube

    model = _model(8)
    states = _selections(model, random.Random(8), 3)
    monkeypatch.setattr(cube, "PARALLEL_MEASURES", 1 << 60)
    extra = ["Sum(NoSuchField)", "Sum(Amount"]
    one_by_one = _layouts(model, states, [*MEASURES, *extra])
    monkeypatch.setattr(cube, "PARALLEL_MEASURES", 0)
    at_once = _layouts(model, states, [*MEASURES, *extra])
    assert at_once == one_by_one
    infos = at_once[0]["qMeasureInfo"]
    assert infos[-2].get("qError") and infos[-1].get("qError")  # each its own error


@pytest.mark.parametrize("backend", kernels.available())
def test_every_kernel_backend_gives_the_same_layout(backend: str) -> None:
    model = _model(6)
    states = _selections(model, random.Random(6), 3)
    default = _layouts(model, states)
    with kernels.using(backend):
        assert _layouts(model, states) == default


def test_a_cube_keeps_its_answer_not_the_state() -> None:
    model = _model(7)
    inf = Inference(model, SelectionState())
    hc = HyperCube(model, inf, _definition(["Country"], ["Sum(Amount)", "Count(Dept)"]),
                   DEFAULT_LOCALE)
    before = hc.layout()
    gone = weakref.ref(inf)
    del inf
    gc.collect()
    assert gone() is None  # no row mask, no records held by the cube
    assert hc.layout() == before
    assert hc.pages([{"qLeft": 0, "qTop": 1, "qWidth": 3, "qHeight": 2}])[0]["qMatrix"] == (
        before["qDataPages"][0]["qMatrix"][1:3])


def test_extra_arguments_of_aggregations_reach_charts_as_in_group_by() -> None:
    # Concat's delimiter and sort weight and FirstSortedValue's weight: a chart by G gives
    # what a LOAD … GROUP BY G gives (the reducers are the same; the arguments must be too)
    from associa.calc import HyperCube
    from associa.script import run_script
    from associa.select import Inference, SelectionState
    from associa.values import DEFAULT_LOCALE

    exprs = ["Concat(Name, '|')", "Concat(Name, '-', W)", "FirstSortedValue(Name, W)",
             "FirstSortedValue(Name, -W)"]
    items = ", ".join(f"{e} as M{i}" for i, e in enumerate(exprs))
    model = run_script(
        "T: LOAD * INLINE [\nG, Name, W\na, x, 3\na, y, 1\nb, z, 2\nb, w, 5\na, v, 2\nc, u, 4\n];\n"
        f"R: LOAD G as RG, {items} RESIDENT T GROUP BY G;").model
    definition = {
        "qDimensions": [{"qDef": {"qFieldDefs": ["G"]}}],
        "qMeasures": [{"qDef": {"qDef": e}} for e in exprs],
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 1 + len(exprs), "qHeight": 10}],
    }
    layout = HyperCube(model, Inference(model, SelectionState()), definition,
                       DEFAULT_LOCALE).layout()
    chart = {row[0]["qText"]: [c["qText"] for c in row[1:]]
             for row in layout["qDataPages"][0]["qMatrix"]}
    table = model.tables["R"]

    def text(field: str, row: int) -> str:
        return model.fields[field].symbols.text(int(table.columns[field][row]))

    loaded = {text("RG", r): [text(f"M{i}", r) for i in range(len(exprs))]
              for r in range(table.nrows)}
    assert chart == loaded
    assert chart["a"] == ["v|x|y", "y-v-x", "y", "x"]
