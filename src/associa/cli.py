"""The ``associa`` command: ``serve``, ``reload``, ``eval``, ``check-script``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from associa.errors import AccessDenied, AssociaError, ScriptError
from associa.settings import Settings


def _serve(args: argparse.Namespace) -> int:
    from associa.engine import Engine
    from associa.server.runner import serve

    settings = Settings.from_env(host=args.host, port=args.port, data_dir=args.data_dir)
    engine = Engine(settings)
    if args.demo:
        from associa.demo import install_demo

        install_demo(engine)
    serve(engine)
    return 0


def _check_script(args: argparse.Namespace) -> int:
    from associa.script import run_script

    try:
        text = Path(args.script).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"associa check-script: cannot read {args.script}: {exc}", file=sys.stderr)
        return 2
    base = Path(args.script).resolve().parent

    def open_file(path: str) -> bytes:
        # lib://<any connection>/<path> and plain relative paths name files in the
        # script's folder; like a folder connection, nothing outside it is read
        rel = path.split("/", 3)[-1] if path.lower().startswith("lib://") else path
        target = (base / rel.replace("\\", "/")).resolve()
        if target != base and base not in target.parents:
            raise AccessDenied(path, f"The path '{path}' is outside the script's folder")
        return target.read_bytes()

    try:
        result = run_script(text, open_file)
    except ScriptError as exc:
        print(f"{args.script}:{exc.line}:{exc.column}: {exc.detail}", file=sys.stderr)
        caret = exc.caret()
        if caret:
            print(caret, file=sys.stderr)
        return 1
    for table in result.model.tables.values():
        print(f"{table.name}: {table.nrows} rows, fields {', '.join(table.fields)}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from associa.engine import Engine

    engine = Engine(Settings.from_env(data_dir=args.data_dir))
    from associa.app.doc import DocState

    try:
        doc = DocState(engine.get_app(args.app))
        text, num = doc.evaluate(args.expression)
    except AssociaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"qText": text, "qNum": num if num == num else "NaN"}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="associa", description="associative analytics engine")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the QIX engine (WebSocket on --port)")
    serve.add_argument("--host", default=None, help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (9076; 0 picks a free one)")
    serve.add_argument("--data-dir", default=None, help="where apps are stored (./data)")
    serve.add_argument("--demo", action="store_true", help="build the demo app at start")
    serve.set_defaults(func=_serve)
    check = sub.add_parser("check-script", help="run a load script and report errors")
    check.add_argument("script")
    check.set_defaults(func=_check_script)
    ev = sub.add_parser("eval", help="evaluate an expression in a saved app")
    ev.add_argument("app")
    ev.add_argument("expression")
    ev.add_argument("--data-dir", default=None)
    ev.set_defaults(func=_eval)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
