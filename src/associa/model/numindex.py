"""A number → symbol lookup for one symbol table, in one of two layouts:

* dense: while every number is an integer and they span a range at most about twice their
  count (ids, dates as day numbers, quantities), a lookup table over the range,
  ``lut[x - lo]`` = the symbol (int32, -1 for none): O(1), no hashing;
* hashed: otherwise, open addressing over symbol indices (int32 slots, -1 empty, the load
  at most one half). A probe compares the key with the symbol's number in the table's own
  ``nums`` array, so the index holds no copy of the keys. Keys are hashed from their
  float64 bits with the splitmix64 finalizer (``-0.0`` counts as ``0.0``).

Lookups and inserts run vectorized over many keys (numpy; a few rounds of probing when
hashed) or one key at a time in plain Python (for ``SymbolTable.intern``); both walk the
same probe sequence. The index never holds NaN (text-only symbols are not in it).
"""

from __future__ import annotations

import struct

import numpy as np

_M64 = 0xFFFFFFFFFFFFFFFF
_C1 = 0xBF58476D1CE4E5B9
_C2 = 0x94D049BB133111EB
_C1_NP = np.uint64(_C1)
_C2_NP = np.uint64(_C2)
_PACK = struct.Struct("<d")
_UNPACK = struct.Struct("<Q")
_DENSE_MIN = 1 << 16  # a dense range this small is always fine
_DENSE_LIMIT = float(1 << 62)


def _mix(keys: np.ndarray, bits: int) -> np.ndarray:
    """Slot of each key (float64, NaN-free) in a table of 2**bits slots."""
    z = np.ascontiguousarray(keys + 0.0, dtype=np.float64).view(np.uint64)
    z = z ^ (z >> np.uint64(30))
    z = z * _C1_NP
    z = z ^ (z >> np.uint64(27))
    z = z * _C2_NP
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(64 - bits)).astype(np.intp)


def _mix_one(key: float, bits: int) -> int:
    z = _UNPACK.unpack(_PACK.pack(key + 0.0))[0]
    z ^= z >> 30
    z = (z * _C1) & _M64
    z ^= z >> 27
    z = (z * _C2) & _M64
    z ^= z >> 31
    return z >> (64 - bits)


def _dense_span(lo: float, hi: float, count: int) -> int | None:
    """The span of a dense table for integers ``lo..hi`` held by ``count`` symbols, or
    None when they are too spread out for one."""
    if not (-_DENSE_LIMIT < lo <= hi < _DENSE_LIMIT):
        return None
    span = int(hi) - int(lo) + 1
    return span if span <= max(2 * count, _DENSE_MIN) else None


def _integral(keys: np.ndarray) -> bool:
    return bool(np.all(np.floor(keys) == keys))


