"""A temporary PostgreSQL server for the tests that load from one.

``postgres`` (a session fixture; a test module imports it) starts a new cluster of
Debian's ``postgresql`` package (``make test`` installs the package when it is missing)
in a temporary folder, on a free loopback port, with password authentication
(scram-sha-256) for the one user ``associa``, and stops and removes it at the end.
PostgreSQL refuses to run as root: run as root, the cluster belongs to the ``postgres``
user and its programs run through ``runuser``. Only when the server truly cannot run
(no PostgreSQL programs, no ``postgres`` user under root, or a failed start) are the
tests skipped, with the reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

USER = "associa"
PASSWORD = "s3cret-Pa55word"  # what the tests look for in files: it must never be there


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    user: str
    password: str

    def conninfo(self, dbname: str = "postgres", with_password: bool = True) -> str:
        out = f"host={self.host} port={self.port} dbname={dbname} user={self.user}"
        return out + (f" password={self.password}" if with_password else "")

    def execute(self, sql: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.conninfo(dbname), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def clients(self, dbname: str) -> list[str]:
        """The applications connected to a database (none: no connection leaked)."""
        import psycopg

        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            rows = conn.execute("SELECT application_name FROM pg_stat_activity "
                                "WHERE datname = %s", (dbname,)).fetchall()
        return [r[0] for r in rows]


def _bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(argv: list[str], as_postgres: bool) -> subprocess.CompletedProcess[str]:
    if as_postgres:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PgServer]:
    bin_dir = _bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (Debian package 'postgresql'; `make test` "
                    "installs it when run as root)")
    as_postgres = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="associa-pg-"))
    if as_postgres:
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: PostgreSQL cannot start")
        try:
            shutil.chown(folder, "postgres", "postgres")
        except (LookupError, PermissionError) as exc:
            pytest.skip(f"running as root without a usable 'postgres' user: {exc}")
    data = folder / "data"
    pwfile = folder / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if as_postgres:
        shutil.chown(pwfile, "postgres", "postgres")
    pwfile.chmod(0o600)
    port = _free_port()
    started = False
    try:
        init = _run([str(bin_dir / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}",
                     "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"],
                    as_postgres)
        if init.returncode != 0:
            pytest.skip(f"initdb failed: {init.stderr.strip()[-500:]}")
        options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        start = _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
                      "-l", str(folder / "log"), "-w", "-t", "60", "start"], as_postgres)
        if start.returncode != 0:
            log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else ""
            pytest.skip(f"PostgreSQL did not start: {start.stderr.strip()} {log[-500:]}")
        started = True
        yield PgServer("127.0.0.1", port, USER, PASSWORD)
    finally:
        if started:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                 as_postgres)
        shutil.rmtree(folder, ignore_errors=True)
