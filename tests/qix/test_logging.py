"""What the engine logs about requests: each reload (its lines, then one line with the
duration, tables and rows, or the failure) and each error answered to a client."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import SALES_SCRIPT, Client


def records(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == name]


def test_a_reload_logs_its_lines_and_its_end(client: Client,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="associa")
    client.call("CreateSessionApp")
    client.call("SetScript", SALES_SCRIPT, handle=1)
    client.call("DoReload", handle=1)
    lines = [r.fields["line"] for r in records(caplog, "reload progress")]  # type: ignore[attr-defined]
    assert lines == ["Sales << INLINE 4 Lines fetched", "Regions << INLINE 3 Lines fetched"]
    (done,) = records(caplog, "reload finished")
    assert done.levelno == logging.INFO and done.name == "associa.reload"
    fields = done.fields  # type: ignore[attr-defined]
    assert fields["app"].startswith("SessionApp_")
    assert (fields["tables"], fields["rows"]) == (2, 7)
    assert 0 <= fields["seconds"] < 10
    assert f"app={fields['app']} " in done.getMessage() and " rows=7" in done.getMessage()


def test_a_failed_reload_logs_a_warning(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="associa")
    client.call("CreateSessionApp")
    client.call("SetScript", "T: LOAD nosuch INLINE [A\n1];", handle=1)
    assert client.call("DoReload", handle=1) == {"qReturn": False}
    (failed,) = records(caplog, "reload failed")
    assert failed.levelno == logging.WARNING
    assert failed.fields["error"] == "Field 'nosuch' not found (line 1, column 9)"  # type: ignore[attr-defined]
    assert not records(caplog, "reload finished")


def test_each_error_answered_is_logged_once(client: Client,
                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="associa")
    err = client.error("OpenDoc", "no-such-app")
    client.call("EngineVersion")
    (line,) = records(caplog, "request failed")
    assert line.levelno == logging.WARNING
    fields = line.fields  # type: ignore[attr-defined]
    assert (fields["method"], fields["code"], fields["message"]) == (
        "OpenDoc", err["code"], err["message"])
    assert fields["session"] == client.session.key
    assert line.getMessage().startswith(f"request failed method=OpenDoc code={err['code']} ")
