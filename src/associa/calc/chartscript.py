"""Chart-level scripting: ``qHyperCubeDef.qDynamicScript``, scripts that modify a straight
hypercube's result after it is computed and sorted.

Qlik's help (Sense_Hub/ChartLevelScripting/, help.qlik.com/en-US/cloud-services/
Subsystems/Hub/Content/Sense_Hub/ChartLevelScripting/...) describes a subset of the load
script, run over "the HC1 table, representing the hypercube computed by the Qlik
associative engine" (Prefixes/Add):

* control statements (modifier-control-statements): Call, Do..Loop, End, Exit, Exit
  Script, For..Next, For Each..Next, If..Then..ElseIf..Else..End If, Sub..End Sub, Switch;
* regular statements (modifier-regular-statements): Let, Set, Load, Put;
* ``Put column(position) = value`` (RegularStatements/Put): sets a numeric value in a
  measure column of the final sorted cube, rows counted from 1; a column is a label
  (``Sales``) or its place in the declaration order (``#hc1.measure.2``,
  ``#hc1.dimension.3``); dimensions cannot be modified; a column that is no dimension or
  measure is an error saying the column was not found; a row out of bounds is no error;
* ``HCValue(column, position)`` (RegularStatements/HCValue): a cell's value, NULL out of
  bounds; ``HCNoRows()``, ``HCNoCols()``: the cube's rows and columns;
* ``Add | Replace Load ... (inline | resident HC1)`` (RegularStatements/Load,
  Prefixes/Add): appends rows to the result or replaces it; "The LOAD statement must
  have either Replace or Add prefix, or it will be rejected"; the columns are matched by
  label and "missing values are automatically filled" (NULL here).

The statements run through the load script's own machinery (``script/control.py``,
``script/flow.py``, ``script/interpreter.py``: blocks, loops, subs, ``$(…)`` expansion,
Let/Set) in ``ChartScript``, an ``Interpreter`` that allows only the statements above,
adds Put, and holds HC1 in its builder so that ``Resident HC1`` reads the result as it is.

What the help does not say, and how it is done here:

* the grand total row is the engine's aggregation over the data and is kept as computed
  (the help describes Put and Load as changing the rows of the final sorted cube only);
  the measure infos (qMin/qMax) are read from the modified values;
* an error (a statement that is not allowed, an unknown column, a Put into a dimension, a
  LOAD without Add or Replace, a script syntax error) leaves the cube as computed and
  puts the error in ``qHyperCube.qError`` as an NxValidationError whose code is the
  script error's (11002 "Unknown statement" for most, as a reload reports them), the
  statement as ``qContext`` and the message with its line as ``qExtendedMessage``: the
  help only says "you will receive an error message";
* "Chart level scripting is not available for ... Pivot table" and a bar chart in stacked
  mode shows an "invalid hypercube" error (chart-level-scripting, "Limitations"): a pivot
  (``qMode`` "P") or stacked ("K") cube with a script gets error 6000 (HC_INVALID_OBJECT,
  "Invalid hypercube object") and is otherwise left as computed;
* an added row's dimension value is the field's value of the same number or text (with
  its state); a value the field does not hold shows its own text and number with
  qElemNumber -1 (nothing to select: ``chartresult.added_cell``); selecting an added
  row's cell selects nothing;
* a script runs at most ``TIME_LIMIT`` seconds (an endless DO LOOP must not hold a
  layout forever).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from associa.calc.cells import validation_error
from associa.calc.chartresult import COLUMN, RESULT, Result
from associa.errors import (
    AssociaError,
    ExpressionError,
    LanguageError,
    ReloadTimeLimit,
    ScriptError,
)
from associa.expr import Vec, ast, parse
from associa.expr.expansion import closing
from associa.script import control, flow
from associa.script import parser as p
from associa.script.context import CURRENT
from associa.script.interpreter import Interpreter
from associa.script.pipeline import run_load
from associa.script.scanner import Statement, split_statements

if TYPE_CHECKING:
    from associa.calc.cube import Cube

TIME_LIMIT = 10.0  # seconds one chart script may run
INVALID_OBJECT = 6000  # HC_INVALID_OBJECT: chart scripts on pivot and stacked cubes
_SCRATCH = "$ChartScriptLoad"
_PUT = re.compile(r"\s*put\s", re.IGNORECASE)


# -- the statements ---------------------------------------------------------------------


@dataclass(slots=True)
class Put:
    column: str
    position: ast.Node
    value: ast.Node


def parse_put(text: str) -> Put | None:
    """``Put column(position) = value``, or None when the statement is no Put."""
    if not _PUT.match(text):
        return None
    rest = text.strip()[3:].lstrip()
    if rest[:1] in ("[", '"'):
        close = rest.find("]" if rest[0] == "[" else '"', 1)
        if close < 0:
            raise ScriptError("Put: the column name is not closed")
        column, rest = rest[1:close], rest[close + 1:]
    else:
        m = re.match(r"[^\s(]+", rest)
        if m is None:
            raise ScriptError("Put: a column is expected")
        column, rest = m.group(0), rest[m.end():]
    rest = rest.lstrip()
    if not rest.startswith("("):
        raise ScriptError("Put: '(' and a position are expected after the column")
    end = closing(rest, 0)  # the ')' of the position (quotes and [] skipped)
    if end < 0:
        raise ScriptError("Put: the position's parenthesis is not closed")
    position, rest = rest[1:end], rest[end + 1:].lstrip()
    if not rest.startswith("="):
        raise ScriptError("Put: '=' and a value are expected after the position")
    value = rest[1:].strip()
    if not value:
        raise ScriptError("Put: a value is expected after '='")
    try:
        return Put(column, parse(position), parse(value))
    except ExpressionError as exc:
        raise ScriptError(f"Put: {exc.message}") from None


class ChartScript(Interpreter):
    """One chart script over a ``Result`` (see the module docstring)."""

    def __init__(self, script: str, result: Result, time_limit: float = TIME_LIMIT) -> None:
        super().__init__(script, time_limit=time_limit)
        self.result = result
        self.locale = result.cube.locale

    def run_chart(self) -> None:
        tree = control.compile_script(split_statements(self.script), self.script)
        flow.hoist_subs(self, tree)
        token = CURRENT.set(self.context)
        mark = RESULT.set(self.result)
        try:
            flow.run_nodes(self, tree)
        except flow.ExitScript:
            pass
        except (flow.ExitLoop, flow.ExitSub):
            raise ScriptError("EXIT outside its block") from None
        finally:
            RESULT.reset(mark)
            CURRENT.reset(token)

    def expand_text(self, text: str) -> str:
        """``$(…)`` expanded, then ``#hc1.measure.n`` written as a name the expression
        parser reads (``[#hc1.measure.n]``)."""
        return _bracket_columns(super().expand_text(text))

    def execute(self, stmt: Statement) -> None:
        def act(text: str) -> None:
            put = parse_put(text)
            if put is not None:
                self.do_put(put)
                return
            node = p.parse_statement(text)
            if type(node) not in ALLOWED:
                word = text.split(None, 1)[0] if text.strip() else ""
                raise ScriptError(f"{word} is not allowed in a chart script")
            self.dispatch(node)

        self.located(stmt, act)

    def dispatch(self, node: object) -> None:
        handler = ALLOWED.get(type(node))
        if handler is None:
            raise ScriptError(f"{_statement_name(node)} is not allowed in a chart script")
        handler(self, node)

    def do_put(self, put: Put) -> None:
        col = self.result.column(put.column)
        position = self.number(put.position, "Put position")
        v = flow.evaluate(self, put.value)
        x = math.nan if v.null[0] else float(v.as_numbers()[0])
        self.result.put(col, position, x)

    def do_chart_load(self, node: p.Load) -> None:
        """Add | Replace Load over inline data or HC1: run as a plain LOAD into a scratch
        table, whose rows then go to the result."""
        pre = node.prefixes
        if pre.mode not in ("add", "replace"):
            raise ScriptError("The LOAD statement must have either Replace or Add prefix "
                              "in a chart script")
        if pre.transforms() or pre.join or pre.keep or pre.mapping or pre.concatenate \
                is not None or node.source not in ("inline", "resident"):
            raise ScriptError("A chart script's LOAD reads inline data or Resident HC1, "
                              "without other prefixes")
        self.result.table(self.builder)
        plain = replace(node, label=_SCRATCH, prefixes=replace(
            pre, mode=None, only=False, no_concatenate=True))
        run_load(self, plain)
        table = self.builder.tables.pop(_SCRATCH)
        loaded = {f: Vec.from_symbols(self.builder.symbols_of(f),
                                      np.asarray(table.columns[f], dtype=np.int64))
                  for f in table.fields}
        self.result.load(loaded, table.nrows, pre.mode == "replace")


def _bracket_columns(text: str) -> str:
    """``#hc1.measure.n`` outside quotes and brackets as ``[#hc1.measure.n]``."""
    if "#" not in text:
        return text
    out: list[str] = []
    i, quote = 0, ""
    while i < len(text):
        ch = text[i]
        if quote:
            out.append(ch)
            if ch == quote:
                quote = ""
            i += 1
            continue
        if ch in "'\"[":
            quote = "]" if ch == "[" else ch
            out.append(ch)
            i += 1
            continue
        m = COLUMN.match(text, i) if ch == "#" else None
        if m is not None:
            out.append(f"[{m.group(0)}]")
            i = m.end()
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _statement_name(node: object) -> str:
    return f"The statement {type(node).__name__.upper()}"


ALLOWED: dict[type, Any] = {
    p.SetVar: Interpreter.do_set,
    p.LetVar: Interpreter.do_let,
    p.Trace: Interpreter.do_trace,
    p.Noop: Interpreter.do_noop,
    p.Load: ChartScript.do_chart_load,
    control.Exit: flow.do_exit,
    control.Call: flow.do_call,
    control.Conditional: flow.do_conditional,
}


def run_chart_scripts(cube: Cube, definition: Mapping[str, Any]) -> None:
    """The cube's ``qDynamicScript`` run over its sorted result (the one call at the end
    of ``Cube._finish``); nothing to do without a script."""
    scripts = [s for s in definition.get("qDynamicScript") or []
               if isinstance(s, str) and s.strip()]
    if not scripts:
        return
    mode = definition.get("qMode")
    if mode in ("P", "K", "DATA_MODE_PIVOT", "DATA_MODE_PIVOT_STACK"):
        cube.error = {"qErrorCode": INVALID_OBJECT}
        return
    result = Result(cube)
    for script in scripts:
        try:
            ChartScript(script, result, TIME_LIMIT).run_chart()
        except AssociaError as exc:  # script, expression and engine errors alike
            cube.error = _error(exc)
            return
        except RecursionError:
            cube.error = validation_error(ScriptError.code, "", "Script nested too deeply")
            return
    result.commit()


def _error(exc: AssociaError) -> dict[str, Any]:
    """A script error as the cube's NxValidationError (see the module docstring)."""
    if isinstance(exc, ReloadTimeLimit):
        return validation_error(exc.code, exc.statement or "",
                                f"The chart script ran longer than {TIME_LIMIT:g} s")
    if isinstance(exc, ScriptError) and exc.line:
        return validation_error(exc.code, exc.statement or "",
                                f"{exc.detail} (line {exc.line})")
    message = exc.detail if isinstance(exc, LanguageError) else exc.message
    code = exc.code if isinstance(exc, ScriptError) else ScriptError.code
    return validation_error(code, "", message)
