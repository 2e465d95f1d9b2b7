"""Attribute expressions and attribute dimensions on straight hypercube columns: the
cells' qAttrExps / qAttrDims, and the columns' qAttrExprInfo / qAttrDimInfo."""

from __future__ import annotations

from typing import Any, cast

from associa.calc import HyperCube
from associa.calc.pages import same_parts
from associa.model.builder import model_from_rows
from associa.select import Inference
from associa.values import DEFAULT_LOCALE
from tests.calc import state_of
from tests.calc.test_hypercube import SHOP

MODEL = model_from_rows(cast(Any, SHOP))


def table(dims: list[dict[str, Any]], measures: list[dict[str, Any]],
          **selections: list[Any]) -> dict[str, Any]:
    definition = {"qDimensions": dims, "qMeasures": measures,
                  "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 5, "qHeight": 20}]}
    inf = Inference(MODEL, state_of(MODEL, **selections))
    return HyperCube(MODEL, inf, definition, DEFAULT_LOCALE).layout()


def country(**extra: Any) -> dict[str, Any]:
    return {"qDef": {"qFieldDefs": ["Country"]}, **extra}


def amount(**extra: Any) -> dict[str, Any]:
    return {"qDef": {"qDef": "Sum(Amount)"}, **extra}


def matrix(layout: dict[str, Any]) -> list[list[dict[str, Any]]]:
    return layout["qDataPages"][0]["qMatrix"]


def attr_exps(cell: dict[str, Any]) -> list[dict[str, Any]]:
    return cell["qAttrExps"]["qValues"]


def test_values_per_row_on_a_dimension_and_a_measure() -> None:
    lay = table([country(qAttributeExpressions=[
        {"qExpression": "If(Sum(Amount)>100, RGB(255,0,0))", "qAttribute": True,
         "id": "colorByExpression"},
        {"qExpression": "Only(Country) & '!'", "qAttribute": True}])],
        [amount(qAttributeExpressions=[{"qExpression": "Count(Order)", "qAttribute": True}])])
    rows = matrix(lay)
    assert [r[0]["qText"] for r in rows] == ["Sweden", "Germany", "Norway", "-"]
    sweden, germany, norway, null = rows
    # evaluated in the row's group: a dual keeps its text and number; a text has NaN
    assert attr_exps(sweden[0]) == [{"qText": "RGB(255,0,0)", "qNum": 4294901760},
                                    {"qText": "Sweden!", "qNum": "NaN"}]
    # NULL: no text
    assert attr_exps(germany[0])[0] == {"qNum": "NaN"}
    assert attr_exps(sweden[1]) == [{"qText": "3", "qNum": 3}]
    assert attr_exps(norway[1]) == [{"qText": "0", "qNum": 0}]
    # the members follow qState; qIsNull stays last
    assert list(null[0]) == ["qText", "qNum", "qElemNumber", "qState", "qAttrExps", "qIsNull"]
    assert list(sweden[1]) == ["qText", "qNum", "qElemNumber", "qState", "qAttrExps"]
    # a column without attributes has no such members
    plain = table([country()], [amount()])
    assert "qAttrExps" not in matrix(plain)[0][0]
    assert "qAttrExps" not in matrix(plain)[0][1]


def test_infos_range_format_and_the_clients_members() -> None:
    lay = table([country(qAttributeExpressions=[
        {"qExpression": "Sum(Amount)/4", "qAttribute": True, "id": "a", "cId": "x1"},
        {"qExpression": "'red'", "qLabel": "colour", "qAttribute": True}])],
        [amount(qAttributeExpressions=[
            {"qExpression": "Sum(Amount)", "qAttribute": True,
             "qNumFormat": {"qType": "F", "qnDec": 2, "qFmt": "#,##0.00", "qDec": ".",
                            "qThou": ","}}])])
    first, second = lay["qDimensionInfo"][0]["qAttrExprInfo"]
    assert first == {"qMin": 0, "qMax": 42.5, "qFallbackTitle": "Sum(Amount)/4",
                     "qMinText": "0", "qMaxText": "42.5",
                     "qNumFormat": first["qNumFormat"], "qIsAutoFormat": True,
                     "id": "a", "cId": "x1"}
    assert first["qNumFormat"]["qType"] == "R"
    # no numbers: no texts of the range, the unknown format
    assert second == {"qMin": "NaN", "qMax": "NaN", "qFallbackTitle": "colour",
                      "qNumFormat": {"qType": "U", "qnDec": 0, "qUseThou": 0},
                      "qIsAutoFormat": True}
    (measured,) = lay["qMeasureInfo"][0]["qAttrExprInfo"]
    assert measured["qMaxText"] == "170.00" and measured["qIsAutoFormat"] is False
    assert attr_exps(matrix(lay)[0][1]) == [{"qText": "170.00", "qNum": 170}]
    assert lay["qDimensionInfo"][0]["qAttrDimInfo"] == []
    assert lay["qMeasureInfo"][0]["qAttrDimInfo"] == []


def test_range_over_the_rows_shown() -> None:
    lay = table([country(qAttributeExpressions=[{"qExpression": "Sum(Amount)",
                                                 "qAttribute": True}])],
                [amount()], Country=["Germany", "Sweden"])
    info = lay["qDimensionInfo"][0]["qAttrExprInfo"][0]
    assert (info["qMin"], info["qMax"]) == (0, 170)


def test_sets_inside_attribute_expressions() -> None:
    lay = table([country(qAttributeExpressions=[
        {"qExpression": "Sum({1} Amount)", "qAttribute": True},
        {"qExpression": "Sum({<Prod={Doll}>} Amount)", "qAttribute": True}])],
        [amount()], Prod=["Ball"])
    rows = matrix(lay)
    assert [r[0]["qText"] for r in rows][:1] == ["Sweden"]
    sweden = rows[0]
    assert sweden[1]["qText"] == "150"
    assert attr_exps(sweden[0]) == [{"qText": "170", "qNum": 170},
                                    {"qText": "20", "qNum": 20}]


def test_errors_give_null_values() -> None:
    lay = table([country()], [amount(qAttributeExpressions=[
        {"qExpression": "Sum(Nope)", "qAttribute": True},
        {"qExpression": "Sum(", "qAttribute": True},
        {"qExpression": "", "qAttribute": True}])])
    for row in matrix(lay):
        assert attr_exps(row[1]) == [{"qNum": "NaN"}] * 3
    infos = lay["qMeasureInfo"][0]["qAttrExprInfo"]
    assert [i["qMin"] for i in infos] == ["NaN"] * 3
    assert "qError" not in lay["qMeasureInfo"][0]  # the measure itself is fine


def test_inter_record_functions() -> None:
    lay = table([country(qAttributeExpressions=[
        {"qExpression": "RowNo()", "qAttribute": True},
        {"qExpression": "Above(Sum(Amount))", "qAttribute": True}])],
        [amount(qSortBy={"qSortByNumeric": -1})], )
    rows = matrix(lay)
    assert [attr_exps(r[0])[0]["qNum"] for r in rows] == [1, 2, 3, 4]
    assert attr_exps(rows[0][0])[1] == {"qNum": "NaN"}
    assert attr_exps(rows[1][0])[1]["qNum"] == 170


def test_totals_row_has_no_attribute_values() -> None:
    lay = table([country()], [amount(qAttributeExpressions=[
        {"qExpression": "Count(Order)", "qAttribute": True}])])
    assert lay["qGrandTotalRow"] == [{"qText": "177", "qNum": 177, "qElemNumber": -1,
                                      "qState": "X", "qIsTotalCell": True}]


def test_without_q_attribute_it_counts_for_zero_suppression() -> None:
    base = {"qExpression": "Count(Order)"}
    counted = table([country(qAttributeExpressions=[base])], [amount()])
    assert len(matrix(counted)) == 4
    definition = {"qDimensions": [country(qAttributeExpressions=[base])],
                  "qMeasures": [amount()], "qSuppressZero": True,
                  "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 9}]}
    inf = Inference(MODEL, state_of(MODEL))
    kept = HyperCube(MODEL, inf, definition, DEFAULT_LOCALE).layout()
    # Germany's amount is 0 but it has an order: kept; Norway (no order) is not
    assert [r[0]["qText"] for r in matrix(kept)] == ["Sweden", "Germany", "-"]
    definition["qDimensions"] = [country(qAttributeExpressions=[{**base, "qAttribute": True}])]
    pruned = HyperCube(MODEL, inf, definition, DEFAULT_LOCALE).layout()
    assert [r[0]["qText"] for r in matrix(pruned)] == ["Sweden", "-"]


def test_attribute_dimensions() -> None:
    lay = table([{"qDef": {"qFieldDefs": ["Prod"]}, "qAttributeDimensions": [
        {"qDef": "Kind", "qAttribute": True, "id": "colorByDimension"},
        {"qDef": "Country", "qAttribute": True},
        {"qDef": "=Upper(Prod)", "qAttribute": True},
        {"qDef": "Nope", "qAttribute": True}]}], [amount()])
    rows = matrix(lay)
    assert [r[0]["qText"] for r in rows] == ["Ball", "Doll", "Kite"]
    ball, doll, kite = (r[0]["qAttrDims"]["qValues"] for r in rows)
    toy = MODEL.fields["Kind"].symbols
    sweden = MODEL.fields["Country"].symbols
    toy_no = next(i for i in range(len(toy)) if toy.text(i) == "Toy")
    sweden_no = next(i for i in range(len(sweden)) if sweden.text(i) == "Sweden")
    assert ball[0] == {"qText": "Toy", "qElemNo": toy_no}
    assert ball[1] == {"qText": "Sweden", "qElemNo": sweden_no}
    # a row with more than one value (Doll: Sweden, Germany and an unknown customer),
    # or none (Kite was never ordered): NULL
    assert doll[1] == {"qText": "-", "qElemNo": -2}
    assert kite[1] == {"qText": "-", "qElemNo": -2}
    assert [v[2]["qText"] for v in (ball, doll, kite)] == ["BALL", "DOLL", "KITE"]
    assert ball[3] == {"qText": "-", "qElemNo": -2}
    infos = lay["qDimensionInfo"][0]["qAttrDimInfo"]
    assert infos[0] == {"qCardinal": 2, "qSize": {"qcx": 1, "qcy": 2},
                        "qFallbackTitle": "Kind", "id": "colorByDimension"}
    assert infos[1]["qSize"] == {"qcx": 1, "qcy": 1}
    assert infos[2]["qIsCalculated"] is True and infos[2]["qSize"]["qcy"] == 3
    assert infos[3]["qError"]["qErrorCode"] == 7000


def test_data_parts_follow_the_attribute_values() -> None:
    def parts(expr: str) -> tuple:
        definition = {"qDimensions": [country(qAttributeExpressions=[
            {"qExpression": expr, "qAttribute": True}])], "qMeasures": [amount()]}
        inf = Inference(MODEL, state_of(MODEL))
        return HyperCube(MODEL, inf, definition, DEFAULT_LOCALE).data_parts()

    assert same_parts(parts("Count(Order)"), parts("Count(Order)"))
    assert not same_parts(parts("Count(Order)"), parts("Count(Order)+1"))


def test_attributes_add_no_rows() -> None:
    # Country's table has a customer without orders: as an attribute it adds no row of
    # NULL products; without qAttribute it counts as a dimension's field would
    lay = table([{"qDef": {"qFieldDefs": ["Prod"]}, "qAttributeDimensions": [
        {"qDef": "Country", "qAttribute": True}]}], [amount()])
    assert [r[0]["qText"] for r in matrix(lay)] == ["Ball", "Doll", "Kite"]
    lay = table([{"qDef": {"qFieldDefs": ["Prod"]}, "qAttributeExpressions": [
        {"qExpression": "Only(Country)", "qAttribute": True}]}], [amount()])
    assert [r[0]["qText"] for r in matrix(lay)] == ["Ball", "Doll", "Kite"]
    lay = table([{"qDef": {"qFieldDefs": ["Prod"]}, "qAttributeDimensions": [
        {"qDef": "Country"}]}], [amount()])
    assert [r[0]["qText"] for r in matrix(lay)] == ["Ball", "Doll", "Kite", "-"]


def test_a_set_in_an_attribute_expression_adds_no_rows() -> None:
    """The rows are the measures' (here the selection's); a set only an attribute
    expression reads is read for those rows, and reaches no other."""
    plain = table([country()], [amount()], Prod=["Ball"])
    lay = table([country(qAttributeExpressions=[
        {"qExpression": "Sum({1} Amount)", "qAttribute": True}])], [amount()], Prod=["Ball"])
    assert [r[0]["qText"] for r in matrix(lay)] == [r[0]["qText"] for r in matrix(plain)]
    with_set = table([country()], [amount(), {"qDef": {"qDef": "Sum({1} Amount)"}}],
                     Prod=["Ball"])
    assert len(matrix(with_set)) > len(matrix(plain))  # a measure's set does add rows


def test_a_set_only_attributes_read_takes_total_and_aggr() -> None:
    """A set that only attribute expressions read is read like a measure's: TOTAL over
    all its records, and Aggr over its records (its virtual rows counted in the row of
    their records), still adding no rows."""
    plain = table([country()], [amount()], Prod=["Ball"])
    lay = table([country(qAttributeExpressions=[
        {"qExpression": "Sum({1} Amount) / Sum({1} TOTAL Amount)", "qAttribute": True},
        {"qExpression": "Min({1} Aggr({1} Sum(Amount), Country, Prod))", "qAttribute": True},
        {"qExpression": "Min({1} Aggr(Sum(Amount), Country, Prod))", "qAttribute": True}])],
        [amount()], Prod=["Ball"])
    rows = matrix(lay)
    assert [r[0]["qText"] for r in rows] == [r[0]["qText"] for r in matrix(plain)]
    sweden = next(r for r in rows if r[0]["qText"] == "Sweden")
    share, least, selected = attr_exps(sweden[0])
    # Sweden's orders: 100 + 50 (Ball) and 20 (Doll) of 177 in all; its products' sums
    # under {1}: Ball 150, Doll 20; the outer set alone leaves the inner Sum in the
    # selection (Ball: 150), as a measure's would
    assert share["qNum"] == 170 / 177
    assert least["qNum"] == 20
    assert selected["qNum"] == 150
