"""Set analysis against DuckDB: aggregations with set expressions, alone and in charts,
under the differential star's selections, give what SQL gives over the same rows with
the set's conditions (the full outer join of the star, filtered)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from associa.calc import HyperCube, evaluate_scalar
from associa.calc.sets import NoSources, SetEvaluator
from associa.errors import ExpressionError
from associa.select import SelectionState, inference
from associa.values import DEFAULT_LOCALE
from tests.calc.test_differential import (
    CORNER_SELECTIONS,
    Selection,
    Star,
    build_star,
    random_selections,
    selection_id,
    selection_state,
)

# a condition per field: SQL text and its parameters
Conditions = dict[str, tuple[str, list[Any]]]


def _in(name: str, values: list[Any]) -> tuple[str, list[Any]]:
    return f"{name} IN ({', '.join('?' for _ in values)})", list(values)


def base(sel: Selection) -> Conditions:
    return {name: _in(name, values) for name, values in sel.items()}


def replace(name: str, values: list[Any]) -> Callable[[Selection], Conditions]:
    return lambda sel: {**base(sel), name: _in(name, values)}


def cleared(name: str) -> Callable[[Selection], Conditions]:
    return lambda sel: {k: v for k, v in base(sel).items() if k != name}


def added(name: str, values: list[Any]) -> Callable[[Selection], Conditions]:
    """``F += {..}``: the field's selection and the values (all values when none)."""
    def conditions(sel: Selection) -> Conditions:
        if name not in sel:
            return base(sel)
        return {**base(sel), name: _in(name, sorted(set(sel[name]) | set(values), key=str))}
    return conditions


def removed(name: str, values: list[Any]) -> Callable[[Selection], Conditions]:
    """``F -= {..}``: the field's selection (all its values when none) less the values."""
    def conditions(sel: Selection) -> Conditions:
        out = base(sel)
        sql, params = _in(name, values)
        out[name] = (f"{out[name][0]} AND NOT ({sql})" if name in out else f"NOT ({sql})",
                     (out[name][1] if name in out else []) + params)
        return out
    return conditions


def everything(extra: Conditions) -> Callable[[Selection], Conditions]:
    return lambda sel: dict(extra)


# (set expression, the conditions it stands for, given the selections)
SETS: list[tuple[str, Callable[[Selection], Conditions]]] = [
    ("{1}", everything({})),
    ("{$}", base),
    ("{<Category={'Toys', 'Books'}>}", replace("Category", ["Toys", "Books"])),
    ("{<Country=>}", cleared("Country")),
    ("{<Segment+={'Consumer'}>}", added("Segment", ["Consumer"])),
    ("{<Category-={'Toys'}>}", removed("Category", ["Toys"])),
    ('{<Quantity={">=3<=6"}>}',
     lambda sel: {**base(sel), "Quantity": ("Quantity >= 3 AND Quantity <= 6", [])}),
    ('{1<Brand={"Brand A*", '"'"'Brand B'"'"'}>}',
     everything({"Brand": ("(Brand LIKE 'Brand A%' OR Brand = 'Brand B')", [])})),
    ("{1<Country={Sweden}, Segment={Corporate}>}",
     everything({"Country": _in("Country", ["Sweden"]),
                 "Segment": _in("Segment", ["Corporate"])})),
    ("{1<Country=P({1<Category={Toys}>} Country)>}",
     everything({"Country": ("Country IN (SELECT Country FROM universe WHERE Category = 'Toys')",
                             [])})),
    ("{<Category=E({1<Country={Japan}>})>}",
     lambda sel: {**base(sel), "Category": (
         "Category NOT IN (SELECT Category FROM universe WHERE Country = 'Japan' "
         "AND Category IS NOT NULL)", [])}),
    ("{<Category={}>}", lambda sel: {**base(sel), "Category": ("FALSE", [])}),
]
MEASURES = [
    ("Sum({s} Sales)", "COALESCE(SUM(Sales), 0)"),
    ("Count({s} DISTINCT CustomerID)", "COUNT(DISTINCT CustomerID)"),
    ("Count({s} OrderID)", "COUNT(OrderID)"),
]
SELECTIONS = CORNER_SELECTIONS[:4] + random_selections(8)


@pytest.fixture(scope="module")
def star(tmp_path_factory: pytest.TempPathFactory) -> Star:
    return build_star(Path(tmp_path_factory.mktemp("sets")))


def where(conditions: Conditions) -> tuple[str, list[Any]]:
    parts, params = [], []
    for sql, values in conditions.values():
        parts.append(f"({sql})")
        params += values
    return " AND ".join(parts) or "TRUE", params


def engine_value(star: Star, state: SelectionState, text: str) -> float | None:
    sets = SetEvaluator(star.model, state, NoSources(), DEFAULT_LOCALE)
    value, num = evaluate_scalar(star.model, inference(star.model, state), text,
                                 DEFAULT_LOCALE, sets)
    return None if value is None or math.isnan(num) else num


@pytest.mark.parametrize("sel", SELECTIONS, ids=selection_id)
def test_set_aggregations_equal_sql(star: Star, sel: Selection) -> None:
    state = selection_state(star.model, sel)
    for set_text, conditions in SETS:
        clause, params = where(conditions(sel))
        for measure, sql in MEASURES:
            text = measure.replace("{s}", set_text)
            got = engine_value(star, state, text)
            want = star.db.execute(f"SELECT {sql} FROM universe WHERE {clause}",
                                   params).fetchone()[0]
            assert got == pytest.approx(float(want)), (text, sel)


