"""The same commands against a running engine (``--engine ws://...``): the golden
project built on it, queried, reloaded with its progress; an engine that cannot be
reached is exit 3."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from associa.cli.remote import Qix, QixFailure
from associa.qix.sessions import SessionManager
from tests.cli.test_project import GOLDEN
from tests.commands import associa, free_port, serving
from tests.conftest import RunningServer


def test_build_query_and_reload_on_a_running_engine(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    shutil.copytree(GOLDEN, folder)
    with serving("--port", "0", "--data-dir", str(tmp_path / "data"), "--no-auth") as served:
        url = served.url
        done = associa("build", str(folder / "project.yaml"), "--engine", url)
        assert done.returncode == 0, done.stderr
        assert done.stderr.splitlines() == ["Sales: 5 rows loaded", "Regions: 3 rows loaded"]
        done = associa("tables", "sales", "--engine", url, "--json")
        assert [(t["table"], t["rows"]) for t in json.loads(done.stdout)] == [
            ("Sales", 5), ("Regions", 3)]
        done = associa("eval", "sales", "Sum(Amount)", "--engine", url)
        assert (done.returncode, done.stdout) == (0, "400\n"), done.stderr
        done = associa("eval", "sales", "Sum(Amount)", "--engine", url, "--json")
        assert json.loads(done.stdout) == {"qText": "400", "qNum": 400}
        done = associa("eval", "sales", "1 +", "--engine", url)
        assert done.returncode == 1 and done.stderr.startswith("associa eval: ")
        done = associa("select", "sales", "Region=South", "--engine", url, "--", "eval",
                       "Sum(Amount)", "--by", "Product", "--json")
        assert json.loads(done.stdout) == [{"Product": "Apples", "Sum(Amount)": 150},
                                           {"Product": "Plums", "Sum(Amount)": 30}]
        done = associa("preview", "sales", "Sales", "--limit", "2", "--engine", url, "--json")
        assert json.loads(done.stdout) == [
            {"Region": "North", "Product": "Apples", "Amount": 100},
            {"Region": "North", "Product": "Pears", "Amount": 50}]
        (folder / "sales.csv").write_text("Region,Product,Amount\nNorth,Figs,1\n")
        done = associa("reload", "sales", "--engine", url)
        assert done.returncode == 0, done.stderr
        assert done.stderr.splitlines() == ["Sales: 1 rows loaded", "Regions: 3 rows loaded"]
        assert done.stdout.splitlines()[-1].endswith(f"2 tables, 4 rows; saved on {url}")
        done = associa("eval", "sales", "Sum(Amount)", "--engine", url)
        assert done.stdout == "1\n"
        done = associa("eval", "nope", "1", "--engine", url)
        assert done.returncode == 1 and done.stderr.startswith("associa eval: app 'nope' ")
    # saved by the engine: the data folder answers the same in process
    done = associa("eval", "sales", "Sum(Amount)", "--data-dir", str(tmp_path / "data"))
    assert done.stdout == "1\n"


def test_an_engine_that_cannot_be_reached_is_exit_3() -> None:
    url = f"ws://127.0.0.1:{free_port()}"
    done = associa("tables", "sales", "--engine", url)
    assert done.returncode == 3
    assert done.stderr.startswith(f"associa tables: cannot connect to {url}")
    assert len(done.stderr.splitlines()) == 1
    done = associa("tables", "sales", "--engine", "http://x")
    assert done.returncode == 2
    assert done.stderr == "associa tables: --engine wants a ws:// or wss:// URL, not 'http://x'\n"


def test_an_engine_that_goes_away_mid_command_is_unreachable(sessions: SessionManager) -> None:
    server = RunningServer(sessions.engine, sessions)
    url = f"{server.url}/app/"
    try:
        with Qix.remote(url) as qix:
            assert qix.get_doc_list() == []
            server.stop()  # the socket ends: not made again, the command fails (exit 3)
            with pytest.raises(QixFailure) as info:
                qix.get_doc_list()
    finally:
        server.stop()
    assert info.value.unreachable and str(info.value) == f"connection to {url} lost"
