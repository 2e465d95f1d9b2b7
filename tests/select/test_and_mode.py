"""AND mode and NOT selections (QlikView help, "And-mode in list boxes"): a field that is
the second of a two-field table without repeated rows may be put in AND mode; its
selected values must then all, and its NOT selections (state D) none, be associated with
a value of the table's first field. Checked against the rule written out on random
purchase tables, through the selection API and through QIX."""

from __future__ import annotations

import random

import pytest

from associa.app.app import App
from associa.app.doc import DocState
from associa.app.selections import and_mode_allowed
from associa.model.builder import model_from_rows
from associa.select.propagate import STATE_CODES
from tests.conftest import Client

# Ann bought a Cap and a Tee, Bob a Cap, Cid a Tee
BOUGHT = """Customers:
LOAD * INLINE [
Customer, Country
Ann, Sweden
Bob, Norway
Cid, Sweden
];
Bought:
LOAD * INLINE [
Customer, Product
Ann, Cap
Ann, Tee
Bob, Cap
Cid, Tee
];
"""


def purchases(rng: random.Random) -> dict[str, dict[str, list]]:
    customers = [f"c{i}" for i in range(6)]
    products = ["Cap", "Tee", "Bag", "Mug", "Pen"]
    pairs = sorted({(rng.choice(customers), rng.choice(products)) for _ in range(14)})
    return {
        "Customers": {"Customer": customers, "Country": [rng.choice("ABC") for _ in customers]},
        "Bought": {"Customer": [c for c, _ in pairs], "Product": [p for _, p in pairs]},
    }


def doc_of(tables: dict[str, dict[str, list]]) -> DocState:
    app = App("and")
    app.model = model_from_rows(tables)
    return DocState(app)


def symbols(doc: DocState, field: str, texts: list[str]) -> list[int]:
    sym = doc.snapshot()[0].fields[field].symbols
    return [sym.find_text(t) for t in texts]


def states(doc: DocState, field: str) -> dict[str, str]:
    model, _, inf = doc.snapshot()
    sym = model.fields[field].symbols
    return {sym.text(i): STATE_CODES[c] for i, c in enumerate(inf.states(field).tolist())}


@pytest.mark.parametrize("seed", range(15))
def test_and_and_not_selections_follow_the_rule(seed: int) -> None:
    rng = random.Random(seed)
    tables = purchases(rng)
    doc = doc_of(tables)
    assert doc.set_and_mode("Product", True)
    bought = tables["Bought"]
    pairs = set(zip(bought["Customer"], bought["Product"], strict=True))
    products = sorted(set(bought["Product"]))
    wanted = rng.sample(products, rng.randint(1, 2))
    refused = rng.sample([p for p in products if p not in wanted], rng.randint(0, 1))
    doc.select_symbols("Product", symbols(doc, "Product", wanted))
    if refused:
        assert doc.select_not("Product", symbols(doc, "Product", refused))
    # the rule, written out: customers who bought every wanted and no refused product
    ok = {c for c in tables["Customers"]["Customer"]
          if all((c, p) in pairs for p in wanted) and not any((c, p) in pairs for p in refused)}
    got = {c for c, s in states(doc, "Customer").items() if s == "O"}
    assert got == ok
    product_states = states(doc, "Product")
    for p in refused:
        assert product_states[p] == "D"
    for p in wanted:
        assert product_states[p] == ("S" if ok else "XS")
    countries = {tables["Customers"]["Country"][tables["Customers"]["Customer"].index(c)]
                 for c in ok}
    assert {c for c, s in states(doc, "Country").items() if s == "O"} == countries
    # without AND mode the same selections are an OR: any wanted product
    doc.set_and_mode("Product", False)
    any_buyer = {c for c, p in pairs if p in wanted}
    assert {c for c, s in states(doc, "Customer").items() if s == "O"} == any_buyer
    assert "D" not in states(doc, "Product").values()


