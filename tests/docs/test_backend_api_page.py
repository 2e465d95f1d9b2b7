"""docs/backend-api.md's Python example runs against ``associa serve --demo`` and prints
what the JavaScript example prints (tests/clients/backend-api.test.mjs checks that one)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.commands import env_without_settings, serving

PAGE = Path(__file__).resolve().parents[2] / "docs" / "backend-api.md"


def test_the_python_example_runs_against_the_demo(tmp_path: Path) -> None:
    (code,) = re.findall(r"^```python\n(.*?)^```\n", PAGE.read_text("utf-8"),
                         re.MULTILINE | re.DOTALL)
    assert code.count("ws://127.0.0.1:9076/") == 1
    with serving("--port", "0", "--data-dir", str(tmp_path / "data"), "--demo") as served:
        (tmp_path / "example.py").write_text(
            code.replace("ws://127.0.0.1:9076/", f"ws://127.0.0.1:{served.port}/"))
        done = subprocess.run([sys.executable, "example.py"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120,
                              env=env_without_settings(), check=False)
    assert done.returncode == 0, done.stderr
    # not confirmed yet; then Italy alone: its orders' total and its 9 customers; and the
    # chart's change listener was called
    assert done.stdout.splitlines() == ["True", "Italy | 96463.9 | 9", "True"], done.stdout
