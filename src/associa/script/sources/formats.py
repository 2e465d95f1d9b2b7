"""``LOAD … FROM file (format)``: the reader of each file type, as a table (``READERS``).

The type is the format specification's (``txt``, ``fix``, ``qvd``, ``ooxml``, ``biff``,
``parquet``, ``json``), else the file's extension (``.qvd``, ``.xlsx``, ``.xls``,
``.parquet``, ``.json``; anything else is delimited text, Qlik's default). Each reader
returns the source's field names and ``read(fields, on_batch)``, which encodes the fields
a LOAD needs (``sources.table``). Text (delimited, fixed record, Excel text cells) goes through the
number interpretation of untyped input; Parquet, JSON, QVD keep their types
(``sources.typed``).

* ``qvd``: the file's symbol tables and index bits become the columns as they are (an
  "optimized" load in Qlik's words: no value is looked at one by one);
* ``ooxml`` (``.xlsx``) and ``biff`` (the older ``.xls``): the sheet named by ``table is``
  (else the first), via python-calamine, which reads both; with ``embedded labels``
  its first row (after ``header is n lines``) names the fields, else they are ``A``,
  ``B``, … as Excel's columns; empty cells are NULL;
* ``parquet``: pyarrow.parquet;
* ``json``: an array of objects, an object of arrays or of one array (``table is`` picks
  a member), or one object per line; nested objects are flattened to ``a.b`` fields;
* ``fix``: fixed-record text: fields ``@start:end`` (1-based characters, ``n`` for the
  end of the record), or with ``embedded labels`` columns that start where the header's
  labels start; ``record is line`` (default) or ``record is N`` characters.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from associa.errors import ScriptError
from associa.script.sources.arrow_csv import Text, open_delimited
from associa.script.sources.delimited import TextFormat, decode
from associa.script.sources.qvd import read_qvd
from associa.script.sources.table import SourceTable, TextRead, read_text
from associa.script.sources.typed import arrow_reader, from_symbols
from associa.values import Locale
from associa.values.format import format_datetime

__all__ = ["READERS", "SourceOptions", "kind_of", "open_source"]

Read = Callable[[set[str] | None, Callable[[int], None]], SourceTable]
Interpret = Callable[[str], Callable[[pa.Array], np.ndarray]]

EXTENSIONS = {".qvd": "qvd", ".xlsx": "ooxml", ".xlsm": "ooxml", ".xls": "biff",
              ".parquet": "parquet", ".json": "json", ".ndjson": "json", ".fix": "fix"}


@dataclass(slots=True)
class SourceOptions:
    """A file format specification beyond delimited text's own options."""

    kind: str = ""  # "" : by the file's extension
    table: str | None = None  # ``table is``: a sheet, or a JSON member
    record: str = "line"  # ``record is``: "line", "<n>" characters or "<n> lines"


def kind_of(path: str, opts: SourceOptions) -> str:
    if opts.kind:
        return opts.kind
    name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    dot = name.rfind(".")
    return EXTENSIONS.get(name[dot:] if dot >= 0 else "", "txt")


def open_source(data: Text, path: str, opts: SourceOptions, text: TextFormat, locale: Locale,
                interpret: Interpret) -> tuple[list[str], Read]:
    """A file's field names and how to read them."""
    kind = kind_of(path, opts)
    reader = READERS.get(kind)
    if reader is None:
        raise ScriptError(f"File format {kind} is not supported yet")
    try:
        return reader(data, opts, text, locale, interpret)
    except ScriptError:
        raise
    except (ValueError, KeyError, OSError, pa.ArrowException) as exc:
        raise ScriptError(f"Cannot read file: '{path}' ({exc})") from None


# -- text -------------------------------------------------------------------------------


class _Columns:
    """Arrow text columns in one batch, read as delimited batches are (``read_text``)."""

    def __init__(self, names: list[str], columns: list[pa.Array]) -> None:
        self.names = names
        self.columns = columns
        self.rows = 0

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        if self.columns:
            self.rows = len(self.columns[0])
            yield pa.RecordBatch.from_arrays(self.columns, names=[str(i) for i in
                                                                  range(len(self.names))])


def _texts(names: list[str], columns: list[pa.Array], locale: Locale, interpret: Interpret
           ) -> tuple[list[str], Read]:
    def read(fields: set[str] | None, on_batch: Callable[[int], None]) -> SourceTable:
        return read_text(_Columns(names, columns),  # type: ignore[arg-type]
                         lambda ns: set(ns) if fields is None else fields,
                         locale, interpret, on_batch)

    return names, read


def _txt(data: Text, opts: SourceOptions, text: TextFormat, locale: Locale,
         interpret: Interpret) -> tuple[list[str], Read]:
    batches = open_delimited(data, text)
    return list(batches.names), TextRead(batches, locale, interpret)


