"""Starting ``associa serve`` as a user does (installed entry point, ``make run``): what
works, and the one-line errors for what cannot (busy port, data folder, app files,
settings)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import urllib.request
from pathlib import Path

import pytest

from associa.engine import Engine
from associa.settings import Settings
from tests.cli.test_basics import damage, one_line
from tests.commands import associa, env_without_settings, free_port, serving

REPO = Path(__file__).resolve().parents[2]


def health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
        return json.loads(r.read())


def saved_app(data: Path, app_id: str = "a") -> None:
    engine = Engine(Settings(data_dir=data))
    app = engine.create_app(app_id, "T: LOAD 1 as X AUTOGENERATE 1;")
    app.reload()
    engine.save_app(app)


def test_busy_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = associa("serve", "--port", str(port), "--data-dir", "data", timeout=30)
    assert done.returncode == 1
    assert one_line(done.stderr, "associa serve: ") == (
        f"associa serve: port {port} on 127.0.0.1 is already in use: stop the program "
        "using it or choose another port with --port (0 picks a free one)")


def test_port_out_of_range(tmp_path: Path) -> None:
    done = associa("serve", "--port", "70000", "--data-dir", str(tmp_path))
    assert done.returncode == 1
    one_line(done.stderr, "associa serve: cannot listen on port 70000: ports go from 0 to 65535")


def test_data_folder_is_created_when_its_parent_exists(tmp_path: Path) -> None:
    with serving("--port", "0", "--data-dir", str(tmp_path / "new")) as served:
        assert health(served.port)["status"] == "ok"
    assert (tmp_path / "new" / "apps").is_dir()


def test_data_folder_whose_parent_is_missing(tmp_path: Path) -> None:
    folder = tmp_path / "no" / "such"
    done = associa("serve", "--port", "0", "--data-dir", str(folder))
    assert done.returncode == 1
    assert one_line(done.stderr, "associa serve: ") == (
        f"associa serve: data folder {folder} cannot be created: {folder.parent} does not "
        "exist (create it, or choose another folder with --data-dir)")
    assert not (tmp_path / "no").exists()


def test_data_folder_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    done = associa("serve", "--port", "0", "--data-dir", str(tmp_path / "f"))
    assert done.returncode == 1
    one_line(done.stderr, f"associa serve: data folder {tmp_path / 'f'} is not a folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_data_folder_not_writable(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    (folder / "apps").mkdir(parents=True)
    (folder / "apps").chmod(0o500)
    try:
        done = associa("serve", "--port", "0", "--data-dir", str(folder))
    finally:
        (folder / "apps").chmod(0o700)
    assert done.returncode == 1
    one_line(done.stderr, f"associa serve: data folder {folder} is not writable: ")


@pytest.mark.parametrize(("how", "reason"), [
    ("truncated", "File is not a zip file"),
    ("folder", "Is a directory"),
])
def test_damaged_app_file_at_start(tmp_path: Path, how: str, reason: str) -> None:
    data = tmp_path / "data"
    saved_app(data)
    path = damage(data, how)
    done = associa("serve", "--port", "0", "--data-dir", str(data))
    assert done.returncode == 1
    assert one_line(done.stderr, "associa serve: ") == (
        f"associa serve: app file {path} cannot be read: {reason}; "
        "move it out of the data folder to start without it")


def test_damaged_demo_app_with_demo(tmp_path: Path) -> None:
    data = tmp_path / "data"
    saved_app(data, "demo")
    path = damage(data, "bad model")
    done = associa("serve", "--port", "0", "--data-dir", str(data), "--demo")
    assert done.returncode == 1
    assert one_line(done.stderr, "associa serve: ") == (
        f"associa serve: app 'demo' cannot be read from {path}: "
        "Read Failed: the data model in the file is damaged")


@pytest.mark.parametrize(("var", "value", "message"), [
    ("ASSOCIA_PORT", "abc", "ASSOCIA_PORT must be a whole number, not 'abc'"),
    ("ASSOCIA_SESSION_TTL", "-5",
     "ASSOCIA_SESSION_TTL must be a whole number of seconds or -1 (infinite), not '-5'"),
    ("ASSOCIA_LOG_LEVEL", "loud",
     "ASSOCIA_LOG_LEVEL must be one of debug, info, warning, error, not 'loud'"),
])
def test_bad_environment_variable(tmp_path: Path, var: str, value: str, message: str) -> None:
    done = associa("serve", "--data-dir", str(tmp_path), env=env_without_settings(**{var: value}))
    assert done.returncode == 2
    assert one_line(done.stderr, "associa serve: ") == f"associa serve: {message}"


def test_settings_from_the_environment(tmp_path: Path) -> None:
    env = env_without_settings(ASSOCIA_PORT="0", ASSOCIA_DATA_DIR=str(tmp_path / "d"),
                               ASSOCIA_LOG_FORMAT="json")
    with serving(env=env) as served:
        started = json.loads(served.wait_for_log("server started"))
        assert started["data_dir"] == str(tmp_path / "d") and started["port"] == served.port
    # a flag wins over its variable
    with serving("--port", "0", "--log-format", "text", env=env) as served:
        served.wait_for_log(r"INFO associa\.server: server started host=127\.0\.0\.1 ")


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_with_a_port(tmp_path: Path) -> None:
    port = free_port()
    cmd = ["make", "--no-print-directory", "-C", str(REPO), "run", f"PORT={port}",
           f"DATA_DIR={tmp_path / 'data'}"]
    with serving(cmd=cmd) as served:
        assert served.port == port
        assert health(port)["status"] == "ok"
        done = associa("eval", "demo", "Count(DISTINCT Country)", "--data-dir",
                       str(tmp_path / "data"))
        assert done.stdout == "8\n"
