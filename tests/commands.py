"""Running the ``associa`` command as a user does: the installed script next to the
test's Python (``.venv/bin/associa``), in a subprocess, and ``associa serve`` as a
background process whose stderr (the log) is collected while it runs."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent / "associa"
COMMAND = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "associa.cli"]
LISTENING = re.compile(r"associa listening on (ws://([\d.]+):(\d+))\n")


def env_without_settings(**extra: str) -> dict[str, str]:
    """The environment minus any ASSOCIA_* variable of the person running the tests."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSOCIA_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def associa(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, cwd=cwd,
                          env=env or env_without_settings(), timeout=timeout, check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    proc: subprocess.Popen[str]
    url: str
    port: int
    err: list[str] = field(default_factory=list)  # stderr lines so far

    def wait_for_log(self, pattern: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.err):
                if re.search(pattern, line):
                    return line
            time.sleep(0.02)
        raise AssertionError(f"no log line matches {pattern!r}:\n" + "".join(self.err))


@contextmanager
def serving(*args: str, cmd: list[str] | None = None, cwd: Path | None = None,
            env: dict[str, str] | None = None, timeout: float = 60) -> Iterator[Served]:
    """Start ``associa serve ARGS`` (or ``cmd``), wait for its 'listening' line, stop it
    at the end (its whole process group: ``make run`` starts a child)."""
    proc = subprocess.Popen(
        cmd or [*COMMAND, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, cwd=cwd, env=env or env_without_settings(), start_new_session=True,
    )
    err: list[str] = []
    assert proc.stderr is not None and proc.stdout is not None

    def read_stderr() -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            err.append(line)

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        out = ""
        deadline = time.monotonic() + timeout
        while not (found := LISTENING.search(out)):
            line = proc.stdout.readline()
            if not line or time.monotonic() > deadline:
                proc.wait(5)
                raise AssertionError(f"serve did not start ({proc.returncode}):\n{out}"
                                     + "".join(err))
            out += line
        yield Served(proc, found.group(1), int(found.group(3)), err)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait(10)
        reader.join(5)
        proc.stdout.close()
        proc.stderr.close()
