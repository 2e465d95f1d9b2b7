"""How a command is declared: its help (a summary, a description, examples), the
options commands share (--data-dir, --engine, --json), and the wrapper that turns a
``Fail`` into one stderr line and an exit code."""

from __future__ import annotations

import functools
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import click

from associa.cli.output import Fail

F = Callable[..., Any]


def command(group: click.Group, name: str, summary: str, description: str,
            examples: str, more: str = "") -> Callable[[F], click.Command]:
    """Register ``name`` on ``group``: its --help shows ``description`` and the
    ``examples`` (one command a line, kept as written)."""
    lines = textwrap.dedent(examples).strip().splitlines()
    epilog = "\b\nexamples:\n" + "\n".join(f"  {line}" for line in lines)
    if more:  # kept as written too (\b: click does not rewrap the paragraph)
        epilog += "\n\n\b\n" + more

    def register(fn: F) -> click.Command:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> int:
            try:
                return int(fn(*args, **kwargs) or 0)
            except Fail as exc:
                print(f"associa {name}: {exc}", file=sys.stderr)
                return exc.exit_code

        return group.command(name, help=description, short_help=summary, epilog=epilog,
                             context_settings={"max_content_width": 100})(run)

    return register


def data_dir(fn: F) -> F:
    return click.option("--data-dir", metavar="DIR", default=None,
                        help="folder that holds the apps (env ASSOCIA_DATA_DIR; "
                             "default ./data)")(fn)


def engine(fn: F) -> F:
    return click.option("--engine", "engine_url", metavar="URL", default=None,
                        envvar="ASSOCIA_ENGINE", show_envvar=False,
                        help="run against the engine at URL (ws://host:port, env "
                             "ASSOCIA_ENGINE; its token: env ASSOCIA_ENGINE_TOKEN) "
                             "instead of the data folder in process")(fn)


def as_json(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True,
                        help="print JSON (a list of row objects) instead of a table")(fn)


def app_argument(fn: F) -> F:
    return click.argument("app")(fn)
