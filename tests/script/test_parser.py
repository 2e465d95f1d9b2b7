"""Parsing one (expanded) load-script statement into a statement node."""

from __future__ import annotations

import pytest

from associa.expr import ast
from associa.script import parser as p
from associa.script.parser import LetVar, parse_statement
from associa.script.sources import TextFormat


def load(text: str) -> p.Load:
    node = parse_statement(text)
    assert isinstance(node, p.Load)
    return node


# -- SET, LET, TRACE, REM -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "value"),
    [
        ("SET a = 1+2", "a", "1+2"),
        ("set a=hello world ", "a", "hello world"),
        ("SET DateFormat='M/D/YYYY'", "DateFormat", "M/D/YYYY"),  # §3.1/§11.15
        ('SET a = "x y"', "a", "x y"),
        ("SET a = 'a' & 'b'", "a", "'a' & 'b'"),  # not one quoted string: kept
        ("SET a = ", "a", ""),
        ("SET [my var] = 1", "my var", "1"),
        ("SET a = Sum(x);\n", "a", "Sum(x);"),
        ("  Set  vX =\n  multi\n  line", "vX", "multi\n  line"),
    ],
)
def test_set_takes_raw_text(text: str, name: str, value: str) -> None:
    assert parse_statement(text) == p.SetVar(name, value)


def test_let_parses_an_expression() -> None:
    node = parse_statement("LET x = 1 + 2")
    assert node == p.LetVar("x", ast.Binary("+", ast.Number(1.0, "1"), ast.Number(2.0, "2")))
    assert parse_statement("let [a b] = 'x'") == p.LetVar("a b", ast.String("x"))


def test_trace_and_rem() -> None:
    assert parse_statement("TRACE hello  world ") == p.Trace("hello  world")
    assert parse_statement("trace") == p.Trace("")
    assert parse_statement("REM anything at all") == p.Noop()
    assert parse_statement("   ") == p.Noop()


def test_drop() -> None:
    assert parse_statement("DROP TABLE T") == p.DropTables(["T"])
    assert parse_statement("drop tables A, [B C], 'D'") == p.DropTables(["A", "B C", "D"])
    assert parse_statement("DROP FIELD F") == p.DropFields(["F"], [])
    assert parse_statement("DROP FIELDS F, G FROM T, U") == p.DropFields(["F", "G"], ["T", "U"])


# -- LOAD ----------------------------------------------------------------------------------


def test_inline_load_with_label() -> None:
    node = load("T: LOAD * INLINE [A, B\n1, 2]")
    assert node.label == "T"
    assert node.items == [p.LoadItem(None, "*")]
    assert (node.source, node.data) == ("inline", "A, B\n1, 2")
    assert node.fmt == p.FileFormat()
    assert node.where is None and not node.distinct
    assert node.concatenate is None and not node.no_concatenate


@pytest.mark.parametrize("label", ["[My T]", '"My T"', "'My T'"])
def test_quoted_labels(label: str) -> None:
    assert load(f"{label}:\nLOAD A INLINE [A\n1]").label == "My T"


@pytest.mark.parametrize("quotes", ["[]", '""', "''", "``"])
def test_inline_data_quotes(quotes: str) -> None:
    assert load(f"LOAD A INLINE {quotes[0]}A\n1{quotes[1]}").data == "A\n1"


def test_load_items_names() -> None:
    node = load("LOAD A, [B C] as D, A + 1 as E, A & 'x', \"F\", *, Len(A)  INLINE [A]")
    assert [i.name for i in node.items] == ["A", "D", "E", "A & 'x'", "F", "*", "Len(A)"]
    assert node.items[1].expr == ast.FieldRef("B C")
    assert node.items[5].expr is None


@pytest.mark.parametrize("alias", ["[New Name]", '"New Name"', "'New Name'"])
def test_alias_quotes(alias: str) -> None:
    assert load(f"LOAD A as {alias} INLINE [A]").items[0].name == "New Name"


