"""How the parser recognises LIB CONNECT TO, DISCONNECT and SQL statements (the SQL text
is split off before tokenizing, so anything the database accepts goes through)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from associa.script import parser as p
from associa.script.parser import parse_statement


def test_sql_statement_is_a_load_of_its_result() -> None:
    text = "Orders:\n  SQL SELECT o.id, 'a;b' AS t FROM \"Orders\" o WHERE x::int > $1"
    node = parse_statement(text)
    assert isinstance(node, p.Load)
    assert node.label == "Orders" and node.source == "sql"
    assert [(i.expr, i.name) for i in node.items] == [(None, "*")]
    assert node.data == "SELECT o.id, 'a;b' AS t FROM \"Orders\" o WHERE x::int > $1"
    assert text[node.data_offset:].startswith("SELECT o.id")


def test_select_keeps_its_keyword_and_prefixes_apply() -> None:
    node = parse_statement("[My Table]:\nNoConcatenate\nselect a FROM b")
    assert isinstance(node, p.Load)
    assert (node.label, node.no_concatenate, node.data) == ("My Table", True, "select a FROM b")
    node = parse_statement("Concatenate (T) SQL EXEC proc 1")
    assert isinstance(node, p.Load)
    assert (node.concatenate, node.data) == ("T", "EXEC proc 1")


@pytest.mark.parametrize(
    "text",
    [
        "LOAD a AS select FROM x.csv",
        "Select: LOAD * INLINE [a\n1]",
        "sql: LOAD * INLINE [a\n1]",
        "LOAD sql, b INLINE [sql, b\n1, 2]",
    ],
)
def test_words_sql_and_select_elsewhere_are_not_sql_statements(text: str) -> None:
    node = parse_statement(text)
    assert isinstance(node, p.Load) and node.source != "sql"


def test_prefixes_of_the_load_apply_to_sql() -> None:
    # the LOAD section's prefixes apply to SQL as to LOAD
    node = parse_statement("Left Join (T) SQL SELECT * FROM x")
    assert isinstance(node, p.Load) and node.source == "sql"
    assert node.data == "SELECT * FROM x"
    assert node.prefixes.join == "left" and node.prefixes.target == "T"


@pytest.mark.parametrize(
    ("text", "name"),
    [("LIB CONNECT TO 'Sales DB'", "Sales DB"), ("lib connect to [My DB]", "My DB"),
     ('LIB CONNECT TO "x"', "x"), ("LIB CONNECT TO Space:Conn", "Space:Conn"),
     ("LIB\n  CONNECT TO myconnection", "myconnection")],
)
def test_lib_connect(text: str, name: str) -> None:
    assert parse_statement(text) == p.LibConnect(name)


def test_disconnect_and_errors() -> None:
    assert parse_statement("  DISCONNECT ") == p.Disconnect()
    for text in ("SQL", "T: SQL   ", "SELECT", "LIB CONNECT TO ''"):
        with pytest.raises(p.StatementError):
            parse_statement(text)
    with pytest.raises(p.StatementError, match="CUSTOM CONNECT is not supported"):
        parse_statement('CUSTOM CONNECT TO "provider=x;"')


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1)
       .filter(lambda t: t.strip() != "" and not t[0].isspace() and not t[-1].isspace()))
def test_any_sql_text_is_sent_as_written(sql: str) -> None:
    node = parse_statement("T: SQL " + sql)
    assert isinstance(node, p.Load) and node.source == "sql" and node.data == sql
