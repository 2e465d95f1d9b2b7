"""Partial reload: ADD, REPLACE and MERGE loads run over the current model; other loads
are skipped; ONLY loads run in partial reloads alone (help "Add", "Replace", "Merge")."""

from __future__ import annotations

from typing import Any

from associa.script import run_script
from tests.script.test_interpreter import snapshot

FULL = """
Base: LOAD * INLINE [K
1
2];
New: ADD LOAD * INLINE [N
x];
Extra: ADD ONLY LOAD * INLINE [E
only];
R: REPLACE LOAD * INLINE [Y
9];
M: MERGE ON Id LOAD * INLINE [Id, V
1, a
2, b];
"""

# the same script with other data: what a partial reload reads
PARTIAL = """
Base: LOAD * INLINE [K
7];
New: ADD LOAD * INLINE [N
y];
Extra: ADD ONLY LOAD * INLINE [E
only];
R: REPLACE LOAD * INLINE [Y
10
11];
M: MERGE ON Id LOAD * INLINE [Id, V
2, c
3, d];
"""


def texts(table: dict[str, Any], field: str) -> list[str | None]:
    return [None if c is None else c[0] for c in table[field]]


def test_full_reload_runs_add_replace_merge_as_plain_loads() -> None:
    tables = snapshot(run_script(FULL).model)
    assert list(tables) == ["Base", "New", "R", "M"]  # ADD ONLY skipped
    assert texts(tables["M"], "V") == ["a", "b"]


def test_partial_reload_keeps_other_tables_and_applies_the_prefixes() -> None:
    first = run_script(FULL).model
    tables = snapshot(run_script(PARTIAL, partial=first).model)
    assert texts(tables["Base"], "K") == ["1", "2"]  # not reloaded
    assert texts(tables["New"], "N") == ["x", "y"]  # added to
    assert texts(tables["Extra"], "E") == ["only"]  # ADD ONLY runs now
    assert texts(tables["R"], "Y") == ["10", "11"]  # replaced
    assert texts(tables["M"], "Id") == ["1", "2", "3"]  # merged on Id
    assert texts(tables["M"], "V") == ["a", "c", "d"]


def test_replace_in_a_full_reload_drops_the_table_with_the_same_fields() -> None:
    script = "A: LOAD * INLINE [X\n1\n2];\nB: REPLACE LOAD * INLINE [X\n3];"
    tables = snapshot(run_script(script).model)
    assert list(tables) == ["B"]
    assert texts(tables["B"], "X") == ["3"]


def test_do_reload_partial_over_qix(client) -> None:  # type: ignore[no-untyped-def]
    doc = client.session_app(FULL)
    client.call("SetScript", PARTIAL, handle=doc)
    assert client.call("DoReload", 0, True, handle=doc) == {"qReturn": True}
    assert client.call("Evaluate", "Sum(Id)", handle=doc)["qReturn"] == "6"
    assert client.call("Evaluate", "Count(N)", handle=doc)["qReturn"] == "2"
    assert client.call("Evaluate", "Sum(K)", handle=doc)["qReturn"] == "3"
    # a full reload of the same script starts over
    assert client.call("DoReload", 0, False, handle=doc) == {"qReturn": True}
    assert client.call("Evaluate", "Sum(K)", handle=doc)["qReturn"] == "7"
    assert client.call("Evaluate", "Count(N)", handle=doc)["qReturn"] == "1"


def test_do_reload_partial_applies_a_change_log_over_qix(client) -> None:  # type: ignore[no-untyped-def]
    script = """T: LOAD * INLINE [Id, Amount, Seq
1, 10, 1
2, 20, 1];
T: Merge Only (Seq, vSeq) On Id LOAD * INLINE [Operation, Id, Amount, Seq
Update, 2, 25, 2
Delete, 1, 10, 2
Insert, 3, 30, 3];
"""
    doc = client.session_app(script)
    assert client.call("Evaluate", "Sum(Amount)", handle=doc)["qReturn"] == "30"
    assert client.call("DoReload", 0, True, handle=doc) == {"qReturn": True}
    assert client.call("Evaluate", "Sum(Amount)", handle=doc)["qReturn"] == "55"
    assert client.call("Evaluate", "Sum(Id)", handle=doc)["qReturn"] == "5"  # 2 and 3
    assert client.call("Evaluate", "Count(Id)", handle=doc)["qReturn"] == "2"
