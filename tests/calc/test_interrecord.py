"""Chart inter-record functions in straight tables (``calc/interrecord.py``,
``expr/interrecord.py``): the worked examples of Qlik's help pages (Above, Top, RowNo,
Rank), moving sums through range functions, column segments with two dimensions against
TOTAL, rows sorted by a measure, and the totals row."""

from __future__ import annotations

from typing import Any

import pytest

from associa.calc import HyperCube
from associa.errors import ExpressionError
from associa.expr import Evaluator, parse
from associa.model import DataModel
from associa.script import run_script
from associa.select import Inference, SelectionState
from associa.values import DEFAULT_LOCALE

# the Above and Top help pages' data: Sum(Sales) per Customer
CUSTOMERS = "T: LOAD * INLINE [\nCustomer, Sales\nAstrida, 587\nBetacab, 539\nCanutility, 683\nDivadip, 757\n];"
# the ranking examples (QlikView help, "Examples of Chart Ranking functions")
MONTHS = ("T: LOAD * INLINE [\nGroup, Month, Val\nA, 1, 17\nB, 2, 9\nB, 3, 22\nA, 4, 16\n"
          "B, 5, 10\nB, 6, 5\nA, 7, 11\nA, 8, 20\n];")


def _model(script: str) -> DataModel:
    return run_script(script).model


def table(model: DataModel, dims: list[str], measures: list[str | dict[str, Any]],
          **extra: Any) -> tuple[list[list[str]], list[str | None], list[Any]]:
    """The rows' texts, the totals row's texts and the measures' errors."""
    definition = {
        "qDimensions": [{"qDef": {"qFieldDefs": [d]}} for d in dims],
        "qMeasures": [m if isinstance(m, dict) else {"qDef": {"qDef": m}} for m in measures],
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": len(dims) + len(measures),
                               "qHeight": 100}],
        **extra,
    }
    layout = HyperCube(model, Inference(model, SelectionState()), definition,
                       DEFAULT_LOCALE).layout()
    rows = [[c["qText"] for c in row] for row in layout["qDataPages"][0]["qMatrix"]]
    totals = [c.get("qText") for c in layout["qGrandTotalRow"]]
    errors = [m.get("qError") for m in layout["qMeasureInfo"]]
    return rows, totals, errors


def column(rows: list[list[str]], i: int) -> list[str]:
    return [r[i] for r in rows]


def test_above_help_example() -> None:
    rows, totals, errors = table(_model(CUSTOMERS), ["Customer"], [
        "Sum(Sales)", "Above(Sum(Sales))", "Sum(Sales) + Above(Sum(Sales))",
        "Sum(Sales) + Above(Sum(Sales), 3)",
        "If(Sum(Sales) > Above(Sum(Sales)), 'Higher')"])
    assert errors == [None] * 5
    assert rows == [
        ["Astrida", "587", "-", "-", "-", "-"],
        ["Betacab", "539", "587", "1126", "-", "-"],
        ["Canutility", "683", "539", "1222", "-", "Higher"],
        ["Divadip", "757", "683", "1440", "1344", "Higher"],
    ]
    assert totals[0] == "2566" and totals[1:] == ["-"] * 4  # no row above the totals


def test_below_offsets_and_negative_offsets() -> None:
    rows, _, _ = table(_model(CUSTOMERS), ["Customer"], [
        "Below(Sum(Sales))", "Below(Sum(Sales), 2)", "Above(Sum(Sales), -1)",
        "Above(Sum(Sales), 0)", "Below(Sum(Sales), -1)"])
    assert column(rows, 1) == ["539", "683", "757", "-"]
    assert column(rows, 2) == ["683", "757", "-", "-"]
    assert column(rows, 3) == column(rows, 1)
    assert column(rows, 4) == ["587", "539", "683", "757"]
    assert column(rows, 5) == ["-", "587", "539", "683"]


