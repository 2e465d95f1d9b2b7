"""QVD files, read and written in the real format (Qlik's ``.qvd``).

Written from the format's public description (the pyqvd documentation's "QVD File
Format" page; korolmi/qvdfile's wiki pages on the rows table; checked both ways against
``pyqvd`` from PyPI in the tests). A file is three parts:

1. an XML header (UTF-8) ``<QvdTableHeader>`` with the table's name, its number of
   records, the record size in bytes, and per field (``QvdFieldHeader``) its name, its
   bits in a record (``BitOffset``, ``BitWidth``), a ``Bias`` added to each index, its
   number of symbols and where they lie (``Offset``, ``Length``); the header ends with
   ``\\r\\n`` and one NUL byte, and offsets count from the byte after it;
2. the symbol tables, one after the other: the distinct values of each field, each a type
   byte and its data: ``1`` a 4-byte integer, ``2`` an 8-byte double (both
   little-endian), ``4`` a NUL-terminated UTF-8 text, ``5`` an integer then a text, ``6``
   a double then a text (5 and 6 are duals: the number with its text);
3. the index table: ``NoOfRecords`` records of ``RecordByteSize`` bytes; read
   little-endian, record bits ``BitOffset .. BitOffset + BitWidth`` hold the field's
   index, and index + ``Bias`` is the symbol number; a negative one is NULL. A field
   with NULLs is written with bias -2 (index 0 is NULL, symbol ``s`` is index ``s + 2``);
   a field with one symbol and no NULL takes no bits (width 0).

Everything is vectorized: records are packed as 64-bit words per row and unpacked field by
field in one compiled pass each (numpy's 64-bit words where numba is missing), symbol
tables of one type are cut with numpy, and mixed ones are scanned by a compiled loop
(``associa.kernels.jit``; a Python loop where numba is missing).
"""

from __future__ import annotations

import math
import mmap
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO
from xml.sax.saxutils import escape

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa import kernels
from associa.errors import ScriptError

__all__ = ["QvdField", "QvdHeader", "QvdTable", "encode_symbols", "read_header", "read_qvd",
           "write_qvd"]

_END = b"</QvdTableHeader>"
Buffer = bytes | memoryview | mmap.mmap


class QvdError(ScriptError):
    """A file that is not a readable QVD."""


@dataclass(slots=True)
class QvdField:
    name: str
    bit_offset: int = 0
    bit_width: int = 0
    bias: int = 0
    symbols: int = 0
    offset: int = 0
    length: int = 0
    number_format: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class QvdHeader:
    table: str
    records: int
    record_size: int
    fields: list[QvdField]
    offset: int = 0  # of the index table, after the symbol tables
    length: int = 0
    created: str = ""  # CreateUtcTime, as written ("2024-05-01 12:00:00")
    data_start: int = 0  # where the binary part starts in the file


@dataclass(slots=True)
class QvdTable:
    """A QVD's contents: per field its distinct values and each record's symbol."""

    header: QvdHeader
    nums: dict[str, np.ndarray]  # float64 per symbol, NaN for text
    texts: dict[str, pa.Array | None]  # text per symbol (null: the number's default text)
    codes: dict[str, np.ndarray]  # int32 per record, -1 for NULL


# -- the header -------------------------------------------------------------------------


