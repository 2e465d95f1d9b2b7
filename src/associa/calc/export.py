"""A computed table's cells as a file (CSV, Office Open XML, Parquet) or an Arrow table.

``GenericObject.ExportData`` writes the data of a hypercube or a list object; what it
writes is what the object's pages show, read page by page (``Grid``): a header row of the
columns' titles (``qFallbackTitle``), then every row; a pivot's grid as it shows it, read
through its pivot pages (``PivotGrid``, ``calc/pivot_export.py``). Qlik's reference (Engine JSON API,
"ExportData method", the OpenRPC text in qlik-oss/enigma-go ``schema/engine-rpc.json``:
https://help.qlik.com/en-US/sense-developer/May2026/Subsystems/EngineJSONAPI/Content/service-genericobject-exportdata.htm)
fixes:

* the file types ``CSV_C`` (comma), ``CSV_T`` (tab), ``OOXML`` (xlsx) and ``PARQUET``,
  also spelled ``EXPORT_…`` or given as their numbers 0-3 (``NxExportFileType``);
* ``qExportState`` ``A`` (all values, the default) or ``P`` (possible values only:
  rows holding an excluded dimension value are left out; ``NxExportState``, 0/1);
* the limits: an xlsx sheet holds 1,048,566 rows and 16,384 columns, a CSV file 1,000
  columns and 5,000,000 cells; a file over a limit is cut and warning 1000 is returned
  in ``qWarnings``.

Cells: CSV holds each cell's ``qText``, the number as the engine formats it; xlsx holds a
cell with a number as that number (dates and times with the column's format turned into
Excel's codes, so that they read as dates), a text as text and NULL as an empty cell;
Parquet and Arrow hold dimensions as their texts and measures as float64 numbers (NULL as
null).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from associa.errors import InvalidParameters

# NxExportFileType: the short name, its long name, its number
FILE_TYPES: dict[str, tuple[str, int, str]] = {
    "CSV_C": ("EXPORT_CSV_C", 0, "csv"),
    "CSV_T": ("EXPORT_CSV_T", 1, "csv"),
    "OOXML": ("EXPORT_OOXML", 2, "xlsx"),
    "PARQUET": ("EXPORT_PARQUET", 3, "parquet"),
}
EXPORT_STATES = {"P": ("EXPORT_POSSIBLE", 0), "A": ("EXPORT_ALL", 1)}

# the reference's limits; a file over them is cut (warning TRUNCATED)
XLSX_MAX_ROWS = 1_048_566
XLSX_MAX_COLUMNS = 16_384
CSV_MAX_COLUMNS = 1_000
CSV_MAX_CELLS = 5_000_000
TRUNCATED = 1000

CHUNK_ROWS = 2_000  # rows read per page
EXCLUDED_STATES = frozenset({"X", "XS", "XL"})


class Pageable(Protocol):
    """What a computed hypercube or list object offers: its size and pages."""

    @property
    def size(self) -> dict[str, int]: ...

    def page(self, page: dict[str, Any]) -> dict[str, Any]: ...

    def layout(self) -> dict[str, Any]: ...


def file_type(value: Any) -> str:
    """``qFileType`` as its short name (``CSV_C`` …); InvalidParameters otherwise."""
    for short, (long, number, _) in FILE_TYPES.items():
        if value in (short, long) or (_is_int(value) and value == number):
            return short
    raise InvalidParameters("qFileType", f"qFileType must be one of {', '.join(FILE_TYPES)}")


def export_state(value: Any) -> str:
    """``qExportState`` as ``P`` or ``A``; InvalidParameters otherwise."""
    for short, (long, number) in EXPORT_STATES.items():
        if value in (short, long) or (_is_int(value) and value == number):
            return short
    raise InvalidParameters("qExportState", "qExportState must be P or A")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(slots=True)
class Column:
    title: str
    is_measure: bool
    num_format: dict[str, Any] = field(default_factory=dict)
    date_format: str | None = None  # a date or timestamp field's format (its tags say)


@dataclass(slots=True)
class Grid:
    """The columns and rows of a computed table, for writing out."""

    table: Pageable
    columns: list[Column]
    possible_only: bool = False
    excel_formats: list[str | None] = field(default_factory=list)

    @classmethod
    def of(cls, table: Pageable, possible_only: bool = False) -> Grid:
        layout = table.layout()
        infos = layout.get("qDimensionInfo")
        dims = infos if isinstance(infos, list) else [infos] if isinstance(infos, dict) else []
        locale = getattr(table, "locale", None)
        columns = [Column(str(i.get("qFallbackTitle", "")), False, i.get("qNumFormat") or {},
                          field_date_format(i.get("qTags"), locale))
                   for i in dims]
        measures = layout.get("qMeasureInfo") or [  # a list object's expressions
            {"qFallbackTitle": e.get("qExpr", "")} for e in layout.get("qExpressions") or []
            if isinstance(e, dict)]
        columns += [Column(str(i.get("qFallbackTitle", "")), True, i.get("qNumFormat") or {})
                    for i in measures if isinstance(i, dict)]
        width = table.size["qcx"]
        columns = (columns + [Column("", True)] * width)[:width]
        return cls(table, columns, possible_only,
                   [excel_format(c.num_format, c.date_format) for c in columns])

    @property
    def nrows(self) -> int:
        return int(self.table.size["qcy"])

    def headers(self, width: int) -> list[list[dict[str, Any]]]:
        """The header rows: one, of the columns' titles."""
        return [[{"qText": c.title} for c in self.columns[:width]]]

    def formats(self, row: list[dict[str, Any]]) -> list[str | None]:
        """The Excel number format of each cell of ``row`` (None: Excel's general one)."""
        return self.excel_formats[:len(row)]

    def rows(self, width: int | None = None) -> Iterator[list[dict[str, Any]]]:
        """Every row's cells (the first ``width`` columns), page by page."""
        ncols = len(self.columns) if width is None else min(width, len(self.columns))
        ndims = sum(1 for c in self.columns if not c.is_measure)
        total = self.nrows
        for top in range(0, total, CHUNK_ROWS):
            height = min(CHUNK_ROWS, total - top)
            page = self.table.page({"qLeft": 0, "qTop": top,
                                    "qWidth": len(self.columns), "qHeight": height})
            for row in page["qMatrix"]:
                if self.possible_only and any(
                        c.get("qState") in EXCLUDED_STATES for c in row[:ndims]):
                    continue
                yield list(row[:ncols])


