"""Inference at sizes where its shortcuts matter, against the definition computed plainly.

``test_propagate.py`` checks the semantics against a brute-force full outer join on tiny
tables. Here the models have thousands of rows, so every path of the engine is taken
(index lists and masks, lookup tables read as bytes and as packed bits, identity columns,
NULL keys, a loop cut by a loose link, scans split over threads), and the answers are
compared with the message-passing definition written out with plain full masks, under
both kernel backends (``conftest.py``).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from associa.kernels import pool
from associa.model import DataModel, SymbolTable, Table, clustering
from associa.select import Inference, SelectionState, inference, shared_for
from associa.select import plan as plan_module
from associa.select.rows import ALL, INDEX, MASK

# -- the definition, plainly ----------------------------------------------------------


def reference(model: DataModel, state: SelectionState) -> dict[str, np.ndarray]:
    """Possible symbols per field by the definitions of ``select.propagate``."""
    sel = state.selected

    def lut(mask):
        return np.append(mask, False)

    def nsym(f):
        return len(model.fields[f].symbols)

    def presence(col, rows, n):
        out = np.zeros(n + 1, dtype=bool)
        out[col[rows]] = True
        return out[:n]

    def rows_of(t, skip):
        table = model.tables[t]
        mask = None
        for f in table.fields:
            if f in model.links[t]:
                if f == skip:
                    continue
                allowed = to_table(f, t)
            else:
                allowed = sel.get(f)
            if allowed is None:
                continue
            hit = lut(allowed)[table.columns[f]]
            mask = hit if mask is None else mask & hit
        return mask

    def to_field(t, k):
        rows = rows_of(t, k)
        return None if rows is None else presence(model.tables[t].columns[k], rows, nsym(k))

    def to_table(k, t):
        acc = None if sel.get(k) is None else sel[k].copy()
        for u in model.key_tables[k]:
            if u != t:
                msg = to_field(u, k)
                if msg is not None:
                    acc = msg if acc is None else acc & msg
        return acc

    out = {}
    for f, fld in model.fields.items():
        acc = np.zeros(nsym(f), dtype=bool)
        for t in fld.tables:
            rows = rows_of(t, None)
            col = model.tables[t].columns[f]
            acc |= presence(col, np.ones(len(col), bool) if rows is None else rows, nsym(f))
        out[f] = acc
    return out


# -- random models --------------------------------------------------------------------


def _symbols(n: int) -> SymbolTable:
    return SymbolTable.from_arrays(np.arange(n, dtype=np.float64) * 3 + 1, None)


def _column(rng, n, nsym, null=0.02):
    col = rng.integers(0, max(nsym, 1), n).astype(np.int32)
    col[rng.random(n) < null] = -1
    return col


def random_model(seed: int, loop: bool = False) -> DataModel:
    """A fact with an identity id, two dimensions (one of them chained to a third) and,
    with ``loop``, a table closing a loop (cut by a loose link)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20_000, 60_000))
    k1 = int(rng.choice([300, 40_000]))  # 40,000 symbols: packed-bit lookup tables
    k2 = int(rng.integers(50, 3000))
    k3 = int(rng.integers(5, 60))
    syms = {"Id": _symbols(n), "K1": _symbols(k1 + 50), "K2": _symbols(k2 + 20),
            "K3": _symbols(k3), "A": _symbols(97), "B": _symbols(11), "C": _symbols(700),
            "D": _symbols(4)}
    fact = Table("Fact", ["Id", "K1", "K2", "A"], {
        "Id": np.arange(n, dtype=np.int32),
        "K1": _column(rng, n, k1),
        "K2": _column(rng, n, k2),
        "A": _column(rng, n, 97, 0.1),
    }, n)
    d1n = k1 + 30  # keys without facts, and facts whose key is in no row here
    d1keys = rng.permutation(k1 + 50)[:d1n].astype(np.int32)
    dim1 = Table("Dim1", ["K1", "B"], {"K1": d1keys, "B": _column(rng, d1n, 11)}, d1n)
    d2n = k2 + 10
    d2keys = rng.permutation(k2 + 20)[:d2n].astype(np.int32)
    d2keys[rng.random(d2n) < 0.01] = -1
    dim2 = Table("Dim2", ["K2", "C", "K3"], {
        "K2": d2keys, "C": _column(rng, d2n, 700), "K3": _column(rng, d2n, k3, 0.05)}, d2n)
    d3 = Table("Dim3", ["K3", "D"], {"K3": np.arange(k3, dtype=np.int32),
                                     "D": _column(rng, k3, 4, 0)}, k3)
    tables = [fact, dim1, dim2, d3]
    if loop:
        ln = 500
        tables.append(Table("Loop", ["K3", "B"], {"K3": _column(rng, ln, k3),
                                                  "B": _column(rng, ln, 11)}, ln))
    return DataModel(tables, syms)


