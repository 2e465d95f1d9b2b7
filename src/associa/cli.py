"""The ``associa`` command: ``serve``, ``reload``, ``eval``, ``check-script``.

A problem a user can fix (a busy port, a missing data folder, a damaged app file, an
unknown app, a script error) ends the command with one line on stderr,
``associa <command>: <what is wrong>``, and a non-zero exit code, never a traceback:
1 for a failure, 2 for bad usage or settings (as argparse does).
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import math
import os
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from associa import __version__
from associa.errors import AssociaError, ScriptError
from associa.settings import LOG_FORMATS, LOG_LEVELS, Settings

if TYPE_CHECKING:
    from associa.app.app import App
    from associa.engine import Engine


class Fail(Exception):
    """End the command with one line on stderr and an exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = code


def fail(message: str, code: int = 1) -> NoReturn:
    raise Fail(message, code)


# -- the data folder and its apps -------------------------------------------------------


def settings_from(**flags: object) -> Settings:
    try:
        return Settings.from_env(**flags)
    except AssociaError as exc:  # a malformed ASSOCIA_* variable
        fail(exc.message, 2)


def data_folder(path: Path, create: bool, write: bool) -> Path:
    """The data folder, checked: created when ``create`` and its parent exists (a typo
    in a deeper path is an error, not a new tree of folders); writable when ``write``."""
    folder = path.expanduser().resolve()
    if not folder.exists():
        if not create:
            fail(f"data folder {folder} does not exist (choose one with --data-dir)")
        if not folder.parent.is_dir():
            fail(f"data folder {folder} cannot be created: {folder.parent} does not exist "
                 "(create it, or choose another folder with --data-dir)")
        try:
            folder.mkdir()
        except OSError as exc:
            fail(f"data folder {folder} cannot be created: {exc.strerror or exc}")
    if not folder.is_dir():
        fail(f"data folder {folder} is not a folder (choose another with --data-dir)")
    if write:
        try:
            (folder / "apps").mkdir(exist_ok=True)
            with tempfile.TemporaryFile(dir=folder / "apps"):
                pass
        except OSError as exc:
            fail(f"data folder {folder} is not writable: {exc.strerror or exc}")
    return folder


def open_engine(settings: Settings, create: bool, write: bool) -> Engine:
    from associa.engine import Engine

    folder = data_folder(settings.data_dir, create, write)
    try:
        return Engine(replace(settings, data_dir=folder))
    except OSError as exc:
        fail(f"data folder {folder} cannot be used: {exc.strerror or exc}")


def open_app(engine: Engine, app_id: str) -> App:
    """A saved app, or a one-line failure naming the folder searched or the bad file."""
    folder = engine.settings.data_dir
    if not engine.app_exists(app_id):
        fail(f"app '{app_id}' not found in {folder}")
    try:
        return engine.get_app(app_id)
    except Exception as exc:  # noqa: BLE001 - any damage to the file: one line, no traceback
        reason = exc.message if isinstance(exc, AssociaError) else f"{type(exc).__name__}: {exc}"
        fail(f"app '{app_id}' cannot be read from {engine.store.path(app_id)}: {reason}")


def check_app_files(engine: Engine) -> None:
    damaged = engine.store.damaged()
    if damaged:
        path, reason = damaged[0]
        more = f" (and {len(damaged) - 1} more)" if len(damaged) > 1 else ""
        fail(f"app file {path} cannot be read: {reason}{more}; "
             "move it out of the data folder to start without it")


# -- commands ---------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    from associa.logs import configure

    settings = settings_from(host=args.host, port=args.port, data_dir=args.data_dir,
                             session_ttl=args.session_ttl, log_level=args.log_level,
                             log_format=args.log_format,
                             reload_time_limit=args.reload_time_limit,
                             database_url=args.database_url, api_key=args.api_key,
                             rest_max_body_bytes=args.rest_max_body_bytes,
                             rest_rate_tier1=args.rest_rate_tier1,
                             rest_rate_tier2=args.rest_rate_tier2,
                             rest_rate_special=args.rest_rate_special)
    configure(settings.log_level, settings.log_format)
    data_folder(settings.data_dir, create=True, write=True)  # before the heavy imports
    from associa.server.runner import BindError, bind, serve

    engine = open_engine(settings, create=True, write=True)
    check_app_files(engine)
    try:
        sock = bind(settings.host, settings.port)
    except BindError as exc:
        fail(str(exc.strerror))
    if args.demo:
        from associa.demo import DEMO_APP_ID, install_demo

        if engine.app_exists(DEMO_APP_ID):
            open_app(engine, DEMO_APP_ID)
        try:
            install_demo(engine)
        except (AssociaError, OSError) as exc:
            sock.close()
            fail(f"the demo app cannot be built: {exc}")
    serve(engine, sock)
    return 0


