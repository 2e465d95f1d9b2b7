"""Circular references broken by loosening a table, field tags (system, TAG / UNTAG),
$date / $timestamp, and how the data-model records and snapshots show them."""

from __future__ import annotations

import numpy as np
import pytest

from associa.errors import ScriptError
from associa.qix.api.datamodel import tables_and_keys
from associa.script import run_script
from associa.select import Inference, SelectionState
from associa.store.snapshot import dump_model, load_model

LOOP = """
NationalTeams: LOAD * INLINE [
Country, Team
Sweden, Blue
France, Bleu
];
Clubs: LOAD * INLINE [
City, Team
Lund, Blue
Paris, Bleu
Lyon, Red
];
Cities: LOAD * INLINE [
City, Country
Lund, Sweden
Paris, France
];
"""


def test_a_loop_loosens_its_longest_table_with_a_warning() -> None:
    result = run_script(LOOP)
    model = result.model
    assert model.loose_tables == ["Clubs"]
    warning = [line for line in result.log if line.startswith("Circular reference")]
    assert len(warning) == 1 and "'Clubs'" in warning[0]
    # the loose table hangs on one key only: the other link is cut
    assert len(model.links["Clubs"]) == 1
    assert any(t == "Clubs" for t, _ in model.loose_links)
    records = {t["qName"]: t for t in tables_and_keys(model)["qtr"]}
    assert records["Clubs"].get("qLoose") is True and "qLoose" not in records["Cities"]


def test_equal_lengths_loosen_the_first_loaded_table() -> None:
    script = LOOP.replace("Lyon, Red\n", "")
    assert run_script(script).model.loose_tables == ["NationalTeams"]


def test_loosen_table_statement_breaks_the_loop_without_warning() -> None:
    result = run_script(LOOP + "LOOSEN TABLE Cities;")
    assert result.model.loose_tables == ["Cities"]
    assert not [line for line in result.log if line.startswith("Circular reference")]
    with pytest.raises(ScriptError, match="Nope"):
        run_script(LOOP + "LOOSEN TABLE Nope;")


def test_selections_still_work_over_a_broken_loop() -> None:
    model = run_script(LOOP).model
    sym = model.fields["Country"].symbols
    mask = np.zeros(len(sym), dtype=bool)
    mask[sym.find_text("Sweden")] = True
    inf = Inference(model, SelectionState().with_field("Country", mask))
    team = model.fields["Team"].symbols
    assert {team.text(i) for i in np.flatnonzero(inf.possible("Team"))} == {"Blue"}


def test_a_chart_over_the_loosened_table_combines_its_fields_freely() -> None:
    """Each field of the loose table acts as a table of its own (help "Loosen Table"):
    a chart of City and Team pairs them through the rest of the loop (Cities, Country,
    NationalTeams), not through Clubs' rows, and a value found in Clubs alone stands
    alone (tests/calc/test_loose.py checks this against that very model)."""
    from associa.calc import HyperCube
    from associa.values import DEFAULT_LOCALE

    model = run_script(LOOP).model
    definition = {"qDimensions": [{"qDef": {"qFieldDefs": [f]}} for f in ("City", "Team")],
                  "qInitialDataFetch": [{"qWidth": 2, "qHeight": 50}]}

    def pairs(state: SelectionState) -> set[tuple[str, ...]]:
        layout = HyperCube(model, Inference(model, state), definition, DEFAULT_LOCALE).layout()
        return {tuple(c["qText"] for c in row) for row in layout["qDataPages"][0]["qMatrix"]}

    assert pairs(SelectionState()) == {("Lund", "Blue"), ("Paris", "Bleu"), ("Lyon", "-"),
                                       ("-", "Red")}
    sym = model.fields["Country"].symbols
    mask = np.zeros(len(sym), dtype=bool)
    mask[sym.find_text("Sweden")] = True
    assert pairs(SelectionState().with_field("Country", mask)) == {("Lund", "Blue")}


def test_no_loop_no_loose_table() -> None:
    model = run_script("A: LOAD * INLINE [\nk, a\n1, x];\nB: LOAD * INLINE [\nk, b\n1, y];").model
    assert model.loose_tables == []


# -- tags -------------------------------------------------------------------------------------


def test_date_and_timestamp_tags() -> None:
    model = run_script(
        "SET DateFormat='DD.MM.YYYY';\n"
        "T: LOAD * INLINE [\nD; TS; N; M\n31.01.2024; 2024-01-31 12:00:00; 1.5; 12.50 kr\n"
        "01.02.2024; 2024-02-01 06:00:00; 2; 3.00 kr\n] (delimiter is ';');"
    ).model
    assert model.fields["D"].tags() == ["$numeric", "$integer", "$timestamp", "$date"]
    assert model.fields["D"].date_format == "DD.MM.YYYY"
    assert model.fields["TS"].tags() == ["$numeric", "$timestamp"]
    assert model.fields["TS"].date_format == "YYYY-MM-DD hh:mm:ss"
    assert "$date" not in model.fields["N"].tags()
    assert "$timestamp" not in model.fields["M"].tags()


