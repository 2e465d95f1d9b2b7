"""Bad input never crashes the script layer: any text ends in a result or in a
LanguageError with a position, never another exception or a hang (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from associa.errors import LanguageError, ScriptError
from associa.script import run_script
from associa.script.parser import parse_statement
from associa.script.scanner import split_statements
from associa.script.syntax import check_syntax

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# pieces of real scripts: keywords, punctuation, names, numbers, quotes, comments
WORDS = [
    "LOAD", "SET", "LET", "IF", "THEN", "ELSEIF", "ELSE", "END", "IF", "ENDIF", "FOR",
    "EACH", "IN", "TO", "STEP", "NEXT", "DO", "WHILE", "UNTIL", "LOOP", "SWITCH", "CASE",
    "DEFAULT", "SUB", "CALL", "EXIT", "SCRIPT", "WHEN", "UNLESS", "TRACE", "SLEEP",
    "SECTION", "ACCESS", "APPLICATION", "DROP", "TABLE", "FIELD", "INLINE", "RESIDENT",
    "AUTOGENERATE", "FROM", "WHERE", "AS", "DISTINCT", "CONCATENATE", "NOCONCATENATE",
    "REM", "FileList", "DirList", "FieldValueList", "ErrorMode", "ScriptError", "T", "A",
    "B", "x", "i", "v", "1", "0", "2", "-1", "3.5", "'a'", "'it''s'", '"F"', "[A B]",
    "`q`", ";", ";", ";", ",", "(", ")", "=", "<", ">", "+", "-", "*", "/", "&", ":",
    "$(", "$(v)", "$(=1+1)", "$(#v)", "$(v(1,2))", "$1", "$(Include=lib://x.qvs)",
    "$(Must_Include=lib://x.qvs)", "//", "/*", "*/", "\n", "\n", "\n", " ", "[", "]",
    "'", '"', "INLINE [A\n1\n2]", "lib://x/y.csv", "(txt)", "@", "#", "?",
]

script_texts = st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join)
any_texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                    max_size=200)


def _no_file(path: str) -> bytes:
    raise FileNotFoundError(2, "No such file", path)


def _placed(err: LanguageError, script: str) -> None:
    assert err.line >= 1 and err.column >= 1, err
    assert err.line <= script.count("\n") + 1, err


@FUZZ
@given(st.one_of(script_texts, any_texts))
def test_scanner_splits_or_reports_a_position(script: str) -> None:
    try:
        statements = split_statements(script)
    except ScriptError as err:
        _placed(err, script)
        return
    last = -1
    for stmt in statements:
        assert stmt.offset > last or stmt.offset == 0
        last = stmt.offset
        assert stmt.text.strip()
        assert stmt.offset + len(stmt.text) <= len(script)


@FUZZ
@given(st.one_of(script_texts, any_texts))
def test_parser_parses_or_reports_an_offset(text: str) -> None:
    try:
        parse_statement(text)
    except LanguageError as err:
        assert -1 <= err.offset <= len(text), err


@FUZZ
@given(script_texts)
def test_interpreter_ends_in_a_result_or_a_placed_error(script: str) -> None:
    try:
        run_script(script, open_file=_no_file, list_files=lambda mask, dirs: [],
                   time_limit=2)
    except ScriptError as err:
        _placed(err, script)


@FUZZ
@given(st.one_of(script_texts, any_texts))
def test_syntax_check_never_raises(script: str) -> None:
    for issue in check_syntax(script, _no_file):
        assert 0 <= issue.offset <= len(script)
        assert issue.line >= 1 and issue.column >= 1
        qix = issue.to_qix(script)
        assert qix["qTextPos"] == issue.offset and qix["qColInLine"] == issue.column - 1


# whole statements and blocks, mostly well formed, so that runs go deep
STATEMENTS = [
    "SET v = 1;", "LET v = v + 1;", "LET w = $(v) * 2;", "T: LOAD * INLINE [A\n1\n2];",
    "U: LOAD A, A * 2 as B RESIDENT T;", "DROP TABLE T;", "DROP FIELD A;", "TRACE v=$(v);",
    "CALL s(v);", "CALL s;", "CALL nosub;", "EXIT DO WHEN v > 3;", "EXIT FOR;",
    "EXIT SUB;", "EXIT SCRIPT WHEN v > 5;", "SET ErrorMode = 0;", "SET ErrorMode = 1;",
    "LET x = 1 +* 2;", "LOAD * FROM [lib://x/y.csv];", "$(Include=lib://a.qvs);",
    "Section Access;", "Section Application;", "SLEEP 1;", "WHEN v = 1 SET w = 2;",
    "UNLESS v SET w = 3;", "LET v = ScriptError;", "SET v = ;", "LET v = Null();",
]


def _blocks(body: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(body, body).map(lambda b: f"IF v < 3 THEN\n{b[0]}\nELSE\n{b[1]}\nEND IF"),
        body.map(lambda b: f"FOR i = 1 TO 3\n{b}\nNEXT i"),
        body.map(lambda b: f"FOR EACH e IN 'a', 1, FieldValueList('A')\n{b}\nNEXT"),
        body.map(lambda b: f"DO WHILE v < 4\nLET v = v + 1;\n{b}\nLOOP"),
        body.map(lambda b: f"SWITCH v\nCASE 1, 2\n{b}\nDEFAULT\n{b}\nEND SWITCH"),
        body.map(lambda b: f"SUB s(p, q)\n{b}\nEND SUB"),
    )


structured = st.recursive(
    st.sampled_from(STATEMENTS),
    lambda inner: st.one_of(_blocks(inner),
                            st.lists(inner, min_size=1, max_size=4).map("\n".join)),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(structured, max_size=5).map("\n".join), st.randoms(use_true_random=False))
def test_structured_scripts_end_in_a_result_or_a_placed_error(script: str, rnd) -> None:
    if script and rnd.random() < 0.3:  # break it somewhere
        cut = rnd.randrange(len(script))
        script = script[:cut] + rnd.choice(["", ";", "\n", "END IF", "(", "'"]) + script[cut + 1:]
    try:
        run_script(script, open_file=_no_file, list_files=lambda mask, dirs: [],
                   time_limit=1)
    except ScriptError as err:
        _placed(err, script)
    for issue in check_syntax(script, _no_file):
        assert 0 <= issue.offset <= len(script)


@pytest.mark.parametrize(
    "script",
    [
        "IF", "FOR", "FOR EACH", "NEXT NEXT", "END", "END SUB", "SUB", "CALL", "EXIT",
        "DO UNTIL", "LOOP WHILE", "SWITCH", "CASE", "$(", "$(=", "$(Include=)", "WHEN",
        "SECTION", "SLEEP 'x'", "FOR i = 'a' TO 2\nNEXT", "CALL s(1,,2)", "'", "[", "/*",
        "SUB s(a,a)\nEND SUB\nCALL s(1)", "FOR EACH x IN FileList()\nNEXT",
        "FOR EACH x IN FieldValueList(1, 2)\nNEXT", "SET a = $(a)$(a);\nLET b = $(a);",
    ],
)
def test_broken_scripts_give_placed_errors(script: str) -> None:
    try:
        run_script(script, open_file=_no_file, time_limit=2)
    except ScriptError as err:
        _placed(err, script)
