"""Bad input gets a precise JSON-RPC error, and afterwards the same session keeps working,
other sessions are unaffected and saved apps on disk are unchanged."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from associa.engine import Engine
from associa.qix.dispatch import METHODS
from associa.qix.sessions import SessionManager
from tests.conftest import CUBE, LISTBOX, SALES_SCRIPT, Client

INVALID_PARAMS = {"code": -32602, "parameter": "Invalid handle", "message": "Invalid Params"}


@pytest.fixture
def world(engine: Engine, make_client: Callable[..., Client], data_dir: Path) -> Iterator[dict]:
    """A saved app opened by two sessions; the test works in ``main``."""
    app = engine.create_app("saved", SALES_SCRIPT)
    app.reload()
    app.create_object({**LISTBOX, "qInfo": {"qId": "lb", "qType": "listbox"}})
    engine.save_app(app)
    files = sorted((data_dir / "apps").glob("*.app"))
    digest = {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    main = make_client()
    other = make_client()
    for c in (main, other):
        c.call("OpenDoc", "saved")
    main_cube = main.create(CUBE)
    other_lb = other.call("GetObject", "lb", handle=1)["qReturn"]["qHandle"]
    other.call("SelectListObjectValues", "/qListObjectDef", [1], handle=other_lb)
    before = other.layout(other_lb)
    yield {"main": main, "other": other, "cube": main_cube, "other_lb": other_lb}
    # the session that sent the bad input still answers
    assert main.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"
    assert main.layout(main_cube)["qHyperCube"]["qSize"]["qcy"] == 3
    # the other session is unaffected
    assert other.layout(other_lb) == before
    assert other.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "150"
    # the saved file is unchanged
    after = {f.name: hashlib.sha256(f.read_bytes()).hexdigest()
             for f in sorted((data_dir / "apps").glob("*.app"))}
    assert after == digest


@pytest.mark.parametrize(
    "text",
    ["{bad", "", "   ", "nul", '{"jsonrpc":"2.0","id":1,', b"\xff\xfe\xfd", "\x00",
     '{"a":' * 5000 + "1" + "}" * 5000],
)
def test_malformed_json(world: dict, text: str | bytes) -> None:
    reply = world["main"].send_text(text)
    assert reply == {"jsonrpc": "2.0", "id": None,
                     "error": {"code": -32700, "parameter": "", "message": "JSON parse error"}}


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        "[1,2,3]",
        '"OpenDoc"',
        "12",
        "null",
        '{"jsonrpc":"2.0","id":4,"handle":-1}',
        '{"jsonrpc":"2.0","id":4,"handle":-1,"method":null}',
        '{"jsonrpc":"2.0","id":4,"method":"QvVersion"}',
        '{"jsonrpc":"2.0","id":4,"handle":"-1","method":"QvVersion"}',
        '{"jsonrpc":"2.0","id":4,"handle":null,"method":"QvVersion"}',
        '{"jsonrpc":"2.0","id":4,"handle":-1.5,"method":"QvVersion"}',
        '{"jsonrpc":"2.0","id":4,"handle":-1,"method":"QvVersion","params":"x"}',
        '{"jsonrpc":"2.0","id":4,"handle":-1,"method":"QvVersion","params":7}',
        '{"jsonrpc":"2.0","id":4,"handle":-1,"method":"QvVersion","params":true}',
    ],
)
def test_not_a_request(world: dict, text: str) -> None:
    reply = world["main"].send_text(text)
    assert reply["error"]["code"] == -32600
    assert reply["error"]["message"] == "Invalid JSON request"
    assert "result" not in reply
    if text.startswith("{"):
        assert reply["id"] == 4


def test_unknown_method(world: dict) -> None:
    main = world["main"]
    assert main.error("Nope") == {"code": -32601, "parameter": "Nope", "message": "Method not found"}
    assert main.error("GetLayout", handle=1)["parameter"] == "GetLayout"
    assert main.error("openDoc", "saved")["parameter"] == "openDoc"  # names are case-sensitive


@pytest.mark.parametrize("handle", [0, 99, -2, 10**30])
def test_unknown_handle(world: dict, handle: int) -> None:
    assert world["main"].error("GetLayout", handle=handle) == INVALID_PARAMS


def test_handle_of_another_session(world: dict) -> None:
    """Handles are per session: ``other``'s list box handle means nothing to ``main``
    unless main has that number too."""
    main = world["main"]
    assert main.error("GetLayout", handle=world["other_lb"] + 50) == INVALID_PARAMS


@pytest.mark.parametrize(
    ("method", "params", "handle", "name"),
    [
        ("OpenDoc", [5], -1, "qDocName"),
        ("OpenDoc", [["saved"]], -1, "qDocName"),
        ("OpenDoc", [], -1, "qDocName"),
        ("GetHyperCubeData", ["/qHyperCubeDef", {"qTop": 0}], "cube", "qPages"),
        ("GetHyperCubeData", ["/qHyperCubeDef", "pages"], "cube", "qPages"),
        ("GetHyperCubeData", [7, []], "cube", "qPath"),
        ("SelectHyperCubeValues", ["/qHyperCubeDef", "0", [0], False], "cube", "qDimNo"),
        ("SetScript", [None], 1, "qScript"),
        ("DoReload", ["0"], 1, "qMode"),
        ("DoReload", [0, "no"], 1, "qPartial"),
        ("CreateSessionObject", ["props"], 1, "qProp"),
        ("GetProgress", ["x"], -1, "qRequestId"),
    ],
)
def test_wrong_parameter_types(world: dict, method: str, params: list[Any], handle: Any,
                               name: str) -> None:
    h = world["cube"] if handle == "cube" else handle
    err = world["main"].error(method, *params, handle=h)
    assert err["code"] == -32602 and err["message"] == "Invalid Params"
    assert err["parameter"].startswith(name)


@pytest.mark.parametrize(
    "values", [["a", "b"], [None], [True], [1.5], [float("nan")], [{"qText": "North"}]]
)
def test_select_list_object_values_with_non_integers(world: dict, values: list[Any]) -> None:
    main = world["main"]
    listbox = main.create(LISTBOX)
    err = main.error("SelectListObjectValues", "/qListObjectDef", values, handle=listbox)
    assert err["parameter"].startswith("qValues")
    assert err["code"] in (-32602, 8)


def test_named_params_errors(world: dict) -> None:
    main = world["main"]
    err = main.error("OpenDoc", named={"qDocName": "saved", "qBogus": 1})
    assert err["code"] == -32602 and err["parameter"].startswith("qBogus")
    err = main.error("OpenDoc", named={"qUserName": "x"})
    assert err["code"] == -32602 and err["parameter"].startswith("qDocName")


def test_unknown_app(world: dict, make_client: Callable[..., Client]) -> None:
    fresh = make_client()
    assert fresh.error("OpenDoc", "missing.qvf") == {
        "code": 1003, "parameter": "Could not find app", "message": "App not found"
    }
    assert fresh.error("GetActiveDoc") == {
        "code": 1007, "parameter": "No active document", "message": "App invalid"
    }
    assert fresh.call("OpenDoc", "saved")["qReturn"]["qHandle"] == 1


def test_unknown_object(world: dict) -> None:
    main = world["main"]
    assert main.call("GetObject", "does-not-exist", handle=1) == {
        "qReturn": {"qType": None, "qHandle": None}
    }


def test_script_syntax_error(world: dict) -> None:
    """On the saved app itself: the failed reload must leave its data as it was."""
    main = world["main"]
    main.call("SetScript", "LET x = 1;\n\nT: LOAD * INLINE [\nA\n1\n];\nLOAD LOAD LOAD;\n",
              handle=1)
    rid = main.send("DoReload", handle=1)["id"]
    assert main.last["result"] == {"qReturn": False}
    data = main.call("GetProgress", rid)["qProgressData"]
    assert "line 7" in data["qPersistentProgress"]
    assert any("line 7" in e["qErrorString"] for e in data["qErrorData"])
    main.call("SetScript", SALES_SCRIPT, handle=1)


def test_path_outside_connection(world: dict, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    main = world["main"]
    folder = tmp_path / "conn"
    folder.mkdir()
    (folder / "ok.csv").write_text("A\n1\n")
    secret = tmp_path / "secret.csv"
    secret.write_text("S\nTOP-SECRET\n")
    main.call("CreateConnection", {"qName": "data", "qConnectionString": str(folder)}, handle=1)
    read: list[str] = []
    real_read_bytes = Path.read_bytes

    def spy(self: Path) -> bytes:
        read.append(str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    for path in ["lib://data/../secret.csv", "lib://data/..\\secret.csv",
                 f"lib://data/{secret}", str(secret)]:
        main.call("SetScript", SALES_SCRIPT + f"\nS: LOAD * FROM [{path}] (txt);\n", handle=1)
        reply = main.send("DoReload", handle=1)
        assert reply["result"] == {"qReturn": False}, path
        data = main.call("GetProgress", reply["id"])["qProgressData"]
        assert data["qErrorData"], path
        assert "TOP-SECRET" not in json.dumps(data)
    assert not any("secret" in r for r in read)
    assert main.error("GetFieldDescription", "S", handle=1)["code"] == 2
    main.call("SetScript", SALES_SCRIPT, handle=1)  # put the app's script back


def test_pages_too_large(world: dict) -> None:
    main = world["main"]
    err = main.error("GetHyperCubeData", "/qHyperCubeDef",
                     [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 6000}], handle=world["cube"])
    assert err["code"] == 7009
    err = main.error("GetHyperCubeData", "/qHyperCubeDef",
                     [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 6000}] * 2,
                     handle=world["cube"])
    assert err["code"] == 7009


def test_huge_and_odd_ids(world: dict) -> None:
    main = world["main"]
    for rid in [10**30, -1, 0, "str-id", 2**53 + 1]:
        text = json.dumps({"jsonrpc": "2.0", "id": rid, "handle": -1, "method": "QvVersion",
                           "params": []})
        reply = main.send_text(text)
        assert reply["id"] == rid and "qReturn" in reply["result"]
    for rid in [1.5, [1], {"a": 1}, True]:
        text = json.dumps({"jsonrpc": "2.0", "id": rid, "handle": -1, "method": "QvVersion",
                           "params": []})
        reply = main.send_text(text)
        assert reply["id"] is None and "result" in reply


def test_huge_params(world: dict) -> None:
    main = world["main"]
    big = "x" * 2_000_000
    assert main.call("Evaluate", big, handle=1)["qReturn"].startswith(("Error", "-", "x"))
    assert main.error("GetHyperCubeData", "/qHyperCubeDef", list(range(100_000)),
                      handle=world["cube"])["code"] in (-32602, 8, 7009)


def test_deeply_nested_properties(world: dict) -> None:
    main = world["main"]
    props: dict[str, Any] = {"qInfo": {"qType": "deep"}}
    node = props
    for _ in range(400):
        node["n"] = {}
        node = node["n"]
    reply = main.send("CreateSessionObject", props, handle=1)
    assert "result" in reply or reply["error"]["code"] != -32603


def test_bad_input_on_a_session_app_leaves_no_file(engine: Engine, data_dir: Path,
                                                   make_client: Callable[..., Client]) -> None:
    c = make_client()
    c.session_app()
    before = sorted(p.name for p in (data_dir / "apps").iterdir())
    assert c.error("DoSave", handle=1)["code"] == 9009
    c.send_text("{garbage")
    assert sorted(p.name for p in (data_dir / "apps").iterdir()) == before


# -- no request answers "Internal error" -----------------------------------------------

ODD: dict[str, list[Any]] = {
    "str": ["", "/qListObjectDef", "/qHyperCubeDef", "/", "nope", "*", ">5", "SessionApp_zz"],
    "int": [0, -1, 3, 10**20],
    "num": [0, 1.5, -1],
    "bool": [True, False],
    "obj": [{}, {"qInfo": {"qType": "x"}}, {"qInfo": 5}, {"qName": 5}],
    "list": [[], [0], ["a"], [{}], [None], [1.5], [float("inf")], [10**30],
             [{"qTop": "a"}], [{"qTop": -5, "qLeft": 0, "qWidth": 1, "qHeight": -1}],
             [{"qTop": 0, "qLeft": 0, "qWidth": 10**20, "qHeight": 10**20}],
             [{"qOp": "add", "qPath": "/x", "qValue": "1"}], [[]]],
    "any": [None, 1, "x", {}, []],
}
# issue 10's objects: a pivot (11), stacked (12) and tree (13) cube, a cube with an
# Others row and dimension totals (14), a persisted cube (15), an object linked to it
# (17) and one whose link is broken (18), a sheet with a child chart (19)
OTHERS_DIM = {"qDef": {"qFieldDefs": ["Product"]}, "qOtherTotalSpec": {
    "qOtherMode": "OTHER_COUNTED", "qOtherCounted": {"qv": "2"}, "qTotalMode": "TOTAL_EXPR"}}
TWO_DIMS = {"qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}, OTHERS_DIM],
            "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}]}
ISSUE_10 = [
    {"qInfo": {"qType": "pivot"}, "qHyperCubeDef": {**TWO_DIMS, "qMode": "P",
                                                     "qNoOfLeftDims": 1}},
    {"qInfo": {"qType": "stacked"}, "qHyperCubeDef": {**TWO_DIMS, "qMode": "K"}},
    {"qInfo": {"qType": "tree"}, "qHyperCubeDef": {**TWO_DIMS, "qMode": "T"}},
    {"qInfo": {"qType": "others"}, "qHyperCubeDef": TWO_DIMS},
]
HANDLES = {"Global": [-1], "Doc": [1], "GenericObject": [2, 3, 5, 11, 12, 13, 14, 15, 17, 18, 19],
           "Field": [4],
           "GenericBookmark": [6], "GenericDimension": [7], "GenericMeasure": [8],
           "GenericVariable": [9, 10]}
SKIP = {("Global", "DeleteApp")}
CUBE_CALL: dict[str, Any] = {
    "qPath": "/qHyperCubeDef", "qPages": [{"qTop": 0, "qLeft": 0, "qWidth": 3, "qHeight": 5}],
    "qFileType": "CSV_C", "qExportState": "A", "qFileName": "x", "qReductionMode": "N",
    "qZoomFactor": -1, "qRowIndices": [0, 1, 2], "qColIndices": [0, 1], "qValues": [0, -3],
    "qDimNo": 1, "qRow": 0, "qCol": 0, "qMaxNbrCells": 100, "qQueryLevel": 1,
    "qRanges": [{"qMeasureIx": 0, "qRange": {"qMin": 0, "qMax": 200}}],
    "qSelections": [{"qType": "L", "qCol": 0, "qRow": 0}], "qColumnsToSelect": [0],
    "qPaths": ["/qHyperCubeDef"], "qFromId": "cube", "qId": "child",
}


@pytest.mark.parametrize("reload_first", [False, True], ids=["data", "fields-gone"])
def test_no_internal_errors(sessions: SessionManager, reload_first: bool,
                            caplog: pytest.LogCaptureFixture) -> None:
    """Every method, every handle kind, one odd value at a time: an answer or an error
    that names the problem, never -32603."""
    problems = []
    for (cls, name), spec in sorted(METHODS.items()):
        if (cls, name) in SKIP:
            continue
        c = Client(sessions)
        c.session_app()
        c.create(LISTBOX)                                                  # 2
        c.create(CUBE)                                                     # 3
        c.call("GetField", "Region", handle=1)                             # 4
        c.create({"qInfo": {"qType": "y"}, "qHyperCubeDef": {}, "qListObjectDef": {}})  # 5
        c.call("SelectValues", [{"qText": "North"}], handle=4)
        assert c.call("CreateBookmark", {"qInfo": {"qType": "bookmark"}},
                      handle=1)["qReturn"]["qHandle"] == 6                   # 6
        for made, (method, props) in enumerate((                           # 7 to 10
                ("CreateDimension", {"qDim": {"qFieldDefs": ["Region"]}}),
                ("CreateMeasure", {"qMeasure": {"qDef": "Sum(Amount)"}}),
                ("CreateVariableEx", {"qName": "v", "qDefinition": "=Sum(Amount)"}),
                ("CreateSessionVariable", {"qName": "w", "qDefinition": "1"}))):
            assert c.call(method, props, handle=1)["qReturn"]["qHandle"] == 7 + made
        for made, props in enumerate(ISSUE_10):                            # 11 to 14
            assert c.create(props) == 11 + made
        for qid, props in (("cube", CUBE), ("gone", CUBE),                  # 15, 16
                           ("linked", {"qExtendsId": "cube"}),             # 17
                           ("broken", {"qExtendsId": "gone"}),             # 18
                           ("sheet", {"qChildListDef": {"qData": {}}})):   # 19
            made = c.call("CreateObject", {**props, "qInfo": {"qId": qid, "qType": "t"}},
                          handle=1)["qReturn"]["qHandle"]
            assert made == 15 + ("cube", "gone", "linked", "broken", "sheet").index(qid)
        c.call("DestroyObject", "gone", handle=1)  # 16 closes; 18's link is broken
        c.call("CreateChild", {**CUBE, "qInfo": {"qId": "child", "qType": "table"}},
               handle=19)
        if reload_first:
            c.call("SetScript", "T: LOAD * INLINE [\nZ\n1\n];", handle=1)
            c.call("DoReload", handle=1)
        plain = ["/qListObjectDef" if p.kind == "str" else ODD[p.kind][0] for p in spec.params]
        for handle in HANDLES[cls]:
            # on a cube, the other parameters as a client sends them: the odd value is
            # the one that reaches the method's work
            base = ([CUBE_CALL.get(p.name, b) for p, b in zip(spec.params, plain, strict=True)]
                    if cls == "GenericObject" and handle != 2 else plain)
            for i, param in enumerate(spec.params):
                for value in ODD[param.kind] + ODD["any"]:
                    params = list(base)
                    params[i] = value
                    with caplog.at_level(logging.CRITICAL, logger="associa.qix"):
                        reply = c.send(name, *params, handle=handle)
                    if reply.get("error", {}).get("code") == -32603:
                        problems.append((cls, name, handle, params))
        c.close()
    assert problems == []


def test_a_pivot_whose_calculation_condition_fails(loaded: Client) -> None:
    h = loaded.create({"qInfo": {"qType": "pivot"}, "qHyperCubeDef": {
        "qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}], "qMode": "P",
        "qCalcCondition": {"qCond": {"qv": "Count(DISTINCT Region) = 1"}}}})
    reply = loaded.send("GetLayout", handle=h)
    assert "result" in reply or reply["error"]["code"] != -32603
    assert loaded.layout(h)["qHyperCube"]["qError"] == {"qErrorCode": 7005}
    # the condition met (one region selected): the pivot computes, one row
    region = loaded.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    loaded.call("SelectValues", [{"qText": "North"}], False, handle=region)
    cube = loaded.layout(h)["qHyperCube"]
    assert "qError" not in cube and cube["qSize"]["qcy"] == 1