def test_tag_and_untag_statements() -> None:
    model = run_script(
        "T: LOAD * INLINE [\nA, B\n1, x];\n"
        "TAG FIELD A WITH '$dimension';\n"
        "TAG FIELDS A, B WITH 'mine', '$hidden';\n"
        "UNTAG FIELD A WITH '$numeric';\n"
        "UNTAG FIELD B WITH '$hidden';\n"
        "TAG TABLE T WITH 'facts';\n"
        "TAG FIELD Later WITH 'early';\n"
        "L: LOAD * INLINE [\nLater\n1];"
    ).model
    assert model.fields["A"].tags() == ["$hidden", "$integer", "$dimension", "mine"]
    assert model.fields["A"].hidden
    assert model.fields["B"].tags() == ["$ascii", "$text", "mine"]
    assert not model.fields["B"].hidden
    assert model.fields["Later"].tags()[-1] == "early"
    records = {t["qName"]: t for t in tables_and_keys(model)["qtr"]}
    assert records["T"]["qTableTags"] == ["facts"]


def test_tag_using_a_table_and_fixed_tags() -> None:
    model = run_script(
        "Tags: LOAD * INLINE [\nF, Tag\nA, $dimension\nB, $measure];\n"
        "T: LOAD * INLINE [\nA, B\nx, 1];\n"
        "TAG FIELDS USING Tags;\nDROP TABLE Tags;"
    ).model
    assert model.fields["A"].tags()[-1] == "$dimension"
    assert model.fields["B"].tags()[-1] == "$measure"
    with pytest.raises(ScriptError, match="system tag"):
        run_script("T: LOAD * INLINE [\nA\n1];\nTAG FIELD A WITH '$key';")


def test_tag_fields_using_a_mapping_table() -> None:
    """Qlik's help tags fields through a MAPPING LOAD of field name → tag; a field not
    loaded is skipped, and untagging through a mapping removes the tags."""
    model = run_script(
        "TagMap: MAPPING LOAD * INLINE [\nF, Tag\nA, $dimension\nB, $measure\n"
        "Nosuch, x];\n"
        "T: LOAD * INLINE [\nA, B, C\nx, 1, 2];\n"
        "TAG FIELDS USING TagMap;\n"
        "Drop: MAPPING LOAD * INLINE [\nF, Tag\nB, $measure];\n"
        "UNTAG FIELDS USING Drop;"
    ).model
    assert model.fields["A"].tags()[-1] == "$dimension"
    assert "$measure" not in model.fields["B"].tags()
    assert model.fields["C"].tags() == ["$numeric", "$integer"]
    with pytest.raises(ScriptError, match="Mapping table not found: Nope"):
        run_script("T: LOAD * INLINE [\nA\n1];\nTAG FIELDS USING Nope;")


def test_snapshot_keeps_loose_synthetic_tables_and_tags() -> None:
    model = run_script(
        LOOP + "TAG FIELD Team WITH 'mine';\nTAG TABLE Clubs WITH 'facts';\n"
        "S1: LOAD * INLINE [\np, q, s\n1, 2, 3];\nS2: LOAD * INLINE [\np, q, t\n1, 2, 4];\n"
        "Days: LOAD * INLINE [\nDay\n2024-01-31];"
    ).model
    assert model.fields["Day"].date_format == "YYYY-MM-DD"
    back = load_model(dump_model(model))
    assert back.loose_tables == model.loose_tables == ["Clubs"]
    assert back.synthetic_tables == ["$Syn 1 Table"]
    assert back.table_tags == {"Clubs": ["facts"]}
    for name in model.fields:
        assert back.fields[name].tags() == model.fields[name].tags(), name
        assert back.fields[name].date_format == model.fields[name].date_format
    assert tables_and_keys(back, True) == tables_and_keys(model, True)


