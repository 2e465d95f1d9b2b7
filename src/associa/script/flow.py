"""Running a script's tree (``control.compile_script``): blocks, loops, subs, includes,
EXIT, and ErrorMode.

Each plain statement runs through ``Interpreter.execute``; each control header through
``Interpreter.located`` (expanded, parsed and evaluated with errors placed at its line and
column). Cancellation and the reload time limit are checked before every statement and
on every round of a loop, so an endless ``DO … LOOP`` or ``FOR`` with step 0 is stopped.

ErrorMode (help "Error variables", "ErrorMode"): 1 (the default) and 2 stop the reload at
the first error; 0 ignores the error and goes on with the next statement, leaving
ScriptError, ScriptErrorCount, ScriptErrorList and ScriptErrorDetails set. Errors in a
control header under ErrorMode 0: an IF / ELSEIF / CASE whose condition fails is not
taken, a loop whose header fails is not run. Block errors (an IF without END IF) are found
before the run and always stop it; so do cancellation and the time limit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from associa.errors import LanguageError, ReloadTimeLimit, ScriptError
from associa.expr import Evaluator, Vec, ast
from associa.script import control as c
from associa.script.scanner import Statement, split_statements
from associa.values import auto_format, interpret

if TYPE_CHECKING:
    from associa.script.interpreter import Interpreter
    from associa.script.state import RunState

MAX_CALL_DEPTH = 64  # nested CALLs (each takes a dozen Python frames)
MAX_INCLUDE_DEPTH = 32


class ExitScript(Exception):  # noqa: N818 - flow signals, not errors
    pass


class ExitLoop(Exception):  # noqa: N818
    def __init__(self, what: str) -> None:
        self.what = what


class ExitSub(Exception):  # noqa: N818
    pass


@dataclass(slots=True)
class Sub:
    name: str
    params: list[str]
    body: list[c.Node]


# -- running a tree -------------------------------------------------------------------


def hoist_subs(interp: Interpreter, nodes: list[c.Node]) -> None:
    """Subs at the top level of a script can be called before their definition is
    reached (their header is read without expansion; one that needs expansion is defined
    when the run reaches it)."""
    for node in nodes:
        if isinstance(node, c.SubBlock) and "$(" not in node.stmt.text:
            try:
                head = c.parse_header(node.stmt.text)
            except LanguageError:  # a header that does not parse: reported when run
                continue
            if isinstance(head, c.SubHead):
                interp.subs[head.name.lower()] = Sub(head.name, head.params, node.body)


def run_nodes(interp: Interpreter, nodes: list[c.Node]) -> None:
    for node in nodes:
        RUNNERS[type(node)](interp, node)


def _simple(interp: Interpreter, node: c.Simple) -> None:
    interp.checkpoint(node.stmt)
    before = set(interp.builder.tables) if interp.section_access else None
    ok = interp.guarded(node.stmt, lambda: interp.execute(node.stmt))
    if ok and before is not None:
        interp.access_tables.extend(t for t in interp.builder.tables if t not in before)


def _header(interp: Interpreter, stmt: Statement) -> object | None:
    """A control header parsed after expansion, or None when it failed under ErrorMode 0."""
    interp.checkpoint(stmt)
    out: list[object] = []
    ok = interp.guarded(stmt, lambda: out.append(interp.located(stmt, c.parse_header)),
                        reset=False)
    return out[0] if ok else None


def _test(interp: Interpreter, stmt: Statement, head: c.Cond | None) -> bool | None:
    """The truth of a header's condition (True when it has none); None on an ignored
    error."""
    if head is None:
        return None
    if head.cond is None:
        return True
    out: list[bool] = []
    cond = head.cond
    ok = interp.guarded(stmt, lambda: out.append(
        interp.located(stmt, lambda _text: interp.truth(cond))))
    return out[0] if ok else None


def _if(interp: Interpreter, node: c.IfBlock) -> None:
    for branch in node.branches:
        head = _header(interp, branch.stmt)
        if isinstance(head, c.Keyword):  # ELSE
            run_nodes(interp, branch.body)
            return
        if _test(interp, branch.stmt, head if isinstance(head, c.Cond) else None):
            run_nodes(interp, branch.body)
            return


def _for(interp: Interpreter, node: c.ForBlock) -> None:
    head = _header(interp, node.stmt)
    if isinstance(head, c.ForEachHead):
        _for_each(interp, node, head)
        return
    if not isinstance(head, c.ForHead):
        return
    bounds: list[float] = []

    def evaluate() -> None:
        bounds.append(interp.number(head.start, "FOR start"))
        bounds.append(interp.number(head.stop, "FOR end"))
        bounds.append(interp.number(head.step, "FOR step") if head.step is not None else 1.0)

    if not interp.guarded(node.stmt, lambda: interp.located(node.stmt, lambda _t: evaluate())):
        return
    value, stop, step = bounds
    while (value <= stop) if step >= 0 else (value >= stop):
        interp.checkpoint(node.stmt)
        interp.set_variable(head.var, auto_format(value, interp.locale))
        if not _round(interp, node.body, "for"):
            return
        now = interp.variables.get(head.var, "")
        current = interpret(now, interp.locale) if now else None
        value = (value if current is None else current) + step


def _round(interp: Interpreter, body: list, what: str) -> bool:
    """One round of a loop's body; False when EXIT FOR / EXIT DO (``what``) ends it."""
    try:
        run_nodes(interp, body)
    except ExitLoop as exc:
        if exc.what != what:
            raise
        return False
    return True


