"""Synthetic keys: the $Syn tables as the engine builds them, and the associative logic
over them checked against the brute-force oracle (natural association of the tables as
loaded) and a chart checked against DuckDB."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from associa.calc import HyperCube
from associa.model.builder import model_from_rows
from associa.script import run_script
from associa.select import Inference, SelectionState
from associa.values import DEFAULT_LOCALE
from tests.select import draw_selections
from tests.select.test_propagate import oracle


def values(model, table: str, name: str) -> list:
    sym = model.fields[name].symbols
    out = []
    for code in model.tables[table].columns[name]:
        out.append(None if code == sym.null_code else sym.text(int(code)))
    return out


def test_two_tables_sharing_two_fields_get_a_syn_table() -> None:
    result = run_script(
        "A: LOAD * INLINE [\nx, y, a\n1, 10, p\n2, 20, q\n];\n"
        "B: LOAD * INLINE [\nb, y, x\nP, 10, 1\nQ, 99, 2\n];"
    )
    model = result.model
    assert model.data_tables == ["A", "B", "$Syn 1 Table"]
    assert model.tables["A"].fields == ["$Syn 1", "a"]
    assert model.tables["B"].fields == ["b", "$Syn 1"]
    assert model.tables["$Syn 1 Table"].fields == ["$Syn 1", "x", "y"]
    assert values(model, "$Syn 1 Table", "x") == ["1", "2", "2"]
    assert values(model, "$Syn 1 Table", "y") == ["10", "20", "99"]
    assert values(model, "A", "$Syn 1") == ["1", "2"]
    assert values(model, "B", "$Syn 1") == ["1", "3"]
    assert "$Syn 1 = x+y" in result.log
    assert model.synthetic_tables == ["$Syn 1 Table"]
    assert model.fields["$Syn 1"].tags()[:3] == ["$key", "$syn", "$hidden"]
    assert model.fields["x"].tags()[0] == "$keypart" and not model.fields["x"].is_key


def test_a_combination_with_a_null_part_links_nothing() -> None:
    model = model_from_rows({
        "A": {"x": [1, 1, None], "y": [None, 2, None], "a": ["p", "q", "r"]},
        "B": {"x": [1, 1, None], "y": [None, 2, None], "b": ["P", "Q", "R"]},
    })
    assert values(model, "A", "$Syn 1") == ["1", "2", None]
    assert values(model, "B", "$Syn 1") == ["3", "2", None]
    assert values(model, "$Syn 1 Table", "y") == [None, "2", None]


def test_keys_over_keys() -> None:
    result = run_script(
        "A: LOAD * INLINE [\nx, y, z, a\n1, 1, 1, p\n];\n"
        "C: LOAD * INLINE [\nx, y, z, c\n1, 1, 2, q\n];\n"
        "B: LOAD * INLINE [\nx, y, b\n1, 1, r\n];"
    )
    model = result.model
    assert result.log[-2:] == ["$Syn 1 = x+y+z", "$Syn 2 = x+y"]
    assert model.tables["$Syn 1 Table"].fields == ["$Syn 1", "$Syn 2", "z"]
    assert model.tables["B"].fields == ["$Syn 2", "b"]
    assert model.tables["$Syn 2 Table"].fields == ["$Syn 2", "x", "y"]


# -- the associative logic against the oracle of the tables as loaded ------------------------


@st.composite
def composite_models(draw):
    """Two or three tables sharing (x, y), maybe a third field z in two of them (keys over
    keys), maybe a table sharing x alone."""
    shared = ["x", "y"]
    layouts = [shared + ["z", "a"], shared + ["b"]]
    if draw(st.booleans()):
        layouts.append(shared + (["z"] if draw(st.booleans()) else []) + ["c"])
    if draw(st.booleans()):
        layouts.append(["x", "d"])
    tables = {}
    for i, fields in enumerate(layouts):
        n = draw(st.integers(1, 4))
        tables[f"T{i}"] = {
            f: draw(st.lists(st.one_of(st.none(), st.sampled_from("ab")), min_size=n, max_size=n))
            for f in fields
        }
    return tables


@settings(max_examples=120, deadline=None)
@given(composite_models(), st.data())
def test_inference_over_synthetic_keys_matches_the_oracle(tables, data) -> None:
    model = model_from_rows(tables)
    assert model.synthetic_tables
    user = sorted({f for cols in tables.values() for f in cols})
    fields = [f for f in user if len(model.fields[f].symbols)]
    state, selections = draw_selections(model, fields, data)
    inference = Inference(model, state)
    expected = oracle(tables, selections)
    for f in user:
        sym = model.fields[f].symbols
        got = {sym.text(i) for i in np.flatnonzero(inference.possible(f))}
        assert got == expected.get(f, set()), f


# -- a chart over a synthetic key against DuckDB ----------------------------------------------


@pytest.mark.parametrize("messy", [False, True])
def test_chart_over_a_synthetic_key_matches_duckdb(messy: bool) -> None:
    """Sum(Amount) and Sum(Target) by Region and Year, Orders and Targets linked by the
    synthetic key of (Region, Year). ``messy``: targets of combinations without orders,
    and several targets per combination."""
    duckdb = pytest.importorskip("duckdb")
    rng = np.random.default_rng(7)
    n_orders = 300
    region = rng.choice(["N", "S", "E", "W"], n_orders)
    year = rng.choice([2022, 2023, 2024], n_orders)
    amount = rng.integers(1, 100, n_orders)
    if messy:
        combos = [(r, y) for r in ["N", "S", "E", "W", "X"] for y in [2022, 2023, 2024, 2025]]
    else:
        combos = sorted(set(zip(region.tolist(), year.tolist(), strict=True)))
    picked = rng.choice(len(combos), 9, replace=messy)
    t_region = [combos[i][0] for i in picked]
    t_year = [combos[i][1] for i in picked]
    target = rng.integers(1, 1000, len(picked))
    orders = "\n".join(f"{r}, {y}, {a}" for r, y, a in zip(region, year, amount, strict=True))
    targets = "\n".join(f"{r}, {y}, {t}" for r, y, t in
                        zip(t_region, t_year, target, strict=True))
    model = run_script(
        f"Orders: LOAD * INLINE [\nRegion, Year, Amount\n{orders}\n];\n"
        f"Targets: LOAD * INLINE [\nRegion, Year, Target\n{targets}\n];"
    ).model
    assert model.synthetic_tables == ["$Syn 1 Table"]
    db = duckdb.connect()
    db.execute("CREATE TABLE o(region VARCHAR, year INT, amount INT)")
    db.executemany("INSERT INTO o VALUES (?, ?, ?)",
                   [(str(r), int(y), int(a)) for r, y, a in zip(region, year, amount, strict=True)])
    db.execute("CREATE TABLE t(region VARCHAR, year INT, target INT)")
    db.executemany("INSERT INTO t VALUES (?, ?, ?)",
                   [(str(r), int(y), int(v)) for r, y, v in zip(t_region, t_year, target, strict=True)])
    for selected in (None, ["N", "E"]):
        state = SelectionState()
        where = ""
        if selected:
            sym = model.fields["Region"].symbols
            mask = np.zeros(len(sym), dtype=bool)
            for v in selected:
                mask[sym.find_text(v)] = True
            state = state.with_field("Region", mask)
            where = "WHERE region IN ('N', 'E')"
        definition = {
            "qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}},
                            {"qDef": {"qFieldDefs": ["Year"]}}],
            "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}, {"qDef": {"qDef": "Sum(Target)"}}],
            "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 4, "qHeight": 100}],
        }
        layout = HyperCube(model, Inference(model, state), definition, DEFAULT_LOCALE).layout()
        got = {}
        for row in layout["qDataPages"][0]["qMatrix"]:
            got[(row[0]["qText"], _num(row[1]["qNum"]))] = (
                _num(row[2]["qNum"]), _num(row[3]["qNum"]))
        want = {}
        # the association of the two tables on (region, year): a full outer join, each
        # table's rows summed once per combination
        sql = f"""
            WITH k AS (SELECT region, year FROM o UNION SELECT region, year FROM t)
            SELECT k.region, k.year,
                   (SELECT sum(amount) FROM o WHERE o.region = k.region AND o.year = k.year),
                   (SELECT sum(target) FROM t WHERE t.region = k.region AND t.year = k.year)
            FROM k {where.replace('region', 'k.region')}
        """
        for r, y, a, t in db.execute(sql).fetchall():
            want[(r, _num(y))] = (_num(a) or 0.0, _num(t) or 0.0)
        assert got == want


def _num(x) -> float | None:
    if x is None or x == "NaN" or (isinstance(x, float) and math.isnan(x)):
        return None
    return float(x)


def test_combination_ids_in_order_of_first_appearance_whatever_the_radix() -> None:
    from associa.model.synthetic import _combination_ids

    rng = np.random.default_rng(3)
    cols = [rng.integers(-1, 3, 500).astype(np.int32) for _ in range(4)]
    for sizes in ([3, 3, 3, 3], [1 << 20] * 4):  # the second overflows 62 bits: made dense
        ids, firsts = _combination_ids(cols, sizes)
        seen: dict[tuple, int] = {}
        want, want_first = [], []
        for r, combo in enumerate(zip(*(c.tolist() for c in cols), strict=True)):
            if all(v < 0 for v in combo):
                want.append(-1)
                continue
            key = combo if all(v >= 0 for v in combo) else ("row", r)
            if key not in seen:
                seen[key] = len(seen)
                want_first.append(r)
            want.append(seen[key])
        assert ids.tolist() == want
        assert firsts.tolist() == want_first


def test_a_builder_from_a_built_model_builds_it_again() -> None:
    """Where a partial reload starts: the tables as loaded, keys made afresh."""
    from associa.model.builder import ModelBuilder
    from tests.script.test_interpreter import snapshot

    result = run_script(
        "A: LOAD * INLINE [\nx, y, z, a\n1, 1, 1, p\n2, 1, 1, q\n];\n"
        "C: LOAD * INLINE [\nx, y, z, c\n1, 1, 2, r\n];\n"
        "B: LOAD * INLINE [\nx, y, b\n1, 1, s\n3, 3, t\n];\n"
        "TAG FIELD b WITH 'mine';"
    )
    model = result.model
    builder = ModelBuilder.from_model(model)
    assert list(builder.tables) == ["A", "C", "B"]
    assert builder.tables["B"].fields == ["x", "y", "b"]
    again = builder.build()
    assert snapshot(again) == snapshot(model)
    assert builder.notes == ["$Syn 1 = x+y+z", "$Syn 2 = x+y"]
    assert again.fields["b"].tags() == model.fields["b"].tags()
    # a table added to the rebuilt tables takes part in the keys as in a full reload
    extra = ModelBuilder.from_model(model)
    sym_x, sym_y = extra.symbols_of("x"), extra.symbols_of("y")
    cols = {"x": np.array([sym_x.intern("1", 1.0)], dtype=np.int32),
            "y": np.array([sym_y.intern("1", 1.0)], dtype=np.int32)}
    extra.add("D", ["x", "y"], cols, 1)
    rebuilt = extra.build()
    assert rebuilt.tables["D"].fields == ["$Syn 2"]


# -- overlapping shared field sets --------------------------------------------------------------


def test_overlapping_shared_sets_get_a_key_each() -> None:
    """The interval-match bridge with a key: Link(Time, From, To, Machine) shares
    Machine+From+To with Runs and Machine+Time with Events. Both keys are made from the
    columns as loaded; Machine sits in both $Syn tables, linked in the first only."""
    result = run_script(
        (GOLDEN / "model_synthetic_overlapping" / "script.qvs").read_text(encoding="utf-8"))
    model = result.model
    assert result.log[-2:] == ["$Syn 1 = Machine+From+To", "$Syn 2 = Machine+Time"]
    assert model.tables["Events"].fields == ["$Syn 2"]
    assert model.tables["Runs"].fields == ["$Syn 1", "Run"]
    assert model.tables["Link"].fields == ["$Syn 2", "$Syn 1"]
    assert model.tables["$Syn 1 Table"].fields == ["$Syn 1", "Machine", "From", "To"]
    assert model.tables["$Syn 2 Table"].fields == ["$Syn 2", "Machine", "Time"]
    assert model.loose_tables == []  # no circular reference through Machine
    assert model.unlinked == {("$Syn 2 Table", "Machine")}


GOLDEN = __import__("pathlib").Path(__file__).resolve().parent.parent / "golden" / "script"


def _q(name: str) -> str:
    return '"' + name + '"'


def _col(table: str, name: str) -> str:
    return f"{table}.{_q(name)}"


def _foj_possible(db, hub: str, spokes: dict[str, list[str]], fields: list[str],
                  tables: dict, selections: dict[str, set]) -> dict[str, set]:
    """Possible values per field in DuckDB: the natural full outer join of the tables as
    loaded, each spoke joined on the fields it shares with the hub (a spoke row without a
    partner is a row of its own; spokes holding the same key set meet on it, hub or
    not), rows kept where every selected field holds a selected value."""
    import pyarrow as pa

    for name, cols in tables.items():
        db.register(name, pa.table({f: pa.array(v, pa.string()) for f, v in cols.items()}))
    out_cols = []
    for f in fields:
        holders = [t for t in [hub, *spokes] if f in tables[t]]
        out_cols.append(f"COALESCE({', '.join(_col(t, f) for t in holders)}) AS {_q(f)}")
    sql = f"SELECT {', '.join(out_cols)} FROM {hub}"
    before = [hub]
    for spoke, on in spokes.items():
        same = [t for t in before if t == hub or set(spokes[t]) == set(on)]
        sql += f" FULL JOIN {spoke} ON " + " AND ".join(
            f"{_col(spoke, f)} = COALESCE({', '.join(_col(t, f) for t in same)})" for f in on)
        before.append(spoke)
    where = " AND ".join(
        f'"{f}" IN ({", ".join(repr(v) for v in sorted(vals))})' for f, vals in selections.items())
    rows = db.execute(f"SELECT * FROM ({sql}) {'WHERE ' + where if where else ''}").fetchall()
    return {f: {r[i] for r in rows if r[i] is not None} for i, f in enumerate(fields)}


def _possible(model, fields, selections) -> dict[str, set]:
    state = SelectionState()
    for f, vals in selections.items():
        sym = model.fields[f].symbols
        mask = np.zeros(len(sym), dtype=bool)
        for v in vals:
            mask[sym.find_text(v)] = True
        state = state.with_field(f, mask)
    inference = Inference(model, state)
    out = {}
    for f in fields:
        sym = model.fields[f].symbols
        out[f] = {sym.text(int(i)) for i in np.flatnonzero(inference.possible(f))}
    return out


def test_interval_match_with_a_key_associates_as_the_join_through_the_bridge() -> None:
    """Every selection of one or two values in Events / Runs / Link against DuckDB: an
    event of m2 at time 3 has no run (no run of m2 holds 3), r1 is m1's run at 3."""
    duckdb = pytest.importorskip("duckdb")
    tables = {
        "Events": {"Machine": ["m1", "m1", "m2"], "Time": ["3", "8", "3"]},
        "Runs": {"Machine": ["m1", "m2", "m1"], "From": ["1", "5", "7"], "To": ["4", "9", "9"],
                 "Run": ["r1", "r2", "r3"]},
        "Link": {"Time": ["3", "8"], "From": ["1", "7"], "To": ["4", "9"], "Machine": ["m1", "m1"]},
    }
    model = run_script(
        (GOLDEN / "model_synthetic_overlapping" / "script.qvs").read_text(encoding="utf-8")).model
    fields = ["Machine", "Time", "From", "To", "Run"]
    spokes = {"Events": ["Time", "Machine"], "Runs": ["Machine", "From", "To"]}
    db = duckdb.connect()
    values = [(f, v) for f in fields for v in sorted({v for t in tables.values() for v in t.get(f, [])})]
    picks = [[p] for p in values] + [[a, b] for i, a in enumerate(values) for b in values[i + 1:]]
    for pick in picks:
        selections: dict[str, set] = {}
        for f, v in pick:
            selections.setdefault(f, set()).add(v)
        want = _foj_possible(db, "Link", spokes, fields, tables, selections)
        assert _possible(model, fields, selections) == want, pick
    # the wrong association of before: the m2 event at 3 with m1's run r1
    got = _possible(model, fields, {"Machine": {"m2"}, "Time": {"3"}})
    assert got["Run"] == set()


