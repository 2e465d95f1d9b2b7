"""Progress while a script runs: the transient status of a LOAD (its table, then the rows
built so far, one update per chunk), the persistent line per statement, and cancelling
in the middle of a LOAD. Chunking must not change what a LOAD builds."""

from __future__ import annotations

import pytest

from associa.errors import Aborted
from associa.script import loading, run_script
from tests.script.test_interpreter import snapshot


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(loading, "CHUNK_ROWS", 10)
    return 10


def test_status_reports_rows_per_chunk(small_chunks: int) -> None:
    status: list[str] = []
    lines: list[str] = []
    run_script("T: LOAD RecNo() as N AUTOGENERATE 25;\nU: LOAD * INLINE [A\n1\n2];",
               progress=lines.append, status=status.append)
    assert status == [
        "T << AUTOGENERATE",
        "T << 10 Lines fetched",
        "T << 20 Lines fetched",
        "T << 25 Lines fetched",
        "U << INLINE",
        "U << 2 Lines fetched",
    ]
    assert lines == ["T << AUTOGENERATE 25 Lines fetched", "U << INLINE 2 Lines fetched"]


def test_status_counts_rows_kept_by_where(small_chunks: int) -> None:
    status: list[str] = []
    run_script("T: LOAD RecNo() as N AUTOGENERATE 30 WHERE Mod(RecNo(), 2) = 0;",
               status=status.append)
    assert status == ["T << AUTOGENERATE", "T << 5 Lines fetched", "T << 10 Lines fetched",
                      "T << 15 Lines fetched"]


def test_status_is_optional_and_keeps_the_old_signature() -> None:
    lines: list[str] = []
    result = run_script("T: LOAD 1 as X AUTOGENERATE 3;", None, lines.append, lambda: False)
    assert lines == ["T << AUTOGENERATE 3 Lines fetched"] == result.log


SCRIPT = """\
T: LOAD RecNo() as R, RowNo() as W, Mod(RecNo(), 7) as M, 'k' & Mod(RecNo(), 3) as K
AUTOGENERATE 95 WHERE Mod(RecNo(), 4) <> 0;
Concatenate (T) LOAD RecNo() as R, RowNo() as W AUTOGENERATE 23;
D: LOAD DISTINCT M, K RESIDENT T;
I: LOAD * INLINE [
X, Y
1, a
2, b
3, c
4, d
5, e
6, f
7, g
8, h
9, i
10, j
11, k
12, l
] WHERE X > 2;
"""


def test_chunks_build_the_same_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = snapshot(run_script(SCRIPT).model)
    for size in (1, 4, 10, 64):
        monkeypatch.setattr(loading, "CHUNK_ROWS", size)
        assert snapshot(run_script(SCRIPT).model) == whole, size
    assert len(whole["T"]["R"]) == 72 + 23
    assert whole["T"]["W"][71:73] == [["72", 72.0], ["73", 73.0]]


def test_cancel_in_the_middle_of_a_load(small_chunks: int) -> None:
    status: list[str] = []

    def cancelled() -> bool:
        return "T << 20 Lines fetched" in status

    with pytest.raises(Aborted):
        run_script("T: LOAD RecNo() as N AUTOGENERATE 100;", cancelled=cancelled,
                   status=status.append)
    assert status[-1] == "T << 20 Lines fetched"