def test_and_mode_only_where_the_field_allows_it() -> None:
    tables = purchases(random.Random(1))
    model = model_from_rows(tables)
    assert and_mode_allowed(model, "Product")
    assert not and_mode_allowed(model, "Customer")  # in two tables
    assert and_mode_allowed(model, "Country")  # the second of Customers: allowed too
    wide = {"T": {"K": [1, 2], "V": ["a", "b"], "W": ["x", "y"]}}
    assert not and_mode_allowed(model_from_rows(wide), "V")  # a table of three fields
    doc = doc_of(tables)
    assert not doc.set_and_mode("Customer", True)
    assert "Customer" not in doc.state.and_fields
    twice = {"T": {"K": [1, 1], "V": ["a", "a"]}, "D": {"K": [1], "W": ["x"]}}
    assert not and_mode_allowed(model_from_rows(twice), "V")  # a row twice
    assert not doc.select_not("Country", [0])  # not in AND mode: no NOT selection
    assert not doc.set_and_mode("Customer", True) and doc.set_and_mode("Country", True)


def test_and_mode_through_qix(client: Client) -> None:
    assert client.session_app(BOUGHT) == 1
    product = client.call("GetField", "Product", handle=1)["qReturn"]["qHandle"]
    customer = client.call("GetField", "Customer", handle=1)["qReturn"]["qHandle"]
    assert client.call("GetAndMode", handle=product) == {"qReturn": False}
    client.call("SetAndMode", True, handle=product)
    assert client.call("GetAndMode", handle=product) == {"qReturn": True}
    client.call("SetAndMode", True, handle=customer)  # in two tables: stays off
    assert client.call("GetAndMode", handle=customer) == {"qReturn": False}
    client.call("SelectValues", [{"qText": "Cap"}, {"qText": "Tee"}], handle=product)
    lb = client.create({"qInfo": {"qType": "lb"}, "qListObjectDef": {
        "qDef": {"qFieldDefs": ["Customer"]},
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 10}]}})
    page = client.layout(lb)["qListObject"]["qDataPages"][0]["qMatrix"]
    assert {r[0]["qText"]: r[0]["qState"] for r in page} == {"Ann": "O", "Bob": "X",
                                                             "Cid": "X"}
    current = client.create({"qInfo": {"qType": "cur"}, "qSelectionObjectDef": {}})
    item = client.layout(current)["qSelectionObject"]["qSelections"][0]
    assert {i["qFieldSelectionMode"] for i in item["qSelectedFieldSelectionInfo"]} == {"AND"}


def test_not_selections_survive_clear_rules_and_the_history() -> None:
    tables = purchases(random.Random(3))
    doc = doc_of(tables)
    doc.set_and_mode("Product", True)
    first = tables["Bought"]["Product"][0]
    cap = symbols(doc, "Product", [first])
    before = doc.all_states()
    doc.select_not("Product", cap)
    assert states(doc, "Product")[first] == "D"
    assert doc.state.has_selection("Product")
    doc.step(forward=False)
    assert doc.all_states()["$"].excluded == before["$"].excluded == {}
    doc.step(forward=True)
    assert states(doc, "Product")[first] == "D"
    doc.clear_all()
    assert "D" not in states(doc, "Product").values()
    assert "Product" in doc.state.and_fields  # the mode stays, the selections go
    assert not doc.state.excluded


def test_a_bookmark_keeps_and_mode_and_not_selections(client: Client) -> None:
    """BookmarkFieldItem: qAndMode and qExcludedValues (the NOT selections) are saved and
    applied back."""
    assert client.session_app(BOUGHT) == 1
    product = client.call("GetField", "Product", handle=1)["qReturn"]["qHandle"]
    client.call("SetAndMode", True, handle=product)
    client.call("SelectValues", [{"qText": "Tee"}], handle=product)
    # a NOT selection through the selection API (QIX has no call for one)
    doc = client.session.doc
    cap = doc.snapshot()[0].fields["Product"].symbols.find_text("Cap")
    assert doc.select_not("Product", [cap])
    bm = client.call("CreateBookmark", {"qInfo": {"qId": "and", "qType": "bookmark"}},
                     handle=1)["qReturn"]["qHandle"]
    props = client.call("GetProperties", handle=bm)["qProp"]
    assert props["qInfo"]["qId"] == "and"
    total = lambda: client.call("Evaluate", "Count(DISTINCT Customer)", handle=1)["qReturn"]  # noqa: E731
    assert total() == "1"  # Cid: bought Tee, not Cap
    client.call("ClearAll", handle=1)
    client.call("SetAndMode", False, handle=product)
    assert total() == "3"
    assert client.call("ApplyBookmark", "and", handle=1) == {"qSuccess": True}
    assert total() == "1"
    assert client.call("GetAndMode", handle=product) == {"qReturn": True}
