"""Per-model orders of a field's symbols against the rules computed plainly in Python."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from associa.model import DataModel, SymbolTable, Table, orders
from associa.model.builder import model_from_rows
from associa.model.derived import derived

MIXED = ["b", "B", "a", 10, "ä", "Ä", 2, "ß", "ss", "SS", 2.5, "", "Z", "\u212a", "k", -1,
         "straße", "STRASSE", "é", "e", "E", "10", "abc", "ABC", "Abc", None]


def texts_of(model, name):
    sym = model.fields[name].symbols
    return [sym.text(i) for i in range(len(sym))]


def plain_rank(texts):
    order = sorted(range(len(texts)), key=lambda i: (texts[i].casefold(), texts[i]))
    rank = np.empty(len(texts), dtype=np.int64)
    rank[order] = np.arange(len(texts))
    return rank


def plain_order(model, name, numeric, text, load):
    """The sort keys of calc.sorting before orders were kept per model."""
    sym = model.fields[name].symbols
    n = len(sym)
    nums = sym.nums_at(np.arange(n))
    missing = np.isnan(nums)
    keys = []
    if numeric:
        keys += [missing.astype(np.int64), np.where(missing, 0.0, numeric * nums)]
    if text:
        keys.append(text * plain_rank(texts_of(model, name)))
    if load:
        keys.append(load * np.arange(n))
    keys.append(np.arange(n))
    return np.lexsort(keys[::-1])


@pytest.fixture(scope="module")
def model():
    return model_from_rows({
        "T": {"Mixed": MIXED, "Seq": list(range(len(MIXED))),
              "Down": [100 - 3 * i for i in range(len(MIXED))],
              "Num": [3.5, 1, 2, 1e20, -0.5, 7] * 4 + [8, 9]},
    })


def test_texts_are_every_symbol_text(model):
    for name in model.fields:
        assert orders.texts(model, name).to_pylist() == texts_of(model, name)


def test_text_rank_is_case_folded_then_exact(model):
    for name in model.fields:
        assert np.array_equal(orders.text_rank(model, name), plain_rank(texts_of(model, name)))


@pytest.mark.parametrize("flags", list(itertools.product((-1, 0, 1), repeat=3)))
def test_orders_match_the_plain_keys(model, flags):
    for name in model.fields:
        got = orders.order(model, name, *flags)
        assert np.array_equal(got, plain_order(model, name, *flags)), (name, flags)
        assert not got.flags.writeable


def test_an_id_field_in_load_order_needs_no_sort():
    n = 5000
    sym = SymbolTable.from_arrays(np.arange(n, 0, -1, dtype=np.float64), None)
    model = DataModel([Table("T", ["Id"], {"Id": np.arange(n, dtype=np.int32)}, n)],
                      {"Id": sym})
    sym = model.fields["Id"].symbols
    assert sym.arithmetic is not None  # numbers kept as a rule, not an array
    for flag in (1, -1):
        assert np.array_equal(orders.order(model, "Id", flag),
                              plain_order(model, "Id", flag, 0, 0))


def test_derived_values_are_computed_once_per_model(model):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert derived(model, ("test", 1), compute) == 1
    assert derived(model, ("test", 1), compute) == 1
    other = model_from_rows({"T": {"X": [1]}})
    assert derived(other, ("test", 1), compute) == 2
