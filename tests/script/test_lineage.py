"""Lineage: each statement that reads a source (or stores a table) and its origin."""

from __future__ import annotations

from associa.script import parser as p
from associa.script.lineage import discriminator, entry


def origin(text: str, connection: str = "") -> str | None:
    return discriminator(p.parse_statement(text), connection)


def test_origins() -> None:
    assert origin("LOAD * INLINE [A\n1]") == "INLINE"
    assert origin("LOAD 1 AS A AutoGenerate 3") == "AUTOGENERATE"
    assert origin("LOAD A RESIDENT Orders") == "RESIDENT Orders"
    assert origin("LOAD * FROM [lib://data/orders.csv] (txt)") == "lib://data/orders.csv"
    assert origin("SQL SELECT * FROM t", "warehouse") == "warehouse"
    assert origin("STORE Orders INTO [lib://data/o.qvd] (qvd)") == "STORE lib://data/o.qvd"
    assert origin("LOAD A") is None  # a preceding load: the statement under it counts
    assert origin("LET x = 1") is None


def test_an_entry_keeps_the_statement_as_it_ran() -> None:
    node = p.parse_statement("T: LOAD 1 AS A AutoGenerate 1")
    assert entry(node, "  T: LOAD 1 AS A AutoGenerate 1\n", "") == (
        "AUTOGENERATE", "T: LOAD 1 AS A AutoGenerate 1")
