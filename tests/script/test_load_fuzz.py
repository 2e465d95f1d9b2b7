"""Broken LOAD statements end in a script error with a position, never a crash: random
sequences of the LOAD grammar's words and symbols are parsed, and run against a small
model."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from associa.errors import AssociaError, ScriptError
from associa.script import run_script
from associa.script.parser import StatementError, parse_statement

WORDS = [
    "LOAD", "DISTINCT", "*", "A", "B", "as", "X", ",", "(", ")", "INLINE", "[A, B\n1, 2]",
    "RESIDENT", "T", "FROM", "AUTOGENERATE", "3", "WHERE", "WHILE", "IterNo()", "<=", "2",
    "GROUP", "ORDER", "BY", "DESC", "JOIN", "LEFT", "INNER", "OUTER", "RIGHT", "KEEP",
    "CONCATENATE", "NOCONCATENATE", "MAPPING", "CROSSTABLE", "INTERVALMATCH", "GENERIC",
    "HIERARCHY", "HIERARCHYBELONGSTO", "FIRST", "SAMPLE", "BUFFER", "ADD", "REPLACE",
    "MERGE", "ONLY", "ON", "Sum(A)", "Peek('A')", "Previous(A)", "Exists(A)",
    "ApplyMap('M', A)", "RENAME", "TABLE", "FIELD", "TO", "USING", "QUALIFY", "UNQUALIFY",
    "MAP", "UNMAP", "M:", "T2:", "'x'", "DROP", "FIELDS",
]

BASE = "T: LOAD * INLINE [A, B\n1, 2\n3, 4];\nM: MAPPING LOAD * INLINE [K, V\n1, one];\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12))
def test_random_load_statements_parse_or_fail_cleanly(words: list[str]) -> None:
    text = " ".join(words)
    try:
        parse_statement(text)
    except StatementError as exc:
        assert 0 <= exc.offset <= len(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12))
def test_random_load_statements_run_or_fail_with_a_position(words: list[str]) -> None:
    script = BASE + " ".join(words) + ";"
    try:
        run_script(script)
    except ScriptError as exc:
        assert exc.line >= 1 and exc.column >= 1, exc
    except AssociaError as exc:  # any other error of ours is a bug in the report
        raise AssertionError(f"{type(exc).__name__}: {exc}") from exc


PREFIXES = ["", "NOCONCATENATE", "CONCATENATE (T)", "LEFT JOIN (T)", "INNER JOIN",
            "OUTER JOIN (T)", "RIGHT JOIN (T)", "LEFT KEEP (T)", "INNER KEEP (T)",
            "RIGHT KEEP", "MAPPING", "CROSSTABLE (Attr, Val)", "CROSSTABLE (Attr, Val, 2)",
            "INTERVALMATCH (A)", "INTERVALMATCH (A, B)", "GENERIC", "HIERARCHY (A, B, C)",
            "HIERARCHYBELONGSTO (A, B, C, D, E)", "FIRST 1", "SAMPLE 0.5", "BUFFER",
            "ADD", "REPLACE", "MERGE ON A", "ADD ONLY", "T3:"]
ITEMS = ["*", "A", "B", "A, B", "A as C", "A, B, A + B as C", "B as A, A as B",
         "Sum(A) as S", "A, Count(B) as N", "Peek('A') as P", "RangeSum(Peek('S'), A) as S",
         "Previous(A) as P, A", "IterNo() as I, A", "ApplyMap('M', A, 'none') as V",
         "Exists(A) as E, A", "AutoNumber(B, A) as N", "Concat(B, ',') as C"]
SOURCES = ["RESIDENT T", "INLINE [A, B\n1, 2\n, 5\n1, 7]", "AUTOGENERATE 3", ""]
CLAUSES = ["", "WHERE A > 1", "WHERE NOT Exists(A)", "WHILE IterNo() <= 2", "GROUP BY A",
           "GROUP BY A, B", "ORDER BY A DESC", "ORDER BY B, A"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PREFIXES), max_size=3), st.sampled_from(ITEMS),
       st.sampled_from(SOURCES), st.sampled_from(CLAUSES), st.booleans())
def test_prefix_and_clause_combinations_run_or_fail_with_a_position(
        prefixes: list[str], items: str, source: str, clause: str, preceding: bool) -> None:
    statement = f"{' '.join(prefixes)} LOAD {items} {source} {clause};"
    if preceding:  # the same statement over a preceding load's source
        statement = (f"{' '.join(prefixes)} LOAD {items} {clause if 'ORDER' not in clause else ''};"
                     "\nLOAD A, B RESIDENT T;")
    try:
        run_script(BASE + statement)
    except ScriptError as exc:
        assert exc.line >= 1 and exc.column >= 1, exc
    except AssociaError as exc:
        raise AssertionError(f"{type(exc).__name__}: {exc}") from exc
