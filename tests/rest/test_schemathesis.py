"""schemathesis against the served OpenAPI document, over every operation (apps, items,
reloads, reload-tasks, data-files, data-connections, temporary contents, collections, the directory,
keys, OAuth, origins, quotas, webhooks): generated requests (valid and not) as the
administrator never get a 5xx, and every answer matches its documented schema.

What keeps it fast (it was minutes; the cost was the number of cases and a new
connection, with the proxy variables read again, for each one): one requests session
for every case; the examples and coverage phases run as schemathesis makes them, but
the coverage phase sends a single unexpected method (not eight) per operation, and the
generated (fuzzing) phase makes ``MAX_EXAMPLES`` cases. Work a generated case could make
heavy is bounded: a reload stops after ``reload_time_limit`` seconds, bodies are capped
at 1 MB."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from associa.rest.openapi import document
from associa.rest.resources import operations
from associa.settings import Settings
from tests.conftest import RunningServer

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")
requests = pytest.importorskip("requests", reason="requests is not installed")

from schemathesis.checks import (  # noqa: E402
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

ADMIN_KEY = "schemathesis-admin-key"
MAX_EXAMPLES = 3


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One engine and server for every operation's cases (a server per operation kept
    each one's threads and memory until the run ended); request bodies capped at 1 MB,
    as the generated ones need no more; a reload stops after 5 seconds. SQLite only: the
    module's one server takes every generated case (a second on PostgreSQL would double
    the suite's slowest module), and every operation it covers runs on PostgreSQL in its
    own module."""
    from associa.engine import Engine
    from associa.qix.sessions import SessionManager

    settings = Settings(data_dir=tmp_path_factory.mktemp("schemathesis") / "data",
                        api_key=ADMIN_KEY, rest_rate_tier1=0, rest_rate_tier2=0,
                        rest_rate_special=0, rest_max_body_bytes=1 << 20,
                        reload_time_limit=5)
    engine = Engine(settings)
    srv = RunningServer(engine, SessionManager(engine))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    """One connection for every case; the environment's proxy settings are not read
    again for each request (they are not wanted for 127.0.0.1 anyway)."""
    with requests.Session() as s:
        s.trust_env = False
        s.headers["Authorization"] = f"Bearer {ADMIN_KEY}"
        yield s


# the document the server serves (test_openapi.py checks they are the same)
schema = schemathesis.openapi.from_dict(document(operations()))
schema.config.phases.coverage.unexpected_methods = {"trace"}


def test_every_operation_is_exercised() -> None:
    """The run covers the whole operations table (no tag left out)."""
    served = {(op.method, op.path) for op in schema.get_all_operations()
              for op in [op.ok()]}
    table = {(op.method, "/api/v1" + op.template) for op in operations()}
    assert {(m.upper(), p) for m, p in served} == table


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_no_5xx_and_answers_match_the_schema(  # type: ignore[no-untyped-def]
        case, server: RunningServer, session: requests.Session) -> None:
    case.call_and_validate(
        base_url=f"http://127.0.0.1:{server.port}/api/v1", session=session,
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance])
