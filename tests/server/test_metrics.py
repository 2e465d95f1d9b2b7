"""/metrics' text, rendered without a server: families declared once, labels escaped,
histogram buckets cumulative and ending in +Inf."""

from __future__ import annotations

from associa.engine import Engine
from associa.qix.sessions import SessionManager
from associa.server.metrics import family, render
from tests.conftest import Client


def test_family_format() -> None:
    lines = family("x_total", "counter", "Things.",
                   [("", {"method": 'a"b\\c\nd'}, 3), ("", {}, 1.5)])
    assert lines == ["# HELP x_total Things.", "# TYPE x_total counter",
                     'x_total{method="a\\"b\\\\c\\nd"} 3', "x_total 1.5"]


def test_render(sessions: SessionManager, engine: Engine) -> None:
    c = Client(sessions, "k")
    c.session_app()  # a session app, reloaded
    text = render(sessions, engine)
    lines = text.splitlines()
    declared = [ln.split()[2] for ln in lines if ln.startswith("# TYPE")]
    assert len(declared) == len(set(declared))
    values = {ln.rsplit(" ", 1)[0]: float(ln.rsplit(" ", 1)[1])
              for ln in lines if not ln.startswith("#")}
    assert values['associa_apps_in_memory{kind="session_app"}'] == 1
    assert values["associa_sessions"] == 1 and values["associa_sockets"] == 1
    buckets = [v for k, v in values.items() if k.startswith("associa_reload_duration_seconds_bucket")]
    assert buckets == sorted(buckets) and buckets[-1] == values["associa_reload_duration_seconds_count"] == 1
    assert values['associa_requests_total{method="DoReload"}'] == 1
    assert text.endswith("\n")
    c.close()
