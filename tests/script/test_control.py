"""Script structure: control lines in the scanner, the block tree, control headers."""

from __future__ import annotations

import pytest

from associa.errors import ScriptError
from associa.script import control as c
from associa.script.parser import StatementError, parse_statement
from associa.script.scanner import split_statements


def texts(script: str) -> list[str]:
    return [s.text.strip() for s in split_statements(script)]


# -- scanner: control statements end at their line --------------------------------------


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("FOR i = 1 TO 3\nLET a = 1;\nNEXT i\n", ["FOR i = 1 TO 3", "LET a = 1", "NEXT i"]),
        ("IF a THEN\nSET b = 1;\nEND IF", ["IF a THEN", "SET b = 1", "END IF"]),
        # a statement may follow THEN, ELSE and END IF on the same line
        ("IF a THEN LET b = 1; ELSE LET b = 2; END IF",
         ["IF a THEN", "LET b = 1", "ELSE", "LET b = 2", "END IF"]),
        # a ';' ends a control statement too
        ("DO WHILE x < 3; LET x = x + 1; LOOP;", ["DO WHILE x < 3", "LET x = x + 1", "LOOP"]),
        # labels and assignments with keyword names are not control statements
        ("Next: LOAD 1 as A\nAUTOGENERATE 1;", ["Next: LOAD 1 as A\nAUTOGENERATE 1"]),
        ("Case = 1;\nDefault = 2;", ["Case = 1", "Default = 2"]),
        ("Sub2: LOAD 1 as A\nAUTOGENERATE 1;", ["Sub2: LOAD 1 as A\nAUTOGENERATE 1"]),
        # comments on control lines; a REM right after a control line
        ("NEXT // done\nREM it's a comment;\nSET a = 1;", ["NEXT", "SET a = 1"]),
        ("SUB s /* x */\nEND SUB", ["SUB s", "END SUB"]),
        # an include without ';' ends at its line
        ("$(Include=lib://x/a.qvs)\nSET a = 1;", ["$(Include=lib://x/a.qvs)", "SET a = 1"]),
        # ordinary statements still span lines
        ("LET a =\n  1 +\n  2;", ["LET a =\n  1 +\n  2"]),
        ("ENDIF\nENDSUB\nEND SWITCH\nDEFAULT\n", ["ENDIF", "ENDSUB", "END SWITCH", "DEFAULT"]),
    ],
)
def test_control_lines(script: str, expected: list[str]) -> None:
    assert texts(script) == expected


def test_control_line_positions() -> None:
    stmts = split_statements("SET a = 1;\n  IF a THEN LET b = 2;\nEND IF")
    assert [(s.line, s.column) for s in stmts] == [(1, 1), (2, 3), (2, 13), (3, 1)]


# -- the block tree ------------------------------------------------------------------------


def tree(script: str) -> list[c.Node]:
    return c.compile_script(split_statements(script), script)


def test_if_tree() -> None:
    (node,) = tree("IF a THEN\nSET x = 1;\nELSEIF b THEN\nELSE\nSET y = 2;\nSET z = 3;\nEND IF")
    assert isinstance(node, c.IfBlock)
    assert [b.stmt.text.strip() for b in node.branches] == ["IF a THEN", "ELSEIF b THEN", "ELSE"]
    assert [len(b.body) for b in node.branches] == [1, 0, 2]
    assert node.end.text.strip() == "END IF"


def test_nested_blocks() -> None:
    script = ("SUB s(a)\n FOR i = 1 TO 2\n  DO WHILE 0\n   SWITCH 1\n   CASE 1\n"
              "    EXIT DO;\n   END SWITCH\n  LOOP\n NEXT\nEND SUB\nCALL s(1);")
    sub, call = tree(script)
    assert isinstance(sub, c.SubBlock) and isinstance(call, c.Simple)
    (loop,) = sub.body
    assert isinstance(loop, c.ForBlock)
    (do,) = loop.body
    assert isinstance(do, c.DoBlock)
    (switch,) = do.body
    assert isinstance(switch, c.SwitchBlock) and len(switch.cases) == 1
    assert isinstance(switch.cases[0].body[0], c.Simple)


def test_include_nodes() -> None:
    a, b = tree("$(Include=lib://x/a.qvs);\n$( Must_Include = lib://x/$(v).qvs );")
    assert isinstance(a, c.Include) and a.path == "lib://x/a.qvs" and not a.must
    assert isinstance(b, c.Include) and b.must and b.path.strip() == "lib://x/$(v).qvs"


@pytest.mark.parametrize(
    ("script", "message", "line", "column"),
    [
        ("IF 1 THEN\nSET a = 1;", "IF without END IF", 1, 1),
        ("END IF", "END IF without IF", 1, 1),
        ("SET a = 1;\n  ELSE", "ELSE without IF", 2, 3),
        ("IF 1 THEN\nELSE\nELSE\nEND IF", "ELSE after ELSE", 3, 1),
        ("IF 1 THEN\nELSE\nELSEIF 2 THEN\nEND IF", "ELSEIF after ELSE", 3, 1),
        ("FOR i = 1 TO 2\nEND IF\nNEXT", "END IF without IF", 2, 1),
        ("NEXT", "NEXT without FOR", 1, 1),
        ("DO\nNEXT\nLOOP", "NEXT without FOR", 2, 1),
        ("LOOP", "LOOP without DO", 1, 1),
        ("SUB s\nEND IF\nEND SUB", "END IF without IF", 2, 1),
        ("CASE 1", "CASE without SWITCH", 1, 1),
        ("SWITCH 1\nDEFAULT\nCASE 2\nEND SWITCH", "CASE after DEFAULT", 3, 1),
        ("EXIT FOR", "EXIT FOR outside a FOR block", 1, 1),
        ("FOR i = 1 TO 2\n  EXIT DO;\nNEXT", "EXIT DO outside a DO block", 2, 3),
        ("EXIT SUB", "EXIT SUB outside a SUB block", 1, 1),
        ("SUB s\nDO\nEND SUB", "END SUB without SUB", 3, 1),
    ],
)
def test_block_errors(script: str, message: str, line: int, column: int) -> None:
    with pytest.raises(c.BlockError) as info:
        tree(script)
    err = info.value
    assert err.detail == message
    assert (err.line, err.column) == (line, column)
    assert isinstance(err, ScriptError)