def _for_each(interp: Interpreter, node: c.ForBlock, head: c.ForEachHead) -> None:
    values: list[str] = []
    if not interp.guarded(node.stmt, lambda: interp.located(
            node.stmt, lambda _t: values.extend(_each_values(interp, head.items)))):
        return
    for value in values:
        interp.checkpoint(node.stmt)
        interp.set_variable(head.var, value)
        if not _round(interp, node.body, "for"):
            return


def _each_values(interp: Interpreter, items: list[ast.Node]) -> list[str]:
    out: list[str] = []
    for item in items:
        if isinstance(item, ast.Call) and item.name in ("FILELIST", "DIRLIST"):
            if len(item.args) != 1:
                raise ScriptError(f"Wrong number of arguments to {item.name}")
            mask = interp.text(item.args[0])
            out.extend(interp.list_files_of(mask, item.name == "DIRLIST"))
        elif isinstance(item, ast.Call) and item.name == "FIELDVALUELIST":
            if len(item.args) != 1:
                raise ScriptError("Wrong number of arguments to FIELDVALUELIST")
            out.extend(interp.field_values(interp.text(item.args[0])))
        else:
            text = interp.text(item)
            out.append(text)
    return out


def _do(interp: Interpreter, node: c.DoBlock) -> None:
    while True:
        interp.checkpoint(node.stmt)
        if not _holds(interp, node.stmt):
            return
        if not _round(interp, node.body, "do"):
            return
        if not _holds(interp, node.end):
            return


def _holds(interp: Interpreter, stmt: Statement) -> bool:
    """Whether a DO or LOOP clause lets the loop go on (no condition: yes)."""
    head = _header(interp, stmt)
    if not isinstance(head, c.Cond):
        return False
    if head.cond is None:
        return True
    truth = _test(interp, stmt, head)
    if truth is None:
        return False
    return truth if head.kind == "while" else not truth


def _switch(interp: Interpreter, node: c.SwitchBlock) -> None:
    head = _header(interp, node.stmt)
    if not isinstance(head, c.ValueList):
        return
    subject = head.values[0]
    for case in node.cases:
        chead = _header(interp, case.stmt)
        if isinstance(chead, c.Keyword):  # DEFAULT
            run_nodes(interp, case.body)
            return
        if not isinstance(chead, c.ValueList):
            continue
        if _case_matches(interp, case.stmt, subject, chead.values):
            run_nodes(interp, case.body)
            return


