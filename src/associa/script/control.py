"""Script structure: control blocks, their headers, and the statements that steer a run.

``compile_script`` turns the statements of a script into a tree: plain statements, and
blocks for IF / ELSEIF / ELSE / END IF, FOR … NEXT, FOR EACH … NEXT, DO … LOOP, SWITCH /
CASE / DEFAULT / END SWITCH and SUB … END SUB. The block structure is read from each
statement's first words as written (before ``$(…)`` expansion), so that an unbalanced
block is reported before anything runs, with its line and column (``BlockError``).

A block's header is expanded and parsed when the run reaches it (``parse_header``), and a
DO or LOOP condition again on every round, so ``$(…)`` in a header sees the variables of
that moment. The semantics follow Qlik's help pages for the control statements
("Script control statements": If..then..elseif..else..end if, For..next, For each..next,
Do..loop, Switch..case..default..end switch, Sub..end sub, Call, Exit):

* FOR: the start, end and step are evaluated once, when the loop is entered; the counter
  variable may be changed by the statements inside the loop (the next round continues from
  its value). Without STEP the step is 1; the loop runs while the counter is <= the end
  (>= for a negative step).
* FOR EACH: a list of expressions, or FileList(mask), DirList(mask) or
  FieldValueList('field'); the variable takes each value's text in turn.
* DO: ``Do [while|until c] … Loop [while|until c]``; both conditions are checked on every
  round.
* SWITCH: the first CASE with a value equal to the switch expression runs (no fall
  through); DEFAULT when none matches.
* SUB / CALL: arguments are copied into the sub's parameters and, when the actual parameter
  is a variable name, copied back when the sub ends; surplus formal parameters start as
  NULL and act as locals (help "Sub..end sub": ``Call ParTrans (A, (X+1)*2)``).
* EXIT FOR / DO / SUB / SCRIPT, each with an optional WHEN / UNLESS condition.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from associa.errors import ScriptError
from associa.expr import ast
from associa.expr.tokens import T
from associa.script import parser as p
from associa.script.scanner import Statement

# -- the tree -------------------------------------------------------------------------


@dataclass(slots=True)
class Simple:
    stmt: Statement


@dataclass(slots=True)
class Include:
    stmt: Statement
    path: str  # as written (may hold $(…))
    must: bool


@dataclass(slots=True)
class Branch:
    stmt: Statement  # IF / ELSEIF / ELSE (or CASE / DEFAULT)
    body: list[Node] = field(default_factory=list)


@dataclass(slots=True)
class IfBlock:
    branches: list[Branch]
    end: Statement


@dataclass(slots=True)
class ForBlock:
    stmt: Statement
    body: list[Node]
    end: Statement  # NEXT


@dataclass(slots=True)
class DoBlock:
    stmt: Statement
    body: list[Node]
    end: Statement  # LOOP


@dataclass(slots=True)
class SwitchBlock:
    stmt: Statement
    cases: list[Branch]
    end: Statement


@dataclass(slots=True)
class SubBlock:
    stmt: Statement
    body: list[Node]
    end: Statement


Node = Simple | Include | IfBlock | ForBlock | DoBlock | SwitchBlock | SubBlock


class BlockError(ScriptError):
    """A control block that does not close or a clause outside its block."""


_FIRST = re.compile(r"\s*([A-Za-z_]\w*)(?:[ \t]+([A-Za-z_]\w*))?")
_INCLUDE = re.compile(r"\s*\$\(\s*(must_)?include\s*=(.*)\)\s*\Z", re.IGNORECASE | re.DOTALL)


def _clause(stmt: Statement) -> str:
    """The control clause a statement is, from its first words: 'if', 'elseif', 'else',
    'endif', 'for', 'next', 'do', 'loop', 'switch', 'case', 'default', 'endswitch',
    'sub', 'endsub', 'exit for' …; '' for any other statement."""
    m = _FIRST.match(stmt.text)
    if m is None:
        return ""
    first = m.group(1).lower()
    second = (m.group(2) or "").lower()
    rest = stmt.text[m.end(1):].lstrip()
    if rest.startswith(":") or (rest.startswith("=") and not rest.startswith("==")):
        return ""  # a label (Next: LOAD …) or an assignment (Case = 1)
    if first == "end" and second in ("if", "sub", "switch"):
        return "end" + second
    if first in ("endif", "endsub", "endswitch", "if", "elseif", "else", "for", "next", "do",
                 "loop", "switch", "case", "default", "sub"):
        return first
    if first == "exit" and second in ("for", "do", "sub"):
        return f"exit {second}"
    return ""


_OPENERS = {"if": "endif", "for": "next", "do": "loop", "switch": "endswitch", "sub": "endsub"}
_NAMES = {"if": "IF", "for": "FOR", "do": "DO", "switch": "SWITCH", "sub": "SUB",
          "endif": "END IF", "next": "NEXT", "loop": "LOOP", "endswitch": "END SWITCH",
          "endsub": "END SUB", "elseif": "ELSEIF", "else": "ELSE", "case": "CASE",
          "default": "DEFAULT"}


@dataclass(slots=True)
class _Open:
    kind: str  # "if", "for", …, or "top"
    stmt: Statement | None
    branches: list[Branch]  # IF branches, SWITCH cases; one entry for loops and subs
    saw_else: bool = False


def compile_script(statements: list[Statement], script: str,
                   errors: list[BlockError] | None = None) -> list[Node]:
    """The tree of a script's statements. Raises the first BlockError, or, when
    ``errors`` is given, appends every one there and returns the best tree it can."""

    def fail(message: str, stmt: Statement) -> None:
        err = BlockError(message, text=script, line=stmt.line, column=stmt.column,
                         statement=stmt.text.strip())
        err.offset = stmt.offset + (len(stmt.text) - len(stmt.text.lstrip()))
        if errors is None:
            raise err
        errors.append(err)

    top = _Open("top", None, [Branch(Statement("", 0, 1, 1))])
    stack = [top]

    def add(node: Node) -> None:
        stack[-1].branches[-1].body.append(node)

    for stmt in statements:
        clause = _clause(stmt)
        cur = stack[-1]
        if clause in _OPENERS:
            stack.append(_Open(clause, stmt, [Branch(stmt)]))
        elif clause in ("elseif", "else"):
            if cur.kind != "if" or cur.saw_else:
                what = "ELSE" if cur.saw_else and cur.kind == "if" else "IF"
                fail(f"{_NAMES[clause]} without {what}" if what == "IF"
                     else f"{_NAMES[clause]} after ELSE", stmt)
                continue
            cur.saw_else = clause == "else"
            cur.branches.append(Branch(stmt))
        elif clause in ("case", "default"):
            if cur.kind != "switch" or cur.saw_else:
                fail(f"{_NAMES[clause]} without SWITCH" if cur.kind != "switch"
                     else f"{_NAMES[clause]} after DEFAULT", stmt)
                continue
            cur.saw_else = clause == "default"
            cur.branches.append(Branch(stmt))
        elif clause in _OPENERS.values():
            if cur.kind == "top" or _OPENERS[cur.kind] != clause:
                opener = next(k for k, v in _OPENERS.items() if v == clause)
                fail(f"{_NAMES[clause]} without {_NAMES[opener]}", stmt)
                continue
            stack.pop()
            add(_close(cur, stmt))
        elif clause.startswith("exit "):
            kind = clause[5:]
            if not any(o.kind == kind for o in reversed(stack)):
                fail(f"EXIT {kind.upper()} outside a {kind.upper()} block", stmt)
                continue
            add(Simple(stmt))
        else:
            m = _INCLUDE.match(stmt.text)
            add(Include(stmt, m.group(2), bool(m.group(1))) if m else Simple(stmt))
    while len(stack) > 1:
        cur = stack.pop()
        assert cur.stmt is not None
        fail(f"{_NAMES[cur.kind]} without {_NAMES[_OPENERS[cur.kind]]}", cur.stmt)
        add(_close(cur, cur.stmt))
    return top.branches[0].body


def _close(block: _Open, end: Statement) -> Node:
    assert block.stmt is not None
    if block.kind == "if":
        return IfBlock(block.branches, end)
    if block.kind == "switch":
        # statements between SWITCH and the first CASE are not run
        return SwitchBlock(block.stmt, block.branches[1:], end)
    body = block.branches[0].body
    if block.kind == "for":
        return ForBlock(block.stmt, body, end)
    if block.kind == "do":
        return DoBlock(block.stmt, body, end)
    return SubBlock(block.stmt, body, end)


def leaves(nodes: list[Node]) -> list[Simple | Include | Statement]:
    """A tree in tree order: its simple statements and includes as nodes, the heads,
    branches and ends of its blocks as statements (for syntax checks)."""
    out: list[Simple | Include | Statement] = []
    for node in nodes:
        if isinstance(node, Simple | Include):
            out.append(node)
        elif isinstance(node, IfBlock | SwitchBlock):
            if isinstance(node, SwitchBlock):
                out.append(node.stmt)
            for br in node.branches if isinstance(node, IfBlock) else node.cases:
                out.append(br.stmt)
                out.extend(leaves(br.body))
            out.append(node.end)
        else:
            out.append(node.stmt)
            out.extend(leaves(node.body))
            out.append(node.end)
    return out


def walk(nodes: list[Node]) -> list[Statement]:
    """Every statement of a tree, in script order."""
    stmts = [n.stmt if isinstance(n, Simple | Include) else n for n in leaves(nodes)]
    return sorted(stmts, key=lambda s: s.offset)


# -- headers (parsed after expansion) ---------------------------------------------------


@dataclass(slots=True)
class Cond:
    """IF / ELSEIF (kind 'if'), DO / LOOP (kind 'while' or 'until', or '' for none)."""

    kind: str
    cond: ast.Node | None


@dataclass(slots=True)
class ForHead:
    var: str
    start: ast.Node
    stop: ast.Node
    step: ast.Node | None


@dataclass(slots=True)
class ForEachHead:
    var: str
    items: list[ast.Node]


@dataclass(slots=True)
class ValueList:
    """SWITCH (one value) and CASE (one or more values)."""

    values: list[ast.Node]


@dataclass(slots=True)
class SubHead:
    name: str
    params: list[str]


@dataclass(slots=True)
class Keyword:
    """ELSE, DEFAULT, END IF, END SWITCH, END SUB, NEXT [var]."""

    word: str


def parse_header(text: str) -> object:
    """Parse a control clause (already expanded). Raises StatementError."""
    ps = p.StatementParser(text)
    word = ps.tok.value.lower() if ps.tok.kind is T.NAME else ""
    ps.advance()
    if word in ("if", "elseif"):
        cond = _expression(ps, "a condition")
        ps.expect_word("then")
        ps.end()
        return Cond("if", cond)
    if word in ("do", "loop"):
        out = Cond("", None)
        if ps.tok.is_word("while", "until"):
            out.kind = ps.advance().value.lower()
            out.cond = _expression(ps, "a condition")
        ps.end()
        return out
    if word == "for":
        if ps.word("each"):
            var = ps.name("a variable name")
            ps.expect_word("in")
            items = [_expression(ps, "a value")]
            while ps.tok.is_op(","):
                ps.advance()
                items.append(_expression(ps, "a value"))
            ps.end()
            return ForEachHead(var, items)
        var = ps.name("a variable name")
        if not ps.tok.is_op("="):
            raise ps.unexpected("expected '='")
        ps.advance()
        start = _expression(ps, "a start value")
        ps.expect_word("to")
        stop = _expression(ps, "an end value")
        step = None
        if ps.word("step"):
            step = _expression(ps, "a step")
        ps.end()
        return ForHead(var, start, stop, step)
    if word in ("switch", "case"):
        values = [_expression(ps, "a value")]
        while word == "case" and ps.tok.is_op(","):
            ps.advance()
            values.append(_expression(ps, "a value"))
        ps.end()
        return ValueList(values)
    if word == "sub":
        name = ps.name("a sub name")
        params: list[str] = []
        if ps.tok.is_op("("):
            ps.advance()
            if not ps.tok.is_op(")"):
                params = ps.names()
            ps.expect_op(")")
        ps.end()
        return SubHead(name, params)
    if word == "next":
        var = ""
        if ps.tok.kind is not T.EOF:
            var = ps.name("a variable name")
        ps.end()
        return Keyword(var)
    if word == "end":
        ps.advance()
    ps.end()
    return Keyword(word)


def _expression(ps: p.StatementParser, what: str) -> ast.Node:
    if ps.tok.kind is T.EOF or ps.tok.is_word("then", "to", "step"):
        raise ps.unexpected(f"expected {what}")
    return ps.expression(0)


# -- simple control statements (parsed through the statement table) -------------------


@dataclass(slots=True)
class Exit:
    what: str  # "script", "for", "do", "sub"
    cond: ast.Node | None = None
    unless: bool = False


@dataclass(slots=True)
class Call:
    name: str
    args: list[ast.Node]


@dataclass(slots=True)
class Sleep:
    ms: ast.Node


@dataclass(slots=True)
class Section:
    access: bool


@dataclass(slots=True)
class Conditional:
    """``WHEN c statement`` / ``UNLESS c statement``."""

    cond: ast.Node
    unless: bool
    node: object


def _exit(ps: p.StatementParser) -> Exit:
    if not ps.tok.is_word("script", "for", "do", "sub"):
        raise ps.unexpected("expected SCRIPT, FOR, DO or SUB")
    out = Exit(ps.advance().value.lower())
    if ps.tok.is_word("when", "unless"):
        out.unless = ps.advance().value.lower() == "unless"
        out.cond = _expression(ps, "a condition")
    ps.end()
    return out


def _call(ps: p.StatementParser) -> Call:
    name = ps.name("a sub name")
    args: list[ast.Node] = []
    if ps.tok.is_op("("):
        ps.advance()
        if not ps.tok.is_op(")"):
            args.append(_expression(ps, "an argument"))
            while ps.tok.is_op(","):
                ps.advance()
                args.append(_expression(ps, "an argument"))
        ps.expect_op(")")
    ps.end()
    return Call(name, args)


def _sleep(ps: p.StatementParser) -> Sleep:
    ms = _expression(ps, "a number of milliseconds")
    ps.end()
    return Sleep(ms)


def _section(ps: p.StatementParser) -> Section:
    if not ps.tok.is_word("access", "application"):
        raise ps.unexpected("expected ACCESS or APPLICATION")
    access = ps.advance().value.lower() == "access"
    ps.end()
    return Section(access)


def _conditional(ps: p.StatementParser, unless: bool) -> Conditional:
    cond = _expression(ps, "a condition")
    start = ps.tok.pos
    if ps.tok.kind is T.EOF:
        raise ps.unexpected("expected a statement")
    if ps.tok.is_word("if", "elseif", "else", "end", "endif", "for", "next", "do", "loop",
                      "switch", "case", "default", "sub", "endsub", "endswitch"):
        # help "When": "statement: any script statement except control statements"
        raise ps.fail(f"WHEN and UNLESS cannot prefix {ps.tok.value.upper()}")
    try:
        node = p.parse_statement(ps.text[start:])
    except p.StatementError as exc:
        exc.offset += start
        raise
    return Conditional(cond, unless, node)


p.SIMPLE.update(cast(dict[str, Callable[[p.StatementParser], p.Node]], {
    "exit": _exit,
    "call": _call,
    "sleep": _sleep,
    "section": _section,
    "when": lambda ps: _conditional(ps, False),
    "unless": lambda ps: _conditional(ps, True),
}))
