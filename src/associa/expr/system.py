"""Field and system functions: what selections, the app and the object say.

These read a ``Context`` the evaluator carries (``Evaluator(context=…)``): the selection
states, the app, the user and the object the expression belongs to. Used where there is none
(a load script), they raise ``ExpressionError("… is not available here")``.

Texts and counts follow Qlik's help (chart functions, "Field functions"):

* GetSelectedCount(field [, include_excluded [, state]]): the selected (green) values;
  with include_excluded True() also selected values excluded by other fields' selections.
* GetPossibleCount(field): the possible values; "If the identified field includes
  selections, then the selected (green) fields are counted. Otherwise associated (white)
  values are counted."
* GetExcludedCount(field): "Only excluded (dark gray) fields are counted.
  Alternative (light gray) and selected excluded (dark gray with a check mark) values are
  not counted."
* GetAlternativeCount(field): the alternative (light gray) values; 0 without a
  selection in the field (help example: "returns 0 if no selections are made in First name").
* GetNotSelectedCount(field [, include_excluded]): the not-selected (deselected) values of a
  field in and-mode; include_excluded also counts those excluded by other fields.
* GetFieldSelections(field [, value_sep [, max_values [, state]]]), help table "Return string
  formats": 'a, b, c' when max_values or fewer are selected; 'NOT a, b, c' when max_values or
  fewer are not selected; 'x of y' when max_values < x < y - max_values; 'ALL' when every
  value is selected (and there are more than max_values); '-' (NULL) when none is.
  value_sep defaults to ', ', max_values to 6 (help example: John, Sue, Mark selected of
  five names, ``GetFieldSelections([First name], ';', 2)`` gives 'NOT Jane;Peter').
* GetCurrentSelections([record_sep [, tag_sep [, value_sep [, max_values [, state]]]]]):
  one record per field with a selection, in the order they were selected: the field name,
  tag_sep (default ': '), the field's values as GetFieldSelections gives them; records joined
  by record_sep (default CR LF). Help example: 'First name: John, Peter'. NULL when nothing
  is selected ("returns (-)" with no selections).
  The values of a field are listed in the field's symbol order, as the current-selections
  object (qSelectionObjectDef, ``app/layout.py``) lists them in ``qSelected``, so the two
  agree.
* GetObjectField([index]), GetObjectDimension([index]), GetObjectMeasure([index]): the
  object's dimension field, dimension label, measure label at a 0-based index (default 0);
  NULL past the end.
* OSUser(): in Qlik Sense, 'UserDirectory=<dir>; UserId=<id>' (the session's identity;
  in development mode the account the engine runs as).
* QVUser(): QlikView's name of the user as Section Access's USERID matches it
  (``DIRECTORY\\userid``); Qlik lists it as deprecated (qlik-language.md). NULL when nobody
  is identified (development mode).
* DocumentName(): "the name of the current Qlik Sense app, without path but with
  extension"; DocumentPath(): "the full path to the current Qlik Sense app"; DocumentTitle():
  the app's title. Apps here have no files: the name is the app id, the path the app id too.
* ReloadTime(): "a timestamp for when the last data load finished" (a dual in the
  TimestampFormat; NULL before a first reload).
* EngineVersion(), ProductVersion(), QlikViewVersion() (QlikView's name, kept by Sense for
  compatibility), ComputerName(): texts.
* StateName(): the state the expression is evaluated in ('$' for the default state).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from associa.errors import ExpressionError
from associa.expr import ast
from associa.expr.evaluate import Evaluator, Scope, function
from associa.expr.vector import Vec
from associa.values.typed import format_serials

# indices into associa.select.STATE_CODES ("L", "S", "O", "D", "A", "X", "XS", "XL")
LOCKED, SELECTED, OPTION, DESELECTED, ALTERNATIVE, EXCLUDED, SEL_EXCL, LOCK_EXCL = range(8)


@dataclass(frozen=True)
class FieldStatus:
    """A field's values in one selection state.

    ``codes``: a state code per symbol (index into ``associa.select.STATE_CODES``);
    ``selected``: the field's own selection (whatever other fields exclude);
    ``deselected``: its NOT (and-mode) selection; ``alternative``: possible when the field's
    own selection is ignored; ``texts``: the text of each symbol."""

    texts: Sequence[str]
    codes: np.ndarray
    selected: np.ndarray
    deselected: np.ndarray
    alternative: np.ndarray


class Context(Protocol):
    """What field and system functions read (see ``app/context.py``)."""

    state_name: str  # the state the expression is evaluated in
    app_id: str
    app_title: str
    app_path: str
    reload_time: float | None  # serial (days since 1899-12-30), local time
    user: str  # OSUser() text
    # QVUser() text (None: nobody identified); read with getattr, contexts may lack it
    computer_name: str
    engine_version: str
    product_version: str
    dimension_fields: Sequence[str]  # of the object the expression belongs to
    dimension_labels: Sequence[str]
    measure_labels: Sequence[str]

    def field_status(self, field: str, state: str | None = None) -> FieldStatus | None:
        """The field's values in ``state`` (None: the context's own); None for no such
        field. Raises ExpressionError for an unknown state."""
        ...

    def selection_order(self, state: str | None = None) -> Sequence[str]:
        """The fields with a selection in ``state``, in the order they got it."""
        ...


_AMBIENT: ContextVar[Context | None] = ContextVar("associa_expr_context", default=None)


def ambient_context() -> Context | None:
    """The context set by ``using_context`` for this thread (or task), if any."""
    return _AMBIENT.get()


@contextmanager
def using_context(context: Context | None) -> Iterator[None]:
    """Evaluators made inside (without a ``context`` of their own) read ``context``: how
    a caller hands a context to evaluations it does not construct itself."""
    token = _AMBIENT.set(context)
    try:
        yield
    finally:
        _AMBIENT.reset(token)


def _context(ev: Evaluator, call: ast.Call) -> Context:
    ctx = getattr(ev, "context", None) or _AMBIENT.get()
    if ctx is None:
        raise ExpressionError(f"{call.name}() is not available here")
    return ctx


def _name_arg(ev: Evaluator, node: ast.Node, scope: Scope) -> str:
    """A field name argument: a field reference names it, anything else gives it as text."""
    if isinstance(node, ast.FieldRef):
        return node.name
    text = _text_arg(ev, node, scope)
    return "" if text is None else text


def _text_arg(ev: Evaluator, node: ast.Node, scope: Scope) -> str | None:
    if isinstance(node, ast.String):
        return node.value
    v = ev.eval(node, scope)
    if v.n == 0:
        return None
    text, _ = v.value(0, ev.locale)
    return text


def _number_arg(ev: Evaluator, node: ast.Node, scope: Scope, default: float) -> float:
    if isinstance(node, ast.Number):
        return node.value
    v = ev.eval(node, scope)
    if v.n == 0:
        return default
    x = v.as_numbers()[0]
    return default if np.isnan(x) else float(x)


def _args(ev: Evaluator, call: ast.Call, scope: Scope, i: int) -> ast.Node | None:
    """The i-th argument's node, if given."""
    return call.args[i] if len(call.args) > i else None