def random_state(model: DataModel, rng, fields: list[str]) -> SelectionState:
    state = SelectionState()
    for f in fields:
        n = len(model.fields[f].symbols)
        density = rng.choice([0.001, 0.03, 0.3, 0.9])
        mask = rng.random(n) < density
        if not mask.any():
            mask[rng.integers(0, n)] = True
        state = state.with_field(f, mask)
    return state


CASES = [(seed, loop) for seed in range(6) for loop in (False, True)]


@pytest.mark.parametrize(("seed", "loop"), CASES)
@pytest.mark.parametrize("postings", [False, True], ids=["scans", "postings"])
@pytest.mark.parametrize("grouped", [True, False], ids=["grouped", "load-order"])
def test_possible_and_alternative_match_the_definition(backend, seed, loop, postings, grouped,
                                                       monkeypatch):
    # selective lookup tables read their rows from postings (at any size here)
    monkeypatch.setattr(plan_module, "POSTINGS_MIN_ROWS", 0 if postings else 1 << 40)
    if not grouped:  # the fact's rows in load order (else grouped by a key)
        monkeypatch.setattr(clustering, "MIN_ROWS", 1 << 62)
    model = random_model(seed, loop)
    fact = model.tables["Fact"]
    if grouped:  # by its widest key of fewer values than rows
        assert fact.origin is not None and not fact.is_identity("Id")
        key = max((k for k in ("K1", "K2") if len(model.fields[k].symbols) < fact.nrows),
                  key=lambda k: len(model.fields[k].symbols))
        col = fact.columns[key]
        starts = np.flatnonzero(np.diff(col, prepend=-1))  # one run per code, in its order
        order = fact.group_order
        present = np.arange(len(model.fields[key].symbols) + 1) if order is None else order
        held = set(col.tolist())
        assert col[starts].tolist() == [c for c in present.tolist() if c in held]
    else:
        assert fact.origin is None and fact.is_identity("Id")
    if loop:
        assert model.loose_links
    rng = np.random.default_rng(100 + seed)
    names = model.data_fields
    for _ in range(4):
        picks = list(rng.choice(names, size=int(rng.integers(1, 4)), replace=False))
        state = random_state(model, rng, picks)
        want = reference(model, state)
        inf = Inference(model, state)
        for f in names:
            assert np.array_equal(inf.possible(f), want[f]), (f, picks)
        for f in picks:
            alt = reference(model, state.without({f}))[f]
            assert np.array_equal(inf.alternative(f), alt), (f, picks)
        # each table's rows hold only possible values, and every possible value of a
        # field occurs in the possible rows of some table holding it
        for t, table in model.tables.items():
            rows = inf.rows(t)
            assert rows.count == int(rows.mask().sum())
            assert rows.kind in (ALL, MASK, INDEX)
            if rows.kind == INDEX:
                assert np.all(np.diff(rows.indices()) > 0)
            for f in table.fields:
                if f in model.links[t]:
                    continue
                codes = table.columns[f][rows.mask()]
                codes = codes[codes < len(model.fields[f].symbols)]
                assert want[f][codes].all()


def test_scans_split_over_threads_give_the_same_answers(monkeypatch, backend):
    model = random_model(7)
    state = random_state(model, np.random.default_rng(1), ["B", "C"])
    want = reference(model, state)
    monkeypatch.setattr(pool, "SPLIT_MIN", 1000)
    monkeypatch.setattr(pool, "WORKERS", 2)
    inf = Inference(model, state)
    for f in model.data_fields:
        assert np.array_equal(inf.possible(f), want[f]), f


