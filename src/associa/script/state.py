"""What a run keeps besides its tables: variables (with the NULL parameters of subs and
the ScriptError variables), ErrorMode, subs, the section, and the expressions of control
statements evaluated over them.

``RunState`` is a base of ``Interpreter``: the interpreter runs statements, this holds
what they read and change.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from associa.errors import (
    LanguageError,
    LibPathNotFound,
    ReloadOpenFileError,
    ReloadTimeLimit,
    ScriptError,
)
from associa.expr import Evaluator, Vec, ast
from associa.script import flow
from associa.script import parser as p
from associa.script.expansion import expand
from associa.script.loading import MissingField
from associa.script.scanner import Statement
from associa.script.sources import Text
from associa.values import Locale, interpret

if TYPE_CHECKING:
    from associa.model.builder import ModelBuilder


class ConstantScope:
    """One value, no fields: for LET, conditions and ``$(=…)`` in a script. A bare name
    is a variable when one of that name exists (help "ScriptError": ``if ScriptError=8
    then``; "Sub..end sub": ``I = I + 1`` on a parameter)."""

    n = 1

    def __init__(self, locale: Locale,
                 variable: Callable[[str], Vec | None] | None = None) -> None:
        self.locale = locale
        self.variable = variable

    def field(self, name: str) -> Vec:
        if self.variable is not None:
            v = self.variable(name)
            if v is not None:
                return v
        raise ScriptError(f"Field '{name}' not found")

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        raise ScriptError(f"Aggregation {call.name}() is not allowed here")


class RunState:
    """Variables, errors and the section of a run (see the module docstring)."""

    variables: dict[str, str]
    null_variables: set[str]
    locale: Locale
    errors: list[ScriptError]
    last_error: tuple[int, str]
    last_error_detail: str
    error_mode: int | None
    builder: ModelBuilder
    access_tables: list[str]
    open_file: Callable[[str], Text] | None
    list_files: Callable[[str, bool], list[str]] | None

    if TYPE_CHECKING:  # the interpreter's
        def say(self, line: str) -> None: ...
        def _evaluate_text(self, expr_text: str) -> str: ...
        def _set_variable(self, name: str, value: str) -> None: ...

    def guarded(self, stmt: Statement, action: Callable[[], object], *,
                reset: bool = True) -> bool:
        """Run ``action``; under ErrorMode 0 a script error is recorded (ScriptError,
        ScriptErrorCount, ScriptErrorList, the log) and False returned. Success resets
        ScriptError to 0 unless ``reset`` is false (a header whose condition is still to
        be evaluated: ``if ScriptError=8 then`` must see the error before it)."""
        try:
            action()
        except ScriptError as exc:
            if isinstance(exc, ReloadTimeLimit) or self._error_mode() != 0:
                raise
            number = getattr(exc, "kind", 1)
            self.errors.append(exc)
            self.last_error = (number, flow.ERROR_TEXTS.get(number, "General Error"))
            self.last_error_detail = exc.detail
            self.say(f"The following error occurred: {exc.detail} (line {exc.line}, column "
                     f"{exc.column})")
            if exc.statement:
                self.say(f"The error occurred here: {exc.statement}")
            return False
        if reset:
            self.last_error = (0, "")
        return True

    def _error_mode(self) -> int:
        if self.error_mode is not None:
            return self.error_mode
        raw = self.variables.get("ErrorMode", "1")
        num = interpret(raw, self.locale) if raw else None
        return 1 if num is None else int(num)

    def error_variables(self) -> dict[str, str]:
        return {
            "ScriptError": self.last_error[1],
            "ScriptErrorCount": str(len(self.errors)),
            "ScriptErrorList": "\n".join(flow.ERROR_TEXTS.get(getattr(e, "kind", 1),
                                                               "General Error")
                                         for e in self.errors),
            "ScriptErrorDetails": self.last_error_detail,
        }

    # -- variables and expressions --------------------------------------------------

    def expansion_variables(self) -> Mapping[str, str]:
        """The variables ``$(…)`` sees: the script's, and the error variables, which
        "exist after the script execution" (help "Error variables") and so always
        during it (``$(ScriptErrorCount)`` is 0 before any error)."""
        return ChainMap(self.error_variables(), self.variables)

    def expand_text(self, text: str) -> str:
        return expand(text, self.expansion_variables(), self._evaluate_text,
                      self.included_text)

    def included_text(self, path: str, must: bool) -> str:
        """The text of a file included inside a statement (``LOAD $(Include=f)``): empty
        when Include cannot read it, an error for Must_Include."""
        try:
            return self.read_text_file(path)
        except (OSError, ScriptError) as exc:
            if not must:
                return ""
            raise ScriptError(flow.include_failure(path, exc)) from None

    def _variable(self, name: str) -> Vec | None:
        if name in self.null_variables:
            return Vec.nulls(1)
        if name == "ScriptError":
            return flow.variable_vec(self.last_error[1], self.locale, float(self.last_error[0]))
        if name == "ScriptErrorCount":
            return flow.variable_vec(str(len(self.errors)), self.locale)
        if name in ("ScriptErrorList", "ScriptErrorDetails"):
            return flow.variable_vec(self.error_variables()[name], self.locale)
        if name in self.variables:
            return flow.variable_vec(self.variables[name], self.locale)
        return None

    def scope(self) -> ConstantScope:
        return ConstantScope(self.locale, self._variable)

    def truth(self, node: ast.Node) -> bool:
        return flow.truth_of(flow.evaluate(self, node))

    def number(self, node: ast.Node, what: str) -> float:
        return flow.number_of(flow.evaluate(self, node), what)

    def text_or_null(self, node: ast.Node) -> str | None:
        v = flow.evaluate(self, node)
        return None if v.null[0] else (v.value(0, self.locale)[0] or "")

    def text(self, node: ast.Node) -> str:
        return self.text_or_null(node) or ""

    def assign(self, name: str, value: str | None) -> None:
        """Set a variable (None: NULL, as a sub's surplus parameters start)."""
        self.null_variables.discard(name)
        if value is None:
            self.variables.pop(name, None)
            self.null_variables.add(name)
        else:
            self._set_variable(name, value)

    def set_variable(self, name: str, value: str) -> None:
        self.assign(name, value)

    # -- files and fields -----------------------------------------------------------

    def list_files_of(self, mask: str, directories: bool) -> list[str]:
        if self.list_files is None:
            raise ScriptError(
                f"Cannot list '{mask}': file listing needs a folder connection (lib://…)")
        return list(self.list_files(mask, directories))

    def field_values(self, name: str) -> list[str]:
        """FieldValueList: the distinct values of a loaded field, in load order."""
        tables = [t for t in self.builder.tables.values() if name in t.columns]
        if not tables:
            raise ScriptError(f"Field '{name}' not found")
        sym = self.builder.symbols_of(name)
        codes = np.unique(np.concatenate([np.asarray(t.columns[name]) for t in tables]))
        return [sym.text(int(i)) for i in codes if i >= 0]

    def read_text_file(self, path: str) -> str:
        if self.open_file is None:
            raise ScriptError("No file access in this context")
        data = self.open_file(path)
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        return raw.decode("utf-8", errors="replace")

    def _take_section_access(self) -> dict[str, dict[str, list[str | None]]]:
        """Tables loaded under SECTION ACCESS leave the model (help "Section"): their rows
        are kept, as text, for data reduction."""
        out: dict[str, dict[str, list[str | None]]] = {}
        for name in self.access_tables:
            table = self.builder.tables.pop(name, None)
            if table is None:
                continue
            cols: dict[str, list[str | None]] = {}
            for fname in table.fields:
                sym = self.builder.symbols_of(fname)
                codes = np.asarray(table.columns[fname])
                cols[fname] = [None if i < 0 else sym.text(int(i)) for i in codes]
            out[name] = cols
        return out


def _error_number(exc: LanguageError) -> int:
    """The number ScriptError takes for an error (help "ScriptError"): 2 syntax, 8 file
    not found, 10 table not found, 11 field not found, 12 file has wrong format, else 1."""
    message = exc.detail
    if isinstance(exc, p.StatementError) or (
            not isinstance(exc, ScriptError) and message.startswith("Unexpected")):
        return 2
    if isinstance(exc, MissingField) or (message.startswith("Field '")
                                         and message.endswith("not found")):
        return 11
    if message.startswith("Table '") and message.endswith("not found"):
        return 10
    if isinstance(exc, ReloadOpenFileError | LibPathNotFound) or message.startswith(
            ("Cannot open file", "Cannot open include file")):
        return 8
    if message.startswith("Cannot read file"):
        return 12
    return 1

