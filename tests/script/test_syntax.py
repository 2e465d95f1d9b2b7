"""CheckScriptSyntax: every error with its position, sections, included files."""

from __future__ import annotations

from pathlib import Path

import pytest

from associa.script.syntax import check_syntax, tab_of
from tests.script.test_interpreter import folder_opener


def found(script: str, **kwargs) -> list[tuple[str, int, int]]:
    return [(i.message, i.line, i.column) for i in check_syntax(script, **kwargs)]


def test_a_clean_script_has_no_errors() -> None:
    script = ("SET a = 1;\nIF a THEN\n  T: LOAD * INLINE [A\n1];\nEND IF\nFOR i = 1 TO 2\n"
              "  TRACE $(i);\nNEXT\nSUB s(x)\nEND SUB\nCALL s(1);\nEXIT SCRIPT;")
    assert check_syntax(script) == []


def test_every_error_is_reported_in_script_order() -> None:
    script = "LET a = 1 +* 2;\nNEXT\nLOAD A B INLINE [A\n1];\nSET ok = 1;\nDO WHILE\nLOOP"
    assert found(script) == [
        ("Unexpected '*'", 1, 12),
        ("NEXT without FOR", 2, 1),
        ("Unexpected 'B', expected FROM, FROM_FIELD, INLINE, RESIDENT or AUTOGENERATE", 3, 8),
        ("Unexpected end of statement, expected a condition", 6, 9),
    ]


def test_statements_with_expansions_are_left_to_the_run() -> None:
    assert check_syntax("$(vTable): LOAD $(vFields) INLINE [A\n1];") == []


def test_unclosed_quote_still_checks_what_comes_before() -> None:
    script = "LET a = 1 +* 2;\nLET b = 'open;\nSET c = 1;"
    assert found(script) == [("Unexpected '*'", 1, 12), ("Missing closing '", 2, 9)]


def test_error_lengths_and_qix_shape() -> None:
    script = "SET a = 1;\nDROP Something;"
    (issue,) = check_syntax(script)
    assert issue.length == len("Something")
    assert issue.to_qix(script) == {"qErrLen": 9, "qTabIx": 0, "qLineInTab": 1,
                                    "qColInLine": 5, "qTextPos": 16}


def test_sections_of_the_qlik_sense_editor() -> None:
    script = ("///$tab Main\r\nSET a = 1;\r\n///$tab Load\r\nSET b = 2;\r\n"
              "LET c = 1 +* 2;\r\n")
    (issue,) = check_syntax(script)
    assert issue.to_qix(script)["qTabIx"] == 1
    assert issue.to_qix(script)["qLineInTab"] == 1
    assert issue.to_qix(script)["qColInLine"] == 11


@pytest.mark.parametrize(
    ("script", "line", "expected"),
    [
        ("a\nb\nc", 3, (0, 2)),  # no sections: one
        ("///$tab Main\na\n///$tab Two\nb", 2, (0, 0)),
        ("///$tab Main\na\n///$tab Two\nb", 4, (1, 0)),
        ("x\n///$tab Two\nb", 1, (0, 0)),  # text before the first marker: section 0
        ("x\n///$tab Two\nb", 3, (1, 0)),
    ],
)
def test_tab_of(script: str, line: int, expected: tuple[int, int]) -> None:
    assert tab_of(script, line) == expected


def test_errors_in_included_files(tmp_path: Path) -> None:
    (tmp_path / "inc.qvs").write_text("SET a = 1;\nLET b = 1 +* 2;\nIF 1 THEN\n")
    (tmp_path / "ok.qvs").write_text("SET fine = 1;\n")
    script = ("$(Include=lib://ok.qvs);\n  $(Must_Include=lib://inc.qvs);\n"
              "$(Include=lib://missing.qvs);")
    assert found(script, open_file=folder_opener(tmp_path)) == [
        ("Unexpected '*' (in lib://inc.qvs, line 2, column 12)", 2, 3),
        ("IF without END IF (in lib://inc.qvs, line 3, column 1)", 2, 3),
    ]


def test_nested_includes_name_both_files(tmp_path: Path) -> None:
    (tmp_path / "outer.qvs").write_text("\n$(Include=lib://inner.qvs)\n")
    (tmp_path / "inner.qvs").write_text("NEXT\n")
    assert found("$(Include=lib://outer.qvs);", open_file=folder_opener(tmp_path)) == [
        ("NEXT without FOR (in lib://inner.qvs, line 1, column 1) "
         "(in lib://outer.qvs, line 2, column 1)", 1, 1)]


def test_self_including_file_ends(tmp_path: Path) -> None:
    (tmp_path / "me.qvs").write_text("$(Include=lib://me.qvs)\n")
    assert check_syntax("$(Include=lib://me.qvs);", open_file=folder_opener(tmp_path)) == []
