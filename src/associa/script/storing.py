"""``STORE [fields FROM] table INTO file [(qvd | txt | parquet [, …])]``.

Qlik help "Store": without a format specification the file is a QVD; ``txt`` writes
delimited text in UTF-8 with a byte-order mark (``delimiter is`` as in LOAD, a comma by
default), quoting a value in double quotes when it holds the delimiter, a quote, a
space or a line break; ``parquet`` takes ``compression is`` (snappy by default). A field
list may rename fields with ``AS``. The file is written through the reload's
``FileAccess`` (a folder connection), whole or not at all.

Each field is written from the table's own distinct values (the field's symbols that the
table's rows hold), so a QVD keeps each value's text and number as loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.errors import ScriptError
from associa.expr.tokens import T
from associa.kernels import presence as kpresence
from associa.model.builder import ModelBuilder
from associa.model.symbols import SymbolTable
from associa.model.table import Table
from associa.script import parser as p
from associa.script.files import FileAccess
from associa.script.sources.qvd import write_qvd

__all__ = ["Store", "local_symbols", "parse_store", "store_table"]

COMPRESSIONS = ("uncompressed", "snappy", "gzip", "lz4", "brotli", "zstd", "lz4_hadoop")


@dataclass(slots=True)
class Store:
    table: str
    path: str
    fields: list[tuple[str, str]] | None = None  # (field, name in the file); None: all
    fmt: p.FileFormat = field(default_factory=p.FileFormat)


def parse_store(sp: p.StatementParser) -> Store:
    """After the STORE keyword."""
    fields: list[tuple[str, str]] | None = None
    if sp.tok.is_op("*") or sp.peek().is_op(",") or sp.peek().is_word("as", "from"):
        fields = []
        while True:
            if sp.tok.is_op("*"):
                sp.advance()
                fields.append(("*", "*"))
            else:
                name = sp.name("a field name")
                fields.append((name, sp.name("a field name") if sp.word("as") else name))
            if not sp.tok.is_op(","):
                break
            sp.advance()
        sp.expect_word("from")
        if any(f == "*" for f, _ in fields):
            if len(fields) > 1:
                raise sp.unexpected("'*' stands alone in a field list")
            fields = None
    table = sp.name("a table name")
    sp.expect_word("into")
    if sp.tok.kind is T.EOF:
        raise sp.unexpected("expected a file name")
    path = sp.path()
    fmt = sp.format_spec() if sp.tok.is_op("(") else p.FileFormat()
    sp.end()
    return Store(table, path, fields, fmt)


def local_symbols(table: Table, name: str, symbols: SymbolTable
                  ) -> tuple[np.ndarray, pa.Array | None, np.ndarray]:
    """The table's own distinct values of a field: (numbers, stored texts, the code of
    each row into them, -1 for NULL)."""
    if table.is_identity(name):
        used = np.arange(table.nrows)
        codes = used.astype(np.int32)
    else:
        col = table.columns[name]
        k = len(symbols)
        present = kpresence.of_all(col, k)  # a NULL (-1) marks the slot left out
        if present.all():  # the table holds every symbol: its codes as they are
            used, codes = np.arange(k), np.asarray(col, dtype=np.int32)
        else:
            used = np.flatnonzero(present)
            remap = np.full(k + 1, -1, dtype=np.int32)
            remap[used] = np.arange(len(used), dtype=np.int32)
            codes = remap[col]
    texts, nums = symbols.duals_at(used)
    return np.asarray(nums, dtype=np.float64), texts, codes


def _columns(node: Store, builder: ModelBuilder) -> tuple[Table, list[tuple[str, str]]]:
    table = builder.table(node.table)
    fields = node.fields if node.fields is not None else [(f, f) for f in table.fields]
    for src, _ in fields:
        if src not in table.fields:
            raise ScriptError(f"Field '{src}' not found in table '{node.table}'")
    names = [out for _, out in fields]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ScriptError(f"Field names must be unique within table: {dupes[0]}")
    return table, fields


def store_table(node: Store, builder: ModelBuilder, files: FileAccess) -> int:
    """Write the table; returns its number of rows."""
    table, fields = _columns(node, builder)
    kind = node.fmt.kind or "qvd"
    writer = WRITERS.get(kind)
    if writer is None:
        raise ScriptError(f"STORE into {kind} files is not supported")
    parts = [local_symbols(table, src, builder.symbols_of(src)) for src, _ in fields]
    data = writer(node, table, fields, parts)
    with files.writer(node.path) as out:
        data(out)
    return table.nrows


def _qvd(node: Store, table: Table, fields: list[tuple[str, str]], parts: list):
    tags = []
    for nums, texts, _ in parts:
        sym = SymbolTable.from_arrays(nums, texts)
        t = []
        if len(sym) and sym.all_numeric():
            t.append("$numeric")
            if sym.all_integer():
                t.append("$integer")
        elif len(sym) and not sym.any_numeric():
            t.append("$text")
        if len(sym) and not sym.all_numeric() and sym.all_ascii():
            t.append("$ascii")
        tags.append(t)

    def write(out) -> None:
        write_qvd(out, node.table, [f for _, f in fields], [x[0] for x in parts],
                  [x[1] for x in parts], [x[2] for x in parts], table.nrows, tags)

    return write


def _quoted(texts: pa.Array, delimiter: str) -> pa.Array:
    """Texts as delimited-text cells: in double quotes (inner ones doubled) when they
    hold the delimiter, a quote, a blank or a line break."""
    needs = pc.match_substring_regex(texts, "[\"' \\t\\r\\n]" if delimiter in "\"' \t"
                                     else f"[\"' \\t\\r\\n]|{_re_escape(delimiter)}")
    doubled = pc.replace_substring(texts, '"', '""')
    q = pa.scalar('"', pa.large_string())
    wrapped = pc.binary_join_element_wise(q, doubled, q, pa.scalar("", pa.large_string()))
    return pc.if_else(needs, wrapped, texts)


def _values_bytes(arr: pa.Array) -> bytes | memoryview:
    """The concatenated values of a (large) string array, without a copy where it can."""
    arr = arr.cast(pa.large_string())
    if len(arr) == 0:
        return b""
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    return memoryview(arr.buffers()[2])[offsets[0]:offsets[-1]]


def _re_escape(ch: str) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in ch)


def _txt(node: Store, table: Table, fields: list[tuple[str, str]], parts: list):
    delim = node.fmt.text.delimiter
    delim = {"spaces": " "}.get(delim.lower(), delim)
    header = delim.join(
        _quoted(pa.array([name], pa.large_string()), delim)[0].as_py() for _, name in fields)

    def write(out) -> None:
        out.write(b"\xef\xbb\xbf" + header.encode("utf-8") + b"\r\n")
        step = 1 << 20
        cells = []
        for nums, texts, _ in parts:
            sym = SymbolTable.from_arrays(nums, texts)
            arr = pa.array(sym.texts_at(np.arange(len(sym))), pa.large_string())
            cells.append(_quoted(arr, delim))
        for lo in range(0, table.nrows, step):
            hi = min(table.nrows, lo + step)
            cols = []
            for cell, (_, _, codes) in zip(cells, parts, strict=True):
                c = codes[lo:hi]
                taken = cell.take(pa.array(c, mask=c < 0))
                cols.append(pc.fill_null(taken, ""))
            eol = pa.scalar("\r\n", pa.large_string())
            lines = pc.binary_join_element_wise(
                pc.binary_join_element_wise(*cols, pa.scalar(delim, pa.large_string()))
                if len(cols) > 1 else cols[0], eol, pa.scalar("", pa.large_string()))
            out.write(_values_bytes(lines))

    return write


def _parquet(node: Store, table: Table, fields: list[tuple[str, str]], parts: list):
    import pyarrow.parquet as pq

    compression = node.fmt.compression or "snappy"
    if compression not in COMPRESSIONS:
        raise ScriptError(f"Unknown compression: {compression}")
    arrays = []
    for nums, texts, codes in parts:
        mask = codes < 0
        idx = np.where(mask, 0, codes)
        numeric = ~np.isnan(nums)
        plain = texts is None or texts.null_count == len(texts)
        if len(nums) and numeric.all() and plain:
            ints = np.all(nums == np.round(nums)) and np.all(np.abs(nums) < 2**53)
            values = nums[idx] if len(idx) else np.zeros(0)
            arrays.append(pa.array(values.astype(np.int64) if ints else values,
                                   mask=mask if mask.any() else None))
        else:
            sym = SymbolTable.from_arrays(nums, texts)
            all_texts = pa.array(sym.texts_at(np.arange(len(sym))), pa.large_string())
            arrays.append(all_texts.take(pa.array(codes, mask=mask)) if len(sym)
                          else pa.nulls(len(codes), pa.large_string()))
    tbl = pa.table(arrays, names=[f for _, f in fields])
    codec = None if compression == "uncompressed" else compression.replace("lz4_hadoop", "lz4")

    def write(out) -> None:
        pq.write_table(tbl, out, compression=codec)

    return write


WRITERS = {"qvd": _qvd, "txt": _txt, "parquet": _parquet}
