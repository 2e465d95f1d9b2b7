"""The engine's side of the benchmark, run in a child process of ``tests.bench.run`` so
that its memory is its own:

1. an engine and one in-process QIX connection (the ``Client`` of ``tests/conftest.py``:
   JSON-RPC text in, JSON text out, the same dispatch a WebSocket request takes), a
   session app with a folder connection ``bench`` onto the star's folder;
2. the reload: ``SetScript`` with a LOAD of each CSV file through ``lib://bench/``, then
   ``DoReload``, timed; resident memory and peak before and after;
3. the 10 objects made with ``CreateSessionObject``, then each click's runs: ``ClearAll``
   and the run's first selections (not timed), then the click (``Field.SelectValues``)
   and ``GetLayout`` of every object, timed together.

Run by ``tests.bench.run``, which sends it commands (``workload.serve``).
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import Any

from tests.bench.workload import CHARTS, LISTS, Click, memory, objects, reset_peak, serve

FORMAT = "(txt, utf8, embedded labels, delimiter is ',', msq)"
TABLES = (("Fact", "fact.csv"), ("Customers", "customers.csv"), ("Products", "products.csv"))


def script() -> str:
    return "".join(f"{name}:\nLOAD * FROM [lib://bench/{file}] {FORMAT};\n\n"
                   for name, file in TABLES)


def log(msg: str) -> None:
    print(f"  associa: {msg}", file=sys.stderr, flush=True)


class Side:
    def __init__(self, folder: Path, data_dir: Path) -> None:
        from associa.engine import Engine
        from associa.qix.sessions import SessionManager
        from associa.settings import Settings
        from tests.conftest import Client

        self.engine = Engine(Settings(data_dir=data_dir))
        self.sessions = SessionManager(self.engine)
        self.client = Client(self.sessions)
        self.doc = self.client.call("CreateSessionApp")["qReturn"]["qHandle"]
        self.client.call("CreateConnection", {"qName": "bench", "qType": "folder",
                                              "qConnectionString": str(folder)},
                         handle=self.doc)
        self.fields: dict[str, int] = {}
        self.handles: list[int] = []

    def reload(self) -> float:
        c = self.client
        c.call("SetScript", script(), handle=self.doc)
        t = time.perf_counter()
        ok = c.call("DoReload", handle=self.doc)
        elapsed = time.perf_counter() - t
        if ok != {"qReturn": True}:
            raise RuntimeError(f"the reload failed: {ok}")
        c.pushed.clear()
        return elapsed

    def make_objects(self) -> None:
        self.handles = [self.client.create(p, self.doc) for p in objects()]
        for f in LISTS:
            self.fields[f] = self.client.call("GetField", f, handle=self.doc)["qReturn"]["qHandle"]

    def select(self, where: dict[str, list[str]]) -> None:
        for field, texts in where.items():
            values = [{"qText": t} for t in texts]
            if self.client.call("SelectValues", values, handle=self.fields[field]) != {
                    "qReturn": True}:
                raise RuntimeError(f"selecting {texts} in {field} changed nothing")

    def click(self, run: Click) -> tuple[float, list[dict[str, Any]]]:
        c = self.client
        c.call("ClearAll", handle=self.doc)
        self.select(run.before)
        c.pushed.clear()  # change notices; a client would now ask for the layouts
        t = time.perf_counter()
        self.select(run.select)
        layouts = [c.layout(h) for h in self.handles]
        elapsed = time.perf_counter() - t
        return elapsed, layouts

    def close(self) -> None:
        self.client.close()
        self.sessions.shutdown()


def answers(layouts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The comparable part of the layouts (see workload.compare)."""
    out = []
    for layout in layouts[: len(LISTS)]:
        lo = layout["qListObject"]
        page = lo["qDataPages"][0]["qMatrix"] if lo["qDataPages"] else []
        out.append({"rows": lo["qSize"]["qcy"],
                    "page": [[row[0]["qText"], row[0]["qState"]] for row in page]})
    for layout, (dims, _) in zip(layouts[len(LISTS):], CHARTS, strict=True):
        hc = layout["qHyperCube"]
        page = hc["qDataPages"][0]["qMatrix"] if hc["qDataPages"] else []
        out.append({"rows": hc["qSize"]["qcy"],
                    "page": [[cell["qText"] for cell in row[: len(dims)]] for row in page],
                    "totals": [None if isinstance(c["qNum"], str) else c["qNum"]
                               for c in hc["qGrandTotalRow"]]})
    return out


class Handlers:
    """The commands the parent sends (see ``workload.serve``)."""

    def __init__(self) -> None:
        self.side: Side | None = None

    def reload(self, folder: str, scratch: str, rows: int) -> dict[str, Any]:
        gc.collect()
        self.side = Side(Path(folder), Path(scratch))
        gc.collect()
        before = memory()
        reset_peak()
        log(f"reloading {rows:,} fact rows")
        seconds = self.side.reload()
        during = memory()
        gc.collect()
        after = memory()
        log(f"reload {seconds:.2f} s")
        self.side.make_objects()
        return {"reload_s": seconds,
                "memory": {"before": before, "after_reload": after,
                           "peak_reload": during["peak"]}}

    def click(self, run: dict[str, Any]) -> dict[str, Any]:
        assert self.side is not None
        seconds, layouts = self.side.click(Click.from_json(run))
        return {"seconds": seconds, "answers": answers(layouts)}

    def end(self) -> dict[str, Any]:
        gc.collect()
        mem = memory()
        if self.side is not None:
            self.side.close()
        return {"memory": mem}


if __name__ == "__main__":
    h = Handlers()
    serve({"reload": h.reload, "click": h.click, "end": h.end})
