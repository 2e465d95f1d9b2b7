"""The ``associa`` command: check-script, eval and serve."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from associa.cli import main
from associa.engine import Engine
from associa.settings import Settings

GOOD = """\
Sales:
LOAD * INLINE [
Region, Amount
North, 100
South, 150
];
Files:
LOAD * FROM [lib://data/extra.csv] (txt, utf8, embedded labels, delimiter is ',');
"""

BAD = """\
T:
LOAD * INLINE [
A
1
];

  NOT A STATEMENT;
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_script_good(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "extra.csv", "Region,Size\nNorth,1\n")
    script = write(tmp_path, "good.qvs", GOOD)
    assert main(["check-script", str(script)]) == 0
    out = capsys.readouterr()
    assert "Sales: 2 rows, fields Region, Amount" in out.out
    assert "Files: 1 rows" in out.out
    assert out.err == ""


def test_check_script_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = write(tmp_path, "bad.qvs", BAD)
    assert main(["check-script", str(script)]) == 1
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert re.fullmatch(rf"{re.escape(str(script))}:7:3: .+", first), first
    assert "NOT A STATEMENT" in err and "\n  ^" in err


def test_check_script_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-script", str(tmp_path / "none.qvs")]) == 2
    assert "none.qvs" in capsys.readouterr().err


def test_check_script_missing_data_file(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    script = write(tmp_path, "s.qvs", "T: LOAD * FROM [lib://x/none.csv] (txt);\n")
    assert main(["check-script", str(script)]) == 1
    assert f"{script}:1:" in capsys.readouterr().err


def test_check_script_stays_in_its_folder(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "inner").mkdir()
    write(tmp_path, "secret.csv", "S\nTOP-SECRET\n")
    for path in ["lib://x/../secret.csv", "../secret.csv", str(tmp_path / "secret.csv")]:
        script = write(tmp_path / "inner", "s.qvs", f"T: LOAD * FROM [{path}] (txt);\n")
        assert main(["check-script", str(script)]) == 1, path
        captured = capsys.readouterr()
        assert "outside" in captured.err and "TOP-SECRET" not in captured.out + captured.err


def test_check_script_as_a_command(tmp_path: Path) -> None:
    script = write(tmp_path, "bad.qvs", BAD)
    done = subprocess.run([sys.executable, "-m", "associa.cli", "check-script", str(script)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith(f"{script}:7:3:")


def test_eval(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    engine = Engine(Settings(data_dir=tmp_path))
    app = engine.create_app("a", "T: LOAD * INLINE [\nX\n1\n2\n];")
    app.reload()
    engine.save_app(app)
    assert main(["eval", "a", "Sum(X)", "--data-dir", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out) == {"qText": "3", "qNum": 3.0}
    assert main(["eval", "nope", "1", "--data-dir", str(tmp_path)]) == 1
    assert "error" in capsys.readouterr().err


def test_serve_on_a_free_port(tmp_path: Path) -> None:
    from websockets.sync.client import connect

    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "associa.cli", "serve", "--port", "0", "--data-dir",
         str(tmp_path / "data")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.fullmatch(r"associa listening on (ws://127\.0\.0\.1:(\d+))\n", line)
        assert found, line
        assert int(found.group(2)) > 0
        deadline = time.monotonic() + 10
        while True:
            try:
                with connect(found.group(1) + "/app/engineData", open_timeout=5) as ws:
                    hello = json.loads(ws.recv(timeout=5))
                    ws.send('{"jsonrpc":"2.0","id":1,"handle":-1,"method":"QvVersion","params":[]}')
                    reply = json.loads(ws.recv(timeout=5))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert hello["params"] == {"qSessionState": "SESSION_CREATED"}
        assert reply["id"] == 1 and "qReturn" in reply["result"]
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
