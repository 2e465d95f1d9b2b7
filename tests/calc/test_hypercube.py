"""Straight hypercubes on small hand-checked models."""

from __future__ import annotations

from typing import Any

import pytest

from associa.calc import CalcError, HyperCube
from associa.model import DataModel
from associa.model.builder import model_from_rows
from associa.select import Inference, SelectionState
from associa.values import DEFAULT_LOCALE
from tests.calc import state_of

# the data of qlik-oss/corectl's test connector (numbers is a key: in both tables)
CORECTL = {
    "TableA": {"abcs": ["a", "b", "b", "b", "c"], "numbers": [1, 2, 3, 4, 5]},
    "TableB": {"xyz": ["x", "y", "y", "y", "z"], "numbers": [5, 4, 3, 2, 1]},
}

# customers 1-4 (4 in Norway has no orders), an order of unknown customer 9, and a
# product (Kite) that was never ordered
SHOP = {
    "Customers": {"Cust": [1, 2, 3, 4], "Country": ["Sweden", "Sweden", "Germany", "Norway"]},
    "Orders": {
        "Order": [10, 11, 12, 13, 14],
        "Cust": [1, 2, 3, 9, 1],
        "Prod": ["Ball", "Ball", "Doll", "Doll", "Doll"],
        "Amount": [100, 50, 0, 7, 20],
        "Year": [2023, 2024, 2024, 2024, 2024],
    },
    "Products": {"Prod": ["Ball", "Doll", "Kite"], "Kind": ["Toy", "Toy", "Outdoor"]},
}


def model_of(tables: dict[str, dict[str, list]]) -> DataModel:
    return model_from_rows(tables)


def inference(model: DataModel, **selections: list[Any]) -> Inference:
    return Inference(model, state_of(model, **selections))


def dim(field: str, **criteria: int) -> dict[str, Any]:
    qdef: dict[str, Any] = {"qFieldDefs": [field]}
    if criteria:
        qdef["qSortCriterias"] = [criteria]
    return {"qDef": qdef}


def measure(expr: str, **sort_by: int) -> dict[str, Any]:
    out: dict[str, Any] = {"qDef": {"qDef": expr}}
    if sort_by:
        out["qSortBy"] = sort_by
    return out


def cube(
    model: DataModel,
    dims: list[dict[str, Any]],
    measures: list[dict[str, Any]],
    inf: Inference | None = None,
    **extra: Any,
) -> HyperCube:
    definition: dict[str, Any] = {
        "qDimensions": dims,
        "qMeasures": measures,
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 10, "qHeight": 100}],
        **extra,
    }
    return HyperCube(model, inf or Inference(model, SelectionState()), definition, DEFAULT_LOCALE)


def texts(layout: dict[str, Any]) -> list[list[str]]:
    return [[c["qText"] for c in row] for row in layout["qDataPages"][0]["qMatrix"]]


def totals(layout: dict[str, Any]) -> list[str]:
    return [c["qText"] for c in layout["qGrandTotalRow"]]


# -- the corectl goldens (real engine output) --------------------------------------------


