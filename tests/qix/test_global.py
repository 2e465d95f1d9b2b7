"""Global (handle -1): versions, apps, docs, session apps, progress, cancellation."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from associa.engine import Engine
from tests.conftest import SALES_SCRIPT, Client


def test_versions_and_facts(client: Client) -> None:
    assert client.call("EngineVersion") == {"qVersion": {"qComponentVersion": "12.2027.0"}}
    assert isinstance(client.call("ProductVersion")["qReturn"], str)
    assert client.call("QvVersion") == {"qReturn": "12.2027.0"}
    assert client.call("IsDesktopMode") == {"qReturn": False}
    assert client.call("IsPersonalMode") == {"qReturn": False}
    assert client.call("AllowCreateApp") == {"qReturn": True}
    assert isinstance(client.call("OSName")["qReturn"], str)
    assert "qFeatures" in client.call("GetConfiguration")["qConfig"]
    a, b = client.call("GetUniqueID"), client.call("GetUniqueID")
    assert a["qUniqueID"] != b["qUniqueID"]


def test_get_active_doc_without_doc(client: Client) -> None:
    assert client.error("GetActiveDoc") == {
        "code": 1007, "parameter": "No active document", "message": "App invalid"
    }


def test_open_doc(client: Client, engine: Engine) -> None:
    engine.create_app("sales.qvf", SALES_SCRIPT)
    reply = client.send("OpenDoc", "sales.qvf")
    assert reply["result"] == {"qReturn": {"qType": "Doc", "qHandle": 1, "qGenericId": "sales.qvf"}}
    assert reply["change"] == [1]
    # again (enigma-go sends every param; named params too): the same handle
    assert client.call("OpenDoc", "sales.qvf", "", "", "", False)["qReturn"]["qHandle"] == 1
    assert client.call("OpenDoc", named={"qDocName": "sales.qvf"})["qReturn"]["qHandle"] == 1
    assert client.call("GetActiveDoc") == {
        "qReturn": {"qType": "Doc", "qHandle": 1, "qGenericId": "sales.qvf"}
    }


def test_open_unknown_doc(client: Client) -> None:
    assert client.error("OpenDoc", "nope.qvf") == {
        "code": 1003, "parameter": "Could not find app", "message": "App not found"
    }
    assert client.error("OpenDoc", "") ["code"] == 1003


def test_open_a_second_doc_is_refused(client: Client, engine: Engine) -> None:
    engine.create_app("a")
    engine.create_app("b")
    assert client.call("OpenDoc", "a")["qReturn"]["qHandle"] == 1
    assert client.error("OpenDoc", "b")["code"] == 1002
    assert client.call("GetActiveDoc")["qReturn"]["qGenericId"] == "a"


def test_create_app(client: Client, engine: Engine) -> None:
    assert client.call("CreateApp", "new app") == {"qSuccess": True, "qAppId": "new app"}
    assert engine.app_exists("new app")
    assert client.error("CreateApp", "new app")["code"] == 1000
    assert client.error("CreateApp", "SessionApp_mine")["code"] == 1001
    assert client.error("CreateApp", "  ")["code"] == 1001
    assert client.error("CreateApp", 5)["code"] == -32602


def test_create_session_app(client: Client) -> None:
    reply = client.send("CreateSessionApp")
    result = reply["result"]
    assert set(result) == {"qReturn", "qSessionAppId"}
    assert result["qSessionAppId"].startswith("SessionApp_")
    assert result["qReturn"]["qType"] == "Doc" and result["qReturn"]["qHandle"] == 1
    assert reply["change"] == [1]
    assert client.call("GetActiveDoc")["qReturn"]["qHandle"] == 1
    layout = client.call("GetAppLayout", handle=1)["qLayout"]
    assert layout["qIsSessionApp"] is True and layout["qHasData"] is False


def test_session_apps_are_not_listed(client: Client, engine: Engine) -> None:
    engine.create_app("listed")
    client.call("CreateSessionApp")
    names = [d["qDocId"] for d in client.call("GetDocList")["qDocList"]]
    assert names == ["listed"]


def test_doc_list_entries(client: Client, engine: Engine) -> None:
    app = engine.create_app("one")
    engine.save_app(app)
    (entry,) = client.call("GetDocList")["qDocList"]
    assert entry["qDocId"] == "one" and entry["qDocName"] == "one"
    assert entry["qFileSize"] > 0 and entry["qFileTime"] > 40000  # days since 1899-12-30


def test_doc_list_names_what_opendoc_opens(client: Client, engine: Engine) -> None:
    app = engine.create_app("sales-2024")
    app.set_properties({"qTitle": "Sales 2024"})
    engine.save_app(app)
    (entry,) = client.call("GetDocList")["qDocList"]
    assert (entry["qDocName"], entry["qTitle"]) == ("sales-2024", "Sales 2024")
    reply = client.call("OpenDoc", entry["qDocName"])
    assert reply["qReturn"]["qGenericId"] == "sales-2024"
    assert client.call("GetAppLayout", handle=1)["qLayout"]["qTitle"] == "Sales 2024"


def test_app_entry(client: Client, engine: Engine) -> None:
    engine.create_app("e")
    entry = client.call("GetAppEntry", "e")["qEntry"]
    assert entry["qID"] == "e" and entry["qTitle"] == "e"
    assert client.error("GetAppEntry", "zz")["code"] == 1003


def test_delete_app(client: Client, engine: Engine) -> None:
    engine.create_app("gone")
    assert client.call("DeleteApp", "gone") == {"qSuccess": True}
    assert not engine.app_exists("gone")
    assert client.error("DeleteApp", "gone")["code"] == 1003
    assert client.error("OpenDoc", "gone")["code"] == 1003


def test_progress_before_any_reload(client: Client) -> None:
    data = client.call("GetProgress", 0)["qProgressData"]
    assert data["qFinished"] is True and data["qErrorData"] == []
    assert client.call("GetProgress")["qProgressData"] == data


def test_progress_of_a_reload(client: Client) -> None:
    client.call("CreateSessionApp")
    client.call("SetScript", SALES_SCRIPT, handle=1)
    rid = client.send("DoReload", handle=1)["id"]
    data = client.call("GetProgress", rid)["qProgressData"]
    assert data["qStarted"] is True and data["qFinished"] is True
    assert "Sales" in data["qPersistentProgress"] and "Regions" in data["qPersistentProgress"]
    assert data["qErrorData"] == []
    assert isinstance(data["qMillisecs"], int)
    # the persistent lines are only sent once
    again = client.call("GetProgress", rid)["qProgressData"]
    assert "qPersistentProgress" not in again


@pytest.mark.parametrize("method", ["CancelRequest", "AbortRequest"])
def test_cancel_unknown_request_is_harmless(client: Client, method: str) -> None:
    assert client.call(method, 12345) == {}
    assert client.call("AbortAll") == {}
    assert client.call("CancelReload") == {}


def test_interact(client: Client) -> None:
    result = client.call("GetInteract", 1)
    assert set(result) == {"qDef", "qReturn"}
    assert result["qReturn"] is False and result["qDef"]["qType"] == "IT_END"
    assert set(result["qDef"]) == {"qType", "qTitle", "qMsg", "qButtons", "qLine",
                                   "qOldLineNr", "qNewLineNr", "qPath", "qHidden",
                                   "qResult", "qInput"}
    assert client.call("InteractDone", 1, {}) == {}
    assert client.call("ConfigureReload", True, True, False) == {}


def test_global_methods_need_no_doc(make_client: Callable[..., Client]) -> None:
    c = make_client()
    assert c.call("GetDocList") == {"qDocList": []}
    assert c.error("OpenDoc", "x")["code"] == 1003
    assert c.call("QvVersion")["qReturn"]


def test_doc_methods_are_not_global(client: Client) -> None:
    assert client.error("GetScript") == {
        "code": -32601, "parameter": "GetScript", "message": "Method not found"
    }


def test_one_doc_per_session(client: Client, engine: Engine) -> None:
    engine.create_app("a")
    client.call("CreateSessionApp")
    assert client.error("CreateSessionApp")["code"] == 1002
    assert client.error("OpenDoc", "a")["code"] == 1002
    assert client.call("GetActiveDoc")["qReturn"]["qHandle"] == 1
    assert len(client.session.session_apps) == 1


@pytest.mark.parametrize("cancel", ["CancelReload", "AbortAll", "CancelRequest", "AbortRequest"])
def test_cancelling_finished_reloads_spares_later_ones(loaded: Client, cancel: str) -> None:
    """A client that counts ids from 1 again (a reconnect to a TTL session) may reuse the
    id of a finished reload; cancelling before must not abort the new one."""
    reload = '{"jsonrpc":"2.0","id":500,"handle":1,"method":"DoReload","params":[]}'
    assert loaded.send_text(reload)["result"] == {"qReturn": True}
    if cancel in ("CancelRequest", "AbortRequest"):
        assert loaded.call(cancel, 500) == {}
    else:
        assert loaded.call(cancel) == {}
    assert loaded.send_text(reload)["result"] == {"qReturn": True}


def test_cancel_before_the_reload_runs(loaded: Client) -> None:
    assert loaded.call("CancelRequest", 600) == {}
    reply = loaded.send_text('{"jsonrpc":"2.0","id":600,"handle":1,"method":"DoReload"}')
    assert reply["error"]["code"] == 15
    # the cancellation is used up
    reply = loaded.send_text('{"jsonrpc":"2.0","id":600,"handle":1,"method":"DoReload"}')
    assert reply["result"] == {"qReturn": True}


# -- what the engine offers around the apps (qix/api/environment.py) ---------------------


@pytest.mark.parametrize("bnf_type", [0, "S", 1, "E"])
def test_bnf(client: Client, bnf_type: object) -> None:
    defs = client.call("GetBNF", bnf_type)["qBnfDefs"]
    base = client.call("GetBaseBNF", bnf_type)
    assert base["qBnfDefs"] == defs
    assert client.call("GetBaseBNFHash", bnf_type) == {"qBnfHash": base["qBnfHash"]}
    assert [d["qNbr"] for d in defs] == list(range(len(defs)))
    functions = {d["qName"]: d for d in defs if d.get("qQvFunc") or d.get("qAggrFunc")}
    assert functions["Sum"].get("qAggrFunc") and functions["Sum"]["qFG"] == "AGGR"
    assert functions["Round"].get("qQvFunc") and functions["Round"]["qFG"] == "NUM"
    assert functions["QVUser"].get("qDepr") is True
    for d in defs:  # every rule's members are definitions whose parent is a rule
        assert all(0 <= n < len(defs) for n in d["qBnf"])
        assert d["qPNbr"] == -1 or defs[d["qPNbr"]].get("qIsBnfRule")
    text = client.call("GetBaseBNFString", bnf_type)
    assert text["qBnfHash"] == base["qBnfHash"] and '"Sum"' in text["qBnfStr"]


def test_script_and_expression_grammars_differ(client: Client) -> None:
    script = client.call("GetBaseBNF", "S")
    chart = client.call("GetBaseBNF", "E")
    assert script["qBnfHash"] != chart["qBnfHash"]
    statements = {d["qStr"] for d in script["qBnfDefs"] if d.get("qScriptStatement")}
    assert {"LOAD", "LET", "SET", "STORE", "DROP"} <= statements
    controls = {d["qStr"] for d in script["qBnfDefs"] if d.get("qControlStatement")}
    assert {"IF", "FOR", "NEXT", "SUB", "END SUB"} <= controls
    names = {d["qName"] for d in chart["qBnfDefs"]}
    assert "Above" in names and "Peek" not in names  # chart-only, script-only
    assert "Peek" in {d["qName"] for d in script["qBnfDefs"]}
    assert not any(d.get("qScriptStatement") for d in chart["qBnfDefs"])
    assert client.error("GetBNF", "X")["code"] == 8
    assert client.error("GetBaseBNF", True)["code"] == 8


def test_connectors_code_pages_and_streams(client: Client) -> None:
    connectors = client.call("GetCustomConnectors")["qConnectors"]
    assert {c["qProvider"] for c in connectors} == {"folder", "duckdb", "sqlite", "postgresql"}
    assert all(c["qMachineMode"] == "CONNECT_DEFAULT" for c in connectors)
    pages = {c["qNumber"]: c for c in client.call("GetSupportedCodePages")["qCodePages"]}
    assert pages[65001]["qName"] == "utf-8" and pages[1252]["qName"] == "cp1252"
    assert pages[1200]["qName"] == "utf-16-le"
    assert client.call("GetStreamList") == {"qStreamList": []}
    assert client.call("ReloadExtensionList") == {}


def test_every_listed_code_page_is_read(client: Client) -> None:
    """A LOAD's ``codepage is N`` reads each code page listed."""
    from associa.script.sources.delimited import decode

    for page in client.call("GetSupportedCodePages")["qCodePages"]:
        written = "abc".encode(page["qName"])
        assert decode(written, f"codepage is {page['qNumber']}") == "abc", page


