"""Search strings matched over Arrow against the rules written plainly in Python (every
text made as a string), on texts that take every path: ASCII and not, case variants
(``ß``, Kelvin sign, Turkish dotted I), regular-expression characters, white space other
than spaces, numbers rendered by default and stored as loaded."""

from __future__ import annotations

import re

import numpy as np
import pytest

from associa.model.builder import model_from_rows
from associa.select.search import search_symbols
from associa.values.dual import Dual

TEXTS = [
    "North", "north east", "Northwest", "NORTH", "South", "south-north", "Nord Ost",
    "Straße", "STRASSE", "strasse", "Kelvin \u212a", "kelvin k", "İstanbul", "istanbul",
    "a.b*c", "a+b", "(x)", "[y]", "x|y", "tab\tseparated", "new\nline", "50% off",
    "under_score", "back\\slash", "Café", "cafe", "ÉCOLE", "école", "", " ", "Zoë",
    "x\x1fy", "x\x0by", "non\u00a0break",
]
NUMBERS = [1, 2, 10, 12.5, -3, 100, 0.25]


@pytest.fixture(scope="module")
def model():
    values = TEXTS + NUMBERS + [None]
    return model_from_rows({"T": {"F": values, "Id": list(range(len(values)))}})


def plain(model, name: str, text: str) -> list[int]:
    """The rules with Python strings (what the engine did before Arrow)."""
    sym = model.fields[name].symbols
    texts = [sym.text(i) for i in range(len(sym))]
    text = text.strip()
    if not text:
        return []
    if "*" in text or "?" in text:
        pattern = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                          for c in text.strip('"'))
        rx = re.compile(pattern, re.IGNORECASE | re.DOTALL)
        return [i for i, t in enumerate(texts) if rx.fullmatch(t)]
    terms = [t.casefold() for t in text.strip('"').split()]
    out = []
    for i, t in enumerate(texts):
        value = t.casefold()
        words = value.split()
        if value == " ".join(terms) or all(any(w.startswith(x) for w in words) for x in terms):
            out.append(i)
    return out


SEARCHES = [
    "no", "NORTH", "north east", "ost", "str", "strasse", "STRAß", "k", "\u212a", "kel k",
    "i", "İst", "ist", "caf", "CAFÉ", "éc", "zo", "a.b", "(x", "[y", "x|", "50%", "back\\",
    "separated", "line", "y", "break", "1", "12", "-3", "0.2",
    "no*", "*north*", "N?rth", "*", "?", "a.b\\*c", "a.b*", "*+*", "(*)", "[*]", "*|*",
    "tab*", "new?line", "*%*", "under_*", "*ß*", "*SS*", "caf?", "*É*", "1*", "*.5",
    '"north east"', '"no*"',
]


@pytest.mark.parametrize("text", SEARCHES)
def test_search_matches_the_plain_rules(model, text):
    assert search_symbols(model, "F", text) == plain(model, "F", text)


def test_numeric_conditions(model):
    sym = model.fields["F"].symbols
    got = {sym.num(i) for i in search_symbols(model, "F", ">=1<12")}
    assert got == {1.0, 2.0, 10.0}
    assert {sym.num(i) for i in search_symbols(model, "F", "=100")} == {100.0}
    # a condition on something that is not a number is a text search
    assert search_symbols(model, "F", ">x") == plain(model, "F", ">x")
    ids = model.fields["Id"].symbols
    assert len(search_symbols(model, "Id", "<5")) == 5 and ids.num(0) == 0


def test_search_reads_numbers_rendered_by_default():
    model = model_from_rows({"T": {"N": list(range(1, 2001))}})
    sym = model.fields["N"].symbols
    assert sym.stored_texts() is None  # no text stored: all rendered
    hits = search_symbols(model, "N", "19*")
    assert [sym.text(i) for i in hits] == [t for t in map(str, range(1, 2001))
                                            if t.startswith("19")]
    assert search_symbols(model, "N", "2000") == [1999]


def test_random_texts_agree():
    rng = np.random.default_rng(0)
    alphabet = list("aAbBsSß .*?-_\t") + ["\u212a", "é", "É"]
    values = list({"".join(rng.choice(alphabet, rng.integers(0, 8))) for _ in range(400)})
    model = model_from_rows({"T": {"F": values}})
    for _ in range(60):
        text = "".join(rng.choice(alphabet + ["*", "?"], rng.integers(1, 4)))
        assert search_symbols(model, "F", text) == plain(model, "F", text), repr(text)


def test_numeric_conditions_on_dates():
    """A bound written as a date or timestamp is its serial number (help "Set modifiers
    with searches": dates in a search are written as the field shows them)."""
    days = {"2014-12-31": 42004.0, "2015-01-01": 42005.0, "2015-06-30": 42185.0}
    values = [Dual(t, n) for t, n in days.items()]
    dated = model_from_rows({"T": {"D": values}})
    sym = dated.fields["D"].symbols
    hits = {sym.text(i) for i in search_symbols(dated, "D", ">=2015-01-01")}
    assert hits == {"2015-01-01", "2015-06-30"}
    hits = {sym.text(i) for i in search_symbols(dated, "D", ">12/31/2014<6/30/2015")}
    assert hits == {"2015-01-01"}
