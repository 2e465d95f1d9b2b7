"""Typed Arrow tables as LOAD sources (what a database hands back for ``SQL SELECT``).

A typed source keeps its types, as the engine keeps those of ODBC and QVD data (it does
not interpret them as it does untyped text; qlik-language.md §6.10): numbers stay
numbers, texts stay texts (a VARCHAR ``'0012'`` is the text ``0012``), and dates, times
and timestamps become duals, their serial number (days since 1899-12-30, the engine's
OLE date, as the QVX ``DATE``/``TIMESTAMP`` attribute types carry them) with the text of
``DateFormat``, ``TimeFormat`` or ``TimestampFormat`` as the script has set them.

* integers, floats and decimals: numbers (decimals as float64, as the engine holds
  every number); a floating NaN is NULL;
* booleans: the duals ``True`` (-1) and ``False`` (0), the engine's truth values;
* dates, timestamps (a zoned one at its UTC wall time), times: duals as above;
  durations: their length in days;
* texts: texts; binary values: their hex digits; lists, structs and maps: their JSON;
* a column whose field carries the metadata ``associa.interpret`` is untyped: its texts
  are interpreted as a text file's cells are; a struct of ``num`` and ``text`` (a
  database column of values of several types, as SQLite allows) keeps its numbers and
  interprets its texts.

Every column becomes codes into its distinct values in order of first appearance
(``sources.table.Distinct``), NULL being code ``-1``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa import kernels
from associa.errors import ScriptError
from associa.model.symbols import SymbolTable
from associa.script.sources.table import Distinct, SourceColumn, SourceTable
from associa.values import DEFAULT_LOCALE, Locale, format_datetime
from associa.values.encoding import ColumnEncoder, EncodedColumn, factorize_numbers
from associa.values.rendering import default_text_array

__all__ = ["INTERPRET", "arrow_reader", "arrow_source", "from_symbols"]

INTERPRET = b"associa.interpret"  # field metadata: untyped text, interpret its cells
EPOCH_SERIAL = 25569.0  # the serial number of 1970-01-01
_UNITS = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}


def arrow_source(
    table: pa.Table,
    locale: Locale,
    needed: set[str] | None,
    interpret: Callable[[str], Callable[[pa.Array], np.ndarray]],
) -> SourceTable:
    """The columns named in ``needed`` (all when None) of a typed table, encoded.
    ``interpret(name)`` interprets the distinct texts of an untyped column."""
    names = list(table.column_names)
    out = SourceTable(names, table.num_rows)
    where = {name: i for i, name in enumerate(names)}  # a repeated name: the last column
    for name, i in where.items():
        if needed is not None and name not in needed:
            continue
        field = table.schema.field(i)
        column = table.column(i)
        chunk = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
        if field.metadata and INTERPRET in field.metadata:
            encoded = _encode_untyped(chunk, locale, interpret(name))
        else:
            encoded = encode_typed(chunk, locale)
        out.columns[name] = SourceColumn(Distinct(encoded), encoded.codes, encoded.nrows, True,
                                         float(encoded.start) if encoded.sequence else None)
    return out


def arrow_reader(
    table: pa.Table,
    locale: Locale,
    interpret: Callable[[str], Callable[[pa.Array], np.ndarray]],
) -> tuple[list[str], Callable[[set[str] | None, Callable[[int], None]], SourceTable]]:
    """A typed table read from a file (Parquet, JSON) as a LOAD source: its field names,
    and how to encode the ones a LOAD reads (``arrow_source``). A file's field names must
    be unique."""
    names = list(table.column_names)
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ScriptError(f"Field names must be unique within table: {dupes[0]}")

    def read(fields: set[str] | None, on_batch: Callable[[int], None]) -> SourceTable:
        out = arrow_source(table, locale, fields, interpret)
        on_batch(table.num_rows)
        return out

    return names, read


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


def _ordered_loop(codes, k):  # pragma: no cover - compiled
    top = -1
    for i in range(len(codes)):
        c = codes[i]
        if c >= 0:
            if c > top + 1:
                return False
            if c > top:
                top = c
    return top == k - 1


_ordered_nb = kernels.jit(_ordered_loop)


@kernels.warmer
def _warm() -> None:
    _ordered_nb(np.array([0, -1, 1], dtype=np.int32), 2)


def _first_appearance(codes: np.ndarray, k: int) -> bool:
    """Whether every code is used and codes are numbered in order of first appearance."""
    if kernels.compiled() and codes.dtype == np.int32:
        return bool(_ordered_nb(codes, k))
    valid = codes[codes >= 0] if k else codes[:0]
    if len(valid) == 0:
        return k == 0
    run = np.maximum.accumulate(valid)
    return int(run[0]) == 0 and int(run[-1]) == k - 1 and bool(np.all(np.diff(run) <= 1))


def encode_typed(arr: pa.Array, locale: Locale) -> EncodedColumn:
    """One typed column as codes into its distinct values (first appearance order)."""
    t = arr.type
    if pa.types.is_dictionary(t):
        return encode_typed(arr.cast(t.value_type), locale)
    if pa.types.is_null(t):
        return EncodedColumn(len(arr), np.full(len(arr), -1, dtype=np.int32),
                             np.zeros(0), pa.array([], pa.string()))
    if pa.types.is_string(t) or pa.types.is_large_string(t) or _is_string_view(t):
        return _encode_texts(arr.cast(pa.string()))
    if pa.types.is_boolean(t):  # duals True (-1) and False (0), Qlik's truth values
        nums = np.where(arr.fill_null(False).to_numpy(zero_copy_only=False), -1.0, 0.0)
        enc = _encode_numbers(nums, _valid(arr), None)
        assert enc.nums is not None
        texts = pa.array(np.where(enc.nums != 0, "True", "False"), pa.string())
        return EncodedColumn(enc.nrows, enc.codes, enc.nums, texts)
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        nums = pc.cast(arr, pa.float64(), safe=False).fill_null(np.nan).to_numpy(
            zero_copy_only=False)
        return _encode_numbers(nums, _valid(arr) & ~np.isnan(nums), None)
    if pa.types.is_date(t):
        days = arr.cast(pa.date32()).cast(pa.int32()).fill_null(0).to_numpy(
            zero_copy_only=False).astype(np.float64)
        return _encode_numbers(days + EPOCH_SERIAL, _valid(arr), locale.date_format, locale)
    if pa.types.is_timestamp(t):
        ticks = arr.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
        serial = ticks / (_UNITS[t.unit] * 86400.0) + EPOCH_SERIAL
        return _encode_numbers(serial, _valid(arr), locale.timestamp_format, locale)
    if pa.types.is_time(t):
        ticks = arr.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
        serial = ticks / (_UNITS[t.unit] * 86400.0)
        return _encode_numbers(serial, _valid(arr), locale.time_format, locale)
    if pa.types.is_duration(t):
        ticks = arr.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
        return _encode_numbers(ticks / (_UNITS[t.unit] * 86400.0), _valid(arr), None)
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return _encode_texts(pa.array([None if v is None else v.hex() for v in arr.to_pylist()],
                                      pa.string()))
    # lists, structs, maps, intervals: their JSON text
    return _encode_texts(pa.array([None if v is None else json.dumps(v, default=str)
                                   for v in arr.to_pylist()], pa.string()))


def _encode_untyped(arr: pa.Array, locale: Locale,
                    interpret: Callable[[pa.Array], np.ndarray]) -> EncodedColumn:
    """A column of texts to interpret, or a struct of ``num`` (typed numbers, kept) and
    ``text`` (cells to interpret) for a column of values of several types."""
    if not pa.types.is_struct(arr.type):
        enc = ColumnEncoder(locale)
        enc.add(arr.cast(pa.string()))
        return enc.finish(interpret)
    nums = arr.field("num")
    is_num = nums.is_valid()
    rendered = default_text_array(nums.fill_null(0).to_numpy(zero_copy_only=False))
    texts = pc.if_else(is_num, rendered, arr.field("text"))
    enc = pc.dictionary_encode(texts)
    codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    distinct = np.array(interpret(enc.dictionary), dtype=np.float64)
    rows = np.flatnonzero(is_num.to_numpy(zero_copy_only=False))
    distinct[codes[rows]] = nums.to_numpy(zero_copy_only=False)[rows]  # numbers win
    return EncodedColumn(len(arr), codes, distinct, enc.dictionary)


def _is_string_view(t: pa.DataType) -> bool:
    check = getattr(pa.types, "is_string_view", None)
    return bool(check and check(t))


def _valid(arr: pa.Array) -> np.ndarray:
    if arr.null_count == 0:
        return np.ones(len(arr), dtype=bool)
    return arr.is_valid().to_numpy(zero_copy_only=False)


def _encode_texts(arr: pa.Array) -> EncodedColumn:
    enc = pc.dictionary_encode(arr)
    codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    texts = enc.dictionary
    return EncodedColumn(len(arr), codes, np.full(len(texts), np.nan), texts)


def _encode_numbers(nums: np.ndarray, valid: np.ndarray, fmt: str | None,
                    locale: Locale = DEFAULT_LOCALE) -> EncodedColumn:
    """Numbers (NULL where not ``valid``); with ``fmt``, duals with that format's text."""
    codes = np.full(len(nums), -1, dtype=np.int32)
    keys = np.asarray(nums[valid], dtype=np.float64) + 0.0  # no -0.0
    if len(keys):
        key_codes, distinct, _ = factorize_numbers(keys)
        codes[valid] = key_codes
    else:
        distinct = np.zeros(0)
    texts = None
    if fmt is not None:
        texts = pa.array([format_datetime(float(x), fmt, locale) for x in distinct], pa.string())
    return EncodedColumn(len(nums), codes, np.asarray(distinct, dtype=np.float64), texts)
