"""Search strings: which symbols of a field a Qlik search matches.

A search is one of:

* numeric conditions (``>10``, ``>=1<5``, ``=3``): symbols whose number satisfies all;
* a wildcard pattern (``No*``, ``?orth``): the whole text matches, ``*`` any run of
  characters, ``?`` one character, case-insensitive;
* words: each word of the search starts a word of the text (case-insensitive,
  ``str.casefold``; words split at white space), or the whole text is the words;
* a fuzzy search (``~term``): every value sorted by resemblance; selecting by it takes
  the most alike.

Texts are read as one Arrow array (``model.orders.texts``) and matched by Arrow's regular
expressions where that is exact: texts in ASCII with an ASCII pattern, where case folding
is ASCII lower case. Texts outside ASCII (few, usually) are matched in Python with the same
rules, so no Python string is made for the others.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from difflib import SequenceMatcher

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.model import DataModel
from associa.model import orders as model_orders
from associa.values import parse_number
from associa.values.dual import interpret_dual

_NUMERIC_SEARCH = re.compile(r"^\s*(?:(<=|>=|<|>|=)\s*([^<>=]+?))+\s*$")
_COND = re.compile(r"(<=|>=|<|>|=)\s*([^<>=]+)")
# what str.split() splits ASCII at
_ASCII_SPACE = "[\\t\\n\\x{0b}\\x{0c}\\r\\x{1c}-\\x{1f} ]"


def fuzzy_order(model: DataModel, name: str, text: str) -> list[int]:
    """A fuzzy search (``~term``, help "Fuzzy search": every value, sorted by its
    resemblance to the term): all symbols with a text, the most alike first (difflib's
    ratio of the case-folded texts; ties in symbol order)."""
    term = text.strip().lstrip("~").strip().casefold()
    texts = model_orders.texts(model, name).to_pylist()
    scores = [(-SequenceMatcher(None, term, t.casefold()).ratio(), i)
              for i, t in enumerate(texts) if t is not None]
    return [i for _, i in sorted(scores)]


def search_symbols(model: DataModel, name: str, text: str) -> list[int]:
    """Symbols matching a Qlik search string (see the module docstring), ascending. A
    fuzzy search (``~term``) matches the value most like the term (``fuzzy_order``)."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("~"):
        return fuzzy_order(model, name, text)[:1]
    if _NUMERIC_SEARCH.match(text):
        hits = _numeric(model, name, text)
        if hits is not None:
            return hits
    texts = model_orders.texts(model, name)
    if "*" in text or "?" in text:
        pattern = text.strip('"')
        rx = _wildcard(pattern)
        arrow = None
        if pattern.isascii():
            arrow = "(?s)^" + "".join(".*" if c == "*" else "." if c == "?" else _literal(c)
                                      for c in pattern) + "$"
        return _matches(texts, [] if arrow is None else [arrow], arrow is None,
                        lambda t: rx.fullmatch(t) is not None)
    terms = [t.casefold() for t in text.strip('"').split()]

    def words_match(value: str) -> bool:
        return _words_match(value, terms)

    if all(t.isascii() for t in terms):
        patterns = [f"(?:^|{_ASCII_SPACE})" + "".join(_literal(c) for c in t) for t in terms]
        return _matches(texts, patterns, False, words_match)
    # a term outside ASCII starts no word of an ASCII text: only the others can match
    return _matches(texts, None, False, words_match)


def matches_text(text: str, search: str) -> bool:
    """Whether a search string matches one text that is no field value (an object's
    title), by the rules above: a numeric search the text's number, a wildcard pattern
    the whole text, words the text's words."""
    search = search.strip()
    if not search:
        return False
    if _NUMERIC_SEARCH.match(search):
        conds = _conditions(search)
        if conds is not None:
            num = parse_number(text)
            return num is not None and bool(_holding(np.array([num]), conds)[0])
    if "*" in search or "?" in search:
        return _wildcard(search.strip('"')).fullmatch(text) is not None
    return _words_match(text, [t.casefold() for t in search.strip('"').split()])


def _wildcard(pattern: str) -> re.Pattern[str]:
    """A wildcard pattern (``*`` any run, ``?`` one character) as a regular expression
    matched case-insensitively against a whole text."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                              for c in pattern), re.IGNORECASE | re.DOTALL)


def _words_match(value: str, terms: list[str]) -> bool:
    """Each term (case folded) starts a word of the value, or the value is the terms."""
    value = value.casefold()
    words = value.split()
    return value == " ".join(terms) or all(any(w.startswith(t) for w in words) for t in terms)


def _conditions(text: str) -> list[tuple[str, float]] | None:
    """The (operator, number) conditions of a numeric search; None when a bound is no
    number. A bound may be a date or timestamp (``>=2015-01-01``, ``<1/2/2015``): its
    serial number, as the value's interpretation gives it."""
    conds: list[tuple[str, float]] = []
    for op, val in _COND.findall(text):
        num = parse_number(val.strip())
        if num is None:
            num = interpret_dual(val.strip()).num
            if num is None or math.isnan(num):
                return None
        conds.append((op, num))
    return conds or None


def _holding(nums: np.ndarray, conds: list[tuple[str, float]]) -> np.ndarray:
    """Which numbers meet every condition (NaN none)."""
    ok = ~np.isnan(nums)
    for op, num in conds:
        with np.errstate(invalid="ignore"):
            ok &= {
                "<": nums < num,
                "<=": nums <= num,
                ">": nums > num,
                ">=": nums >= num,
                "=": nums == num,
            }[op]
    return ok


def _numeric(model: DataModel, name: str, text: str) -> list[int] | None:
    conds = _conditions(text)
    if conds is None:
        return None
    sym = model.fields[name].symbols
    return np.flatnonzero(_holding(sym.nums_at(np.arange(len(sym))), conds)).tolist()


def _literal(c: str) -> str:
    """One character as an RE2 literal."""
    return c if c.isascii() and c.isalnum() else f"\\x{{{ord(c):x}}}"


def _matches(texts: pa.Array, patterns: list[str] | None, every_text_in_python: bool,
             match: Callable[[str], bool]) -> list[int]:
    """Symbols whose text matches. ASCII texts: all of the RE2 ``patterns`` (searched,
    case-insensitive); ``None``: no ASCII text matches. The other texts (every text with
    ``every_text_in_python``): ``match`` in Python."""
    n = len(texts)
    if not n:
        return []
    if every_text_in_python:
        others = np.arange(n)
        hits = np.zeros(n, dtype=bool)
    else:
        ascii_ = pc.string_is_ascii(texts).to_numpy(zero_copy_only=False)
        hits = np.zeros(n, dtype=bool) if patterns is None else ascii_.copy()
        for pattern in patterns or []:
            found = pc.match_substring_regex(texts, pattern, ignore_case=True)
            hits &= found.to_numpy(zero_copy_only=False)
        others = np.flatnonzero(~ascii_)
    if len(others):
        values = texts.take(pa.array(others)).to_pylist()
        for i, value in zip(others.tolist(), values, strict=True):
            if match(value):
                hits[i] = True
    return np.flatnonzero(hits).tolist()