_POS = re.compile(r"@(\d+):(\d+|n)\Z", re.IGNORECASE)


def _fix(data: Text, opts: SourceOptions, text: TextFormat, locale: Locale,
         interpret: Interpret) -> tuple[list[str], Read]:
    body = decode(bytes(data), text.charset).replace("\r\n", "\n").replace("\r", "\n")
    lines = body.split("\n")
    del lines[: text.header_lines]
    record = opts.record.strip().lower()
    if record.isdigit():  # fixed-size records, no line breaks
        size = int(record)
        joined = "".join(lines)
        lines = [joined[i:i + size] for i in range(0, len(joined), size)]
    elif record.endswith("lines") or record.endswith("line") and record != "line":
        count = int(record.split()[0])
        lines = ["".join(lines[i:i + count]) for i in range(0, len(lines), count)]
    elif record != "line":
        raise ScriptError(f"Invalid record specification: {opts.record}")
    lines = [ln for ln in lines if ln.strip()]
    columns: list[tuple[str, int, int | None]] = []  # name, start, end (0-based)
    if text.labels == "embedded" and lines:
        header = lines.pop(0)
        starts = [m.start() for m in re.finditer(r"\S+", header)]
        for i, s in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else None
            columns.append((header[s:end].strip(), s, end))
    arr = pa.array(lines, pa.large_string())
    names = [c[0] for c in columns]

    def column(start: int, end: int | None) -> pa.Array:
        cut = pc.utf8_slice_codeunits(arr, start, end if end is not None else 1 << 31)
        return pc.utf8_trim(cut, " \t")

    def read(fields: set[str] | None, on_batch: Callable[[int], None]) -> SourceTable:
        wanted = [c for c in columns if fields is None or c[0] in fields]
        for f in sorted(fields or ()):
            m = _POS.match(f)
            if m and f not in names:
                end = None if m.group(2).lower() == "n" else int(m.group(2))
                wanted.append((f, int(m.group(1)) - 1, end))
        all_names = names + [w[0] for w in wanted if w[0] not in names]
        cols = {w[0]: column(w[1], w[2]) for w in wanted}
        return _texts(all_names, [cols.get(n, pa.nulls(len(arr), pa.large_string()))
                                  for n in all_names], locale, interpret)[1](None, on_batch)

    return names, read


# -- typed files ------------------------------------------------------------------------


def _qvd(data: Text, opts: SourceOptions, text: TextFormat, locale: Locale,
         interpret: Interpret) -> tuple[list[str], Read]:
    from associa.script.sources.qvd import read_header

    header = read_header(data)
    names = [f.name for f in header.fields]

    def read(fields: set[str] | None, on_batch: Callable[[int], None]) -> SourceTable:
        q = read_qvd(data, fields)
        out = SourceTable(names, q.header.records)
        for name in q.codes:
            out.columns[name] = from_symbols(q.nums[name], q.texts[name], q.codes[name],
                                             q.header.records)
        on_batch(q.header.records)
        return out

    return names, read


def _parquet(data: Text, opts: SourceOptions, text: TextFormat, locale: Locale,
             interpret: Interpret) -> tuple[list[str], Read]:
    import pyarrow.parquet as pq

    table = pq.read_table(pa.BufferReader(pa.py_buffer(data)))
    return arrow_reader(_flat(table), locale, interpret)


def _json(data: Text, opts: SourceOptions, text: TextFormat, locale: Locale,
          interpret: Interpret) -> tuple[list[str], Read]:
    raw = decode(bytes(data), text.charset)
    try:
        doc = json.loads(raw)
        records = _records(doc, opts.table)
    except json.JSONDecodeError:
        try:  # one object per line
            records = [json.loads(ln) for ln in raw.splitlines() if ln.strip()]
        except json.JSONDecodeError as exc:
            raise ScriptError(f"Invalid JSON: {exc}") from None
    if not all(isinstance(r, dict) for r in records):
        raise ScriptError("A JSON table must be objects (one per row)")
    names: list[str] = []
    rows = [_flatten(r) for r in records]
    for r in rows:
        for k in r:
            if k not in names:
                names.append(k)
    cols = []
    for name in names:
        values = [r.get(name) for r in rows]
        cols.append(_json_column(values))
    return arrow_reader(pa.table(cols, names=names) if names else pa.table({}), locale,
                        interpret)


def _records(doc: object, table: str | None) -> list:
    if table is not None:
        if not isinstance(doc, dict) or table not in doc:
            raise ScriptError(f"Table '{table}' not found in the JSON file")
        doc = doc[table]
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list)]
        if len(lists) == 1 and all(isinstance(x, dict) for x in lists[0]):
            return lists[0]
        if doc and all(isinstance(v, list) for v in doc.values()):  # columns
            n = max(len(v) for v in doc.values())
            return [{k: (v[i] if i < len(v) else None) for k, v in doc.items()} for i in range(n)]
        return [doc]
    raise ScriptError("A JSON file must hold an array or an object")


