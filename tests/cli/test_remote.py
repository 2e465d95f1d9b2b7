"""The same commands against a running engine (``--engine ws://...``): the golden
project built on it, queried, reloaded with its progress; an engine that cannot be
reached is exit 3."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from associa.cli.remote import Qix, QixFailure
from associa.engine import Engine
from associa.identity import Identity
from associa.qix.sessions import SessionManager
from associa.settings import Settings
from tests.cli.test_project import GOLDEN
from tests.commands import associa, env_without_settings, free_port, serving
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


def test_export_import_diff_and_check_script_on_a_running_engine(tmp_path: Path) -> None:
    """export and import through the REST API of the engine of --engine (same host and
    port), diff through its data/summary, check-script through QIX CheckScriptSyntax:
    what the data folder's commands print, from the engine."""
    folder = tmp_path / "project"
    shutil.copytree(GOLDEN, folder)
    file = tmp_path / "sales.associa"
    with serving("--port", "0", "--data-dir", str(tmp_path / "data"), "--no-auth") as served:
        url = served.url
        assert associa("build", str(folder / "project.yaml"), "--engine", url).returncode == 0
        done = associa("diff", "sales", "--engine", url, "--json")  # the build's reload
        assert [(c["change"], c["table"], c["rows after"]) for c in json.loads(done.stdout)] \
            == [("table added", "Sales", 5), ("table added", "Regions", 3)], done.stderr
        with (folder / "sales.csv").open("a", encoding="utf-8") as fh:
            fh.write("East,Kiwis,40\n")
        assert associa("reload", "sales", "--engine", url).returncode == 0
        done = associa("diff", "sales", "--engine", url, "--json")
        assert json.loads(done.stdout) == [
            {"change": "rows changed", "table": "Sales", "detail": "+1", "rows before": 5,
             "rows after": 6}], done.stderr
        done = associa("diff", "nope", "--engine", url)
        assert (done.returncode, done.stderr) == (
            1, f"associa diff: app 'nope' not found on {url}\n")

        done = associa("export", "sales", str(file), "--engine", url)
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"exported 'sales' from {url} to {file}\n"
        done = associa("export", "nope", str(tmp_path / "x.associa"), "--engine", url)
        assert done.returncode == 1 and not (tmp_path / "x.associa").exists()
        # the engine's file is the data folder's: imported here, it answers the same
        local = tmp_path / "local"
        local.mkdir()
        assert associa("import", "copy", str(file), "--data-dir", str(local)).returncode == 0
        done = associa("eval", "copy", "Sum(Amount)", "--data-dir", str(local))
        assert done.stdout == "440\n"

        # import onto the engine: a new app (its id printed), then one replaced in place
        done = associa("import", "Sales copy", str(file), "--engine", url)
        assert done.returncode == 0, done.stderr
        new_id = done.stdout.strip().rsplit(" ", 1)[1]
        done = associa("eval", new_id, "Sum(Amount)", "--engine", url)
        assert done.stdout == "440\n", done.stderr
        done = associa("import", new_id, str(file), "--engine", url)
        assert done.returncode == 1 and "use --replace" in done.stderr
        (folder / "sales.csv").write_text("Region,Product,Amount\nNorth,Figs,1\n")
        assert associa("reload", "sales", "--engine", url).returncode == 0
        assert associa("export", "sales", str(file), "--engine", url).returncode == 0
        done = associa("import", new_id, str(file), "--engine", url, "--replace")
        assert done.returncode == 0, done.stderr
        done = associa("eval", new_id, "Sum(Amount)", "--engine", url)
        assert done.stdout == "1\n"
        bad = tmp_path / "bad.associa"
        bad.write_bytes(b"not a zip")
        done = associa("import", "x", str(bad), "--engine", url)
        assert done.returncode == 1 and "not an associa app file" in done.stderr

        good = folder / "ok.qvs"
        good.write_text("T: LOAD * INLINE [\nA\n1\n];\n", encoding="utf-8")
        done = associa("check-script", str(good), "--engine", url)
        assert (done.returncode, done.stdout) == (
            0, f"{good}: no syntax errors (checked on {url}; the script was not run)\n")
        broken = folder / "bad.qvs"
        broken.write_text("T: LOAD * INLINE [\nA\n1\n];\n\n  NOT A STATEMENT;\n",
                          encoding="utf-8")
        done = associa("check-script", str(broken), "--engine", url)
        assert done.returncode == 1
        assert done.stderr.splitlines() == [f"{broken}:6:3: syntax error",
                                            "  NOT A STATEMENT;", "  ^^^"]
    done = associa("export", "sales", str(file), "--engine", url)
    assert done.returncode == 3 and done.stderr.startswith(
        f"associa export: cannot connect to {url}")


def test_the_token_goes_to_qix_and_to_rest(tmp_path: Path) -> None:
    """ASSOCIA_ENGINE_TOKEN: an API key the engine issued opens the socket and the REST
    calls as its user; without it the engine refuses both (one line each)."""
    folder = tmp_path / "project"
    shutil.copytree(GOLDEN, folder)
    data = tmp_path / "data"
    key, _ = Engine(Settings(data_dir=data)).meta.create_api_key(
        Identity(user_id="ci", user_directory="robots"))
    with_key = env_without_settings(ASSOCIA_ENGINE_TOKEN=key)
    with serving("--port", "0", "--data-dir", str(data),
                 "--api-key-authentication", "1") as served:
        url = served.url
        done = associa("build", str(folder / "project.yaml"), "--engine", url, env=with_key)
        assert done.returncode == 0, done.stderr
        done = associa("export", "sales", str(tmp_path / "s.associa"), "--engine", url,
                       env=with_key)
        assert done.returncode == 0, done.stderr
        done = associa("diff", "sales", "--engine", url, "--json", env=with_key)
        assert done.returncode == 0, done.stderr
        refused = associa("diff", "sales", "--engine", url)
        assert refused.returncode == 1 and len(refused.stderr.splitlines()) == 1
        refused = associa("eval", "sales", "1", "--engine", url)
        assert refused.returncode == 3 and "401" in refused.stderr
