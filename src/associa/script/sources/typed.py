"""Typed sources (Parquet, JSON, Excel, QVD): columns that already know their values.

A typed column is not interpreted as text is: a number stays a number (its text the
default rendering), a text stays a text even when it looks like a number, as Qlik loads
values of typed files. Dates and times become serial numbers (days since 1899-12-30)
with the text of the script's DateFormat, TimeFormat or TimestampFormat, booleans the
duals ``True`` (-1) and ``False`` (0), Qlik's truth values. Each column is encoded as its
distinct values (``SymbolTable.from_arrays``) and a code per row (``-1`` NULL), the shape
every LOAD source has (``sources.table``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.errors import ScriptError
from associa.model.symbols import SymbolTable
from associa.script.sources.table import SourceColumn, SourceTable
from associa.values import Locale
from associa.values.format import format_datetime

__all__ = ["arrow_source", "encode_arrow", "from_symbols"]

EPOCH_SERIAL = 25569.0  # the serial number of 1970-01-01
_UNITS = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}


def from_symbols(nums: np.ndarray, texts: pa.Array | None, codes: np.ndarray,
                 nrows: int) -> SourceColumn:
    """A source column of given distinct values and a code per row (-1 NULL). When the
    values are numbered in order of first appearance it says so (the LOAD then takes the
    codes as they are), and a column of consecutive whole numbers, one per row, becomes a
    sequence (no codes at all)."""
    values = SymbolTable.from_arrays(nums, texts)
    k = len(nums)
    ordered = _first_appearance(codes, k)
    if ordered and k == nrows and k > 1 and (texts is None or texts.null_count == k):
        start = float(nums[0])
        if start == int(start) and np.array_equal(np.diff(nums), np.ones(k - 1)):
            return SourceColumn(values, None, nrows, True, start)
    return SourceColumn(values, codes, nrows, ordered)


def _first_appearance(codes: np.ndarray, k: int) -> bool:
    """Whether every code is used and codes are numbered in order of first appearance."""
    valid = codes[codes >= 0] if k else codes[:0]
    if len(valid) == 0:
        return k == 0
    run = np.maximum.accumulate(valid)
    return int(run[0]) == 0 and int(run[-1]) == k - 1 and bool(np.all(np.diff(run) <= 1))


def encode_arrow(col: pa.Array | pa.ChunkedArray, locale: Locale, name: str = "") -> SourceColumn:
    """One Arrow column as distinct values and codes."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    n = len(col)
    t = col.type
    if pa.types.is_dictionary(t):
        col = col.dictionary_decode()
        t = col.type
    if pa.types.is_null(t):
        return from_symbols(np.zeros(0), None, np.full(n, -1, dtype=np.int32), n)
    if pa.types.is_boolean(t):
        col = pc.if_else(col, pa.scalar(-1, pa.int8()), pa.scalar(0, pa.int8()))
        enc = col.dictionary_encode()
        nums = enc.dictionary.to_numpy(zero_copy_only=False).astype(np.float64)
        texts = pa.array(np.where(nums != 0, "True", "False"))
        return from_symbols(nums, texts, _codes(enc.indices), n)
    if (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)):
        if pa.types.is_floating(t):  # NaN is no value: NULL
            col = pc.if_else(pc.is_nan(col), pa.scalar(None, t), col)
        enc = col.dictionary_encode()
        nums = enc.dictionary.cast(pa.float64()).to_numpy(zero_copy_only=False)
        return from_symbols(nums.astype(np.float64), None, _codes(enc.indices), n)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        enc = col.dictionary_encode()
        return from_symbols(np.full(len(enc.dictionary), math.nan), enc.dictionary,
                            _codes(enc.indices), n)
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return encode_arrow(col.cast(pa.large_string()), locale, name)
    serial, fmt = _serial(col, locale)
    if serial is not None:
        enc = serial.dictionary_encode()
        nums = enc.dictionary.to_numpy(zero_copy_only=False).astype(np.float64)
        texts = pa.array([format_datetime(float(x), fmt, locale) for x in nums],
                         pa.large_string())
        return from_symbols(nums, texts, _codes(enc.indices), n)
    try:
        return encode_arrow(col.cast(pa.large_string()), locale, name)
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        raise ScriptError(f"Field '{name}' has values of type {t} that cannot be loaded") from None


def _serial(col: pa.Array, locale: Locale) -> tuple[pa.Array | None, str]:
    """Dates, times and timestamps as serial numbers, with the format of their text."""
    t = col.type
    if pa.types.is_date(t):
        days = col.cast(pa.date32()).cast(pa.int32()).cast(pa.float64())
        return pc.add(days, EPOCH_SERIAL), locale.date_format
    if pa.types.is_timestamp(t):
        if t.tz is not None:  # wall time in UTC, as the file holds it
            col = col.cast(pa.timestamp(t.unit))
        raw = col.cast(pa.int64()).cast(pa.float64())
        return pc.add(pc.divide(raw, 86400.0 * _UNITS[t.unit]), EPOCH_SERIAL), \
            locale.timestamp_format
    if pa.types.is_time(t):
        raw = col.cast(pa.int64() if t.bit_width == 64 else pa.int32()).cast(pa.float64())
        return pc.divide(raw, 86400.0 * _UNITS[t.unit]), locale.time_format
    return None, ""


def _codes(indices: pa.Array) -> np.ndarray:
    return pc.fill_null(indices, -1).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)


def arrow_source(table: pa.Table, locale: Locale
                 ) -> tuple[list[str], Callable[[set[str] | None, Callable[[int], None]], SourceTable]]:
    """An Arrow table as a LOAD source: its field names, and how to encode them."""
    names = list(table.column_names)
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ScriptError(f"Field names must be unique within table: {dupes[0]}")

    def read(fields: set[str] | None, on_batch: Callable[[int], None]) -> SourceTable:
        out = SourceTable(names, table.num_rows)
        for name in names:
            if fields is None or name in fields:
                out.columns[name] = encode_arrow(table.column(name), locale, name)
        on_batch(table.num_rows)
        return out

    return names, read
