"""The bench's QVD lines: the fact table written to a QVD and read back, against pyarrow
writing and reading the same table as Parquet, in one child process (``run`` starts it).

associa: the fact CSV is loaded by a load script (not timed), then ``STORE fact INTO
fact.qvd (qvd)`` is timed (from the persistent line of the LOAD to that of the STORE),
and a reload of ``LOAD * FROM fact.qvd (qvd)`` is timed whole (the model built as well).
pyarrow: the same CSV read with types (not timed), then ``parquet.write_table`` and
``parquet.read_table`` of that table (snappy, pyarrow's default). Medians of ``repeat``
runs, the two sides alternating.

    python -m tests.bench.qvd --folder STAR --scratch DIR [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _engine_write(folder: Path, scratch: Path) -> float:
    from associa.app.folders import FolderFiles
    from associa.script import run_script

    roots = {"Star": folder, "Out": scratch}
    files = FolderFiles(lambda name: roots[name])
    stamps: list[float] = []
    run_script("fact: LOAD * FROM [lib://Star/fact.csv] (txt, utf8, embedded labels, "
               "delimiter is ',');\nSTORE fact INTO [lib://Out/fact.qvd] (qvd);",
               files.open, lambda line: stamps.append(time.perf_counter()),
               write_file=files.write)
    return stamps[-1] - stamps[-2]


def _engine_read(scratch: Path) -> tuple[float, int]:
    from associa.app.folders import FolderFiles
    from associa.script import run_script

    files = FolderFiles(lambda name: scratch)
    t0 = time.perf_counter()
    result = run_script("fact: LOAD * FROM [lib://Out/fact.qvd] (qvd);", files.open)
    seconds = time.perf_counter() - t0
    return seconds, result.model.tables["fact"].nrows


def measure(folder: Path, scratch: Path, repeat: int) -> dict[str, Any]:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = pacsv.read_csv(folder / "fact.csv")
    out: dict[str, list[float]] = {"write": [], "read": [], "pa_write": [], "pa_read": []}
    rows = 0
    for i in range(repeat):
        sides = ["engine", "pyarrow"] if i % 2 == 0 else ["pyarrow", "engine"]
        for side in sides:
            if side == "engine":
                out["write"].append(_engine_write(folder, scratch))
                seconds, rows = _engine_read(scratch)
                out["read"].append(seconds)
            else:
                target = scratch / "fact.parquet"
                t0 = time.perf_counter()
                pq.write_table(table, target)
                out["pa_write"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                back = pq.read_table(target)
                out["pa_read"].append(time.perf_counter() - t0)
                assert back.num_rows == table.num_rows
    assert rows == table.num_rows, (rows, table.num_rows)
    return {"samples": out, "rows": rows,
            "qvd_bytes": (scratch / "fact.qvd").stat().st_size,
            "parquet_bytes": (scratch / "fact.parquet").stat().st_size,
            **{k: statistics.median(v) for k, v in out.items()}}


def run(folder: Path, scratch: Path, repeat: int = 3) -> dict[str, Any]:
    """``measure`` in a child process (its memory is not the parent's)."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.bench.qvd", "--folder", str(folder), "--scratch",
         str(scratch), "--repeat", str(repeat)],
        cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"QVD bench failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The bench table's rows (``run.table_rows`` adds ratios)."""
    n = result["rows"]
    mb = f"{result['qvd_bytes'] / 1e6:,.0f} MB QVD, {result['parquet_bytes'] / 1e6:,.0f} MB Parquet"
    return [
        {"work": f"QVD write: STORE of the {n:,}-row fact table ({mb})", "key": "qvd write",
         "unit": "s", "associa": result["write"], "baseline": result["pa_write"],
         "baseline_is": "pyarrow parquet.write_table of the same table"},
        {"work": f"QVD read: LOAD * FROM the QVD, {n:,} rows, model built", "key": "qvd read",
         "unit": "s", "associa": result["read"], "baseline": result["pa_read"],
         "baseline_is": "pyarrow parquet.read_table of the same table"},
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--scratch", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    args.scratch.mkdir(parents=True, exist_ok=True)
    print(json.dumps(measure(args.folder, args.scratch, args.repeat)))


if __name__ == "__main__":
    main()
