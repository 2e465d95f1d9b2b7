"""MERGE: the operation field, the sequence field and variable, keys of several fields,
and clear errors for bad change logs (help "Merge"; golden cases ``load_merge_*``)."""

from __future__ import annotations

import pytest

from associa.errors import ScriptError
from associa.script import run_script
from associa.script.parser import Load, StatementError, parse_statement
from tests.script.test_interpreter import snapshot


def rows(script: str, table: str, **kwargs) -> list[tuple]:
    result = run_script(script, **kwargs)
    fields = snapshot(result.model)[table]
    cols = [[None if c is None else c[0] for c in v] for v in fields.values()]
    return list(zip(*cols, strict=True))


def test_the_prefix_parses_with_sequence_variable_keys_and_concatenate() -> None:
    node = parse_statement("Merge Only (Seq, vSeq) On A, B Concatenate (T) LOAD * INLINE [X\n1]")
    assert isinstance(node, Load)
    pre = node.prefixes
    assert (pre.mode, pre.only, pre.merge_sequence, pre.merge_sequence_var) == (
        "merge", True, "Seq", "vSeq")
    assert pre.merge_keys == ["A", "B"]
    assert pre.concatenate == "T"


def test_a_sequence_list_of_three_is_a_syntax_error() -> None:
    with pytest.raises(StatementError, match="sequence field"):
        parse_statement("Merge (Seq, v, w) On A LOAD * INLINE [X\n1]")


def test_keys_of_two_fields_match_together_and_null_matches_null() -> None:
    script = """
T: LOAD * INLINE [Region, Code, V
N, 1, a
N, 2, b
S, 1, c];
Merge On Region, Code LOAD Op, Region, If(Code = 0, Null(), Code) as Code, V INLINE [Op, Region, Code, V
u, S, 1, c2
i, S, 0, z
u, S, 0, z2
d, N, 2, x];
"""
    assert rows(script, "T") == [("N", "1", "a"), ("S", "1", "c2"), ("S", None, "z2")]


def test_the_last_change_in_load_order_counts_without_a_sequence_field() -> None:
    script = """
T: LOAD * INLINE [K, V
1, a];
Merge On K LOAD * INLINE [Op, K, V
d, 1, -
i, 1, b
u, 2, c
d, 2, -];
"""
    assert rows(script, "T") == [("1", "b")]


def test_the_operation_must_be_insert_update_or_delete() -> None:
    script = "T: LOAD * INLINE [K\n1];\nMerge On K LOAD Null() as Op, K INLINE [K\n2];"
    with pytest.raises(ScriptError, match="holds NULL"):
        run_script(script)


def test_the_sequence_field_and_the_keys_must_be_loaded() -> None:
    with pytest.raises(ScriptError, match="sequence field 'S'"):
        run_script("Merge (S) On K LOAD * INLINE [Op, K\ni, 1];")
    with pytest.raises(ScriptError, match="key field 'Id'"):
        run_script("Merge On Id LOAD * INLINE [Op, K\ni, 1];")


def test_an_unknown_operation_after_good_ones_is_an_error() -> None:
    script = "T: LOAD * INLINE [K, V\n1, a];\nMerge On K LOAD * INLINE [Op, K, V\nu, 1, b\nx, 2, c];"
    with pytest.raises(ScriptError, match="holds 'x'"):
        run_script(script)


def test_the_variable_is_kept_when_no_sequence_number_is_seen() -> None:
    script = "SET v = 7;\nMerge (S, v) On K LOAD * INLINE [Op, K, S\ni, 1, ];"
    result = run_script(script)
    assert "v" not in result.variables  # no number seen: NULL


def test_the_variable_limits_an_accumulated_log_in_a_partial_reload() -> None:
    log = """Op, K, V, S
i, 1, a, 1
i, 2, b, 2
u, 1, a2, 3"""
    full = f"T: Merge (S, vLast) On K LOAD * INLINE [\n{log}\n];"
    first = run_script(full)
    assert first.variables["vLast"] == "3"
    more = log + "\nd, 2, b, 4"
    partial = (f"LET vLast = 3;\nT: Merge (S, vLast) On K LOAD * INLINE [\n{more}\n] "
               "WHERE S > $(vLast);")
    again = run_script(partial, partial=first.model)
    assert again.variables["vLast"] == "4"
    assert rows_of(again, "T") == [("1", "a2", "3")]


def rows_of(result, table: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    fields = snapshot(result.model)[table]
    cols = [[None if c is None else c[0] for c in v] for v in fields.values()]
    return list(zip(*cols, strict=True))