def test_count_by_xyz_matches_the_corectl_golden_layout() -> None:
    """qlik-oss/corectl test/golden/TestObjectManagementCommands_object_layout_object-using-inline
    (Qlik Core 12.1050): count(numbers) by xyz, the measure sorted by frequency."""
    model = model_of(CORECTL)
    definition = {
        "qDimensions": [{"qDef": {"qFieldDefs": ["xyz"]}}],
        "qMeasures": [{"qDef": {"qDef": "count(numbers)"}, "qSortBy": {"qSortByFrequency": 1}}],
        "qInitialDataFetch": [{"qWidth": 50, "qHeight": 20}],
    }
    layout = HyperCube(
        model, Inference(model, SelectionState()), definition, DEFAULT_LOCALE
    ).layout()

    def cell(text: str, num: Any, elem: int, state: str) -> dict[str, Any]:
        return {"qText": text, "qNum": num, "qElemNumber": elem, "qState": state}

    assert layout == {
        "qSize": {"qcx": 2, "qcy": 3},
        "qDimensionInfo": [
            {
                "qFallbackTitle": "xyz",
                "qApprMaxGlyphCount": 1,
                "qCardinal": 3,
                "qSortIndicator": "N",
                "qGroupFallbackTitles": ["xyz"],
                "qGroupPos": 0,
                "qStateCounts": {
                    "qLocked": 0,
                    "qSelected": 0,
                    "qOption": 3,
                    "qDeselected": 0,
                    "qAlternative": 0,
                    "qExcluded": 0,
                    "qSelectedExcluded": 0,
                    "qLockedExcluded": 0,
                },
                "qTags": ["$ascii", "$text"],
                "qDimensionType": "D",
                "qGrouping": "N",
                "qNumFormat": {"qType": "U", "qnDec": 0, "qUseThou": 0},
                "qIsAutoFormat": True,
                "qGroupFieldDefs": ["xyz"],
                "qMin": "NaN",
                "qMax": "NaN",
                "qAttrExprInfo": [],
                "qAttrDimInfo": [],
                "qCardinalities": {
                    "qCardinal": 3,
                    "qHypercubeCardinal": 3,
                    "qAllValuesCardinal": -1,
                },
            }
        ],
        "qMeasureInfo": [
            {
                "qFallbackTitle": "count(numbers)",
                "qApprMaxGlyphCount": 1,
                "qCardinal": 0,
                "qSortIndicator": "A",
                "qNumFormat": {
                    "qType": "I",
                    "qnDec": 0,
                    "qUseThou": 1,
                    "qFmt": "###0",
                    "qDec": ".",
                },
                "qMin": 1,
                "qMax": 3,
                "qIsAutoFormat": True,
                "qAttrExprInfo": [],
                "qAttrDimInfo": [],
                "qTrendLines": [],
            }
        ],
        "qEffectiveInterColumnSortOrder": [0, 1],
        "qGrandTotalRow": [
            {"qText": "5", "qNum": 5, "qElemNumber": -1, "qState": "X", "qIsTotalCell": True}
        ],
        "qDataPages": [
            {
                "qMatrix": [
                    [cell("x", "NaN", 0, "O"), cell("1", 1, 0, "L")],
                    [cell("y", "NaN", 1, "O"), cell("3", 3, 0, "L")],
                    [cell("z", "NaN", 2, "O"), cell("1", 1, 0, "L")],
                ],
                "qTails": [{"qUp": 0, "qDown": 0}],
                "qArea": {"qLeft": 0, "qTop": 0, "qWidth": 2, "qHeight": 3},
            }
        ],
        "qPivotDataPages": [],
        "qStackedDataPages": [],
        "qMode": "S",
        "qNoOfLeftDims": -1,
        "qTreeNodesOnDim": [],
        "qColumnOrder": [],
    }
    # the engine's member order (the golden is the engine's bytes, indented)
    assert list(layout["qDimensionInfo"][0]) == [
        "qFallbackTitle", "qApprMaxGlyphCount", "qCardinal", "qSortIndicator",
        "qGroupFallbackTitles", "qGroupPos", "qStateCounts", "qTags", "qDimensionType",
        "qGrouping", "qNumFormat", "qIsAutoFormat", "qGroupFieldDefs", "qMin", "qMax",
        "qAttrExprInfo", "qAttrDimInfo", "qCardinalities",
    ]
    assert list(layout["qMeasureInfo"][0]["qNumFormat"]) == [
        "qType", "qnDec", "qUseThou", "qFmt", "qDec",
    ]


