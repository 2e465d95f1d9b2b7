"""Properties of selecting, on random small tree-shaped models with random selections:

* selecting a possible value never empties the model: the value becomes selected and
  possible, and every other selected field keeps a possible selected value;
* selecting an excluded value keeps it selected and possible (the conflicting selections
  give way), unless a locked field holds it out;
* selections in one state never change another state's values.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from associa.model.builder import model_from_rows
from associa.select import Inference, inference
from associa.select.actions import select_symbols
from tests.select import draw_selections
from tests.select.test_propagate import tree_models


def _fields(model):
    return sorted(f for f in model.data_fields if len(model.fields[f].symbols))


@settings(max_examples=150, deadline=None)
@given(tree_models(), st.data())
def test_selecting_a_possible_value_never_empties_the_model(tables, data):
    model = model_from_rows(tables)
    fields = _fields(model)
    if not fields:
        return
    state, _ = draw_selections(model, fields, data)
    before = Inference(model, state)
    name = data.draw(st.sampled_from(fields))
    possible = np.flatnonzero(before.possible(name))
    if not len(possible):
        return
    value = int(data.draw(st.sampled_from(possible.tolist())))
    after_state = select_symbols(model, state, name, [value])
    assert after_state is not None
    after = inference(model, after_state)
    assert after.possible(name)[value]
    # the row that made it possible satisfies every other selection too: each selected
    # field keeps a selected value that is possible
    for f, mask in state.selected.items():
        if f != name:
            assert (after.possible(f) & mask).any(), f


@settings(max_examples=150, deadline=None)
@given(tree_models(), st.data())
def test_selecting_an_excluded_value_makes_it_possible(tables, data):
    model = model_from_rows(tables)
    fields = _fields(model)
    if not fields:
        return
    state, _ = draw_selections(model, fields, data)
    name = data.draw(st.sampled_from(fields))
    inf = Inference(model, state)
    excluded = np.flatnonzero(~inf.possible(name))
    if not len(excluded):
        return
    value = int(data.draw(st.sampled_from(excluded.tolist())))
    new = select_symbols(model, state, name, [value])
    assert new is not None
    assert inference(model, new).possible(name)[value]  # nothing locked: others gave way


@settings(max_examples=100, deadline=None)
@given(tree_models(), st.data())
def test_a_state_never_sees_another_states_selections(tables, data):
    """The same session's two states (DocState) side by side: each one's values are
    those of its own selections alone."""
    from associa.app.app import App
    from associa.app.doc import DocState

    model = model_from_rows(tables)
    fields = _fields(model)
    app = App("props")
    app.model = model
    app.add_state("B")
    doc = DocState(app)
    a_state, _ = draw_selections(model, fields, data)
    b_state, _ = draw_selections(model, fields, data)
    doc.set_state(a_state)
    doc.set_state(b_state, "B")
    for f in fields:
        assert doc.snapshot()[2].states(f).tolist() == Inference(model, a_state).states(f).tolist()
        assert doc.snapshot("B")[2].states(f).tolist() == \
            Inference(model, b_state).states(f).tolist()
