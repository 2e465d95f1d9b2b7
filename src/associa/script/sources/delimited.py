"""Reader for delimited text: ``LOAD ... FROM [file] (txt, ...)`` and ``LOAD ... INLINE [...]``.

The reader returns raw cell text only; number interpretation and NullInterpret are the
caller's business. Text files hold no NULLs: an empty cell is ``""``. The only ``None``
cells are the missing trailing cells of a record that is shorter than the header.

Rules (Qlik behaviour):

* Records end at ``\\n``, ``\\r\\n`` or ``\\r``. Lines that are empty or hold only blanks
  are skipped, as are lines whose first non-blank characters are the comment prefix.
  ``header_lines`` physical lines are dropped before anything else.
* Unquoted values and field names are trimmed of spaces and tabs. An empty field name
  becomes ``@<column>``; ``no labels`` gives ``@1, @2, ...`` and takes the number of
  fields from the first record. Short records get ``None`` cells; extra values are ignored.
* ``standard`` quoting: a field whose trimmed text starts and ends with the same quote
  character (``"`` or ``'``) is unquoted, ``""`` (or ``''``) inside becomes one quote, and
  delimiters inside it do not split. Quoted values never span lines.
* ``msq``: a field starting with ``"`` runs to the matching closing quote, across line
  breaks (which are kept as ``\\n``); ``""`` is an escaped quote; text after the closing
  quote up to the delimiter is appended with trailing blanks removed (``"ab" cd`` gives
  ``ab cd``, as in spreadsheets). An unclosed quote runs to the end of the text.
* ``spaces`` delimiter: any run of characters ``<= ' '`` separates values.

Fast paths (the result is the same as the character scanner's; tests check this):

1. No character that can open a quoted value in the data lines (always so for
   ``quoting="none"``): blank/comment lines are dropped in one comprehension; if every
   line holds ``n - 1`` delimiters the body is joined and cut with one ``str.split`` and
   the columns are the slices ``cells[i::n]``, else one ``str.split`` per line. Cells are
   trimmed only when some cell has a blank next to a delimiter or line end.
2. Quotes present, single-character delimiter, no tab and no space before a delimiter
   or line end (typical of machine-written CSV, blanks after a delimiter are fine): the
   ``csv`` module, whose rules then coincide with Qlik's; see ``_Reader._csv_body`` for
   the exact preconditions and the checks that fall back.
3. Anything else (e.g. indented inline data with quotes, ``spaces`` with quotes): records
   are read line by line; lines without a quote character use ``str.split`` and only the
   others go through the character scanner ``_Reader._scan``.

The cyclic garbage collector is paused while reading (it would otherwise run again and
again over millions of fresh row lists) and restored afterwards.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from typing import cast

__all__ = ["TextFormat", "decode", "read_delimited"]

_LABELS = frozenset({"embedded", "none", "explicit"})
_QUOTING = frozenset({"standard", "msq", "none"})
_SPACE_BLANKS = "".join(chr(c) for c in range(33))  # "spaces": chars < 32 count as space
_SPACE_TOKEN = re.compile(r"[^\x00-\x20]+")
_SPACE_RUN = re.compile(r"[\x00-\x20]")


@dataclass(frozen=True, slots=True)
class TextFormat:
    """Format specification of a delimited text source."""

    delimiter: str = ","
    labels: str = "embedded"
    quoting: str = "standard"
    header_lines: int = 0
    comment: str | None = None
    charset: str = "utf8"

    def __post_init__(self) -> None:
        d = self.delimiter
        if not (d.lower() == "spaces" or d in ("\\t", "\\\\") or len(d) == 1) or d in "\r\n":
            raise ValueError(f"invalid delimiter {d!r}")
        if self.labels not in _LABELS:
            raise ValueError(f"invalid labels {self.labels!r}")
        if self.quoting not in _QUOTING:
            raise ValueError(f"invalid quoting {self.quoting!r}")
        if self.header_lines < 0:
            raise ValueError("header_lines must be >= 0")


_CHARSETS: dict[str, str] = {
    "utf8": "utf-8",
    "ansi": "cp1252",
    "oem": "cp850",
    "mac": "mac_roman",
    "unicode": "utf-16-le",
    "utf16": "utf-16-le",
    "utf7": "utf-7",
    "symbol": "latin-1",
}
_CODEPAGES: dict[int, str] = {
    65001: "utf-8",
    65000: "utf-7",
    1200: "utf-16-le",
    1201: "utf-16-be",
    12000: "utf-32-le",
    12001: "utf-32-be",
    20127: "ascii",
    10000: "mac_roman",
    20936: "gb2312",
    54936: "gb18030",
    51949: "euc_kr",
    **{28590 + n: f"iso8859-{n}" for n in range(1, 16) if n != 12},
}


@cache
def code_pages() -> dict[int, str]:
    """Every code page number ``codepage is N`` reads, with its codec's name, in order:
    the table above and the ``cpN`` codecs Python has."""
    from encodings.aliases import aliases

    names = {n for pair in aliases.items() for n in pair}
    numbers = {int(n[2:]) for n in names if re.fullmatch(r"cp\d+", n)} | set(_CODEPAGES)
    out: dict[int, str] = {}
    for number in sorted(numbers):
        try:
            out[number] = codecs.lookup(_CODEPAGES.get(number, f"cp{number}")).name
        except LookupError:
            continue
    return out


def _codec(charset: str) -> str:
    cs = charset.strip().lower().replace("-", "").replace("_", "")
    if cs in _CHARSETS:
        return _CHARSETS[cs]
    page = cs.removeprefix("codepage").lstrip(": ").removeprefix("is").strip()
    if page.isdigit():
        name = _CODEPAGES.get(int(page), f"cp{int(page)}")
        try:
            return codecs.lookup(name).name
        except LookupError:
            pass
    raise ValueError(f"unsupported character set {charset!r}")


def decode(data: bytes, charset: str = "utf8") -> str:
    """Decode file bytes; a UTF-8 or UTF-16 byte-order mark wins over ``charset``."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    return data.decode(_codec(charset), "replace")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC: millions of fresh row lists would trigger it over and over."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_delimited(
    text: str, fmt: TextFormat = TextFormat()
) -> tuple[list[str], list[list[str | None]]]:
    """Split delimited text into (field names, columns of raw cell text)."""
    with _gc_paused():
        return _read(text, fmt)


