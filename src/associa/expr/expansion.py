"""Dollar-sign expansion and variables in chart expressions.

Before a chart expression is parsed, every ``$(…)`` in it is replaced by text (Qlik help,
"Dollar-sign expansions": "The replacement is made just before the script statement or the
expression is evaluated. Technically it is a macro expansion."):

* ``$(v)``: the variable's text; "If variablename does not exist, the expansion will result
  in an empty string" ("Dollar-sign expansion using a variable"). A variable whose value
  starts with ``=`` is a calculated variable: its text is that expression's result;
* ``$(#v)``: the variable's number with a '.' decimal point, 0 when it has none (same page);
* ``$(v(a, b))``: the text with ``$1``, ``$2`` … replaced by the arguments and ``$0`` by their
  count ("Dollar-sign expansions with parameters"; a missing parameter stays as written);
* ``$(=expr)``: the expression evaluated once, its text inserted ("Dollar-sign expansion using
  an expression").

Expansions nest, the innermost first, and text an expansion inserts is expanded again (a
variable's value may hold ``$(…)`` itself). "Any expansion over 1000 levels of nested
expansions will not be calculated" (help, "Dollar-sign expansions"): past
``MAX_EXPANSIONS`` an ``ExpressionError`` says so (a variable expanding to itself ends there).

A bare name that is no field but a variable stands for the variable's value ("Variables":
a variable holding an expression can be used by name in a chart expression):
``substitute_variables`` puts the value in its place, parenthesised. Measures, calculated
dimensions of list objects and list expressions all read bare names this way
(``calc/expressions.prepare``). Open question, recorded: Qlik's help describes a direct
reference as using the variable's *value*: "If you use a direct reference, the variable
value will be used in the calculation. If you use a dollar-sign expansion, the entire
dollar-sign expansion will be replaced by the variable value before the expression is
parsed" (help "References to fields, measures, and variables",
https://betahelp.qlik.com/en-US/cloud-services/Subsystems/Hub/Content/Sense_Hub/Expressions/references-fields-measures-variables.htm),
and for vSales = 'Sum(Sales)' used directly as a measure the result is the string
Sum(Sales), no calculation made (help "Examples of using a variable in an expression",
read in its Chinese edition,
https://help.qlik.com/zh-CN/sense/May2023/Subsystems/Hub/Content/Sense_Hub/Variables/use-variables-expression.htm;
likewise https://community.qlik.com/t5/App-Development/What-is-that-construct/m-p/1977451:
a measure =expr1 with expr1 = Sum(Sales) shows "the static text 'Sum(Sales)'"); here such
a name is evaluated as the expression it holds.

The load script has its own expansion (``script/expansion.py``: includes, ScriptError);
argument splitting is shared with it.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping

from associa.errors import ExpressionError
from associa.expr.tokens import T, tokenize
from associa.script.expansion import _split_args
from associa.values import auto_format, parse_number

MAX_EXPANSIONS = 1000


def expand(text: str, variables: Mapping[str, str], evaluate: Callable[[str], str]) -> str:
    """Expand every ``$(…)`` in ``text``. ``evaluate(expr)`` gives the text of an
    expression's value (for ``$(=expr)`` and calculated variables)."""
    count = 0
    while True:
        start = text.rfind("$(")
        if start < 0:
            return text
        end = closing(text, start + 1)
        if end < 0:
            raise ExpressionError(f"Missing ')' in dollar-sign expansion: {text[start:]}")
        inner = text[start + 2 : end]
        text = text[:start] + _expand_one(inner, variables, evaluate) + text[end + 1 :]
        count += 1
        if count > MAX_EXPANSIONS:
            raise ExpressionError(
                f"Too many dollar-sign expansions (more than {MAX_EXPANSIONS}): "
                "a variable may expand to itself")


def closing(text: str, open_pos: int) -> int:
    """The offset of the ')' closing the '(' at ``open_pos`` (quotes count: a ')' inside
    '…' or "…" or […] does not close)."""
    depth = 0
    quote = ""
    for j in range(open_pos, len(text)):
        ch = text[j]
        if quote:
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "[":
            quote = "]"
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return j
    return -1


def _value(name: str, variables: Mapping[str, str], evaluate: Callable[[str], str]) -> str:
    value = variables.get(name, "")
    stripped = value.lstrip()
    if stripped.startswith("="):
        return evaluate(stripped[1:])
    return value


def _expand_one(inner: str, variables: Mapping[str, str],
                evaluate: Callable[[str], str]) -> str:
    body = inner.strip()
    if body.startswith("="):
        return evaluate(body[1:])
    if body.startswith("#"):
        value = _value(body[1:].strip(), variables, evaluate)
        num = parse_number(value) if value else None
        if num is None and value:
            num = parse_number(value.replace(",", "."))
        return auto_format(num if num is not None else 0.0)
    paren = body.find("(")
    if paren > 0 and body.endswith(")"):
        name = body[:paren].strip()
        args = _split_args(body[paren + 1 : -1])
        value = _value(name, variables, evaluate)
        for i in range(len(args), 0, -1):
            value = value.replace(f"${i}", args[i - 1])
        return value.replace("$0", str(len(args)))
    return _value(body, variables, evaluate)