def test_keywords_are_case_insensitive() -> None:
    node = load("t: load distinct a AS b inline [a] where a > 1")
    assert node.distinct and node.items[0].name == "b" and node.where is not None


def test_where_clause() -> None:
    node = load("LOAD A INLINE [A\n1] WHERE A > 1 and A < 5")
    assert isinstance(node.where, ast.Binary) and node.where.op == "and"


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("LOAD * FROM [lib://Data/my file.csv] (txt)", "lib://Data/my file.csv"),
        ("LOAD * FROM 'lib://Data/x.csv'", "lib://Data/x.csv"),
        ('LOAD * FROM "lib://Data/x.csv"', "lib://Data/x.csv"),
        ("LOAD * FROM lib://Data/sub/x.csv (txt)", "lib://Data/sub/x.csv"),
        ("LOAD * FROM lib://Data/2024-x.csv WHERE A > 1", "lib://Data/2024-x.csv"),
        ("LOAD * FROM [C:\\data\\x.csv]", "C:\\data\\x.csv"),
    ],
)
def test_file_paths(text: str, path: str) -> None:
    node = load(text)
    assert (node.source, node.data) == ("file", path)


def test_file_format_spec() -> None:
    node = load("LOAD * FROM x.csv (txt, utf8, embedded labels, delimiter is ',', msq)")
    assert node.fmt == p.FileFormat("txt", TextFormat(",", "embedded", "msq", 0, None, "utf8"))


@pytest.mark.parametrize(
    ("spec", "fmt"),
    [
        ("(txt)", TextFormat()),
        ("(delimiter is ';')", TextFormat(delimiter=";")),
        ("(delimiter is '\\t')", TextFormat(delimiter="\t")),
        ("(delimiter is spaces)", TextFormat(delimiter="spaces")),
        ("(no labels)", TextFormat(labels="none")),
        ("(explicit labels)", TextFormat(labels="explicit")),
        ("(no quotes)", TextFormat(quoting="none")),
        ("(header is 2 lines)", TextFormat(header_lines=2)),
        ("(comment is '#')", TextFormat(comment="#")),
        ("(codepage is 1252)", TextFormat(charset="codepage:1252")),
        ("(ansi, txt, delimiter is '|')", TextFormat(delimiter="|", charset="ansi")),
        ("(TXT, UTF8, Embedded Labels)", TextFormat()),
    ],
)
def test_format_spec_items(spec: str, fmt: TextFormat) -> None:
    assert load(f"LOAD * FROM x.txt {spec}").fmt.text == fmt


def test_inline_format_spec() -> None:
    assert load("LOAD * INLINE [A;B] (delimiter is ';')").fmt.text.delimiter == ";"


def test_resident_and_autogenerate() -> None:
    node = load("LOAD A RESIDENT [My T] WHERE A > 0")
    assert (node.source, node.data) == ("resident", "My T")
    assert node.where is not None
    node = load("LOAD RecNo() as N AUTOGENERATE 2 * 5")
    assert node.source == "autogenerate"
    assert node.count == ast.Binary("*", ast.Number(2.0, "2"), ast.Number(5.0, "5"))


@pytest.mark.parametrize(
    ("text", "concatenate", "no_concatenate"),
    [
        ("Concatenate LOAD * RESIDENT T", "", False),
        ("Concatenate (T) LOAD * RESIDENT T", "T", False),
        ("CONCATENATE([My T]) LOAD * RESIDENT T", "My T", False),
        ("NoConcatenate LOAD * RESIDENT T", None, True),
        ("X: NoConcatenate LOAD * RESIDENT T", None, True),
    ],
)
def test_concatenate_prefixes(text: str, concatenate: str | None, no_concatenate: bool) -> None:
    node = load(text)
    assert (node.concatenate, node.no_concatenate) == (concatenate, no_concatenate)