def _state_arg(ev: Evaluator, call: ast.Call, scope: Scope, i: int) -> str | None:
    node = _args(ev, call, scope, i)
    if node is None:
        return None
    text = _name_arg(ev, node, scope)
    return text or None


def _status(ev: Evaluator, call: ast.Call, scope: Scope, state_index: int | None
            ) -> FieldStatus | None:
    ctx = _context(ev, call)
    field = _name_arg(ev, call.args[0], scope)
    state = None if state_index is None else _state_arg(ev, call, scope, state_index)
    return ctx.field_status(field, state)


def _count(n: int, value: int | None) -> Vec:
    return Vec.nulls(n) if value is None else Vec.constant_number(float(value), n)


def _codes_count(status: FieldStatus | None, *codes: int) -> int | None:
    if status is None:
        return None
    return int(np.isin(status.codes, codes).sum())


# -- counts ---------------------------------------------------------------------------


@function("GETSELECTEDCOUNT", 1, 3)
def get_selected_count(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    status = _status(ev, call, scope, 2)
    include = len(call.args) > 1 and bool(ev.eval(call.args[1], scope).truth()[:1].any())
    codes = (SELECTED, LOCKED, SEL_EXCL, LOCK_EXCL) if include else (SELECTED, LOCKED)
    return _count(scope.n, _codes_count(status, *codes))


@function("GETPOSSIBLECOUNT", 1, 1)
def get_possible_count(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    status = _status(ev, call, scope, None)
    return _count(scope.n, _codes_count(status, SELECTED, LOCKED, OPTION))


@function("GETEXCLUDEDCOUNT", 1, 1)
def get_excluded_count(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    status = _status(ev, call, scope, None)
    return _count(scope.n, _codes_count(status, EXCLUDED))


@function("GETALTERNATIVECOUNT", 1, 1)
def get_alternative_count(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    status = _status(ev, call, scope, None)
    return _count(scope.n, _codes_count(status, ALTERNATIVE))


@function("GETNOTSELECTEDCOUNT", 1, 2)
def get_not_selected_count(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    status = _status(ev, call, scope, None)
    if status is None:
        return Vec.nulls(scope.n)
    include = len(call.args) > 1 and bool(ev.eval(call.args[1], scope).truth()[:1].any())
    mask = status.deselected if include else status.deselected & status.alternative
    return Vec.constant_number(float(mask.sum()), scope.n)


# -- selection texts ------------------------------------------------------------------


def field_selections(status: FieldStatus, value_sep: str = ", ", max_values: int = 6) -> str | None:
    """GetFieldSelections' text of one field (see the module's docstring); None when the
    field has no selection."""
    chosen = np.flatnonzero(status.selected)
    total = len(status.texts)
    x = len(chosen)
    if x == 0:
        refused = np.flatnonzero(status.deselected)
        if len(refused) == 0:
            return None
        if len(refused) <= max_values:
            return "NOT " + value_sep.join(status.texts[int(i)] for i in refused)
        return f"{total - len(refused)} of {total}"
    if x == total and total > max_values:
        return "ALL"
    if x <= max_values:
        return value_sep.join(status.texts[int(i)] for i in chosen)
    if total - x <= max_values:
        rest = np.flatnonzero(~status.selected)
        return "NOT " + value_sep.join(status.texts[int(i)] for i in rest)
    return f"{x} of {total}"


def _text(n: int, text: str | None) -> Vec:
    return Vec.nulls(n) if text is None else Vec.constant_text(text, n)


@function("GETFIELDSELECTIONS", 1, 4)
def get_field_selections(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    status = _status(ev, call, scope, 3)
    if status is None:
        return Vec.nulls(scope.n)
    sep = _arg_text(ev, call, scope, 1, ", ")
    most = int(_arg_number(ev, call, scope, 2, 6))
    return _text(scope.n, field_selections(status, sep, most))


def _arg_text(ev: Evaluator, call: ast.Call, scope: Scope, i: int, default: str) -> str:
    node = _args(ev, call, scope, i)
    if node is None:
        return default
    text = _text_arg(ev, node, scope)
    return default if text is None else text


def _arg_number(ev: Evaluator, call: ast.Call, scope: Scope, i: int, default: float) -> float:
    node = _args(ev, call, scope, i)
    return default if node is None else _number_arg(ev, node, scope, default)


@function("GETCURRENTSELECTIONS", 0, 5)
def get_current_selections(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    ctx = _context(ev, call)
    record_sep = _arg_text(ev, call, scope, 0, "\r\n")
    tag_sep = _arg_text(ev, call, scope, 1, ": ")
    value_sep = _arg_text(ev, call, scope, 2, ", ")
    most = int(_arg_number(ev, call, scope, 3, 6))
    state = _state_arg(ev, call, scope, 4)
    records = []
    for field in ctx.selection_order(state):
        status = ctx.field_status(field, state)
        text = None if status is None else field_selections(status, value_sep, most)
        if text is not None:
            records.append(f"{field}{tag_sep}{text}")
    return _text(scope.n, record_sep.join(records) if records else None)


# -- the object -----------------------------------------------------------------------


def _indexed(ev: Evaluator, call: ast.Call, scope: Scope, items: Sequence[str]) -> Vec:
    index = int(_arg_number(ev, call, scope, 0, 0))
    if not 0 <= index < len(items):
        return Vec.nulls(scope.n)
    return Vec.constant_text(items[index], scope.n)


@function("GETOBJECTFIELD", 0, 1)
def get_object_field(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    return _indexed(ev, call, scope, _context(ev, call).dimension_fields)


@function("GETOBJECTDIMENSION", 0, 1)
def get_object_dimension(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    return _indexed(ev, call, scope, _context(ev, call).dimension_labels)


@function("GETOBJECTMEASURE", 0, 1)
def get_object_measure(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    return _indexed(ev, call, scope, _context(ev, call).measure_labels)


@function("STATENAME", 0, 0)
def state_name(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    return Vec.constant_text(_context(ev, call).state_name or "$", scope.n)


# -- the app and the system -----------------------------------------------------------


def _attribute(name: str, attr: str) -> None:
    @function(name, 0, 0)
    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        return Vec.constant_text(str(getattr(_context(ev, call), attr)), scope.n)


for _name, _attr in (
    ("OSUSER", "user"),
    ("DOCUMENTNAME", "app_id"),
    ("DOCUMENTPATH", "app_path"),
    ("DOCUMENTTITLE", "app_title"),
    ("ENGINEVERSION", "engine_version"),
    ("QLIKVIEWVERSION", "engine_version"),
    ("PRODUCTVERSION", "product_version"),
    ("COMPUTERNAME", "computer_name"),
):
    _attribute(_name, _attr)


@function("QVUSER", 0, 0)
def qv_user(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    text = getattr(_context(ev, call), "qv_user", None)
    return Vec.nulls(scope.n) if text is None else Vec.constant_text(str(text), scope.n)


@function("RELOADTIME", 0, 0)
def reload_time(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    serial = _context(ev, call).reload_time
    if serial is None:
        return Vec.nulls(scope.n)
    text = format_serials(np.array([serial]), ev.locale.timestamp_format, ev.locale)
    return Vec.constant_text(str(text.to_pylist()[0]), scope.n, serial)