def test_count_of_key_without_dimension_is_distinct() -> None:
    """corectl TestBasicAnalyzing eval count(numbers): 5 (numbers is in both tables)."""
    model = model_of(CORECTL)
    layout = cube(model, [], [measure("Count(numbers)")]).layout()
    assert layout["qSize"] == {"qcx": 1, "qcy": 1}
    assert texts(layout) == [["5"]]
    assert totals(layout) == ["5"]


def test_count_of_key_with_duplicates_counts_distinct_values() -> None:
    model = model_of({"A": {"K": [1, 1, 2], "X": ["p", "q", "q"]}, "B": {"K": [1, 2, 2]}})
    layout = cube(model, [dim("X")], [measure("Count(K)"), measure("Count(DISTINCT K)")]).layout()
    assert texts(layout) == [["p", "1", "1"], ["q", "2", "2"]]
    assert totals(layout) == ["2", "2"]


# -- dimensions and measures -------------------------------------------------------------


def test_two_dimensions_through_a_key() -> None:
    model = model_of(CORECTL)
    layout = cube(model, [dim("abcs"), dim("xyz")], [measure("Sum(numbers)")]).layout()
    assert texts(layout) == [["a", "z", "1"], ["b", "y", "9"], ["c", "x", "5"]]
    assert totals(layout) == ["15"]


def test_selection_restricts_rows_and_marks_dimension_cells_selected() -> None:
    model = model_of(CORECTL)
    inf = inference(model, abcs=["b"])
    layout = cube(model, [dim("abcs"), dim("xyz")], [measure("Sum(numbers)")], inf).layout()
    assert texts(layout) == [["b", "y", "9"]]
    row = layout["qDataPages"][0]["qMatrix"][0]
    assert [row[0]["qState"], row[1]["qState"], row[2]["qState"]] == ["S", "O", "L"]
    assert row[0]["qElemNumber"] == 1
    assert totals(layout) == ["9"]


def test_aggregations_and_expression_total() -> None:
    model = model_of({"T": {"D": ["a", "a", "b", "b"], "V": [1, 2, 2, 3]}})
    layout = cube(
        model,
        [dim("D")],
        [
            measure("Sum(V)"),
            measure("Count(V)"),
            measure("Count(DISTINCT V)"),
            measure("Avg(V)"),
            measure("Min(V)"),
            measure("Max(V)"),
        ],
    ).layout()
    assert texts(layout) == [
        ["a", "3", "2", "2", "1.5", "1", "2"],
        ["b", "5", "2", "2", "2.5", "2", "3"],
    ]
    # the total is the expression over all records, not the sum of the rows
    assert totals(layout) == ["8", "4", "3", "2", "1", "3"]


def test_total_qualifier() -> None:
    model = model_of(CORECTL)
    layout = cube(
        model,
        [dim("abcs")],
        [
            measure("Sum(numbers)"),
            measure("Sum(TOTAL numbers)"),
            measure("Sum(numbers) / Sum(TOTAL numbers)"),
        ],
    ).layout()
    assert texts(layout) == [
        ["a", "1", "15", "0.066666666666667"],
        ["b", "9", "15", "0.6"],
        ["c", "5", "15", "0.33333333333333"],
    ]
    assert totals(layout) == ["15", "15", "1"]


def test_total_with_field_list_keeps_that_dimension() -> None:
    model = model_of(SHOP)
    layout = cube(
        model,
        [dim("Country"), dim("Year")],
        [measure("Sum(Amount)"), measure("Sum(TOTAL <Country> Amount)")],
        qSuppressZero=True,
    ).layout()
    rows = {(r[0], r[1]): r[2:] for r in texts(layout)}
    assert rows == {
        ("Sweden", "2023"): ["100", "170"],
        ("Sweden", "2024"): ["70", "170"],
        ("-", "2024"): ["7", "7"],
    }


