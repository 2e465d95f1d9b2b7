"""Column infos shaped like the real engine's: NxDimensionInfo of list objects and hypercube
dimensions (number format, continuous axes, min/max, member order) and measure formats."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from associa.calc import HyperCube, ListObject
from associa.model import DataModel
from associa.model.builder import model_from_rows
from associa.select import Inference, SelectionState
from associa.values import DEFAULT_LOCALE, Locale
from tests.calc import state_of

# the enigma-go recording's data (RecNo() as ID, AutoGenerate 100), Value made deterministic
ENIGMA_GO = {"TempTable": {"ID": list(range(1, 101)), "Value": [(i * 37 % 100) / 100 for i in range(1, 101)]}}
# that engine's locale: decimal comma, no-break space between thousands
COMMA = Locale.from_variables({"DecimalSep": ",", "ThousandSep": "\u00a0"})

# member order of NxDimensionInfo: the corectl layout golden (a text dimension) and the
# enigma-go recording (a numeric one: qContinuousAxes right after qMax)
TEXT_ORDER = [
    "qFallbackTitle", "qApprMaxGlyphCount", "qCardinal", "qSortIndicator", "qGroupFallbackTitles",
    "qGroupPos", "qStateCounts", "qTags", "qDimensionType", "qGrouping", "qNumFormat",
    "qIsAutoFormat", "qGroupFieldDefs", "qMin", "qMax", "qAttrExprInfo", "qAttrDimInfo",
    "qCardinalities",
]  # fmt: skip
NUMERIC_ORDER = [*TEXT_ORDER[:15], "qContinuousAxes", *TEXT_ORDER[15:]]


def cube_info(
    model: DataModel,
    field: str,
    state: SelectionState | None = None,
    locale: Locale = DEFAULT_LOCALE,
    **extra: Any,
) -> dict[str, Any]:
    definition = {
        "qDimensions": [{"qDef": {"qFieldDefs": [field]}}],
        "qMeasures": [{"qDef": {"qDef": "=Sum(Value)"}}],
        "qInitialDataFetch": [{"qWidth": 2, "qHeight": 5}],
        **extra,
    }
    inf = Inference(model, state or SelectionState())
    return HyperCube(model, inf, definition, locale).layout()["qDimensionInfo"][0]


def list_info(
    model: DataModel,
    field: str,
    state: SelectionState | None = None,
    locale: Locale = DEFAULT_LOCALE,
    search: set[int] | None = None,
) -> dict[str, Any]:
    definition = {"qDef": {"qFieldDefs": [field]}, "qInitialDataFetch": []}
    inf = Inference(model, state or SelectionState())
    lo = ListObject(model, inf, definition, search, "x" if search is not None else "", locale)
    return lo.layout()["qDimensionInfo"]


def test_integer_dimension_like_the_enigma_go_recording() -> None:
    model = model_from_rows(ENIGMA_GO)
    info = cube_info(model, "ID", locale=COMMA)
    assert info == {
        "qFallbackTitle": "ID",
        "qApprMaxGlyphCount": 3,
        "qCardinal": 100,
        "qSortIndicator": "N",
        "qGroupFallbackTitles": ["ID"],
        "qGroupPos": 0,
        "qStateCounts": {
            "qLocked": 0, "qSelected": 0, "qOption": 100, "qDeselected": 0,
            "qAlternative": 0, "qExcluded": 0, "qSelectedExcluded": 0, "qLockedExcluded": 0,
        },
        "qTags": ["$numeric", "$integer"],
        "qDimensionType": "N",
        "qGrouping": "N",
        "qNumFormat": {"qType": "I", "qnDec": 0, "qUseThou": 1, "qFmt": "###0", "qDec": ","},
        "qIsAutoFormat": True,
        "qGroupFieldDefs": ["ID"],
        "qMin": 1,
        "qMax": 100,
        "qContinuousAxes": True,
        "qAttrExprInfo": [],
        "qAttrDimInfo": [],
        "qCardinalities": {"qCardinal": 100, "qHypercubeCardinal": 100, "qAllValuesCardinal": -1},
    }  # fmt: skip
    assert list(info) == NUMERIC_ORDER
    assert list(info["qNumFormat"]) == ["qType", "qnDec", "qUseThou", "qFmt", "qDec"]


def test_min_and_max_range_over_the_rows_of_the_cube() -> None:
    """After SelectHyperCubeCells rows 0, 2, 4 the recording shows qMin 1, qMax 5."""
    model = model_from_rows(ENIGMA_GO)
    info = cube_info(model, "ID", state_of(model, ID=[1, 3, 5]))
    assert (info["qMin"], info["qMax"]) == (1, 5)
    assert info["qStateCounts"]["qSelected"] == 3
    assert info["qStateCounts"]["qAlternative"] == 97
    assert info["qCardinal"] == 100
    assert info["qCardinalities"]["qHypercubeCardinal"] == 3
    # a selection elsewhere narrows them too
    info = cube_info(model, "ID", state_of(model, Value=[0.74, 0.11]))  # IDs 2 and 3
    assert (info["qMin"], info["qMax"]) == (2, 3)


def test_text_dimension_has_no_continuous_axes() -> None:
    model = model_from_rows({"T": {"Region": ["North", "South"], "Value": [1, 2]}})
    info = cube_info(model, "Region", locale=COMMA)
    assert info["qNumFormat"] == {"qType": "U", "qnDec": 0, "qUseThou": 0}
    assert info["qDimensionType"] == "D"
    assert (info["qMin"], info["qMax"]) == ("NaN", "NaN")
    assert list(info) == TEXT_ORDER


def test_mixed_field_is_a_text_dimension() -> None:
    model = model_from_rows({"T": {"Code": [1, "x", 3], "Value": [1, 2, 3]}})
    for info in (cube_info(model, "Code"), list_info(model, "Code")):
        assert info["qNumFormat"] == {"qType": "U", "qnDec": 0, "qUseThou": 0}
        assert (info["qDimensionType"], info["qMin"], info["qMax"]) == ("D", "NaN", "NaN")
        assert "qContinuousAxes" not in info


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            DEFAULT_LOCALE,
            {"qType": "R", "qnDec": 0, "qUseThou": 0, "qFmt": "##############", "qDec": ".",
             "qThou": ","},
        ),
        (
            COMMA,
            {"qType": "R", "qnDec": 0, "qUseThou": 0, "qFmt": "##############", "qDec": ",",
             "qThou": "\u00a0"},
        ),
        (
            Locale.from_variables({"ThousandSep": ""}),
            {"qType": "R", "qnDec": 0, "qUseThou": 0, "qFmt": "##############", "qDec": "."},
        ),
    ],
)
def test_real_valued_dimension_takes_the_automatic_real_format(
    locale: Locale, expected: dict[str, Any]
) -> None:
    model = model_from_rows(ENIGMA_GO)
    for info in (cube_info(model, "Value", locale=locale), list_info(model, "Value", locale=locale)):
        assert info["qNumFormat"] == expected
        assert info["qDimensionType"] == "N"
        assert info["qContinuousAxes"] is True
        assert (info["qMin"], info["qMax"]) == (0, 0.99)


def test_list_object_info_ranges_over_the_listed_values() -> None:
    model = model_from_rows(ENIGMA_GO)
    info = list_info(model, "ID", locale=COMMA)
    assert list(info) == NUMERIC_ORDER
    assert info["qNumFormat"] == {
        "qType": "I", "qnDec": 0, "qUseThou": 1, "qFmt": "###0", "qDec": ",",
    }  # fmt: skip
    assert (info["qMin"], info["qMax"]) == (1, 100)
    # a list object lists every value, excluded ones too
    info = list_info(model, "ID", state_of(model, ID=[4, 9]))
    assert (info["qMin"], info["qMax"]) == (1, 100)
    # while searching it lists the hits only
    sym = model.fields["ID"].symbols
    hits = {sym.find_number(12.0), sym.find_number(40.0), sym.find_number(7.0)}
    info = list_info(model, "ID", search={h for h in hits if h is not None})
    assert (info["qMin"], info["qMax"]) == (7, 40)


def test_locked_sits_after_the_cardinal() -> None:
    model = model_from_rows(ENIGMA_GO)
    state = state_of(model, ID=[2]).with_lock("ID", True)
    for info in (cube_info(model, "ID", state), list_info(model, "ID", state)):
        assert list(info)[:5] == [
            "qFallbackTitle", "qApprMaxGlyphCount", "qCardinal", "qLocked", "qSortIndicator",
        ]  # fmt: skip
        assert info["qLocked"] is True


def test_integer_measure_format_has_no_thousands_separator() -> None:
    """corectl layout golden: count(numbers) → {"qType":"I",...,"qDec":"."}, no qThou, under
    an en-US locale whose ThousandSep is ","; a real-valued measure keeps qThou (enigma-go)."""
    model = model_from_rows(ENIGMA_GO)
    definition = {
        "qDimensions": [],
        "qMeasures": [{"qDef": {"qDef": "Count(ID)"}}, {"qDef": {"qDef": "Sum(Value)"}}],
    }
    layout = HyperCube(model, Inference(model, SelectionState()), definition, COMMA).layout()
    formats = [m["qNumFormat"] for m in layout["qMeasureInfo"]]
    assert formats == [
        {"qType": "I", "qnDec": 0, "qUseThou": 1, "qFmt": "###0", "qDec": ","},
        {"qType": "R", "qnDec": 0, "qUseThou": 0, "qFmt": "##############", "qDec": ",",
         "qThou": "\u00a0"},
    ]  # fmt: skip


@pytest.mark.parametrize("locale", [DEFAULT_LOCALE, dataclasses.replace(
    DEFAULT_LOCALE, decimal_sep=",", thousand_sep=".")], ids=["point", "comma"])
def test_measure_cells_formatted_together_are_those_formatted_one_by_one(locale: Locale) -> None:
    import math

    import numpy as np

    from associa.calc.cells import format_measure, format_measures
    from associa.expr import Vec

    rng = np.random.default_rng(5)
    nums = np.concatenate([
        rng.integers(-10**6, 10**6, 40).astype(np.float64),
        rng.normal(0, 1e3, 40), rng.normal(0, 1e-9, 10), rng.normal(0, 1e18, 10),
        [0.1 + 0.2, 1 / 3, 2.5, -0.0, 1e15, 999999999999999.0, math.nan, math.inf, -math.inf],
    ])
    null = rng.random(len(nums)) < 0.1
    v = Vec.numbers(nums, null)
    groups = rng.permutation(len(nums))
    definition = {"qDef": {"qDef": "Sum(x)"}}
    got = format_measures(v, groups, definition, locale)
    assert got == [format_measure(v, int(g), definition, locale) for g in groups]


def test_data_pages_are_made_in_wire_form() -> None:
    """The matrices of data pages are written by the message encoder as they are made
    (``Wire``): every number in them is already as the wire writes it (an integral value
    as an integer, NaN as a string), which walking them again would not change."""
    import json

    from associa.calc.cells import Wire
    from associa.qix.messages import _clean

    model = model_from_rows({"T": {"Dim": ["a", "b", 3, 2.5, None],
                                   "Value": [1, 2.5, None, "x", 4]}})
    inf = Inference(model, SelectionState())
    fetch = [{"qLeft": 0, "qTop": 0, "qWidth": 3, "qHeight": 10}]
    cube = HyperCube(model, inf, {
        "qDimensions": [{"qDef": {"qFieldDefs": ["Dim"]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(Value)"}}, {"qDef": {"qDef": "Sum(Value)/0"}},
                      {"qDef": {"qDef": "Only(Value)"}}],
        "qInitialDataFetch": fetch}, DEFAULT_LOCALE).layout()
    lists = [ListObject(model, inf, {"qDef": {"qFieldDefs": [f]}, "qInitialDataFetch": fetch},
                        None, "", DEFAULT_LOCALE).layout() for f in ("Dim", "Value")]
    matrices = [cube["qDataPages"][0]["qMatrix"]] + [lo["qDataPages"][0]["qMatrix"] for lo in lists]
    nums = []
    for matrix in matrices:
        assert type(matrix) is Wire and len(matrix) >= 4
        plain = json.loads(json.dumps(matrix))  # as plain lists and dicts
        assert json.dumps(_clean(plain), allow_nan=False) == json.dumps(matrix, allow_nan=False)
        nums += [cell["qNum"] for row in matrix for cell in row]
    assert {type(n) for n in nums} == {int, float, str}  # 1, 2.5, "NaN" all occur
    assert 2.5 in nums and "NaN" in nums
