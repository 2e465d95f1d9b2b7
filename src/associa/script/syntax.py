"""Checking a script's syntax without running it (Doc.CheckScriptSyntax).

Every error is reported, not only the first: an unclosed quote (the statements before it
are still checked), unbalanced control blocks, and each statement that does not parse.
A statement holding ``$(…)`` is only checked after a run could expand it, so it is
skipped here (its text depends on variables set while the script runs), except for
$(Include=…) / $(Must_Include=…) with a literal path: the included file is read and
checked too, and its errors are reported at the include, naming the file, line and
column.

Positions are reported as the engine's ScriptSyntaxError (help "CheckScriptSyntax
method", "ScriptSyntaxError"): qTabIx (the script's section, counted by the ``///$tab``
markers the Qlik Sense editor writes), qLineInTab, qColInLine, qTextPos (offset in the
whole script) and qErrLen (the length of the offending word), all 0-based.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from associa.errors import LanguageError, ScriptError
from associa.script import control as c
from associa.script import parser as p
from associa.script.scanner import Statement, split_statements

MAX_INCLUDE_DEPTH = 32
_TAB = re.compile(r"^///\$tab\b.*$", re.MULTILINE)
_WORD = re.compile(r"\w+|\S")


@dataclass(frozen=True, slots=True)
class SyntaxIssue:
    message: str
    line: int  # 1-based, in the script
    column: int  # 1-based
    offset: int  # 0-based, in the script
    length: int  # of the offending word

    def to_qix(self, script: str) -> dict[str, object]:
        tab, line_in_tab = tab_of(script, self.line)
        return {"qErrLen": self.length, "qTabIx": tab, "qLineInTab": line_in_tab,
                "qColInLine": self.column - 1, "qTextPos": self.offset}


def tab_of(script: str, line: int) -> tuple[int, int]:
    """The section (tab) a 1-based script line is in, and its 0-based line in there.
    A ``///$tab Name`` line starts a section on the next line; text before the first
    marker is section 0 when there is any (the editor always writes one first)."""
    starts = [script.count("\n", 0, m.start()) + 2 for m in _TAB.finditer(script)]
    if not starts or starts[0] > 2:
        starts = [1, *starts]
    tab = 0
    for i, start in enumerate(starts):
        if start <= line:
            tab = i
    return tab, line - starts[tab]


def check_syntax(script: str, open_file: Callable[[str], object] | None = None,
                 _depth: int = 0) -> list[SyntaxIssue]:
    """Every syntax error of a script, in script order."""
    issues: list[SyntaxIssue] = []
    try:
        statements = split_statements(script)
    except ScriptError as exc:
        offset = _offset(script, exc.line, exc.column)
        issues.append(SyntaxIssue(exc.detail, exc.line, exc.column, offset, 1))
        head = script[:offset]
        try:  # the statements before the one with the open quote
            statements = [s for s in split_statements(head)
                          if s.offset + len(s.text) < len(head.rstrip())]
        except ScriptError:
            statements = []
    block_errors: list[c.BlockError] = []
    tree = c.compile_script(statements, script, block_errors)
    for err in block_errors:
        issues.append(_issue(script, err.detail, err.offset))
    for node in c.leaves(tree):
        issues.extend(_check(script, node, open_file, _depth))
    return sorted(issues, key=lambda i: i.offset)


def _check(script: str, node: c.Simple | c.Include | Statement,
           open_file: Callable[[str], object] | None, depth: int) -> list[SyntaxIssue]:
    if isinstance(node, c.Include):
        return _check_include(script, node, open_file, depth)
    stmt = node.stmt if isinstance(node, c.Simple) else node
    if "$(" in stmt.text:
        return []
    parse = p.parse_statement if isinstance(node, c.Simple) else c.parse_header
    try:
        parse(stmt.text)
    except LanguageError as exc:
        lead = len(stmt.text) - len(stmt.text.lstrip())
        at = exc.offset if exc.offset >= 0 else lead
        return [_issue(script, exc.detail, stmt.offset + at)]
    return []


def _check_include(script: str, node: c.Include, open_file: Callable[[str], object] | None,
                   depth: int) -> list[SyntaxIssue]:
    stmt = node.stmt
    lead = stmt.offset + len(stmt.text) - len(stmt.text.lstrip())
    if open_file is None or "$(" in node.path or depth >= MAX_INCLUDE_DEPTH:
        return []
    path = node.path.strip()
    try:
        raw = bytes(open_file(path))  # type: ignore[call-overload]
    except (OSError, LanguageError, ValueError):
        return []  # a missing file is a run-time error (Must_Include), not syntax
    except Exception:  # noqa: BLE001 - any other failure to read: not a syntax error
        return []
    text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    out = []
    for inner in check_syntax(text, open_file, depth + 1):
        message = f"{inner.message} (in {path}, line {inner.line}, column {inner.column})"
        out.append(SyntaxIssue(message, *_line_col(script, lead), lead,
                               len(stmt.text.strip())))
    return out


def _issue(script: str, message: str, offset: int) -> SyntaxIssue:
    offset = max(0, min(offset, len(script)))
    m = _WORD.match(script, offset)
    length = len(m.group(0)) if m else 0
    return SyntaxIssue(message, *_line_col(script, offset), offset, length)


def _line_col(script: str, offset: int) -> tuple[int, int]:
    line = script.count("\n", 0, offset) + 1
    return line, offset - (script.rfind("\n", 0, offset) + 1) + 1


def _offset(script: str, line: int, column: int) -> int:
    pos = 0
    for _ in range(line - 1):
        nl = script.find("\n", pos)
        if nl < 0:
            return len(script)
        pos = nl + 1
    return pos + column - 1
