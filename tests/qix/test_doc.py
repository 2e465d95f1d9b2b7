"""Doc: script and reload, objects, data model, expressions, selections, connections."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from associa.engine import Engine
from tests.conftest import CUBE, LISTBOX, SALES_SCRIPT, Client, two_sessions_on_one_app

# The default script of a new app, as a real Qlik Core engine returned it for GetScript
# (recorded in a corectl golden; the engine used CRLF line ends, the file has LF).
REAL_DEFAULT_SCRIPT = Path(__file__).parent.parent / "golden" / "values" / "default_script_header.qvs"


def test_new_app_script_is_the_engine_default(client: Client, engine: Engine) -> None:
    engine.create_app("fresh")
    client.call("OpenDoc", "fresh")
    script = client.call("GetScript", handle=1)["qScript"]
    lines = script.replace("\r\n", "\n").split("\n")
    expected = REAL_DEFAULT_SCRIPT.read_text(encoding="utf-8").split("\n")
    assert [line for line in lines if line] == [line for line in expected if line]
    assert client.call("GetEmptyScript", handle=1)["qReturn"] == script


def test_set_and_get_script(client: Client) -> None:
    client.call("CreateSessionApp")
    assert client.call("SetScript", "A: LOAD 1 as X AutoGenerate 1;", handle=1) == {}
    assert client.call("GetScript", handle=1) == {"qScript": "A: LOAD 1 as X AutoGenerate 1;"}
    assert client.call("SetScript", named={"qScript": "// nothing"}, handle=1) == {}
    assert client.call("GetScript", handle=1)["qScript"] == "// nothing"


def test_reload_with_defaults_and_all_params(client: Client) -> None:
    client.call("CreateSessionApp")
    client.call("SetScript", SALES_SCRIPT, handle=1)
    reply = client.send("DoReload", handle=1)
    assert reply["result"] == {"qReturn": True} and reply["change"] == [1]
    assert client.call("DoReload", 0, False, False, handle=1) == {"qReturn": True}
    assert client.call("Evaluate", "Sum(Amount)", handle=1) == {"qReturn": "310"}


def test_reload_error_keeps_the_old_data(loaded: Client) -> None:
    loaded.call("SetScript", "T:\nLOAD * INLINE [\nA\n1\n];\n\nNOT A STATEMENT;\n", handle=1)
    reply = loaded.send("DoReload", handle=1)
    assert reply["result"] == {"qReturn": False}
    data = loaded.call("GetProgress", reply["id"])["qProgressData"]
    assert data["qFinished"] is True
    assert "line 7" in data["qPersistentProgress"]
    (err,) = data["qErrorData"]
    assert "line 7" in err["qErrorString"] and err["qErrorDataCode"] == "EDC_ERROR"
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1) == {"qReturn": "310"}


def test_reload_keeps_selections_on_values_still_there(loaded: Client) -> None:
    field = loaded.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    loaded.call("Select", "North", handle=field)
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "120"
    assert loaded.call("DoReload", handle=1) == {"qReturn": True}
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "120"


def test_tables_and_keys(loaded: Client) -> None:
    result = loaded.call("GetTablesAndKeys", {"qcx": 0, "qcy": 0}, {"qcx": 0, "qcy": 0}, 0,
                         False, False, handle=1)
    assert set(result) == {"qtr", "qk"}
    tables = {t["qName"]: t for t in result["qtr"]}
    assert set(tables) == {"Sales", "Regions"}
    assert tables["Sales"]["qNoOfRows"] == 4
    fields = {f["qName"]: f for f in tables["Sales"]["qFields"]}
    assert set(fields) == {"Region", "Product", "Amount"}
    assert fields["Region"]["qKeyType"] != "NOT_KEY"
    assert fields["Product"]["qKeyType"] == "NOT_KEY"
    assert result["qk"] == [{"qKeyFields": ["Region"], "qTables": ["Sales", "Regions"]}]
    # corectl sends empty size objects
    assert loaded.call("GetTablesAndKeys", {}, {}, 0, False, False, False, handle=1) == result


def test_field_description(loaded: Client) -> None:
    desc = loaded.call("GetFieldDescription", "Region", handle=1)["qReturn"]
    assert desc["qName"] == "Region" and desc["qCardinal"] == 3
    assert sorted(desc["qSrcTables"]) == ["Regions", "Sales"]
    assert loaded.error("GetFieldDescription", "Nope", handle=1)["code"] == 2


def test_get_field(loaded: Client) -> None:
    result = loaded.call("GetField", "Region", handle=1)
    assert result == {"qReturn": {"qType": "Field", "qHandle": 2}}
    err = loaded.error("GetField", "Nope", handle=1)
    assert err["code"] == 2 and err["parameter"] == "Nope"


def test_evaluate(loaded: Client) -> None:
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1) == {"qReturn": "310"}
    assert loaded.call("Evaluate", named={"qExpression": "Count(Product)"}, handle=1) == {
        "qReturn": "4"
    }
    assert loaded.call("EvaluateEx", "Sum(Amount)", handle=1) == {
        "qValue": {"qText": "310", "qIsNumeric": True, "qNumber": 310}
    }
    text = loaded.call("EvaluateEx", "Only(Manager)", handle=1)["qValue"]
    assert text["qIsNumeric"] is False
    assert loaded.call("Evaluate", "Sum(", handle=1)["qReturn"].startswith("Error")


def test_create_object_returns_interface_and_info(loaded: Client) -> None:
    reply = loaded.send("CreateObject", {"qInfo": {"qType": "chart"}, **CUBE_BODY}, handle=1)
    result = reply["result"]
    assert set(result) == {"qReturn", "qInfo"}
    qid = result["qInfo"]["qId"]
    assert result["qInfo"] == {"qId": qid, "qType": "chart"}
    assert result["qReturn"] == {"qType": "GenericObject", "qHandle": 2,
                                 "qGenericType": "chart", "qGenericId": qid}
    assert reply["change"] == [2]
    assert loaded.error("CreateObject", {"qInfo": {"qId": qid, "qType": "chart"}},
                        handle=1)["code"] == 3


CUBE_BODY = {"qHyperCubeDef": CUBE["qHyperCubeDef"]}


def test_session_object_lifecycle(loaded: Client) -> None:
    reply = loaded.send("CreateSessionObject", {"qInfo": {"qId": "so", "qType": "x"}}, handle=1)
    assert set(reply["result"]) == {"qReturn"}
    assert reply["result"]["qReturn"]["qGenericId"] == "so"
    assert reply["change"] == [2]
    assert loaded.call("GetObject", "so", handle=1)["qReturn"]["qHandle"] == 2
    assert loaded.error("CreateSessionObject", {"qInfo": {"qId": "so"}}, handle=1)["code"] == 3
    reply = loaded.send("DestroySessionObject", "so", handle=1)
    assert reply["result"] == {"qSuccess": True} and reply["close"] == [2]
    assert loaded.call("DestroySessionObject", "so", handle=1) == {"qSuccess": False}
    assert loaded.call("GetObject", "so", handle=1) == {"qReturn": {"qType": None, "qHandle": None}}


def test_session_objects_belong_to_the_session(make_client: Callable[..., Client]) -> None:
    loaded, other = two_sessions_on_one_app(make_client)
    loaded.create({"qInfo": {"qId": "mine", "qType": "x"}})
    assert other.call("GetObject", "mine", handle=1)["qReturn"]["qHandle"] is None


def test_persisted_objects(make_client: Callable[..., Client]) -> None:
    loaded, other = two_sessions_on_one_app(make_client)
    loaded.call("CreateObject", {"qInfo": {"qId": "p1", "qType": "sheet"}, "title": "t"}, handle=1)
    infos = loaded.call("GetAllInfos", handle=1)["qInfos"]
    assert {"qId": "p1", "qType": "sheet"} in infos
    handle = other.call("GetObject", "p1", handle=1)["qReturn"]["qHandle"]
    assert other.layout(handle)["title"] == "t"
    reply = loaded.send("DestroyObject", "p1", handle=1)
    assert reply["result"] == {"qSuccess": True} and reply["close"] == [2]
    assert {"jsonrpc": "2.0", "close": [handle]} in other.pushed
    assert loaded.call("DestroyObject", "p1", handle=1) == {"qSuccess": False}


def test_get_object_unknown(loaded: Client) -> None:
    assert loaded.call("GetObject", "nope", handle=1) == {
        "qReturn": {"qType": None, "qHandle": None}
    }


def test_app_layout_and_properties(loaded: Client) -> None:
    layout = loaded.call("GetAppLayout", handle=1)["qLayout"]
    assert layout["qHasData"] is True and layout["qHasScript"] is True
    assert layout["qLastReloadTime"].endswith("Z")
    assert "qLocaleInfo" in layout
    props = loaded.call("GetAppProperties", handle=1)["qProp"]
    props["qTitle"] = "My title"
    props["custom"] = {"a": 1}
    reply = loaded.send("SetAppProperties", props, handle=1)
    assert reply["result"] == {} and 1 in reply["change"]
    again = loaded.call("GetAppProperties", handle=1)["qProp"]
    assert again["qTitle"] == "My title" and again["custom"] == {"a": 1}
    assert loaded.call("GetAppLayout", handle=1)["qLayout"]["qTitle"] == "My title"
    info = loaded.call("GetLocaleInfo", handle=1)["qReturn"]
    assert info["qDecimalSep"] == "."


def test_clear_all_back_forward(loaded: Client) -> None:
    cube = loaded.create(CUBE)
    field = loaded.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    loaded.call("Select", "North", handle=field)
    loaded.call("Select", "South", handle=field)
    assert loaded.call("BackCount", handle=1) == {"qReturn": 2}
    reply = loaded.send("Back", handle=1)
    assert reply["result"] == {} and {1, cube} <= set(reply["change"])
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "120"
    assert loaded.call("ForwardCount", handle=1) == {"qReturn": 1}
    loaded.call("Forward", handle=1)
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "150"
    reply = loaded.send("ClearAll", handle=1)
    assert reply["result"] == {} and {1, cube} <= set(reply["change"])
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"
    # nothing to clear: no change
    assert "change" not in loaded.send("ClearAll", handle=1)


def test_lock_all_unlock_all(loaded: Client) -> None:
    field = loaded.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    loaded.call("Select", "North", handle=field)
    loaded.call("LockAll", handle=1)
    loaded.call("ClearAll", handle=1)
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "120"
    loaded.call("ClearAll", True, handle=1)
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"
    loaded.call("Select", "North", handle=field)
    loaded.call("LockAll", handle=1)
    loaded.call("UnlockAll", handle=1)
    loaded.call("ClearAll", handle=1)
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"


def test_connections(loaded: Client, tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "extra.csv").write_text("Region,Size\nNorth,1\nWest,2\n")
    conn = {"qName": "files", "qConnectionString": str(folder), "qType": "folder"}
    conn_id = loaded.call("CreateConnection", conn, handle=1)["qConnectionId"]
    (listed,) = loaded.call("GetConnections", handle=1)["qConnections"]
    assert listed["qId"] == conn_id and listed["qName"] == "files"
    got = loaded.call("GetConnection", conn_id, handle=1)["qConnection"]
    assert got["qConnectionString"] == str(folder) and got["qType"] == "folder"
    assert loaded.error("CreateConnection", conn, handle=1)["code"] == 2000
    assert loaded.error("CreateConnection", {"qName": "a/b", "qConnectionString": "x"},
                        handle=1)["code"] == 2004
    loaded.call("SetScript", SALES_SCRIPT + "\nExtra: LOAD * FROM [lib://files/extra.csv] "
                "(txt, embedded labels, delimiter is ',');\n", handle=1)
    assert loaded.call("DoReload", handle=1) == {"qReturn": True}
    assert loaded.call("Evaluate", "Sum(Size)", handle=1)["qReturn"] == "3"
    loaded.call("ModifyConnection", conn_id, {"qName": "renamed"}, handle=1)
    assert loaded.call("GetConnection", conn_id, handle=1)["qConnection"]["qName"] == "renamed"
    assert loaded.call("DeleteConnection", conn_id, handle=1) == {}
    assert loaded.call("GetConnections", handle=1) == {"qConnections": []}
    assert loaded.error("GetConnection", conn_id, handle=1)["code"] == 2001


def test_save_regular_app(client: Client, engine: Engine) -> None:
    engine.create_app("saved", SALES_SCRIPT)
    client.call("OpenDoc", "saved")
    client.call("DoReload", handle=1)
    assert client.call("DoSave", handle=1) == {}
    assert client.call("DoSave", "ignored-name.qvf", handle=1) == {}


def test_save_session_app(loaded: Client) -> None:
    assert loaded.error("DoSave", handle=1)["code"] == 9009


def test_listbox_and_cube_in_one_doc(loaded: Client) -> None:
    listbox = loaded.create(LISTBOX)
    cube = loaded.create(CUBE)
    assert listbox == 2 and cube == 3
    assert loaded.layout(listbox)["qListObject"]["qSize"] == {"qcx": 1, "qcy": 3}
    assert loaded.layout(cube)["qHyperCube"]["qSize"] == {"qcx": 2, "qcy": 3}
