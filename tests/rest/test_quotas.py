"""/quotas: the engine's limits from its settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from associa.settings import Settings


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, rest_max_body_bytes=1234, max_apps_in_memory=0)


def test_quotas(api) -> None:  # type: ignore[no-untyped-def]
    data = {q["id"]: q["attributes"] for q in api.get("/quotas").json()["data"]}
    assert data["request_body_size"] == {"quota": 1234, "usage": 0, "unit": "bytes",
                                         "warningThresholds": [0.8]}
    assert data["apps_in_memory"]["quota"] == -1  # no limit
    one = api.get("/quotas/request_body_size").json()["data"]
    assert [q["id"] for q in one] == ["request_body_size"]
    assert api.get("/quotas/nope").status_code == 404