class NumberIndex:
    """Which symbol has a given number. ``nums`` is passed to every call: the owner's
    numbers array may be reallocated as it grows."""

    __slots__ = ("slots", "bits", "count", "lo", "hi", "lut", "_last")

    def __init__(self, capacity: int = 0) -> None:
        self.bits = max(4, int(2 * max(capacity, 1) - 1).bit_length())
        self.slots: np.ndarray | None = np.full(1 << self.bits, -1, dtype=np.int32)
        self.count = 0
        self.lo = self.hi = 0  # dense layout: lut[x - lo], keys lo..hi
        self.lut: np.ndarray | None = None
        self._last: tuple[float, int] | None = None  # (key, empty slot) of the last miss

    @property
    def dense(self) -> bool:
        return self.lut is not None

    @property
    def nbytes(self) -> int:
        return self.lut.nbytes if self.lut is not None else self.slots.nbytes  # type: ignore[union-attr]

    @classmethod
    def build(cls, nums: np.ndarray, n: int) -> NumberIndex:
        """An index of the symbols ``0..n-1`` that have a number (distinct numbers)."""
        idx = np.flatnonzero(~np.isnan(nums[:n])).astype(np.int32)
        keys = nums[idx]
        out = cls()
        if not len(idx) or (_integral(keys) and _dense_span(keys.min(), keys.max(), len(idx))):
            out._to_dense(keys, idx)
        else:
            out._to_hash(len(idx))
            out.insert(keys, idx, nums)
        return out

    def _to_dense(self, keys: np.ndarray, idx: np.ndarray) -> None:
        lo = int(keys.min()) if len(keys) else 0
        span = (int(keys.max()) - lo + 1) if len(keys) else 0
        self.lo, self.hi = lo, lo + span - 1
        self.lut = np.full(max(span, 1), -1, dtype=np.int32)
        self.lut[(keys - lo).astype(np.intp)] = idx
        self.slots = None
        self.count = len(keys)
        self._last = None

    def _to_hash(self, capacity: int) -> None:
        self.bits = max(4, int(2 * max(capacity, 1) - 1).bit_length() + 1)
        self.slots = np.full(1 << self.bits, -1, dtype=np.int32)
        self.lut = None
        self.count = 0
        self._last = None

    def _held(self) -> np.ndarray:
        table = self.lut if self.lut is not None else self.slots
        assert table is not None
        return table[table >= 0]

    # -- vectorized ------------------------------------------------------------------

    def find(self, keys: np.ndarray, nums: np.ndarray) -> np.ndarray:
        """The symbol of each key, -1 where none (keys must not be NaN)."""
        keys = np.asarray(keys, dtype=np.float64)
        out = np.full(len(keys), -1, dtype=np.int32)
        if not len(keys) or not self.count:
            return out
        if self.lut is not None:
            with np.errstate(invalid="ignore"):
                off = keys - self.lo
                ok = (off >= 0) & (off < len(self.lut)) & (np.floor(off) == off)
            at = np.flatnonzero(ok)
            out[at] = self.lut[off[at].astype(np.intp)]
            return out
        assert self.slots is not None
        mask = (1 << self.bits) - 1
        pos = _mix(keys, self.bits)
        todo = np.arange(len(keys))
        while len(todo):
            s = self.slots[pos]
            occupied = s >= 0
            hit = occupied & (nums[s] == keys[todo])
            out[todo[hit]] = s[hit]
            more = occupied & ~hit
            todo = todo[more]
            pos = (pos[more] + 1) & mask
        return out

    def insert(self, keys: np.ndarray, idx: np.ndarray, nums: np.ndarray) -> None:
        """Add symbols ``idx`` with numbers ``keys`` (distinct, not yet in the index)."""
        if not len(keys):
            return
        keys = np.asarray(keys, dtype=np.float64)
        idx = np.asarray(idx, dtype=np.int32)
        self._last = None
        if self.lut is not None:
            if self._dense_insert(keys, idx, nums):
                return
            held = self._held()
            self._to_hash(self.count + len(keys))
            self.insert(nums[held], held, nums)
        assert self.slots is not None
        if 2 * (self.count + len(keys)) > len(self.slots):
            held = self._held()
            self._to_hash(self.count + len(keys))
            self.insert(nums[held], held, nums)
        mask = (1 << self.bits) - 1
        pos = _mix(keys, self.bits)
        todo = np.arange(len(keys))
        while len(todo):
            free = self.slots[pos] < 0
            claim, at = todo[free], pos[free]
            self.slots[at] = idx[claim]  # several keys may claim one slot: one wins
            won = self.slots[at] == idx[claim]
            todo = np.concatenate([todo[~free], claim[~won]])
            pos = (np.concatenate([pos[~free], at[~won]]) + 1) & mask
        self.count += len(keys)

    def _dense_insert(self, keys: np.ndarray, idx: np.ndarray, nums: np.ndarray) -> bool:
        """Insert into the dense table, widening it; False when the keys do not fit."""
        assert self.lut is not None
        if not _integral(keys):
            return False
        lo = min(self.lo, int(keys.min())) if self.count else int(keys.min())
        hi = max(self.hi, int(keys.max())) if self.count else int(keys.max())
        span = _dense_span(lo, hi, self.count + len(keys))
        if span is None:
            return False
        if lo != self.lo or span > len(self.lut):
            lut = np.full(max(span, 2 * len(self.lut)), -1, dtype=np.int32)
            if self.count:
                used = self.hi - self.lo + 1
                shift = self.lo - lo
                lut[shift : shift + used] = self.lut[:used]
            self.lut, self.lo = lut, lo
        self.hi = hi
        self.lut[(keys - lo).astype(np.intp)] = idx
        self.count += len(keys)
        return True

    # -- one key ----------------------------------------------------------------------

    def find_one(self, key: float, nums: np.ndarray) -> int:
        """The symbol with number ``key``, or -1."""
        if self.lut is not None:
            off = key - self.lo
            if 0 <= off < len(self.lut) and off == int(off):
                return int(self.lut[int(off)])
            return -1
        assert self.slots is not None
        mask = (1 << self.bits) - 1
        pos = _mix_one(key, self.bits)
        slots = self.slots
        while True:
            s = int(slots[pos])
            if s < 0:
                self._last = (key, pos)
                return -1
            if nums[s] == key:
                return s
            pos = (pos + 1) & mask

    def insert_one(self, key: float, idx: int, nums: np.ndarray) -> None:
        """Add symbol ``idx`` with number ``key`` (not yet in the index; ``nums`` must
        already hold it)."""
        if self.lut is not None:
            off = key - self.lo
            if 0 <= off < len(self.lut) and off == int(off):
                self.lut[int(off)] = idx
                self.count += 1
                self.hi = max(self.hi, int(key))
            else:
                self.insert(np.array([key]), np.array([idx], dtype=np.int32), nums)
            return
        assert self.slots is not None
        if 2 * (self.count + 1) > len(self.slots):
            self.insert(np.array([key]), np.array([idx], dtype=np.int32), nums)
            return
        last = self._last
        if last is not None and last[0] == key:
            pos = last[1]
        else:
            mask = (1 << self.bits) - 1
            pos = _mix_one(key, self.bits)
            while self.slots[pos] >= 0:
                pos = (pos + 1) & mask
        self._last = None
        self.slots[pos] = idx
        self.count += 1