def test_tables_and_keys_in_both_modes() -> None:
    model = run_script(
        "A: LOAD * INLINE [\nx, y, a\n1, 10, p\n2, 20, q];\n"
        "B: LOAD * INLINE [\nx, y, b\n1, 10, P];"
    ).model
    internal = tables_and_keys(model, True)
    names = [t["qName"] for t in internal["qtr"]]
    assert names == ["A", "B", "$Syn 1 Table"]
    assert internal["qtr"][2]["qIsSynthetic"] is True
    assert internal["qk"] == [{"qKeyFields": ["$Syn 1"], "qTables": ["A", "B", "$Syn 1 Table"]}]
    source = tables_and_keys(model, False)
    assert [t["qName"] for t in source["qtr"]] == ["A", "B"]
    fields_a = {f["qName"]: f for f in source["qtr"][0]["qFields"]}
    assert list(fields_a) == ["x", "y", "a"]
    assert fields_a["x"]["qKeyType"] == "ANY_KEY" and fields_a["x"]["qnNonNulls"] == 2
    fields_b = {f["qName"]: f for f in source["qtr"][1]["qFields"]}
    assert fields_b["y"]["qnTotalDistinctValues"] == 1
    assert source["qk"] == [{"qKeyFields": ["x", "y"], "qTables": ["A", "B"]}]


def test_field_descriptions_of_hidden_and_system_fields() -> None:
    from associa.qix.api.datamodel import field_description

    model = run_script(
        "A: LOAD * INLINE [\nx, y, a\n1, 10, p];\nB: LOAD * INLINE [\nx, y, b\n1, 10, P];"
    ).model
    syn = field_description(model, "$Syn 1")
    assert syn["qIsHidden"] is True and "$syn" in syn["qTags"]
    assert "qIsHidden" not in field_description(model, "a")
    table = field_description(model, "$Table")
    assert table["qIsSystem"] is True and table["qIsHidden"] is True
    assert table["qCardinal"] == 3  # A, B and the $Syn 1 Table
    assert table["qTags"] == ["$key", "$hidden", "$system", "$ascii", "$text"]
    rows = field_description(model, "$Rows")
    assert rows["qIsNumeric"] is True and rows["qTags"][-2:] == ["$numeric", "$integer"]


# -- random graphs ------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from associa.model.builder import model_from_rows  # noqa: E402
from associa.model.loops import find_loop, loosen  # noqa: E402


@st.composite
def graphs(draw):
    """3-6 tables, each holding 1-3 of 5 key fields (one field each at most shared by
    chance), rows 1-4 with values from a small set."""
    n = draw(st.integers(3, 6))
    tables = {}
    for t in range(n):
        keys = draw(st.lists(st.sampled_from(["k0", "k1", "k2", "k3", "k4"]), min_size=1,
                             max_size=3, unique=True))
        rows = draw(st.integers(1, 4))
        cols = {k: draw(st.lists(st.sampled_from("ab"), min_size=rows, max_size=rows))
                for k in keys}
        cols[f"v{t}"] = [str(i) for i in range(rows)]
        tables[f"T{t}"] = cols
    return tables


@settings(max_examples=150, deadline=None)
@given(graphs(), st.data())
def test_loosening_leaves_no_loop_and_inference_runs(tables, data) -> None:
    model = model_from_rows(tables)
    built = list(model.tables.values())
    # (key parts common to overlapping $Syn tables link the first of them only)
    assert find_loop(built, model.loose_tables, model.unlinked) is None
    # only tables of a loop were loosened, the first one the longest of some loop
    if model.loose_tables:
        assert find_loop(built, (), model.unlinked) is not None
    again, _ = loosen(built, (), model.unlinked)
    assert again == model.loose_tables
    # the association forest is a forest: tables + linked fields - links = components
    nodes = len(model.tables) + len(model.key_tables)
    edges = sum(len(v) for v in model.links.values())
    assert nodes - edges == len(model.components) + sum(
        1 for k, ts in model.key_tables.items() if not ts)
    # a selection anywhere: every field's possible values are among its values
    names = [f for f in model.fields if len(model.fields[f].symbols)]
    name = data.draw(st.sampled_from(names))
    sym = model.fields[name].symbols
    mask = np.zeros(len(sym), dtype=bool)
    mask[data.draw(st.integers(0, len(sym) - 1))] = True
    inf = Inference(model, SelectionState().with_field(name, mask))
    for f, fld in model.fields.items():
        assert len(inf.possible(f)) == len(fld.symbols)
    assert inf.possible(name).sum() <= 1


def test_bad_model_statements_say_where() -> None:
    with pytest.raises(ScriptError) as err:
        run_script("T: LOAD * INLINE [\nA\n1];\nTAG FIELD A WITH;")
    assert (err.value.line, err.value.column) == (4, 17)
    with pytest.raises(ScriptError) as err:
        run_script("T: LOAD * INLINE [\nA\n1];\n\nLOOSEN A;")
    assert (err.value.line, err.value.column) == (5, 8)
    with pytest.raises(ScriptError, match="not found"):
        run_script("T: LOAD * INLINE [\nA\n1];\nTAG TABLE Nope WITH 'x';")
