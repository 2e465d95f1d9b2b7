"""Splitting a script into statements; comment blanking."""

from __future__ import annotations

import pytest

from associa.errors import ScriptError
from associa.script.scanner import Statement, blank_comments, split_statements


def texts(script: str) -> list[str]:
    return [s.text.strip() for s in split_statements(script)]


def test_statements_end_with_semicolons() -> None:
    assert texts("SET a = 1; SET b = 2;\nLET c = 3;") == ["SET a = 1", "SET b = 2", "LET c = 3"]


def test_last_statement_needs_no_semicolon() -> None:
    assert texts("SET a = 1;\nSET b = 2") == ["SET a = 1", "SET b = 2"]


def test_empty_statements_are_skipped() -> None:
    assert texts(";;  ;\n SET a = 1;;\n\n") == ["SET a = 1"]
    assert split_statements("") == []
    assert split_statements("  \n // only a comment\n") == []


@pytest.mark.parametrize(
    "script",
    [
        "LET a = 'x;y';",
        'LOAD "a;b" INLINE [x];',
        "LOAD [a;b] INLINE [x];",
        "LOAD `a;b` INLINE [x];",
        "T: LOAD * INLINE [A\n1;2\n3];",
    ],
)
def test_semicolons_inside_quotes_do_not_split(script: str) -> None:
    assert len(split_statements(script)) == 1


def test_statement_keeps_its_text_without_semicolon() -> None:
    (stmt,) = split_statements("  LET a =\n  1 ;")
    assert stmt.text == "  LET a =\n  1"
    assert stmt.offset == 0


def test_line_and_column_of_first_character() -> None:
    script = "SET a = 1;\n\n   LET b = 2;  TRACE x;\n/* c */ SET d = 4;"
    stmts = split_statements(script)
    assert [(s.line, s.column) for s in stmts] == [(1, 1), (3, 4), (3, 16), (4, 9)]


def test_position_of_an_offset_inside_a_statement() -> None:
    script = "SET a = 1;\nLET b =\n  1 + ;"
    stmt = split_statements(script)[1]
    plus = stmt.text.index("+")
    assert stmt.position(plus, script) == (3, 5)


def test_line_comments_are_blanked() -> None:
    script = "SET a = 1; // comment; with semicolon\nSET b = 2;"
    assert texts(script) == ["SET a = 1", "SET b = 2"]


def test_block_comments_are_blanked_keeping_lines() -> None:
    script = "SET a = 1;\n/* one;\n two; */\nSET b = 2;"
    blanked = blank_comments(script)
    assert len(blanked) == len(script)
    assert blanked.count("\n") == script.count("\n")
    assert "one" not in blanked and "two" not in blanked
    stmts = split_statements(script)
    assert [s.text.strip() for s in stmts] == ["SET a = 1", "SET b = 2"]
    assert (stmts[1].line, stmts[1].column) == (4, 1)


def test_comment_markers_inside_quotes_are_text() -> None:
    script = "LET a = '//not a comment' & '/* nor this */';"
    assert blank_comments(script) == script


def test_double_slash_after_colon_is_not_a_comment() -> None:
    script = "LOAD * FROM lib://Data/x.csv (txt);"
    assert blank_comments(script) == script
    assert texts(script) == ["LOAD * FROM lib://Data/x.csv (txt)"]


def test_section_markers_are_comments() -> None:
    assert texts("///$tab Main\nSET a = 1;") == ["SET a = 1"]


def test_unclosed_block_comment_runs_to_the_end() -> None:
    assert texts("SET a = 1;\n/* never closed; SET b = 2;") == ["SET a = 1"]


def test_rem_statement_is_a_comment_up_to_semicolon() -> None:
    script = "REM this is; SET a = 1;\nrem don't stop here;\nSET b = 2;"
    assert texts(script) == ["SET a = 1", "SET b = 2"]


def test_rem_is_only_a_keyword_at_statement_start() -> None:
    assert texts("SET remark = 1; Rem x;") == ["SET remark = 1"]
    assert texts("LET a = rem;") == ["LET a = rem"]
    assert texts("Remove: LOAD 1 as X AUTOGENERATE 1;")[0].startswith("Remove:")


def test_rem_after_a_comment_is_still_a_statement_start() -> None:
    assert texts("/* x */ REM it's;\n// y\nREM z; SET a = 1;") == ["SET a = 1"]


@pytest.mark.parametrize(
    ("script", "line", "column", "close"),
    [
        ("SET a = 'abc;", 1, 9, "'"),
        ("SET a = 1;\nLOAD * INLINE [A\n1;", 2, 15, "]"),
        ('LOAD "abc FROM x;', 1, 6, '"'),
        ("LOAD `abc FROM x;", 1, 6, "`"),
    ],
)
def test_unclosed_quote_is_an_error(script: str, line: int, column: int, close: str) -> None:
    with pytest.raises(ScriptError) as info:
        split_statements(script)
    err = info.value
    assert (err.line, err.column) == (line, column)
    assert err.detail == f"Missing closing {close}"


def test_statement_is_frozen() -> None:
    stmt = Statement("x", 0, 1, 1)
    with pytest.raises(AttributeError):
        stmt.text = "y"  # type: ignore[misc]