# -- errors: StatementError with the offset of the offending token ---------------------------


@pytest.mark.parametrize(
    ("text", "message", "token"),
    [
        ("ODBC CONNECT TO db", "ODBC CONNECT is not supported: create a connection "
         "(CreateConnection) and use LIB CONNECT TO 'name'", "ODBC"),
        ("IF 1 = 1 THEN", "The IF statement is not supported yet", "IF"),
        ("STORE T INTO", "Unexpected end of statement, expected a file name", None),
        ("FOO bar", "Unknown statement: FOO", "FOO"),
        ("LOAD * FROM x.dif (dif)", "File format dif is not supported yet", "dif"),
        ("LEFT LOAD * RESIDENT T", "Unexpected 'LOAD', expected JOIN or KEEP", "LOAD"),
        ("OUTER KEEP LOAD * RESIDENT T", "OUTER KEEP is not a valid prefix; use INNER, LEFT or RIGHT KEEP",
         "OUTER"),
        ("CROSSTABLE(A) LOAD * RESIDENT T", "CROSSTABLE takes an attribute field, a data field "
         "and the number of qualifier fields", "(A)"),
        ("HIERARCHY(A, B) LOAD * RESIDENT T", "HIERARCHY takes 3 to 8 arguments", "(A,"),
        ("LOAD A INLINE [A] ORDER BY A", "ORDER BY is only allowed after RESIDENT", "ORDER"),
        ("LOAD A RESIDENT T ORDER BY", "Unexpected end of statement, expected a field name",
         None),
        ("RENAME FIELD A B", "Unexpected 'B', expected TO", "B"),
        ("RENAME X A TO B", "Unexpected 'X', expected TABLE or FIELD", "X"),
        ("MAP A, B", "Unexpected end of statement, expected USING", None),
        ("LOAD A FROM", "Unexpected end of statement, expected a file name", None),
        (
            "LOAD A NOWHERE x",
            "Unexpected 'NOWHERE', expected FROM, FROM_FIELD, INLINE, RESIDENT or AUTOGENERATE",
            "NOWHERE",
        ),
        ("LOAD A INLINE [A] junk", "Unexpected 'junk'", "junk"),
        ("LOAD A INLINE 12", "Unexpected '12', expected inline data in [ ]", "12"),
        ("LOAD * FROM x (bogus)", "Unexpected 'bogus', in file format", "bogus"),
        ("LOAD * FROM x (no way)", "Unexpected 'way', expected LABELS, QUOTES or EOF", "way"),
        ("LOAD * FROM x (delimiter is 'ab')", "invalid delimiter 'ab'", "'ab'"),
        ("LOAD * FROM x (header is x)", "Unexpected 'x', expected a number", "x)"),
        ("LOAD * FROM x (header is -1)", "Unexpected '-', expected a number", "-"),
        ("LET = 1", "Unexpected '=', expected a variable name", "="),
        ("LET x 1", "Unexpected '1', expected '='", "1"),
        ("LET x = 1 +", "Unexpected end of statement", None),
        ("LET x = (1", "Unexpected end of statement, expected ')'", None),
        ("LET x = 1 ^ 2", "Unexpected character '^'", "^"),
        ("DROP T", "Unexpected 'T', expected TABLE or FIELD", "T"),
        ("DROP TABLE", "Unexpected end of statement, expected a name", None),
        ("Concatenate (T LOAD A INLINE [A]", "Unexpected 'LOAD', expected ')'", "LOAD"),
    ],
)
def test_statement_errors(text: str, message: str, token: str | None) -> None:
    with pytest.raises(p.StatementError) as info:
        parse_statement(text)
    err = info.value
    assert err.detail == message
    expected = len(text) if token is None else text.rindex(token)
    assert err.offset == expected


def test_let_keyword_is_optional() -> None:
    node = parse_statement("vTotal = 1 + 2")
    assert isinstance(node, LetVar) and node.name == "vTotal"