def read_header(data: Buffer) -> QvdHeader:
    """The XML header of a QVD (``data``: the file's bytes, a memory map or its start)."""
    buf = bytes(data[: 1 << 20])
    end = buf.find(_END)
    if end < 0 and len(buf) >= 1 << 20:  # a header over 1 MB
        buf = bytes(data)
        end = buf.find(_END)
    if end < 0:
        raise QvdError("Not a QVD file: no QvdTableHeader")
    end += len(_END)
    if b"<!DOCTYPE" in buf[:end] or b"<!ENTITY" in buf[:end]:
        raise QvdError("Not a QVD file: a document type in the header")  # no entities
    try:
        root = ET.fromstring(buf[:end].decode("utf-8"))
    except (ET.ParseError, UnicodeDecodeError) as exc:
        raise QvdError(f"Not a QVD file: bad XML header ({exc})") from None
    start = end
    while start < len(buf) and buf[start] in b"\r\n":
        start += 1
    if start < len(buf) and buf[start] == 0:
        start += 1

    def num(node: ET.Element, tag: str, default: int = 0) -> int:
        text = (node.findtext(tag) or "").strip()
        try:
            return int(text) if text else default
        except ValueError:
            raise QvdError(f"Not a QVD file: {tag} is '{text}'") from None

    fields = []
    for fh in root.iterfind("Fields/QvdFieldHeader"):
        nf = fh.find("NumberFormat")
        fields.append(QvdField(
            name=fh.findtext("FieldName") or "",
            bit_offset=num(fh, "BitOffset"), bit_width=num(fh, "BitWidth"),
            bias=num(fh, "Bias"), symbols=num(fh, "NoOfSymbols"),
            offset=num(fh, "Offset"), length=num(fh, "Length"),
            number_format={c.tag: c.text or "" for c in nf} if nf is not None else {},
            tags=[t.text or "" for t in fh.iterfind("Tags/String")],
        ))
    for f in fields:
        if min(f.bit_offset, f.symbols, f.offset, f.length) < 0 or not 0 <= f.bit_width <= 32:
            raise QvdError(f"Not a QVD file: field '{f.name}' has an invalid layout")
    if min(num(root, "NoOfRecords"), num(root, "RecordByteSize"), num(root, "Offset")) < 0:
        raise QvdError("Not a QVD file: negative sizes in the header")
    return QvdHeader(
        table=root.findtext("TableName") or "", records=num(root, "NoOfRecords"),
        record_size=num(root, "RecordByteSize"), fields=fields,
        offset=num(root, "Offset"), length=num(root, "Length"),
        created=(root.findtext("CreateUtcTime") or "").strip(), data_start=start,
    )


def _header_xml(h: QvdHeader) -> bytes:
    def el(tag: str, value: object) -> str:
        return f"<{tag}>{escape(str(value))}</{tag}>"

    parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<QvdTableHeader>',
             el("QvBuildNo", 50699), el("CreatorDoc", "associa"),
             el("CreateUtcTime", h.created), "<SourceCreateUtcTime></SourceCreateUtcTime>",
             "<SourceFileUtcTime></SourceFileUtcTime>", el("SourceFileSize", -1),
             "<StaleUtcTime></StaleUtcTime>", el("TableName", h.table), "<Fields>"]
    for f in h.fields:
        fmt = "".join(el(k, v) for k, v in f.number_format.items())
        tags = "".join(el("String", t) for t in f.tags)
        parts.append(
            "<QvdFieldHeader>" + el("FieldName", f.name) + el("BitOffset", f.bit_offset)
            + el("BitWidth", f.bit_width) + el("Bias", f.bias)
            + f"<NumberFormat>{fmt}</NumberFormat>" + el("NoOfSymbols", f.symbols)
            + el("Offset", f.offset) + el("Length", f.length) + "<Comment></Comment>"
            + f"<Tags>{tags}</Tags></QvdFieldHeader>")
    parts += ["</Fields>", "<Compression></Compression>", el("RecordByteSize", h.record_size),
              el("NoOfRecords", h.records), el("Offset", h.offset), el("Length", h.length),
              "<Lineage></Lineage>", "<Comment></Comment>", "</QvdTableHeader>\r\n"]
    return "".join(parts).encode("utf-8") + b"\0"


# -- symbol tables ----------------------------------------------------------------------


