"""Splitting a load script into statements, before any expansion.

Statements end with ``;`` outside quotes (``'…'``, ``"…"``, ``[…]``, `` `…` ``) and
comments. Comments (``// …`` to the end of the line, ``/* … */``, and a ``REM …``
statement up to its ``;``) are blanked out with spaces so that offsets, lines and columns
stay those of the script. ``//`` right after a ``:`` (as in ``lib://``) is not a comment.
"""

from __future__ import annotations

from dataclasses import dataclass

from associa.errors import ScriptError


@dataclass(frozen=True, slots=True)
class Statement:
    text: str  # the statement without its ';' (comments blanked)
    offset: int  # where it starts in the script
    line: int  # 1-based line of its first non-blank character
    column: int

    def position(self, pos: int, script: str) -> tuple[int, int]:
        """Script (line, column) of an offset inside the statement text."""
        absolute = self.offset + pos
        line = script.count("\n", 0, absolute) + 1
        col = absolute - (script.rfind("\n", 0, absolute) + 1) + 1
        return line, col


def _is_rem(script: str, i: int) -> bool:
    """Whether a ``REM`` keyword starts at ``i``."""
    return script[i : i + 3].lower() == "rem" and (
        i + 3 >= len(script) or script[i + 3].isspace() or script[i + 3] == ";"
    )


def blank_comments(script: str) -> str:
    """The script with comments replaced by spaces (newlines kept). A ``REM`` statement
    is a comment up to its ``;`` (quotes inside it do not count): it is blanked too,
    leaving an empty statement."""
    out = list(script)
    i, n = 0, len(script)
    statement_start = True  # only blanks and comments since the last ';'
    while i < n:
        ch = script[i]
        if statement_start and _is_rem(script, i):
            end = script.find(";", i)
            end = n if end < 0 else end
            for j in range(i, end):
                if out[j] != "\n":
                    out[j] = " "
            i = end
            continue
        if ch == ";":
            statement_start = True
        elif not ch.isspace() and not (ch == "/" and script.startswith(("//", "/*"), i)):
            statement_start = False
        if ch in "'\"`[":
            close = "]" if ch == "[" else ch
            end = script.find(close, i + 1)
            i = n if end < 0 else end + 1
            continue
        if ch == "/" and script.startswith("//", i) and not (i > 0 and script[i - 1] == ":"):
            end = script.find("\n", i)
            end = n if end < 0 else end
            for j in range(i, end):
                out[j] = " "
            i = end
            continue
        if ch == "/" and script.startswith("/*", i):
            end = script.find("*/", i + 2)
            end = n if end < 0 else end + 2
            for j in range(i, end):
                if out[j] != "\n":
                    out[j] = " "
            i = end
            continue
        i += 1
    return "".join(out)


def split_statements(script: str) -> list[Statement]:
    """The statements of a script, in order. Raises ScriptError for an unclosed quote."""
    text = blank_comments(script)
    statements: list[Statement] = []
    i, n = 0, len(text)
    start = 0
    while i < n:
        ch = text[i]
        if ch in "'\"`[":
            close = "]" if ch == "[" else ch
            end = text.find(close, i + 1)
            if end < 0:
                line, col = _line_col(script, i)
                raise ScriptError(
                    f"Missing closing {close}", text=script, line=line, column=col
                )
            i = end + 1
            continue
        if ch == ";":
            _add(statements, script, text, start, i)
            start = i + 1
        i += 1
    _add(statements, script, text, start, n)
    return statements


def _add(out: list[Statement], script: str, text: str, start: int, end: int) -> None:
    body = text[start:end]
    stripped = body.lstrip()
    if not stripped.strip():
        return
    first = start + (len(body) - len(stripped))
    line, col = _line_col(script, first)
    out.append(Statement(body.rstrip(), start, line, col))


def _line_col(script: str, offset: int) -> tuple[int, int]:
    line = script.count("\n", 0, offset) + 1
    col = offset - (script.rfind("\n", 0, offset) + 1) + 1
    return line, col