def _flatten(obj: dict, prefix: str = "") -> dict:
    out: dict = {}
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, list):
            out[key] = json.dumps(v, ensure_ascii=False)
        else:
            out[key] = v
    return out


def _json_column(values: list) -> pa.Array:
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {bool}:
        return pa.array(values, pa.bool_())
    if kinds <= {int, float} and bool not in kinds:
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    return pa.array([None if v is None else (v if isinstance(v, str) else json.dumps(v))
                     for v in values], pa.large_string())


def _flat(table: pa.Table) -> pa.Table:
    """Struct columns become ``parent.child`` columns."""
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    return table


def _workbook(data: Text, opts: SourceOptions, text: TextFormat, locale: Locale,
              interpret: Interpret) -> tuple[list[str], Read]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(bytes(data)))
        sheets = book.sheet_names
        name = (opts.table or sheets[0]).strip()
        name = name[:-1] if name.endswith("$") and name not in sheets else name
        match = [s for s in sheets if s.lower() == name.lower()]
        if not match:
            raise ScriptError(f"Sheet '{opts.table}' not found (sheets: {', '.join(sheets)})")
        rows = book.get_sheet_by_name(match[0]).to_python(skip_empty_area=False)
    except CalamineError as exc:
        raise ScriptError(f"Cannot read the Excel file ({exc})") from None
    rows = rows[text.header_lines:]
    while rows and all(c == "" for c in rows[-1]):
        rows.pop()
    width = max((len(r) for r in rows), default=0)
    if text.labels == "embedded" and rows:
        header = rows.pop(0)
        names = [_cell_label(header[i] if i < len(header) else "", i) for i in range(width)]
    else:
        names = [_column_letters(i) for i in range(width)]
    cols = [[r[i] if i < len(r) else "" for r in rows] for i in range(width)]

    def read(fields: set[str] | None, on_batch: Callable[[int], None]) -> SourceTable:
        out = SourceTable(names, len(rows))
        for name, cells in zip(names, cols, strict=True):
            if fields is None or name in fields:
                out.columns[name] = _excel_column(name, cells, locale, interpret)
        on_batch(len(rows))
        return out

    return names, read


def _cell_label(value: object, i: int) -> str:
    if value == "" or value is None:
        return _column_letters(i)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _column_letters(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _excel_column(name: str, cells: list, locale: Locale, interpret: Interpret):
    """Excel cells: numbers keep their value, dates become serials with the script's
    formats, booleans Qlik's truth values, texts are interpreted as untyped input."""
    uniq: dict[object, int] = {}
    codes = np.empty(len(cells), dtype=np.int32)
    keyed: list[object] = []
    for r, cell in enumerate(cells):
        if cell == "" or cell is None:
            codes[r] = -1
            continue
        key = (type(cell), cell)
        code = uniq.get(key)
        if code is None:
            code = uniq[key] = len(keyed)
            keyed.append(cell)
        codes[r] = code
    nums = np.full(len(keyed), math.nan)
    texts: list[str | None] = [None] * len(keyed)
    strings = [i for i, v in enumerate(keyed) if isinstance(v, str)]
    for i, v in enumerate(keyed):
        if isinstance(v, bool):
            nums[i], texts[i] = (-1.0, "True") if v else (0.0, "False")
        elif isinstance(v, int | float):
            nums[i] = float(v)
        elif isinstance(v, datetime):
            nums[i] = (v - datetime(1899, 12, 30)).total_seconds() / 86400
            texts[i] = format_datetime(nums[i], locale.timestamp_format if (
                v.hour or v.minute or v.second or v.microsecond) else locale.date_format, locale)
        elif isinstance(v, date):
            nums[i] = float((v - date(1899, 12, 30)).days)
            texts[i] = format_datetime(nums[i], locale.date_format, locale)
        elif isinstance(v, time):
            nums[i] = (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400
            texts[i] = format_datetime(nums[i], locale.time_format, locale)
        elif isinstance(v, timedelta):
            nums[i] = v.total_seconds() / 86400
            texts[i] = str(v)
    if strings:
        arr = pa.array([keyed[i] for i in strings], pa.large_string())
        nums[strings] = interpret(name)(arr)
        for i in strings:
            texts[i] = str(keyed[i])
    return from_symbols(nums, pa.array(texts, pa.large_string()), codes, len(cells))


READERS: dict[str, Callable[..., tuple[list[str], Read]]] = {
    "txt": _txt,
    "csv": _txt,
    "fix": _fix,
    "qvd": _qvd,
    "ooxml": _workbook,
    "biff": _workbook,
    "parquet": _parquet,
    "json": _json,
}