def _scan_symbols(buf: np.ndarray, k: int, types: np.ndarray, numpos: np.ndarray,
                  out: np.ndarray, offsets: np.ndarray) -> int:
    """Walk ``k`` symbols of ``buf``: each one's type, where its number starts (-1 for
    none), and its text copied into ``out`` (``offsets``). Returns the bytes read, or
    ``-1 - i`` for a bad type at symbol ``i``, or ``-2 - k`` when the buffer ends early."""
    p = 0
    n = len(buf)
    o = 0
    for i in range(k):
        if p >= n:
            return -2 - k
        t = buf[p]
        types[i] = t
        p += 1
        numpos[i] = -1
        if t == 1 or t == 5:
            numpos[i] = p
            p += 4
        elif t == 2 or t == 6:
            numpos[i] = p
            p += 8
        elif t != 4:
            return -1 - i
        offsets[i] = o
        if t >= 4:
            while p < n and buf[p] != 0:
                out[o] = buf[p]
                o += 1
                p += 1
            p += 1
        if p > n:
            return -2 - k
    offsets[k] = o
    return p


_scan_compiled = kernels.jit(_scan_symbols)


def _numbers_at(buf: np.ndarray, pos: np.ndarray, width: int) -> np.ndarray:
    idx = pos[:, None] + np.arange(width)
    raw = np.ascontiguousarray(buf[idx])
    return raw.view("<i4" if width == 4 else "<f8").ravel().astype(np.float64)


def decode_symbols(buf: np.ndarray, k: int) -> tuple[np.ndarray, pa.Array | None]:
    """The numbers (NaN for text) and texts (null for numbers) of ``k`` symbols."""
    n = len(buf)
    if k == 0:
        return np.zeros(0), None
    first = buf[0]
    for t, width, dtype in ((1, 4, "<i4"), (2, 8, "<f8")):
        size = width + 1
        if first == t and n == size * k and (buf[::size] == t).all():
            raw = np.ascontiguousarray(buf.reshape(k, size)[:, 1:])
            return raw.view(dtype).ravel().astype(np.float64), None
    if first == 4:
        nul = np.flatnonzero(buf == 0)
        if len(nul) == k and nul[-1] == n - 1:
            starts = np.concatenate(([0], nul[:-1] + 1))
            if (buf[starts] == 4).all():
                whole = pa.Array.from_buffers(
                    pa.large_binary(), k,
                    [None, pa.py_buffer(np.append(starts, n).astype(np.int64)),
                     pa.py_buffer(buf)])
                texts = pc.binary_slice(whole, 1, -1)
                return np.full(k, math.nan), _utf8(texts)
    types = np.empty(k, dtype=np.uint8)
    numpos = np.empty(k, dtype=np.int64)
    out = np.empty(n, dtype=np.uint8)
    offsets = np.empty(k + 1, dtype=np.int64)
    scan = _scan_compiled if kernels.compiled() else _scan_symbols
    end = scan(buf, k, types, numpos, out, offsets)
    if end < 0:
        if end >= -k:
            raise QvdError(f"Not a QVD file: symbol type {types[-1 - end]} unknown")
        raise QvdError("Not a QVD file: the symbol table ends early")
    nums = np.full(k, math.nan)
    for t, width in ((1, 4), (5, 4), (2, 8), (6, 8)):
        at = np.flatnonzero(types == t)
        if len(at):
            nums[at] = _numbers_at(buf, numpos[at], width)
    has_text = types >= 4
    if not has_text.any():
        return nums, None
    texts = pa.Array.from_buffers(
        pa.large_binary(), k, [pa.py_buffer(np.packbits(has_text, bitorder="little")),
                               pa.py_buffer(offsets), pa.py_buffer(out[: offsets[-1]])],
        null_count=int(k - has_text.sum()))
    return nums, _utf8(texts)


def _utf8(arr: pa.Array) -> pa.Array:
    try:
        return arr.cast(pa.large_string())
    except pa.ArrowInvalid:
        raise QvdError("Not a QVD file: a text symbol is not UTF-8") from None


