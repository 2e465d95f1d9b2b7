"""App reloads and the script: the kept reload log, a failed reload that changes
nothing, the time limit, ErrorMode override, section access, CheckScriptSyntax."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from associa.app.app import App
from associa.errors import ReloadTimeLimit, ScriptError
from tests.conftest import SALES_SCRIPT


def test_success_log_is_kept_written_and_saved(app: App, tmp_path: Path) -> None:
    app.set_script("TRACE hello;\n" + SALES_SCRIPT)
    lines: list[str] = []
    app.reload(lines.append)
    log = app.reload_log.splitlines()
    assert log[0].endswith("Execution started.") and log[-1].endswith("Execution finished.")
    assert log[1:-1] == lines == ["hello", "Sales << INLINE 4 Lines fetched",
                                  "Regions << INLINE 3 Lines fetched"]
    path = app.reload_log_file()
    assert path is not None and path.parent == tmp_path / "reloadlogs"
    assert path.read_text(encoding="utf-8") == app.reload_log
    again = App.from_record(app.to_record(), tmp_path)
    assert again.reload_log == app.reload_log


def test_failed_reload_keeps_everything_but_the_log(app: App) -> None:
    app.reload()
    model, variables, reloaded = app.model, dict(app.variables), app.last_reload_time
    app.set_script("SET v = changed;\nT: LOAD 1 as X AUTOGENERATE 1;\nFOR i = 1 TO 2\n"
                   "  DROP TABLE Nope;\nNEXT")
    with pytest.raises(ScriptError):
        app.reload()
    assert app.model is model and app.variables == variables
    assert app.last_reload_time == reloaded
    tail = app.reload_log.splitlines()[-3:]
    assert tail == ["The following error occurred: Table 'Nope' not found (line 4, column 3)",
                    "The error occurred here: DROP TABLE Nope",
                    "Execution of script failed. script error."]


def test_time_limit_stops_an_endless_reload_and_keeps_the_model(app: App) -> None:
    app.reload()
    model = app.model
    app.set_script("DO\nLOOP")
    with pytest.raises(ReloadTimeLimit):
        app.reload(time_limit=0.2)
    assert app.model is model and not app.reloading


def test_error_mode_override(app: App) -> None:
    app.set_script("DROP TABLE Nope;\nT: LOAD 1 as X AUTOGENERATE 1;")
    result = app.reload(error_mode=0)
    assert app.model.data_tables == ["T"] and len(result.errors) == 1
    assert "The following error occurred: Table 'Nope' not found" in app.reload_log


def test_section_access_kept_on_the_app(app: App) -> None:
    app.set_script("Section Access;\nLOAD * INLINE [ACCESS, USERID\nUSER, u1];\n"
                   "Section Application;\nT: LOAD 1 as X AUTOGENERATE 1;")
    app.reload()
    assert app.section_access == {"INLINE01": {"ACCESS": ["USER"], "USERID": ["u1"]}}
    assert app.model.data_tables == ["T"]


def test_app_without_folder_keeps_the_log_in_memory() -> None:
    app = App("m", script="TRACE x;")
    app.reload()
    assert app.reload_log_file() is None and "x" in app.reload_log.splitlines()


def test_check_script_reads_includes_through_connections(app: App, tmp_path: Path) -> None:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "inc.qvs").write_text("LET a = 1 +* 2;\n")
    app.connections.create({"qName": "files", "qConnectionString": str(folder),
                            "qType": "folder"})
    app.set_script("SET x = 1;\n$(Include=lib://files/inc.qvs);\nNEXT")
    issues = app.check_script()
    assert [(i.message, i.line) for i in issues] == [
        ("Unexpected '*' (in lib://files/inc.qvs, line 1, column 12)", 2),
        ("NEXT without FOR", 3)]


PIECES = ["T: LOAD * INLINE [A\n1];", "DROP TABLE T;", "DROP TABLE Sales;", "LET x = 1 +* 2;",
          "IF 1 THEN", "END IF", "FOR i = 1 TO 2", "NEXT", "SET ErrorMode = 0;", "EXIT SCRIPT;",
          "U: LOAD Nope RESIDENT Sales;", "V: LOAD 1 as B AUTOGENERATE 2;", "'", "\n"]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), max_size=12).map("\n".join))
def test_a_reload_replaces_the_whole_model_or_nothing(app: App, script: str) -> None:
    app.set_script(SALES_SCRIPT)
    app.reload()
    before = (app.model, dict(app.variables), app.last_reload_time)
    app.set_script(script)
    try:
        result = app.reload(time_limit=5)
    except ScriptError as err:
        assert err.line >= 1
        assert (app.model, app.variables, app.last_reload_time) == before
        assert app.reload_log.rstrip().endswith("Execution of script failed. script error.")
    else:
        assert app.model is result.model and app.model is not before[0]
