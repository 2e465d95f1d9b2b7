"""Interning: many values added to a symbol table at once (the builder's half of
``SymbolTable``, which it works on from the inside).

Values are distinct by number when they have one (``-0.0`` and ``0.0`` are one symbol),
else by text; new symbols are added in order of first appearance. The work is vectorized
(numbers factorized, texts dictionary-encoded by Arrow); Python touches at most each
distinct new text, and only when the table already has text-only symbols to look in.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.model.encoding import TextsLike, reduce_texts, string_array
from associa.values.encoding import factorize_numbers, first_positions

if TYPE_CHECKING:
    from associa.model.symbols import SymbolTable

NULL = -1  # the builder's code for NULL in int32 columns (a built model uses null_code)


def intern_values(table: SymbolTable, texts: TextsLike | None, nums: np.ndarray,
                  null: np.ndarray | None = None) -> np.ndarray:
    """``table.intern_many``: the symbol of each value as int32, ``-1`` for NULL."""
    if table._frozen:
        table._reserve(0)  # raises: read-only
    nums = np.asarray(nums, dtype=np.float64)
    n = len(nums)
    arr = string_array(texts) if texts is not None else None
    if arr is not None and len(arr) != n:
        raise ValueError("texts and nums differ in length")
    has_num = ~np.isnan(nums)
    if arr is None:
        valid = has_num
    elif arr.null_count == 0:
        valid = np.ones(n, dtype=bool)
    else:
        valid = has_num | arr.is_valid().to_numpy(zero_copy_only=False)
    if null is not None:
        valid &= ~np.asarray(null, dtype=bool)
    all_numbers = bool(has_num.all()) and bool(valid.all())
    num_rows = None if all_numbers else np.flatnonzero(valid & has_num)  # None: all
    txt_rows = np.zeros(0, dtype=np.intp) if all_numbers else np.flatnonzero(valid & ~has_num)
    numidx, textidx = table._index() if table._n else (None, None)

    # numbers: distinct by number (-0.0 and 0.0 are one symbol)
    keys = (nums if num_rows is None else nums[num_rows]) + 0.0
    num_codes, num_distinct, num_first = factorize_numbers(keys)
    if num_rows is not None:
        num_first = num_rows[num_first]
    num_sym = numidx.find(num_distinct, table._nbuf) if numidx else np.full(
        len(num_distinct), -1, dtype=np.int32)
    num_new = np.flatnonzero(num_sym < 0)

    # texts without a number: distinct by text
    txt_codes = np.zeros(0, dtype=np.int32)
    txt_dict = pa.array([], type=pa.string())
    txt_sym = np.zeros(0, dtype=np.int32)
    txt_first = np.zeros(0, dtype=np.intp)
    if len(txt_rows):
        assert arr is not None
        tenc = pc.dictionary_encode(arr.take(pa.array(txt_rows)))
        txt_codes = tenc.indices.to_numpy(zero_copy_only=False)
        txt_dict = tenc.dictionary
        txt_first = txt_rows[first_positions(txt_codes)]
        if textidx:
            txt_sym = np.array([textidx.get(t, -1) for t in txt_dict.to_pylist()],
                               dtype=np.int32)
        else:
            txt_sym = np.full(len(txt_dict), -1, dtype=np.int32)
    txt_new = np.flatnonzero(txt_sym < 0)

    # new symbols, in order of first appearance
    count = len(num_new) + len(txt_new)
    if count:
        start = table._n
        if len(txt_new) and len(num_new):
            firsts = np.concatenate([num_first[num_new], txt_first[txt_new]])
            order = np.argsort(firsts, kind="stable")
            firsts = firsts[order]
            ids = np.empty(count, dtype=np.int32)
            ids[order] = np.arange(start, start + count, dtype=np.int32)
            new_nums = np.concatenate([num_distinct[num_new],
                                       np.full(len(txt_new), math.nan)])[order]
        else:  # one kind only: already in order of first appearance
            firsts = num_first[num_new] if len(num_new) else txt_first[txt_new]
            ids = np.arange(start, start + count, dtype=np.int32)
            new_nums = num_distinct[num_new] if len(num_new) else np.full(count, math.nan)
        num_ids, txt_ids = ids[: len(num_new)], ids[len(num_new):]
        num_sym[num_new] = num_ids
        txt_sym[txt_new] = txt_ids
        table._reserve(count)
        table._nbuf[start : start + count] = new_nums
        table._n += count
        if arr is not None:
            if count == n and firsts[-1] == n - 1:
                new_texts = arr  # every row is a new symbol, in row order
            else:
                new_texts = arr.take(pa.array(firsts))
            table._texts.put_many(start, reduce_texts(new_texts, new_nums), count)
        if numidx is not None and textidx is not None:
            numidx.insert(num_distinct[num_new], num_ids, table._nbuf)
            textidx.update(zip(txt_dict.take(pa.array(txt_new)).to_pylist(),
                               txt_ids.tolist(), strict=True))
    if num_rows is None:
        return num_sym[num_codes]
    out = np.full(n, NULL, dtype=np.int32)
    out[num_rows] = num_sym[num_codes]
    out[txt_rows] = txt_sym[txt_codes]
    return out

