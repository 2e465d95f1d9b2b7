"""Generic-object properties as the engine stores and answers them: its member order and
defaults, short enums, false and empty members left out, the client's keys kept."""

from __future__ import annotations

import json
from typing import Any

import pytest

from associa.app.properties import (
    MAX_DEPTH,
    custom_keys,
    normalise,
    normalise_struct,
    object_info,
    public_properties,
)
from associa.errors import InvalidParameters


def same(a: Any, b: Any) -> bool:
    """Equal, key order included."""
    return json.dumps(a) == json.dumps(b)


def cube(**members: Any) -> dict[str, Any]:
    return normalise({"qInfo": {"qId": "o", "qType": "t"}, "qHyperCubeDef": members})[
        "qHyperCubeDef"
    ]


def test_a_bare_list_object_gets_the_engine_defaults() -> None:
    out = normalise({"qInfo": {"qType": "listbox"},
                     "qListObjectDef": {"qDef": {"qFieldDefs": ["Region"]}}})
    assert same(out, {
        "qInfo": {"qId": "", "qType": "listbox"},
        "qMetaDef": {},
        "qListObjectDef": {
            "qDef": {"qGrouping": "N", "qFieldDefs": ["Region"], "qFieldLabels": [],
                     "qSortCriterias": [], "qNumberPresentations": [], "qActiveField": 0},
            "qFrequencyMode": "N",
            "qInitialDataFetch": [],
            "qExpressions": [],
        },
    })


def test_engine_members_first_in_its_order_then_the_client_keys_as_sent() -> None:
    out = normalise({"z": 1, "qHyperCubeDef": {"mine": 1, "qMode": "S", "qDimensions": []},
                     "qInfo": {"qType": "t", "x": 1, "qId": "o"}, "a": 2})
    assert list(out) == ["qInfo", "qMetaDef", "z", "qHyperCubeDef", "a"]
    assert list(out["qInfo"]) == ["qId", "qType", "x"]
    keys = list(out["qHyperCubeDef"])
    assert keys[:3] == ["qDimensions", "qMeasures", "qInterColumnSortOrder"]
    assert keys[-1] == "mine" and keys[-2] == "qDynamicScript"


def test_the_hypercube_defaults() -> None:
    out = cube()
    assert out["qMode"] == "S" and out["qReductionMode"] == "N"
    assert out["qNoOfLeftDims"] == -1 and out["qPseudoDimPos"] == -1
    assert out["qMaxStackedCells"] == 5000
    assert out["qCalcCondition"] == {"qCond": {}, "qMsg": {}} and out["qTitle"] == {}
    for absent in ("qStateName", "qSuppressZero", "qSortbyYValue", "qContextSetExpression"):
        assert absent not in out


def test_measure_and_sort_defaults() -> None:
    (measure,) = cube(qMeasures=[{"qDef": {"qDef": "Sum(x)"}}])["qMeasures"]
    assert list(measure) == ["qDef", "qSortBy", "qAttributeExpressions", "qAttributeDimensions",
                             "qCalcCond", "qCalcCondition", "qTrendLines", "qMiniChartDef"]
    assert measure["qSortBy"] == {"qExpression": {}}
    assert "qNumFormat" not in measure["qDef"]  # as the engine answers (corectl golden)
    assert measure["qMiniChartDef"]["qMaxNumberPoints"] == -1
    fmt = cube(qMeasures=[{"qDef": {"qNumFormat": {"qFmt": "#,##0", "qType": "F"}}}])
    assert same(fmt["qMeasures"][0]["qDef"]["qNumFormat"],
                {"qType": "F", "qnDec": 10, "qUseThou": 0, "qFmt": "#,##0"})


@pytest.mark.parametrize(
    ("member", "sent", "kept"),
    [
        ("qMode", "DATA_MODE_PIVOT", "P"),
        ("qMode", 1, "P"),
        ("qMode", "K", "K"),
        ("qReductionMode", "DATA_REDUCTION_ONEDIM", "D1"),
    ],
)
def test_enums_in_their_short_form(member: str, sent: Any, kept: str) -> None:
    assert cube(**{member: sent})[member] == kept


def test_other_enums_in_their_short_form() -> None:
    lo = normalise({"qListObjectDef": {"qFrequencyMode": "NX_FREQUENCY_VALUE"}})
    assert lo["qListObjectDef"]["qFrequencyMode"] == "V"
    dim = cube(qDimensions=[{"qDef": {"qGrouping": "GRP_NX_COLLECTION"},
                             "qOtherTotalSpec": {"qOtherMode": 1}}])["qDimensions"][0]
    assert dim["qDef"]["qGrouping"] == "C"
    assert dim["qOtherTotalSpec"]["qOtherMode"] == "OTHER_COUNTED"
    assert normalise_struct("FieldAttributes", {"qType": "INTEGER"})["qType"] == "I"
    assert normalise_struct("FieldAttributes", {"qType": 12})["qType"] == "M"