def test_top_and_bottom_help_example() -> None:
    rows, totals, _ = table(_model(CUSTOMERS), ["Customer"], [
        "Sum(Sales)", "Top(Sum(Sales))", "Sum(Sales) + Top(Sum(Sales))",
        "Sum(Sales) + Top(Sum(Sales), 3)", "Bottom(Sum(Sales))", "Bottom(Sum(Sales), 2)",
        "Top(Sum(Sales), -1)"])
    assert column(rows, 2) == ["587"] * 4
    assert column(rows, 3) == ["1174", "1126", "1270", "1344"]
    assert column(rows, 4) == ["1270", "1222", "1366", "1440"]
    assert column(rows, 5) == ["757"] * 4
    assert column(rows, 6) == ["683"] * 4
    assert column(rows, 7) == ["757"] * 4
    # one dimension: the totals row belongs to the whole column's segment
    assert totals[:5] == ["2566", "587", "3153", "3249", "757"]


def test_moving_and_running_sums_through_range_functions() -> None:
    rows, totals, errors = table(_model(CUSTOMERS), ["Customer"], [
        "RangeSum(Above(Sum(Sales), 0, 3))", "RangeAvg(Above(Sum(Sales), 0, 2))",
        "RangeSum(Above(Sum(Sales), 0, RowNo()))", "RangeCount(Above(Sum(Sales), 1, 2))",
        "RangeSum(Below(Sum(Sales), 0, 2), 1000)", "RangeMax(Top(Sum(Sales), 1, 3))",
        "Above(Sum(Sales), 0, 3)"])
    assert errors == [None] * 7
    assert column(rows, 1) == ["587", "1126", "1809", "1979"]
    assert column(rows, 2) == ["587", "563", "611", "720"]
    assert column(rows, 3) == ["587", "1126", "1809", "2566"]
    assert column(rows, 4) == ["0", "1", "2", "2"]
    assert column(rows, 5) == ["2126", "2222", "2440", "1757"]
    assert column(rows, 6) == ["683"] * 4
    assert column(rows, 7) == ["587", "539", "683", "757"]  # a range alone: its first value
    assert totals[0] == "0"  # RangeSum of no number


def test_segments_of_two_dimensions_against_total() -> None:
    model = _model(MONTHS)
    rows, totals, _ = table(model, ["Group", "Month"], [
        "Sum(Val)", "Rank(Sum(Val))", "Rank(TOTAL Sum(Val))", "RowNo()", "RowNo(TOTAL)",
        "NoOfRows()", "NoOfRows(TOTAL)", "Above(Sum(Val))", "Above(TOTAL Sum(Val))",
        "Top(Sum(Val))", "Top(TOTAL Sum(Val))"])
    assert column(rows, 1) == ["1", "4", "7", "8", "2", "3", "5", "6"]
    assert column(rows, 3) == ["2", "3", "4", "1", "3", "1", "2", "4"]
    assert column(rows, 4) == ["3", "4", "5", "2", "7", "1", "6", "8"]
    assert column(rows, 5) == ["1", "2", "3", "4", "1", "2", "3", "4"]
    assert column(rows, 6) == [str(i) for i in range(1, 9)]
    assert column(rows, 7) == ["4"] * 8
    assert column(rows, 8) == ["8"] * 8
    assert column(rows, 9) == ["-", "17", "16", "11", "-", "9", "22", "10"]
    assert column(rows, 10) == ["-", "17", "16", "11", "20", "9", "22", "10"]
    assert column(rows, 11) == ["17"] * 4 + ["9"] * 4
    assert column(rows, 12) == ["17"] * 8
    # the totals row: Rank and RowNo NULL; without TOTAL no segment is the totals row's
    assert totals[0] == "110"
    assert totals[1:5] == ["-"] * 4
    assert totals[5:7] == ["-", "8"]
    assert totals[7:] == ["-", "-", "-", "17"]