def test_every_block_error_is_collected() -> None:
    script = "NEXT\nIF 1 THEN\nLOOP\n"
    errors: list[c.BlockError] = []
    c.compile_script(split_statements(script), script, errors)
    assert [(e.detail, e.line) for e in errors] == [
        ("NEXT without FOR", 1), ("LOOP without DO", 3), ("IF without END IF", 2)]


# -- headers and simple control statements -------------------------------------------------


def test_headers() -> None:
    head = c.parse_header("FOR i = 1 TO n * 2 STEP -1")
    assert isinstance(head, c.ForHead) and head.var == "i" and head.step is not None
    head = c.parse_header("for each [my var] in 'a', 1+1, FileList('lib://x/*.csv')")
    assert isinstance(head, c.ForEachHead) and head.var == "my var" and len(head.items) == 3
    assert c.parse_header("DO") == c.Cond("", None)
    head = c.parse_header("Loop Until x > 1")
    assert isinstance(head, c.Cond) and head.kind == "until" and head.cond is not None
    head = c.parse_header("CASE 1, 2, 'x'")
    assert isinstance(head, c.ValueList) and len(head.values) == 3
    assert c.parse_header("SUB Name(a, b)") == c.SubHead("Name", ["a", "b"])
    assert c.parse_header("Sub NoParams") == c.SubHead("NoParams", [])
    assert c.parse_header("NEXT i") == c.Keyword("i")
    assert c.parse_header("End If") == c.Keyword("end")


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("IF a = 1", "expected THEN", 8),
        ("IF THEN", "expected a condition", 3),
        ("FOR i 1 TO 2", "expected '='", 6),
        ("FOR i = 1 2", "expected TO", 10),
        ("FOR i = 1 TO", "expected an end value", 12),
        ("FOR EACH x 'a'", "expected IN", 11),
        ("DO FOREVER", "Unexpected 'FOREVER'", 3),
        ("SUB", "expected a sub name", 3),
        ("SUB s(a", "expected ')'", 7),
        ("NEXT i j", "Unexpected 'j'", 7),
    ],
)
def test_header_errors(text: str, message: str, offset: int) -> None:
    with pytest.raises(StatementError) as info:
        c.parse_header(text)
    assert message in info.value.detail
    assert info.value.offset == offset


def test_simple_control_statements() -> None:
    assert parse_statement("EXIT SCRIPT") == c.Exit("script")
    node = parse_statement("Exit For When i > 2")
    assert isinstance(node, c.Exit) and node.what == "for" and node.cond is not None
    assert not node.unless
    node = parse_statement("exit do unless x")
    assert isinstance(node, c.Exit) and node.unless
    assert parse_statement("CALL s") == c.Call("s", [])
    node = parse_statement("Call s(a, 1 + 2, 'x')")
    assert isinstance(node, c.Call) and len(node.args) == 3
    assert isinstance(parse_statement("SLEEP 1000"), c.Sleep)
    assert parse_statement("Section Access") == c.Section(True)
    assert parse_statement("SECTION APPLICATION") == c.Section(False)
    node = parse_statement("WHEN x > 1 SET a = b")
    assert isinstance(node, c.Conditional) and not node.unless
    node = parse_statement("UNLESS 0 T: LOAD 1 as A AUTOGENERATE 1")
    assert isinstance(node, c.Conditional) and node.unless


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("EXIT", "expected SCRIPT, FOR, DO or SUB", 4),
        ("EXIT LOOP", "expected SCRIPT, FOR, DO or SUB", 5),
        ("CALL", "expected a sub name", 4),
        ("CALL s(1", "expected ')'", 8),
        ("SECTION data", "expected ACCESS or APPLICATION", 8),
        ("WHEN 1", "expected a statement", 6),
        ("WHEN 1 LOAD A B INLINE [A\n1]", "Unexpected 'B'", 14),
        ("SLEEP", "expected a number of milliseconds", 5),
        ("WHEN 1 IF 1 THEN", "WHEN and UNLESS cannot prefix IF", 7),
    ],
)
def test_simple_control_errors(text: str, message: str, offset: int) -> None:
    with pytest.raises(StatementError) as info:
        parse_statement(text)
    assert message in info.value.detail
    assert info.value.offset == offset


def test_walk_lists_every_statement_in_order() -> None:
    script = "IF 1 THEN\n SET a = 1;\nELSE\n SET b = 2;\nEND IF\nSWITCH 1\nCASE 1\nEND SWITCH"
    stmts = c.walk(tree(script))
    assert [s.text.strip() for s in stmts] == [
        "IF 1 THEN", "SET a = 1", "ELSE", "SET b = 2", "END IF", "SWITCH 1", "CASE 1",
        "END SWITCH"]