def encode_symbols(nums: np.ndarray, texts: pa.Array | None) -> bytes:
    """Symbols as a QVD symbol table: a number with no text of its own is an integer
    (1) or a double (2); a text is 4, or a dual 5/6 when it also has a number."""
    k = len(nums)
    if k == 0:
        return b""
    numeric = ~np.isnan(nums)
    with np.errstate(invalid="ignore"):
        ints = nums.astype(np.int32)  # NaN and numbers out of range do not round-trip
        integral = numeric & (ints == nums)
    has_text = (np.zeros(k, dtype=bool) if texts is None
                else texts.is_valid().to_numpy(zero_copy_only=False))
    has_text |= ~numeric
    if not has_text.any() and (integral.all() or not integral.any()):
        # one kind of number (ids, amounts): packed records of a type byte and the number
        whole = bool(integral[0])
        same = np.empty(k, dtype=[("type", "u1"), ("num", "<i4" if whole else "<f8")])
        same["type"] = 1 if whole else 2
        same["num"] = ints if whole else nums
        return same.tobytes()
    types = np.where(integral, 1, np.where(numeric, 2, 4)).astype(np.uint8)
    types[has_text & numeric] += 4  # 1 -> 5, 2 -> 6
    width = np.where(integral, 4, np.where(numeric, 8, 0))
    lens = 1 + width
    pos = np.zeros(k + 1, dtype=np.int64)
    np.cumsum(lens, out=pos[1:])
    # each symbol's type byte and number as a 9-byte row, then the bytes each one uses
    rows = np.zeros((k, 9), dtype=np.uint8)
    rows[:, 0] = types
    for w, dtype, which in ((4, "<i4", integral), (8, "<f8", numeric & ~integral)):
        if which.all():
            rows[:, 1:1 + w] = nums.astype(dtype).view(np.uint8).reshape(k, w)
        elif which.any():
            rows[which, 1:1 + w] = nums[which].astype(dtype).view(np.uint8).reshape(-1, w)
    head = rows[np.arange(9) < lens[:, None]] if not (lens == 9).all() else rows.ravel()
    if not has_text.any():
        return head.tobytes()
    prefix = pa.Array.from_buffers(pa.large_binary(), k,
                                   [None, pa.py_buffer(pos), pa.py_buffer(head)])
    if texts is None:
        texts = pa.nulls(k, pa.large_string())
    body = pc.fill_null(texts.cast(pa.large_string()), "").cast(pa.large_binary())
    nul = pa.array([b"", b"\0"], pa.large_binary()).take(pa.array(has_text.astype(np.int8)))
    joined = pc.binary_join_element_wise(prefix, body, nul, pa.scalar(b"", pa.large_binary()))
    joined = joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined
    offs = np.frombuffer(joined.buffers()[1], dtype=np.int64)[joined.offset:joined.offset + k + 1]
    data = joined.buffers()[2]
    return data.to_pybytes()[offs[0]:offs[-1]]


# -- records ----------------------------------------------------------------------------


