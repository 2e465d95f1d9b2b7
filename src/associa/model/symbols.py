"""Symbol tables: the distinct values of one field, in load order.

A field's symbol table holds each distinct non-NULL value once, as a dual (text and
number). Values with a number are distinct by number (the first text seen wins, so
``1.0``, ``1`` and ``1.000`` loaded in that order share the text ``1.0``); values with
no number are distinct by text, case-sensitively. NULL is not a symbol. A symbol's index
is its ``qElemNumber``.

Storage, in arrays only (no Python object per symbol):

* ``nums``: float64, NaN for a value without a number, with one extra NaN slot at the end
  (index ``len(table)``) for NULL;
* texts: an Arrow string array with one slot per symbol, null where the text is the
  number's default rendering (``values.rendering.default_text``): a field of plain numbers such as
  an order id stores no text at all. ``text(i)``, ``texts_at`` and ``texts`` give the text
  back, stored or rendered, always exactly as it was loaded.

Columns of a built model code NULL as ``len(table)`` (``null_code``), so a lookup table of
``len(table) + 1`` entries keeps its last slot for NULL. While a script runs, the builder's
columns are int32 with ``-1`` for NULL, which reaches the same last slot.

A table whose numbers are ``start + step * i`` and whose texts are all default
renderings (an id loaded in order) keeps neither: ``arithmetic`` gives (start, step), and
``nums`` is made when read (``nums_at`` and ``num`` compute only what they are asked).
A frozen table finds this out itself; a growing one starts so when a sequence is interned
into it while empty (``intern_range``), and makes its numbers only if more come.

The value → symbol lookup (a hashed index over the numbers, a dict over the texts of
text-only symbols) is built only when something looks a value up: ``lookup``,
``find_text``, ``find_number``, or an intern into a table that already has symbols. The
model's ``freeze()`` drops what the reload built of it; a later lookup builds it again.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.model.encoding import StoredTexts, TextsLike, reduce_texts, string_array
from associa.model.interning import NULL, intern_values
from associa.model.numindex import NumberIndex
from associa.values.rendering import default_lengths, default_text, default_texts, parse_default

_SMALL = 1 << 16  # tables up to this size keep their full object text array once made


_RANGE_MIN = 1 << 12  # tables this long or longer may keep evenly spaced numbers as a rule


def _arithmetic(nums: np.ndarray) -> tuple[float, float] | None:
    """(start, step) when ``nums[i]`` is exactly ``start + step * i`` for every i (an id
    loaded in order), else None."""
    n = len(nums)
    if n < _RANGE_MIN:
        return None
    start, step = float(nums[0]), float(nums[1] - nums[0])
    if not (math.isfinite(start) and math.isfinite(step)) or step == 0:
        return None
    bits = nums.view(np.int64)
    for lo in range(0, n, 1 << 20):
        hi = min(lo + (1 << 20), n)
        made = start + step * np.arange(lo, hi, dtype=np.float64)
        if not np.array_equal(made.view(np.int64), bits[lo:hi]):
            return None
    return start, step


class SymbolTable:
    """The distinct values of a field. Grows while a script runs; read-only once frozen."""

    __slots__ = ("_nbuf", "_n", "_texts", "_frozen", "_numidx", "_textidx", "_nums_copy",
                 "_objtexts", "_glyphs", "_range")

    def __init__(self) -> None:
        self._nbuf = np.full(16, math.nan)
        self._n = 0
        self._texts = StoredTexts()
        self._frozen = False
        self._numidx: NumberIndex | None = None
        self._textidx: dict[str, int] | None = None
        self._nums_copy: np.ndarray | None = None
        self._objtexts: np.ndarray | None = None
        self._glyphs: int | None = None
        self._range: tuple[float, float] | None = None  # nums[i] = start + step * i

    @classmethod
    def from_arrays(cls, nums: np.ndarray, texts: TextsLike | None) -> SymbolTable:
        """A table of distinct symbols given whole: ``nums`` (NaN for text only) and their
        texts (null or None where the number's default rendering is the text). Stored
        texts that equal the default rendering are dropped."""
        out = cls()
        nums = np.ascontiguousarray(nums, dtype=np.float64)
        out._reserve(len(nums))
        out._nbuf[: len(nums)] = nums
        out._n = len(nums)
        if texts is not None and len(nums):
            out._texts.put_many(0, reduce_texts(string_array(texts), nums), len(nums))
        return out

    # -- building -------------------------------------------------------------------

    def _reserve(self, extra: int) -> None:
        if self._frozen:
            raise RuntimeError("a symbol table is read-only once its data model is built")
        self._materialize()
        need = self._n + extra + 1
        if need > len(self._nbuf):
            buf = np.full(max(need, 2 * len(self._nbuf)), math.nan)
            buf[: self._n] = self._nbuf[: self._n]
            self._nbuf = buf
        self._nums_copy = self._objtexts = None
        self._glyphs = None

    def _text_array(self) -> pa.Array | None:
        """The stored texts, one slot per symbol (null = default rendering), or None
        when no symbol has a stored text."""
        return self._texts.array(self._n)

    def _materialize(self) -> None:
        """A growing table kept as a rule (``intern_range``) gets its numbers array."""
        if self._range is None or self._frozen:
            return
        start, step = self._range
        n = self._n
        buf = np.full(n + 16, math.nan)
        buf[:n] = start + step * np.arange(n, dtype=np.float64)
        self._nbuf, self._range = buf, None

    def _index(self) -> tuple[NumberIndex, dict[str, int]]:
        self._materialize()
        if self._numidx is None or self._textidx is None:
            n = self._n
            self._numidx = NumberIndex.build(self._nbuf, n)
            only_text = np.flatnonzero(np.isnan(self._nbuf[:n]))
            arr = self._text_array()
            texts = arr.take(pa.array(only_text)).to_pylist() if arr is not None else []
            self._textidx = dict(zip(texts, only_text.tolist(), strict=True))
        return self._numidx, self._textidx

    def intern(self, text: str, num: float) -> int:
        """The index of the value, adding it when new."""
        if self._frozen:
            found = self.lookup(text, num)
            if found is None:
                self._reserve(1)  # raises: read-only
            assert found is not None
            return found
        numidx, textidx = self._index()
        is_text = num != num  # NaN
        found = textidx.get(text, -1) if is_text else numidx.find_one(num, self._nbuf)
        if found >= 0:
            return found
        idx = self._n
        if idx + 2 > len(self._nbuf) or self._frozen:
            self._reserve(1)
        self._nums_copy = self._objtexts = self._glyphs = None
        self._nbuf[idx] = num
        self._n += 1
        if is_text:
            textidx[text] = idx
            self._texts.put_one(idx, text)
        else:
            numidx.insert_one(num, idx, self._nbuf)
            default = text == default_text(num)
            if not default or not self._texts.empty:
                self._texts.put_one(idx, None if default else text)
        return idx

    def intern_many(
        self,
        texts: TextsLike | None,
        nums: np.ndarray,
        null: np.ndarray | None = None,
    ) -> np.ndarray:
        """Intern many values at once; their symbol indices as int32, ``-1`` for NULL.

        Value ``i`` is ``(texts[i], nums[i])``: a number when ``nums[i]`` is not NaN (its
        text is ``texts[i]``, or the default rendering where that is null), else the text
        ``texts[i]``; NULL where both are missing, or where ``null[i]``. ``texts`` may be
        an Arrow string array or a sequence, or None when every value is a plain number.
        New symbols are added in order of first appearance (``model/interning.py``)."""
        return intern_values(self, texts, nums, null)

    def intern_range(self, start: float, step: float, count: int) -> int | np.ndarray:
        """Intern the numbers ``start + step * i`` for ``i < count`` (their texts the
        default renderings); the symbol of each, as the first of ``count`` consecutive
        symbols (an int) or as an int32 array. An empty table keeps the numbers as the
        rule only (an id field loaded in order costs no memory per symbol)."""
        if self._frozen:
            self._reserve(0)  # raises: read-only
        if self._n == 0 and self._texts.empty and count > 0 and step != 0:
            self._range = (float(start), float(step))
            self._n = count
            self._numidx = self._textidx = None
            self._nums_copy = self._objtexts = self._glyphs = None
            return 0
        nums = float(start) + float(step) * np.arange(count, dtype=np.float64)
        return self.intern_many(None, nums)

    def intern_symbols(self, other: SymbolTable) -> np.ndarray:
        """Intern every symbol of ``other``; old → new indices with a last ``-1`` slot
        (so that ``remap[column]`` keeps NULL cells NULL)."""
        codes = self.intern_many(other.stored_texts(), other.nums[:-1])
        return np.append(codes, np.int32(NULL))

    def freeze(self) -> None:
        """Read-only from now on: trim the buffers, keep one text array, drop the lookup."""
        if self._frozen:
            return
        if self._range is not None and self._n < _RANGE_MIN:
            self._materialize()  # a short table keeps its numbers, as any other
        self._numidx = self._textidx = None
        self._nums_copy = None
        self._frozen = True
        if self._range is not None:  # kept as a rule while growing (intern_range)
            self._nbuf = np.zeros(0)
            return
        self._nbuf = self._nbuf[: self._n + 1].copy()
        self._nbuf[self._n] = math.nan
        self._nbuf.flags.writeable = False
        self._range = _arithmetic(self._nbuf[: self._n]) if self._text_array() is None else None
        if self._range is not None:
            self._nbuf = np.zeros(0)  # the numbers are start + step * i: nothing to keep

    # -- reading --------------------------------------------------------------------

    def __len__(self) -> int:
        return self._n

    @property
    def null_code(self) -> int:
        """The code of NULL in a built model's columns: ``len(self)``."""
        return self._n

    @property
    def arithmetic(self) -> tuple[float, float] | None:
        """(start, step) when the table keeps no numbers because symbol ``i``'s number is
        ``start + step * i`` (and no text is stored): a frozen id field loaded in order."""
        return self._range

    def null_mask(self, codes: np.ndarray) -> np.ndarray:
        """True where a code is NULL (``null_code``, or ``-1`` in a builder's column)."""
        codes = np.asarray(codes)
        if codes.dtype.kind == "u":
            return codes >= self._n
        return (codes < 0) | (codes >= self._n)

    @property
    def nbytes(self) -> int:
        arr = self._text_array() if self._frozen else None
        index = self._numidx.nbytes if self._numidx is not None else 0
        return self._nbuf.nbytes + (arr.nbytes if arr is not None else 0) + index

    def lookup(self, text: str, num: float) -> int | None:
        if math.isnan(num):
            return None if self._range is not None else self._index()[1].get(text)
        return self.find_number(num)

    def find_text(self, text: str) -> int | None:
        """The symbol whose text is ``text`` (exact), or None: a text-only symbol first,
        else the first symbol with a number whose text it is."""
        idx = None if self._range is not None else self._index()[1].get(text)
        if idx is not None:
            return idx
        hits = []
        arr = self._text_array()
        if arr is not None:
            same = np.flatnonzero(pc.equal(arr, pa.scalar(text, arr.type)).fill_null(False)
                                  .to_numpy(zero_copy_only=False))
            if len(same):
                hits.append(int(same[0]))
        num = parse_default(text)
        if num is not None:
            idx = self.find_number(num)
            if idx is not None and (arr is None or not arr[idx].is_valid):
                hits.append(idx)
        return min(hits) if hits else None

    def find_number(self, num: float) -> int | None:
        if self._range is not None:
            start, step = self._range
            k = (num - start) / step
            if 0 <= k < self._n and k == int(k) and start + step * int(k) == num:
                return int(k)
            return None
        found = self._index()[0].find_one(num, self._nbuf)
        return found if found >= 0 else None

    def text(self, idx: int) -> str:
        if not 0 <= idx < self._n:
            raise IndexError(idx)
        arr = self._text_array()
        if arr is not None:
            stored = arr[idx].as_py()
            if stored is not None:
                return stored
        return default_text(self.num(idx))

    def num(self, idx: int) -> float:
        if not 0 <= idx < self._n:
            raise IndexError(idx)
        if self._range is not None:
            return float(self._range[0] + self._range[1] * float(idx))
        return float(self._nbuf[idx])

    def nums_at(self, codes: np.ndarray) -> np.ndarray:
        """The numbers of the given symbols as float64, NaN for the NULL code (or -1)."""
        if self._range is None:
            return self.nums[codes]
        start, step = self._range
        codes = np.asarray(codes)
        with np.errstate(invalid="ignore"):
            out = start + step * codes.astype(np.float64)
        out[self.null_mask(codes)] = math.nan
        return out

    def texts_at(self, indices: np.ndarray | Sequence[int]) -> np.ndarray:
        """The texts of the given symbols as an object array, None for the NULL code (or
        ``-1``). Builds at most ``min(len(indices), len(self))`` Python strings."""
        idx = np.asarray(indices)
        if idx.dtype.kind not in "iu":
            idx = idx.astype(np.intp)
        n = self._n
        if len(idx) > n:
            return self.texts[np.where(self.null_mask(idx), n, idx)]
        out = np.empty(len(idx), dtype=object)
        ok = np.flatnonzero(~self.null_mask(idx))
        if not len(ok):
            return out
        sym = idx[ok].astype(np.intp)
        arr = self._text_array()
        if arr is None:
            out[ok] = default_texts(self.nums_at(sym))
            return out
        taken = arr.take(pa.array(sym))
        stored = taken.to_numpy(zero_copy_only=False)
        missing = np.flatnonzero(~taken.is_valid().to_numpy(zero_copy_only=False))
        if len(missing):
            stored[missing] = default_texts(self.nums[sym[missing]])
        out[ok] = stored
        return out

    def duals_at(self, codes: np.ndarray) -> tuple[pa.Array | None, np.ndarray]:
        """(stored texts, numbers) of the given symbols (no NULL code), as ``intern_many``
        takes them: a null text, or None for all, where the text is the default rendering."""
        arr = self._text_array()
        texts = None if arr is None else arr.take(pa.array(np.asarray(codes)))
        return texts, self.nums_at(codes)

    @property
    def texts(self) -> np.ndarray:
        """Every text as an object array, with one extra ``None`` slot at the end for NULL.
        This makes a Python string per symbol: prefer ``texts_at`` or ``text``."""
        if self._objtexts is not None:
            return self._objtexts
        out = np.empty(self._n + 1, dtype=object)
        out[:-1] = self.texts_at(np.arange(self._n))
        if self._frozen and self._n <= _SMALL:
            self._objtexts = out
        return out

    @property
    def nums(self) -> np.ndarray:
        """Numbers as float64 (NaN for text), with one extra NaN slot at the end for NULL.
        (Made afresh for a table of evenly spaced numbers, which keeps none: prefer
        ``nums_at`` or ``num``.)"""
        if self._range is not None:
            return self.nums_at(np.arange(self._n + 1))
        if self._frozen:
            return self._nbuf
        if self._nums_copy is None:
            copy = self._nbuf[: self._n + 1].copy()
            copy[-1] = math.nan
            self._nums_copy = copy
        return self._nums_copy

    def stored_texts(self) -> pa.Array | None:
        """The stored texts (null where the text is the default rendering), or None when
        every text is a default rendering."""
        return self._text_array()

    def subset(self, keep: np.ndarray) -> tuple[SymbolTable, np.ndarray]:
        """A new table with only the symbols where ``keep``; returns it and old→new remap
        (``remap[-1]`` is ``-1`` so that ``remap[column]`` works for NULL cells too)."""
        which = np.flatnonzero(keep)
        arr = self._text_array()
        new = SymbolTable.from_arrays(
            self.nums_at(which), arr.take(pa.array(which)) if arr is not None else None
        )
        remap = np.full(self._n + 1, NULL, dtype=np.int32)
        remap[which] = np.arange(len(which), dtype=np.int32)
        return new, remap

    def items(self) -> Iterator[tuple[str, float]]:
        block = 1 << 16
        for lo in range(0, self._n, block):
            hi = min(lo + block, self._n)
            texts = self.texts_at(np.arange(lo, hi))
            yield from zip(texts.tolist(), self.nums_at(np.arange(lo, hi)).tolist(), strict=True)

    # -- properties of the whole field ----------------------------------------------

    def all_numeric(self) -> bool:
        if self._range is not None:
            return True
        nums = self._nbuf[: self._n]
        return bool(len(nums)) and not np.isnan(nums).any()

    def all_integer(self) -> bool:
        if self._range is not None:
            return all(float(x).is_integer() for x in self._range)
        nums = self._nbuf[: self._n]
        return self.all_numeric() and bool(np.all(nums == np.round(nums)))

    def any_numeric(self) -> bool:
        if self._range is not None:
            return True
        return bool((~np.isnan(self._nbuf[: self._n])).any())

    def all_ascii(self) -> bool:
        arr = self._text_array()  # default renderings are ASCII
        return arr is None or arr.null_count == len(arr) or bool(
            pc.all(pc.string_is_ascii(arr)).as_py())

    def _lengths(self, chars: bool) -> np.ndarray:
        """Length of every text, in characters or UTF-8 bytes."""
        arr = self._text_array()
        nums = self.nums[:-1]
        if arr is None:
            return default_lengths(nums)
        fn = pc.utf8_length if chars else pc.binary_length
        lengths = fn(arr).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        rendered = np.flatnonzero(~arr.is_valid().to_numpy(zero_copy_only=False))
        lengths[rendered] = default_lengths(nums[rendered])
        return lengths

    def max_glyphs(self) -> int:
        if self._glyphs is None:
            self._glyphs = int(self._lengths(True).max(initial=0))
        return self._glyphs

    def text_bytes(self) -> np.ndarray:
        """The UTF-8 size of every text."""
        return self._lengths(False)
