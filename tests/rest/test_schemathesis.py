"""schemathesis against the served OpenAPI document, over the operations of the
directory, keys, OAuth, origins, quotas and webhooks: generated requests (valid and not)
as the administrator never get a 5xx, and every answer matches its documented schema."""

from __future__ import annotations

from pathlib import Path

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
        "oauth-tokens", "web-integrations", "csp-origins", "quotas", "webhooks")


@pytest.fixture
def rest_settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, api_key=ADMIN_KEY, rest_rate_tier1=0,
                    rest_rate_tier2=0)


# the document the server serves (test_openapi.py checks they are the same)
schema = schemathesis.openapi.from_dict(document(operations())).include(
    tag_regex="^(" + "|".join(TAGS) + ")$")


@schema.parametrize()
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_no_5xx_and_answers_match_the_schema(case, rest_server: RunningServer) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(
        base_url=f"http://127.0.0.1:{rest_server.port}/api/v1",
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance])
