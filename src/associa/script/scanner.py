"""Splitting a load script into statements, before any expansion.

Statements end with ``;`` outside quotes (``'…'``, ``"…"``, ``[…]``, `` `…` ``) and
comments. Comments (``// …`` to the end of the line, ``/* … */``, and a ``REM …``
statement up to its ``;``) are blanked out with spaces so that offsets, lines and columns
stay those of the script. ``//`` right after a ``:`` (as in ``lib://``) is not a comment.

Control statements (IF … THEN, ELSEIF … THEN, ELSE, END IF, FOR, NEXT, DO, LOOP, SUB,
END SUB, CALL, SWITCH, CASE, DEFAULT, END SWITCH, EXIT) end at a ``;`` or at the end of
their line, whichever comes first: Qlik's help for each of them says "since the …
statement is a control statement and as such is ended with either a semicolon or
end-of-line, each of its clauses must not cross a line boundary" (help "Sub..end sub",
"If..then..elseif..else..end if", "For..next", "Call"). ``IF … THEN`` and ``ELSEIF …
THEN`` end right after their ``THEN`` and ``ELSE`` / ``DEFAULT`` / ``END IF`` right after
their words, so that a statement may follow on the same line (``IF x THEN LET a = 1;``).
"""

from __future__ import annotations

import re
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


CONTROL_WORDS = frozenset(
    ("if", "elseif", "else", "end", "endif", "endsub", "endswitch", "for", "next", "do",
     "loop", "sub", "call", "switch", "case", "default", "exit")
)
_WORD = re.compile(r"[A-Za-z_]\w*")
_INCLUDE = re.compile(r"\$\(\s*(must_)?include\s*=", re.IGNORECASE)
_ENDS = {"else": 1, "default": 1, "endif": 1, "endsub": 1, "endswitch": 1}


def split_statements(script: str) -> list[Statement]:
    """The statements of a script, in order. Raises ScriptError for an unclosed quote."""
    text = blank_comments(script)
    statements: list[Statement] = []
    i, n = 0, len(text)
    start = 0
    at_start = True  # only blanks since the last statement ended
    control_end = -1  # where the running control statement ends (its line's end)
    while i < n:
        ch = text[i]
        if at_start:
            if ch.isspace():
                i += 1
                continue
            at_start = False
            if _is_rem(text, i):  # a REM after a control line (no ';' before it)
                end = text.find(";", i)
                end = n if end < 0 else end
                start = i = end + 1
                at_start = True
                continue
            if _INCLUDE.match(text, i):  # $(Include=…) ends at its line's end too
                nl = text.find("\n", i)
                control_end = n if nl < 0 else nl
            word = _WORD.match(text, i)
            kw = word.group(0).lower() if word else ""
            if (word is not None and kw in CONTROL_WORDS
                    and not _is_label_or_assignment(text, word.end())):
                stop = _control_end(text, i, kw)
                if stop is not None:  # ELSE, END IF, …: ends after its words
                    _add(statements, script, text, start, stop)
                    start = i = stop
                    at_start = True
                    continue
                nl = text.find("\n", i)
                control_end = n if nl < 0 else nl
        if ch in "'\"`[":
            close = "]" if ch == "[" else ch
            end = text.find(close, i + 1)
            if end < 0 or (control_end >= 0 and end > control_end and ch == "["):
                if end >= 0 and ch == "[":  # '[' in a control line: not a bracket name
                    i += 1
                    continue
                line, col = _line_col(script, i)
                raise ScriptError(
                    f"Missing closing {close}", text=script, line=line, column=col
                )
            i = end + 1
            continue
        if control_end >= 0 and ch.isalpha() and _is_then(text, i):
            _add(statements, script, text, start, i + 4)
            start = i = i + 4
            control_end = -1
            at_start = True
            continue
        if ch == ";" or (control_end >= 0 and i >= control_end):
            _add(statements, script, text, start, i)
            start = i + 1
            control_end = -1
            at_start = True
        i += 1
    _add(statements, script, text, start, n)
    return statements


def _is_label_or_assignment(text: str, end: int) -> bool:
    """Whether the word before ``end`` is a table label (``Next:``) or a variable being
    assigned (``Case = 1``), not a control keyword."""
    j = end
    while j < len(text) and text[j] in " \t":
        j += 1
    return j < len(text) and (text[j] == ":" or (text[j] == "=" and text[j + 1 : j + 2] != "="))


def _is_then(text: str, i: int) -> bool:
    """A THEN keyword at ``i`` (IF … THEN, ELSEIF … THEN end there)."""
    return (
        text[i : i + 4].lower() == "then"
        and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_.$#"))
        and (i + 4 >= len(text) or not (text[i + 4].isalnum() or text[i + 4] in "_.$#"))
    )


def _control_end(text: str, i: int, kw: str) -> int | None:
    """Where a control statement made only of its keywords ends (ELSE, DEFAULT, END IF,
    END SUB, END SWITCH, ENDIF), or None for those that run to the end of their line."""
    if kw in _ENDS:
        return i + len(kw)
    if kw == "end":
        m = re.compile(r"end[ \t]+(if|sub|switch)\b", re.IGNORECASE).match(text, i)
        if m:
            return m.end()
    return None


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