def _case_matches(interp: Interpreter, stmt: Statement, subject: ast.Node,
                  values: list[ast.Node]) -> bool:
    """Whether the switch value equals one of a CASE's values (Qlik's '=')."""
    hit: list[bool] = []
    ok = interp.guarded(stmt, lambda: interp.located(stmt, lambda _t: hit.append(
        any(interp.truth(ast.Binary("=", subject, v)) for v in values))))
    return ok and hit[0]


def _sub(interp: Interpreter, node: c.SubBlock) -> None:
    head = _header(interp, node.stmt)
    if isinstance(head, c.SubHead):
        interp.subs[head.name.lower()] = Sub(head.name, head.params, node.body)


def _include(interp: Interpreter, node: c.Include) -> None:
    interp.checkpoint(node.stmt)
    interp.guarded(node.stmt, lambda: run_include(interp, node))


def run_include(interp: Interpreter, node: c.Include) -> None:
    """$(Include=path) / $(Must_Include=path): the file's statements run here. A missing
    file is skipped silently by Include and an error for Must_Include (help "Include");
    an error inside the file names the file, line and column."""
    stmt = node.stmt
    try:  # only the path is expanded (the statement itself is the include)
        path = interp.expand_text(node.path).strip()
    except LanguageError as exc:
        raise interp.error_at(stmt, exc.detail) from None
    if len(interp.include_stack) >= MAX_INCLUDE_DEPTH:
        raise interp.error_at(stmt, f"Include files nested too deep: '{path}'")
    try:
        text = interp.read_text_file(path)
    except (OSError, ScriptError) as exc:
        if not node.must:
            return
        raise interp.error_at(stmt, include_failure(path, exc), code=8) from None
    saved = interp.source
    interp.include_stack.append(path)
    interp.source = text
    try:
        tree = c.compile_script(split_statements(text), text)
        run_nodes(interp, tree)
    except ScriptError as exc:  # placed in the file: placed at the include, naming it
        cls = ReloadTimeLimit if isinstance(exc, ReloadTimeLimit) else None
        err = interp.error_at(stmt, f"{exc.detail} (in {path}, line {exc.line}, column "
                                    f"{exc.column})", code=exc.code, cls=cls)
        err.kind = getattr(exc, "kind", 1)  # type: ignore[attr-defined]
        raise err from None
    finally:
        interp.source = saved
        interp.include_stack.pop()


RUNNERS: dict[type, Callable[[Interpreter, object], None]] = {
    c.Simple: _simple,  # type: ignore[dict-item]
    c.Include: _include,  # type: ignore[dict-item]
    c.IfBlock: _if,  # type: ignore[dict-item]
    c.ForBlock: _for,  # type: ignore[dict-item]
    c.DoBlock: _do,  # type: ignore[dict-item]
    c.SwitchBlock: _switch,  # type: ignore[dict-item]
    c.SubBlock: _sub,  # type: ignore[dict-item]
}


# -- handlers of the simple control statements ------------------------------------------


def do_exit(interp: Interpreter, node: c.Exit) -> None:
    if node.cond is not None and interp.truth(node.cond) == node.unless:
        return
    if node.what == "script":
        raise ExitScript()
    if node.what == "sub":
        if not interp.call_depth:
            raise ScriptError("EXIT SUB outside a SUB")
        raise ExitSub()
    raise ExitLoop(node.what)