def test_missing_association_gives_null_dimension_cells() -> None:
    model = model_of(SHOP)
    layout = cube(
        model, [dim("Country")], [measure("Sum(Amount)"), measure("Min(Amount)")]
    ).layout()
    assert texts(layout) == [
        ["Sweden", "170", "20"],
        ["Germany", "0", "0"],
        ["Norway", "0", "-"],  # a customer without orders: Sum over no rows is 0
        ["-", "7", "7"],  # the order of unknown customer 9
    ]
    null_row = layout["qDataPages"][0]["qMatrix"][3]
    assert null_row[0] == {
        "qText": "-",
        "qNum": "NaN",
        "qElemNumber": -2,
        "qState": "O",
        "qIsNull": True,
    }
    norway_min = layout["qDataPages"][0]["qMatrix"][2][2]
    assert norway_min["qIsNull"] is True and norway_min["qNum"] == "NaN"
    assert totals(layout) == ["177", "0"]


def test_null_suppression_on_a_dimension() -> None:
    model = model_of(SHOP)
    dims = [dim("Country")]
    dims[0]["qNullSuppression"] = True
    layout = cube(model, dims, [measure("Sum(Amount)")]).layout()
    assert [r[0] for r in texts(layout)] == ["Sweden", "Germany", "Norway"]
    assert layout["qSize"]["qcy"] == 3


def test_two_dimensions_full_outer_join() -> None:
    """Norway (no orders) pairs with a NULL product, Kite (never ordered) with a NULL
    country, and the order of the unknown customer with a NULL country."""
    model = model_of(SHOP)
    layout = cube(model, [dim("Country"), dim("Prod")], [measure("Sum(Amount)")]).layout()
    rows = {(r[0], r[1]): r[2] for r in texts(layout)}
    assert rows == {
        ("Sweden", "Ball"): "150",
        ("Sweden", "Doll"): "20",
        ("Germany", "Doll"): "0",
        ("Norway", "-"): "0",
        ("-", "Doll"): "7",
        ("-", "Kite"): "0",
    }


def test_dimension_on_a_key_lists_the_values_of_every_table() -> None:
    model = model_of(SHOP)
    layout = cube(model, [dim("Cust")], [measure("Sum(Amount)")]).layout()
    assert sorted(texts(layout)) == [["1", "120"], ["2", "50"], ["3", "0"], ["4", "0"], ["9", "7"]]
    layout = cube(model, [dim("Prod")], []).layout()
    assert texts(layout) == [["Ball"], ["Doll"], ["Kite"]]


def test_selection_keeps_customers_without_orders_possible() -> None:
    model = model_of(SHOP)
    inf = inference(model, Country=["Norway", "Germany"])
    layout = cube(model, [dim("Country"), dim("Prod")], [measure("Sum(Amount)")], inf).layout()
    assert texts(layout) == [["Germany", "Doll", "0"], ["Norway", "-", "0"]]


def test_unlinked_tables_give_a_cartesian_product() -> None:
    model = model_of({"T1": {"A": ["p", "q"]}, "T2": {"B": [1, 2, 3], "V": [10, 20, 30]}})
    layout = cube(model, [dim("A"), dim("B")], [measure("Sum(V)")]).layout()
    assert layout["qSize"]["qcy"] == 6
    assert texts(layout) == [
        ["p", "1", "10"],
        ["p", "2", "20"],
        ["p", "3", "30"],
        ["q", "1", "10"],
        ["q", "2", "20"],
        ["q", "3", "30"],
    ]
    assert totals(layout) == ["60"]


def test_cube_without_dimensions_has_one_row() -> None:
    model = model_of(CORECTL)
    layout = cube(model, [], [measure("Sum(numbers)"), measure("Max(numbers)")]).layout()
    assert texts(layout) == [["15", "5"]]


def test_cube_without_measures_lists_combinations() -> None:
    model = model_of(CORECTL)
    layout = cube(model, [dim("abcs"), dim("xyz")], []).layout()
    assert texts(layout) == [["a", "z"], ["b", "y"], ["c", "x"]]
    assert layout["qGrandTotalRow"] == []