def test_databases_from_a_connection_string(client: Client) -> None:
    def databases(ctype: str, text: str) -> object:
        return client.call("GetDatabasesFromConnectionString",
                           {"qType": ctype, "qConnectionString": text})["qDatabases"]

    assert databases("duckdb", "/nowhere/sales.duckdb") == [{"qName": "main", "qIsDefault": True}]
    assert databases("postgresql", "host=db dbname=sales user=ann") == [
        {"qName": "sales", "qIsDefault": True}]
    assert databases("postgres", "postgresql://ann@db/crm") == [
        {"qName": "crm", "qIsDefault": True}]
    err = client.error("GetDatabasesFromConnectionString",
                       {"qType": "folder", "qConnectionString": "/tmp"})
    assert err["code"] == 8 and err["parameter"] == "qType"
    assert client.call("IsValidConnectionString",
                       {"qType": "sqlite", "qConnectionString": "a.db"}) == {"qReturn": True}
    assert client.call("IsValidConnectionString",
                       {"qType": "odbc", "qConnectionString": "x"}) == {"qReturn": False}


def test_default_app_folder_and_user(client: Client, engine: Engine) -> None:
    path = client.call("GetDefaultAppFolder")["qPath"]
    assert path == str(engine.store.root.resolve())
    assert client.call("GetAuthenticatedUser") == {
        "qReturn": "UserDirectory=associa; UserId=anonymous"}


def test_authenticated_user_is_the_session_identity(make_client: Callable[..., Client]) -> None:
    from associa.identity import Identity

    ann = make_client(identity=Identity("ann", "corp", method="jwt"))
    assert ann.call("GetAuthenticatedUser") == {"qReturn": "UserDirectory=corp; UserId=ann"}


def test_shutdown_process_is_for_admins(make_client: Callable[..., Client],
                                        engine: Engine) -> None:
    from associa.identity import Identity

    stopped: list[bool] = []
    user = make_client(identity=Identity("ann", "corp", method="jwt"))
    assert user.error("ShutdownProcess") == {
        "code": 5, "parameter": "ShutdownProcess", "message": "Access denied"}
    admin = make_client(identity=Identity("root", "corp", admin=True, method="jwt"))
    assert admin.error("ShutdownProcess")["code"] == 20  # in process: no server to stop
    engine.shutdown_hooks.append(lambda: stopped.append(True))
    assert user.error("ShutdownProcess")["code"] == 5 and stopped == []
    assert admin.call("ShutdownProcess") == {} and stopped == [True]
