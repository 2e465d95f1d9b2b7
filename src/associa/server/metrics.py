"""``GET /metrics``: the engine's numbers in Prometheus' text exposition format
(https://prometheus.io/docs/instrumenting/exposition_formats/): sessions, sockets, apps
in memory, requests per QIX method, reloads and their durations, the process's memory.

Written by hand: a dozen families of counters and gauges read from the
``SessionManager`` and the ``Engine`` when scraped; nothing is kept here.
"""

from __future__ import annotations

import resource
import sys
from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import PlainTextResponse

from associa import __version__
from associa.engine import Engine
from associa.qix.sessions import SessionManager

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
RELOAD_BUCKETS = (0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def family(name: str, kind: str, text: str,
           samples: Iterable[tuple[str, dict[str, str], float]]) -> list[str]:
    """One metric family: HELP, TYPE and its samples (suffix, labels, value)."""
    lines = [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
    for suffix, labels, value in samples:
        inner = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
        number = repr(float(value)) if isinstance(value, float) else str(value)
        lines.append(f"{name}{suffix}{{{inner}}} {number}" if inner else
                     f"{name}{suffix} {number}")
    return lines


def resident_bytes() -> int:
    """The process's resident memory now (Linux: /proc/self/statm), else its peak."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            pages = int(f.read().split()[1])
        return pages * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def render(sessions: SessionManager, engine: Engine) -> str:
    counts = sessions.counts()
    methods = sessions.stats.snapshot()
    with engine.activity:
        durations = list(engine.reload_seconds)
        reloads_total, running = engine.reloads_total, engine.reloads_running
        saving = engine.saves_running
    lines: list[str] = []
    lines += family("associa_info", "gauge", "The engine's version.",
                    [("", {"version": __version__}, 1)])
    lines += family("associa_sessions", "gauge", "QIX sessions alive (kept by a TTL too).",
                    [("", {}, counts["sessions"])])
    lines += family("associa_sessions_attached", "gauge", "Sessions with an open socket.",
                    [("", {}, counts["attached"])])
    lines += family("associa_sockets", "gauge", "Open QIX WebSockets.",
                    [("", {}, counts["sockets"])])
    lines += family("associa_sessions_created_total", "counter", "Sessions created.",
                    [("", {}, sessions.created_total)])
    lines += family("associa_sessions_expired_total", "counter",
                    "Sessions ended because their TTL ran out.",
                    [("", {}, sessions.expired_total)])
    lines += family("associa_apps_in_memory", "gauge", "Apps loaded in memory.",
                    [("", {"kind": "app"}, len(engine.loaded())),
                     ("", {"kind": "session_app"}, counts["session_apps"])])
    lines += family("associa_requests_total", "counter", "QIX requests answered, per method.",
                    [("", {"method": m}, c.requests) for m, c in sorted(methods.items())])
    lines += family("associa_request_errors_total", "counter",
                    "QIX requests answered with an error, per method.",
                    [("", {"method": m}, c.errors) for m, c in sorted(methods.items())])
    lines += family("associa_request_seconds_total", "counter",
                    "Seconds spent answering QIX requests, per method.",
                    [("", {"method": m}, c.seconds) for m, c in sorted(methods.items())])
    lines += family("associa_requests_in_flight", "gauge", "QIX requests running now.",
                    [("", {}, sessions.stats.in_flight)])
    lines += family("associa_reloads_running", "gauge", "Reloads running now.",
                    [("", {}, running)])
    lines += family("associa_saves_running", "gauge", "App saves running now.",
                    [("", {}, saving)])
    buckets = [("_bucket", {"le": str(b)}, sum(1 for d in durations if d <= b))
               for b in RELOAD_BUCKETS]
    lines += family("associa_reload_duration_seconds", "histogram",
                    "Durations of finished reloads (the last 1000 in the buckets and sum).",
                    [*buckets, ("_bucket", {"le": "+Inf"}, len(durations)),
                     ("_sum", {}, float(sum(durations))), ("_count", {}, len(durations))])
    lines += family("associa_reloads_total", "counter", "Reloads finished (or failed).",
                    [("", {}, reloads_total)])
    lines += family("associa_resident_memory_bytes", "gauge",
                    "Resident memory of the engine process.",
                    [("", {}, resident_bytes())])
    return "\n".join(lines) + "\n"


async def metrics(request: Request) -> PlainTextResponse:
    state = request.app.state
    return PlainTextResponse(render(state.sessions, state.engine), media_type=CONTENT_TYPE)