def _read(text: str, fmt: TextFormat) -> tuple[list[str], list[list[str | None]]]:
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if fmt.header_lines:
        del lines[: fmt.header_lines]
    rd = _Reader(lines, fmt)
    first = rd.record()
    if first is None:
        return [], []
    n = len(first)
    if fmt.labels == "none":
        names = [f"@{i}" for i in range(1, n + 1)]
        rows: list[list[str | None]] = [_fit(first, n)]
    else:
        names = [name or f"@{i}" for i, name in enumerate(first, 1)]
        rows = []
    columns = rd.fast_body(n)
    if columns is None:
        while (cells := rd.record()) is not None:
            rows.append(_fit(cells, n))
        return names, _transpose(rows, n)
    if rows:
        for col, cell in zip(columns, rows[0], strict=True):
            col.insert(0, cell)
    return names, columns


def _fit(cells: list[str], n: int) -> list[str | None]:
    """Cut a record to ``n`` cells, padding a short one with None."""
    row = cast("list[str | None]", cells)
    k = len(row)
    if k > n:
        return row[:n]
    if k < n:
        return row + [None] * (n - k)
    return row


def _transpose(rows: list[list[str | None]], n: int) -> list[list[str | None]]:
    """Records (all of length ``n``) to columns."""
    if not rows:
        return [[] for _ in range(n)]
    return [list(col) for col in zip(*rows, strict=True)]


