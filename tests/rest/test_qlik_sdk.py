"""Qlik's Python SDK (``qlik-sdk`` from PyPI) against a real engine: its ``Apps``,
``Items``, ``Reloads``, ``Users``, ``Spaces`` and ``ApiKeys`` classes over REST, and its app
session over QIX.

qlik-sdk 0.17 pins PyJWT 2.4.0, requests 2.27.1 and websocket-client 1.3.2, so it lives in
a virtual environment of its own (``.venv-sdk``, made by ``make test``); the SDK's side of
each test (``sdk_scenarios.py``) runs there as a plain SDK user, and these tests check what
it saw and what the engine holds afterwards. Outside CI the tests are skipped when that
environment is missing; in CI (``CI`` set) they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from associa.engine import Engine
from associa.settings import Settings
from tests.conftest import RunningServer

KEY = "sdk-admin-key"
ROOT = Path(__file__).resolve().parents[2]
SDK_PYTHON = Path(os.environ.get("ASSOCIA_SDK_PYTHON", ROOT / ".venv-sdk" / "bin" / "python"))
SCENARIOS = Path(__file__).with_name("sdk_scenarios.py")


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=KEY)


@pytest.fixture
def sdk(rest_server: RunningServer) -> Any:
    if not SDK_PYTHON.exists():
        message = f"qlik-sdk's environment {SDK_PYTHON} is missing (make sdk)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)

    def run(scenario: str) -> dict[str, Any]:
        done = subprocess.run(
            [str(SDK_PYTHON), str(SCENARIOS), f"http://127.0.0.1:{rest_server.port}", KEY,
             scenario], capture_output=True, text=True, timeout=180, check=False)
        if done.returncode:
            sys.stderr.write(done.stderr)
            raise AssertionError(f"qlik-sdk scenario {scenario} failed: "
                                 f"{done.stderr.strip().splitlines()[-1:]}")
        answer: dict[str, Any] = json.loads(done.stdout)
        return answer

    return run


def test_apps_items_reloads(sdk: Any, rest_engine: Engine) -> None:
    seen = sdk("apps_items_reloads")
    app_id = seen["app_id"]
    assert seen["got_name"] == "From SDK"
    assert seen["renamed"] == ["Renamed", "by the SDK"]
    assert rest_engine.get_app(app_id).title == "Renamed"
    assert seen["script_versions"] == ["four rows"]
    # a reload through REST, followed by the SDK until it ends
    assert seen["reload_created"] == [app_id, True]
    assert seen["reload_status"] == "SUCCEEDED" and seen["reload_log_has_rows"]
    assert seen["reloads_of_app"] == [seen["reload_id"]]
    assert seen["tables"] == {"T": 4}
    model = rest_engine.get_app(app_id).model
    assert model.data_tables == ["T"] and model.data_fields == ["N"]
    assert seen["lineage"] == [["AUTOGENERATE", "T: LOAD RecNo() AS N AutoGenerate 4"]]
    assert seen["copy_id"] != app_id and not rest_engine.app_exists(seen["copy_id"])
    assert seen["first_page"] == ["Renamed", "Copy"]
    assert seen["all_pages"] == ["Renamed", "Copy", "More 0", "More 1", "More 2"]
    assert seen["me"] == ["admin", "associa"]


def test_spaces_users_api_keys(sdk: Any) -> None:
    seen = sdk("spaces_users_api_keys")
    assert seen["user"] == ["carl", "Carl"]
    assert seen["patched_name"] == "Carla"
    assert "carl" in seen["subjects"]
    assert seen["space"] == ["shared", "Finance"]
    assert seen["assignees"] == ["carl"]
    assert seen["changed_roles"] == ["producer"]
    assert seen["spaces"] == ["Finance"] and seen["spaces_after"] == []
    assert seen["token_prefix"] == "associa"
    assert seen["key_listed"] and seen["key_status"] == "revoked"
    assert "carl" not in seen["subjects_after"]


@pytest.mark.xfail(strict=True, reason="qlik-sdk 0.17 opens apps at wss://<hostname>/app/<id> "
                   "(always TLS on port 443, the port of the host setting dropped: "
                   "qlik_sdk/rpc.py), so it cannot reach an engine on http://host:port")
def test_the_sdk_opens_the_app_over_qix(sdk: Any) -> None:
    assert sdk("app_over_qix") == {"reloaded": True, "sum": "6"}