def do_call(interp: Interpreter, node: c.Call) -> None:
    sub = interp.subs.get(node.name.lower())
    if sub is None:
        raise ScriptError(f"Sub '{node.name}' not found")
    if interp.call_depth >= MAX_CALL_DEPTH:
        raise ScriptError(f"Too many nested calls of sub '{node.name}'")
    # actual values first (in the caller's variables), then the sub's locals
    actual: list[str | None] = []
    byref: list[str | None] = []
    for arg in node.args:
        if isinstance(arg, ast.FieldRef):  # a variable name: by reference
            actual.append(interp.variables.get(arg.name))
            byref.append(arg.name)
        else:
            actual.append(interp.text_or_null(arg))
            byref.append(None)
    saved = {name: (interp.variables.get(name), name in interp.null_variables)
             for name in sub.params}
    for i, name in enumerate(sub.params):
        value = actual[i] if i < len(actual) else None
        interp.assign(name, value)
    interp.call_depth += 1
    try:
        run_nodes(interp, sub.body)
    except ExitSub:
        pass
    finally:
        interp.call_depth -= 1
        final = {name: (None if name in interp.null_variables else interp.variables.get(name))
                 for name in sub.params}
        for name, (value, was_null) in saved.items():
            interp.assign(name, value)
            if was_null:
                interp.null_variables.add(name)
    for i, target in enumerate(byref[: len(sub.params)]):
        if target is not None:
            interp.assign(target, final[sub.params[i]])


def do_sleep(interp: Interpreter, node: c.Sleep) -> None:
    """Help "Sleep": n milliseconds, "a positive integer no larger than 3600000"."""
    ms = interp.number(node.ms, "SLEEP")
    if not 0 <= ms <= 3_600_000:
        raise ScriptError(f"SLEEP takes 0 to 3600000 milliseconds, not {auto_format(ms)}")
    end = time.monotonic() + ms / 1000.0
    while True:
        interp.check_cancelled()
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.05))


def do_section(interp: Interpreter, node: c.Section) -> None:
    interp.section_access = node.access


def do_conditional(interp: Interpreter, node: c.Conditional) -> None:
    if interp.truth(node.cond) != node.unless:
        interp.dispatch(node.node)


HANDLERS: dict[type, Callable[[Interpreter, object], None]] = {
    c.Exit: do_exit,  # type: ignore[dict-item]
    c.Call: do_call,  # type: ignore[dict-item]
    c.Sleep: do_sleep,  # type: ignore[dict-item]
    c.Section: do_section,  # type: ignore[dict-item]
    c.Conditional: do_conditional,  # type: ignore[dict-item]
}


# -- scripts' view of variables in expressions -----------------------------------------

# ScriptError's values, numbers with their texts (help "ScriptError")
ERROR_TEXTS = {
    0: "", 1: "General Error", 2: "Syntax Error", 3: "General ODBC Error",
    4: "General OLE DB Error", 5: "General custom database Error", 6: "General XML Error",
    7: "General HTML Error", 8: "File Not Found", 9: "Database Not Found",
    10: "Table Not Found", 11: "Field Not Found", 12: "File Has Wrong Format",
    16: "Semantic Error",
}


def variable_vec(text: str | None, locale: object, num: float | None = None) -> Vec:
    """A variable's value in an expression: its text, with the number it reads as."""
    if text is None:
        return Vec.nulls(1)
    if num is None:
        num = interpret(text, locale) if text else None  # type: ignore[arg-type]
    return Vec.constant_text(text, 1, num)


def truth_of(v: Vec) -> bool:
    return bool(np.asarray(v.truth())[0])


def number_of(v: Vec, what: str) -> float:
    nums = v.as_numbers()
    x = float(nums[0]) if not v.null[0] else math.nan
    if math.isnan(x):
        text = v.value(0)[0] if not v.null[0] else "NULL"
        raise ScriptError(f"{what} is not a number: {text}")
    return x


def evaluate(interp: RunState, node: ast.Node) -> Vec:
    return Evaluator(interp.locale).eval(node, interp.scope())


def include_failure(path: str, exc: Exception) -> str:
    """The message of an include file that cannot be read: "Cannot open include file:
    'path' (reason)", the reason a folder connection gave (its own "Cannot open file: …"
    message read for its reason) or the system's."""
    reason = getattr(exc, "strerror", None) or getattr(exc, "detail", None) or str(exc)
    opened = f"Cannot open file: '{path}' ("
    if reason.startswith(opened) and reason.endswith(")"):
        reason = reason[len(opened):-1]
    return f"Cannot open include file: '{path}' ({reason})"