def test_the_segment_drops_the_last_dimension_of_the_sort_order() -> None:
    # the Top help example 2: dimensions Month, Grp sorted by Grp first
    model = _model("T: LOAD * INLINE [\nMonth, Grp, Val\n1, A, 1\n2, A, 3\n3, A, 5\n"
                   "1, B, 2\n2, B, 4\n3, B, 6\n];")
    rows, totals, _ = table(model, ["Month", "Grp"], [
        "Sum(Val)", "Top(Sum(Val))", "Top(TOTAL Sum(Val))", "RowNo()"],
        qInterColumnSortOrder=[1, 0, 2, 3, 4, 5])
    assert [r[:2] for r in rows] == [["1", "A"], ["2", "A"], ["3", "A"],
                                     ["1", "B"], ["2", "B"], ["3", "B"]]
    assert column(rows, 3) == ["1", "1", "1", "2", "2", "2"]
    assert column(rows, 4) == ["1"] * 6
    assert column(rows, 5) == ["1", "2", "3"] * 2
    assert totals[:5] == ["21", "-", "1", "-"][:4] + totals[4:5]


def test_rows_sorted_by_a_measure() -> None:
    # sorted by Sum(Sales) descending: the inter-record functions follow the display
    # order; their own column does not sort
    by_sales = {"qDef": {"qDef": "Sum(Sales)"}, "qSortBy": {"qSortByNumeric": -1}}
    rows, _, errors = table(_model(CUSTOMERS), ["Customer"], [
        by_sales, "RowNo()", "Above(Sum(Sales))", "RangeSum(Above(Sum(Sales), 0, RowNo()))",
        "Rank(Sum(Sales))"], qInterColumnSortOrder=[1, 2, 0])
    assert errors == [None] * 5
    assert column(rows, 0) == ["Divadip", "Canutility", "Astrida", "Betacab"]
    assert column(rows, 2) == ["1", "2", "3", "4"]
    assert column(rows, 3) == ["-", "757", "683", "587"]
    assert column(rows, 4) == ["757", "1440", "2027", "2566"]
    assert column(rows, 5) == ["1", "2", "3", "4"]


def test_rank_ties_modes_and_formats() -> None:
    model = _model("T: LOAD * INLINE [\nK, V\na, 5\nb, 7\nc, 7\nd, 1\ne, 3\nf, 3\ng, 3\nh, 9\n];")
    measures = ["Sum(V)"] + [f"Rank(Sum(V), {m})" for m in range(5)] + [
        "Rank(Sum(V), 0, 1)", "Rank(Sum(V), 4, 2)"]
    rows, totals, _ = table(model, ["K"], measures)
    # values a..h: 5 7 7 1 3 3 3 9; ranks: h 1, b/c 2-3, a 4, e/f/g 5-7, d 8 (middle 4.5)
    assert column(rows, 2) == ["4", "2 - 3", "2 - 3", "8", "5 - 7", "5 - 7", "5 - 7", "1"]
    nums = [[c for c in r] for r in rows]
    assert nums  # texts above, numbers below
    definition_nums = _numbers(model, ["K"], measures)
    assert [r[1] for r in definition_nums] == [4, 2, 2, 8, 7, 7, 7, 1]  # mode 0
    assert [r[2] for r in definition_nums] == [4, 2, 2, 8, 5, 5, 5, 1]  # lowest
    assert [r[3] for r in definition_nums] == [4, 2.5, 2.5, 8, 6, 6, 6, 1]  # average
    assert [r[4] for r in definition_nums] == [4, 3, 3, 8, 7, 7, 7, 1]  # highest
    assert [r[5] for r in definition_nums] == [4, 2, 3, 8, 5, 6, 7, 1]  # one more each
    assert column(rows, 7) == ["4", "2", "2", "8", "5", "5", "5", "1"]
    assert column(rows, 8) == ["4", "2", "", "8", "5", "", "", "1"]
    assert totals[1:] == ["-"] * 7


def _numbers(model: DataModel, dims: list[str], measures: list[str]) -> list[list[float]]:
    definition = {
        "qDimensions": [{"qDef": {"qFieldDefs": [d]}} for d in dims],
        "qMeasures": [{"qDef": {"qDef": m}} for m in measures],
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": len(dims) + len(measures),
                               "qHeight": 100}],
    }
    layout = HyperCube(model, Inference(model, SelectionState()), definition,
                       DEFAULT_LOCALE).layout()
    return [[c["qNum"] for c in row[len(dims):]] for row in layout["qDataPages"][0]["qMatrix"]]