class _Reader:
    """Cursor over the physical lines; ``delim`` is None for the ``spaces`` delimiter."""

    __slots__ = ("lines", "pos", "delim", "blanks", "quotes", "msq", "comment")

    def __init__(self, lines: list[str], fmt: TextFormat) -> None:
        d = fmt.delimiter
        self.delim: str | None = {"\\t": "\t", "\\\\": "\\"}.get(d, d)
        if d.lower() == "spaces":
            self.delim = None
        self.blanks = _SPACE_BLANKS if self.delim is None else " \t".replace(self.delim, "")
        self.quotes = {"standard": "\"'", "msq": '"', "none": ""}[fmt.quoting]
        self.msq = fmt.quoting == "msq"
        self.comment = fmt.comment or None
        self.lines = lines
        self.pos = 0

    def _skip(self, line: str) -> bool:
        rest = line.lstrip(self.blanks)
        return not rest or (self.comment is not None and rest.startswith(self.comment))

    def _split(self, line: str) -> list[str]:
        """Split a line that holds no quoted value."""
        if self.delim is None:
            return _SPACE_TOKEN.findall(line)
        bl = self.blanks
        return [c.strip(bl) for c in line.split(self.delim)]

    def record(self) -> list[str] | None:
        """Parse the next record, or None at the end of the text."""
        lines = self.lines
        while self.pos < len(lines):
            line = lines[self.pos]
            self.pos += 1
            if self._skip(line):
                continue
            if any(q in line for q in self.quotes):
                return self._scan(line)
            return self._split(line)
        return None

    def fast_body(self, n: int) -> list[list[str | None]] | None:
        """Columns of all remaining records via a bulk fast path, or None if none applies."""
        bl, d = self.blanks, self.delim
        body = [ln for ln in self.lines[self.pos :] if ln and (ln[0] not in bl or ln.strip(bl))]
        if self.comment is not None:
            c = self.comment
            body = [ln for ln in body if not ln.lstrip(bl).startswith(c)]
        if not body:
            self.pos = len(self.lines)
            return [[] for _ in range(n)]
        joined = (d or "\n").join(body)
        quoted = any(q in joined for q in self.quotes)
        if d is None:
            if quoted:
                return None
            self.pos = len(self.lines)
            return _transpose([_fit(_SPACE_TOKEN.findall(ln), n) for ln in body], n)
        # line ends are delimiters in `joined`, so this finds any cell with outer blanks
        trim = (
            joined[0] in bl
            or joined[-1] in bl
            or any(b + d in joined or d + b in joined for b in bl)
        )
        if quoted:
            return self._csv_body(body, joined, n)
        self.pos = len(self.lines)
        if set(map(str.count, body, repeat(d))) == {n - 1}:
            cells = joined.split(d)
            del joined
            if trim:
                return [[c.strip(bl) for c in cells[i::n]] for i in range(n)]
            return [cast("list[str | None]", cells[i::n]) for i in range(n)]
        columns = _transpose([_fit(ln.split(d), n) for ln in body], n)
        if trim:
            return [[c if c is None else c.strip(bl) for c in col] for col in columns]
        return columns

    def _csv_body(self, body: list[str], joined: str, n: int) -> list[list[str | None]] | None:
        """Quoted data through the csv module, where its rules provably agree with Qlik's.

        ``skipinitialspace`` drops leading spaces, as Qlik does before a quote or a value.
        Preconditions, else None (the caller falls back to the line reader): no tab
        (csv would not skip it), no space before a delimiter or a line end (csv would not
        trim it, and cannot tell a quoted value's own trailing blanks from padding), no
        field starting with ``'`` under standard quoting. Standard quoting runs csv in
        strict mode on single lines: a closing quote followed by anything but the
        delimiter raises, and a quote left open merges lines, caught by the row count.
        msq feeds the raw lines with their line breaks so that quoted values span them.
        """
        d, bl = cast(str, self.delim), self.blanks
        if d in "\"'" or ("\t" in bl and "\t" in joined) or " " + d in joined:
            return None
        src: Iterable[str]
        if self.msq:
            if self.comment is not None:
                return None
            raw = "\n".join(self.lines[self.pos :])
            if raw[-1] == " " or " \n" in raw or "\t" in raw:
                return None
            src = io.StringIO(raw, newline="\n")
        else:
            if joined[-1] == " ":
                return None
            if "'" in joined and re.search(f"(?:^|{re.escape(d)}) *'", joined):
                return None
            src = body
        reader = csv.reader(
            src, delimiter=d, quotechar='"', strict=not self.msq, skipinitialspace=" " in bl
        )
        try:
            rows: list[list[str | None]] = [_fit(r, n) for r in reader if r]
        except csv.Error:
            return None
        if not self.msq and len(rows) != len(body):
            return None
        self.pos = len(self.lines)
        return _transpose(rows, n)

    def _field_end(self, line: str, i: int) -> int:
        if self.delim is None:
            m = _SPACE_RUN.search(line, i)
            return m.start() if m else len(line)
        e = line.find(self.delim, i)
        return len(line) if e < 0 else e

    def _scan(self, line: str) -> list[str]:
        """Character scanner for a line with quote characters (may consume more lines)."""
        bl, quotes, spaces = self.blanks, self.quotes, self.delim is None
        cells: list[str] = []
        i = 0
        while True:
            n = len(line)
            while i < n and line[i] in bl:
                i += 1
            if spaces and i >= n:
                return cells
            start = i
            if i < n and line[i] in quotes:
                q = line[i]
                parts: list[str] = []
                j = i + 1
                closed = False
                while True:
                    k = line.find(q, j)
                    if k < 0:
                        if self.msq and self.pos < len(self.lines):
                            parts.append(line[j:] + "\n")
                            line, j, n = self.lines[self.pos], 0, len(self.lines[self.pos])
                            self.pos += 1
                            continue
                        parts.append(line[j:])
                        break
                    if k + 1 < n and line[k + 1] == q:
                        parts.append(line[j : k + 1])
                        j = k + 2
                        continue
                    parts.append(line[j:k])
                    j = k + 1
                    closed = True
                    break
                if self.msq:
                    if not closed:
                        cells.append("".join(parts))
                        return cells
                    e = self._field_end(line, j)
                    cells.append("".join(parts) + line[j:e].rstrip(bl))
                    i = e
                elif closed and not line[j : (e := self._field_end(line, j))].strip(bl):
                    cells.append("".join(parts))
                    i = e
                else:
                    e = self._field_end(line, start)
                    raw = line[start:e].strip(bl)
                    if len(raw) >= 2 and raw[0] == raw[-1] == q:
                        raw = raw[1:-1].replace(q + q, q)
                    cells.append(raw)
                    i = e
            else:
                e = self._field_end(line, i)
                cells.append(line[i:e].strip(bl))
                i = e
            if i >= len(line):
                return cells
            if not spaces:
                i += 1