@st.composite
def overlapping_models(draw):
    """A hub table sharing two overlapping field sets with two spokes (x+y with S1, y+z
    with S2), maybe a third spoke holding one of the sets again."""
    layouts = {"H": ["x", "y", "z", "h"], "S1": ["x", "y", "a"], "S2": ["y", "z", "b"]}
    spokes = {"S1": ["x", "y"], "S2": ["y", "z"]}
    if draw(st.booleans()):
        layouts["S3"] = ["y", "z", "c"]
        spokes["S3"] = ["y", "z"]
    tables = {}
    for name, fields in layouts.items():
        n = draw(st.integers(1, 4))
        tables[name] = {
            f: draw(st.lists(st.one_of(st.none(), st.sampled_from("ab")), min_size=n, max_size=n))
            for f in fields
        }
    return tables, spokes


@settings(max_examples=100, deadline=None)
@given(overlapping_models(), st.data())
def test_inference_over_overlapping_keys_matches_duckdb(case, data) -> None:
    duckdb = pytest.importorskip("duckdb")
    tables, spokes = case
    model = model_from_rows(tables)
    fields = sorted({f for cols in tables.values() for f in cols})
    have = [f for f in fields if len(model.fields[f].symbols)]
    picks = data.draw(st.lists(st.sampled_from(have), max_size=2, unique=True)) if have else []
    selections: dict[str, set] = {}
    for f in picks:
        sym = model.fields[f].symbols
        chosen = data.draw(st.sets(st.integers(0, len(sym) - 1), min_size=1))
        selections[f] = {sym.text(i) for i in chosen}
    db = duckdb.connect()
    want = _foj_possible(db, "H", spokes, fields, tables, selections)
    assert _possible(model, fields, selections) == want