def substitute_variables(text: str, variables: Mapping[str, str], fields: Container[str],
                         evaluate: Callable[[str], str] | None = None) -> str:
    """Names in ``text`` that are no field (nor function) but a variable, replaced by the
    variable's value in parentheses (a calculated variable's ``=`` dropped: its expression
    is evaluated where it stands), the names in that value replaced in turn. A value that
    is no expression goes in as a string. Names inside set expressions (``{…}``) are left
    alone. A variable whose value leads back to itself is an ExpressionError, found as
    soon as the chain comes back, as is a chain of more than ``MAX_EXPANSIONS``
    variables (followed without recursion)."""
    if not variables:
        return text
    spans = _variable_names(text, variables, fields)
    if not spans:
        return text
    done: dict[str, str] = {}
    for _, _, name in spans:
        _resolve(name, variables, fields, done)
    return _replaced(text, spans, done)


def _variable_names(text: str, variables: Mapping[str, str],
                    fields: Container[str]) -> list[tuple[int, int, str]]:
    """(start, end, name) of each bare variable name in ``text``."""
    try:
        tokens = tokenize(text)
    except ExpressionError:
        return []  # the parser reports it
    out: list[tuple[int, int, str]] = []
    braces = 0
    for i, tok in enumerate(tokens):
        if tok.is_op("{"):
            braces += 1
        elif tok.is_op("}"):
            braces = max(0, braces - 1)
        if braces or tok.kind not in (T.NAME, T.QUOTED):
            continue
        if tokens[i + 1].is_op("(") or tok.value in fields or tok.value not in variables:
            continue
        out.append((tok.pos, _token_end(text, tok.pos, tok.kind), tok.value))
    return out


def _replaced(text: str, spans: list[tuple[int, int, str]], done: Mapping[str, str]) -> str:
    out: list[str] = []
    last = 0
    for start, end, name in spans:
        out += [text[last:start], done[name]]
        last = end
    out.append(text[last:])
    return "".join(out)


def _resolve(name: str, variables: Mapping[str, str], fields: Container[str],
             done: dict[str, str]) -> None:
    """Put in ``done`` what the variable ``name`` stands for (its value as an operand,
    its own variable names replaced), and what each variable it leads to stands for:
    depth first, over a stack of the variables being resolved (outermost first)."""
    # each entry: name, value, its variable names, those still to resolve
    stack: list[tuple[str, str, list[tuple[int, int, str]], list[str]]] = []

    def push(n: str) -> None:
        if len(stack) >= MAX_EXPANSIONS:
            raise ExpressionError(
                f"Too many variable substitutions (more than {MAX_EXPANSIONS}): "
                "a variable may refer to itself")
        value = variables[n].strip()
        if value.startswith("="):
            value = value[1:].strip()
        spans = (_variable_names(value, variables, fields)
                 if _as_operand(value).startswith("(") else [])
        stack.append((n, value, spans, [s[2] for s in reversed(spans)]))

    if name in done:
        return
    push(name)
    while stack:
        n, value, spans, pending = stack[-1]
        while pending and pending[-1] in done:
            pending.pop()
        if pending:
            nxt = pending.pop()
            chain = [entry[0] for entry in stack]
            if nxt in chain:
                loop = " -> ".join([*chain[chain.index(nxt):], nxt])
                raise ExpressionError(
                    f"Variable {nxt} refers to itself ({loop}): a variable may not "
                    "refer to itself")
            push(nxt)
            continue
        stack.pop()
        operand = _as_operand(value)
        if operand.startswith("("):  # an expression: its own names replaced
            operand = "(" + _replaced(value, spans, done) + ")"
        done[n] = operand


def _token_end(text: str, pos: int, kind: T) -> int:
    if kind is T.NAME:
        j = pos + 1
        while j < len(text) and (text[j].isalnum() or text[j] in "_$@.#%" or ord(text[j]) > 127):
            j += 1
        return j
    close = {"[": "]", '"': '"', "`": "`"}[text[pos]]
    j = pos + 1
    while j < len(text):
        if text[j] == close:
            if close != "]" and j + 1 < len(text) and text[j + 1] == close:
                j += 2
                continue
            return j + 1
        j += 1
    return len(text)


def _as_operand(value: str) -> str:
    from associa.expr.parser import parse

    if not value:
        return "Null()"
    try:
        parse(value)
    except ExpressionError:
        return "'" + value.replace("'", "''") + "'"
    return f"({value})"