def _reload(args: argparse.Namespace) -> int:
    settings = settings_from(data_dir=args.data_dir)
    engine = open_engine(settings, create=False, write=not args.no_save)
    app = open_app(engine, args.app)
    status = _status_line(sys.stderr)
    started = time.monotonic()

    def progress(line: str) -> None:
        status("")
        print(line, flush=True)

    try:
        result = app.reload(progress, status=status)
    except ScriptError as exc:
        status("")
        _print_script_error(args.app, exc)
        return 1
    status("")
    tables = [result.model.tables[t] for t in result.model.data_tables]
    rows = sum(t.nrows for t in tables)
    done = (f"reloaded '{app.id}' in {time.monotonic() - started:.2f} s: "
            f"{len(tables)} tables, {rows} rows")
    if args.no_save:
        print(f"{done}; not saved", flush=True)
        return 0
    engine.save_app(app)
    print(f"{done}; saved in {engine.settings.data_dir}", flush=True)
    return 0


def _status_line(stream: object) -> Callable[[str], None]:
    """Transient status shown on one terminal line (rewritten in place); nothing when
    the stream is not a terminal."""
    if not getattr(stream, "isatty", lambda: False)():
        return lambda text: None
    shown = [0]

    def show(text: str) -> None:
        pad = " " * max(shown[0] - len(text), 0)
        stream.write(f"\r{text}{pad}" + ("\r" if not text else ""))  # type: ignore[attr-defined]
        stream.flush()  # type: ignore[attr-defined]
        shown[0] = len(text)

    return show


def _print_script_error(name: str, exc: ScriptError) -> None:
    print(f"{name}:{exc.line}:{exc.column}: {exc.detail}", file=sys.stderr)
    caret = exc.caret()
    if caret:
        print(caret, file=sys.stderr)