def test_false_empty_and_zero_flags_are_left_out() -> None:
    out = cube(qStateName="", qSuppressZero=False, qSuppressMissing=True, qSortbyYValue=0,
               qDimensions=[{"qDef": {"qSortCriterias": [
                   {"qSortByState": 0, "qSortByAscii": -1, "qExpression": {"qv": ""}}]},
                   "qNullSuppression": False, "qLibraryId": ""}])
    assert "qStateName" not in out and "qSuppressZero" not in out and "qSortbyYValue" not in out
    assert out["qSuppressMissing"] is True
    (dim,) = out["qDimensions"]
    assert "qNullSuppression" not in dim and "qLibraryId" not in dim
    assert same(dim["qDef"]["qSortCriterias"], [{"qSortByAscii": -1, "qExpression": {}}])
    assert dim["qDef"]["qActiveField"] == 0  # numbers stay, 0 included


def test_an_explicit_false_survives_where_the_default_is_true() -> None:
    spec = cube(qDimensions=[{"qOtherTotalSpec": {"qForceBadValueKeeping": False}}])[
        "qDimensions"][0]["qOtherTotalSpec"]
    assert spec["qForceBadValueKeeping"] is False
    assert spec["qApplyEvenWhenPossiblyWrongResult"] is True


def test_null_means_not_given() -> None:
    out = cube(qMode=None, qDimensions=[{"qLibraryId": None, "qDef": None}])
    assert out["qMode"] == "S"
    assert out["qDimensions"][0]["qDef"]["qFieldDefs"] == []


def test_lenient_forms() -> None:
    out = cube(qTitle="=Sum(x)", qSuppressMissing=1, qNoOfLeftDims=2.0,
               qDimensions=[{"qDef": {"qSortCriterias": [{"qSortByAscii": True}]}}])
    assert out["qTitle"] == {"qv": "=Sum(x)"}
    assert out["qSuppressMissing"] is True and out["qNoOfLeftDims"] == 2
    assert out["qDimensions"][0]["qDef"]["qSortCriterias"][0]["qSortByAscii"] == 1


def test_client_keys_are_kept_as_sent() -> None:
    props = {
        "qInfo": {"qId": "o"},
        "qMetaDef": {"title": "", "description": False, "qHyperCubeDef": {"raw": 1}},
        "title": "", "showTitles": False, "rank": None, "n": 0,
        "panel": [{"inner": {"qListObjectDef": {"qShowAlternatives": False}}}],
        "thumbnail": {"qStaticContentUrlDef": {"qUrl": ""}},
    }
    out = normalise(props)
    assert out["qMetaDef"] == props["qMetaDef"]  # qMetaDef belongs to the client
    assert out["title"] == "" and out["showTitles"] is False and out["rank"] is None
    assert out["n"] == 0
    inner = out["panel"][0]["inner"]["qListObjectDef"]
    assert "qShowAlternatives" not in inner and inner["qFrequencyMode"] == "N"
    assert out["thumbnail"] == {"qStaticContentUrlDef": {}}