def test_empty_selection_result() -> None:
    model = model_of(CORECTL)
    inf = inference(model, abcs=["a"], xyz=["y"])
    layout = cube(
        model, [dim("abcs")], [measure("Sum(numbers)"), measure("Avg(numbers)")], inf
    ).layout()
    assert layout["qSize"] == {"qcx": 3, "qcy": 0}
    assert texts(layout) == []
    assert totals(layout) == ["0", "-"]


# -- suppression -------------------------------------------------------------------------


def _countries(layout: dict[str, Any]) -> list[str]:
    return [r[0] for r in texts(layout)]


def test_suppress_zero_removes_rows_whose_measures_are_all_zero_or_null() -> None:
    model = model_of(SHOP)
    layout = cube(model, [dim("Country")], [measure("Sum(Amount)")], qSuppressZero=True).layout()
    assert _countries(layout) == ["Sweden", "-"]
    assert layout["qSize"]["qcy"] == 2
    layout = cube(
        model,
        [dim("Country")],
        [measure("Sum(Amount)"), measure("Min(Amount)")],
        qSuppressZero=True,
    ).layout()
    assert _countries(layout) == ["Sweden", "-"]  # Germany (0, 0), Norway (0, NULL)
    layout = cube(
        model,
        [dim("Country")],
        [measure("Sum(Amount)"), measure("Count(Order)")],
        qSuppressZero=True,
    ).layout()
    assert _countries(layout) == ["Sweden", "Germany", "-"]  # Germany has one order


def test_suppress_missing_removes_rows_whose_measures_are_all_null() -> None:
    model = model_of(SHOP)
    both = [measure("Sum(Amount)"), measure("Min(Amount)")]
    layout = cube(model, [dim("Country")], both, qSuppressMissing=True).layout()
    assert _countries(layout) == ["Sweden", "Germany", "Norway", "-"]  # Norway's Sum is 0
    layout = cube(model, [dim("Country")], [measure("Min(Amount)")], qSuppressMissing=True).layout()
    assert _countries(layout) == ["Sweden", "Germany", "-"]
    assert layout["qSize"]["qcy"] == 3


def test_suppression_without_measures_removes_nothing() -> None:
    model = model_of(SHOP)
    layout = cube(model, [dim("Country")], [], qSuppressZero=True, qSuppressMissing=True).layout()
    assert _countries(layout) == ["Sweden", "Germany", "Norway"]


# -- sorting -----------------------------------------------------------------------------

NUMS = {"T": {"N": [3, 10, 1, 2], "L": ["c", "B", "a", "d"], "V": [5, 5, 7, 1]}}


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({}, ["3", "10", "1", "2"]),  # load order
        ({"qSortByNumeric": 1}, ["1", "2", "3", "10"]),
        ({"qSortByNumeric": -1}, ["10", "3", "2", "1"]),
        ({"qSortByAscii": 1}, ["1", "10", "2", "3"]),
        ({"qSortByAscii": -1}, ["3", "2", "10", "1"]),
        ({"qSortByLoadOrder": 1}, ["3", "10", "1", "2"]),
        ({"qSortByLoadOrder": -1}, ["2", "1", "10", "3"]),
        ({"qSortByState": 1, "qSortByNumeric": 1}, ["1", "2", "3", "10"]),
    ],
)
def test_dimension_sort_criteria(criteria: dict[str, int], expected: list[str]) -> None:
    model = model_of(NUMS)
    layout = cube(model, [dim("N", **criteria)], [measure("Sum(V)")]).layout()
    assert _countries(layout) == expected


def test_ascii_sort_is_case_insensitive() -> None:
    model = model_of(NUMS)
    layout = cube(model, [dim("L", qSortByAscii=1)], []).layout()
    assert _countries(layout) == ["a", "B", "c", "d"]
    assert layout["qDimensionInfo"][0]["qSortIndicator"] == "A"
    layout = cube(model, [dim("L", qSortByAscii=-1)], []).layout()
    assert _countries(layout) == ["d", "c", "B", "a"]
    assert layout["qDimensionInfo"][0]["qSortIndicator"] == "D"


