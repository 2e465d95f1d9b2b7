"""Formatting and interpretation functions that make duals: Date#, Time#, Timestamp#,
Num#, Money# read a text with a format code (the text is kept, the number found beside
it); Date, Time, Timestamp, Money format a number (the number kept, the text made with
the code, else the locale's DateFormat, TimeFormat, TimestampFormat, MoneyFormat).

Qlik help, "Interpretation functions" / "Formatting functions": "the result is a dual
value"; without a format code the corresponding script variable is used. A text that
does not read with the code gives NULL for the interpretation functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from associa.expr import ast
from associa.expr.evaluate import Evaluator, Scope, function
from associa.expr.vector import Vec
from associa.values import Locale
from associa.values.format import format_datetime, format_number
from associa.values.numbers import parse_with_format
from associa.values.typed import format_serials


def _args(ev: Evaluator, call: ast.Call, scope: Scope) -> list[Vec]:
    return [ev.eval(a, scope) for a in call.args]


def _interpreter(default: Callable[[Locale], str], money: bool = False):
    def run(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        values = _args(ev, call, scope)
        v = values[0]
        texts = v.text_or_empty(ev.locale)
        fmts = values[1].text_or_empty(ev.locale) if len(values) > 1 else None
        decs = values[2].text_or_empty(ev.locale) if len(values) > 2 else None
        thous = values[3].text_or_empty(ev.locale) if len(values) > 3 else None
        nums = np.full(scope.n, math.nan)
        out = np.empty(scope.n, dtype=object)
        null = v.null.copy()
        memo: dict[tuple[str, str, str | None, str | None], float | None] = {}
        for i in range(scope.n):
            if null[i]:
                continue
            fmt = fmts[i] if fmts is not None else default(ev.locale)
            lo = ev.locale
            dec = decs[i] if decs is not None else (lo.money_decimal_sep if money else None)
            thou = thous[i] if thous is not None else (lo.money_thousand_sep if money else None)
            key = (texts[i], fmt, dec, thou)
            if key not in memo:
                memo[key] = parse_with_format(texts[i], fmt, lo, dec, thou)
            x = memo[key]
            if x is None:
                null[i] = True
                continue
            nums[i], out[i] = x, texts[i]
        return Vec(nums, out, null)

    return run


def _formatter(default: Callable[[Locale], str], numeric: bool = False):
    def run(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        values = _args(ev, call, scope)
        v = values[0]
        x = v.as_numbers()
        lo = ev.locale
        fmts = values[1].text_or_empty(lo) if len(values) > 1 else None
        # Money's decimal and thousands separators (help "Money": money(number[, format
        # [, dec_sep [, thou_sep]]])); the locale's money separators without them
        decs = values[2].text_or_empty(lo) if len(values) > 2 else None
        thous = values[3].text_or_empty(lo) if len(values) > 3 else None
        out = np.empty(scope.n, dtype=object)
        null = v.null | np.isnan(x)
        keep = np.flatnonzero(~null)
        one = all(a is None or len(set(a[keep].tolist())) <= 1 for a in (fmts, decs, thous))
        if one:
            # one format for all: each distinct number formatted once
            def first(a: np.ndarray | None, fallback: str) -> str:
                return a[keep][0] if a is not None and len(keep) and a[keep][0] else fallback

            fmt = first(fmts, default(lo))
            if not numeric:
                out[keep] = format_serials(x[keep], fmt, lo).to_numpy(zero_copy_only=False)
                return Vec(x.copy(), out, null)
            dec = first(decs, lo.money_decimal_sep)
            thou = first(thous, lo.money_thousand_sep) if thous is not None else \
                lo.money_thousand_sep
            uniq, inverse = np.unique(x[keep], return_inverse=True)
            texts = np.array([format_number(u, fmt, lo, dec, thou) for u in uniq.tolist()],
                             dtype=object)
            out[keep] = texts[inverse.ravel()] if len(uniq) else texts[:0]
            return Vec(x.copy(), out, null)
        memo: dict[tuple[float, str, str, str], str] = {}  # formats varying per row
        for i in keep.tolist():
            fmt = fmts[i] if fmts is not None and fmts[i] else default(lo)
            dec = decs[i] if decs is not None and decs[i] else lo.money_decimal_sep
            thou = thous[i] if thous is not None else lo.money_thousand_sep
            key = (float(x[i]), fmt, dec, thou)
            if key not in memo:
                memo[key] = (format_number(key[0], fmt, lo, dec, thou) if numeric
                             else format_datetime(key[0], fmt, lo))
            out[i] = memo[key]
        return Vec(x.copy(), out, null)

    return run


def _date(lo: Locale) -> str:
    return lo.date_format


def _time(lo: Locale) -> str:
    return lo.time_format


def _stamp(lo: Locale) -> str:
    return lo.timestamp_format


def _money(lo: Locale) -> str:
    return lo.money_format


def _auto(lo: Locale) -> str:
    return ""


function("DATE#", 1, 2)(_interpreter(_date))
function("TIME#", 1, 2)(_interpreter(_time))
function("TIMESTAMP#", 1, 2)(_interpreter(_stamp))
function("NUM#", 1, 4)(_interpreter(_auto))
function("MONEY#", 1, 4)(_interpreter(_money, money=True))
function("DATE", 1, 2)(_formatter(_date))
function("TIME", 1, 2)(_formatter(_time))
function("TIMESTAMP", 1, 2)(_formatter(_stamp))
function("MONEY", 1, 4)(_formatter(_money, numeric=True))