def test_normalising_twice_changes_nothing() -> None:
    once = normalise({"qInfo": {"qType": "t"}, "qHyperCubeDef": {
        "qDimensions": [{"qDef": {"qFieldDefs": ["A"], "qSortCriterias": [{"qSortByAscii": 1}]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(B)"}, "qSortBy": {"qSortByNumeric": -1}}],
        "qInitialDataFetch": [{"qWidth": 2, "qHeight": 5}], "x": {"qListObjectDef": {}}}})
    assert same(normalise(once), once)


@pytest.mark.parametrize(
    ("props", "parameter"),
    [
        ({"qHyperCubeDef": {"qMode": "X"}}, "/qHyperCubeDef/qMode"),
        ({"qHyperCubeDef": {"qMode": True}}, "/qHyperCubeDef/qMode"),
        ({"qHyperCubeDef": {"qDimensions": "Region"}}, "/qHyperCubeDef/qDimensions"),
        ({"qHyperCubeDef": {"qDimensions": [5]}}, "/qHyperCubeDef/qDimensions/0"),
        ({"qHyperCubeDef": {"qDimensions": [{"qDef": {"qFieldDefs": ["A", 1]}}]}},
         "/qHyperCubeDef/qDimensions/0/qDef/qFieldDefs/1"),
        ({"qListObjectDef": {"qDef": {"qSortCriterias": [{"qSortByAscii": 200}]}}},
         "/qListObjectDef/qDef/qSortCriterias/0/qSortByAscii"),
        ({"qListObjectDef": {"qDef": {"qSortCriterias": [{"qSortByAscii": 1.5}]}}},
         "/qListObjectDef/qDef/qSortCriterias/0/qSortByAscii"),
        ({"qHyperCubeDef": {"qNoOfLeftDims": 2**31}}, "/qHyperCubeDef/qNoOfLeftDims"),
        ({"qHyperCubeDef": {"qNoOfLeftDims": float("nan")}}, "/qHyperCubeDef/qNoOfLeftDims"),
        ({"qHyperCubeDef": {"qNoOfLeftDims": "NaN"}}, "/qHyperCubeDef/qNoOfLeftDims"),
        ({"qHyperCubeDef": {"qInitialDataFetch": [{"qTop": -1}]}},
         "/qHyperCubeDef/qInitialDataFetch/0/qTop"),
        ({"qHyperCubeDef": {"qSuppressZero": "yes"}}, "/qHyperCubeDef/qSuppressZero"),
        ({"qHyperCubeDef": {"qSuppressZero": float("inf")}}, "/qHyperCubeDef/qSuppressZero"),
        ({"qHyperCubeDef": {"qTitle": 5}}, "/qHyperCubeDef/qTitle"),
        ({"qHyperCubeDef": []}, "/qHyperCubeDef"),
        ({"x": [{"qListObjectDef": "Region"}]}, "/x/0/qListObjectDef"),
        ({"qInfo": {"qId": 5}}, "/qInfo/qId"),
        ({"qExtendsId": ["a"]}, "/qExtendsId"),
    ],
)
def test_values_the_engine_cannot_take_are_refused(props: dict[str, Any],
                                                    parameter: str) -> None:
    with pytest.raises(InvalidParameters) as caught:
        normalise(props)
    assert caught.value.code == 8 and caught.value.parameter == parameter


def test_nesting_is_limited() -> None:
    def nested(levels: int) -> dict[str, Any]:
        node: dict[str, Any] = {}
        for _ in range(levels):
            node = {"n": node}
        return node

    assert normalise(nested(MAX_DEPTH - 1))
    with pytest.raises(InvalidParameters, match="deeper"):
        normalise(nested(MAX_DEPTH + 5))
    with pytest.raises(InvalidParameters):
        normalise("not an object")


def test_return_empty_writes_every_member() -> None:
    stored = normalise({"qListObjectDef": {"qDef": {"qSortCriterias": [{"qSortByAscii": 1}]}}})
    full = public_properties(stored, return_empty=True)
    assert list(full) == ["qInfo", "qExtendsId", "qMetaDef", "qStateName", "qListObjectDef"]
    lo = full["qListObjectDef"]
    assert lo["qStateName"] == "" and lo["qShowAlternatives"] is False
    assert "qAutoSortByState" not in lo  # not filled: the engine has none either
    assert same(lo["qDef"]["qSortCriterias"], [{
        "qSortByState": 0, "qSortByFrequency": 0, "qSortByNumeric": 0, "qSortByAscii": 1,
        "qSortByLoadOrder": 0, "qSortByExpression": 0, "qExpression": {"qv": ""},
        "qSortByGreyness": 0,
    }])
    assert same(normalise(full), stored)
    copy = public_properties(stored)
    assert copy == stored and copy is not stored


def test_library_items_as_the_engine_answers_them() -> None:
    """corectl's GetProperties goldens of a GenericMeasure and a GenericDimension."""
    measure = normalise_struct("NxLibraryMeasureDef",
                               {"title": "Sum of numbers", "qDef": "Sum(numbers)"})
    assert same(measure, {"qDef": "Sum(numbers)", "qGrouping": "N", "qExpressions": [],
                          "qActiveExpression": 0,
                          "qNumFormat": {"qType": "U", "qnDec": 10, "qUseThou": 0},
                          "title": "Sum of numbers"})
    dim = normalise_struct("NxLibraryDimensionDef", {"qFieldDefs": ["abcs"]})
    assert same(dim, {"qGrouping": "N", "qFieldDefs": ["abcs"], "qFieldLabels": []})


def test_custom_keys_and_info() -> None:
    definition = cube(extra=1)
    assert custom_keys("qHyperCubeDef", definition) == ["extra"]
    assert custom_keys("qMetaDef", {"title": "x"}) == []
    assert custom_keys("notADefinition", {"a": 1}) == []
    assert same(object_info({"qInfo": {"qType": "t", "more": 1, "qId": "o"}}),
                {"qId": "o", "qType": "t", "more": 1})
    assert object_info({"qInfo": 5}) == {"qId": "", "qType": ""}
