"""``make bench``: the engine on a star schema of CSV files against a baseline measured in
the same run, as issue 6 asks (docs/performance.md says how to read it).

1. The star (``star.py``): fact, customers and products CSV files written by DuckDB,
   cached in ``$TMPDIR/associa-bench/star-<rows>-seed<seed>/``.
2. The engine (``engine_side.py``, a child process): reload through a load script from a
   folder connection, then three clicks over the QIX protocol in process, each followed
   by the layouts of 8 list boxes and 2 charts (requested at once, as clients do, or one
   after the other with ``--layouts serial``); memory from ``/proc/self/status``; the
   latency of another session's small requests while a 40% click runs.
3. The baseline (``baseline_side.py``, another child process): pyarrow reading and
   dictionary-encoding the same files; DuckDB answering each object with one SQL query.
4. One table (Markdown, on stdout) with both sides and their ratio, also written as JSON
   (with every sample), and a check that both sides gave the same answers.

Times are medians of ``--repeat`` runs after one warm-up; every run of a click selects
other values, so no run is answered from a cache the previous one filled. The two child
processes never work at the same time: the parent sends one command at a time, and the
runs of a click alternate between them.

    python -m tests.bench.run [--rows 10000000] [--seed 1] [--repeat 5] [--json PATH]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench import qvd, star, statements
from tests.bench.workload import (
    CLICKS,
    DESCRIPTIONS,
    PIVOT_MEASURES,
    SET_CHART_MEASURES,
    Click,
    compare,
    compare_pivot_rows,
    compare_rows,
    plan,
)

ROOT = Path(__file__).resolve().parents[2]

# issue 6's targets at 10 million rows, as associa / baseline (times) or bytes per row;
# issue 7's for QVD files (within 3x of pyarrow)
TARGETS = {"reload": 2.0, "3% click": 1 / 12, "40% click": 1 / 8, "two-field click": 1 / 12,
           "resident": 30.0, "peak": 60.0, "qvd write": 3.0, "qvd read": 3.0,
           "alternate states": 3.0, "set analysis": 1 / 3,
           "straight page": 0.2, "pivot": 0.2}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Worker:
    """A side in its child process, answering one command at a time (workload.serve)."""

    def __init__(self, module: str) -> None:
        self.name = module
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"tests.bench.{module}"], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, do: str, **args: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"do": do, **args}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise RuntimeError(f"{self.name} stopped (exit {self.proc.returncode}) on {do}; "
                               "its error is printed above")
        return json.loads(line)

    def end(self) -> dict[str, Any]:
        reply = self.ask("end")
        self.proc.wait(60)
        return reply

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def measure(shape: star.Shape, folder: Path, runs: dict[str, list[Click]], reload_runs: int,
            scratch: Path, concurrent: bool = True,
            busy: Click | None = None) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Both sides' results. The reloads run one after the other; then each click's runs
    alternate between the sides (engine first on even runs, baseline first on odd ones),
    so that both meet the machine in the same mood. Every run's answers are compared."""
    engine, baseline = Worker("engine_side"), Worker("baseline_side")
    try:
        ours = engine.ask("reload", folder=str(folder), scratch=str(scratch), rows=shape.rows)
        base = baseline.ask("reload", folder=str(folder), runs=reload_runs)
        ours["clicks"], base["clicks"] = {}, {}
        differ: list[str] = []
        for name, clicks in runs.items():
            ours["clicks"][name], base["clicks"][name] = [], []
            for i, run in enumerate(clicks):
                pair = ((engine, ours), (baseline, base))
                for worker, into in pair if i % 2 == 0 else pair[::-1]:
                    extra = {"concurrent": concurrent} if worker is engine else {}
                    reply = worker.ask("click", run=run.to_json(), **extra)
                    into["clicks"][name].append(reply["seconds"])
                    into.setdefault("answers", {})[name] = reply["answers"]
                differ += [f"{name}, run {i}: {d}" for d in
                           compare(ours["answers"][name], base["answers"][name])]
            log(f"  {name}: associa "
                f"{', '.join(f'{t * 1000:.0f}' for t in ours['clicks'][name])} ms; baseline "
                f"{', '.join(f'{t * 1000:.0f}' for t in base['clicks'][name])} ms")
        if busy is not None:
            ours["latency"] = engine.ask("latency", run=busy.to_json(), concurrent=concurrent)
        countries = [run.select for run in runs["3% click"]]
        ours["states"] = engine.ask("states", runs=countries, concurrent=concurrent)["seconds"]
        ours["sets"] = engine.ask("sets", runs=countries)
        base["sets"] = baseline.ask("sets", runs=countries)
        for i, (a, b) in enumerate(zip(ours["sets"]["answers"], base["sets"]["answers"],
                                       strict=True)):
            differ += [f"set-analysis chart, run {i}: {d}" for d in compare_rows(a, b)]
        ours["pivots"] = engine.ask("pivots", runs=countries)
        base["pivots"] = baseline.ask("pivots", runs=countries)
        for i, (a, b) in enumerate(zip(ours["pivots"]["answers"], base["pivots"]["answers"],
                                       strict=True)):
            for name, x, y in zip(("straight page", "pivot"), a, b, strict=True):
                differ += [f"{name}, run {i}: {d}" for d in compare_pivot_rows(x, y)]
        ours["memory"]["after_clicks"] = engine.end()["memory"]
        baseline.end()
    finally:
        engine.kill()
        baseline.kill()
    return ours, base, differ


