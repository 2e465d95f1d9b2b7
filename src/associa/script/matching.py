"""Finding values among other values, vectorized: the lookups behind ApplyMap, Exists,
Lookup, FieldIndex and IntervalMatch.

Values match as the engine's symbol tables tell values apart (model/symbols.py): a value
with a number matches by its number, a value without one by its text (case-sensitive).
NULL matches nothing. Where a key occurs more than once, the first occurrence wins.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.expr import Vec


class ValueIndex:
    """The positions of some key values, found for other values in one vectorized pass."""

    def __init__(self, keys: Vec) -> None:
        numeric = keys.is_numeric()
        num_pos = np.flatnonzero(numeric)
        nums = keys.num[num_pos] + 0.0
        # first occurrence of each distinct number
        order = np.argsort(nums, kind="stable")
        sorted_nums = nums[order]
        first = np.ones(len(sorted_nums), dtype=bool)
        first[1:] = sorted_nums[1:] != sorted_nums[:-1]
        self._nums = sorted_nums[first]
        self._num_at = num_pos[order[first]]
        text_pos = np.flatnonzero(~numeric & ~keys.null)
        texts = keys.texts()[text_pos] if len(text_pos) else np.zeros(0, dtype=object)
        arr = pa.array(list(texts), type=pa.string())
        enc = pc.unique(arr)
        self._texts = enc
        # the first position of each distinct text
        idx = pc.index_in(enc, value_set=arr).to_numpy(zero_copy_only=False)
        self._text_at = text_pos[idx] if len(idx) else np.zeros(0, dtype=np.int64)
        self._by_symbols: dict[int, tuple[object, int, np.ndarray]] = {}

    def find(self, values: Vec) -> np.ndarray:
        """The key position of each value (int64), -1 where it is not a key. Values
        gathered from a symbol table are looked up once per symbol of that table
        (remembered while the table keeps its size) and gathered by code."""
        coded = values.coded()
        if coded is not None:
            symbols, codes = coded
            if 4 * len(codes) >= len(symbols) or self._known(symbols):  # type: ignore[arg-type]
                return self.symbol_positions(symbols)[codes]
        return self._find(values)

    def contains(self, values: Vec) -> np.ndarray:
        """Whether each value is a key."""
        return self.find(values) >= 0

    def _known(self, symbols: object) -> bool:
        found = self._by_symbols.get(id(symbols))
        return found is not None and found[0] is symbols and found[1] == len(symbols)  # type: ignore[arg-type]

    def symbol_positions(self, symbols: object) -> np.ndarray:
        """The key position of each symbol of a table, with one -1 slot at the end (for
        the codes -1 and ``len(symbols)`` of NULL)."""
        n = len(symbols)  # type: ignore[arg-type]
        found = self._by_symbols.get(id(symbols))
        if found is None or found[0] is not symbols or found[1] != n:
            at = np.append(self._find(symbol_vec(symbols)), -1)
            found = self._by_symbols[id(symbols)] = (symbols, n, at)
        return found[2]

    def _find(self, values: Vec) -> np.ndarray:
        out = np.full(values.n, -1, dtype=np.int64)
        numeric = values.is_numeric()
        pos = np.flatnonzero(numeric)
        if len(pos) and len(self._nums):
            x = values.num[pos] + 0.0
            at = np.searchsorted(self._nums, x)
            at_c = np.minimum(at, len(self._nums) - 1)
            hit = self._nums[at_c] == x
            out[pos[hit]] = self._num_at[at_c[hit]]
        tpos = np.flatnonzero(~numeric & ~values.null)
        if len(tpos) and len(self._texts):
            texts = pa.array(list(values.texts()[tpos]), type=pa.string())
            idx = pc.index_in(texts, value_set=self._texts).to_numpy(zero_copy_only=False)
            idx = np.asarray(idx, dtype=np.float64)
            hit = ~np.isnan(idx)
            out[tpos[hit]] = self._text_at[idx[hit].astype(np.int64)]
        return out


def symbol_vec(symbols: object, codes: np.ndarray | None = None) -> Vec:
    """The values of a symbol table (all of them, or those at ``codes``) as a Vec."""
    if codes is None:
        codes = np.arange(len(symbols), dtype=np.int64)  # type: ignore[arg-type]
    return Vec.from_symbols(symbols, codes)  # type: ignore[arg-type]


class KeptValues:
    """A field's values over the records kept so far (Exists inside WHERE): for each value
    asked about, the first kept record that holds it. Values gathered from the same symbol
    table are answered by code (no text is read); others through a ValueIndex."""

    def __init__(self, values: Vec, kept: np.ndarray) -> None:
        self.values = values
        self.kept = kept
        self.coded = values.coded()
        self._first: np.ndarray | None = None
        self._index: ValueIndex | None = None

    def first_row(self, probe: Vec) -> np.ndarray:
        """The first kept record holding each value (a huge number where none does)."""
        none = np.iinfo(np.int64).max
        mine, theirs = self.coded, probe.coded()
        if mine is not None and theirs is not None and theirs[0] is mine[0]:
            if self._first is None:
                symbols, codes = mine
                first = np.full(len(symbols) + 1, none, dtype=np.int64)  # type: ignore[arg-type]
                at = codes[self.kept].astype(np.int64)
                at[at < 0] = len(first) - 1
                first[at[::-1]] = self.kept[::-1]
                first[-1] = none  # NULL is no value
                self._first = first
            return self._first[theirs[1]]
        if self._index is None:
            self._index = ValueIndex(self.values.take(self.kept))
        at = self._index.find(probe)
        return np.where(at >= 0, self.kept[np.maximum(at, 0)], none)