class Sheet(Protocol):
    """What the writers read: the columns, the header rows, the rows page by page and
    each row's Excel formats (``Grid``: a straight table; ``PivotGrid``: a pivot)."""

    @property
    def columns(self) -> list[Column]: ...

    def headers(self, width: int) -> list[list[dict[str, Any]]]: ...

    def rows(self, width: int | None = None) -> Iterator[list[dict[str, Any]]]: ...

    def formats(self, row: list[dict[str, Any]]) -> list[str | None]: ...


def write(grid: Sheet, kind: str, path: Path) -> list[int]:
    """Write ``grid`` to ``path`` as ``kind`` (a ``file_type``); the warnings."""
    return WRITERS[kind](grid, path)


def _write_csv(grid: Sheet, path: Path, delimiter: str) -> list[int]:
    warnings: list[int] = []
    width = len(grid.columns)
    if width > CSV_MAX_COLUMNS:
        width = CSV_MAX_COLUMNS
        warnings.append(TRUNCATED)
    max_rows = CSV_MAX_CELLS // max(width, 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        for header in grid.headers(width):
            writer.writerow([cell.get("qText", "") for cell in header])
        for n, row in enumerate(grid.rows(width)):
            if n >= max_rows:
                warnings.append(TRUNCATED)
                break
            writer.writerow([cell.get("qText", "") for cell in row])
    return sorted(set(warnings))


def _write_xlsx(grid: Sheet, path: Path) -> list[int]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    warnings: list[int] = []
    width = len(grid.columns)
    if width > XLSX_MAX_COLUMNS:
        width = XLSX_MAX_COLUMNS
        warnings.append(TRUNCATED)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    headers = grid.headers(width)
    for header in headers:
        sheet.append([cell.get("qText", "") for cell in header])
    for n, row in enumerate(grid.rows(width)):
        if n >= XLSX_MAX_ROWS - len(headers):
            warnings.append(TRUNCATED)
            break
        out: list[Any] = []
        for cell, fmt in zip(row, grid.formats(row), strict=False):
            value = xlsx_value(cell)
            if isinstance(value, float | int) and fmt is not None:
                formatted = WriteOnlyCell(sheet, value=value)
                formatted.number_format = fmt
                out.append(formatted)
            else:
                out.append(value)
        sheet.append(out)
    book.save(path)
    return sorted(set(warnings))


