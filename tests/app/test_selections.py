"""Selections on DocState: every selection action, searches and modal mode without the
protocol, and compare-and-set: selections made at the same time all land."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from associa.app.app import App
from associa.app.doc import DocState
from associa.errors import FieldNotFound, ModalObjectError
from associa.model import DataModel
from associa.select import Inference, SelectionState
from associa.select.actions import select_symbols
from associa.select.propagate import STATE_CODES
from tests.conftest import SALES_SCRIPT


class Events:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []

    def __call__(self, what: str, obj_id: str | None) -> None:
        self.seen.append((what, obj_id))


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def doc(tmp_path: Path, events: Events) -> DocState:
    app = App("a", script=SALES_SCRIPT, base_dir=tmp_path)
    app.reload()
    return DocState(app, events)


def selected(doc: DocState, field: str) -> list[str]:
    model, state, _ = doc.snapshot()
    mask = state.mask(field)
    sym = model.fields[field].symbols
    return [] if mask is None else sorted(sym.text(int(i)) for i in mask.nonzero()[0])


def states(doc: DocState, field: str) -> dict[str, str]:
    model, _, inf = doc.snapshot()
    sym = model.fields[field].symbols
    return {sym.text(i): STATE_CODES[int(s)] for i, s in enumerate(inf.states(field))}


def symbol(doc: DocState, field: str, text: str) -> int:
    found = doc.snapshot()[0].fields[field].symbols.find_text(text)
    assert found is not None
    return found


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Threads switch often, so that requests really interleave."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


# -- the actions ----------------------------------------------------------------------


def test_select_by_symbols_values_and_search(doc: DocState, events: Events) -> None:
    assert doc.select_symbols("Region", [symbol(doc, "Region", "North")])
    assert selected(doc, "Region") == ["North"] and events.seen == [("selection", "$")]
    assert doc.select_values("Region", [{"qText": "South"}], toggle=True)
    assert selected(doc, "Region") == ["North", "South"]
    assert doc.select_match("Product", "b*")
    assert selected(doc, "Product") == ["Bike"]
    assert doc.select("Amount", 100, 150)
    assert selected(doc, "Amount") == ["100", "150"]
    with pytest.raises(FieldNotFound):
        doc.select_symbols("Nosuch", [0])
    with pytest.raises(FieldNotFound):
        doc.select_states("Nosuch", "possible")


def test_select_by_state(doc: DocState) -> None:
    doc.select("Region", "North")
    assert states(doc, "Product") == {"Bike": "O", "Lock": "O", "Helmet": "X"}
    assert doc.select_states("Region", "alternative")
    assert selected(doc, "Region") == ["East", "South"]
    assert doc.select_states("Product", "excluded")
    assert selected(doc, "Product") == ["Lock"]  # excluded by East and South
    doc.clear()
    doc.select("Region", "North")
    assert doc.select_states("Product", "possible")
    assert selected(doc, "Product") == ["Bike", "Lock"]
    assert doc.select_states("Manager", "all")
    assert selected(doc, "Manager") == ["Ann", "Bob", "Cid"]


def test_clear_and_lock(doc: DocState) -> None:
    doc.select("Region", "North")
    doc.select("Product", "Bike")
    assert doc.lock_field("Region")
    assert not doc.lock_field("Manager")  # nothing selected there
    assert not doc.clear_field("Region")  # locked
    assert not doc.select("Region", "South")
    assert doc.select_symbols("Region", [symbol(doc, "Region", "South")], soft_lock=True)
    assert selected(doc, "Region") == ["South"]
    doc.clear_fields(["Region", "Product"])
    assert doc.state.order == ("Region",)  # the locked one stays
    doc.select("Product", "Bike")
    assert doc.clear_others("Product")
    assert doc.state.order == ("Region", "Product")
    assert doc.unlock_field("Region")
    assert doc.select("Manager", "Bob") and doc.lock_field("Manager")
    assert doc.clear_others("Product")  # Region goes, the locked Manager stays
    assert doc.state.order == ("Product", "Manager")
    assert doc.clear_others("Product", soft_lock=True)  # the soft lock clears it and its lock
    assert doc.state.order == ("Product",) and doc.state.locked == frozenset()
    assert doc.select("Manager", "Bob")  # no lock left behind: the field takes selections
    assert doc.clear_others("Product")
    assert doc.select("Region", "South")
    doc.lock_all()
    assert doc.state.locked == {"Region", "Product"}
    doc.clear_all()
    assert doc.state.order == ("Product", "Region")
    doc.unlock_all()
    assert doc.state.locked == frozenset()
    doc.lock_field("Region")
    assert doc.unlock_field("Region") and doc.clear_field("Region")
    doc.lock_field("Product")
    doc.clear_all(locked_also=True)
    assert not doc.state


def test_search_then_accept_or_abort(doc: DocState, events: Events) -> None:
    doc.search("lb", "/qListObjectDef", "Region", "*th*")
    assert doc.searches[("lb", "/qListObjectDef")][0] == "*th*"
    assert events.seen == [("layout", "lb")]
    doc.abort_search("lb", "/qListObjectDef")
    assert doc.searches == {} and not doc.state
    doc.search("lb", "/qListObjectDef", "Region", "*th*")
    doc.accept_search("lb", "/qListObjectDef")
    assert selected(doc, "Region") == ["North", "South"] and doc.searches == {}
    doc.search("lb", "/qListObjectDef", "Region", "North")
    doc.accept_search("lb", "/qListObjectDef", toggle=True)
    assert selected(doc, "Region") == ["South"]
    doc.accept_search("lb", "/qListObjectDef")  # no search on: nothing selected
    assert selected(doc, "Region") == ["South"]
    with pytest.raises(FieldNotFound):
        doc.search("lb", "/qListObjectDef", "Nosuch", "x")


def test_modal_selections(doc: DocState, events: Events) -> None:
    doc.select("Region", "North")
    doc.begin_selections("lb")
    with pytest.raises(ModalObjectError) as info:
        doc.begin_selections("other")
    assert info.value.code == 6003
    doc.begin_selections("lb")  # the same object again: fine
    doc.select("Product", "Bike")
    doc.reset_made_selections("lb")
    assert doc.state.order == ("Region",) and doc.modal is not None
    doc.select("Product", "Lock")
    doc.end_selections("lb", accept=False)
    assert doc.state.order == ("Region",) and doc.modal is None
    doc.begin_selections("lb")
    doc.select("Product", "Lock")
    doc.end_selections("lb", accept=True)
    assert selected(doc, "Product") == ["Lock"]
    doc.begin_selections("cube")
    doc.select("Product", "Bike")
    events.seen.clear()
    doc.abort_modal(accept=False)
    assert selected(doc, "Product") == ["Lock"] and doc.modal is None
    assert events.seen[-1] == ("selection", None)
    doc.abort_modal()  # not in modal mode: nothing happens
    assert events.seen[-1] == ("selection", None) and len(events.seen) == 2


# -- compare-and-set ------------------------------------------------------------------


def test_a_selection_committed_meanwhile_is_not_overwritten(doc: DocState) -> None:
    """Another request commits between this one's read and its commit: this one is
    computed again from the newer state, so both selections stay."""
    north, south = symbol(doc, "Region", "North"), symbol(doc, "Region", "South")
    calls: list[SelectionState] = []

    def toggle_south(model: DataModel, state: SelectionState,
                     inf: Inference) -> SelectionState | None:
        calls.append(state)
        if len(calls) == 1:  # another request lands meanwhile
            doc.select_symbols("Region", [north], toggle=True)
        return select_symbols(model, state, "Region", [south], toggle=True)

    assert doc.update(toggle_south)
    assert len(calls) == 2 and calls[1] is not calls[0]
    assert selected(doc, "Region") == ["North", "South"]
    assert len(doc.back) == 2  # each commit is one step back


def test_update_returns_false_when_nothing_applies(doc: DocState, events: Events) -> None:
    assert doc.update(lambda model, state, inf: None) is False
    assert doc.update(lambda model, state, inf: state) is True  # nothing changed
    assert events.seen == [] and doc.back == []


def test_update_recomputes_after_a_reload(doc: DocState) -> None:
    doc.select("Region", "North")
    seen: list[DataModel] = []

    def compute(model: DataModel, state: SelectionState,
                inf: Inference) -> SelectionState | None:
        seen.append(model)
        if len(seen) == 1:
            doc.app.reload()  # a reload lands between the read and the commit
        return state.with_lock("Region", True)

    assert doc.update(compute)
    assert len(seen) == 2 and seen[1] is doc.app.model is not seen[0]
    assert doc.state.locked == {"Region"} and selected(doc, "Region") == ["North"]


def test_concurrent_toggles_on_one_doc_all_land(tmp_path: Path, fast_switching: None) -> None:
    app = App("c", script="T: LOAD RecNo() as X AutoGenerate 400;", base_dir=tmp_path)
    app.reload()
    doc = DocState(app)
    threads_n, per_thread = 16, 25
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            barrier.wait()
            for j in range(per_thread):
                doc.select("X", k * per_thread + j + 1, toggle=True)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(selected(doc, "X")) == threads_n * per_thread
