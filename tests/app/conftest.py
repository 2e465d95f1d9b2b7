"""Fixtures of the app tests: an App on the sales script and a listener for its events."""

from __future__ import annotations

from pathlib import Path

import pytest

from associa.app.app import App
from tests.conftest import SALES_SCRIPT


class Listener:
    """Records what an App tells its listeners."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str | None]] = []

    def app_changed(self, app: App, what: str, object_id: str | None = None) -> None:
        self.events.append((what, object_id))


@pytest.fixture
def app(tmp_path: Path) -> App:
    return App("a", script=SALES_SCRIPT, base_dir=tmp_path)
