"""Dollar-sign expansion: textual replacement of ``$(…)`` before a statement is parsed.

* ``$(v)``: the variable's text (empty when undefined);
* ``$(v(a, b))``: the text with ``$1``, ``$2`` … replaced by the arguments;
* ``$(#v)``: the variable's number with a '.' decimal point;
* ``$(=expr)``: the expression evaluated (by a callback), its text inserted;
* ``$(Include=path)`` / ``$(Must_Include=path)`` inside a statement: the file's text (by a
  callback; as a statement of its own, an include runs the file's statements instead).

Expansions nest: the innermost ``$(…)`` is expanded first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from associa.errors import ScriptError
from associa.values import auto_format, parse_number

MAX_EXPANSIONS = 1000
_INCLUDE = re.compile(r"(must_)?include\s*=(.*)\Z", re.IGNORECASE | re.DOTALL)


def _split_args(text: str) -> list[str]:
    args: list[str] = []
    depth = 0
    quote = ""
    cur: list[str] = []
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    args.append("".join(cur).strip())
    return args


def expand(
    text: str,
    variables: Mapping[str, str],
    evaluate: Callable[[str], str] | None = None,
    include: Callable[[str, bool], str] | None = None,
) -> str:
    """Expand every ``$(…)`` in ``text``. ``include(path, must)`` gives an included
    file's text."""
    count = 0
    while True:
        start = text.rfind("$(")
        if start < 0:
            return text
        depth = 0
        end = -1
        for j in range(start + 1, len(text)):
            if text[j] == "(":
                depth += 1
            elif text[j] == ")":
                depth -= 1
                if depth == 0:
                    end = j
                    break
        if end < 0:
            raise ScriptError("Missing ')' in dollar-sign expansion")
        inner = text[start + 2 : end]
        text = text[:start] + _expand_one(inner, variables, evaluate, include) + text[end + 1 :]
        count += 1
        if count > MAX_EXPANSIONS:
            raise ScriptError("Too many nested dollar-sign expansions")


def _expand_one(
    inner: str, variables: Mapping[str, str], evaluate: Callable[[str], str] | None,
    include: Callable[[str, bool], str] | None = None,
) -> str:
    body = inner.strip()
    m = _INCLUDE.match(body)
    if m:
        if include is None:
            raise ScriptError(f"Cannot include files here: $({inner})")
        return include(m.group(2).strip(), bool(m.group(1)))
    if body.startswith("="):
        if evaluate is None:
            raise ScriptError(f"Cannot evaluate $({inner}) here")
        return evaluate(body[1:])
    if body.startswith("#"):
        value = variables.get(body[1:].strip(), "")
        num = parse_number(value) if value else None
        if num is None:
            num = parse_number(value.replace(",", ".")) if value else None
        return auto_format(num if num is not None else 0.0)
    paren = body.find("(")
    if paren > 0 and body.endswith(")"):
        name = body[:paren].strip()
        args = _split_args(body[paren + 1 : -1])
        value = variables.get(name, "")
        for i in range(len(args), 0, -1):
            value = value.replace(f"${i}", args[i - 1])
        return value.replace("$0", str(len(args)))
    return variables.get(body, "")


def unexpanded_offset(offset: int, original: str, expanded: str) -> int:
    """An offset in the expanded statement, mapped back to the statement as written:
    text before and after the expanded part keeps its place; inside it, the offset is
    that of the ``$(`` that produced it."""
    if original == expanded:
        return offset
    limit = min(len(original), len(expanded))
    prefix = 0
    while prefix < limit and original[prefix] == expanded[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and original[-1 - suffix] == expanded[-1 - suffix]:
        suffix += 1
    if offset < prefix:
        return offset
    if offset >= len(expanded) - suffix:
        return offset - len(expanded) + len(original)
    start = original.rfind("$(", 0, prefix + 2)
    return start if start >= 0 else prefix
