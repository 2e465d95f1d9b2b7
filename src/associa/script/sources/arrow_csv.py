"""Native reader for delimited text: Arrow string columns, read in batches.

The same format options and the same cells as :func:`~.delimited.read_delimited` (the
rules are in that module's docstring), without a Python string per cell. A caller reads
:class:`DelimitedBatches` batch by batch, so that it can report rows read and stop between
batches (a batch is one ``block_size`` block of the file); :func:`read_table` gathers them.

Three paths give the same result; the first that applies is taken (``.path`` says which):

``arrow``
    ``pyarrow.csv.open_csv``. Taken when pyarrow's rules provably give Qlik's cells:
    a one-byte ASCII delimiter, and, where a quote character occurs, the whole text
    matches a grammar (checked by one RE2 match in C++) in which a quoted value starts
    right at its delimiter or line start, ends right before the next one, and (when
    cells are trimmed) has no blank just inside its quotes, and no unquoted value starts
    with a quote character (``'`` under standard quoting). Blank-only lines are skipped
    through pyarrow's invalid-row hook, or removed beforehand (with comment lines) by one
    RE2 replace where values cannot span lines. Cells are trimmed of spaces and tabs by
    ``utf8_trim`` when the text holds a blank at all.
``lines``
    No quoting in effect (no quote character in the text, or ``no quotes``) and a
    ``spaces`` delimiter or records of varying length (ragged rows): lines split by
    Arrow kernels, cut or padded to the header's width with ``list_slice``.
``python``
    Everything else (the ``spaces`` delimiter with quotes, quoted values with blanks
    before or after their quotes, text after a closing quote, unclosed quotes, ragged
    quoted records, ``msq`` with comments or blank-only lines, a non-ASCII delimiter):
    the Python reader, its columns converted to Arrow.

If the arrow path meets a record it cannot read (a ragged row) after it has handed out
batches, reading goes on along the next path from the record after the last one handed
out, so a stream never repeats or loses a record.

A file may come as a read-only memory map (``map_file``) instead of bytes: nothing then
copies it, and the pages already read are handed back to the system as reading moves on
(the checks that look at the whole text do so window by window), so the file's size
never adds to the process's memory.
"""

from __future__ import annotations

import codecs
import mmap
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from associa.script.sources.delimited import TextFormat, _codec, decode, read_delimited

__all__ = ["BLOCK_SIZE", "DelimitedBatches", "Text", "map_file", "open_delimited", "read_table"]

BLOCK_SIZE = 1 << 20  # bytes of text per batch (a few ms of parsing; memory stays low)
WINDOW = 64 << 20  # bytes of a mapped file looked at, then released, at a time
Text = bytes | mmap.mmap
PY_BATCH_ROWS = 65536  # rows per batch on the python path
_DEFAULT = TextFormat()
_SPACE_CHARS = "".join(chr(c) for c in range(33))


def _re2(chars: str) -> str:
    """Characters as RE2 escapes, for use inside or outside a character class."""
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


def _utf8(data: Text, start: int = 0, end: int | None = None) -> pa.Array:
    """A one-element large_string array over ``data[start:end]`` (no copy)."""
    end = len(data) if end is None else end
    offsets = pa.py_buffer(np.array([0, end - start], dtype=np.int64))
    buf = pa.py_buffer(data)[start:end]
    return pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, buf])


def _search(data: Text, start: int, pattern: str) -> bool:
    found = bool(pc.match_substring_regex(_utf8(data, start), pattern)[0].as_py())
    _release(data, len(data))
    return found


