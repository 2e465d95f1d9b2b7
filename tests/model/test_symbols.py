"""Symbol tables: values as duals in arrays, default renderings not stored, bulk interning."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from associa.model import SymbolTable
from associa.model.numindex import NumberIndex
from associa.values.rendering import default_lengths, default_text, default_texts, parse_default

NAN = math.nan


def table(values: list[tuple[str | None, float]]) -> SymbolTable:
    sym = SymbolTable()
    sym.intern_many([t for t, _ in values], np.array([x for _, x in values], dtype=float))
    return sym


def all_texts(sym: SymbolTable) -> list[str]:
    return [sym.text(i) for i in range(len(sym))]


# -- default renderings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("num", "text"),
    [(7.0, "7"), (-3.0, "-3"), (0.0, "0"), (-0.0, "0"), (12.5, "12.5"), (0.1, "0.1"),
     (1e20, "1e+20"), (2.5e-8, "2.5e-08"), (123456789012345.0, "123456789012345"),
     (float(2**62), str(2**62)), (math.inf, "inf")],
)
def test_default_text(num: float, text: str) -> None:
    assert default_text(num) == text
    assert default_texts(np.array([num])).tolist() == [text]
    assert default_lengths(np.array([num])).tolist() == [len(text)]
    if num != 0 or text == "0":
        assert parse_default(text) == num


@pytest.mark.parametrize("text", ["007", "12.50", "1e3", "+5", " 5", "1,000", "-0", "abc", "",
                                  "1.0", "nan", "9" * 30])
def test_texts_that_are_no_default_rendering(text: str) -> None:
    assert parse_default(text) is None


def test_numbers_with_their_default_text_store_no_text() -> None:
    sym = table([("1", 1), ("20", 20), ("12.5", 12.5), ("-4", -4)])
    assert sym.stored_texts() is None
    assert all_texts(sym) == ["1", "20", "12.5", "-4"]
    assert sym.nums.tolist()[:-1] == [1, 20, 12.5, -4] and math.isnan(sym.nums[-1])


def test_other_texts_are_stored_and_returned_as_loaded() -> None:
    values = [("007", 7), ("12.50", 12.5), ("1e3", 1000), ("+5", 5), ("1", 1), ("abc", NAN),
              ("Åre ✓", NAN), ("", NAN), ("-0", -0.0)]
    sym = table(values)
    assert all_texts(sym) == [t for t, _ in values]
    stored = sym.stored_texts()
    assert stored is not None
    assert stored.to_pylist() == ["007", "12.50", "1e3", "+5", None, "abc", "Åre ✓", "", "-0"]
    assert sym.texts.tolist() == [t for t, _ in values] + [None]


def test_numbers_are_distinct_by_number_and_the_first_text_wins() -> None:
    sym = SymbolTable()
    codes = sym.intern_many(["1.0", "1", "1.000", "0", "-0"], np.array([1, 1, 1, 0.0, -0.0]))
    assert codes.tolist() == [0, 0, 0, 1, 1]
    assert all_texts(sym) == ["1.0", "0"]
    assert sym.intern("1", 1.0) == 0 and sym.intern("-0", -0.0) == 1


def test_texts_are_distinct_by_text_case_sensitively() -> None:
    sym = SymbolTable()
    codes = sym.intern_many(["a", "A", "a", "1"], np.array([NAN, NAN, NAN, NAN]))
    assert codes.tolist() == [0, 1, 0, 2]
    assert all_texts(sym) == ["a", "A", "1"] and np.isnan(sym.nums[:-1]).all()


def test_new_symbols_come_in_order_of_first_appearance() -> None:
    sym = SymbolTable()
    sym.intern("b", NAN)
    codes = sym.intern_many(["a", "10", None, "b", "2", "a", "10"],
                            np.array([NAN, 10, NAN, NAN, 2, NAN, 10]))
    assert codes.tolist() == [1, 2, -1, 0, 3, 1, 2]
    assert all_texts(sym) == ["b", "a", "10", "2"]


def test_null_cells() -> None:
    sym = SymbolTable()
    codes = sym.intern_many(pa.array(["x", None, "3", "y"]), np.array([NAN, NAN, 3, NAN]),
                            null=np.array([False, False, False, True]))
    assert codes.tolist() == [0, -1, 1, -1]
    # a number without a text has its default rendering
    assert sym.intern_many(None, np.array([4.0, NAN])).tolist() == [2, -1]
    assert all_texts(sym) == ["x", "3", "4"]


def test_intern_range_keeps_a_rule_in_an_empty_table() -> None:
    n = 5000
    sym = SymbolTable()
    assert sym.intern_range(10.0, 1.0, n) == 0
    assert len(sym) == n and sym.num(0) == 10.0 and sym.text(n - 1) == str(n + 9)
    assert sym.nums_at(np.array([0, 3, -1])).tolist()[:2] == [10.0, 13.0]
    sym.freeze()
    assert sym.arithmetic == (10.0, 1.0) and sym.find_number(12.0) == 2


def test_intern_range_into_a_table_with_symbols() -> None:
    sym = SymbolTable()
    sym.intern_many(["x", "3"], np.array([NAN, 3.0]))
    assert sym.intern_range(2.0, 1.0, 3).tolist() == [2, 1, 3]
    assert all_texts(sym) == ["x", "3", "2", "4"]
    grown = SymbolTable()
    assert grown.intern_range(1.0, 1.0, 3) == 0
    # a later intern finds the numbers the rule stood for
    assert grown.intern_many(None, np.array([2.0, 9.0])).tolist() == [1, 3]
    assert grown.intern("x", NAN) == 4 and all_texts(grown) == ["1", "2", "3", "9", "x"]
    short = SymbolTable()
    short.intern_range(1.0, 1.0, 4)
    short.freeze()
    assert short.arithmetic is None and short.nums[:-1].tolist() == [1, 2, 3, 4]


def reference(values: list[tuple[str | None, float]]) -> tuple[list[int], list[tuple[str, float]]]:
    """Interning as the engine has always defined it, one value at a time."""
    index: dict[object, int] = {}
    symbols: list[tuple[str, float]] = []
    codes = []
    for text, num in values:
        if math.isnan(num) and text is None:
            codes.append(-1)
            continue
        key = text if math.isnan(num) else (0.0 if num == 0 else num)
        if key not in index:
            index[key] = len(symbols)
            symbols.append((default_text(num) if text is None else text, num))
        codes.append(index[key])
    return codes, symbols


value = st.one_of(
    st.tuples(st.sampled_from(["a", "b", "Å", "", "x y"]), st.just(NAN)),
    st.integers(-300, 300).map(lambda i: (str(i), float(i))),
    st.integers(-3, 3).map(lambda i: (f"{i:03d}", float(i))),
    st.sampled_from([0.5, 2.25, -1.5, 1e20]).map(lambda x: (repr(x), x)),
    st.sampled_from([0.5, 2.25]).map(lambda x: (f"{x:.3f}", x)),
    st.integers(0, 5).map(lambda i: (None, float(i) * 1e6)),
    st.just((None, NAN)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(value, max_size=60), st.integers(1, 25), st.booleans())
def test_bulk_interning_matches_one_at_a_time(values, chunk, single_first) -> None:
    codes, symbols = reference(values)
    sym = SymbolTable()
    got: list[int] = []
    start = 0
    if single_first and values:  # a table that already has symbols (and its index)
        text, num = values[0]
        got.append(-1 if text is None and math.isnan(num) else
                   sym.intern(default_text(num) if text is None else text, num))
        start = 1
    for lo in range(start, len(values), chunk):
        part = values[lo : lo + chunk]
        got += sym.intern_many([t for t, _ in part], np.array([x for _, x in part])).tolist()
    assert got == codes
    items = list(sym.items())
    assert [t for t, _ in items] == [t for t, _ in symbols]
    assert np.array_equal([x for _, x in items], [x for _, x in symbols], equal_nan=True)
    sym.freeze()
    for i, (text, num) in enumerate(symbols):
        assert sym.lookup(text, num) == i
        assert sym.find_text(text) is not None and sym.text(sym.find_text(text)) == text


def test_lookups() -> None:
    sym = table([("1", 1), ("one", NAN), ("007", 7), ("2.50", 2.5), ("7", NAN)])
    sym.freeze()
    assert sym.find_number(1.0) == 0 and sym.find_number(7) == 2 and sym.find_number(3) is None
    assert sym.find_text("1") == 0 and sym.find_text("007") == 2 and sym.find_text("2.50") == 3
    assert sym.find_text("7") == 4  # the text-only symbol, not 7 (whose text is "007")
    assert sym.find_text("2.5") is None and sym.find_text("nope") is None
    assert sym.lookup("one", NAN) == 1 and sym.lookup("x", 7.0) == 2 and sym.lookup("x", NAN) is None


def test_texts_at_gathers_some_texts_with_none_for_null() -> None:
    sym = table([("a", NAN), ("2", 2), ("03", 3)])
    sym.freeze()
    assert sym.null_code == 3
    assert sym.texts_at(np.array([2, 3, 0, -1], dtype=np.int32)).tolist() == ["03", None, "a", None]
    assert sym.texts_at(np.array([1, 3], dtype=np.uint8)).tolist() == ["2", None]
    many = np.array([0, 1, 2, 3] * 5, dtype=np.uint8)  # more codes than symbols
    assert sym.texts_at(many).tolist() == ["a", "2", "03", None] * 5
    assert sym.null_mask(np.array([0, 3, 2], dtype=np.uint8)).tolist() == [False, True, False]
    assert sym.null_mask(np.array([0, -1], dtype=np.int32)).tolist() == [False, True]


def test_field_properties() -> None:
    sym = table([("Åre", NAN), ("12", 12), ("1.50", 1.5), ("-7", -7)])
    assert sym.max_glyphs() == 4 and not sym.all_ascii()
    assert sym.text_bytes().tolist() == [4, 2, 4, 2]
    assert not sym.all_numeric() and sym.any_numeric()
    nums = table([("1", 1), ("2", 2)])
    assert nums.all_numeric() and nums.all_integer() and nums.all_ascii()
    assert nums.max_glyphs() == 1


def test_frozen_tables_are_read_only() -> None:
    sym = table([("a", NAN)])
    sym.freeze()
    assert sym.intern("a", NAN) == 0  # a lookup still works
    with pytest.raises(RuntimeError):
        sym.intern("b", NAN)
    with pytest.raises(ValueError):
        sym.nums[0] = 1.0


def test_subset_and_intern_symbols() -> None:
    sym = table([("a", NAN), ("02", 2), ("3", 3), ("b", NAN)])
    new, remap = sym.subset(np.array([False, True, True, False]))
    assert all_texts(new) == ["02", "3"] and remap.tolist() == [-1, 0, 1, -1, -1]
    other = table([("3", 3), ("z", NAN)])
    assert other.intern_symbols(sym).tolist() == [2, 3, 0, 4, -1]
    assert all_texts(other) == ["3", "z", "a", "02", "b"]


@pytest.mark.parametrize("keys", [
    np.arange(1000, dtype=float),  # dense
    np.arange(0, 10**7, 7919, dtype=float),  # spread out: hashed
    np.array([0.5, -0.0, 1e300, -1e-300, 3.0]),
])
def test_number_index(keys: np.ndarray) -> None:
    nums = np.append(keys, NAN)
    idx = NumberIndex.build(nums, len(keys))
    assert idx.find(keys, nums).tolist() == list(range(len(keys)))
    assert idx.find(np.array([1e9 + 0.5, -5.0]), nums).tolist() == [-1, -1]
    assert idx.find_one(float(keys[-1]), nums) == len(keys) - 1
    # growing one key at a time, then many: a dense index turns into a hashed one
    grown = NumberIndex.build(nums, 0)
    for i, k in enumerate(keys[:10]):
        assert grown.find_one(float(k), nums) == -1
        grown.insert_one(float(k), i, nums)
    grown.insert(keys[10:], np.arange(10, len(keys)), nums)
    assert grown.find(keys, nums).tolist() == list(range(len(keys)))
    assert grown.find_one(0.0, nums) == (list(keys).index(0.0) if 0.0 in keys else -1)


@pytest.mark.parametrize(("start", "step"), [(1.0, 1.0), (-5000.0, 3.0), (0.0, 0.5), (9e9, -2.0)])
def test_evenly_spaced_numbers_are_kept_as_a_rule(start: float, step: float) -> None:
    n = 5000
    nums = start + step * np.arange(n)
    sym = SymbolTable()
    sym.intern_many(None, nums)
    sym.freeze()
    assert sym.arithmetic == (start, step)
    assert sym.nbytes == 0  # neither numbers nor texts are stored
    assert np.array_equal(sym.nums, np.append(nums, NAN), equal_nan=True)
    assert sym.num(17) == nums[17] and sym.text(17) == default_text(nums[17])
    codes = np.array([3, n, 0, n - 1], dtype=np.uint16)
    assert np.array_equal(sym.nums_at(codes), [nums[3], NAN, nums[0], nums[-1]], equal_nan=True)
    assert sym.texts_at(codes).tolist() == [default_text(nums[3]), None, default_text(nums[0]),
                                             default_text(nums[-1])]
    assert sym.find_number(nums[4321]) == 4321 and sym.find_number(nums[1] + step / 3) is None
    assert sym.find_number(start - step) is None and sym.find_number(start + n * step) is None
    assert sym.find_text(default_text(nums[42])) == 42 and sym.lookup("x", NAN) is None
    assert sym.all_numeric() and sym.all_integer() == float(step).is_integer()
    new, remap = sym.subset(np.arange(n) % 2 == 0)
    assert new.nums[:3].tolist() == nums[:6:2].tolist() and remap[2] == 1


def test_numbers_not_evenly_spaced_or_with_texts_are_stored() -> None:
    n = 5000
    gap = np.arange(n, dtype=float)
    gap[-1] += 1
    texts = [str(i) for i in range(n)]
    texts[7] = "007"
    for sym in (table([(None, x) for x in gap]), table(list(zip(texts, range(n), strict=True))),
                table([(None, float(x)) for x in range(100)])):
        sym.freeze()
        assert sym.arithmetic is None and sym.nbytes >= 8 * len(sym)
