"""More string functions (help "String functions"): SubField, SubStringCount, TextBetween,
Repeat, FindOneOf, LevenshteinDist, ApplyCodepage, Evaluate, the JSON functions (IsJson,
JsonGet, JsonSet) and the regular-expression family (CountRegEx, ExtractRegEx,
ExtractRegExGroup, IndexRegEx, MatchRegEx, ReplaceRegEx, ReplaceRegExGroup, SubFieldRegEx,
each with its case-insensitive ``…I`` variant).

Every function here depends only on its arguments' values, so it is computed once per
distinct combination of argument values (``_distinct``) and the results are mapped back to
the rows: a column of a million rows with a few hundred distinct texts costs a few hundred
calls. Non-text arguments are read as their text (a number as it is displayed); counts and
positions are read as numbers (truncated towards zero).

NULL rules (help pages, and qlik-language.md §6.12 where the help is silent): a NULL
argument gives NULL, except where a page documents otherwise (SubField of a NULL text is
the empty string).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from associa.errors import ExpressionError
from associa.expr import ast
from associa.expr.evaluate import Evaluator, Scope, function
from associa.expr.vector import Vec
from associa.values import Locale

Result = str | float | tuple[str, float] | None


# -- the per-distinct-value machinery -------------------------------------------------------


def _distinct(
    columns: Sequence[np.ndarray], rows: np.ndarray, fn: Callable[..., Result]
) -> tuple[list[Result], np.ndarray]:
    """``fn`` applied once per distinct combination of the argument values of ``rows``:
    the results, and for each of ``rows`` the index of its result."""
    if not len(rows):
        return [], np.zeros(0, dtype=np.int64)
    key = np.zeros(len(rows), dtype=np.int64)
    for col in columns:
        codes, size = _factorize(col[rows])
        key = key * size + codes
        _, key = np.unique(key, return_inverse=True)  # keep the key small
        key = key.reshape(-1)
    _, first, inv = np.unique(key, return_index=True, return_inverse=True)
    results = [fn(*(col[rows[i]] for col in columns)) for i in first]
    return results, inv.reshape(-1)


def _factorize(values: np.ndarray) -> tuple[np.ndarray, int]:
    """A code per value (equal values, equal codes) and the number of distinct values.
    Texts go through a dict, much faster than sorting Python strings."""
    if values.dtype == object:
        index: dict[Any, int] = {}
        codes = np.fromiter((index.setdefault(v, len(index)) for v in values),
                            dtype=np.int64, count=len(values))
        return codes, len(index)
    _, inv = np.unique(values, return_inverse=True)
    inv = inv.reshape(-1).astype(np.int64)
    return inv, int(inv.max()) + 1


def _assemble(n: int, rows: np.ndarray, found: tuple[list[Result], np.ndarray], kind: str) -> Vec:
    """A vector from the results of ``_distinct``; a None result is NULL. ``kind``: 'text'
    (str results), 'num' (float) or 'dual' ((text, number) pairs, or str)."""
    results, inv = found
    if kind == "num":
        values = np.array([math.nan if x is None else x for x in results], dtype=np.float64)
        num = np.full(n, math.nan)
        num[rows] = values[inv]
        return Vec.numbers(num)
    u_text = np.empty(len(results), dtype=object)
    u_num = np.full(len(results), math.nan)
    u_null = np.zeros(len(results), dtype=bool)
    for j, x in enumerate(results):
        if x is None:
            u_null[j] = True
        elif isinstance(x, tuple):
            u_text[j], u_num[j] = x
        else:
            u_text[j] = x
    text = np.empty(n, dtype=object)
    num = np.full(n, math.nan)
    null = np.ones(n, dtype=bool)
    text[rows] = u_text[inv]
    num[rows] = u_num[inv]
    null[rows] = u_null[inv]
    return Vec(num, text, null)


def _apply(
    ev: Evaluator,
    call: ast.Call,
    scope: Scope,
    fn: Callable[..., Result],
    kind: str,
    numeric: tuple[int, ...] = (),
    null_as_empty: tuple[int, ...] = (),
) -> Vec:
    """Evaluate the arguments (those at ``numeric`` positions as numbers, the others as
    texts) and apply ``fn`` per distinct combination (an omitted optional argument takes
    ``fn``'s default). A NULL argument gives NULL, except at ``null_as_empty`` positions,
    where it reads as the empty text."""
    columns: list[np.ndarray] = []
    null = np.zeros(scope.n, dtype=bool)
    for i, arg in enumerate(call.args):
        v = ev.eval(arg, scope)
        columns.append(v.as_numbers() if i in numeric else v.text_or_empty(ev.locale))
        if i not in null_as_empty:
            null |= v.null
    rows = np.flatnonzero(~null)
    return _assemble(scope.n, rows, _distinct(columns, rows, fn), kind)


def _count(x: float) -> int | None:
    """An occurrence number or count from a number (truncated); None when it has none."""
    if math.isnan(x):
        return None
    if math.isinf(x):
        return 2**62 if x > 0 else -(2**62)
    return int(x)


# -- SubField, SubStringCount, TextBetween, Repeat, FindOneOf, LevenshteinDist ---------------


def _subfield(text: str, delimiter: str, field_no: float = 1.0) -> Result:
    """Help "SubField": the field_no-th part of text split at delimiter, counting from the
    end when negative; NULL when there is no such part. An empty delimiter does not split."""
    k = _count(field_no)
    if not k:
        return None
    parts = text.split(delimiter) if delimiter else [text]
    if abs(k) > len(parts):
        return None
    return parts[k - 1] if k > 0 else parts[k]


@function("SUBFIELD", 2, 3)
def subfield(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    # In a chart the two-argument form is a value, the first part (the LOAD statement's
    # one-row-per-part form is the script's concern); a NULL text reads as empty (help
    # "SubField": SubField(Null, ';', 1) returns an empty string).
    return _apply(ev, call, scope, _subfield, "text", numeric=(2,),
                  null_as_empty=(0,))


def _substringcount(text: str, sub: str) -> Result:
    return float(text.count(sub)) if sub else 0.0


function("SUBSTRINGCOUNT", 2, 2)(
    lambda ev, call, scope: _apply(ev, call, scope, _substringcount, "num")
)


def _textbetween(text: str, before: str, after: str, n: float = 1.0) -> Result:
    """Help "TextBetween": the text between the n-th occurrence of ``before`` and the
    first ``after`` following it; NULL when either is not found."""
    k = _count(n)
    if k is None or k < 1:
        return None
    at = -1
    for _ in range(k):
        at = text.find(before, at + 1)
        if at < 0:
            return None
        if not before:
            break  # an empty delimiter is found at the start only
    start = at + len(before)
    end = text.find(after, start)
    if end < 0:
        return None
    return text[start:end]


function("TEXTBETWEEN", 3, 4)(
    lambda ev, call, scope: _apply(ev, call, scope, _textbetween, "text", numeric=(3,))
)

_MAX_REPEAT_CHARS = 100_000_000


def _repeat(text: str, count: float = 1.0) -> Result:
    k = _count(count)
    if k is None:
        return None
    k = max(k, 0)
    if text and k * len(text) > _MAX_REPEAT_CHARS:
        raise ExpressionError("Repeat() would make a text of more than 100 million characters")
    return text * k


function("REPEAT", 1, 2)(
    lambda ev, call, scope: _apply(ev, call, scope, _repeat, "text", numeric=(1,))
)


def _findoneof(text: str, chars: str, count: float = 1.0) -> Result:
    """Help "FindOneOf": the position of the count-th character of text that is one of
    chars, 0 when there is none."""
    k = _count(count)
    if k is None:
        return None
    if k < 1 or not chars:
        return 0.0
    wanted = set(chars)
    seen = 0
    for i, ch in enumerate(text):
        if ch in wanted:
            seen += 1
            if seen == k:
                return float(i + 1)
    return 0.0


function("FINDONEOF", 2, 3)(
    lambda ev, call, scope: _apply(ev, call, scope, _findoneof, "num", numeric=(2,))
)


def levenshtein(a: str, b: str) -> int:
    """The least number of one-character insertions, deletions and substitutions that turn
    a into b (case-sensitive)."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


function("LEVENSHTEINDIST", 2, 2)(
    lambda ev, call, scope: _apply(ev, call, scope, lambda a, b: float(levenshtein(a, b)),
                                   "num")
)


def _applycodepage(text: str, codepage: float) -> Result:
    # Texts are decoded Unicode already: applying a code page to them changes nothing
    # (help "ApplyCodepage" is about reading differently encoded sources). The code page
    # must be a number.
    return None if math.isnan(codepage) else text


function("APPLYCODEPAGE", 2, 2)(
    lambda ev, call, scope: _apply(ev, call, scope, _applycodepage, "text", numeric=(1,))
)


# -- Evaluate -------------------------------------------------------------------------------


class _NoFieldsScope:
    """One row and no fields: where Evaluate() evaluates a text."""

    n = 1

    def __init__(self, locale: Locale) -> None:
        self.locale = locale

    def field(self, name: str) -> Vec:
        raise ExpressionError(f"Field '{name}' not found")

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        raise ExpressionError("Aggregations are not allowed in Evaluate()")


@function("EVALUATE", 1, 1)
def evaluate(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """Help "Evaluate": the value of the text read as an expression, NULL when it is not a
    valid one (a name that is no field, as in Evaluate('Bob'), is not)."""
    from associa.expr.parser import parse

    inner = _NoFieldsScope(ev.locale)

    def one(text: str) -> Result:
        try:
            v = ev.eval(parse(text), inner)
        except (ExpressionError, RecursionError, ValueError, TypeError, ZeroDivisionError):
            return None
        t, x = v.value(0, ev.locale)
        if t is None:
            return None
        return (t, x)

    return _apply(ev, call, scope, one, "dual")


# -- JSON -----------------------------------------------------------------------------------


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _json_result(value: Any) -> Result:
    """What JsonGet returns for a JSON value: a string's characters, a number as a dual
    (its JSON text and its value), anything else as compact JSON text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return _json_text(value)
    if isinstance(value, int | float):
        return (_json_text(value), float(value))
    return _json_text(value)


def _pointer(path: str) -> list[str] | None:
    """The reference tokens of an RFC 6901 JSON pointer, None when it is not one."""
    if path == "":
        return []
    if not path.startswith("/"):
        return None
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _index(token: str, size: int) -> int | None:
    if token.isdigit() and (token == "0" or not token.startswith("0")):
        i = int(token)
        return i if i < size else None
    return None


def _loads(text: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(text)
    except (ValueError, RecursionError):
        return False, None


def _jsonget(text: str, path: str) -> Result:
    ok, doc = _loads(text)
    tokens = _pointer(path)
    if not ok or tokens is None:
        return None
    node = doc
    for token in tokens:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and (i := _index(token, len(node))) is not None:
            node = node[i]
        else:
            return None
    return _json_result(node)


def _jsonset(text: str, path: str, value: str) -> Result:
    """Help "JsonSet": the JSON with the value at path set or inserted (an object member is
    added, an array index equal to the length appends); NULL for invalid JSON, an invalid
    path or a path whose parent is missing."""
    ok, doc = _loads(text)
    ok_value, new = _loads(value)
    tokens = _pointer(path)
    if not ok or not ok_value or tokens is None:
        return None
    if not tokens:
        return _json_text(new)
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and (i := _index(token, len(node))) is not None:
            node = node[i]
        else:
            return None
    last = tokens[-1]
    if isinstance(node, dict):
        node[last] = new
    elif isinstance(node, list):
        if last == "-":
            node.append(new)
        elif (i := _index(last, len(node) + 1)) is not None:
            if i == len(node):
                node.append(new)
            else:
                node[i] = new
        else:
            return None
    else:
        return None
    return _json_text(doc)


_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "value": lambda v: True,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _isjson(text: str, kind: str = "value") -> Result:
    """Help "IsJson": -1 when text is valid JSON (of the given type), else 0; an unknown
    type gives 0."""
    test = _JSON_TYPES.get(kind.lower())
    ok, doc = _loads(text)
    return -1.0 if ok and test is not None and test(doc) else 0.0


function("JSONGET", 2, 2)(lambda ev, call, scope: _apply(ev, call, scope, _jsonget, "dual"))
function("JSONSET", 3, 3)(lambda ev, call, scope: _apply(ev, call, scope, _jsonset, "text"))
function("ISJSON", 1, 2)(
    lambda ev, call, scope: _apply(ev, call, scope, _isjson, "num")
)


# -- regular expressions --------------------------------------------------------------------


@lru_cache(maxsize=512)
def _regex(pattern: str, fold: bool) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, re.IGNORECASE if fold else 0)
    except (re.error, RecursionError, OverflowError):
        return None


def _matches(pattern: str, fold: bool, text: str) -> list[re.Match[str]] | None:
    rx = _regex(pattern, fold)
    return None if rx is None else list(rx.finditer(text))


def _nth(items: list, k: int | None) -> Any:
    """The k-th item (1-based), from the end when k is negative; None when out of range."""
    if not k or abs(k) > len(items):
        return None
    return items[k - 1] if k > 0 else items[k]


def _regex_family(fold: bool) -> dict[str, tuple[int, int, Callable[..., Vec]]]:
    def count(text: str, rx: str) -> Result:
        found = _matches(rx, fold, text)
        return None if found is None else float(len(found))

    def extract(text: str, rx: str, field_no: float = 1.0) -> Result:
        found = _matches(rx, fold, text)
        m = None if found is None else _nth(found, _count(field_no))
        return None if m is None else m.group(0)

    def extract_group(text: str, rx: str, group: float, field_no: float = 1.0) -> Result:
        found = _matches(rx, fold, text)
        m = None if found is None else _nth(found, _count(field_no))
        g = _count(group)
        if m is None or g is None:
            return None
        groups = [m.group(0), *m.groups()]
        if g < 0:  # counted from the last group
            g = len(groups) + g
        if not 0 <= g < len(groups) or groups[g] is None:
            return None
        return groups[g]

    def index(text: str, rx: str, n: float = 1.0) -> Result:
        found = _matches(rx, fold, text)
        if found is None:
            return None
        m = _nth(found, _count(n))
        return 0.0 if m is None else float(m.start() + 1)

    def replace(text: str, rx: str, to: str, occurrence: float = 0.0) -> Result:
        found = _matches(rx, fold, text)
        k = _count(occurrence)
        if found is None or k is None:
            return None
        chosen = found if k == 0 else [m for m in [_nth(found, k)] if m is not None]
        return _splice(text, [(m.start(), m.end()) for m in chosen], to)

    def replace_group(text: str, rx: str, to: str, group: float,
                      occurrence: float = 0.0) -> Result:
        found = _matches(rx, fold, text)
        k, g = _count(occurrence), _count(group)
        if found is None or k is None or g is None:
            return None
        chosen = found if k == 0 else [m for m in [_nth(found, k)] if m is not None]
        spans = []
        for m in chosen:
            n_groups = len(m.groups())
            gi = g if g >= 0 else n_groups + 1 + g
            if 0 <= gi <= n_groups and m.start(gi) >= 0:
                spans.append((m.start(gi), m.end(gi)))
        return _splice(text, spans, to)

    def subfield_rx(text: str, rx: str, field_no: float = 1.0) -> Result:
        compiled = _regex(rx, fold)
        if compiled is None:
            return None
        parts, at = [], 0
        for m in compiled.finditer(text):
            if m.end() == m.start():
                continue  # an empty match divides nothing
            parts.append(text[at : m.start()])
            at = m.end()
        parts.append(text[at:])
        return _nth(parts, _count(field_no))

    def impl(fn: Callable[..., Result], kind: str,
             numeric: tuple[int, ...]) -> Callable[..., Vec]:
        return lambda ev, call, scope: _apply(ev, call, scope, fn, kind, numeric)

    def match(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        # the 1-based position of the first pattern that matches the whole text, else 0
        def first(text: str, *patterns: str) -> Result:
            for i, p in enumerate(patterns, 1):
                compiled = _regex(p, fold)
                if compiled is not None and compiled.fullmatch(text) is not None:
                    return float(i)
            return 0.0

        values = [ev.eval(arg, scope) for arg in call.args]
        null = values[0].null
        columns = [v.text_or_empty(ev.locale) for v in values]
        rows = np.flatnonzero(~null)
        return _assemble(scope.n, rows, _distinct(columns, rows, first), "num")

    return {
        "COUNTREGEX": (2, 2, impl(count, "num", ())),
        "EXTRACTREGEX": (2, 3, impl(extract, "text", (2,))),
        "EXTRACTREGEXGROUP": (3, 4, impl(extract_group, "text", (2, 3))),
        "INDEXREGEX": (2, 3, impl(index, "num", (2,))),
        "MATCHREGEX": (2, 999, match),
        "REPLACEREGEX": (3, 4, impl(replace, "text", (3,))),
        "REPLACEREGEXGROUP": (4, 5, impl(replace_group, "text", (3, 4))),
        "SUBFIELDREGEX": (2, 3, impl(subfield_rx, "text", (2,))),
    }


def _splice(text: str, spans: list[tuple[int, int]], to: str) -> str:
    out, at = [], 0
    for start, end in sorted(spans):
        if start < at:
            continue
        out.append(text[at:start])
        out.append(to)
        at = end
    out.append(text[at:])
    return "".join(out)


for _fold, _suffix in ((False, ""), (True, "I")):
    for _name, (_lo, _hi, _impl) in _regex_family(_fold).items():
        function(_name + _suffix, _lo, _hi)(_impl)