def map_file(path: str | os.PathLike[str]) -> Text:
    """A file's bytes as a read-only memory map (bytes for an empty file)."""
    with Path(path).open("rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return b""
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def _release(data: Text, end: int) -> None:
    """Hand the pages of a mapped file before ``end`` back to the system (they are read
    from the file again if touched later)."""
    if isinstance(data, mmap.mmap) and end > 0 and hasattr(mmap, "MADV_DONTNEED"):
        data.madvise(mmap.MADV_DONTNEED, 0, min(end, len(data)) // mmap.PAGESIZE * mmap.PAGESIZE)


def _windows(data: Text, start: int) -> Iterator[tuple[int, int]]:
    """``data[start:]`` in windows that end after a line break (or at the end); the
    pages of each window are released once the caller has looked at it."""
    pos = start
    while pos < len(data):
        end = data.find(b"\n", pos + WINDOW) if isinstance(data, mmap.mmap) else -1
        end = len(data) if end < 0 else end + 1
        yield pos, end
        _release(data, end)
        pos = end


def _contains(data: Text, start: int, needles: list[bytes]) -> list[bool]:
    """Whether each needle occurs in ``data[start:]`` (one pass over the windows)."""
    found = [False] * len(needles)
    for lo, hi in _windows(data, start):
        for i, needle in enumerate(needles):
            found[i] = found[i] or data.find(needle, lo, hi) >= 0
    return found


class DelimitedBatches:
    """Field names and an iterator of record batches (string columns, None where a short
    record has no cell). Iterate once."""

    def __init__(self, data: Text, start: int, fmt: TextFormat, block_size: int) -> None:
        self.fmt = fmt
        self.block_size = block_size
        d = {"\\t": "\t", "\\\\": "\\"}.get(fmt.delimiter, fmt.delimiter)
        self.delim: str | None = None if d.lower() == "spaces" else d
        self.blanks = _SPACE_CHARS if self.delim is None else " \t".replace(d, "")
        self.quotes = {"standard": "\"'", "msq": '"', "none": ""}[fmt.quoting]
        self.comment = fmt.comment or None
        self.names: list[str] = []
        self.rows = 0  # data records handed out so far
        self.path = "arrow"
        self.reason = ""  # why a path other than arrow was taken
        self.data, self.start = data, start
        self._skip = 0  # records to drop after a restart (handed out already)
        self._skip_leading()
        found = _contains(data, self.start, [c.encode() for c in self.blanks + self.quotes])
        self._trim = any(found[: len(self.blanks)])
        self._quoted = any(found[len(self.blanks) :])
        self._handed = 0  # batches handed out (pages before them may be released)
        self._batches = self._choose()
        self._pending: pa.RecordBatch | None = next(self._batches, None)

    def close(self) -> None:
        """Stop reading: the reader under the batches is closed now, not when collected
        (an Arrow reader left to the interpreter's exit may abort it there)."""
        close = getattr(self._batches, "close", None)
        if close is not None:
            close()
        self._pending = None

    def __enter__(self) -> DelimitedBatches:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- set-up -----------------------------------------------------------------------

    def _line_end(self, pos: int) -> int:
        end = self.data.find(b"\n", pos)
        return len(self.data) if end < 0 else end

    def _skip_leading(self) -> None:
        """Step over blank-only and comment lines before the first record."""
        data, bl, cm = self.data, self.blanks, self.comment
        while self.start < len(data):
            end = self._line_end(self.start)
            line = data[self.start : end].decode("utf-8", "replace").rstrip("\r")
            rest = line.lstrip(bl)
            if rest and not (cm is not None and rest.startswith(cm)):
                return
            self.start = end + 1

    def _choose(self) -> Iterator[pa.RecordBatch]:
        if self.start >= len(self.data):
            self.path = "empty"
            return iter(())
        d, q, cm = self.delim, self._quoted, self.comment
        if d is None:
            return self._fallback("spaces delimiter")
        if len(d.encode()) != 1 or d in self.quotes:
            return self._fallback("delimiter")
        if cm is not None and ("\n" in cm or "\r" in cm):
            return self._fallback("comment prefix with a line break")
        if q and self.fmt.quoting == "msq":
            if cm is not None and _contains(self.data, self.start, [cm.encode()])[0]:
                return self._fallback("msq with comments")
            pat = f"(?m)^[{_re2(self.blanks)}]+\\r?$"
            if self._trim and _search(self.data, self.start, pat):
                return self._fallback("msq with blank-only lines")
        else:
            self._prefilter()
        if q and not _search(self.data, self.start, self._grammar()):
            return self._fallback("quotes outside the grammar")
        return self._arrow()

    def _prefilter(self) -> None:
        """Remove comment lines, and blank-only lines where a record could be one blank
        cell (values never span lines here)."""
        data, cm = self.data, self.comment
        has_comment = cm is not None and _contains(data, self.start, [cm.encode()])[0]
        first = data[self.start : self._line_end(self.start)]
        delim = (self.delim or "").encode()
        single = delim not in first or any(q.encode() in first for q in self.quotes)
        if not (has_comment or (self._trim and single)):
            return
        comment = f"(?:{_re2(cm)}[^\\n]*)?" if has_comment and cm is not None else ""
        pattern = f"(?m)^[{_re2(self.blanks)}]*{comment}\\r?(?:\\n|\\z)"
        out = pc.replace_substring_regex(_utf8(data, self.start), pattern, "")
        self.data, self.start = out.buffers()[2].to_pybytes(), 0

    def _grammar(self) -> str:
        """RE2 for texts whose quoted values pyarrow reads exactly as Qlik does."""
        d, bl = _re2(self.delim or ""), _re2(self.blanks)
        msq = self.fmt.quoting == "msq"
        eol = "" if msq else "\\r\\n"
        inner, edge = f'(?:[^"{eol}]|"")', f'(?:[^"{eol}{bl}]|"")'
        quoted = f'"(?:{edge}(?:{inner}*{edge})?)?"' if self._trim else f'"{inner}*"'
        first = f"[^{_re2(self.quotes)}{d}{bl}\\r\\n]"
        plain = f"[{bl}]*(?:{first}[^{d}\\r\\n]*)?"
        field = f"(?:{quoted}|{plain})"
        record = f"{field}(?:{d}{field})*"
        return f"\\A(?:{record}\\r?\\n)*(?:{record})?\\z"

    # -- the three paths --------------------------------------------------------------

    def _fallback(self, reason: str) -> Iterator[pa.RecordBatch]:
        self.reason = reason
        if self._quoted and self.fmt.quoting != "none":
            self.path = "python"
            return self._python()
        self.path = "lines"
        return self._lines()

    def _header(self, first: list[str | None]) -> None:
        if self.fmt.labels == "none":
            self.names = [f"@{i}" for i in range(1, len(first) + 1)]
        else:
            self.names = [name or f"@{i}" for i, name in enumerate(first, 1)]

    def _emit(self, columns: list[pa.Array]) -> Iterator[pa.RecordBatch]:
        """Hand out a batch of data records, dropping those handed out before a restart."""
        batch = pa.RecordBatch.from_arrays(columns, names=self.names)
        skip = min(self._skip, batch.num_rows)
        if skip:
            self._skip -= skip
            batch = batch.slice(skip)
        if batch.num_rows:
            self.rows += batch.num_rows
            yield batch

    def _arrow(self) -> Iterator[pa.RecordBatch]:
        d = self.delim
        assert d is not None
        bl = self.blanks
        width = bytes(self.data[self.start : self._line_end(self.start)]).count(d.encode()) + 1
        ragged: list[str] = []

        def invalid(row: pacsv.InvalidRow) -> str:
            if row.text is not None and not row.text.strip(bl + "\r\n"):
                return "skip"  # a blank-only line (Qlik skips it)
            ragged.append(row.text or "")
            return "error"

        try:
            reader = self._open_csv(d, width, invalid)
        except pa.ArrowInvalid as exc:
            yield from self._restart("ragged record" if ragged else str(exc))
            return
        try:
            if any(f.type != pa.string() for f in reader.schema):
                yield from self._restart("first record wider than its line")
                return
            header = True
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                except pa.ArrowInvalid as exc:
                    yield from self._restart("ragged record" if ragged else str(exc))
                    return
                cols = [pc.utf8_trim(c, bl) if self._trim else c for c in batch.columns]
                if header and batch.num_rows:
                    header = False
                    self._header([c[0].as_py() for c in cols])
                    if self.fmt.labels != "none":
                        cols = [c.slice(1) for c in cols]
                yield from self._emit(cols)
        finally:
            reader.close()

    def _open_csv(
        self, d: str, width: int, invalid: Callable[[pacsv.InvalidRow], str]
    ) -> pacsv.CSVStreamingReader:
        buf = pa.py_buffer(self.data)[self.start :]
        if self.data.find(b"\n", self.start) < 0:  # pyarrow needs a line end
            buf = pa.py_buffer(self.data[self.start :] + b"\n")
        return pacsv.open_csv(
            buf,
            read_options=pacsv.ReadOptions(
                autogenerate_column_names=True, block_size=self.block_size, use_threads=False
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=d,
                quote_char='"' if self._quoted else False,
                double_quote=True,
                newlines_in_values=self._quoted and self.fmt.quoting == "msq",
                ignore_empty_lines=True,
                invalid_row_handler=invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)},
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    def _restart(self, reason: str) -> Iterator[pa.RecordBatch]:
        """Go on along the next path after the records handed out so far."""
        self._skip = self.rows
        yield from self._fallback(reason)

    def _lines(self) -> Iterator[pa.RecordBatch]:
        """Records without quoting: lines split by Arrow kernels, cut/padded to width."""
        data, pos, n = self.data, self.start, 0
        bl, cm, d = self.blanks, self.comment, self.delim
        header = True
        while pos < len(data):
            end = data.find(b"\n", pos + self.block_size)
            end = len(data) if end < 0 else end + 1
            lines = pc.list_flatten(pc.split_pattern(_utf8(data, pos, end), "\n"))
            pos = end
            lines = pc.utf8_rtrim(lines, "\r")
            skip = pc.match_substring_regex(lines, f"^[{_re2(bl)}]*$")
            if cm is not None:
                skip = pc.or_(skip, pc.starts_with(pc.utf8_ltrim(lines, bl), cm))
            lines = lines.filter(pc.invert(skip))
            if d is None:
                lists = pc.split_pattern_regex(pc.utf8_trim(lines, bl), f"[{_re2(bl)}]+")
            else:
                lists = pc.split_pattern(lines, d)
            if not len(lists):
                continue
            if header:
                header = False
                first = lists[0].as_py()
                n = len(first)
                if self._trim and d is not None:
                    first = [c.strip(bl) for c in first]
                self._header(first)
                if self.fmt.labels != "none":
                    lists = lists.slice(1)
            fixed = pc.list_slice(lists, 0, n, return_fixed_size_list=True)
            cols = [pc.list_element(fixed, i) for i in range(n)]
            if self._trim and d is not None:
                cols = [pc.utf8_trim(c, bl) for c in cols]
            yield from self._emit([c.cast(pa.string()) for c in cols])

    def _python(self) -> Iterator[pa.RecordBatch]:
        text = self.data[self.start :].decode("utf-8", "surrogatepass")
        names, cols = read_delimited(text, replace(self.fmt, header_lines=0))
        if not names:
            return
        self.names = names
        for lo in range(0, len(cols[0]), PY_BATCH_ROWS):
            hi = lo + PY_BATCH_ROWS
            yield from self._emit([pa.array(c[lo:hi], pa.string()) for c in cols])

    # -- the iterator -----------------------------------------------------------------

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        return self

    def __next__(self) -> pa.RecordBatch:
        batch = self._pending
        if batch is not None:
            self._pending = None
        else:
            batch = next(self._batches)
        if self.path in ("arrow", "lines"):  # read in order: what lies behind is done
            self._handed += 1
            _release(self.data, self.start + (self._handed - 2) * self.block_size)
        return batch


def _utf8_bytes(data: Text | str, charset: str) -> tuple[Text, int]:
    """UTF-8 bytes of the text and where it starts (after a byte-order mark)."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff").encode("utf-8", "surrogatepass"), 0
    head = bytes(data[:3])
    if head.startswith(codecs.BOM_UTF8):
        start = 3
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode(bytes(data), charset).encode("utf-8", "surrogatepass"), 0
    elif _codec(charset) != "utf-8":
        text = decode(bytes(data), charset)
        return text.removeprefix("\ufeff").encode("utf-8", "surrogatepass"), 0
    else:
        start = 0
    try:
        for lo, hi in _windows(data, start):  # a window ends after a line break: whole characters
            _utf8(data, lo, hi).validate(full=True)
    except pa.ArrowInvalid:
        return data[start:].decode("utf-8", "replace").encode("utf-8"), 0
    return data, start


def _drop_lines(data: Text, start: int, count: int) -> int:
    """The offset after ``count`` physical lines (ended by \\n, \\r\\n or \\r)."""
    for _ in range(count):
        nl, cr = data.find(b"\n", start), data.find(b"\r", start)
        ends = [e for e in (nl, cr) if e >= 0]
        if not ends:
            return len(data)
        end = min(ends)
        start = end + (2 if data[end : end + 2] == b"\r\n" else 1)
    return start


def _count(data: Text, start: int, needle: str) -> int:
    return sum(int(pc.sum(pc.count_substring(_utf8(data, lo, hi), needle)).as_py() or 0)
               for lo, hi in _windows(data, start))


def open_delimited(
    data: Text | str, fmt: TextFormat = _DEFAULT, *, block_size: int | None = None
) -> DelimitedBatches:
    """Start reading delimited text (file bytes in ``fmt.charset``, a memory map of them,
    or decoded text such as INLINE data). Reads the first batch, so ``names`` is known on
    return; raises ValueError for an unknown character set. ``block_size``:
    ``BLOCK_SIZE`` by default."""
    block_size = BLOCK_SIZE if block_size is None else block_size
    raw, start = _utf8_bytes(data, fmt.charset)
    if _contains(raw, start, [b"\r"])[0] and (
        fmt.quoting == "msq" or _count(raw, start, "\r") != _count(raw, start, "\r\n")
    ):
        raw, start = raw[start:].replace(b"\r\n", b"\n").replace(b"\r", b"\n"), 0
    start = _drop_lines(raw, start, fmt.header_lines)
    return DelimitedBatches(raw, start, fmt, block_size)


def read_table(
    data: Text | str,
    fmt: TextFormat = _DEFAULT,
    *,
    on_batch: Callable[[int], None] | None = None,
    block_size: int | None = None,
) -> pa.Table:
    """The whole text as a table of string columns. ``on_batch(rows_read)`` runs after
    each batch; it may raise (e.g. to cancel a reload) and the read stops there."""
    parts = []
    with open_delimited(data, fmt, block_size=block_size) as batches:
        for batch in batches:
            parts.append(batch)
            if on_batch is not None:
                on_batch(batches.rows)
    if not parts:
        return pa.Table.from_arrays([pa.array([], pa.string()) for _ in batches.names],
                                    names=batches.names)
    return pa.Table.from_batches(parts)
