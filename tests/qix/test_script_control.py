"""The script over QIX: CheckScriptSyntax, DoReloadEx, DoReload qMode, warnings of
ignored errors in GetProgress, and CancelRequest stopping an endless loop."""

from __future__ import annotations

import re
import time

from tests.conftest import Client
from tests.qix.test_progress import poll, reload_in_thread


def test_check_script_syntax(client: Client) -> None:
    doc = client.session_app(None)
    client.call("SetScript", "SET a = 1;\nLOAD * INLINE [A\n1];", handle=doc)
    assert client.call("CheckScriptSyntax", handle=doc) == {"qErrors": []}
    script = "///$tab Main\nSET a = 1;\nIF a THEN\n///$tab Load\nLET b = 1 +* 2;\nDROP x;"
    client.call("SetScript", script, handle=doc)
    assert client.call("CheckScriptSyntax", handle=doc) == {"qErrors": [
        {"qErrLen": 2, "qTabIx": 0, "qLineInTab": 1, "qColInLine": 0, "qTextPos": 24},
        {"qErrLen": 1, "qTabIx": 1, "qLineInTab": 0, "qColInLine": 11, "qTextPos": 58},
        {"qErrLen": 1, "qTabIx": 1, "qLineInTab": 1, "qColInLine": 5, "qTextPos": 68},
    ]}
    # checking runs nothing
    assert client.call("GetTablesAndKeys", {}, {}, 0, False, False, handle=doc)["qtr"] == []


def test_do_reload_ex(client: Client) -> None:
    doc = client.session_app(None)
    client.call("SetScript", "T: LOAD 1 as X AUTOGENERATE 1;", handle=doc)
    result = client.call("DoReloadEx", {}, handle=doc)["qResult"]
    assert result["qSuccess"] is True
    log_file = result["qScriptLogFile"]
    with open(log_file, encoding="utf-8") as f:
        assert "T << AUTOGENERATE 1 Lines fetched" in f.read()
    client.call("SetScript", "DROP TABLE Nope;", handle=doc)
    assert client.call("DoReloadEx", {"qMode": 0}, handle=doc)["qResult"]["qSuccess"] is False
    assert client.error("DoReloadEx", {"qMode": "x"}, handle=doc)["code"] == 8


def test_do_reload_mode_2_goes_on_after_errors(client: Client) -> None:
    doc = client.session_app(None)
    client.call("SetScript", "DROP TABLE Nope;\nT: LOAD 1 as X AUTOGENERATE 1;", handle=doc)
    assert client.call("DoReload", 1, handle=doc) == {"qReturn": False}
    assert client.call("DoReload", 2, handle=doc) == {"qReturn": True}
    assert client.call("Evaluate", "Count(X)", handle=doc) == {"qReturn": "1"}


def test_ignored_errors_are_warnings_in_progress(client: Client) -> None:
    doc = client.session_app(None)
    assert doc == 1  # reload_in_thread reloads handle 1
    client.call("SetScript", "SET ErrorMode = 0;\nDROP TABLE Nope;", handle=doc)
    rid = 4242
    thread, replies = reload_in_thread(client, rid)
    seen = poll(client, rid, thread)
    thread.join(30)
    assert replies[0]["result"] == {"qReturn": True}
    errors = [e for d in seen for e in d["qErrorData"]]
    assert [e["qErrorDataCode"] for e in errors] == ["EDC_WARNING"]
    assert errors[0]["qErrorString"] == "Table 'Nope' not found (line 2, column 1)"
    persistent = "".join(d.get("qPersistentProgress", "") for d in seen)
    assert "The following error occurred: Table 'Nope' not found" in persistent


def test_cancel_request_stops_an_endless_loop(client: Client) -> None:
    doc = client.session_app("T: LOAD 1 as X AUTOGENERATE 1;")
    assert doc == 1
    client.call("SetScript", "LET n = 0;\nDO\n  LET n = n + 1;\n  TRACE round $(n);\nLOOP",
                handle=doc)
    rid = 777
    thread, replies = reload_in_thread(client, rid)
    deadline = time.monotonic() + 30
    text = ""
    while "round 5" not in text:
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.005)
        text += client.call("GetProgress", rid)["qProgressData"].get("qPersistentProgress", "")
    assert client.call("CancelRequest", rid) == {}
    thread.join(30)
    assert not thread.is_alive()
    assert replies[0]["error"]["code"] == 15
    # the previous model is still there
    assert client.call("Evaluate", "Count(X)", handle=doc) == {"qReturn": "1"}
    assert re.search(r"round \d+", text)
