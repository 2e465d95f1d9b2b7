"""The ``associa`` command (click): serve, reload, eval, select, preview, the listings,
build, export, import, diff, check-script.

A problem a user can fix (a busy port, a missing data folder, a damaged app file, an
unknown app, a script error) ends the command with one line on stderr,
``associa <command>: <what is wrong>``, and an exit code (``output.EXIT_CODES``), never a
traceback. Commands that read apps run in process over the data folder, or against a
running engine with ``--engine ws://host:port`` (``cli/remote.py``).
"""

from __future__ import annotations

import gc
import logging
import os
import sys

import click

from associa import __version__
from associa.cli import build, diff, listings, query, reload, serve, transfer
from associa.cli.output import INTERRUPTED, USAGE, Fail, exit_codes_text, fail

__all__ = ["Fail", "cli", "fail", "main", "run"]


@click.group(
    name="associa",
    help="associa: an associative analytics engine that speaks Qlik's QIX protocol "
         "(JSON-RPC over WebSocket).",
    epilog="Run 'associa <command> --help' for a command's options.\n\n\b\nexit codes:\n"
           + exit_codes_text(),
    context_settings={"max_content_width": 100, "help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "--version", prog_name="associa",
                      message="%(prog)s %(version)s", help="print the version and exit")
def cli() -> None:
    pass


for family in (serve, reload, query, listings, build, transfer, diff):
    family.add(cli)


def main(argv: list[str] | None = None) -> int:
    try:
        result = cli.main(argv, prog_name="associa", standalone_mode=False)
    except click.ClickException as exc:  # bad usage: click's message, exit 2
        exc.show()
        return exc.exit_code if exc.exit_code else USAGE
    except (click.Abort, KeyboardInterrupt):
        return INTERRUPTED
    finally:
        # what a failed command left for the collector (an Arrow reader in a traceback's
        # frames) is collected now, while Arrow's threads are alive: at the interpreter's
        # exit such a reader can abort the process ("terminate called without an active
        # exception", apache/arrow#34314)
        gc.collect()
    return result if isinstance(result, int) else 0


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
