"""The ``associa`` command through its installed entry point: check-script, eval,
reload, and every command's --help and exit codes. Failures are one line on stderr and an exit code."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import click
import pytest

from associa.cli import cli
from associa.cli.output import EXIT_CODES
from associa.engine import Engine
from associa.settings import Settings
from tests.commands import associa, env_without_settings

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


def one_line(text: str, prefix: str) -> str:
    """stderr holds exactly one line, starting with ``prefix``, and no traceback."""
    assert "Traceback" not in text, text
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith(prefix), text
    return lines[0]


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """A data folder with app 'a' (X: 1, 2, and a NULL row in Y), saved."""
    data = tmp_path / "data"
    engine = Engine(Settings(data_dir=data))
    app = engine.create_app("a", "T: LOAD * INLINE [\nX, Y\n1, 5\n2, 7\n];")
    app.reload()
    engine.save_app(app)
    return data


# -- check-script -------------------------------------------------------------------------


def test_check_script_good(tmp_path: Path) -> None:
    write(tmp_path, "extra.csv", "Region,Size\nNorth,1\n")
    script = write(tmp_path, "good.qvs", GOOD)
    done = associa("check-script", str(script))
    assert done.returncode == 0, done.stderr
    assert "Sales: 2 rows, fields Region, Amount" in done.stdout
    assert "Files: 1 rows" in done.stdout
    assert done.stderr == ""


def test_check_script_bad(tmp_path: Path) -> None:
    script = write(tmp_path, "bad.qvs", BAD)
    done = associa("check-script", str(script))
    assert done.returncode == 1
    assert done.stderr == (f"{script}:7:3: Unknown statement: NOT\n"
                           "  NOT A STATEMENT;\n"
                           "  ^\n")


@pytest.mark.parametrize(
    ("script", "where", "line"),
    [
        ("T:\nLOAD a, nosuch INLINE [\na, b\n1, 2\n];\n", "2:9", "LOAD a, nosuch INLINE ["),
        ("T: LOAD  Nosuch FROM [lib://x/f.csv] (txt);\n", "1:10",
         "T: LOAD  Nosuch FROM [lib://x/f.csv] (txt);"),
        ("T: LOAD a FROM [f.csv] (txt)\n  WHERE a > 0 and b > 1;\n", "2:19",
         "  WHERE a > 0 and b > 1;"),
    ],
)
def test_check_script_points_at_an_unknown_field(tmp_path: Path, script: str, where: str,
                                                 line: str) -> None:
    write(tmp_path, "f.csv", "a\n1\n")
    path = write(tmp_path, "s.qvs", script)
    done = associa("check-script", str(path))
    assert done.returncode == 1
    first, src, caret = done.stderr.splitlines()
    name = re.search(r"Field '(\w+)' not found", first)
    assert name and first == f"{path}:{where}: Field '{name.group(1)}' not found"
    column = int(where.split(":")[1])
    assert src == line and caret == " " * (column - 1) + "^"
    assert src[column - 1 :].startswith(name.group(1))


def test_check_script_missing_file(tmp_path: Path) -> None:
    done = associa("check-script", str(tmp_path / "none.qvs"))
    assert done.returncode == 2
    line = one_line(done.stderr, "associa check-script: cannot read ")
    assert line.endswith("none.qvs: No such file or directory")


def test_check_script_missing_data_file(tmp_path: Path) -> None:
    script = write(tmp_path, "s.qvs", "T: LOAD * FROM [lib://x/none.csv] (txt);\n")
    done = associa("check-script", str(script))
    assert done.returncode == 1
    assert done.stderr.startswith(f"{script}:1:")


def test_check_script_stays_in_its_folder(tmp_path: Path) -> None:
    (tmp_path / "inner").mkdir()
    write(tmp_path, "secret.csv", "S\nTOP-SECRET\n")
    for path in ["lib://x/../secret.csv", "../secret.csv", str(tmp_path / "secret.csv")]:
        script = write(tmp_path / "inner", "s.qvs", f"T: LOAD * FROM [{path}] (txt);\n")
        done = associa("check-script", str(script))
        assert done.returncode == 1, path
        assert "outside" in done.stderr and "TOP-SECRET" not in done.stdout + done.stderr


# -- eval -----------------------------------------------------------------------------------


def test_eval_prints_the_text_as_qlik_formats_it(saved: Path) -> None:
    for expression, text in [("Sum(X)", "3"), ("0.1+0.2", "0.3"), ("1/3", "0.33333333333333"),
                             ("Only(Y)", "-"), ("'a' & Max(Y)", "a7")]:
        done = associa("eval", "a", expression, "--data-dir", str(saved))
        assert (done.returncode, done.stdout, done.stderr) == (0, f"{text}\n", ""), expression


def test_eval_json(saved: Path) -> None:
    done = associa("eval", "a", "Sum(X)", "--data-dir", str(saved), "--json")
    assert json.loads(done.stdout) == {"qText": "3", "qNum": 3.0}
    done = associa("eval", "a", "'t'", "--data-dir", str(saved), "--json")
    assert json.loads(done.stdout) == {"qText": "t", "qNum": "NaN"}


def test_eval_reads_the_data_folder_from_the_environment(saved: Path, tmp_path: Path) -> None:
    done = associa("eval", "a", "Sum(X)", cwd=tmp_path,
                   env=env_without_settings(ASSOCIA_DATA_DIR=str(saved)))
    assert done.stdout == "3\n"


def test_eval_names_the_folder_it_searched(saved: Path, tmp_path: Path) -> None:
    done = associa("eval", "x", "1", "--data-dir", str(saved))
    assert done.returncode == 1
    assert one_line(done.stderr, "associa eval: ") == (
        f"associa eval: app 'x' not found in {saved.resolve()}")
    # relative to where it runs, reported as an absolute path
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = associa("eval", "x", "1", cwd=elsewhere)
    assert one_line(done.stderr, "associa eval: ") == (
        f"associa eval: app 'x' not found in {(elsewhere / 'data').resolve()} "
        "(the folder does not exist)")
    assert not (elsewhere / "data").exists()


def test_eval_expression_error(saved: Path) -> None:
    done = associa("eval", "a", "1 +", "--data-dir", str(saved))
    assert done.returncode == 1
    one_line(done.stderr, "associa eval: Unexpected end of expression")


def damage(data: Path, how: str) -> Path:
    (path,) = (data / "apps").glob("*.app")
    if how == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    elif how == "folder":
        path.unlink()
        path.mkdir()
    elif how == "bad model":
        with zipfile.ZipFile(path) as zf:
            meta = zf.read("app.json")
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("app.json", meta)
            zf.writestr("model.npz", b"not a model")
    return path


@pytest.mark.parametrize(("how", "reason"), [
    ("truncated", "Read Failed: File is not a zip file"),
    ("folder", "Read Failed: Is a directory"),
    ("bad model", "Read Failed: the data model in the file is damaged"),
])
def test_eval_on_a_damaged_app_file(saved: Path, how: str, reason: str) -> None:
    path = damage(saved, how)
    done = associa("eval", "a", "1", "--data-dir", str(saved))
    assert done.returncode == 1
    line = one_line(done.stderr, f"associa eval: app 'a' cannot be read from {path}: ")
    assert reason in line


# -- reload ---------------------------------------------------------------------------------


def test_reload_prints_progress_and_saves(saved: Path) -> None:
    engine = Engine(Settings(data_dir=saved))
    engine.get_app("a").set_script("T: LOAD RecNo() as X AUTOGENERATE 5;\nTRACE done;")
    engine.save_app(engine.get_app("a"))
    done = associa("reload", "a", "--data-dir", str(saved))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == ["T << AUTOGENERATE 5 Lines fetched", "done"]
    assert re.fullmatch(rf"reloaded 'a' in \d+\.\d\d s: 1 tables, 5 rows; saved in "
                        rf"{re.escape(str(saved.resolve()))}", lines[2]), lines
    assert associa("eval", "a", "Sum(X)", "--data-dir", str(saved)).stdout == "15\n"


def test_reload_script_error_keeps_the_saved_app(saved: Path) -> None:
    engine = Engine(Settings(data_dir=saved))
    engine.get_app("a").set_script("T: LOAD X, Nope INLINE [\nX\n1\n];")
    engine.save_app(engine.get_app("a"))
    done = associa("reload", "a", "--data-dir", str(saved))
    assert done.returncode == 1
    assert done.stderr.splitlines() == ["a:1:12: Field 'Nope' not found",
                                        "T: LOAD X, Nope INLINE [", " " * 11 + "^"]
    assert associa("eval", "a", "Sum(X)", "--data-dir", str(saved)).stdout == "3\n"


def test_reload_no_save(saved: Path) -> None:
    engine = Engine(Settings(data_dir=saved))
    engine.get_app("a").set_script("T: LOAD 10 as X AUTOGENERATE 1;")
    engine.save_app(engine.get_app("a"))
    done = associa("reload", "a", "--data-dir", str(saved), "--no-save")
    assert done.stdout.splitlines()[-1].endswith("1 tables, 1 rows; not saved")
    assert associa("eval", "a", "Sum(X)", "--data-dir", str(saved)).stdout == "3\n"


def test_reload_unknown_app(saved: Path) -> None:
    done = associa("reload", "zz", "--data-dir", str(saved))
    assert done.returncode == 1
    assert one_line(done.stderr, "associa reload: ") == (
        f"associa reload: app 'zz' not found in {saved.resolve()}")


# -- help ---------------------------------------------------------------------------------


def subcommands() -> dict[str, click.Command]:
    return dict(cli.commands)


def test_every_command_describes_every_option() -> None:
    commands = subcommands()
    assert {"serve", "reload", "eval", "check-script", "select", "preview", "build",
            "export", "import", "diff", "fields", "tables", "keys", "objects", "measures",
            "dimensions", "variables", "bookmarks"} == set(commands)
    for name, command in commands.items():
        assert command.help and len(command.help) > 40, name
        assert command.epilog and command.epilog.startswith("\b\nexamples:\n  associa "), name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help and len(param.help) > 10, (name, param.name)


@pytest.mark.parametrize("command", ["serve", "reload", "eval", "check-script", "build"])
def test_help_through_the_entry_point(command: str) -> None:
    done = associa(command, "--help")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith(f"Usage: associa {command}")
    for param in subcommands()[command].params:
        for flag in getattr(param, "opts", []):
            if flag.startswith("-"):
                assert flag in done.stdout
    assert "examples:\n    associa " + command in done.stdout


def test_top_level_help_lists_the_commands_and_exit_codes() -> None:
    done = associa("--help")
    assert done.returncode == 0
    for name in subcommands():
        assert re.search(rf"^\s+{name}\s+\S", done.stdout, re.MULTILINE), name
    for code, _ in EXIT_CODES:
        assert re.search(rf"^\s+{code}\s+\S", done.stdout, re.MULTILINE), code
    assert re.fullmatch(r"associa \S+\n", associa("--version").stdout)


def test_bad_usage_is_exit_2() -> None:
    done = associa("eval")
    assert done.returncode == 2 and "Missing argument" in done.stderr
    done = associa("reload", "a", "--no-such-option")
    assert done.returncode == 2 and "No such option" in done.stderr


# -- preview ------------------------------------------------------------------------------


def test_preview_prints_raw_rows_in_load_order(tmp_path: Path) -> None:
    """Duplicates kept, load order (not a hypercube's sorted distinct rows), NULL as '-'
    in the table and null in --json; --limit caps the rows."""
    data = tmp_path / "data"
    engine = Engine(Settings(data_dir=data))
    app = engine.create_app("p", "T: LOAD * INLINE [\nName, N\nb, 2\na, 1\nb, 2\n];\n"
                                 "Concatenate (T) LOAD 'c' AS Name AUTOGENERATE 1;")
    app.reload()
    engine.save_app(app)
    done = associa("preview", "p", "T", "--data-dir", str(data), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"Name": "b", "N": 2}, {"Name": "a", "N": 1},
                                       {"Name": "b", "N": 2}, {"Name": "c", "N": None}]
    done = associa("preview", "p", "T", "--data-dir", str(data), "--limit", "2")
    assert [line.split() for line in done.stdout.splitlines()] == [
        ["Name", "N"], ["b", "2"], ["a", "1"]]
    done = associa("preview", "p", "T", "--data-dir", str(data))
    assert done.stdout.splitlines()[-1].split() == ["c", "-"]
    done = associa("preview", "p", "T", "--data-dir", str(data), "--limit", "0")
    assert done.returncode == 2


def test_help_does_not_import_the_engine() -> None:
    """``associa --help`` stays quick: neither numba, pyarrow.compute nor the script
    interpreter is imported for it (the commands import them when they run)."""
    import subprocess
    import sys

    code = ("import sys\nfrom associa.cli import cli\ntry:\n    cli(['--help'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('numba', 'pyarrow.compute', "
            "'associa.script.interpreter', 'associa.client') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env_without_settings(), timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"