def test_row_forms_and_provenance(unclustered):
    model = random_model(3)
    fact = model.tables["Fact"]
    a = model.fields["A"].symbols
    one = np.zeros(len(a), dtype=bool)
    one[5] = True  # ~1% of the facts: an index list
    inf = Inference(model, SelectionState().with_field("A", one))
    rows = inf.rows("Fact")
    assert rows.kind == INDEX and rows.source is not None and rows.source[0] == "A"
    assert np.array_equal(rows.indices(), np.flatnonzero(fact.columns["A"] == 5))
    # the selected field's symbols come from the lookup table (provenance)
    assert np.flatnonzero(inf.possible("A")).tolist() == [5]
    many = np.ones(len(a), dtype=bool)
    many[:10] = False
    dense = Inference(model, SelectionState().with_field("A", many)).rows("Fact")
    assert dense.kind == MASK and not dense.mask().flags.writeable
    # the identity column's selection is a mask over its own rows
    ids = np.zeros(fact.nrows, dtype=bool)
    ids[[1, 7, 9]] = True
    by_id = Inference(model, SelectionState().with_field("Id", ids))
    assert by_id.rows("Fact").indices().tolist() == [1, 7, 9]
    assert np.flatnonzero(by_id.possible("Id")).tolist() == [1, 7, 9]
    assert by_id.row_masks["Fact"].sum() == 3 and by_id.row_masks["Dim3"] is not None


# -- sharing ----------------------------------------------------------------------------


def test_one_inference_per_state():
    model = random_model(4)
    rng = np.random.default_rng(5)
    state = random_state(model, rng, ["B", "D"])
    again = SelectionState().with_field("D", state.selected["D"].copy()).with_field(
        "B", state.selected["B"].copy())  # same selections, other order and objects
    assert again.key() == state.key()
    assert inference(model, state) is inference(model, again)
    assert inference(model, state) is not inference(model, state.with_lock("B", True))
    other = state.with_field("B", ~state.selected["B"])
    assert inference(model, other) is not inference(model, state)


def test_alternatives_reuse_the_shared_messages():
    """A state less one field's selection shares the messages of the rest of the model:
    the alternative of a dimension's field reads the fact's message computed for the
    state itself."""
    model = random_model(5)
    shared = shared_for(model)
    b = np.zeros(len(model.fields["B"].symbols), dtype=bool)
    b[:3] = True
    c = np.zeros(len(model.fields["C"].symbols), dtype=bool)
    c[:100] = True
    state = SelectionState().with_field("B", b).with_field("C", c)
    inf = inference(model, state)
    for f in model.data_fields:
        inf.states(f)
    computed = len(shared.messages)
    alt = inf.alternative("B")
    assert len(shared.messages) == computed  # nothing new: every message was there
    assert np.array_equal(alt, reference(model, state.without({"B"}))["B"])


