"""schemathesis against the served OpenAPI document, over the operations of the
directory, keys, OAuth, origins, quotas, webhooks and collections: generated requests
(valid and not) as the administrator never get a 5xx, and every answer matches its
documented schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from associa.rest.openapi import document
from associa.rest.resources import operations
from associa.settings import Settings
from tests.conftest import RunningServer

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")

from schemathesis.checks import (  # noqa: E402
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

ADMIN_KEY = "schemathesis-admin-key"
TAGS = ("users", "groups", "roles", "spaces", "api-keys", "audits", "oauth-clients",
        "oauth-tokens", "web-integrations", "csp-origins", "quotas", "webhooks", "collections")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One engine and server for every operation's cases (a server per operation kept
    each one's threads and memory until the run ended); request bodies capped at 1 MB,
    as the generated ones need no more."""
    from associa.engine import Engine
    from associa.qix.sessions import SessionManager

    settings = Settings(data_dir=tmp_path_factory.mktemp("schemathesis") / "data",
                        api_key=ADMIN_KEY, rest_rate_tier1=0, rest_rate_tier2=0,
                        rest_max_body_bytes=1 << 20)
    engine = Engine(settings)
    srv = RunningServer(engine, SessionManager(engine))
    yield srv
    srv.stop()


# the document the server serves (test_openapi.py checks they are the same)
schema = schemathesis.openapi.from_dict(document(operations())).include(
    tag_regex="^(" + "|".join(TAGS) + ")$")


@schema.parametrize()
@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_no_5xx_and_answers_match_the_schema(case, server: RunningServer) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(
        base_url=f"http://127.0.0.1:{server.port}/api/v1",
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance])
