"""``associa reload`` (run a saved app's script, with its progress and log, and save it)
and ``associa check-script`` (run a script file without an app)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from associa.cli import options
from associa.cli.folder import connection, local_engine, open_app
from associa.cli.options import command
from associa.cli.output import USAGE, ReloadView, fail
from associa.errors import ScriptError


def print_script_error(name: str, exc: ScriptError) -> None:
    print(f"{name}:{exc.line}:{exc.column}: {exc.detail}", file=sys.stderr)
    caret = exc.caret()
    if caret:
        print(caret, file=sys.stderr)


def reload_local(app_id: str, data_dir: str | None, no_save: bool) -> int:
    engine = local_engine(data_dir, write=not no_save)
    app = open_app(engine, app_id)
    view = ReloadView()
    started = time.monotonic()
    try:
        result = app.reload(view.line, status=view.status)
    except ScriptError as exc:
        view.close()
        print_script_error(app_id, exc)
        return 1
    finally:
        view.close()
    tables = [result.model.tables[t] for t in result.model.data_tables]
    rows = sum(t.nrows for t in tables)
    done = (f"reloaded '{app.id}' in {time.monotonic() - started:.2f} s: "
            f"{len(tables)} tables, {rows} rows")
    if no_save:
        print(f"{done}; not saved", flush=True)
        return 0
    engine.save_app(app)
    print(f"{done}; saved in {engine.settings.data_dir}", flush=True)
    return 0


def reload_remote(app_id: str, url: str, no_save: bool) -> int:
    """The same over QIX: DoReloadEx with GetProgress while it runs, then DoSave."""
    view = ReloadView()
    started = time.monotonic()
    errors: list[dict[str, Any]] = []

    def progress(data: dict[str, Any]) -> None:
        for message in data.get("qPersistentProgressMessages") or []:
            for line in message.get("qMessageParameters") or []:
                view.line(str(line))
        view.status(str(data.get("qTransientProgress") or ""))
        errors[:] = data.get("qErrorData") or errors

    with connection(url) as qix:
        try:
            doc = qix.open_doc(app_id)
        except Exception as exc:  # noqa: BLE001 - QixFailure: the engine's own words
            fail(f"app '{app_id}' cannot be opened on {url}: {exc}")
        try:
            result = doc.do_reload_ex(progress)
        finally:
            view.close()
        if not result.get("qSuccess"):
            failed = [e for e in errors if e.get("qErrorDataCode") != "EDC_WARNING"]
            why = failed[-1].get("qErrorString", "") if failed else "the reload failed"
            print(f"{app_id}: {why}", file=sys.stderr)
            return 1
        tables = view.tables
        done = (f"reloaded '{app_id}' in {time.monotonic() - started:.2f} s: "
                f"{len(tables)} tables, {sum(tables.values())} rows")
        if no_save:
            print(f"{done}; not saved", flush=True)
            return 0
        doc.do_save()
        print(f"{done}; saved on {url}", flush=True)
    return 0


def position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of a 0-based offset in ``text``."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def check_script_remote(script: str, text: str, url: str) -> int:
    """CheckScriptSyntax in a session app of the engine at ``url``: the syntax errors
    only (the script is not run, so no table is made and no file is read)."""
    with connection(url) as qix:
        doc = qix.create_session_app()
        doc.set_script(text)
        errors = doc.check_script_syntax()
    lines = text.splitlines()
    for error in errors:
        line, column = position(text, int(error.get("qTextPos", 0)))
        print(f"{script}:{line}:{column}: syntax error", file=sys.stderr)
        if line <= len(lines):
            width = max(int(error.get("qErrLen", 1)), 1)
            print(f"{lines[line - 1]}\n{' ' * (column - 1)}{'^' * width}", file=sys.stderr)
    if errors:
        return 1
    print(f"{script}: no syntax errors (checked on {url}; the script was not run)")
    return 0


def add(group: click.Group) -> None:
    @command(
        group, "reload", "run a saved app's load script and save the result",
        "Run the load script of a saved app, print the reload log (each statement's "
        "line as it finishes) on stdout and a line per table loaded "
        "('<table>: <n> rows loaded') on stderr, with a progress bar on a terminal, "
        "and save the app. A script error leaves the saved app as it was.",
        """
        associa reload demo
        associa reload sales --data-dir ~/apps --no-save
        associa reload sales --engine ws://localhost:9076
        """,
    )
    @options.app_argument
    @options.data_dir
    @options.engine
    @click.option("--no-save", is_flag=True, help="reload only, leave the saved app unchanged")
    def reload(app: str, data_dir: str | None, engine_url: str | None, no_save: bool) -> int:
        if engine_url:
            return reload_remote(app, engine_url, no_save)
        return reload_local(app, data_dir, no_save)

    @command(
        group, "check-script", "run a load script file and report its tables or first error",
        "Run a load script without an app: print each table's rows and fields, or the "
        "first error as FILE:LINE:COLUMN: message with the line and a caret under the "
        "offending token. Files in FROM [lib://<any>/x.csv] or FROM [x.csv] are read from "
        "the script's folder, never outside it. With --engine, the engine checks the "
        "syntax only (QIX CheckScriptSyntax in a session app): each error as "
        "FILE:LINE:COLUMN: syntax error, nothing run.",
        """
        associa check-script script.qvs
        associa check-script script.qvs --engine ws://localhost:9076
        """,
    )
    @click.argument("script")
    @options.engine
    def check_script(script: str, engine_url: str | None) -> int:
        from associa.app.folders import FolderFiles
        from associa.script import run_script

        try:
            text = Path(script).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"cannot read {script}: {getattr(exc, 'strerror', None) or exc}", USAGE)
        if engine_url:
            return check_script_remote(script, text, engine_url)
        base = Path(script).resolve().parent
        # lib://<any connection>/<path> and plain relative paths name files in the
        # script's folder; like a folder connection, nothing outside it is read or written
        folder = FolderFiles(lambda name: base)

        def lib(path: str) -> str:
            return path if path.lower().startswith("lib://") else f"lib://script/{path}"

        try:
            result = run_script(text, lambda p: folder.open(lib(p)),
                                list_files=lambda m, d: folder.list(lib(m), d),
                                write_file=lambda p: folder.write(lib(p)),
                                stat_file=lambda p: folder.stat(lib(p)))
        except ScriptError as exc:
            print_script_error(script, exc)
            return 1
        for table in (result.model.tables[t] for t in result.model.data_tables):
            print(f"{table.name}: {table.nrows} rows, fields {', '.join(table.fields)}")
        return 0