def test_threads_asking_at_once_compute_once(monkeypatch):
    model = random_model(6)
    state = random_state(model, np.random.default_rng(2), ["C"])
    calls = []
    original = Inference._make_rows

    def counting(self, table, filters, whole):
        calls.append(table)
        return original(self, table, filters, whole)

    monkeypatch.setattr(Inference, "_make_rows", counting)
    inf = inference(model, state)
    start = threading.Barrier(8)
    results = []

    def ask(f):
        start.wait()
        results.append((f, inf.states(f).copy()))

    threads = [threading.Thread(target=ask, args=(f,)) for f in model.data_fields[:8]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == len(set(calls))  # each row set made once
    want = reference(model, state)
    for f, states in results:
        # possible: selected (1) or optional (2); alternative and excluded values are not
        assert np.array_equal(np.isin(states, [1, 2]), want[f]), f


def test_conflict_resolution_reads_the_shared_inference():
    from associa.select.actions import select_symbols

    model = random_model(8)
    shared = shared_for(model)
    state = SelectionState()
    new = select_symbols(model, state, "B", [1, 2])
    assert new is not None
    before = len(shared.inferences)
    inf = inference(model, new)  # the new state's inference: made while selecting
    assert len(shared.inferences) == before
    assert ("P", "B") in inf._memo  # possible("B") was computed while selecting


def test_postings_give_the_rows_of_a_scan(monkeypatch, unclustered):
    """A selective lookup table on a column with postings reads its rows from them: the
    same index list as the scan, made once per column and kept with the model."""
    model = random_model(9)
    k2 = model.fields["K2"].symbols
    few = np.zeros(len(k2), dtype=bool)
    few[:3] = True
    state = SelectionState().with_field("K2", few)
    monkeypatch.setattr(plan_module, "POSTINGS_MIN_ROWS", 1 << 40)
    scanned = Inference(model, state).rows("Fact")
    plan = shared_for(model).plan
    assert plan.postings("Fact", "K2") is None
    monkeypatch.setattr(plan_module, "POSTINGS_MIN_ROWS", 0)
    shared_for(model).row_sets = type(shared_for(model).row_sets)(64, 1 << 30, lambda r: r.nbytes)
    read = Inference(model, state).rows("Fact")
    assert read is not scanned and read.kind == INDEX
    assert np.array_equal(read.indices(), scanned.indices())
    order, offsets, runs = plan.postings("Fact", "K2")  # type: ignore[misc]
    assert plan.postings("Fact", "K2")[0] is order  # type: ignore[index]
    assert runs is None
    assert plan.nbytes > order.nbytes + offsets.nbytes
    col = model.tables["Fact"].columns["K2"]
    assert np.array_equal(order, np.argsort(col, kind="stable"))
    assert plan.postings("Fact", "Id") is None  # an identity: no postings


def test_the_grouped_key_reads_its_rows_as_ranges(monkeypatch):
    """The key a fact's rows are grouped by keeps no posting lists: a selective lookup
    table's rows are ranges of rows, the same as a scan gives, at any table length."""
    monkeypatch.setattr(plan_module, "POSTINGS_MIN_ROWS", 1 << 40)
    model = random_model(9)
    fact = model.tables["Fact"]
    key = fact.grouped_by
    assert key in ("K1", "K2") and fact.origin is not None
    sym = model.fields[key].symbols
    few = np.zeros(len(sym), dtype=bool)
    few[[1, 5, 8]] = True
    rows = Inference(model, SelectionState().with_field(key, few)).rows("Fact")
    plan = shared_for(model).plan
    order, offsets, runs = plan.postings("Fact", key)  # type: ignore[misc]
    assert order is None and offsets[-1] == fact.nrows
    assert plan.nbytes > offsets.nbytes  # the postings are counted with the plan
    col = fact.columns[key]
    assert rows.kind == INDEX
    assert np.array_equal(rows.indices(), np.flatnonzero(few[np.minimum(col, len(sym) - 1)]
                                                         & (col < len(sym))))


def test_a_click_reuses_the_row_sets_of_the_state_it_started_from(monkeypatch):
    """Row sets are shared by states agreeing on the selections they depend on: after
    ``{B}``, the state ``{B, D}`` narrows the fact rows ``{B}`` made instead of scanning
    the fact again through B's key."""
    model = random_model(10)
    b = np.zeros(len(model.fields["B"].symbols), dtype=bool)
    b[:2] = True
    d = np.zeros(len(model.fields["D"].symbols), dtype=bool)
    d[:2] = True
    first = SelectionState().with_field("B", b)
    inference(model, first).rows("Fact")
    made = []
    original = Inference._make_rows

    def counting(self, table, filters, whole):
        made.append((table, tuple(sorted(f for f, _ in filters))))
        return original(self, table, filters, whole)

    monkeypatch.setattr(Inference, "_make_rows", counting)
    state = first.with_field("D", d)
    inf = inference(model, state)
    got = inf.rows("Fact")
    assert ("Fact", ("K1",)) not in made  # the fact rows through B's key: reused
    want = reference(model, state)
    for f in model.data_fields:
        assert np.array_equal(inf.possible(f), want[f]), f
    assert got.count == int(got.mask().sum())