def pack_records(stored: list[np.ndarray], offsets: list[int], widths: list[int],
                 record_size: int, n: int) -> np.ndarray:
    """The index table (n x record_size bytes) of per-field stored indices."""
    words = max(1, (record_size + 7) // 8)
    rec = np.zeros((n, words), dtype="<u8")
    for vals, off, w in zip(stored, offsets, widths, strict=True):
        if w == 0:
            continue
        v = vals.astype(np.uint64, copy=False)
        word, shift = divmod(off, 64)
        rec[:, word] |= v << np.uint64(shift)
        if shift + w > 64:
            rec[:, word + 1] |= v >> np.uint64(64 - shift)
    return rec.view(np.uint8).reshape(n, words * 8)[:, :record_size]


def _pack_loop(col, add, off, width, out, size):  # pragma: no cover - compiled
    # each record's field bits (at most 32 after a shift below 8: five bytes) ORed into
    # its bytes; a NULL (-1) is stored as 0, a symbol number as itself plus ``add``
    first = off // 8
    shift = off % 8
    nbytes = (shift + width + 7) // 8
    for i in range(len(col)):
        c = col[i]
        v = 0 if c < 0 else (c + add) << shift
        at = i * size + first
        for b in range(nbytes):
            out[at + b] |= (v >> (8 * b)) & 255


_pack_nb = kernels.jit(_pack_loop)


@kernels.warmer
def _warm_pack() -> None:
    _pack_nb(np.array([1, -1], dtype=np.int32), 2, 3, 9, np.zeros(4, dtype=np.uint8), 2)


def unpack_field(table: np.ndarray, off: int, width: int,
                 windows: dict[int, np.ndarray] | None = None) -> np.ndarray:
    """One field's indices (uint64) from the index table (n x record_size bytes); the
    64-bit words read are kept in ``windows`` (by first byte) for the next fields."""
    n, size = table.shape
    if width == 0:
        return np.zeros(n, dtype=np.uint64)
    start = 0 if size <= 8 else min(off // 8, size - 8)
    words = None if windows is None else windows.get(start)
    if words is None:
        if size < 8:
            window = np.zeros((n, 8), dtype=np.uint8)
            window[:, :size] = table
        else:
            window = np.ascontiguousarray(table[:, start:start + 8])
        words = window.view("<u8").ravel()
        if windows is not None:
            windows[start] = words
    mask = np.uint64((1 << width) - 1)
    return (words >> np.uint64(off - 8 * start)) & mask


def _unpack_loop(raw, start, size, off, width, bias, out):  # pragma: no cover - compiled
    # each record's field bits (at most 32, so at most 5 bytes) read byte by byte, the
    # bias added, a negative symbol number made -1 (NULL); returns the largest index
    first = off // 8
    shift = off % 8
    nbytes = (shift + width + 7) // 8
    mask = (1 << width) - 1
    top = 0
    for i in range(len(out)):
        at = start + i * size + first
        v = 0
        for b in range(nbytes):
            v |= int(raw[at + b]) << (8 * b)
        stored = (v >> shift) & mask
        if stored > top:
            top = stored
        c = stored + bias
        out[i] = c if c >= 0 else -1
    return top


_unpack_nb = kernels.jit(_unpack_loop)


@kernels.warmer
def _warm() -> None:
    out = np.empty(2, dtype=np.int32)
    _unpack_nb(np.zeros(8, dtype=np.uint8), 0, 2, 3, 9, -2, out)


def field_codes(raw: np.ndarray, start: int, records: int, size: int, off: int, width: int,
                bias: int, windows: dict[int, np.ndarray]) -> tuple[np.ndarray, int]:
    """A field's symbol numbers (int32, -1 for NULL) and its largest stored index, from
    the index table at ``raw[start:]`` (``records`` records of ``size`` bytes)."""
    if kernels.compiled() and 0 < width <= 32:
        out = np.empty(records, dtype=np.int32)
        top = _unpack_nb(raw, start, size, off, width, bias, out)
        return out, int(top)
    table = raw[start:start + records * size].reshape(records, size) if size else \
        np.zeros((records, 0), dtype=np.uint8)
    stored = unpack_field(table, off, width, windows)
    top = int(stored.max(initial=0))
    idx = stored.astype(np.int32)  # widths are at most 32 bits: no index is lost
    if bias:
        idx += np.int32(bias)
        np.maximum(idx, -1, out=idx)  # any negative index is NULL
    return idx, top


# -- whole files ------------------------------------------------------------------------


def read_qvd(data: Buffer, fields: set[str] | None = None) -> QvdTable:
    """A QVD's symbols and records (only ``fields`` when given)."""
    h = read_header(data)
    raw = np.frombuffer(data, dtype=np.uint8)
    base = h.data_start
    nums: dict[str, np.ndarray] = {}
    texts: dict[str, pa.Array | None] = {}
    codes: dict[str, np.ndarray] = {}
    index_at = base + h.offset
    index_end = index_at + h.records * h.record_size
    if index_end > len(raw):
        raise QvdError("Not a QVD file: the index table ends early")
    windows: dict[int, np.ndarray] = {}
    for f in h.fields:
        if fields is not None and f.name not in fields:
            continue
        if base + f.offset + f.length > len(raw) or f.bit_offset + f.bit_width > 8 * h.record_size:
            raise QvdError(f"Not a QVD file: field '{f.name}' lies outside the file")
        nums[f.name], texts[f.name] = decode_symbols(
            raw[base + f.offset: base + f.offset + f.length], f.symbols)
        idx, top = field_codes(raw, index_at, h.records, h.record_size, f.bit_offset,
                               f.bit_width, f.bias, windows)
        if f.bit_width and top + f.bias >= f.symbols:
            raise QvdError(f"Not a QVD file: field '{f.name}' indexes past its symbols")
        codes[f.name] = idx
    return QvdTable(h, nums, texts, codes)


def write_qvd(out: BinaryIO, table: str, names: list[str], nums: list[np.ndarray],
              texts: list[pa.Array | None], codes: list[np.ndarray], nrows: int,
              tags: list[list[str]] | None = None) -> None:
    """Write a table as a QVD: per field its symbols (``nums``, ``texts``) and each row's
    symbol (``codes``: int32, -1 for NULL)."""
    symbol_tables = [encode_symbols(nm, tx) for nm, tx in zip(nums, texts, strict=True)]
    fields: list[QvdField] = []
    bit = 0
    sym_at = 0
    for i, name in enumerate(names):
        col = codes[i]
        k = len(nums[i])
        has_null = bool((col < 0).any()) if nrows else False
        bias = -2 if has_null else 0
        top = (k + 1 if k else 0) if has_null else k - 1  # the largest stored index
        width = 0 if top <= 0 else int(top).bit_length()
        if width > 32:
            raise ScriptError(f"Field '{name}' has too many values for a QVD")
        fields.append(QvdField(
            name, bit, width, bias, k, sym_at, len(symbol_tables[i]),
            {"Type": "UNKNOWN", "nDec": "0", "UseThou": "0", "Fmt": "", "Dec": "", "Thou": ""},
            (tags or [[] for _ in names])[i]))
        bit += width
        sym_at += len(symbol_tables[i])
    size = (bit + 7) // 8
    header = QvdHeader(table, nrows, size, fields, sym_at, nrows * size,
                       datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"))
    out.write(_header_xml(header))
    for part in symbol_tables:
        out.write(part)
    if size and nrows and kernels.compiled() and all(f.bit_width <= 32 for f in fields):
        step = max(1, (32 << 20) // size)  # rows per slice: ~32 MB of records
        adds = [2 if f.bias else 0 for f in fields]
        for lo in range(0, nrows, step):
            hi = min(nrows, lo + step)
            rec = np.zeros((hi - lo) * size, dtype=np.uint8)
            for i, f in enumerate(fields):
                if f.bit_width:
                    _pack_nb(codes[i][lo:hi], adds[i], f.bit_offset, f.bit_width, rec, size)
            out.write(rec.data)
    elif size and nrows:
        step = max(1, (64 << 20) // max(size, 8))  # rows per slice: ~64 MB of words
        for lo in range(0, nrows, step):
            hi = min(nrows, lo + step)
            # a NULL is stored as 0, a symbol as its number + 2, when the field has NULLs
            parts = [np.where(c[lo:hi] < 0, 0, c[lo:hi] + 2) if f.bias else c[lo:hi]
                     for c, f in zip(codes, fields, strict=True)]
            rec = pack_records(parts, [f.bit_offset for f in fields],
                               [f.bit_width for f in fields], size, hi - lo)
            out.write(np.ascontiguousarray(rec).data)