def test_chart_over_overlapping_keys_matches_duckdb() -> None:
    """Machine, Time and Run with Count(Run), under no selection and under Machine = m2:
    the rows of the full outer join through the bridge (a dimension without a value shows
    as NULL), Count(Run) over each."""
    duckdb = pytest.importorskip("duckdb")
    import pyarrow as pa

    model = run_script(
        (GOLDEN / "model_synthetic_overlapping" / "script.qvs").read_text(encoding="utf-8")).model
    db = duckdb.connect()
    data = {
        "Events": {"Machine": ["m1", "m1", "m2"], "Time": ["3", "8", "3"]},
        "Runs": {"Machine": ["m1", "m2", "m1"], "From": ["1", "5", "7"], "To": ["4", "9", "9"],
                 "Run": ["r1", "r2", "r3"]},
        "Link": {"Time": ["3", "8"], "From": ["1", "7"], "To": ["4", "9"], "Machine": ["m1", "m1"]},
    }
    for name, cols in data.items():
        db.register(name, pa.table({f: pa.array(v, pa.string()) for f, v in cols.items()}))
    sql = """
        SELECT COALESCE(l.Machine, e.Machine, r.Machine) AS m, COALESCE(l.Time, e.Time) AS t,
               r.Run AS run
        FROM Link l
        FULL JOIN Events e ON e.Time = l.Time AND e.Machine = l.Machine
        FULL JOIN Runs r ON r.Machine = l.Machine AND r."From" = l."From" AND r."To" = l."To"
    """
    for machine in (None, "m2"):
        state = SelectionState()
        where = ""
        if machine:
            sym = model.fields["Machine"].symbols
            mask = np.zeros(len(sym), dtype=bool)
            mask[sym.find_text(machine)] = True
            state = state.with_field("Machine", mask)
            where = f"WHERE m = '{machine}'"
        definition = {
            "qDimensions": [{"qDef": {"qFieldDefs": [f]}} for f in ("Machine", "Time", "Run")],
            "qMeasures": [{"qDef": {"qDef": "Count(Run)"}}],
            "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 4, "qHeight": 50}],
        }
        layout = HyperCube(model, Inference(model, state), definition, DEFAULT_LOCALE).layout()
        got = sorted(tuple(c["qText"] for c in row) for row in layout["qDataPages"][0]["qMatrix"])
        want = sorted(tuple("-" if v is None else str(v) for v in row) for row in db.execute(
            f"SELECT m, t, run, count(run) FROM ({sql}) {where} GROUP BY m, t, run").fetchall())
        assert got == want, machine
