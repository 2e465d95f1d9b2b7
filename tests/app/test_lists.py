"""List definitions in layouts: field lists, app-object lists, child lists, variable lists
and the lists of things associa does not have yet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from associa.app.app import App
from associa.app.doc import DocState
from associa.app.layout import object_layout
from associa.app.lists import RESERVED_VARIABLES, lookup, script_variable_id
from tests.conftest import CUBE, SALES_SCRIPT

PRIVILEGES = ["read", "update", "delete", "exportdata"]


@pytest.fixture
def app(tmp_path: Path) -> App:
    app = App("a", script=SALES_SCRIPT, base_dir=tmp_path)
    app.reload()
    return app


@pytest.fixture
def doc(app: App) -> DocState:
    return DocState(app)


def layout_of(doc: DocState, **defs: Any) -> dict[str, Any]:
    return object_layout(doc, "list", {"qInfo": {"qId": "list", "qType": "lists"}, **defs})


def field_items(doc: DocState, **flags: Any) -> list[dict[str, Any]]:
    out = layout_of(doc, qFieldListDef=flags)
    assert "qFieldListDef" not in out
    return out["qFieldList"]["qItems"]


# -- field lists ----------------------------------------------------------------------


def test_field_list_default(doc: DocState) -> None:
    assert field_items(doc) == [
        {"qName": "Region", "qCardinal": 3, "qTags": ["$key", "$ascii", "$text"]},
        {"qName": "Product", "qCardinal": 3, "qTags": ["$ascii", "$text"]},
        {"qName": "Amount", "qCardinal": 4, "qTags": ["$numeric", "$integer"]},
        {"qName": "Manager", "qCardinal": 3, "qTags": ["$ascii", "$text"]},
    ]


def test_field_list_tags_are_the_data_model_tags(doc: DocState) -> None:
    """The same tags as GetTablesAndKeys and GetFieldDescription."""
    model = doc.snapshot()[0]
    for item in field_items(doc):
        assert item["qTags"] == model.fields[item["qName"]].tags()


def test_field_list_source_tables(doc: DocState) -> None:
    items = field_items(doc, qShowSrcTables=True)
    assert {i["qName"]: i["qSrcTables"] for i in items} == {
        "Region": ["Sales", "Regions"], "Product": ["Sales"], "Amount": ["Sales"],
        "Manager": ["Regions"],
    }
    assert list(items[0]) == ["qName", "qCardinal", "qTags", "qSrcTables"]


def test_field_list_system_fields_come_first(doc: DocState) -> None:
    items = field_items(doc, qShowSystem=True, qShowSrcTables=True)
    system, data = items[:6], items[6:]
    assert [i["qName"] for i in data] == ["Region", "Product", "Amount", "Manager"]
    # two tables of 4 and 3 rows, with 3 and 2 fields, over 4 field names
    assert system == [
        {"qIsHidden": True, "qIsSystem": True, "qName": "$Field", "qCardinal": 4,
         "qTags": ["$key", "$hidden", "$system", "$ascii", "$text"], "qSrcTables": []},
        {"qIsHidden": True, "qIsSystem": True, "qName": "$Table", "qCardinal": 2,
         "qTags": ["$key", "$hidden", "$system", "$ascii", "$text"], "qSrcTables": []},
        {"qIsHidden": True, "qIsSystem": True, "qName": "$Rows", "qCardinal": 2,
         "qTags": ["$hidden", "$system", "$numeric", "$integer"], "qSrcTables": []},
        {"qIsHidden": True, "qIsSystem": True, "qName": "$Fields", "qCardinal": 2,
         "qTags": ["$hidden", "$system", "$numeric", "$integer"], "qSrcTables": []},
        {"qIsHidden": True, "qIsSystem": True, "qName": "$FieldNo", "qCardinal": 3,
         "qTags": ["$hidden", "$system", "$numeric", "$integer"], "qSrcTables": []},
        {"qIsHidden": True, "qIsSystem": True, "qName": "$Info", "qCardinal": 0,
         "qTags": ["$hidden", "$system"], "qSrcTables": []},
    ]
    # as enigma.js's integration test counts them: user fields are the ones not hidden
    assert len([i for i in items if i.get("qIsHidden") is not True]) == 4


def test_field_list_system_cardinals_follow_the_model(tmp_path: Path) -> None:
    app = App("b", script="T: LOAD * INLINE [\na\n1\n2\n];\nU: LOAD * INLINE [\nb,c\nx,1\n];",
              base_dir=tmp_path)
    app.reload()
    items = {i["qName"]: i for i in field_items(DocState(app), qShowSystem=True)}
    assert items["$Field"]["qCardinal"] == 3 and items["$Table"]["qCardinal"] == 2
    assert items["$Rows"]["qCardinal"] == 2  # 2 rows and 1 row
    assert items["$Fields"]["qCardinal"] == 2 and items["$FieldNo"]["qCardinal"] == 2
    assert "qSrcTables" not in items["$Field"]


def test_field_list_of_an_empty_app(tmp_path: Path) -> None:
    doc = DocState(App("e", base_dir=tmp_path))
    assert field_items(doc) == []
    system = field_items(doc, qShowSystem=True)
    assert [i["qName"] for i in system] == ["$Field", "$Table", "$Rows", "$Fields",
                                            "$FieldNo", "$Info"]
    assert all(i["qCardinal"] == 0 for i in system)


HIDDEN_SCRIPT = """\
SET HidePrefix='_';
SET HideSuffix='%';
T:
LOAD * INLINE [
Id, _secret, key%, Name
1, a, k1, x
2, b, k2, y
];
"""


def test_hidden_fields_only_with_show_hidden(tmp_path: Path) -> None:
    app = App("h", script=HIDDEN_SCRIPT, base_dir=tmp_path)
    app.reload()
    doc = DocState(app)
    assert [i["qName"] for i in field_items(doc)] == ["Id", "Name"]
    items = field_items(doc, qShowHidden=True)
    assert [i["qName"] for i in items] == ["Id", "_secret", "key%", "Name"]
    secret = items[1]
    assert list(secret)[0] == "qIsHidden" and secret["qIsHidden"] is True
    assert secret["qTags"] == ["$hidden", "$ascii", "$text"]
    assert "qIsHidden" not in items[0]
    # the data model says the same everywhere
    assert app.model.fields["key%"].tags()[0] == "$hidden"


def test_system_fields_need_only_show_system(doc: DocState) -> None:
    names = [i["qName"] for i in field_items(doc, qShowSystem=True, qShowHidden=False)]
    assert names[0] == "$Field" and len(names) == 10


@pytest.mark.parametrize("flag", ["qShowSemantic", "qShowDerivedFields",
                                  "qShowDefinitionOnly", "qShowImplicit"])
def test_other_field_list_flags_add_nothing(doc: DocState, flag: str) -> None:
    """No semantic, derived, on-the-fly or implicit fields exist: the flags are accepted."""
    items = field_items(doc, **{flag: True})
    assert items == field_items(doc)
    assert all("qDerivedFieldData" not in i for i in items)


def test_field_list_flags_must_be_true(doc: DocState) -> None:
    assert field_items(doc, qShowSystem="yes", qShowSrcTables=1) == field_items(doc)


def test_field_list_follows_reloads(app: App, doc: DocState) -> None:
    assert len(field_items(doc)) == 4
    app.set_script("T: LOAD * INLINE [\nOnly\n1\n];")
    app.reload()
    assert field_items(doc) == [{"qName": "Only", "qCardinal": 1,
                                 "qTags": ["$numeric", "$integer"]}]


def test_field_list_anywhere_in_the_tree(doc: DocState) -> None:
    out = layout_of(doc, panels=[{"fields": {"qFieldListDef": {}}}])
    assert len(out["panels"][0]["fields"]["qFieldList"]["qItems"]) == 4


# -- app-object lists -----------------------------------------------------------------

SHEET_DATA = {
    "title": "/qMetaDef/title",
    "description": "/qMetaDef/description",
    "rank": "/rank",
    "columns": "/columns",
    "rows": "/rows",
    "cells": "/cells",
    "thumbnail": "/thumbnail",
}


def sheet(title: str, qid: str | None = None, **extra: Any) -> dict[str, Any]:
    info = {"qType": "sheet"} if qid is None else {"qId": qid, "qType": "sheet"}
    return {"qInfo": info, "qMetaDef": {"title": title, "description": ""}, "rank": None,
            "thumbnail": {"qStaticContentUrlDef": {"qUrl": ""}}, "columns": 24, "rows": 12,
            "cells": [], **extra}


def app_objects(doc: DocState, qtype: Any = "sheet", data: Any = None) -> list[dict[str, Any]]:
    definition: dict[str, Any] = {"qData": SHEET_DATA if data is None else data}
    if qtype is not None:
        definition["qType"] = qtype
    return layout_of(doc, qAppObjectListDef=definition)["qAppObjectList"]["qItems"]


def test_sheet_list(app: App, doc: DocState) -> None:
    app.create_object(sheet("First", "s1", cells=[{"name": "c", "col": 0}]))
    app.create_object({**CUBE, "qInfo": {"qId": "t1", "qType": "table"}})
    app.create_object(sheet("Second", "s2", rank=2))
    assert app_objects(doc) == [
        {"qInfo": {"qId": "s1", "qType": "sheet"},
         "qMeta": {"privileges": PRIVILEGES, "title": "First", "description": ""},
         "qData": {"title": "First", "description": "", "rank": None, "columns": 24,
                   "rows": 12, "cells": [{"name": "c", "col": 0}],
                   "thumbnail": {"qStaticContentUrlDef": {}}}},
        {"qInfo": {"qId": "s2", "qType": "sheet"},
         "qMeta": {"privileges": PRIVILEGES, "title": "Second", "description": ""},
         "qData": {"title": "Second", "description": "", "rank": 2, "columns": 24,
                   "rows": 12, "cells": [],
                   "thumbnail": {"qStaticContentUrlDef": {}}}},
    ]
    assert [i["qInfo"]["qId"] for i in app_objects(doc, "table", {})] == ["t1"]
    assert app_objects(doc, "story") == []


def test_app_object_list_follows_the_objects(app: App, doc: DocState) -> None:
    assert app_objects(doc) == []
    app.create_object(sheet("A", "a"))
    app.create_object(sheet("B", "b"))
    app.set_object("a", sheet("A2"))
    assert [i["qData"]["title"] for i in app_objects(doc)] == ["A2", "B"]
    app.destroy_object("a")
    assert [i["qInfo"]["qId"] for i in app_objects(doc)] == ["b"]


def test_app_object_list_holds_app_level_persisted_objects_only(
    app: App, doc: DocState
) -> None:
    app.create_object(sheet("Top", "top"))
    app.create_child("top", sheet("Child", "kid"))
    doc.create_session_object(sheet("Session", "sess"))
    assert [i["qInfo"]["qId"] for i in app_objects(doc)] == ["top"]


def test_app_object_list_type_matches_exactly(app: App, doc: DocState) -> None:
    app.create_object(sheet("S", "s"))
    app.create_object({"qInfo": {"qId": "untyped"}})
    assert [i["qInfo"]["qId"] for i in app_objects(doc, "", {})] == ["untyped"]
    assert [i["qInfo"]["qId"] for i in app_objects(doc, None, {})] == ["untyped"]
    assert app_objects(doc, "Sheet", {}) == []


def test_meta_without_meta_def(app: App, doc: DocState) -> None:
    app.create_object({"qInfo": {"qId": "x", "qType": "sheet"}, "qMetaDef": "not an object"})
    (item,) = app_objects(doc, data={})
    assert item == {"qInfo": {"qId": "x", "qType": "sheet"},
                    "qMeta": {"privileges": PRIVILEGES}, "qData": {}}


def test_data_pointers(app: App, doc: DocState) -> None:
    app.create_object({
        "qInfo": {"qId": "p", "qType": "sheet", "extra": 1},
        "qMetaDef": {"title": "T"},
        "cells": [{"name": "c1"}, {"name": "c2"}],
        "a/b": {"m~n": 5},
        "empty": "",
        "title": {"qStringExpression": {"qExpr": "='Total ' & Sum(Amount)"}},
        "value": {"qValueExpression": {"qExpr": "Sum(Amount)/10"}},
        "qHyperCubeDef": CUBE["qHyperCubeDef"],
    })
    (item,) = app_objects(doc, data={
        "second": "/cells/1/name",
        "escaped": "/a~1b/m~0n",
        "whole": "",
        "empty": "/empty",
        "missing": "/nothing/here",
        "index": "/cells/7",
        "not_a_pointer": "cells",
        "number": 3,
        "title": "/title",
        "value": "/value",
        "meta": "/qMeta/title",
        "size": "/qHyperCube/qSize",
        "def": "/qHyperCubeDef/qDimensions/0/qDef/qFieldDefs",
        "nested": {"id": "/qInfo/qId", "type": "/qInfo/qType"},
    })
    data = item["qData"]
    assert item["qInfo"] == {"qId": "p", "qType": "sheet", "extra": 1}
    assert data["second"] == "c2" and data["escaped"] == 5 and data["empty"] == ""
    assert data["whole"]["cells"] == [{"name": "c1"}, {"name": "c2"}]
    for absent in ("missing", "index", "not_a_pointer", "number"):
        assert absent not in data
    assert data["title"] == "Total 310" and data["value"] == 31
    # members that only the layout has resolve against the layout
    assert data["meta"] == "T" and data["size"] == {"qcx": 2, "qcy": 3}
    assert data["def"] == ["Region"]
    assert data["nested"] == {"id": "p", "type": "sheet"}


def test_data_values_are_copies(app: App, doc: DocState) -> None:
    app.create_object(sheet("S", "s", cells=[{"name": "c"}]))
    (item,) = app_objects(doc)
    item["qData"]["cells"].append("changed")
    assert app.get_object("s")["cells"] == [{"name": "c"}]


def test_a_list_pointing_into_its_own_layout_ends(app: App, doc: DocState) -> None:
    """A listed object whose layout lists itself: the pointer into it resolves once."""
    app.create_object({"qInfo": {"qId": "self", "qType": "lister"},
                       "qAppObjectListDef": {"qType": "lister",
                                             "qData": {"inner": "/qAppObjectList"}}})
    (item,) = app_objects(doc, "lister", {"inner": "/qAppObjectList"})
    inner = item["qData"]["inner"]["qItems"]
    assert inner[0]["qInfo"]["qId"] == "self" and inner[0]["qData"] == {}


def test_bad_list_definitions_give_lists(app: App, doc: DocState) -> None:
    app.create_object(sheet("S", "s"))
    assert app_objects(doc, data=[1, 2])[0]["qData"] == {}
    out = layout_of(doc, qAppObjectListDef={"qType": 5})
    assert out["qAppObjectList"] == {"qItems": []}
    out = layout_of(doc, qFieldListDef="not an object")  # not a definition: kept
    assert out["qFieldListDef"] == "not an object"


# -- child lists ----------------------------------------------------------------------


def test_child_list(app: App, doc: DocState) -> None:
    parent = {"qInfo": {"qId": "sheet", "qType": "sheet"},
              "qChildListDef": {"qData": {"title": "/title", "kind": "/visualization"}}}
    app.create_object(parent)
    app.create_child("sheet", {"qInfo": {"qId": "k1", "qType": "auto-chart"},
                               "title": "One", "visualization": "barchart",
                               "qMetaDef": {"title": "Meta one"}})
    app.create_child("sheet", {"qInfo": {"qId": "k2", "qType": "auto-chart"}, "title": ""})
    app.create_child("k1", {"qInfo": {"qId": "grandchild", "qType": "x"}})
    out = object_layout(doc, "sheet", app.get_object("sheet"))
    assert "qChildListDef" not in out
    assert out["qChildList"] == {"qItems": [
        {"qInfo": {"qId": "k1", "qType": "auto-chart"},
         "qMeta": {"title": "Meta one", "privileges": PRIVILEGES},
         "qData": {"title": "One", "kind": "barchart"}},
        {"qInfo": {"qId": "k2", "qType": "auto-chart"},
         "qMeta": {"privileges": PRIVILEGES}, "qData": {"title": ""}},
    ]}


def test_child_list_of_a_session_object(doc: DocState) -> None:
    doc.create_session_object({"qInfo": {"qId": "p"}, "qChildListDef": {"qData": {"n": "/n"}}})
    doc.create_child("p", {"qInfo": {"qId": "c"}, "n": 1})
    out = object_layout(doc, "p", doc.session_objects["p"])
    assert [(i["qInfo"]["qId"], i["qData"]) for i in out["qChildList"]["qItems"]] == [
        ("c", {"n": 1})
    ]


def test_child_list_without_children(doc: DocState) -> None:
    assert layout_of(doc, qChildListDef={})["qChildList"] == {"qItems": []}


# -- variable lists -------------------------------------------------------------------

VARIABLE_SCRIPT = """\
SET ThousandSep=',';
SET vTarget = 100;
LET vDouble = 2 * 21;
T:
LOAD * INLINE [
a
1
];
"""


def variables(doc: DocState, **definition: Any) -> list[dict[str, Any]]:
    return layout_of(doc, qVariableListDef=definition)["qVariableList"]["qItems"]


def test_variable_list_holds_script_variables(tmp_path: Path) -> None:
    app = App("v", script=VARIABLE_SCRIPT, base_dir=tmp_path)
    app.reload()
    doc = DocState(app)
    items = variables(doc, qType="variable", qData={"name": "/qName", "def": "/qDefinition",
                                                     "title": "/qMetaDef/title"})
    assert items == [
        {"qName": "vTarget", "qDefinition": "100", "qIsScriptCreated": True,
         "qInfo": {"qId": script_variable_id("v", "vTarget"), "qType": "variable"},
         "qMeta": {"privileges": PRIVILEGES},
         "qData": {"name": "vTarget", "def": "100"}},
        {"qName": "vDouble", "qDefinition": "42", "qIsScriptCreated": True,
         "qInfo": {"qId": script_variable_id("v", "vDouble"), "qType": "variable"},
         "qMeta": {"privileges": PRIVILEGES},
         "qData": {"name": "vDouble", "def": "42"}},
    ]
    reserved = variables(doc, qType="variable", qShowReserved=True)
    assert reserved[0]["qName"] == "ThousandSep" and reserved[0]["qIsReserved"] is True
    assert len(reserved) == 3 and "ThousandSep" in RESERVED_VARIABLES
    # ids stay the same across reloads
    app.reload()
    assert variables(doc, qType="variable")[0]["qInfo"] == items[0]["qInfo"]
    assert variables(doc, qType="measure") == [] and variables(doc) == []


# -- lists of things that don't exist yet ---------------------------------------------


# MediaListDef and ExtensionListDef have no members: qType/qData there would be the
# client's own keys, which a layout keeps
EMPTY_LIST_DEF = {"qType": "dimension", "qData": {"title": "/qMetaDef/title"}}


@pytest.mark.parametrize("key,out,definition", [
    ("qDimensionListDef", "qDimensionList", EMPTY_LIST_DEF),
    ("qMeasureListDef", "qMeasureList", EMPTY_LIST_DEF),
    ("qBookmarkListDef", "qBookmarkList", EMPTY_LIST_DEF),
    ("qMediaListDef", "qMediaList", {}),  # an app with no media
    ("qExtensionListDef", "qExtensionList", {}),
])
def test_empty_lists(app: App, doc: DocState, key: str, out: str,
                     definition: dict[str, Any]) -> None:
    # an object with the type these lists list is not a master item: still empty
    app.create_object({"qInfo": {"qId": "d", "qType": "dimension"}, "qDim": {}})
    got = layout_of(doc, **{key: definition})
    assert got[out] == {"qItems": []} and key not in got


def test_undo_info(doc: DocState) -> None:
    got = layout_of(doc, qUndoInfoDef={})
    assert got["qUndoInfo"] == {"qUndoCount": 0, "qRedoCount": 0}


def test_json_pointer_lookup() -> None:
    doc = {"a": [{"b": 1}], "": {"x": 2}, "c~d": 3}
    assert lookup(doc, "/a/0/b") == 1 and lookup(doc, "//x") == 2
    assert lookup(doc, "/c~0d") == 3 and lookup(doc, "") is doc
    missing = lookup(doc, "/a/1")
    assert lookup(doc, "/a/-1") is missing and lookup(doc, "a") is missing
    assert lookup(doc, "/a/0/b/c") is missing
