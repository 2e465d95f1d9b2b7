"""The file functions of the load script (Qlik help "File functions").

Without an argument, FileName(), FileBaseName(), FileExtension(), FileDir(), FilePath(),
FileSize() and FileTime() describe the file the running LOAD reads (NULL outside one);
FileSize(path), FileTime(path) and the QVD functions (QvdCreateTime, QvdNoOfRecords,
QvdNoOfFields, QvdFieldName, QvdTableName) read the named file through the reload's
file access (a path that cannot be read gives NULL, as in Qlik). ``FileExtension()`` is
the extension without its dot (help example: ``abc.txt`` gives ``txt``). FileTime is the
file's modification time and QvdCreateTime the header's ``CreateUtcTime``, both as
timestamps (serial numbers with the TimestampFormat text).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np

from associa.errors import AssociaError, ExpressionError, LibPathOutside
from associa.expr import Vec, ast
from associa.expr.evaluate import Evaluator, Scope, function
from associa.script import files
from associa.script.sources.qvd import QvdError, QvdHeader, read_header
from associa.values.format import format_datetime

EPOCH_SERIAL = 25569.0


def _context(label: str) -> files.FileContext:
    ctx = files.current()
    if ctx is None:
        raise ExpressionError(f"{label}() is only available in a load script")
    return ctx


def _per_path(ev: Evaluator, call: ast.Call, scope: Scope, label: str,
              compute: Callable[[files.FileContext, str], tuple[str | None, float]]) -> Vec:
    """``compute(ctx, path)`` → (text or None, number) for each distinct path argument (or
    the file being read when there is none)."""
    ctx = _context(label)
    if not call.args:
        if ctx.path is None:
            return Vec.nulls(scope.n)
        return _constant(compute(ctx, ctx.path), scope.n)
    v = ev.eval(call.args[0], scope)
    paths = v.texts(ev.locale)
    out_text = np.empty(scope.n, dtype=object)
    out_num = np.full(scope.n, math.nan)
    null = np.zeros(scope.n, dtype=bool)
    done: dict[str, tuple[str | None, float]] = {}
    for i, path in enumerate(paths):
        if path is None:
            null[i] = True
            continue
        if path not in done:
            done[path] = compute(ctx, path)
        text, num = done[path]
        if text is None and math.isnan(num):
            null[i] = True
        out_text[i], out_num[i] = text, num
    return _vec(out_text, out_num, null)


def _constant(value: tuple[str | None, float], n: int) -> Vec:
    text, num = value
    if text is None and math.isnan(num):
        return Vec.nulls(n)
    if text is None:
        return Vec.constant_number(num, n)
    return Vec.constant_text(text, n, None if math.isnan(num) else num)


def _vec(texts: np.ndarray, nums: np.ndarray, null: np.ndarray) -> Vec:
    if all(t is None for t in texts[~null]):
        return Vec.numbers(nums, null)
    return Vec(nums, texts, null)


def _name_part(index: int, label: str) -> Callable[[Evaluator, ast.Call, Scope], Vec]:
    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        ctx = _context(label)
        if ctx.path is None:
            return Vec.nulls(scope.n)
        folder, name, base, ext = files.parts(ctx.path)
        value = (ctx.path, folder, name, base, ext.lstrip("."))[index]
        return Vec.constant_text(value, scope.n)

    return impl


function("FILEPATH", 0, 0)(_name_part(0, "FilePath"))
function("FILEDIR", 0, 0)(_name_part(1, "FileDir"))
function("FILENAME", 0, 0)(_name_part(2, "FileName"))
function("FILEBASENAME", 0, 0)(_name_part(3, "FileBaseName"))
function("FILEEXTENSION", 0, 0)(_name_part(4, "FileExtension"))


def _timestamp(epoch: float, ev_locale) -> tuple[str | None, float]:
    serial = epoch / 86400.0 + EPOCH_SERIAL
    return format_datetime(serial, ev_locale.timestamp_format, ev_locale), serial


@function("FILESIZE", 0, 1)
def file_size(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    def compute(ctx: files.FileContext, path: str) -> tuple[str | None, float]:
        info = ctx.access.info(path)
        return (None, math.nan) if info is None else (None, float(info[0]))

    return _per_path(ev, call, scope, "FileSize", compute)


@function("FILETIME", 0, 1)
def file_time(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    def compute(ctx: files.FileContext, path: str) -> tuple[str | None, float]:
        info = ctx.access.info(path)
        return (None, math.nan) if info is None else _timestamp(info[1], ev.locale)

    return _per_path(ev, call, scope, "FileTime", compute)


def _header(ctx: files.FileContext, path: str) -> QvdHeader | None:
    try:
        data = ctx.access.read(path)
        return read_header(data)
    except LibPathOutside:
        raise  # not a missing file: a path that is refused
    except (QvdError, AssociaError, OSError, ValueError):
        return None


def _qvd_function(name: str, label: str, pick: Callable[[QvdHeader, Evaluator, list], tuple]
                  ) -> None:
    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        extra = [ev.eval(a, scope).value(0, ev.locale) for a in call.args[1:]]

        def compute(ctx: files.FileContext, path: str) -> tuple[str | None, float]:
            header = _header(ctx, path)
            return (None, math.nan) if header is None else pick(header, ev, extra)

        return _per_path(ev, call, scope, label, compute)

    function(name, 2 if name == "QVDFIELDNAME" else 1,
             2 if name == "QVDFIELDNAME" else 1)(impl)


def _created(h: QvdHeader, ev: Evaluator, extra: list) -> tuple[str | None, float]:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"):
        try:
            when = datetime.strptime(h.created, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        return _timestamp(when.timestamp(), ev.locale)
    return None, math.nan


def _field_name(h: QvdHeader, ev: Evaluator, extra: list) -> tuple[str | None, float]:
    num = extra[0][1] if extra else math.nan
    if math.isnan(num) or not 1 <= int(num) <= len(h.fields):
        return None, math.nan
    return h.fields[int(num) - 1].name, math.nan


_qvd_function("QVDCREATETIME", "QvdCreateTime", _created)
_qvd_function("QVDNOOFRECORDS", "QvdNoOfRecords", lambda h, ev, x: (None, float(h.records)))
_qvd_function("QVDNOOFFIELDS", "QvdNoOfFields", lambda h, ev, x: (None, float(len(h.fields))))
_qvd_function("QVDTABLENAME", "QvdTableName", lambda h, ev, x: (h.table, math.nan))
_qvd_function("QVDFIELDNAME", "QvdFieldName", _field_name)