def per_row(mem: dict[str, Any], key: str, rows: int) -> float | None:
    """Bytes per fact row above the process's resident set before the reload."""
    base = mem["before"]["rss"]
    value = mem[key]["rss"] if isinstance(mem[key], dict) else mem[key]
    if base is None or value is None:
        return None
    return (value - base) / rows


def table_rows(shape: star.Shape, ours: dict[str, Any], base: dict[str, Any],
               files: dict[str, Any] | None = None) -> list[dict]:
    n = shape.rows
    rows: list[dict[str, Any]] = [{
        "work": f"reload: {n:,} fact rows, 3 CSV files, load script",
        "key": "reload", "unit": "s",
        "associa": ours["reload_s"], "baseline": base["reload_s"],
        "baseline_is": "pyarrow read_csv as text + dictionary_encode + numbers",
    }]
    for name in CLICKS:
        rows.append({
            "work": f"{DESCRIPTIONS[name]}, then 8 list boxes + 2 charts",
            "key": name, "unit": "ms",
            "associa": statistics.median(ours["clicks"][name][1:]) * 1000,
            "baseline": statistics.median(base["clicks"][name][1:]) * 1000,
            "baseline_is": "DuckDB, one SQL query per object",
        })
    if ours.get("states"):
        rows.append({
            "work": "3 alternate states active (40 objects, each state with its own "
                    "selection): select 3 countries in one state, then every layout",
            "key": "alternate states", "unit": "ms",
            "associa": statistics.median(ours["states"][1:]) * 1000,
            "baseline": statistics.median(ours["clicks"]["3% click"][1:]) * 1000,
            "baseline_is": "associa's own 3% click in the default state alone (10 objects)",
        })
    if ours.get("sets"):
        rows.append({
            "work": "set-analysis chart: 3 countries selected, then Category x "
                    + ", ".join(f"`{m}`" for m in SET_CHART_MEASURES),
            "key": "set analysis", "unit": "ms",
            "associa": statistics.median(ours["sets"]["seconds"][1:]) * 1000,
            "baseline": statistics.median(base["sets"]["seconds"][1:]) * 1000,
            "baseline_is": "DuckDB, one SQL query (a CTE per measure)",
        })
    for key, label, sql in (("straight page", "a page of the straight table", "GROUP BY"),
                            ("pivot", "the pivot, Segment expanded (subtotals, total)",
                             "GROUP BY ROLLUP")):
        if ours.get("pivots"):
            rows.append({
                "work": f"3 countries selected, then {label}: Segment x Category x "
                        + ", ".join(f"`{m}`" for m in PIVOT_MEASURES),
                "key": key, "unit": "ms",
                "associa": statistics.median(ours["pivots"][key.split()[0]][1:]) * 1000,
                "baseline": statistics.median(base["pivots"][key.split()[0]][1:]) * 1000,
                "baseline_is": f"DuckDB, one SQL query ({sql})",
            })
    lat = ours.get("latency")
    if lat and lat["busy"]:
        rows.append({
            "work": "another session's small request (Evaluate '1+1', a list box's layout) "
                    f"while a 40% click runs, median (max {max(lat['busy']) * 1000:,.1f} ms)",
            "key": "latency", "unit": "ms",
            "associa": statistics.median(lat["busy"]) * 1000,
            "baseline": statistics.median(lat["idle"]) * 1000,
            "baseline_is": "the same requests with no click running",
        })
    for key, label, what in (("resident", "resident after reload", "after_reload"),
                             ("peak", "peak during reload", "peak_reload")):
        rows.append({
            "work": f"{label}, bytes per fact row", "key": key, "unit": "B",
            "associa": per_row(ours["memory"], what, n),
            "baseline": per_row(base["memory"], what, n),
            "baseline_is": "pyarrow's dictionary-encoded columns",
        })
    rows.append({"work": "resident after the clicks, bytes per fact row", "key": "resident "
                 "after clicks", "unit": "B", "associa": per_row(ours["memory"], "after_clicks", n),
                 "baseline": None, "baseline_is": ""})
    if files is not None:
        rows += qvd.rows(files)
    for r in rows:
        a, b = r["associa"], r["baseline"]
        r["ratio"] = a / b if a is not None and b else None
        r["target"] = TARGETS.get(r["key"])
    return rows