@pytest.mark.parametrize("sel", SELECTIONS[:6], ids=selection_id)
def test_chart_rows_are_the_union_of_the_sets_groups(star: Star, sel: Selection) -> None:
    """A chart of Category with measures in two sets: a row for every category either
    set reaches (also categories the chart's selections exclude), each measure over its
    own set's records."""
    state = selection_state(star.model, sel)
    chosen = [SETS[3], SETS[2]]  # {<Country=>} and {<Category={'Toys', 'Books'}>}
    definition = {
        "qDimensions": [{"qDef": {"qFieldDefs": ["Category"]}}],
        "qMeasures": [{"qDef": {"qDef": f"Sum({s} Sales)"}} for s, _ in chosen],
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 3, "qHeight": 100}],
    }
    sets = SetEvaluator(star.model, state, NoSources(), DEFAULT_LOCALE)
    cube = HyperCube(star.model, inference(star.model, state), definition, DEFAULT_LOCALE,
                     sets)
    layout = cube.layout()
    rows = {row[0]["qText"]: [float(c["qNum"]) for c in row[1:]]
            for row in layout["qDataPages"][0]["qMatrix"]}
    want: dict[str, list[float]] = {}
    for i, (_, conditions) in enumerate(chosen):
        clause, params = where(conditions(sel))
        for category, total in star.db.execute(
                f"SELECT Category, COALESCE(SUM(Sales), 0) FROM universe WHERE {clause} "
                "AND Category IS NOT NULL GROUP BY Category", params).fetchall():
            want.setdefault(category, [0.0, 0.0])[i] = float(total)
    shown = {k: v for k, v in rows.items() if k != "-"}
    assert sorted(shown) == sorted(want)
    for category, values in want.items():
        assert shown[category] == pytest.approx(values), category


def test_unknown_identifiers_and_fields_are_errors(star: Star) -> None:
    state = SelectionState()
    for text in ("Sum({Nowhere} Sales)", "Sum({<Nofield={1}>} Sales)",
                 "Sum({$1} Sales)"):
        with pytest.raises(ExpressionError):
            engine_value(star, state, text)


def _chart(star: Star, state: SelectionState, dim: str, measures: list[str]
           ) -> dict[str, list[float]]:
    definition = {
        "qDimensions": [{"qDef": {"qFieldDefs": [dim]}}],
        "qMeasures": [{"qDef": {"qDef": m}} for m in measures],
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 1 + len(measures),
                               "qHeight": 100}],
    }
    sets = SetEvaluator(star.model, state, NoSources(), DEFAULT_LOCALE)
    cube = HyperCube(star.model, inference(star.model, state), definition, DEFAULT_LOCALE,
                     sets)
    layout = cube.layout()
    assert "qError" not in layout["qDimensionInfo"][0], layout["qDimensionInfo"][0]
    return {row[0]["qText"]: [float(c["qNum"]) for c in row[1:]]
            for row in layout["qDataPages"][0]["qMatrix"]}


def _sql_rows(star: Star, parts: list[tuple[str, list[Any]]]) -> dict[str, list[float]]:
    """Each (query giving (label, total), parameters) is a measure's column."""
    want: dict[str, list[float]] = {}
    for i, (query, params) in enumerate(parts):
        for label, total in star.db.execute(query, params).fetchall():
            want.setdefault("-" if label is None else label,
                            [0.0] * len(parts))[i] = float(total)
    return want


@pytest.mark.parametrize("sel", SELECTIONS[:6], ids=selection_id)
def test_calculated_dimensions_beside_set_measures(star: Star, sel: Selection) -> None:
    """A calculated dimension in a chart whose measures read sets: each set's records
    take the dimension's value their fields give (a row for every value any source
    reaches). One reading one field per record; one bucketing countries by their sales
    with Aggr, computed in the chart's state: a record of another set whose country the
    selections exclude has no bucket (NULL, "-")."""
    state = selection_state(star.model, sel)
    chosen = [SETS[2], SETS[0]]  # {<Category={'Toys', 'Books'}>} and {1}
    measures = [f"Sum({s} Sales)" for s, _ in chosen] + ["Sum(Sales)"]
    sources = [conditions(sel) for _, conditions in chosen] + [base(sel)]

    few = "CASE WHEN Quantity > 4 THEN 'many' ELSE 'few' END"
    got = _chart(star, state, "=If(Quantity > 4, 'many', 'few')", measures)
    parts = []
    for conditions in sources:
        clause, params = where(conditions)
        parts.append((f"SELECT {few}, COALESCE(SUM(Sales), 0) FROM universe WHERE {clause} "
                      "GROUP BY 1", params))
    want = _sql_rows(star, parts)
    assert sorted(got) == sorted(want)
    for label, values in want.items():
        assert got[label] == pytest.approx(values), label

    threshold = star.db.execute(
        "SELECT median(s) FROM (SELECT SUM(Sales) AS s FROM universe GROUP BY Country)"
    ).fetchone()[0]
    got = _chart(star, state,
                 f"=Aggr(If(Sum(Sales) > {threshold}, 'big', 'small'), Country)", measures)
    home, home_params = where(base(sel))
    buckets = (f"SELECT Country, CASE WHEN COALESCE(SUM(Sales), 0) > {threshold} THEN 'big' "
               f"ELSE 'small' END AS bucket FROM universe WHERE {home} GROUP BY Country")
    parts = []
    for conditions in sources:
        clause, params = where(conditions)
        parts.append((f"SELECT bucket, COALESCE(SUM(Sales), 0) FROM (SELECT u.*, b.bucket "
                      f"FROM universe AS u LEFT JOIN ({buckets}) AS b "
                      f"ON u.Country IS NOT DISTINCT FROM b.Country) WHERE {clause} GROUP BY 1",
                      home_params + params))
    want = _sql_rows(star, parts)
    assert sorted(got) == sorted(want)
    for label, values in want.items():
        assert got[label] == pytest.approx(values), label
