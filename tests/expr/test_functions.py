"""Scalar functions: the registry, and behaviour over many rows (the one-row cases are in
tests/golden/expr/functions.txt)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from associa.errors import ExpressionError
from associa.expr import FUNCTIONS, Evaluator, Vec, ast, parse
from associa.values import DEFAULT_LOCALE


def mixed(values: list[str | float | None]) -> Vec:
    """A field of mixed values: str is text, a number a number, None NULL."""
    n = len(values)
    num = np.full(n, math.nan)
    text = np.empty(n, dtype=object)
    null = np.zeros(n, dtype=bool)
    for i, v in enumerate(values):
        if v is None:
            null[i] = True
        elif isinstance(v, str):
            text[i] = v
        else:
            num[i] = float(v)
    return Vec(num, text, null)


class RowScope:
    """Rows with fields given as Python values (str, float, None); also a load-script
    record scope (RecNo/RowNo) when ``script`` is set."""

    def __init__(self, script: bool = False, **columns: list) -> None:
        self.n = len(next(iter(columns.values()))) if columns else 3
        self.locale = DEFAULT_LOCALE
        self.columns = columns
        if script:
            self.rec_no = lambda: Vec.numbers(np.array([3.0, 5.0, 9.0])[: self.n])
            self.row_no = lambda: Vec.numbers(np.arange(1, self.n + 1, dtype=float) + 10)

    def field(self, name: str) -> Vec:
        return mixed(self.columns[name])

    def aggregate(self, call: ast.Call, evaluator: Evaluator) -> Vec:
        raise AssertionError("no aggregation expected")


def values(text: str, scope: RowScope) -> list[tuple[str | None, float | None]]:
    v = Evaluator().eval(parse(text), scope)
    out = []
    for i in range(v.n):
        t, x = v.value(i)
        out.append((t, None if math.isnan(x) else x))
    return out


def texts(text: str, scope: RowScope) -> list[str | None]:
    return [t for t, _ in values(text, scope)]


# -- the registry --------------------------------------------------------------------------


LISTED = [
    "IF",
    "NULL",
    "ISNULL",
    "ALT",
    "ROUND",
    "FLOOR",
    "CEIL",
    "MOD",
    "NUM",
    "DUAL",
    "UPPER",
    "LOWER",
    "TRIM",
    "LEFT",
    "RIGHT",
    "MID",
    "LEN",
    "TEXT",
    "CHR",
    "ORD",
    "RECNO",
    "ROWNO",
]


@pytest.mark.parametrize("name", LISTED)
def test_registered(name: str) -> None:
    lo, hi, impl = FUNCTIONS[name]
    assert 0 <= lo <= hi and callable(impl)


def test_registry_names_are_upper_case() -> None:
    assert all(name == name.upper() for name in FUNCTIONS)


@pytest.mark.parametrize(
    ("name", "lo", "hi"),
    [
        ("IF", 2, 3),
        ("NULL", 0, 0),
        ("ROUND", 1, 3),
        ("MID", 2, 3),
        ("LEFT", 2, 2),
        ("NUM", 1, 4),
        ("DUAL", 2, 2),
        ("RECNO", 0, 0),
    ],
)
def test_arity(name: str, lo: int, hi: int) -> None:
    assert FUNCTIONS[name][:2] == (lo, hi)
    scope = RowScope(X=[1.0])
    if lo > 0:
        with pytest.raises(ExpressionError, match=f"Wrong number of arguments to {name}"):
            values(f"{name}({', '.join(['1'] * (lo - 1))})", scope)
    with pytest.raises(ExpressionError, match=f"Wrong number of arguments to {name}"):
        values(f"{name}({', '.join(['1'] * (hi + 1))})", scope)


def test_function_names_are_case_insensitive() -> None:
    scope = RowScope(X=[1.0])
    assert values("upper('a') & UPPER('b') & uPpEr('c')", scope) == [("ABC", None)]


# -- many rows -----------------------------------------------------------------------------


def test_if_chooses_per_row_and_keeps_duals() -> None:
    scope = RowScope(X=[1.0, 2.0, None, 4.0])
    assert values("If(X > 1, X * 10, 'low')", scope) == [
        ("low", None),
        ("20", 20.0),
        ("low", None),
        ("40", 40.0),
    ]
    assert texts("If(X = 2, 'two')", scope) == [None, "two", None, None]


def test_alt_per_row() -> None:
    scope = RowScope(X=[1.0, "a", None], Y=["b", 2.0, 3.0])
    assert values("Alt(X, Y, 0)", scope) == [("1", 1.0), ("2", 2.0), ("3", 3.0)]


def test_isnull_per_row() -> None:
    scope = RowScope(X=[1.0, None, "", "x"])
    assert texts("IsNull(X)", scope) == ["0", "-1", "0", "0"]


def test_numeric_functions_per_row() -> None:
    scope = RowScope(X=[2.5, -2.4, None, "x", "7"])
    assert texts("Round(X)", scope) == ["3", "-2", None, None, "7"]
    assert texts("Floor(X)", scope) == ["2", "-3", None, None, "7"]
    assert texts("Ceil(X)", scope) == ["3", "-2", None, None, "7"]


def test_round_with_step_per_row() -> None:
    scope = RowScope(X=[1.234, 5.678], S=[0.1, 0.01])
    v = values("Round(X, S)", scope)
    assert [t for t, _ in v] == ["1.2", "5.68"]
    assert v[1][1] == pytest.approx(5.68)


def test_mod_per_row() -> None:
    scope = RowScope(X=[7.0, -4.0, 7.5, 4.0], Y=[2.0, 3.0, 2.0, -3.0])
    assert texts("Mod(X, Y)", scope) == ["1", "2", None, None]


def test_num_formats_each_row() -> None:
    scope = RowScope(X=[1.0, 2.345, None, "abc"])
    assert values("Num(X, '0.0')", scope) == [
        ("1.0", 1.0),
        ("2.3", 2.345),
        (None, None),
        (None, None),
    ]


def test_dual_per_row() -> None:
    scope = RowScope(T=["one", "two"], X=[1.0, 2.0])
    assert values("Dual(T, X)", scope) == [("one", 1.0), ("two", 2.0)]
    assert texts("Dual(T, X) + 1", scope) == ["2", "3"]


def test_string_functions_per_row() -> None:
    scope = RowScope(S=[" Abc ", "xyZ", None, 12.0])
    assert texts("Upper(S)", scope) == [" ABC ", "XYZ", None, "12"]
    assert texts("Lower(S)", scope) == [" abc ", "xyz", None, "12"]
    assert texts("Trim(S)", scope) == ["Abc", "xyZ", None, "12"]
    assert texts("Left(S, 2)", scope) == [" A", "xy", None, "12"]
    assert texts("Right(S, 2)", scope) == ["c ", "yZ", None, "12"]
    assert texts("Mid(S, 2, 2)", scope) == ["Ab", "yZ", None, "2"]
    assert values("Len(S)", scope) == [("5", 5.0), ("3", 3.0), (None, None), ("2", 2.0)]


def test_string_function_results_are_text() -> None:
    scope = RowScope(S=["123"])
    assert values("Left(S, 2)", scope) == [("12", None)]
    # but arithmetic reads them as numbers
    assert values("Left(S, 2) * 1", scope) == [("12", 12.0)]


def test_left_count_per_row() -> None:
    scope = RowScope(S=["abcdef"] * 3, K=[1.0, 3.0, None])
    assert texts("Left(S, K)", scope) == ["a", "abc", None]


def test_infinite_positions_and_counts_take_all_or_nothing() -> None:
    scope = RowScope(S=["abc"])
    assert texts("Left(S, 1e400)", scope) == ["abc"]
    assert texts("Left(S, -1e400)", scope) == [""]
    assert texts("Right(S, 1e400)", scope) == ["abc"]
    assert texts("Right(S, -1e400)", scope) == [""]
    assert texts("Mid(S, -1e400, 1e400)", scope) == ["abc"]
    assert texts("Mid(S, 1e400)", scope) == [""]


def test_trim_removes_spaces_only() -> None:
    scope = RowScope(S=["\t a \t"])
    assert texts("Trim(S)", scope) == ["\t a \t"]


def test_text_and_chr_and_ord_per_row() -> None:
    scope = RowScope(X=[65.0, 97.5, None], S=["A", "", "é"])
    assert texts("Chr(X)", scope) == ["A", "a", None]
    assert values("Ord(S)", scope) == [("65", 65.0), (None, None), ("233", 233.0)]
    assert values("Text(X)", scope) == [("65", None), ("97.5", None), (None, None)]


def test_null_and_booleans_have_no_text() -> None:
    scope = RowScope(X=[1.0, 2.0])
    assert values("Null()", scope) == [(None, None), (None, None)]
    assert values("True() & False()", scope) == [("-10", None), ("-10", None)]


# -- load-script record functions ------------------------------------------------------------


def test_recno_and_rowno_come_from_the_scope() -> None:
    scope = RowScope(script=True, X=[1.0, 2.0, 3.0])
    assert texts("RecNo()", scope) == ["3", "5", "9"]
    assert texts("RowNo() * 2", scope) == ["22", "24", "26"]


@pytest.mark.parametrize("fn", ["RecNo", "RowNo"])
def test_recno_outside_a_load_is_an_error(fn: str) -> None:
    with pytest.raises(ExpressionError, match=f"{fn}\\(\\) is only available in a load script"):
        values(f"{fn}()", RowScope(X=[1.0]))


def test_rand_gives_one_number_per_row_in_unit_interval() -> None:
    from associa.script import run_script

    result = run_script("T: LOAD RecNo() as ID, Rand() as Value AUTOGENERATE 100;")
    model = result.model
    values = [model.fields["Value"].symbols.num(i) for i in range(len(model.fields["Value"].symbols))]
    assert model.tables["T"].nrows == 100
    assert len(values) > 90 and all(0 <= v < 1 for v in values)
