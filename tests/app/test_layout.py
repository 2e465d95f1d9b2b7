"""Layouts: properties with every definition replaced by its result, anywhere in the tree."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from associa.app.app import App
from associa.app.doc import DocState
from associa.app.layout import DEFINITIONS, object_layout, selection_object
from associa.app.properties import normalise
from associa.select.actions import search_symbols, select_symbols
from tests.conftest import CUBE, LISTBOX, SALES_SCRIPT


@pytest.fixture
def doc(tmp_path: Path) -> DocState:
    app = App("a", script=SALES_SCRIPT, base_dir=tmp_path)
    app.reload()
    return DocState(app)


def layout(doc: DocState, props: dict[str, Any], obj_id: str = "o") -> dict[str, Any]:
    return object_layout(doc, obj_id, props)


def select(doc: DocState, field: str, *texts: str) -> None:
    model, state, _ = doc.snapshot()
    symbols = [s for t in texts for s in search_symbols(model, field, t)]
    doc.set_state(select_symbols(model, state, field, symbols))


def test_definitions_registry() -> None:
    assert {k: v[0] for k, v in DEFINITIONS.items()} == {
        "qHyperCubeDef": "qHyperCube",
        "qListObjectDef": "qListObject",
        "qMetaDef": "qMeta",
        "qSelectionObjectDef": "qSelectionObject",
        "qFieldListDef": "qFieldList",
        "qAppObjectListDef": "qAppObjectList",
        "qChildListDef": "qChildList",
        "qVariableListDef": "qVariableList",
        "qDimensionListDef": "qDimensionList",
        "qMeasureListDef": "qMeasureList",
        "qBookmarkListDef": "qBookmarkList",
        "qMediaListDef": "qMediaList",
        "qExtensionListDef": "qExtensionList",
        "qUndoInfoDef": "qUndoInfo",
    }


def test_top_level_order_and_custom_properties(doc: DocState) -> None:
    out = layout(doc, {"custom": {"a": [1, 2]}, "qInfo": {"qId": "o", "qType": "t"},
                       "qMetaDef": {"title": "x"}, "n": 1.0})
    assert list(out)[:3] == ["qInfo", "qMeta", "qSelectionInfo"]
    assert out["custom"] == {"a": [1, 2]} and out["n"] == 1.0
    assert out["qMeta"]["title"] == "x" and "read" in out["qMeta"]["privileges"]
    assert "qMetaDef" not in out


def test_qmeta_has_privileges_first_even_without_qmetadef(doc: DocState) -> None:
    out = layout(doc, {"qInfo": {"qType": "t", "qId": "o"}})
    assert list(out) == ["qInfo", "qMeta", "qSelectionInfo"]
    assert list(out["qInfo"]) == ["qId", "qType"]
    assert out["qMeta"] == {"privileges": ["read", "update", "delete", "exportdata"]}
    out = layout(doc, {"qInfo": {"qId": "o"}, "qMetaDef": {"title": "x", "privileges": []}})
    assert list(out["qMeta"]) == ["privileges", "title"] and out["qMeta"]["privileges"]


def test_client_keys_of_a_definition_follow_its_layout(doc: DocState) -> None:
    props = normalise({"qInfo": {"qId": "o"}, "qHyperCubeDef": {
        **CUBE["qHyperCubeDef"], "note": "n", "total": {"qValueExpression": "Sum(Amount)"},
        "qLayoutExclude": {"big": 1}}})
    cube = layout(doc, props)["qHyperCube"]
    assert list(cube)[-2:] == ["note", "total"] and cube["total"] == 310
    assert "qLayoutExclude" not in cube and "qMode" in cube  # computed, not copied
    assert "qMaxStackedCells" not in cube


def test_expressions_at_the_root_are_evaluated_in_place(doc: DocState) -> None:
    out = layout(doc, {"qInfo": {"qId": "o"}, "a": 1,
                       "qStringExpression": {"qExpr": "=1+1"}, "qValueExpression": "2*3"})
    assert list(out) == ["qInfo", "qMeta", "qSelectionInfo", "a", "qStringExpression",
                         "qValueExpression"]
    assert out["qStringExpression"] == "2" and out["qValueExpression"] == 6


def test_definitions_anywhere_in_the_tree(doc: DocState) -> None:
    props = {
        "qInfo": {"qId": "o", "qType": "t"},
        "qHyperCubeDef": CUBE["qHyperCubeDef"],
        "panels": [{"inner": {"qListObjectDef": LISTBOX["qListObjectDef"]}}],
        "alternateStates": [{"qSelectionObjectDef": {}}],
    }
    out = layout(doc, props)
    assert out["qHyperCube"]["qSize"] == {"qcx": 2, "qcy": 3}
    assert out["panels"][0]["inner"]["qListObject"]["qSize"] == {"qcx": 1, "qcy": 3}
    assert out["alternateStates"][0]["qSelectionObject"]["qSelections"] == []
    text = json.dumps(out)
    assert "Def\"" not in text.replace("qFieldDefs", "").replace("qGroupFieldDefs", "")


def test_expressions(doc: DocState) -> None:
    out = layout(doc, {
        "qInfo": {"qId": "o"},
        "title": {"qStringExpression": {"qExpr": "='Total ' & Sum(Amount)"}},
        "plain": {"qStringExpression": "=Sum(Amount)"},
        "empty": {"qStringExpression": {"qExpr": ""}},
        "bad": {"qStringExpression": {"qExpr": "=Sum("}},
        "value": {"qValueExpression": {"qExpr": "Sum(Amount)/10"}},
        "nan": {"qValueExpression": {"qExpr": "1/0"}},
        "novalue": {"qValueExpression": {"qExpr": "  "}},
    })
    assert out["title"] == "Total 310" and out["plain"] == "310" and out["empty"] == ""
    assert out["bad"].startswith("Error")
    assert out["value"] == 31
    assert out["nan"] == "NaN" and out["novalue"] == "NaN"


def test_layout_follows_selections(doc: DocState) -> None:
    props = {"qInfo": {"qId": "o"}, "total": {"qStringExpression": "=Sum(Amount)"}}
    assert layout(doc, props)["total"] == "310"
    select(doc, "Region", "South")
    assert layout(doc, props)["total"] == "150"


def test_layout_exclude_is_dropped(doc: DocState) -> None:
    out = layout(doc, {"qInfo": {"qId": "o"}, "qLayoutExclude": {"big": "x"}, "keep": 1})
    assert "qLayoutExclude" not in out and out["keep"] == 1


def test_non_finite_numbers(doc: DocState) -> None:
    out = layout(doc, {"qInfo": {"qId": "o"}, "a": math.inf, "b": [math.nan]})
    assert out["a"] == "Infinity" and out["b"] == ["NaN"]


def test_properties_are_not_changed(doc: DocState) -> None:
    props = {"qInfo": {"qId": "o"}, "qHyperCubeDef": dict(CUBE["qHyperCubeDef"]),
             "t": {"qStringExpression": "=1"}}
    before = json.dumps(props, sort_keys=True)
    layout(doc, props)
    assert json.dumps(props, sort_keys=True) == before


def test_selection_object(doc: DocState) -> None:
    assert selection_object(doc, {}) == {"qBackCount": 0, "qForwardCount": 0, "qSelections": []}
    select(doc, "Region", "North", "East")
    select(doc, "Product", "Bike")
    out = selection_object(doc, {})
    assert out["qBackCount"] == 2
    fields = [s["qField"] for s in out["qSelections"]]
    assert fields == ["Region", "Product"]
    region = out["qSelections"][0]
    assert region["qSelectedCount"] == 2 and region["qTotal"] == 3
    assert sorted(region["qSelected"].split(", ")) == ["East", "North"]
    assert [i["qFieldSelectionMode"] for i in region["qSelectedFieldSelectionInfo"]] == [
        "NORMAL", "NORMAL"
    ]
    assert "qStateName" not in out


def test_selection_object_summarises_many_values(doc: DocState) -> None:
    doc.app.set_script("T: LOAD RecNo() as N AutoGenerate 10;")
    doc.app.reload()
    select(doc, "N", ">2")
    (item,) = selection_object(doc, {})["qSelections"]
    assert item["qSelected"] == "8 of 10" and item.get("qIsNum") is True
    assert len(item["qSelectedFieldSelectionInfo"]) == 6


def test_selection_info_in_modal_state(doc: DocState) -> None:
    props = {"qInfo": {"qId": "o"}}
    assert layout(doc, props)["qSelectionInfo"] == {}
    doc.begin_selections("o")
    assert layout(doc, props)["qSelectionInfo"] == {"qInSelections": True}
    assert layout(doc, props, "other")["qSelectionInfo"] == {}
    select(doc, "Region", "North")
    assert layout(doc, props)["qSelectionInfo"] == {"qInSelections": True,
                                                     "qMadeSelections": True}