def test_rank_disregards_null() -> None:
    model = _model("T: LOAD * INLINE [\nK, V\na, 5\nb, x\nc, 7\n];")
    rows, _, _ = table(model, ["K"], ["Rank(Sum(V))", "Rank(Only(V))"])
    assert column(rows, 1) == ["2", "3", "1"]  # Sum of a text is 0
    assert column(rows, 2) == ["2", "-", "1"]


def test_column_dimensionality_and_pivot_only_functions() -> None:
    rows, totals, errors = table(_model(MONTHS), ["Group", "Month"], [
        "Sum(Val)", "Column(1) * 2", "Column(4)", "Dimensionality()",
        "SecondaryDimensionality()", "Before(Sum(Val))", "After(Sum(Val))",
        "First(Sum(Val))", "Last(Sum(Val))", "HRank(Sum(Val))", "ColumnNo()",
        "NoOfColumns()", "Column(2)"])
    assert errors == [None] * 13
    assert column(rows, 3)[:2] == ["34", "32"]
    assert column(rows, 4)[0] == "2"  # Column(4) is Dimensionality()
    assert column(rows, 5) == ["2"] * 8
    assert column(rows, 6) == ["0"] * 8
    for i in range(7, 14):
        assert column(rows, i) == ["-"] * 8
    assert column(rows, 14)[:2] == ["34", "32"]  # another measure's inter-record values
    assert totals[1:4] == ["220", "0", "0"]


def test_recursive_calls_give_null() -> None:
    rows, _, _ = table(_model(CUSTOMERS), ["Customer"], [
        "Above(Above(Sum(Sales)))", "Column(1)", "Above(RowNo())"])
    assert column(rows, 1) == ["-"] * 4
    assert column(rows, 2) == ["-"] * 4
    assert column(rows, 3) == ["-"] * 4


def test_only_in_charts() -> None:
    from associa.calc.aggregate import RecordScope
    from associa.calc.records import Records

    model = _model(CUSTOMERS)
    scope = RecordScope(model, Records.single(), DEFAULT_LOCALE)
    for text, name in [("Above(1)", "Above"), ("Rank(1)", "Rank"), ("NoOfRows()", "NoOfRows"),
                       ("Column(1)", "Column"), ("Dimensionality()", "Dimensionality")]:
        with pytest.raises(ExpressionError, match=f"{name}\\(\\) is only available in charts"):
            Evaluator(DEFAULT_LOCALE).eval(parse(text), scope)
    with pytest.raises(ExpressionError, match="RowNo\\(\\) is only available in a load script"):
        Evaluator(DEFAULT_LOCALE).eval(parse("RowNo()"), scope)


def test_load_script_rowno_and_noofrows_keep_their_meaning() -> None:
    model = _model("T: LOAD * INLINE [\nA\nx\ny\nz\n];\n"
                   "U: LOAD A as B, RowNo() as R, NoOfRows('T') as N RESIDENT T;")
    table_u = model.tables["U"]
    texts = [model.fields["R"].symbols.text(int(c)) for c in table_u.columns["R"]]
    assert texts == ["1", "2", "3"]
    assert model.fields["N"].symbols.text(int(table_u.columns["N"][0])) == "3"


def test_sort_expressions_and_pruning_ignore_inter_record_measures() -> None:
    # suppress-zero prunes by the measures known before the order
    model = _model("T: LOAD * INLINE [\nK, V\na, 1\nb, 0\nc, 2\n];")
    rows, _, _ = table(model, ["K"], ["Sum(V)", "RowNo()"], qSuppressZero=True)
    assert rows == [["a", "1", "1"], ["c", "2", "2"]]


def test_a_calculated_dimension_makes_segments_too() -> None:
    rows, _, errors = table(_model(MONTHS), ["=Group & ''", "Month"], ["RowNo()", "RowNo(TOTAL)"])
    assert errors == [None, None]
    assert column(rows, 2) == ["1", "2", "3", "4"] * 2
    assert column(rows, 3) == [str(i) for i in range(1, 9)]