def _write_parquet(grid: Sheet, path: Path) -> list[int]:
    pq.write_table(arrow_table(grid), path)
    return []


WRITERS = {
    "CSV_C": lambda grid, path: _write_csv(grid, path, ","),
    "CSV_T": lambda grid, path: _write_csv(grid, path, "\t"),
    "OOXML": _write_xlsx,
    "PARQUET": _write_parquet,
}


def xlsx_value(cell: dict[str, Any]) -> Any:
    """A cell as Excel holds it: its number when it has one, else its text (NULL: empty)."""
    if cell.get("qIsNull"):
        return None
    num = cell.get("qNum")
    if isinstance(num, int | float) and not isinstance(num, bool):
        return num
    text = cell.get("qText")
    return text if isinstance(text, str) else None


_DATE_TYPES = frozenset({"D", "T", "TS", "IV"})
_TOKEN = re.compile(r"YYYY|YY|MMMM|MMM|MM|M|DD|D|hh|h|mm|m|ss|s|fff|ff|f|TT|tt|WWWW|WWW")
_EXCEL_TOKENS = {
    "YYYY": "yyyy", "YY": "yy", "MMMM": "mmmm", "MMM": "mmm", "MM": "mm", "M": "m",
    "DD": "dd", "D": "d", "hh": "hh", "h": "h", "mm": "mm", "m": "m", "ss": "ss", "s": "s",
    "fff": ".000", "ff": ".00", "f": ".0", "TT": "AM/PM", "tt": "AM/PM",
    "WWWW": "dddd", "WWW": "ddd",
}


def field_date_format(tags: Any, locale: Any) -> str | None:
    """The app's date (or timestamp) format for a field tagged ``$date``
    (``$timestamp``): how its values' texts were made."""
    tags = tags if isinstance(tags, list) else []
    if locale is None:
        return None
    if "$date" in tags:
        return str(locale.date_format)
    if "$timestamp" in tags:
        return str(locale.timestamp_format)
    return None


def excel_format(num_format: dict[str, Any], date_format: str | None = None) -> str | None:
    """The Excel number format of a date, time or timestamp column: Qlik's format code
    (the column's own date ``qNumFormat``, else its field's date format) with its tokens
    spelled as Excel's (``YYYY-MM-DD hh:mm:ss`` → ``yyyy-mm-dd hh:mm:ss``; Excel reads
    ``mm`` after ``h`` as minutes, as Qlik does); None for other columns, whose numbers
    keep Excel's general format."""
    fmt = num_format.get("qFmt") if num_format.get("qType") in _DATE_TYPES else date_format
    if not isinstance(fmt, str) or not fmt:
        return None
    return _TOKEN.sub(lambda m: _EXCEL_TOKENS[m.group(0)], fmt)


# -- Arrow --------------------------------------------------------------------------------


def arrow_table(grid: Sheet) -> pa.Table:
    """Every row of ``grid`` as an Arrow table: a dimension column holds its values'
    texts, a measure column their numbers (float64), NULL as null (a pivot's data
    columns are named by their header texts joined with " / ")."""
    texts: list[list[str | None]] = [[] for _ in grid.columns]
    nums: list[list[float | None]] = [[] for _ in grid.columns]
    for row in grid.rows():
        for i, cell in enumerate(row):
            null = bool(cell.get("qIsNull"))
            if grid.columns[i].is_measure:
                num = cell.get("qNum")
                number = num if isinstance(num, int | float) and not null else None
                nums[i].append(None if number is None or isinstance(number, bool)
                               else float(number))
            else:
                text = cell.get("qText")
                texts[i].append(None if null or not isinstance(text, str) else text)
    arrays = [pa.array(nums[i], type=pa.float64()) if c.is_measure
              else pa.array(texts[i], type=pa.string())
              for i, c in enumerate(grid.columns)]
    return pa.Table.from_arrays(arrays, names=[c.title for c in grid.columns])
