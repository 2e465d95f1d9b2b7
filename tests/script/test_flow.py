"""Running control flow: loops stopped by cancellation and the time limit, FileList /
DirList through the listing callback, ErrorMode, subs, includes, section access."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from associa.errors import Aborted, ReloadTimeLimit, ScriptError
from associa.script import run_script
from tests.script.test_interpreter import folder_opener, snapshot


def error_of(script: str, **kwargs) -> ScriptError:
    with pytest.raises(ScriptError) as info:
        run_script(script, **kwargs)
    return info.value


# -- endless loops -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "lines"),
    [
        ("SET a = 1;\nDO\n  LET a = a + 1;\nLOOP", (2, 3, 4)),
        ("FOR i = 1 TO 2 STEP 0\nNEXT i", (1,)),
        ("DO WHILE 1\nLOOP", (1, 2)),
        # in a sub: the statement inside it that was running
        ("SUB s\n  CALL t;\nEND SUB\nSUB t\n  SLEEP 10000;\nEND SUB\nCALL s;", (5,)),
    ],
)
def test_time_limit_stops_endless_loops(script: str, lines: tuple[int, ...]) -> None:
    started = time.monotonic()
    err = error_of(script, time_limit=0.3)
    assert isinstance(err, ReloadTimeLimit)
    assert "time limit" in err.detail and "0.3 s" in err.detail
    assert err.line in lines  # where the run was when the limit struck
    assert time.monotonic() - started < 5


def test_time_limit_error_gives_the_running_statement() -> None:
    err = error_of("LET n = 0;\nDO\n  LET n = n + 1;\nLOOP", time_limit=0.2)
    assert err.statement in ("LET n = n + 1", "DO", "LOOP")
    assert err.line in (2, 3, 4)


def test_time_limit_is_not_ignored_by_error_mode_0() -> None:
    err = error_of("SET ErrorMode = 0;\nDO\nLOOP", time_limit=0.2)
    assert isinstance(err, ReloadTimeLimit)


def test_cancel_stops_an_endless_loop() -> None:
    stop = threading.Event()
    timer = threading.Timer(0.2, stop.set)
    timer.start()
    with pytest.raises(Aborted):
        run_script("DO\n  LET x = 1;\nLOOP", cancelled=stop.is_set)
    timer.cancel()


def test_cancel_stops_a_sleep() -> None:
    stop = threading.Event()
    threading.Timer(0.1, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Aborted):
        run_script("SLEEP 60000;", cancelled=stop.is_set)
    assert time.monotonic() - started < 5


def test_endless_recursion_is_an_error() -> None:
    err = error_of("SUB s\n  CALL s;\nEND SUB\nCALL s;")
    assert "Too many nested calls of sub 's'" in err.detail
    assert (err.line, err.column) == (2, 3)


def test_self_include_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "me.qvs").write_text("$(Must_Include=lib://me.qvs);\n")
    err = error_of("$(Must_Include=lib://me.qvs);", open_file=folder_opener(tmp_path))
    assert "nested too deep" in err.detail
    assert (err.line, err.column) == (1, 1)


# -- FileList / DirList through the listing callback ----------------------------------------


def test_for_each_filelist_and_dirlist() -> None:
    calls: list[tuple[str, bool]] = []

    def list_files(mask: str, directories: bool) -> list[str]:
        calls.append((mask, directories))
        if directories:
            return ["lib://Data/2023", "lib://Data/2024"]
        return ["lib://Data/a.csv", "lib://Data/b.csv"]

    script = (
        "SET vMask = *.csv;\n"
        "FOR EACH f IN FileList('lib://Data/$(vMask)')\n"
        "  Files: LOAD '$(f)' as File AUTOGENERATE 1;\n"
        "NEXT f\n"
        "FOR EACH d IN DirList('lib://Data/*')\n"
        "  Dirs: LOAD '$(d)' as Dir AUTOGENERATE 1;\n"
        "NEXT d\n"
    )
    result = run_script(script, list_files=list_files)
    assert calls == [("lib://Data/*.csv", False), ("lib://Data/*", True)]
    tables = snapshot(result.model)
    assert tables["Files"]["File"] == [["lib://Data/a.csv", None], ["lib://Data/b.csv", None]]
    assert tables["Dirs"]["Dir"] == [["lib://Data/2023", None], ["lib://Data/2024", None]]


def test_filelist_without_a_lister_is_a_clear_error() -> None:
    err = error_of("FOR EACH f IN FileList('lib://Data/*.csv')\nNEXT f")
    assert "file listing needs a folder connection" in err.detail
    assert (err.line, err.column) == (1, 1)


def test_fieldvaluelist_of_an_unknown_field() -> None:
    err = error_of("FOR EACH v IN FieldValueList('Nope')\nNEXT v")
    assert "Field 'Nope' not found" in err.detail


def test_for_each_over_no_values_runs_no_round() -> None:
    result = run_script("T: LOAD * INLINE [A\n1];\nDROP FIELD A;\nSET n = 0;\n"
                        "SET vList = ;\nFOR EACH x IN 'only'\n LET n = n + 1;\nNEXT")
    assert result.variables["n"] == "1"


# -- ErrorMode --------------------------------------------------------------------------------


def test_error_mode_0_records_errors_and_keeps_going() -> None:
    lines: list[str] = []
    result = run_script("SET ErrorMode = 0;\nDROP TABLE X;\nLET a = 1 +* 2;\nSET b = ok;",
                        progress=lines.append)
    assert result.variables["b"] == "ok"
    assert [(e.line, e.detail) for e in result.errors] == [
        (2, "Table 'X' not found"), (3, "Unexpected '*'")]
    assert result.variables["ScriptErrorCount"] == "2"
    assert result.variables["ScriptErrorList"] == "Table Not Found\nSyntax Error"
    assert lines[0] == "The following error occurred: Table 'X' not found (line 2, column 1)"
    assert lines[1] == "The error occurred here: DROP TABLE X"


def test_error_mode_1_and_2_stop() -> None:
    for mode in (1, 2):
        err = error_of(f"SET ErrorMode = {mode};\nDROP TABLE X;\nSET b = ok;")
        assert err.line == 2


def test_error_mode_override() -> None:
    # DoReload qMode 2 ignores errors whatever the script says; qMode 1 stops at them
    result = run_script("DROP TABLE X;\nSET b = ok;", error_mode=0)
    assert result.variables["b"] == "ok" and len(result.errors) == 1
    err = error_of("SET ErrorMode = 0;\nDROP TABLE X;", error_mode=1)
    assert err.line == 2


def test_error_mode_0_in_control_headers() -> None:
    script = (
        "SET ErrorMode = 0;\n"
        "IF 1 +* 2 THEN\n SET a = if;\nELSE\n SET a = else;\nEND IF\n"
        "FOR i = 1 TO 'x'\n SET b = loop;\nNEXT\n"
        "SWITCH 1\nCASE 1 +* 1\n SET c = bad;\nCASE 1\n SET c = good;\nEND SWITCH\n"
    )
    result = run_script(script)
    # a failing IF condition is not taken (nor is its ELSE: the block is left)
    assert "b" not in result.variables
    assert result.variables["c"] == "good"
    assert result.variables["ScriptErrorCount"] == "3"


def test_script_error_is_a_dual() -> None:
    result = run_script("SET ErrorMode = 0;\nLOAD * FROM [lib://x/y.csv];\n"
                        "LET n = ScriptError + 0;\nLET t = Text(ScriptError);",
                        open_file=lambda p: (_ for _ in ()).throw(FileNotFoundError(2, "gone")))
    assert result.variables["n"] == "8"
    assert result.variables["t"] == ""  # reset to 0 by the LET before it (help "ScriptError")


# -- subs ---------------------------------------------------------------------------------------


def test_sub_parameters_are_local() -> None:
    script = ("SET a = outer;\nSUB s(a)\n  SET a = inner;\n  SET seen = $(a);\nEND SUB\n"
              "CALL s('x');")
    result = run_script(script)
    assert result.variables["a"] == "outer" and result.variables["seen"] == "inner"


def test_by_reference_argument_that_is_not_a_variable_yet() -> None:
    result = run_script("SUB s(out)\n  LET out = 42;\nEND SUB\nCALL s(newvar);")
    assert result.variables["newvar"] == "42"
    assert "out" not in result.variables


def test_surplus_parameters_are_null() -> None:
    result = run_script("SUB s(a, b)\n  LET r = If(IsNull(b), 'null', 'set');\nEND SUB\nCALL s(1);")
    assert result.variables["r"] == "null"


def test_sub_names_are_case_insensitive_and_can_be_redefined() -> None:
    script = ("SUB Hello\n  SET v = first;\nEND SUB\ncall hello;\n"
              "IF 1 THEN\n  SUB Hello\n    SET v = second;\n  END SUB\nEND IF\nCALL HELLO;")
    assert run_script(script).variables["v"] == "second"


def test_sub_name_from_a_variable() -> None:
    script = "SET vName = Dyn;\nSUB $(vName)\n  SET v = called;\nEND SUB\nCALL Dyn;"
    assert run_script(script).variables["v"] == "called"


# -- includes ------------------------------------------------------------------------------------


def test_include_error_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "inc.qvs").write_text("SET a = 1;\nDROP TABLE Gone;\n")
    err = error_of("\n  $(Include=lib://inc.qvs);", open_file=folder_opener(tmp_path))
    assert err.detail == "Table 'Gone' not found (in lib://inc.qvs, line 2, column 1)"
    assert (err.line, err.column) == (2, 3)
    assert err.statement == "$(Include=lib://inc.qvs)"


def test_include_block_error_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "inc.qvs").write_text("IF 1 THEN\n")
    err = error_of("$(Include=lib://inc.qvs);", open_file=folder_opener(tmp_path))
    assert err.detail == "IF without END IF (in lib://inc.qvs, line 1, column 1)"


def test_include_without_file_access() -> None:
    assert run_script("$(Include=lib://x.qvs);\nSET a = 1;").variables["a"] == "1"
    err = error_of("$(Must_Include=lib://x.qvs);")
    assert "Cannot open include file: 'lib://x.qvs'" in err.detail


def test_exit_script_in_an_include_ends_the_script(tmp_path: Path) -> None:
    (tmp_path / "inc.qvs").write_text("SET a = 1;\nEXIT SCRIPT;\nSET b = 2;\n")
    result = run_script("$(Include=lib://inc.qvs);\nSET c = 3;", open_file=folder_opener(tmp_path))
    assert result.variables == {"a": "1"}


# -- section access --------------------------------------------------------------------------------


def test_section_access_tables_leave_the_model() -> None:
    script = ("Section Access;\nLOAD * INLINE [ACCESS, USERID\nADMIN, a];\n"
              "Section Application;\nT: LOAD * INLINE [X\n1];")
    result = run_script(script)
    assert result.model.data_tables == ["T"]
    assert "ACCESS" not in result.model.fields and "USERID" not in result.model.fields
    assert result.section_access == {"INLINE01": {"ACCESS": ["ADMIN"], "USERID": ["a"]}}


# -- WHEN / UNLESS and EXIT with conditions -----------------------------------------------------


def test_when_condition_error_is_placed() -> None:
    err = error_of("SET a = 1;\nWHEN 1 +* 2 SET b = 1;")
    assert (err.line, err.column) == (2, 9)


def test_exit_script_keeps_variables_and_log() -> None:
    result = run_script("TRACE one;\nSET a = 1;\nEXIT SCRIPT WHEN a = 1;\nTRACE two;")
    assert result.log == ["one"] and result.variables == {"a": "1"}


@pytest.mark.parametrize("ms", ["-1", "3600001", "'x'"])
def test_sleep_range(ms: str) -> None:
    err = error_of(f"SET a = 1;\nSLEEP {ms};")
    assert err.line == 2 and "SLEEP" in err.detail


def test_include_inside_a_statement_inserts_the_text(tmp_path: Path) -> None:
    (tmp_path / "fields.txt").write_text("A, A * 2 as B")
    script = "T: LOAD $(Include=lib://fields.txt) INLINE [A\n1\n2];\nSET x = [$(Include=lib://no.txt)];"
    result = run_script(script, open_file=folder_opener(tmp_path))
    assert snapshot(result.model)["T"]["B"] == [["2", 2.0], ["4", 4.0]]
    assert result.variables["x"] == "[]"
    err = error_of("SET a = 1;\nSET x = [$(Must_Include=lib://no.txt)];",
                   open_file=folder_opener(tmp_path))
    assert "Cannot open include file: 'lib://no.txt'" in err.detail and err.line == 2
