"""What the CLI prints: tables for people (rich), JSON for scripts (``--json``), the
reload's progress, one-line failures, and the exit codes.

Tables and JSON go to stdout; progress and failures go to stderr, so ``--json`` output
can be piped as it is. A failure is one line, ``associa <command>: <what is wrong>``.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

# the exit codes, documented in ``associa --help`` and docs/cli.md
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (0, "success"),
    (1, "the command failed: an unknown app, table or field, a script or expression "
        "error, an unreadable app file"),
    (2, "bad usage: an unknown option, a missing argument, a malformed setting or project "
        "file"),
    (3, "the engine given with --engine cannot be reached, or the connection was lost"),
    (130, "interrupted (Ctrl-C)"),
)
FAILED, USAGE, UNREACHABLE, INTERRUPTED = 1, 2, 3, 130


class Fail(Exception):
    """End the command with one line on stderr and an exit code."""

    def __init__(self, message: str, code: int = FAILED) -> None:
        super().__init__(message)
        self.exit_code = code


def fail(message: str, code: int = FAILED) -> NoReturn:
    raise Fail(message, code)


def exit_codes_text() -> str:
    return "\n".join(f"  {code:<4} {text}" for code, text in EXIT_CODES)


# -- values and tables ------------------------------------------------------------------


def cell_value(cell: dict[str, Any]) -> Any:
    """A hypercube cell as JSON: its number when it has one, else its text; NULL: None."""
    if cell.get("qIsNull"):
        return None
    num = cell.get("qNum")
    if isinstance(num, int | float) and not isinstance(num, bool) and not math.isnan(num):
        return int(num) if float(num).is_integer() and abs(num) < 2**53 else num
    return cell.get("qText", "")


def cell_text(cell: dict[str, Any]) -> str:
    return "-" if cell.get("qIsNull") else str(cell.get("qText", ""))


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=None))


def print_table(columns: Sequence[str], rows: Sequence[Sequence[Any]],
                numeric: Sequence[bool] | None = None) -> None:
    """A table for people: rich's, without colours when stdout is not a terminal."""
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, show_edge=False, pad_edge=False, header_style="bold")
    for i, name in enumerate(columns):
        right = bool(numeric and numeric[i])
        table.add_column(name, justify="right" if right else "left", overflow="fold")
    for row in rows:
        table.add_row(*("-" if v is None else str(v) for v in row))
    Console(soft_wrap=False, width=max(_width(columns, rows), 40) if not sys.stdout.isatty()
            else None).print(table)


def _width(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """A width that holds every column (a pipe has no width of its own)."""
    widths = [len(c) for c in columns]
    for row in rows:
        for i, v in enumerate(row):
            widths[i] = max(widths[i], len("-" if v is None else str(v)))
    return sum(widths) + 2 * len(widths) + 2


def show(columns: Sequence[str], rows: Sequence[Sequence[Any]], as_json: bool,
         numeric: Sequence[bool] | None = None) -> None:
    """Rows as a table, or (``as_json``) a list of objects keyed by column."""
    if as_json:
        print_json([dict(zip(columns, row, strict=True)) for row in rows])
    else:
        print_table(columns, rows, numeric)


# -- reload progress --------------------------------------------------------------------

# a LOAD's last progress line: "<table> << <source> <n> Lines fetched"
FETCHED = re.compile(r"^(?P<table>.+?) << .*?(?P<rows>\d+) Lines fetched$")


class ReloadView:
    """A reload as it runs. The log's lines go to stdout as they come; on stderr, a
    line per table loaded (``<table>: <n> rows loaded``), and on a terminal a progress
    bar (rich) with the running LOAD's table and rows so far."""

    def __init__(self, quiet_log: bool = False) -> None:
        self.quiet_log = quiet_log
        self.tables: dict[str, int] = {}
        self._progress: Any = None
        self._task: Any = None
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                      TimeElapsedColumn(), console=Console(stderr=True),
                                      transient=True, redirect_stdout=False,
                                      redirect_stderr=False)
            self._progress.start()
            self._task = self._progress.add_task("reloading", total=None)

    def line(self, text: str) -> None:
        """A finished statement's log line."""
        if not self.quiet_log:
            self._say(text, sys.stdout)
        found = FETCHED.match(text)
        if found:
            table, rows = found.group("table"), int(found.group("rows"))
            self.tables[table] = rows
            self._say(f"{table}: {rows} rows loaded", sys.stderr)

    def status(self, text: str) -> None:
        """The running LOAD's table and rows so far (shown on a terminal only)."""
        if self._progress is not None:
            self._progress.update(self._task, description=text or "reloading")

    def _say(self, text: str, stream: Any) -> None:
        """A line above the progress bar when the bar shares its terminal (stdout on
        the same terminal: through the bar's console, so the two do not interleave)."""
        shares = stream is sys.stderr or stream.isatty()
        if self._progress is not None and shares:
            self._progress.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=stream, flush=True)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
