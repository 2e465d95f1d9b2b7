"""String and conditional functions over many rows: NULLs, texts and numbers mixed, each
row's result the same as evaluating that row's values alone, and the work done once per
distinct value."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from associa.expr import REGISTRY, Evaluator, Function, Vec, parse
from associa.expr import strings as strings_module
from tests.expr.test_evaluate import ConstScope
from tests.expr.test_functions import mixed


def run(expr: str, **fields: list) -> list[tuple[str | None, float]]:
    n = len(next(iter(fields.values())))
    scope = ConstScope(n, {name: mixed(vals) for name, vals in fields.items()})
    v = Evaluator().eval(parse(expr), scope)
    assert v.n == n
    return [v.value(i) for i in range(n)]


def out(expr: str, **fields: list) -> list[str | None]:
    return [t for t, _ in run(expr, **fields)]


MIXED = ["a;b;c", None, 12.5, "x", "", "a;b;c", "1;2", None, 3.0, "a;b;c"]


def test_all_new_functions_are_registered() -> None:
    names = {
        "SUBFIELD", "SUBSTRINGCOUNT", "TEXTBETWEEN", "REPEAT", "FINDONEOF", "LEVENSHTEINDIST",
        "APPLYCODEPAGE", "EVALUATE", "JSONGET", "JSONSET", "ISJSON", "CLASS", "COALESCE",
        "EMPTYISNULL", "ISPARTIALRELOAD",
    }
    for base in ("COUNTREGEX", "EXTRACTREGEX", "EXTRACTREGEXGROUP", "INDEXREGEX", "MATCHREGEX",
                 "REPLACEREGEX", "REPLACEREGEXGROUP", "SUBFIELDREGEX"):
        names |= {base, base + "I"}
    assert names <= set(REGISTRY)


def test_subfield_per_row_with_nulls_and_numbers() -> None:
    assert out("SubField(X, ';', 2)", X=MIXED) == [
        "b", None, None, None, None, "b", "2", None, None, "b",
    ]
    # a NULL text reads as empty: part 1 is the empty string
    assert out("SubField(X, ';', 1)", X=MIXED) == [
        "a", "", "12.5", "x", "", "a", "1", "", "3", "a",
    ]


def test_subfield_field_number_varies_per_row() -> None:
    n = ["1", 2.0, -1.0, None, 0.0, 4.0]
    s = ["a;b;c"] * 6
    assert out("SubField(S, ';', N)", S=s, N=n) == ["a", "b", "c", None, None, None]


def test_results_match_one_row_evaluation() -> None:
    exprs = [
        "SubField(X, ';', -1)",
        "SubStringCount(X, ';')",
        "TextBetween('<' & X & '>', '<', '>')",
        "Repeat(X, 2)",
        "FindOneOf(X, ';.')",
        "LevenshteinDist(X, 'a;b')",
        "Class(X, 5)",
        "EmptyIsNull(X)",
        "Coalesce(X, 'none')",
        "ExtractRegEx(X, '[0-9]+')",
        "IsJson(X)",
    ]
    for expr in exprs:
        many = run(expr, X=MIXED)
        for i, value in enumerate(MIXED):
            one = run(expr, X=[value])[0]
            assert (many[i][0], _num(many[i][1])) == (one[0], _num(one[1])), (expr, value)


def _num(x: float) -> float | None:
    return None if math.isnan(x) else x


def test_each_distinct_combination_is_computed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple] = []
    original = strings_module._textbetween

    def counting(*args: Any) -> strings_module.Result:
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(strings_module, "_textbetween", counting)
    monkeypatch.setitem(
        REGISTRY,
        "TEXTBETWEEN",
        Function(
            "TEXTBETWEEN", 3, 4, REGISTRY["TEXTBETWEEN"].kind,
            lambda ev, call, scope: strings_module._apply(
                ev, call, scope, counting, "text", numeric=(3,)
            ),
        ),
    )
    values = ["<a>", "<b>", None, "<a>"] * 250
    result = out("TextBetween(X, '<', '>')", X=values)
    assert result == ["a", "b", None, "a"] * 250
    assert sorted(c[0] for c in calls) == ["<a>", "<b>"]


def test_distinct_helper_combines_columns() -> None:
    a = np.array(["x", "y", "x", "y", "x"], dtype=object)
    b = np.array([1.0, 1.0, 2.0, 1.0, 1.0])
    seen: list[tuple] = []

    def fn(s: str, k: float) -> str:
        seen.append((s, k))
        return f"{s}{k:g}"

    results, inv = strings_module._distinct([a, b], np.arange(5), fn)
    assert [results[j] for j in inv] == ["x1", "y1", "x2", "y1", "x1"]
    assert len(seen) == 3


def test_numbers_are_read_as_their_text() -> None:
    assert out("SubStringCount(X, '0')", X=[100.0, 0.5, "100"]) == ["2", "1", "2"]
    assert out("Repeat(X, 2)", X=[1.5, None, "ab"]) == ["1.51.5", None, "abab"]


def test_class_per_row_is_dual() -> None:
    rows = run("Class(X, 10, 'v')", X=[23.0, "7", None, "abc", -0.5, 10.0])
    assert rows[0] == ("20 <= v < 30", 20.0)
    assert rows[1] == ("0 <= v < 10", 0.0)
    assert rows[2][0] is None and rows[3][0] is None
    assert rows[4] == ("-10 <= v < 0", -10.0)
    assert rows[5] == ("10 <= v < 20", 10.0)


def test_class_width_per_row() -> None:
    rows = run("Class(23, W)", W=[10.0, 5.0, 0.0, None])
    assert [t for t, _ in rows] == ["20 <= x < 30", "20 <= x < 25", None, None]


def test_coalesce_per_row_keeps_duals() -> None:
    scope = ConstScope(4, {
        "X": mixed([None, "a", None, ""]),
        "Y": Vec(np.array([3.0, 4.0, math.nan, 5.0]),
                 np.array(["three", "four", None, "five"], dtype=object),
                 np.array([False, False, True, False])),
    })
    v = Evaluator().eval(parse("Coalesce(X, Y, 'z')"), scope)
    assert v.value(0) == ("three", 3.0)
    assert v.value(1)[0] == "a" and math.isnan(v.value(1)[1])
    assert v.value(2)[0] == "z"
    assert v.value(3)[0] == ""  # an empty text is not NULL


def test_emptyisnull_per_row() -> None:
    assert out("EmptyIsNull(X)", X=["", "a", None, 0.0, " "]) == [None, "a", None, "0", " "]


def test_evaluate_per_row() -> None:
    rows = run("Evaluate(X)", X=["1+2", "Bob", None, "2*3", "1+2", "Upper('q')", "(("])
    assert [t for t, _ in rows] == ["3", None, None, "6", "3", "Q", None]
    assert rows[0][1] == 3.0


def test_regex_functions_per_row() -> None:
    x = ["a1b22", "none", None, "333", 42.0]
    assert out("CountRegEx(X, '[0-9]+')", X=x) == ["2", "0", None, "1", "1"]
    assert out("ExtractRegEx(X, '[0-9]+', -1)", X=x) == ["22", None, None, "333", "42"]
    assert out("MatchRegEx(X, '[0-9]+', '[a-z]+')", X=x) == ["0", "2", None, "1", "1"]
    assert out("ReplaceRegEx(X, '[0-9]', '#')", X=x) == ["a#b##", "none", None, "###", "##"]
    pat = ["[a-z]", "(", "[0-9]", "x", None]
    assert out("IndexRegEx('ab12', P)", P=pat) == ["1", None, "3", "0", None]


def test_json_per_row() -> None:
    docs = ['{"a":1}', '{"a":"t"}', None, "bad", '{"b":2}']
    rows = run("JsonGet(X, '/a')", X=docs)
    assert [t for t, _ in rows] == ["1", "t", None, None, None]
    assert rows[0][1] == 1.0 and math.isnan(rows[1][1])
    assert out("JsonSet(X, '/a', 5)", X=docs) == ['{"a":5}', '{"a":5}', None, None,
                                                  '{"b":2,"a":5}']


def test_levenshtein_of_pairs() -> None:
    assert out("LevenshteinDist(X, Y)", X=["kitten", "", "abc", None], Y=["sitting", "ab", "abc", "x"]) == [
        "3", "2", "0", None,
    ]
    assert strings_module.levenshtein("flaw", "lawn") == 2


def test_findoneof_count_per_row() -> None:
    assert out("FindOneOf('abcabc', 'c', N)", N=[1.0, 2.0, 3.0, None, -1.0]) == [
        "3", "6", "0", None, "0",
    ]


def test_ispartialreload_is_false_in_charts() -> None:
    assert run("IsPartialReload()", X=[1.0, 2.0]) == [("0", 0.0), ("0", 0.0)]


def test_repeat_refuses_huge_texts() -> None:
    from associa.errors import ExpressionError

    with pytest.raises(ExpressionError):
        run("Repeat('abc', 1e9)", X=[1.0])