def _num(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "ms":
        return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    if unit == "s":
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def _target(r: dict[str, Any]) -> str:
    t = r["target"]
    if t is None:
        return ""
    if r["unit"] == "B":
        return f"≤ {t:.0f} B"
    return f"≤ {t:.2f}" if t >= 1 else f"≤ 1/{round(1 / t)}"


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| work | associa | baseline | associa / baseline | issue 6 target |",
             "|---|---|---|---|---|"]
    for r in rows:
        unit = f" {r['unit']}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        base = _num(r["baseline"], r["unit"])
        lines.append(f"| {r['work']} | {_num(r['associa'], r['unit'])}{unit} | "
                     f"{base}{unit if r['baseline'] is not None else ''} | {ratio} | "
                     f"{_target(r)} |")
    return "\n".join(lines)


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for mod in ("numpy", "duckdb", "pyarrow"):
        try:
            out[mod] = __import__(mod).__version__
        except ImportError:
            out[mod] = "absent"
    try:
        out["associa commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
            check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each click")
    parser.add_argument("--reload-runs", type=int, default=3,
                        help="runs of the baseline's reload (the engine's runs once)")
    parser.add_argument("--qvd-runs", type=int, default=3,
                        help="runs of the QVD write and read (and of pyarrow's)")
    parser.add_argument("--data", type=Path, help="where the star's files are cached")
    parser.add_argument("--json", type=Path, help="where to write the result")
    parser.add_argument("--layouts", choices=("concurrent", "serial"), default="concurrent",
                        help="a click's 10 GetLayout requests: sent at once (as clients do) "
                             "or one after the other")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    shape = star.Shape.for_rows(args.rows, args.seed)
    folder = star.ensure(shape, args.data, log=log)
    with tempfile.TemporaryDirectory(prefix="associa-bench-") as tmp:
        runs = plan(shape, args.repeat + 2)
        busy = runs["40% click"].pop()  # a selection no timed run made
        for name in runs:
            del runs[name][args.repeat + 1:]
        ours, base, differ = measure(shape, folder, runs, args.reload_runs, Path(tmp),
                                     args.layouts == "concurrent", busy)
        log("QVD write and read against pyarrow's Parquet")
        files = qvd.run(folder, Path(tmp) / "qvd", args.qvd_runs)
    rows = table_rows(shape, ours, base, files)
    script_rows, script_differ = statements.measure(folder, shape.rows, log)
    result = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), **versions()},
        "shape": shape.to_json(), "repeat": args.repeat, "layouts": args.layouts, "rows": rows,
        "table": markdown(rows),
        "answers_differ": differ,
        "statements": script_rows, "statements_table": statements.markdown(script_rows),
        "statements_differ": script_differ,
        "engine": {k: v for k, v in ours.items() if k != "answers"},
        "qvd": files,
        "baseline": {k: v for k, v in base.items() if k != "answers"},
        "seconds": time.perf_counter() - started,
    }
    path = args.json or (star.cache_root() / "results" /
                         f"bench-{shape.rows}-{datetime.datetime.now():%Y%m%d-%H%M%S}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))
    print(f"\n{shape.rows:,} fact rows ({shape.customers:,} customers, {shape.products:,} "
          f"products, {shape.dates:,} dates); clicks: median of {args.repeat} runs after "
          f"a warm-up, layouts requested {'at once' if args.layouts == 'concurrent' else 'one after the other'}; "
          f"{os.cpu_count()} CPUs\n")
    print(result["table"])
    if differ:
        print(f"\nanswers differ between associa and DuckDB ({len(differ)}; the first 10):")
        print("\n".join(f"  {d}" for d in differ[:10]))
    else:
        print("\nanswers: associa and DuckDB agree on all 10 objects of every run")
    print("\nload-script statements, each timed alone after its tables are loaded:\n")
    print(result["statements_table"])
    if script_differ:
        print("\nstatement answers differ: " + "; ".join(script_differ))
    else:
        print("\nstatement answers: associa and DuckDB agree")
    print(f"json: {path}")
    print(f"total: {result['seconds']:.0f} s")
    return result


if __name__ == "__main__":
    main()