def _check_script(args: argparse.Namespace) -> int:
    from associa.app.folders import FolderFiles
    from associa.script import run_script

    try:
        text = Path(args.script).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        print(f"associa check-script: cannot read {args.script}: {reason}", file=sys.stderr)
        return 2
    base = Path(args.script).resolve().parent

    # lib://<any connection>/<path> names files in the script's folder; like a folder
    # connection, nothing outside it is read or written
    # (plain relative paths too)
    folder = FolderFiles(lambda name: base)

    def lib(path: str) -> str:
        return path if path.lower().startswith("lib://") else f"lib://script/{path}"

    try:
        result = run_script(text, lambda p: folder.open(lib(p)),
                            list_files=lambda m, d: folder.list(lib(m), d),
                            write_file=lambda p: folder.write(lib(p)),
                            stat_file=lambda p: folder.stat(lib(p)))
    except ScriptError as exc:
        _print_script_error(args.script, exc)
        return 1
    for table in (result.model.tables[t] for t in result.model.data_tables):
        print(f"{table.name}: {table.nrows} rows, fields {', '.join(table.fields)}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from associa.app.doc import DocState

    settings = settings_from(data_dir=args.data_dir)
    folder = settings.data_dir.expanduser().resolve()
    if not folder.is_dir():
        fail(f"app '{args.app}' not found in {folder} (the folder does not exist)")
    engine = open_engine(settings, create=False, write=False)
    doc = DocState(open_app(engine, args.app))
    try:
        text, num = doc.evaluate(args.expression)
    except AssociaError as exc:
        fail(exc.message)
    if args.json:
        print(json.dumps({"qText": text, "qNum": "NaN" if math.isnan(num) else num}))
    else:
        print("-" if text is None else text)  # NULL shows as '-', as in Qlik's tables
    return 0


# -- the parser -------------------------------------------------------------------------


def _command(sub: argparse._SubParsersAction, name: str, summary: str, description: str,
             examples: str) -> argparse.ArgumentParser:
    lines = textwrap.dedent(examples).strip().splitlines()
    return sub.add_parser(
        name, help=summary, description=textwrap.fill(description, 80),
        epilog="examples:\n" + "\n".join(f"  {line}" for line in lines),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", metavar="DIR", default=None,
                        help="folder that holds the apps (env ASSOCIA_DATA_DIR; default ./data)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="associa",
        description="associa: an associative analytics engine that speaks Qlik's QIX "
                    "protocol (JSON-RPC over WebSocket).",
        epilog="Run 'associa <command> --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"associa {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="<command>",
                                title="commands")

    serve = _command(
        sub, "serve", "run the engine (QIX over WebSocket)",
        "Run the engine: Qlik clients connect to ws://HOST:PORT/app/<app id>. "
        "Prints 'associa listening on ws://HOST:PORT' once it accepts connections; logs "
        "go to stderr. Every option also has an environment variable; the option wins.",
        """
        associa serve --demo
        associa serve --port 9077 --data-dir ~/apps --log-format json
        ASSOCIA_PORT=0 associa serve        # a free port, printed at start
        """,
    )
    serve.add_argument("--host", default=None,
                       help="address to listen on (env ASSOCIA_HOST; default 127.0.0.1; "
                            "0.0.0.0 for every interface)")
    serve.add_argument("--port", type=int, default=None,
                       help="port to listen on (env ASSOCIA_PORT; default 9076; 0 picks a "
                            "free one)")
    _data_dir_option(serve)
    serve.add_argument("--session-ttl", type=int, default=None, metavar="SECONDS",
                       help="seconds a session outlives its last connection, so that a "
                            "client can re-attach (env ASSOCIA_SESSION_TTL; default 0)")
    serve.add_argument("--reload-time-limit", type=int, default=None, metavar="SECONDS",
                       help="seconds a reload may run before it is stopped with an error "
                            "(env ASSOCIA_RELOAD_TIME_LIMIT; default 0, no limit)")
    serve.add_argument("--log-level", choices=LOG_LEVELS, default=None,
                       help="least important log lines shown (env ASSOCIA_LOG_LEVEL; "
                            "default info)")
    serve.add_argument("--log-format", choices=LOG_FORMATS, default=None,
                       help="log lines as text or as one JSON object per line "
                            "(env ASSOCIA_LOG_FORMAT; default text)")
    serve.add_argument("--database-url", default=None, metavar="URL",
                       help="the metadata database, e.g. postgresql+psycopg://u:p@host/db "
                            "(env ASSOCIA_DATABASE_URL; default: SQLite in the data folder)")
    serve.add_argument("--api-key", default=None, metavar="KEY",
                       help="an administrator key for the REST API "
                            "(env ASSOCIA_API_KEY; default none)")
    serve.add_argument("--rest-max-body-bytes", type=int, default=None, metavar="BYTES",
                       help="largest REST request body (env ASSOCIA_REST_MAX_BODY_BYTES; "
                            "default 536870912)")
    for tier, default in (("tier1", 1000), ("tier2", 100), ("special", 50)):
        serve.add_argument(f"--rest-rate-{tier}", type=int, default=None, metavar="N",
                           help=f"REST requests per minute per user in {tier} (env "
                                f"ASSOCIA_REST_RATE_{tier.upper()}; default {default}; "
                                "0: no limit)")
    serve.add_argument("--demo", action="store_true",
                       help="build (or refresh) the demo app 'demo' at start")
    serve.set_defaults(func=_serve)

    reload = _command(
        sub, "reload", "run a saved app's load script and save the result",
        "Run the load script of a saved app, print each statement's progress line as it "
        "finishes (on a terminal, the running LOAD's rows so far too), and save the app. "
        "A script error leaves the saved app as it was.",
        """
        associa reload demo
        associa reload sales --data-dir ~/apps --no-save
        """,
    )
    reload.add_argument("app", help="id of the app (as in /app/<id> or OpenDoc)")
    _data_dir_option(reload)
    reload.add_argument("--no-save", action="store_true",
                        help="reload only, leave the saved app unchanged")
    reload.set_defaults(func=_reload)

    ev = _command(
        sub, "eval", "evaluate an expression in a saved app",
        "Evaluate an expression over the whole data of a saved app (no selections) and "
        "print the value as Qlik formats it (qText); NULL prints as '-'.",
        """
        associa eval demo "Sum(Sales)"
        associa eval demo "0.1+0.2"                 # prints 0.3
        associa eval demo "Count(DISTINCT Country)" --json
        """,
    )
    ev.add_argument("app", help="id of the app")
    ev.add_argument("expression", help="a Qlik expression, e.g. \"Sum(Sales)\"")
    _data_dir_option(ev)
    ev.add_argument("--json", action="store_true",
                    help='print {"qText": ..., "qNum": ...} instead of the text')
    ev.set_defaults(func=_eval)

    check = _command(
        sub, "check-script", "run a load script file and report its tables or first error",
        "Run a load script without an app: print each table's rows and fields, or the "
        "first error as FILE:LINE:COLUMN: message with the line and a caret under the "
        "offending token. Files in FROM [lib://<any>/x.csv] or FROM [x.csv] are read from "
        "the script's folder, never outside it.",
        """
        associa check-script script.qvs
        """,
    )
    check.add_argument("script", help="path of the load script file (UTF-8)")
    check.set_defaults(func=_check_script)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except Fail as exc:
        print(f"associa {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    finally:
        # what a failed command left for the collector (an Arrow reader in a traceback's
        # frames) is collected now, while Arrow's threads are alive: at the interpreter's
        # exit such a reader can abort the process ("terminate called without an active
        # exception", apache/arrow#34314)
        gc.collect()


def run() -> None:
    """The ``associa`` command: ``main``, then the process ends with its exit code once
    the output and the logs are flushed, without the interpreter's teardown. That teardown
    destroys native libraries' threads in no fixed order, and one of them sometimes
    aborted a finished command ("terminate called without an active exception": seen in
    ``check-script``, exit -6, about once in a full test run), turning its exit code into
    a crash. Every command has closed what it opened by the time ``main`` returns."""
    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed or broken: nothing more can be written
            pass
    os._exit(code)


if __name__ == "__main__":
    run()
