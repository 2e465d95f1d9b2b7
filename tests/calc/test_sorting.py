"""SortCriteria in list objects and hypercube columns.

Two kinds of checks: brute force over small random fields, where the expected order comes
from a plain-Python reading of the rules (states, frequencies and expression values worked
out row by row, independently of the engine's inference); and the cases the real engine
recorded (corectl goldens: ``values``/``fields`` list objects sorted by frequency, ``eval``
hypercubes) plus hand-checked examples of each flag's sign.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from associa.calc import HyperCube, ListObject
from associa.model import DataModel
from associa.model.builder import model_from_rows
from associa.select import Inference, SelectionState
from associa.values import DEFAULT_LOCALE
from tests.calc import state_of

CORECTL = {
    "TableA": {"abcs": ["a", "b", "b", "b", "c"], "numbers": [1, 2, 3, 4, 5]},
    "TableB": {"xyz": ["x", "y", "y", "y", "z"], "numbers": [5, 4, 3, 2, 1]},
}

FLAGS = (
    "qSortByState",
    "qSortByGreyness",
    "qSortByExpression",
    "qSortByFrequency",
    "qSortByNumeric",
    "qSortByAscii",
    "qSortByLoadOrder",
)
SORT_EXPRESSION = "Max(V)"


def list_layout(
    model: DataModel,
    field: str,
    criteria: dict[str, Any] | None = None,
    state: SelectionState | None = None,
    **extra: Any,
) -> dict[str, Any]:
    qdef: dict[str, Any] = {"qFieldDefs": [field]}
    if criteria is not None:
        qdef["qSortCriterias"] = [criteria]
    definition = {
        "qDef": qdef,
        "qShowAlternatives": True,
        "qInitialDataFetch": [{"qWidth": 1, "qHeight": 1000}],
        **extra,
    }
    inf = Inference(model, state or SelectionState())
    return ListObject(model, inf, definition).layout()


def list_cells(layout: dict[str, Any]) -> list[dict[str, Any]]:
    return [row[0] for row in layout["qDataPages"][0]["qMatrix"]]


def list_texts(layout: dict[str, Any]) -> list[str]:
    return [c["qText"] for c in list_cells(layout)]


def cube_layout(
    model: DataModel,
    dims: list[dict[str, Any]],
    measures: list[dict[str, Any]],
    state: SelectionState | None = None,
    **extra: Any,
) -> dict[str, Any]:
    definition = {
        "qDimensions": dims,
        "qMeasures": measures,
        "qInitialDataFetch": [{"qWidth": 5, "qHeight": 1000}],
        **extra,
    }
    inf = Inference(model, state or SelectionState())
    return HyperCube(model, inf, definition, DEFAULT_LOCALE).layout()


def dim(field: str, criteria: dict[str, Any] | None = None) -> dict[str, Any]:
    qdef: dict[str, Any] = {"qFieldDefs": [field]}
    if criteria is not None:
        qdef["qSortCriterias"] = [criteria]
    return {"qDef": qdef}


def column(layout: dict[str, Any], col: int = 0) -> list[str]:
    return [row[col]["qText"] for row in layout["qDataPages"][0]["qMatrix"]]


# -- brute force over random fields ------------------------------------------------------


class Case:
    """A random one-table model and selection, with every value's facts worked out by
    walking the rows (no engine code involved)."""

    POOL: tuple[Any, ...] = (0, 1, 2, 3, 7, 10, 2.5, -4, "a", "A", "b", "B", "ab", "Zed", "z")

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        n = rng.randint(6, 30)
        pool = rng.sample(self.POOL, rng.randint(3, len(self.POOL)))
        self.f = [rng.choice(pool) for _ in range(n)]
        if rng.random() < 0.3:
            self.f[rng.randrange(n)] = None  # a NULL (not a value of the field)
        self.g = [rng.choice(["g1", "g2", "g3"]) for _ in range(n)]
        self.v = [rng.choice([None, *range(-5, 20)]) for _ in range(n)]
        self.model = model_from_rows({"T": {"F": self.f, "G": self.g, "V": self.v}})
        values = [x for x in self.f if x is not None]
        self.sel_f = set(rng.sample(values, rng.randint(1, 3))) if rng.random() < 0.5 else None
        self.sel_g = {rng.choice(self.g)} if rng.random() < 0.6 else None
        selections: dict[str, list[Any]] = {}
        if self.sel_f:
            selections["F"] = list(self.sel_f)
        if self.sel_g:
            selections["G"] = list(self.sel_g)
        self.state = state_of(self.model, **selections)

        # the distinct values in load order (numbers are one value whatever their type)
        self.values: list[Any] = []
        for x in self.f:
            if x is not None and x not in self.values:
                self.values.append(x)

    def other_ok(self, i: int) -> bool:
        return self.sel_g is None or self.g[i] in self.sel_g

    def possible_row(self, i: int) -> bool:
        return self.other_ok(i) and (self.sel_f is None or self.f[i] in self.sel_f)

    def rows_of(self, x: Any) -> list[int]:
        return [i for i in range(len(self.f)) if self.f[i] is not None and self.f[i] == x]

    def state_code(self, x: Any) -> str:
        possible = any(self.possible_row(i) for i in self.rows_of(x))
        if self.sel_f is None:
            return "O" if possible else "X"
        if x in self.sel_f:
            return "S" if possible else "XS"
        return "A" if any(self.other_ok(i) for i in self.rows_of(x)) else "X"

    def frequency(self, x: Any) -> int:
        return sum(1 for i in self.rows_of(x) if self.possible_row(i))

    def expression(self, x: Any) -> float | None:
        vals = [self.v[i] for i in self.rows_of(x) if self.possible_row(i) and self.v[i] is not None]
        return max(vals) if vals else None

    @staticmethod
    def text(x: Any) -> str:
        return x if isinstance(x, str) else (str(int(x)) if float(x).is_integer() else repr(x))

    def expected_order(self, criteria: dict[str, int]) -> list[str]:
        texts = [self.text(x) for x in self.values]
        alpha = sorted(range(len(texts)), key=lambda i: (texts[i].casefold(), texts[i]))
        ascii_rank = {i: r for r, i in enumerate(alpha)}
        state_rank = {"S": 0, "O": 1, "A": 2, "XS": 3, "X": 4}

        def key(i: int) -> tuple:
            x = self.values[i]
            parts: list[Any] = []
            for name in FLAGS:
                s = criteria.get(name, 0)
                if not s:
                    continue
                if name == "qSortByState":
                    parts.append(s * state_rank[self.state_code(x)])
                elif name == "qSortByGreyness":
                    parts.append(s * (self.state_code(x) in ("A", "X", "XS")))
                elif name == "qSortByExpression":
                    e = self.expression(x)
                    parts += [e is None, 0 if e is None else s * e]
                elif name == "qSortByFrequency":
                    parts.append(-s * self.frequency(x))  # 1: most frequent first
                elif name == "qSortByNumeric":
                    num = None if isinstance(x, str) else x
                    parts += [num is None, 0 if num is None else s * num]
                elif name == "qSortByAscii":
                    parts.append(s * ascii_rank[i])
                elif name == "qSortByLoadOrder":
                    parts.append(s * i)
            parts.append(i)
            return tuple(parts)

        return [texts[i] for i in sorted(range(len(self.values)), key=key)]


def criteria_of(flags: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = dict(flags)
    if "qSortByExpression" in flags:
        out["qExpression"] = {"qv": SORT_EXPRESSION}
    return out


SEEDS = range(40)


@pytest.mark.parametrize("seed", SEEDS)
def test_each_flag_and_sign_in_list_objects(seed: int) -> None:
    case = Case(seed)
    for name in FLAGS:
        for sign in (1, -1):
            criteria = {name: sign}
            got = list_texts(list_layout(case.model, "F", criteria_of(criteria), case.state))
            assert got == case.expected_order(criteria), (name, sign)


@pytest.mark.parametrize("seed", SEEDS)
def test_flag_priority_in_list_objects(seed: int) -> None:
    case = Case(seed)
    rng = random.Random(1000 + seed)
    for _ in range(6):
        flags = {n: rng.choice((1, -1)) for n in rng.sample(FLAGS, rng.randint(2, 4))}
        got = list_texts(list_layout(case.model, "F", criteria_of(flags), case.state))
        assert got == case.expected_order(flags), flags


@pytest.mark.parametrize("seed", SEEDS)
def test_each_flag_and_sign_in_cube_dimensions(seed: int) -> None:
    case = Case(seed)
    in_cube = {
        case.text(x) for x in case.values if any(case.possible_row(i) for i in case.rows_of(x))
    }
    null_row = any(case.f[i] is None and case.possible_row(i) for i in range(len(case.f)))
    for name in FLAGS:
        for sign in (1, -1):
            criteria = {name: sign}
            layout = cube_layout(
                case.model, [dim("F", criteria_of(criteria))], [{"qDef": {"qDef": "Count(V)"}}],
                case.state,
            )
            expected = [t for t in case.expected_order(criteria) if t in in_cube]
            if null_row:
                expected.append("-")  # NULL comes last whatever the flags
            assert column(layout) == expected, (name, sign)
            assert layout["qDimensionInfo"][0]["qSortIndicator"] == (
                "N" if name in ("qSortByState", "qSortByGreyness") else "AD"[sign < 0]
            )


@pytest.mark.parametrize("seed", SEEDS)
def test_measure_sort_in_cubes(seed: int) -> None:
    case = Case(seed)
    rows = [x for x in case.values if any(case.possible_row(i) for i in case.rows_of(x))]
    for sign in (1, -1):
        layout = cube_layout(
            case.model,
            [dim("F", {"qSortByLoadOrder": 1})],
            [{"qDef": {"qDef": "Max(V)"}, "qSortBy": {"qSortByNumeric": sign}}],
            case.state,
            qInterColumnSortOrder=[1, 0],
        )
        layout_rows = [r for r in layout["qDataPages"][0]["qMatrix"] if r[0]["qElemNumber"] >= 0]

        def key(x: Any, sign: int = sign) -> tuple:
            e = case.expression(x)
            return (e is None, 0 if e is None else sign * e, case.values.index(x))

        assert [r[0]["qText"] for r in layout_rows] == [case.text(x) for x in sorted(rows, key=key)]
        # NULL measure values come last in both directions
        nulls = [r[1]["qText"] == "-" for r in layout_rows]
        assert nulls == sorted(nulls)


# -- the recorded cases (corectl goldens) --------------------------------------------------

FREQUENCY_SORT = {"qSortByFrequency": 1}


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        # TestBasicAnalyzing_fields.golden "Sample content"
        ("abcs", [("b", "3"), ("a", "1"), ("c", "1")]),
        ("xyz", [("y", "3"), ("x", "1"), ("z", "1")]),
    ],
)
def test_corectl_values_sorted_by_frequency(field: str, expected: list[tuple[str, str]]) -> None:
    model = model_from_rows(CORECTL)
    layout = list_layout(model, field, FREQUENCY_SORT, qFrequencyMode="NX_FREQUENCY_VALUE")
    assert [(c["qText"], c["qFrequency"]) for c in list_cells(layout)] == expected
    assert layout["qDimensionInfo"]["qSortIndicator"] == "A"


@pytest.mark.parametrize("mode", ["V", "P", "R", "NX_FREQUENCY_PERCENT", "NX_FREQUENCY_RELATIVE"])
def test_key_field_has_no_frequency(mode: str) -> None:
    """TestBasicAnalyzing_values_numbers.golden: 1..5 printed without "(Nx)"; corectl prints
    the frequency unless it is "1" or empty, so the engine did not send "-"."""
    model = model_from_rows(CORECTL)
    layout = list_layout(model, "numbers", FREQUENCY_SORT, qFrequencyMode=mode)
    assert list_texts(layout) == ["1", "2", "3", "4", "5"]
    assert all("qFrequency" not in c for c in list_cells(layout))
    # the other fields still have theirs
    layout = list_layout(model, "abcs", FREQUENCY_SORT, qFrequencyMode=mode)
    assert all("qFrequency" in c for c in list_cells(layout))


def test_cube_dimension_sorted_by_frequency() -> None:
    model = model_from_rows(CORECTL)
    count = [{"qDef": {"qDef": "Count(numbers)"}}]
    layout = cube_layout(model, [dim("abcs", FREQUENCY_SORT)], count)
    assert [[c["qText"] for c in row] for row in layout["qDataPages"][0]["qMatrix"]] == [
        ["b", "3"],
        ["a", "1"],
        ["c", "1"],
    ]
    layout = cube_layout(model, [dim("abcs", {"qSortByFrequency": -1})], count)
    assert column(layout) == ["a", "c", "b"]
    assert layout["qDimensionInfo"][0]["qSortIndicator"] == "D"
    # the frequency is counted within the selection: numbers 1, 2, 5 leave one row each
    layout = cube_layout(
        model, [dim("abcs", FREQUENCY_SORT)], count, state_of(model, numbers=[1, 2, 5])
    )
    assert column(layout) == ["a", "b", "c"]
    layout = cube_layout(
        model, [dim("abcs", FREQUENCY_SORT)], count, state_of(model, numbers=[2, 3, 5])
    )
    assert column(layout) == ["b", "c"]


def test_key_field_sorted_by_frequency_keeps_load_order() -> None:
    """corectl ``values numbers`` and ``eval by numbers``: 1..5 (the load order)."""
    model = model_from_rows({"A": {"K": [3, 1, 1, 2]}, "B": {"K": [2, 2, 2, 3], "X": list("pqrs")}})
    layout = list_layout(model, "K", FREQUENCY_SORT, qFrequencyMode="V")
    assert list_texts(layout) == ["3", "1", "2"]
    layout = cube_layout(model, [dim("K", FREQUENCY_SORT)], [])
    assert column(layout) == ["3", "1", "2"]
    layout = cube_layout(model, [dim("K", {"qSortByFrequency": -1, "qSortByNumeric": 1})], [])
    assert column(layout) == ["1", "2", "3"]


def test_corectl_eval_cubes_keep_load_order() -> None:
    """``eval count(numbers) by xyz`` (measure qSortBy frequency) and ``eval by numbers``."""
    model = model_from_rows(CORECTL)
    layout = cube_layout(
        model,
        [dim("xyz")],
        [{"qDef": {"qDef": "count(numbers)"}, "qSortBy": FREQUENCY_SORT}],
    )
    assert [[c["qText"] for c in row] for row in layout["qDataPages"][0]["qMatrix"]] == [
        ["x", "1"],
        ["y", "3"],
        ["z", "1"],
    ]
    assert layout["qMeasureInfo"][0]["qSortIndicator"] == "A"
    # the measure's frequency flag sorts nothing even when the measure comes first
    layout = cube_layout(
        model,
        [dim("xyz")],
        [{"qDef": {"qDef": "count(numbers)"}, "qSortBy": FREQUENCY_SORT}],
        qInterColumnSortOrder=[1, 0],
    )
    assert column(layout) == ["x", "y", "z"]
    assert column(cube_layout(model, [dim("numbers")], [])) == ["1", "2", "3", "4", "5"]


# -- each flag by hand ---------------------------------------------------------------------

MIXED = {"T": {"F": ["b", 10, "A", 2, "a", 1.5, "C"], "W": [1, 2, 3, 4, 5, 6, 7]}}


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (None, ["b", "10", "A", "2", "a", "1.5", "C"]),  # no criteria: load order
        ({}, ["b", "10", "A", "2", "a", "1.5", "C"]),
        ({"qSortByNumeric": 1}, ["1.5", "2", "10", "b", "A", "a", "C"]),
        ({"qSortByNumeric": -1}, ["10", "2", "1.5", "b", "A", "a", "C"]),
        ({"qSortByNumeric": 1, "qSortByAscii": 1}, ["1.5", "2", "10", "A", "a", "b", "C"]),
        ({"qSortByNumeric": -1, "qSortByAscii": -1}, ["10", "2", "1.5", "C", "b", "a", "A"]),
        ({"qSortByAscii": 1}, ["1.5", "10", "2", "A", "a", "b", "C"]),
        ({"qSortByAscii": -1}, ["C", "b", "a", "A", "2", "10", "1.5"]),
        ({"qSortByLoadOrder": -1}, ["C", "1.5", "a", "2", "A", "10", "b"]),
        # the expression outranks the text flag; ties of the expression fall through
        (
            {
                "qSortByAscii": 1,
                "qSortByExpression": -1,
                "qExpression": {"qv": "If(Sum(W) > 3, 1, 0)"},
            },
            ["1.5", "2", "a", "C", "10", "A", "b"],
        ),
        ({"qSortByExpression": 1, "qExpression": {"qv": "=-Sum(W)"}}, ["C", "1.5", "a", "2", "A", "10", "b"]),
        # an expression that does not parse or names no field is ignored
        ({"qSortByExpression": 1, "qExpression": {"qv": "Sum(("}}, ["b", "10", "A", "2", "a", "1.5", "C"]),
        ({"qSortByExpression": 1, "qExpression": {"qv": "Sum(Nope)"}, "qSortByNumeric": 1},
         ["1.5", "2", "10", "b", "A", "a", "C"]),
        ({"qSortByExpression": 1}, ["b", "10", "A", "2", "a", "1.5", "C"]),
        # values that are not ±1 count by their sign; junk counts as off
        ({"qSortByNumeric": 5}, ["1.5", "2", "10", "b", "A", "a", "C"]),
        ({"qSortByNumeric": "x", "qSortByLoadOrder": -3}, ["C", "1.5", "a", "2", "A", "10", "b"]),
    ],
)
def test_flags_by_hand(criteria: dict[str, Any] | None, expected: list[str]) -> None:
    model = model_from_rows(MIXED)
    assert list_texts(list_layout(model, "F", criteria)) == expected
    assert column(cube_layout(model, [dim("F", criteria)], [])) == expected


def test_sort_by_state_puts_the_selection_first() -> None:
    model = model_from_rows(CORECTL)
    state = state_of(model, abcs=["c"])  # numbers 5 only
    layout = list_layout(model, "abcs", {"qSortByState": 1}, state)
    assert [(c["qText"], c["qState"]) for c in list_cells(layout)] == [
        ("c", "S"),
        ("a", "A"),
        ("b", "A"),
    ]
    layout = list_layout(model, "numbers", {"qSortByState": 1}, state)
    assert [(c["qText"], c["qState"]) for c in list_cells(layout)] == [
        ("5", "O"),
        ("1", "X"),
        ("2", "X"),
        ("3", "X"),
        ("4", "X"),
    ]
    layout = list_layout(model, "numbers", {"qSortByState": -1, "qSortByNumeric": -1}, state)
    assert list_texts(layout) == ["4", "3", "2", "1", "5"]
    assert layout["qDimensionInfo"]["qSortIndicator"] == "D"  # from the numeric flag


def test_expression_sort_over_another_table() -> None:
    """Sort xyz by the sum of the abcs rows its numbers reach: x←5 (c), y←2,3,4 (b), z←1 (a)."""
    model = model_from_rows(
        {
            "TableA": {"abcs": ["a", "b", "b", "b", "c"], "numbers": [1, 2, 3, 4, 5],
                       "w": [50, 1, 1, 1, 20]},
            "TableB": {"xyz": ["x", "y", "y", "y", "z"], "numbers": [5, 4, 3, 2, 1]},
        }
    )
    criteria = {"qSortByExpression": -1, "qExpression": {"qv": "Sum(w)"}}
    assert list_texts(list_layout(model, "xyz", criteria)) == ["z", "x", "y"]
    assert column(cube_layout(model, [dim("xyz", criteria)], [])) == ["z", "x", "y"]
    # within a selection the excluded values have no rows: Max() is NULL there, so last
    state = state_of(model, abcs=["b", "c"])
    criteria = {"qSortByExpression": 1, "qExpression": {"qv": "Max(w)"}}
    assert list_texts(list_layout(model, "xyz", criteria, state)) == ["y", "x", "z"]


def test_measure_sort_by_expression_and_text() -> None:
    model = model_from_rows(CORECTL)
    by_expr = {"qSortByExpression": -1, "qExpression": {"qv": "Sum(numbers) - Count(numbers)"}}
    layout = cube_layout(
        model, [dim("abcs")], [{"qDef": {"qDef": "Count(numbers)"}, "qSortBy": by_expr}],
        qInterColumnSortOrder=[1, 0],
    )
    assert column(layout) == ["b", "c", "a"]  # 9-3=6, 5-1=4, 1-1=0
    assert layout["qMeasureInfo"][0]["qSortIndicator"] == "D"
    by_text = {"qSortByAscii": -1}
    layout = cube_layout(
        model, [dim("abcs")], [{"qDef": {"qDef": "Only(abcs) & 'z'"}, "qSortBy": by_text}],
        qInterColumnSortOrder=[1, 0],
    )
    assert column(layout, 1) == ["cz", "bz", "az"]
    layout = cube_layout(
        model,
        [dim("abcs")],
        [{"qDef": {"qDef": "Sum(numbers) * 3"}, "qSortBy": {"qSortByAscii": 1}}],
        qInterColumnSortOrder=[1, 0],
    )
    assert column(layout, 1) == ["15", "27", "3"]  # by text, not by number


def test_greyness() -> None:
    model = model_from_rows(CORECTL)
    state = state_of(model, abcs=["b"])
    layout = list_layout(model, "numbers", {"qSortByGreyness": -1}, state)
    assert [(c["qText"], c["qState"]) for c in list_cells(layout)] == [
        ("1", "X"),
        ("5", "X"),
        ("2", "O"),
        ("3", "O"),
        ("4", "O"),
    ]
    assert layout["qDimensionInfo"]["qSortIndicator"] == "N"
