"""The README as a newcomer uses it: its Python example runs twice in a row and prints
what the README shows; its enigma.js example runs in a fresh npm project against a real
engine, and so does the Python client's (over a socket to ``associa serve``); its settings table, demo app description and command examples match the code."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from associa.demo import DEMO_APP_ID, install_demo
from associa.engine import Engine
from associa.settings import ENVIRONMENT, SWITCHES, Settings
from tests.cli.test_basics import subcommands
from tests.commands import associa, env_without_settings, serving

README = Path(__file__).resolve().parent.parent / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)


def blocks() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(README.read_text("utf-8"))]


def example(lang: str) -> tuple[str, str]:
    """The only ``lang`` block and the ``text`` block after it (what it prints)."""
    found = blocks()
    (index,) = [i for i, (kind, _) in enumerate(found) if kind == lang]
    output = next(body for kind, body in found[index + 1 :] if kind == "text")
    return found[index][1], output


def section(title: str) -> str:
    text = README.read_text("utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def table_rows(text: str) -> list[list[str]]:
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.startswith("|")]
    return [r for r in rows[1:] if not set("".join(r)) <= set("-: ")]


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    engine = Engine(Settings(data_dir=tmp_path_factory.mktemp("readme") / "data"))
    install_demo(engine)
    return engine


def test_python_example_runs_twice(tmp_path: Path) -> None:
    code, printed = example("python")
    (tmp_path / "example.py").write_text(code, encoding="utf-8")
    for run in (1, 2):
        done = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120, env=env_without_settings(), check=False)
        assert done.returncode == 0, (run, done.stderr)
        assert done.stdout == printed, run
    assert list((tmp_path / "data" / "apps").glob("*.app"))


def test_python_client_example_against_a_served_engine(tmp_path: Path) -> None:
    """The Python client's example (```py) against ``associa serve`` holding the app the
    first example saved: Bike's total, then the chart after its confirmed selection."""
    first, _ = example("python")
    (tmp_path / "example.py").write_text(first, encoding="utf-8")
    subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True,
                   text=True, timeout=120, env=env_without_settings(), check=True)
    (code,) = [body for kind, body in blocks() if kind == "py"]
    assert code.count("ws://localhost:9076/app/") == 1
    with serving("--port", "0", "--data-dir", str(tmp_path / "data")) as served:
        (tmp_path / "client.py").write_text(
            code.replace("ws://localhost:9076/", f"ws://127.0.0.1:{served.port}/"))
        done = subprocess.run([sys.executable, "client.py"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120,
                              env=env_without_settings(), check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "250.0"  # Bike: North 100, South 150
    table = [line.split() for line in lines[1:4]]
    assert [row[1:] for row in table[1:]] == [["North", "100.0"], ["South", "150.0"]]
    # the chart repaints (on the connection's thread: anywhere among the lines) ...
    assert "repaint {'qcx': 2, 'qcy': 1}" in lines, done.stdout
    # ... and after selecting and confirming Region's element 0 shows North alone, with
    # Region's values beside it (on the same line: one print of two frames)
    rest = [line.split() for line in lines[4:] if not line.startswith("repaint")]
    assert rest[1][:3] == ["0", "North", "100.0"] and rest[1][3:] == ["value", "number", "state"]
    assert rest[2:] == [["0", "North", "NaN", "S"], ["1", "South", "NaN", "A"]], done.stdout


@pytest.mark.skipif(shutil.which("npm") is None or shutil.which("node") is None,
                    reason="needs Node.js and npm")
def test_enigma_example_in_a_fresh_npm_project(tmp_path: Path) -> None:
    code, printed = example("js")
    readme = README.read_text("utf-8")
    assert "npm install enigma.js@2.15.0 ws@8" in readme and "example.mjs" in readme
    assert code.count("ws://127.0.0.1:9076/") == 1
    version = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True)
    major, minor = (int(x) for x in version.stdout.strip().lstrip("v").split(".")[:2])
    assert (major, minor) >= (20, 10), "the README asks for Node.js 20.10 or later"
    project = tmp_path / "project"
    project.mkdir()
    (project / "package.json").write_text('{"name": "try-associa", "private": true, '
                                          '"type": "module"}\n')
    subprocess.run(["npm", "install", "enigma.js@2.15.0", "ws@8", "--prefer-offline",
                    "--no-audit", "--no-fund", "--loglevel=error"], cwd=project, check=True,
                   capture_output=True, timeout=300)
    with serving("--port", "0", "--data-dir", str(tmp_path / "data"), "--demo") as served:
        (project / "example.mjs").write_text(
            code.replace("ws://127.0.0.1:9076/", f"ws://127.0.0.1:{served.port}/"))
        done = subprocess.run(["node", "example.mjs"], cwd=project, capture_output=True,
                              text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == printed


def test_settings_table_matches_the_code() -> None:
    """One row per switch, in the table's order: name, option, variable, default and
    the help that --help prints."""
    rows = table_rows(section("Settings"))
    serve = {p.opts[0]: p for p in subcommands()["serve"].params if p.opts[0].startswith("-")}
    defaults = Settings()
    assert len(rows) == len(SWITCHES) == len(ENVIRONMENT)
    for row, switch in zip(rows, SWITCHES, strict=True):
        name, option, var, default, text = (cell.strip().strip("`") for cell in row)
        assert (name, var, text) == (switch.name, switch.env, switch.help)
        assert default == str(getattr(defaults, switch.attr)), name
        assert option == (switch.flag or ""), name
        if option:
            assert var in serve[option].help and switch.name in serve[option].help


def test_demo_description_matches_the_demo_app(demo_engine: Engine) -> None:
    text = section("The demo app")
    app = demo_engine.get_app(DEMO_APP_ID)
    listed = {row[0].strip("`"): row[1].strip("`") for row in table_rows(text)}
    assert listed == {oid: props["qInfo"]["qType"] for oid, props in app.objects.items()}
    prose = " ".join(text.split())  # lines are wrapped anywhere
    tables = {m.group(1): int(m.group(2)) for m in re.finditer(r"`(\w+)` \((\d+)", prose)}
    data = {name: app.model.tables[name] for name in app.model.data_tables}
    assert tables == {name: t.nrows for name, t in data.items()}
    for name, table in data.items():
        fields = re.search(rf"`{name}` \(\d+(?: rows)?: ([^)]*)\)", prose)
        assert fields and fields.group(1).split(", ") == table.fields, name


def test_command_examples_print_what_the_readme_says(demo_engine: Engine) -> None:
    claims = re.findall(r'^\.venv/bin/associa eval (\S+) "([^"]+)"\s+# prints (\S+)$',
                        README.read_text("utf-8"), re.MULTILINE)
    assert claims
    for app_id, expression, printed in claims:
        done = associa("eval", app_id, expression, "--data-dir",
                       str(demo_engine.settings.data_dir))
        assert done.stdout == f"{printed}\n", (expression, done.stderr)
