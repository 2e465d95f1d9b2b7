"""MERGE: the operation field, the sequence field and variable, keys of several fields,
and clear errors for bad change logs (help "Merge"; golden cases ``load_merge_*``)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# -- against a plain reading of the rules, record by record -------------------------------

OPS = {"i": "i", "Insert": "i", "u": "u", "UPDATE": "u", "d": "d", "delete": "d"}


def reference(old: list[tuple], changes: list[tuple]) -> list[tuple]:
    """The rules of prefixes/merge.py one record at a time: old rows (K, V, W, S),
    changes (op, K, V, S) without W; rows (K, V, W, S) out."""
    applied = sorted(range(len(changes)), key=lambda i: changes[i][3])  # stable
    latest: dict[int, int] = {}
    for i in applied:
        latest[changes[i][1]] = i
    changed = set()
    for key, i in latest.items():
        olds = [r for r in old if r[0] == key]
        if not any(r[3] > changes[i][3] for r in olds):
            changed.add(key)
    out = [r for r in old if r[0] not in changed]
    for i in applied:
        op, key, v, s = changes[i]
        if key not in changed or latest[key] != i or OPS[op] == "d":
            continue
        olds = [r for r in old if r[0] == key]
        w = olds[0][2] if OPS[op] == "u" and olds else None
        out.append((key, v, w, s))
    return out


def _inline(header: str, rows: list[tuple]) -> str:
    return header + "\n" + "\n".join(", ".join(str(c) for c in r) for r in rows)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    old=st.lists(st.tuples(st.integers(1, 6), st.sampled_from("abc"), st.sampled_from("xyz"),
                           st.integers(0, 4)), min_size=1, max_size=8),
    changes=st.lists(st.tuples(st.sampled_from(sorted(OPS)), st.integers(1, 8),
                               st.sampled_from("pqr"), st.integers(0, 4)),
                     min_size=1, max_size=10),
)
def test_merge_matches_the_rules_record_by_record(old, changes) -> None:  # type: ignore[no-untyped-def]
    script = (f"T: LOAD K, V, W, S INLINE [\n{_inline('K, V, W, S', old)}\n];\n"
              f"Merge (S, vS) On K Concatenate (T) LOAD * INLINE [\n"
              f"{_inline('Op, K, V, S', changes)}\n];")
    result = run_script(script)
    got = rows_of(result, "T") if "T" in result.model.tables else []
    want = [(str(k), v, w, str(s)) for k, v, w, s in reference(old, changes)]
    assert got == want
    assert result.variables["vS"] == str(max([r[3] for r in old] + [c[3] for c in changes]))
