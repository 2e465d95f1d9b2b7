"""The evaluator: golden cases (tests/golden/expr/*.txt) and vector semantics.

Golden file format, one case per line::

    expression => qText | qNum

* ``NULL`` as the whole expectation: the result is NULL; ``ERROR``: parsing or evaluating
  raises ``ExpressionError``;
* qNum ``NaN``: the value has no number; qNum may be left out (only the text is checked);
* a qText in single quotes keeps its blanks (``''`` is the empty string);
* ``#`` starts a comment line.

Cases are evaluated in a one-row scope with the fields ``A`` = 1, ``B`` = 2, ``S`` = 'abc',
``Z`` = NULL and ``D`` = Dual('x', 3). Where Qlik does not document a behaviour the case
follows qlik-language.md §11 (precedence §11.1, case rules §11.2, text operands §11.15).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from associa.errors import ExpressionError
from associa.expr import AGGREGATIONS, Evaluator, Vec, ast, parse
from associa.expr.vector import where
from associa.values import DEFAULT_LOCALE, Locale

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "expr"


class ConstScope:
    """A scope of ``n`` rows with fixed fields (each a constant unless given as a Vec)."""

    def __init__(
        self, n: int = 1, fields: dict[str, Vec] | None = None, locale: Locale = DEFAULT_LOCALE
    ) -> None:
        self.n = n
        self.locale = locale
        self.fields = fields if fields is not None else golden_fields(n)
        self.aggregated: list[ast.Call] = []

    def field(self, name: str) -> Vec:
        if name not in self.fields:
            raise ExpressionError(f"Field '{name}' not found")
        return self.fields[name]

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        self.aggregated.append(call)
        arg = evaluator.eval(call.args[0], self)
        return Vec.constant_number(float(np.nansum(arg.num)), self.n)


def golden_fields(n: int) -> dict[str, Vec]:
    return {
        "A": Vec.constant_number(1.0, n),
        "B": Vec.constant_number(2.0, n),
        "S": Vec.constant_text("abc", n),
        "Z": Vec.nulls(n),
        "D": Vec.constant_text("x", n, 3.0),
    }


def evaluate(text: str, scope: ConstScope | None = None) -> Vec:
    scope = scope or ConstScope()
    return Evaluator(scope.locale).eval(parse(text), scope)


# -- golden cases --------------------------------------------------------------------------


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    return text


def golden_cases() -> list:
    cases = []
    for path in sorted(GOLDEN.glob("*.txt")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            expr, sep, expected = line.rpartition(" => ")
            assert sep, f"{path.name}:{lineno}: no ' => ' in {line!r}"
            cases.append(
                pytest.param(
                    expr.strip(), expected.strip(), id=f"{path.stem}:{lineno}:{expr.strip()}"
                )
            )
    return cases


@pytest.mark.parametrize(("expr", "expected"), golden_cases())
def test_golden(expr: str, expected: str) -> None:
    if expected == "ERROR":
        with pytest.raises(ExpressionError):
            evaluate(expr)
        return
    text, num = evaluate(expr).value(0)
    if expected == "NULL":
        assert text is None, f"{expr} gave {text!r} | {num!r}, expected NULL"
        return
    want_text, sep, want_num = expected.rpartition(" | ")
    if not sep:
        want_text, want_num = expected, ""
    assert text == _unquote(want_text.strip())
    if want_num:
        if want_num == "NaN":
            assert math.isnan(num), f"{expr}: qNum {num!r}, expected NaN"
        else:
            assert num == pytest.approx(float(want_num), rel=1e-12, abs=1e-12)


def test_golden_files_exist() -> None:
    names = {p.name for p in GOLDEN.glob("*.txt")}
    assert {"operators.txt", "null.txt", "functions.txt"} <= names
    assert len(golden_cases()) > 250


# -- vectors: many rows at once ------------------------------------------------------------


def _vec_scope() -> ConstScope:
    x = Vec.numbers(np.array([1.0, 2.0, np.nan, 4.0]))
    s = Vec(
        np.array([np.nan, 5.0, np.nan, np.nan]),
        np.array(["a", "5", None, "B"], dtype=object),
        np.array([False, False, True, False]),
    )
    return ConstScope(4, {"X": x, "S": s})


def rows(v: Vec) -> list[tuple[str | None, float]]:
    return [v.value(i) for i in range(v.n)]


def test_arithmetic_per_row_with_nulls() -> None:
    v = evaluate("X * 10 + 1", _vec_scope())
    assert [t for t, _ in rows(v)] == ["11", "21", None, "41"]


def test_comparison_per_row_mixes_numeric_and_text() -> None:
    v = evaluate("S = 5", _vec_scope())
    assert [t for t, _ in rows(v)] == ["0", "-1", "0", "0"]
    v = evaluate("S = X", _vec_scope())  # row 3: NULL = NULL
    assert [t for t, _ in rows(v)] == ["0", "0", None, "0"]


def test_concat_per_row() -> None:
    v = evaluate("S & '-' & X", _vec_scope())
    assert [t for t, _ in rows(v)] == ["a-1", "5-2", "-", "B-4"]


def test_if_per_row() -> None:
    v = evaluate("If(X >= 2, S, 'small')", _vec_scope())
    assert [t for t, _ in rows(v)] == ["small", "5", "small", "B"]
    assert rows(v)[1] == ("5", 5.0)


def test_like_per_row() -> None:
    v = evaluate("S like 'b'", _vec_scope())
    assert [t for t, _ in rows(v)] == ["0", "0", "0", "-1"]


def test_constant_is_broadcast() -> None:
    v = evaluate("'k'", _vec_scope())
    assert v.n == 4 and [t for t, _ in rows(v)] == ["k"] * 4


def test_where_mixes_text_and_numbers() -> None:
    a = Vec.constant_text("t", 2)
    b = Vec.constant_number(7.0, 2)
    v = where(np.array([True, False]), a, b)
    assert v.value(0)[0] == "t" and math.isnan(v.value(0)[1])
    assert v.value(1) == ("7", 7.0)


# -- locale ------------------------------------------------------------------------------


def test_concat_uses_locale_decimal_separator() -> None:
    comma = Locale.from_variables({"DecimalSep": ",", "ThousandSep": "."})
    v = evaluate("7 / 2 & ''", ConstScope(locale=comma))
    assert v.value(0)[0] == "3,5"


# -- aggregations and special nodes ---------------------------------------------------------


def test_aggregation_is_delegated_to_scope() -> None:
    scope = ConstScope()
    v = evaluate("Sum(A + B) * 2", scope)
    assert v.value(0) == ("6", 6.0)
    assert [c.name for c in scope.aggregated] == ["SUM"]
    assert AGGREGATIONS >= {"SUM", "COUNT", "AVG", "MIN", "MAX", "ONLY"}


def test_an_aggregations_set_expression_goes_to_its_scope() -> None:
    scope = ConstScope()
    evaluate("Sum({$<A={1}>} B)", scope)
    assert [c.set_text for c in scope.aggregated] == ["{$<A={1}>}"]


def test_aggregation_takes_its_number_of_arguments() -> None:
    with pytest.raises(ExpressionError, match="Wrong number of arguments to SUM"):
        evaluate("Sum(A, B)")
    with pytest.raises(ExpressionError, match="Wrong number of arguments to CONCAT"):
        evaluate("Concat(A, ',', B, C)")


def test_star_outside_count_is_an_error() -> None:
    with pytest.raises(ExpressionError):
        Evaluator().eval(ast.Star(), ConstScope())


def test_unknown_function_names_it() -> None:
    with pytest.raises(ExpressionError, match="Unknown function: FOO"):
        evaluate("foo(1)")


def test_wrong_argument_count_names_function() -> None:
    with pytest.raises(ExpressionError, match="Wrong number of arguments to LEFT"):
        evaluate("Left('a')")


def test_results_are_booleans_minus_one_and_zero() -> None:
    v = evaluate("1 < 2")
    assert v.text is None and v.num[0] == -1.0
    v = evaluate("1 > 2")
    assert v.num[0] == 0.0


def test_huge_numbers_in_bit_operators_do_not_overflow() -> None:
    assert evaluate("1e30 bitand 1").value(0)[0] is not None
    assert evaluate("4294967297 bitand 3").value(0) == ("1", 1.0)


# -- fuzzing: nothing but a syntax or evaluation error ever comes out -------------------

_PIECES = ["1", "0", "-2.5", "'a'", "'10'", "A", "B", "S", "Z", "D", "+", "-", "*", "/", "&",
           "=", "<>", "<", ">=", " and ", " or ", " not ", " like ", "(", ")", ",", "{",
           "}", "<A={1}>", "Sum(", "If(", "Len(", "Mid(", "Date(", "Num(", "RangeSum(",
           "Pick(", "Match(", "SubField(", "WeekDay(", "Pow(", "Round(", "Aggr(", "Above(",
           "Class(", "Rank(", "Only(", "$(", "[", "]", "\"", " TOTAL ", " DISTINCT "]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14))
def test_any_text_parses_and_evaluates_or_fails_cleanly(pieces: list[str]) -> None:
    text = "".join(pieces)
    try:
        evaluate(text)
    except ExpressionError:
        pass
