"""Progress while a script runs: the transient status of a LOAD (its table, then the rows
read so far, one update per batch of a file, or built so far, one per chunk of a
row-by-row pass), the persistent line per statement, and cancelling in the middle of a
LOAD, also in the middle of a file. Chunking must not change what a LOAD builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from associa.errors import Aborted
from associa.script import loading, run_script
from associa.script.sources import arrow_csv, map_file
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


def rows_csv(n: int) -> bytes:
    body = "\n".join(f"{i},k{i % 97}" for i in range(1, n + 1))
    return f"N,K\n{body}\n".encode()


FILE = "F: LOAD * FROM [lib://d/f.csv] (txt, utf8, embedded labels, delimiter is ',');"


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arrow_csv, "BLOCK_SIZE", 4096)  # a batch every few hundred rows


def test_status_reports_rows_read_while_a_file_is_read(small_blocks: None) -> None:
    n = 20_000
    status: list[str] = []
    result = run_script(FILE, open_file=lambda path: rows_csv(n), status=status.append)
    counts = [int(s.split()[2]) for s in status[1:]]
    assert status[0] == "F << f" and status[-1] == f"F << {n} Lines fetched"
    assert len(counts) > 10 and counts == sorted(set(counts))  # one per batch, growing
    assert all(s == f"F << {c} Lines fetched" for s, c in zip(status[1:], counts, strict=True))
    assert result.log == [f"F << f {n} Lines fetched"]


def test_cancel_in_the_middle_of_a_file(small_blocks: None) -> None:
    n = 20_000
    status: list[str] = []
    data = rows_csv(n)
    with pytest.raises(Aborted):
        run_script(FILE, open_file=lambda path: data, status=status.append,
                   cancelled=lambda: len(status) > 3)
    # stopped after the batch that was being read: rows read, far from the whole file
    assert len(status) == 4 and 0 < int(status[-1].split()[2]) < n // 4


def test_cancel_in_the_middle_of_a_file_from_a_memory_map(
        small_blocks: None, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(rows_csv(20_000))
    status: list[str] = []
    with pytest.raises(Aborted):
        run_script(FILE, open_file=lambda p: map_file(path), status=status.append,
                   cancelled=lambda: len(status) > 2)
    whole = run_script(FILE, open_file=lambda p: map_file(path)).model.tables["F"]
    assert whole.nrows == 20_000
