"""The engine's side of the benchmark, run in a child process of ``tests.bench.run`` so
that its memory is its own:

1. an engine and one in-process QIX connection (the ``Client`` of ``tests/conftest.py``:
   JSON-RPC text in, JSON text out, the same dispatch a WebSocket request takes), a
   session app with a folder connection ``bench`` onto the star's folder;
2. the reload: ``SetScript`` with a LOAD of each CSV file through ``lib://bench/``, then
   ``DoReload``, timed; resident memory and peak before and after;
3. the 10 objects made with ``CreateSessionObject``, then each click's runs: ``ClearAll``
   and the run's first selections (not timed), then the click (``Field.SelectValues``)
   and ``GetLayout`` of every object, timed together. The 10 ``GetLayout`` requests are
   sent at once, each answered in a thread of its own, as a client such as enigma.js
   sends them over its socket and the server answers them (``--layouts serial``: one
   after the other);
4. the latency of small requests of another session (``Evaluate('1+1')`` and the layout of
   a list box of its own) while a click runs in the first one, and with nothing running;
5. clicks with three alternate states active (``states``): the objects in each state,
   each state with a selection of its own, a click in one of them and every layout.

Run by ``tests.bench.run``, which sends it commands (``workload.serve``).
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from associa import kernels
from tests.bench.workload import (
    CHARTS,
    LISTS,
    Click,
    listbox,
    memory,
    objects,
    pivot_chart,
    pivot_rows,
    reset_peak,
    serve,
    set_chart,
    set_chart_rows,
    straight_pivot_chart,
    straight_rows,
)

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
        created = self.client.call("CreateSessionApp")
        self.doc = created["qReturn"]["qHandle"]
        self.app_id = created["qSessionAppId"]
        self.pool = ThreadPoolExecutor(len(objects()), thread_name_prefix="bench-layout")
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

    def layouts(self, concurrent: bool) -> list[dict[str, Any]]:
        """GetLayout of every object: sent at once, each answered in a thread of its own
        (``concurrent``), or one after the other."""
        if not concurrent:
            return [self.client.layout(h) for h in self.handles]
        session, sink = self.client.session, self.client.receive

        def one(handle: int) -> dict[str, Any]:
            msg = {"jsonrpc": "2.0", "id": 10_000 + handle, "handle": handle,
                   "method": "GetLayout", "params": []}
            reply = json.loads(session.handle(json.dumps(msg), sink) or "{}")
            if "result" not in reply:
                raise RuntimeError(f"GetLayout failed: {reply}")
            return reply["result"]["qLayout"]  # type: ignore[no-any-return]

        return list(self.pool.map(one, self.handles))

    def click(self, run: Click, concurrent: bool = True) -> tuple[float, list[dict[str, Any]]]:
        c = self.client
        c.call("ClearAll", handle=self.doc)
        self.select(run.before)
        c.pushed.clear()  # change notices; a client would now ask for the layouts
        t = time.perf_counter()
        self.select(run.select)
        layouts = self.layouts(concurrent)
        elapsed = time.perf_counter() - t
        return elapsed, layouts

    def set_chart_clicks(self, runs: list[dict[str, list[str]]]) -> dict[str, Any]:
        """Each run: select the countries, then the set-analysis chart's layout (timed);
        its first page as answers. The chart is the only object left (the 10 of the
        clicks are destroyed first): a selection lays out again every object its client
        has a layout of, and this line times the chart alone, as its SQL does."""
        c = self.client
        for h in self.handles:
            c.call("DestroySessionObject", c.layout(h)["qInfo"]["qId"], handle=self.doc)
        self.handles = []
        handle = c.create(set_chart(), self.doc)
        seconds: list[float] = []
        answers: list[list[list[Any]]] = []
        for where in runs:
            c.call("ClearAll", handle=self.doc)
            c.pushed.clear()
            t = time.perf_counter()
            self.select(where)
            layout = c.layout(handle)
            seconds.append(time.perf_counter() - t)
            errors = [m.get("qError") for m in layout["qHyperCube"]["qMeasureInfo"]]
            if any(errors):
                raise RuntimeError(f"the set chart failed: {errors}")
            answers.append(set_chart_rows(layout))
        c.call("DestroySessionObject",
               c.layout(handle)["qInfo"]["qId"], handle=self.doc)
        c.call("ClearAll", handle=self.doc)
        return {"seconds": seconds, "answers": answers}

    def pivot_clicks(self, runs: list[dict[str, list[str]]]) -> dict[str, Any]:
        """The pivot lines: each run selects the countries, then the layout of the
        Segment x Category straight table (timed); then the same runs with the pivot of
        the same cube, Segment expanded (timed). Each object alone, as the set chart's
        line; their first pages as answers."""
        c = self.client
        out: dict[str, Any] = {"straight": [], "pivot": [], "answers": [[] for _ in runs]}
        for key, props, rows in (("straight", straight_pivot_chart(), straight_rows),
                                 ("pivot", pivot_chart(), pivot_rows)):
            handle = c.create(props, self.doc)
            for i, where in enumerate(runs):
                c.call("ClearAll", handle=self.doc)
                c.pushed.clear()
                t = time.perf_counter()
                self.select(where)
                layout = c.layout(handle)
                out[key].append(time.perf_counter() - t)
                if layout["qHyperCube"].get("qError"):
                    raise RuntimeError(f"the {key} failed: {layout['qHyperCube']['qError']}")
                out["answers"][i].append(rows(layout))
            c.call("DestroySessionObject", c.layout(handle)["qInfo"]["qId"], handle=self.doc)
        c.call("ClearAll", handle=self.doc)
        return out

    def states_clicks(self, runs: list[dict[str, list[str]]], concurrent: bool = True
                      ) -> list[float]:
        """Clicks with three alternate states active (issue 8): the 10 objects again in
        each of the states A1, A2 and A3 (40 in all), each state with its own 3 countries
        selected and every layout fetched (not timed); run ``i`` then selects ``runs[i]``
        in state ``i % 4`` ($, A1, A2, A3) and asks for the layouts of all 40 objects.
        The seconds of each run."""
        c = self.client
        names = ["A1", "A2", "A3"]
        if not any(k[0] == "A1" for k in self.fields):
            for name in names:
                c.call("AddAlternateState", name, handle=self.doc)
                for props in objects():
                    self.handles.append(c.create({**props, "qStateName": name}, self.doc))
                for f in LISTS:
                    self.fields[(name, f)] = c.call(  # type: ignore[index]
                        "GetField", f, name, handle=self.doc)["qReturn"]["qHandle"]
        out = []
        for i, where in enumerate(runs):
            for j, name in enumerate(names):  # each state's own selection (not timed)
                c.call("ClearAll", False, name, handle=self.doc)
                previous = runs[(i + j + 1) % len(runs)]
                for field, texts in previous.items():
                    c.call("SelectValues", [{"qText": t} for t in texts],
                           handle=self.fields[(name, field)])  # type: ignore[index]
            c.call("ClearAll", handle=self.doc)
            self.layouts(concurrent)  # every state's objects up to date, as on a screen
            c.pushed.clear()
            state = ["$", *names][i % 4]
            t = time.perf_counter()
            for field, texts in where.items():
                handle = self.fields[field] if state == "$" else \
                    self.fields[(state, field)]  # type: ignore[index]
                c.call("SelectValues", [{"qText": t} for t in texts], handle=handle)
            self.layouts(concurrent)
            out.append(time.perf_counter() - t)
        return out

    def latency(self, run: Click, concurrent: bool, samples: int = 30) -> dict[str, Any]:
        """Small requests of a second session on the same app (Evaluate('1+1') and the
        layout of a list box of its own) with nothing running, then while ``run`` runs
        in the first session: the seconds each took."""
        from tests.conftest import Client

        other = Client(self.sessions, url_app=self.app_id)
        try:
            doc = other.call("GetActiveDoc")["qReturn"]["qHandle"]
            box = other.create(listbox("Segment"), doc)

            def small() -> list[float]:
                out = []
                for method, handle, params in (("Evaluate", doc, ["1+1"]),
                                               ("GetLayout", box, [])):
                    t = time.perf_counter()
                    other.call(method, *params, handle=handle)
                    out.append(time.perf_counter() - t)
                return out

            idle = [x for _ in range(samples) for x in small()]
            busy: list[float] = []
            done = threading.Event()
            click_s: list[float] = []

            def clicking() -> None:
                try:
                    click_s.append(self.click(run, concurrent)[0])
                finally:
                    done.set()

            c = self.client
            c.call("ClearAll", handle=self.doc)
            thread = threading.Thread(target=clicking)
            thread.start()
            while not done.is_set():
                busy += small()
                time.sleep(0.001)
            thread.join()
            return {"idle": idle, "busy": busy, "click_s": click_s[0] if click_s else None}
        finally:
            other.close()

    def close(self) -> None:
        self.pool.shutdown()
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
        # the compiled loops (about 70 MB, the same for any model) are loaded before the
        # "before", as a server has them once its first app is open: the lines are the
        # model's bytes per row
        kernels.warm()
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

    def click(self, run: dict[str, Any], concurrent: bool = True) -> dict[str, Any]:
        assert self.side is not None
        seconds, layouts = self.side.click(Click.from_json(run), concurrent)
        return {"seconds": seconds, "answers": answers(layouts)}

    def latency(self, run: dict[str, Any], concurrent: bool = True) -> dict[str, Any]:
        assert self.side is not None
        out = self.side.latency(Click.from_json(run), concurrent)
        log(f"small requests of another session: idle median "
            f"{statistics.median(out['idle']) * 1000:.1f} ms, during a click median "
            f"{statistics.median(out['busy']) * 1000:.1f} ms, max "
            f"{max(out['busy']) * 1000:.1f} ms ({len(out['busy'])} requests)")
        return out

    def states(self, runs: list[dict[str, list[str]]], concurrent: bool = True
               ) -> dict[str, Any]:
        assert self.side is not None
        seconds = self.side.states_clicks(runs, concurrent)
        log(f"clicks with 3 alternate states: {', '.join(f'{x * 1000:.0f}' for x in seconds)} ms")
        return {"seconds": seconds}

    def sets(self, runs: list[dict[str, list[str]]]) -> dict[str, Any]:
        assert self.side is not None
        out = self.side.set_chart_clicks(runs)
        log(f"set-analysis chart: {', '.join(f'{x * 1000:.0f}' for x in out['seconds'])} ms")
        return out

    def pivots(self, runs: list[dict[str, list[str]]]) -> dict[str, Any]:
        assert self.side is not None
        out = self.side.pivot_clicks(runs)
        log(f"straight page: {', '.join(f'{x * 1000:.0f}' for x in out['straight'])} ms; "
            f"pivot: {', '.join(f'{x * 1000:.0f}' for x in out['pivot'])} ms")
        return out

    def end(self) -> dict[str, Any]:
        gc.collect()
        mem = memory()
        if self.side is not None:
            self.side.close()
        return {"memory": mem}


if __name__ == "__main__":
    h = Handlers()
    serve({"reload": h.reload, "click": h.click, "latency": h.latency, "states": h.states,
           "sets": h.sets, "pivots": h.pivots, "end": h.end})
