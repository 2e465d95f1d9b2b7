"""A number → symbol lookup: open addressing over symbol indices, keyed by their numbers.

The slots hold symbol indices only (int32, -1 for empty); a probe compares the key with
the symbol's number in the table's own ``nums`` array, so the index costs 4 bytes per
slot and at most 8 per symbol (the load stays at or below one half). Keys are hashed from
their float64 bits with the splitmix64 finalizer (``-0.0`` counts as ``0.0``). Lookups and
inserts run vectorized over many keys (numpy, a few rounds of probing) or one key at a
time in plain Python (for ``SymbolTable.intern``); both walk the same probe sequence.
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


class NumberIndex:
    """Which symbol has a given number. ``nums`` is passed to every call: the owner's
    numbers array may be reallocated as it grows."""

    __slots__ = ("slots", "bits", "count")

    def __init__(self, capacity: int = 0) -> None:
        self.bits = max(4, int(2 * max(capacity, 1) - 1).bit_length())
        self.slots = np.full(1 << self.bits, -1, dtype=np.int32)
        self.count = 0

    @property
    def nbytes(self) -> int:
        return self.slots.nbytes

    @classmethod
    def build(cls, nums: np.ndarray, n: int) -> NumberIndex:
        """An index of the symbols ``0..n-1`` that have a number (distinct numbers)."""
        idx = np.flatnonzero(~np.isnan(nums[:n])).astype(np.int32)
        out = cls(len(idx))
        out.insert(nums[idx], idx, nums)
        return out

    # -- vectorized ------------------------------------------------------------------

    def find(self, keys: np.ndarray, nums: np.ndarray) -> np.ndarray:
        """The symbol of each key, -1 where none (keys must not be NaN)."""
        keys = np.asarray(keys, dtype=np.float64)
        out = np.full(len(keys), -1, dtype=np.int32)
        if not len(keys) or not self.count:
            return out
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
        if 2 * (self.count + len(keys)) > len(self.slots):
            self._grow(self.count + len(keys), nums)
        keys = np.asarray(keys, dtype=np.float64)
        idx = np.asarray(idx, dtype=np.int32)
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

    def _grow(self, need: int, nums: np.ndarray) -> None:
        held = self.slots[self.slots >= 0]
        bits = max(4, int(2 * need - 1).bit_length() + 1)  # room to grow again
        self.bits = bits
        self.slots = np.full(1 << bits, -1, dtype=np.int32)
        self.count = 0
        self.insert(nums[held], held, nums)

    # -- one key ----------------------------------------------------------------------

    def find_one(self, key: float, nums: np.ndarray) -> int:
        """The symbol with number ``key``, or -1."""
        if not self.count:
            return -1
        mask = (1 << self.bits) - 1
        pos = _mix_one(key, self.bits)
        slots = self.slots
        while True:
            s = int(slots[pos])
            if s < 0:
                return -1
            if nums[s] == key:
                return s
            pos = (pos + 1) & mask

    def insert_one(self, key: float, idx: int, nums: np.ndarray) -> None:
        """Add symbol ``idx`` with number ``key`` (not yet in the index); ``nums`` must
        already hold it."""
        if 2 * (self.count + 1) > len(self.slots):
            self._grow(self.count + 1, nums)
        mask = (1 << self.bits) - 1
        pos = _mix_one(key, self.bits)
        slots = self.slots
        while slots[pos] >= 0:
            pos = (pos + 1) & mask
        slots[pos] = idx
        self.count += 1