def test_measure_sort_with_inter_column_sort_order() -> None:
    model = model_of(CORECTL)
    dims = [dim("abcs", qSortByAscii=1)]
    layout = cube(
        model, dims, [measure("Sum(numbers)", qSortByNumeric=-1)], qInterColumnSortOrder=[1, 0]
    ).layout()
    assert texts(layout) == [["b", "9"], ["c", "5"], ["a", "1"]]
    assert layout["qEffectiveInterColumnSortOrder"] == [1, 0]
    assert layout["qMeasureInfo"][0]["qSortIndicator"] == "D"
    layout = cube(
        model, dims, [measure("Sum(numbers)", qSortByNumeric=1)], qInterColumnSortOrder=[1, 0]
    ).layout()
    assert texts(layout) == [["a", "1"], ["c", "5"], ["b", "9"]]
    # the dimension first: the measure sort only breaks ties
    layout = cube(model, dims, [measure("Sum(numbers)", qSortByNumeric=-1)]).layout()
    assert texts(layout) == [["a", "1"], ["b", "9"], ["c", "5"]]
    assert layout["qEffectiveInterColumnSortOrder"] == [0, 1]


def test_measure_ties_fall_back_to_the_next_column() -> None:
    model = model_of(NUMS)
    layout = cube(
        model,
        [dim("L", qSortByAscii=-1)],
        [measure("Sum(V)", qSortByNumeric=1)],
        qInterColumnSortOrder=[1, 0],
    ).layout()
    assert texts(layout) == [["d", "1"], ["c", "5"], ["B", "5"], ["a", "7"]]


def test_inter_column_sort_order_over_two_dimensions() -> None:
    model = model_of(CORECTL)
    dims = [dim("abcs", qSortByAscii=1), dim("xyz", qSortByAscii=1)]
    layout = cube(model, dims, [], qInterColumnSortOrder=[1, 0]).layout()
    assert texts(layout) == [["c", "x"], ["b", "y"], ["a", "z"]]
    assert layout["qEffectiveInterColumnSortOrder"] == [1, 0]


# -- paging ------------------------------------------------------------------------------


def test_pages_are_clipped_to_the_data() -> None:
    model = model_of(CORECTL)
    hc = cube(model, [dim("xyz")], [measure("Count(numbers)")])
    page = hc.pages([{"qLeft": 1, "qTop": 1, "qWidth": 5, "qHeight": 5}])[0]
    assert page["qArea"] == {"qLeft": 1, "qTop": 1, "qWidth": 1, "qHeight": 2}
    assert [[c["qText"] for c in row] for row in page["qMatrix"]] == [["3"], ["1"]]
    past = hc.pages([{"qLeft": 0, "qTop": 7, "qWidth": 2, "qHeight": 5}])[0]
    assert past["qMatrix"] == []
    assert past["qArea"] == {"qLeft": 0, "qTop": 3, "qWidth": 2, "qHeight": 0}


def test_several_pages_in_one_call() -> None:
    model = model_of(CORECTL)
    hc = cube(model, [dim("xyz")], [measure("Count(numbers)")])
    first, second = hc.pages(
        [
            {"qLeft": 0, "qTop": 0, "qWidth": 1, "qHeight": 1},
            {"qLeft": 0, "qTop": 2, "qWidth": 2, "qHeight": 1},
        ]
    )
    assert [[c["qText"] for c in row] for row in first["qMatrix"]] == [["x"]]
    assert [[c["qText"] for c in row] for row in second["qMatrix"]] == [["z", "1"]]


