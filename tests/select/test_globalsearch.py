"""Global search: term hits under each context, the combinations of associated values
(against a brute-force full outer join on random models), their order, the budget of
hypothetical states, suggestions and highlight ranges."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from associa.errors import InvalidParameters
from associa.model.builder import model_from_rows
from associa.select import SelectionState
from associa.select import globalsearch as gs
from tests.select import draw_selections
from tests.select.test_propagate import oracle, tree_models

SHOP = {
    "Sales": {
        "Region": ["North", "North", "South", "East", "West"],
        "Product": ["Mountain Bike", "Lock", "Mountain Bike", "Helmet", "Road Bike"],
        "Amount": [100, 20, 150, 40, 70],
    },
    "Regions": {"Region": ["North", "South", "East", "West"],
                "Manager": ["Ann", "Bob", "Cid", "Northcott"]},
}


@pytest.fixture(scope="module")
def shop():
    return model_from_rows(SHOP)


def select(model, state: SelectionState, field: str, *texts: str) -> SelectionState:
    sym = model.fields[field].symbols
    mask = np.zeros(len(sym), dtype=bool)
    mask[[sym.find_text(t) for t in texts]] = True
    return state.with_field(field, mask)


def readable(model, combos: gs.Combinations) -> list[tuple]:
    """Each combination as (terms, ((field, terms, texts), ...))."""
    sym = lambda f: model.fields[f].symbols  # noqa: E731
    return [(c.terms, tuple((m.field, m.terms, tuple(sym(m.field).texts_at(m.symbols).tolist()))
                            for m in c.fields)) for c in combos.items]


def run(model, terms, state=None, context=gs.CLEARED, fields=None):
    matches = gs.search(model, state or SelectionState(), terms, context, fields)
    return readable(model, gs.combinations(matches))


def test_terms_in_associated_fields_make_one_combination(shop) -> None:
    assert run(shop, ["north", "road"]) == [
        # North sold no road bike: no combination of both terms; Northcott manages West
        ((0, 1), (("Product", (1,), ("Road Bike",)), ("Manager", (0,), ("Northcott",)))),
        ((0,), (("Region", (0,), ("North",)),)),
        ((0,), (("Manager", (0,), ("Northcott",)),)),
        ((1,), (("Product", (1,), ("Road Bike",)),)),
    ]


def test_hits_of_a_combination_are_the_associated_values(shop) -> None:
    # "bike" hits both bikes, but with North only the mountain bike goes
    assert run(shop, ["bike", "north"])[0] == (
        (0, 1), (("Region", (1,), ("North",)), ("Product", (0,), ("Mountain Bike",))))


def test_one_value_matching_every_term_comes_first(shop) -> None:
    got = run(shop, ["mountain", "bike"])
    assert got[0] == ((0, 1), (("Product", (0, 1), ("Mountain Bike",)),))
    assert [g[0] for g in got] == [(0, 1), (0,), (1,)]
    assert got[2] == ((1,), (("Product", (1,), ("Mountain Bike", "Road Bike")),))


def test_a_term_without_hits_and_no_terms(shop) -> None:
    assert run(shop, ["zebra"]) == []
    assert run(shop, ["zebra", "lock"]) == [((1,), (("Product", (1,), ("Lock",)),))]
    assert run(shop, []) == []
    assert run(shop, ["", "  "]) == []


def test_search_fields_limit_and_order(shop) -> None:
    assert run(shop, ["north"], fields=["Manager", "Region"]) == [
        ((0,), (("Manager", (0,), ("Northcott",)),)),
        ((0,), (("Region", (0,), ("North",)),)),
    ]
    assert run(shop, ["north"], fields=["Manager", "Nosuch"]) == [
        ((0,), (("Manager", (0,), ("Northcott",)),))]


def test_hidden_and_system_fields_only_when_named() -> None:
    model = model_from_rows({"T": {"Name": ["alpha", "beta"], "Code": ["al", "be"]}})
    model.fields["Code"].hidden = True
    assert gs.searched_fields(model) == ["Name"]
    assert gs.searched_fields(model, ["Code", "$Field"]) == ["Code", "$Field"]
    assert run(model, ["al"]) == [((0,), (("Name", (0,), ("alpha",)),))]
    assert run(model, ["code"], fields=["$Field"]) == [((0,), (("$Field", (0,), ("Code",)),))]


def test_contexts(shop) -> None:
    north = select(shop, SelectionState(), "Region", "North")
    # Cleared: as if nothing were selected
    assert run(shop, ["helmet"], north, gs.CLEARED) == [((0,), (("Product", (0,), ("Helmet",)),))]
    # CurrentSelections: possible values only, the selected field narrowed
    assert run(shop, ["helmet"], north, gs.CURRENT_SELECTIONS) == []
    assert run(shop, ["bike"], north, gs.CURRENT_SELECTIONS) == [
        ((0,), (("Product", (0,), ("Mountain Bike",)),))]
    assert run(shop, ["south"], north, gs.CURRENT_SELECTIONS) == []
    # LockedFieldsOnly: an unlocked selection is left out ...
    assert run(shop, ["helmet"], north, gs.LOCKED_FIELDS_ONLY) == [
        ((0,), (("Product", (0,), ("Helmet",)),))]
    # ... a locked one applies, and its field hits its associated (selected) values only
    locked = north.with_lock("Region", True)
    assert run(shop, ["helmet"], locked, gs.LOCKED_FIELDS_ONLY) == []
    assert run(shop, ["south"], locked, gs.LOCKED_FIELDS_ONLY) == []
    assert run(shop, ["north", "lock"], locked, gs.LOCKED_FIELDS_ONLY)[0] == (
        (0, 1), (("Region", (0,), ("North",)), ("Product", (1,), ("Lock",))))


def test_base_state_of_each_context(shop) -> None:
    state = select(shop, SelectionState(), "Region", "North")
    state = select(shop, state, "Product", "Lock").with_lock("Product", True)
    assert gs.base_state(state, gs.CLEARED).selected == {}
    assert set(gs.base_state(state, gs.LOCKED_FIELDS_ONLY).selected) == {"Product"}
    assert gs.base_state(state, gs.CURRENT_SELECTIONS) is state


def test_budget_of_hypothetical_states(shop) -> None:
    matches = gs.search(shop, SelectionState(), ["north", "road"], gs.CLEARED)
    full = gs.combinations(matches)
    assert not full.truncated
    none = gs.combinations(matches, max_states=0)
    assert none.truncated
    # every one-field combination is there: they need no inference
    assert readable(shop, none) == [c for c in readable(shop, full) if len(c[1]) == 1]


def test_budget_of_partial_combinations() -> None:
    """Twelve terms hitting one value: 4095 subsets; a search cut short keeps the
    combinations of more terms, the one of every term first."""
    model = model_from_rows({"T": {"F": ["a b c d e f g h i j k l"]}})
    matches = gs.search(model, SelectionState(), list("abcdefghijkl"), gs.CLEARED)
    assert len(gs.combinations(matches).items) == 4095
    cut = gs.combinations(matches, max_nodes=40)
    assert cut.truncated and 0 < len(cut.items) < 40
    assert cut.items[0].terms == tuple(range(12))
    with pytest.raises(InvalidParameters):
        gs.search(model, SelectionState(), ["a"] * (gs.MAX_TERMS + 1), gs.CLEARED)


def test_field_values_and_suggestions(shop) -> None:
    matches = gs.search(shop, SelectionState(), ["no", "bike"], gs.CLEARED)
    assert matches.fields_hit() == ["Region", "Product", "Manager"]
    symbols, terms = matches.field_values("Product")
    texts = shop.fields["Product"].symbols.texts_at(symbols).tolist()
    assert list(zip(texts, terms, strict=True)) == [("Mountain Bike", [1]), ("Road Bike", [1])]
    assert gs.suggestions(matches, 10) == [("North", 0), ("Northcott", 0),
                                           ("Road Bike", 1), ("Mountain Bike", 1)]
    assert gs.suggestions(matches, 1) == [("North", 0), ("Road Bike", 1)]


@pytest.mark.parametrize(("text", "term", "ranges"), [
    ("Mountain Bike", "bi", [(9, 2)]),
    ("bike bikes Bi", "bike", [(0, 4), (5, 4)]),
    ("Mountain Bike", "mountain bike", [(0, 8), (9, 4)]),
    ("Mountain Bike", '"mou bi"', [(0, 3), (9, 2)]),
    ("Straße", "strass", [(0, 5)]),  # ß folds to ss: five characters make "strass"
    ("Bike", "b*e", [(0, 4)]),
    ("150", ">100", [(0, 3)]),
    ("Bike", "", []),
])
def test_match_ranges(text: str, term: str, ranges: list) -> None:
    assert gs.match_ranges(text, term) == ranges


def test_ranges_in_utf8_and_utf16() -> None:
    text = "Zoë 😀 Bike"
    pos, count = gs.match_ranges(text, "bike")[0]
    assert (pos, count) == (6, 4)
    assert gs.encode_range(text, pos, count, "Utf8") == (len("Zoë 😀 ".encode()), 4)
    assert gs.encode_range(text, pos, count, "Utf16") == (7, 4)  # the emoji is two units
    assert gs.encode_range("Ab", 1, 1, "Utf16") == (1, 1)


@pytest.mark.parametrize(("text", "term", "hit"), [
    ("Sales by region", "sal", True), ("Sales by region", "reg sa", True),
    ("Sales by region", "ales", False), ("Sales", "s*s", True), ("Sales", "s?les", True),
    ("150", ">=150", True), ("150", "<100", False), ("abc", ">1", False), ("x", " ", False),
])
def test_a_search_string_matches_one_text_as_it_matches_a_field(text: str, term: str,
                                                                hit: bool) -> None:
    """Object titles are searched with the rules of field values (select.search)."""
    from associa.model.builder import model_from_rows
    from associa.select.search import matches_text, search_symbols

    assert matches_text(text, term) is hit
    value = int(text) if text.isdigit() else text  # as a load script reads it: a number
    model = model_from_rows({"T": {"F": [value]}})
    assert bool(search_symbols(model, "F", term)) is hit


# -- against the definition, on random models ----------------------------------------------


TERMS = ["a", "b", "c", "*"]


def expected(model, tables, base: dict[str, set], fields: list[str], terms: list[str]) -> set:
    """Every combination by its definition: each term left out or given a field; a
    field's values match all its terms and are possible in the base state (the full
    outer join's); the combination holds when, with those values selected over the base
    selections, each field keeps a possible value; its hits are those values."""
    cand = oracle(tables, base)
    out = set()
    for choice in itertools.product([None, *fields], repeat=len(terms)):
        given_terms: dict[str, list[int]] = {}
        for t, f in enumerate(choice):
            if f is not None:
                given_terms.setdefault(f, []).append(t)
        if not given_terms:
            continue
        values = {f: {v for v in cand.get(f, set())
                      if all(terms[t] in ("*", v) for t in ts)} for f, ts in given_terms.items()}
        if not all(values.values()):
            continue
        possible = oracle(tables, {**base, **values})
        hits = {f: frozenset(possible.get(f, set()) & values[f]) for f in values}
        if all(hits.values()):
            out.add((tuple(sorted(t for ts in given_terms.values() for t in ts)),
                     frozenset((f, tuple(ts), hits[f]) for f, ts in given_terms.items())))
    return out


@settings(max_examples=150, deadline=None)
@given(tree_models(), st.data())
def test_combinations_match_the_full_outer_join(tables, data) -> None:
    model = model_from_rows(tables)
    fields = gs.searched_fields(model)
    state, selections = draw_selections(model, fields, data)
    context = data.draw(st.sampled_from([gs.CLEARED, gs.CURRENT_SELECTIONS]))
    base = selections if context == gs.CURRENT_SELECTIONS else {}
    # two terms: each alone, and both in one field or in two (associated or not)
    terms = data.draw(st.lists(st.sampled_from(TERMS), min_size=2, max_size=2))
    combos = gs.combinations(gs.search(model, state, terms, context))
    got = {(c.terms, frozenset((m.field, m.terms, frozenset(
        model.fields[m.field].symbols.texts_at(m.symbols).tolist())) for m in c.fields))
        for c in combos.items}
    assert len(got) == len(combos.items)
    assert got == expected(model, tables, base, fields, terms)
    keys = [(-len(c.terms), len(c.fields), c.terms, [fields.index(m.field) for m in c.fields],
             [m.terms for m in c.fields]) for c in combos.items]
    assert keys == sorted(keys)