def test_paging_through_many_rows() -> None:
    n = 12_345
    model = model_of({"T": {"K": list(range(n)), "V": [i % 7 for i in range(n)]}})
    hc = cube(model, [dim("K")], [measure("Sum(V)")])
    assert hc.size == {"qcx": 2, "qcy": n}
    seen: list[int] = []
    top = 0
    while top < n:
        page = hc.pages([{"qLeft": 0, "qTop": top, "qWidth": 2, "qHeight": 5000}])[0]
        seen.extend(int(row[0]["qNum"]) for row in page["qMatrix"])
        assert all(row[1]["qNum"] == row[0]["qNum"] % 7 for row in page["qMatrix"])
        top += page["qArea"]["qHeight"]
    assert seen == list(range(n))


def test_more_than_ten_thousand_cells_is_error_7009() -> None:
    model = model_of(CORECTL)
    hc = cube(model, [dim("xyz")], [measure("Count(numbers)")])
    assert len(hc.pages([{"qLeft": 0, "qTop": 0, "qWidth": 2, "qHeight": 5000}])[0]["qMatrix"]) == 3
    with pytest.raises(CalcError) as err:
        hc.pages([{"qLeft": 0, "qTop": 0, "qWidth": 2, "qHeight": 5001}])
    assert err.value.code == 7009
    with pytest.raises(CalcError):
        hc.pages(
            [
                {"qLeft": 0, "qTop": 0, "qWidth": 2, "qHeight": 2500},
                {"qLeft": 0, "qTop": 0, "qWidth": 1, "qHeight": 5001},
            ]
        )


def test_initial_data_fetch_too_large_gives_a_layout_error() -> None:
    model = model_of(CORECTL)
    hc = cube(model, [dim("xyz")], [measure("Count(numbers)")])
    hc.definition = {**hc.definition, "qInitialDataFetch": [{"qWidth": 2, "qHeight": 6000}]}
    layout = hc.layout()
    assert layout["qError"] == {"qErrorCode": 7009}
    assert layout["qDataPages"] == []
    assert layout["qSize"] == {"qcx": 2, "qcy": 3}


# -- errors ------------------------------------------------------------------------------


def test_dimension_on_unknown_field() -> None:
    model = model_of(CORECTL)
    layout = cube(model, [dim("nope")], [measure("Count(numbers)")]).layout()
    assert layout["qError"]["qErrorCode"] == 7000
    info = layout["qDimensionInfo"][0]
    assert info["qError"]["qErrorCode"] == 7000
    assert info["qFallbackTitle"] == "nope"


def test_measure_with_syntax_error_does_not_stop_the_others() -> None:
    model = model_of(CORECTL)
    layout = cube(
        model, [dim("abcs")], [measure("Sum(numbers"), measure("Count(numbers)")]
    ).layout()
    assert "qError" not in layout
    error = layout["qMeasureInfo"][0]["qError"]
    assert error["qErrorCode"] == 7000
    assert "qError" not in layout["qMeasureInfo"][1]
    assert texts(layout) == [["a", "-", "1"], ["b", "-", "3"], ["c", "-", "1"]]
    bad = layout["qDataPages"][0]["qMatrix"][0][1]
    assert bad["qIsNull"] is True and bad["qNum"] == "NaN"
    assert totals(layout) == ["-", "5"]


def test_measure_on_unknown_field() -> None:
    model = model_of(CORECTL)
    layout = cube(model, [dim("abcs")], [measure("Sum(nope)"), measure("Sum(numbers)")]).layout()
    assert layout["qMeasureInfo"][0]["qError"]["qErrorCode"] == 7000
    assert texts(layout) == [["a", "-", "1"], ["b", "-", "9"], ["c", "-", "5"]]


def test_nested_aggregation_without_total_is_an_error() -> None:
    model = model_of(CORECTL)
    layout = cube(model, [dim("abcs")], [measure("Sum(Sum(numbers))")]).layout()
    assert layout["qMeasureInfo"][0]["qError"]["qErrorCode"] == 7000
    assert texts(layout) == [["a", "-"], ["b", "-"], ["c", "-"]]
