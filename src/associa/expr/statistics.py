"""Statistical and financial aggregation reducers (help "Statistical aggregation
functions", "Financial aggregation functions"): Sterr, Skew, Kurtosis, Correl, SteYX, the
LinEst_* family, IRR, NPV, XIRR and XNPV.

They have the reducers' calling convention (``expr/aggregations.py``): the first
argument's values over the records, the group of each record, ``distinct``, and the values
of the further arguments per record over the same records. A parameter that the help
gives as one value (NPV's rate, LinEst's y0 and x0) is read per group (the range functions
give each row its own): the value of the group's first record, or for a rate its last
(NPV's help example, ``NPV(Discount, Payments)`` = -$540.12, is the NPV at the rate of
the last record, 0.2).

What they read (the help's "Limitations"): numbers only, text and NULL are skipped; a
function of pairs (Correl, LinEst_*, SteYX, XIRR, XNPV) drops a pair when either part is
not a number. A group without enough numbers gives NULL, never 0:

* Sterr = Stdev / sqrt(n), n >= 2 (help "Sterr - chart function": stdev/sqrt(n));
* Skew and Kurtosis are the sample-adjusted estimators as Excel's SKEW and KURT (the
  help's examples, Skew 0.86414768 and Kurtosis -1.1612957 for Comparison, are only
  reproduced by them), n >= 3 and n >= 4;
* Correl: Pearson's coefficient; SteYX: the standard error of the regression's y;
* LinEst_*(y, x [, y0 [, x0]]): the least-squares line y = m x + b as Excel's LINEST;
  with y0 the line goes through (0, y0), with y0 and x0 through (x0, y0): the fit is then
  through the origin of the shifted data, whose statistics are Excel's const=FALSE ones
  (R2 and SSREG uncentred, DF n - 1, no SEB). At least two pairs, one when y0 and x0 are
  both given;
* IRR(value) and NPV(rate, value): periodic cash flows in record order; XIRR(pmt, date)
  and XNPV(rate, pmt, date): dated cash flows discounted over 365-day years from the
  earliest date. IRR and XIRR need a positive and a negative payment, and are solved by
  Newton's method on all groups at once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from associa.expr.aggregations import Arg, Reduced, dedupe, value_codes
from associa.expr.registry import Kind, register
from associa.expr.vector import Vec
from associa.values.numbers import interpret

# -- reading the records ----------------------------------------------------------------


def numbers_of(arg: Arg, key: np.ndarray, distinct: bool) -> tuple[np.ndarray, np.ndarray]:
    """The numbers of the records holding one (once per group and value with
    ``distinct``) and their groups, in record order."""
    if not distinct and arg.numbers is not None:
        num = arg.numbers
        idx = np.flatnonzero(~np.isnan(num))
        return num[idx], key[idx]
    v = arg.vec()
    numeric = v.is_numeric()
    if distinct:
        idx = dedupe(arg.value_codes(), key)
        idx = idx[numeric[idx]]
    else:
        idx = np.flatnonzero(numeric)
    return v.num[idx], key[idx]


def _num(v: Vec, dates: bool = False) -> np.ndarray:
    """Numbers of a further argument, NaN for NULL and text; ``dates``: a text is read as
    Qlik reads untyped text (a date in the default formats gives its serial number)."""
    num = np.where(v.null, np.nan, v.num)
    if dates:
        idx = np.flatnonzero(np.isnan(num) & ~v.null)
        if len(idx):
            texts = v.texts()
            num = num.copy()
            for i in idx:
                x = interpret(texts[i]) if texts[i] is not None else None
                if x is not None:
                    num[i] = x
    return num


def pairs_of(a: Arg, b: Vec | None, key: np.ndarray, distinct: bool, dates: bool = False
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The records where both the argument and the further argument ``b`` are numbers
    (once per group and pair with ``distinct``): (their indices, a's numbers, b's numbers,
    their groups)."""
    va = a.vec()
    an = np.where(va.null, np.nan, va.num)
    bn = np.full(len(key), np.nan) if b is None else _num(b, dates)
    ok = ~np.isnan(an) & ~np.isnan(bn)
    if distinct:
        ca, cb = value_codes(Vec.numbers(an)), value_codes(Vec.numbers(bn))
        code = np.where(ok, ca * (int(cb.max(initial=0)) + 1) + cb, -1)
        idx = dedupe(code, key)
    else:
        idx = np.flatnonzero(ok)
    return idx, an[idx], bn[idx], key[idx]


def per_group(values: np.ndarray, key: np.ndarray, n: int, last: bool = False) -> np.ndarray:
    """Each group's first (or ``last``) number of ``values`` (NaN where it has none)."""
    out = np.full(n, np.nan)
    idx = np.flatnonzero(~np.isnan(values))
    if not len(idx):
        return out
    if last:
        idx = idx[::-1]
    groups, at = np.unique(key[idx], return_index=True)
    out[groups] = values[idx[at]]
    return out


def _param(v: Vec | None, key: np.ndarray, n: int, last: bool = False) -> np.ndarray:
    return np.full(n, np.nan) if v is None else per_group(_num(v), key, n, last)


def _sums(g: np.ndarray, n: int, w: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(g, weights=w, minlength=n)[:n].astype(np.float64)


def _out(values: np.ndarray, valid: np.ndarray) -> Reduced:
    with np.errstate(all="ignore"):
        out = np.where(valid & np.isfinite(values), values, np.nan)
    return Reduced(Vec.numbers(out), None)


# -- moments ----------------------------------------------------------------------------


def moments(x: np.ndarray, g: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    """Per group: count, mean and the sums of the 2nd, 3rd and 4th powers of the
    deviations from the mean (two passes, for accuracy)."""
    c = _sums(g, n)
    with np.errstate(all="ignore"):
        mean = _sums(g, n, x) / c
    d = x - mean[g]
    d2 = d * d
    return c, mean, _sums(g, n, d2), _sums(g, n, d2 * d), _sums(g, n, d2 * d2)


@register("STERR", 1, 1, Kind.AGGREGATION)
def sterr(arg: Arg, key: np.ndarray, n: int, distinct: bool) -> Reduced:
    x, g = numbers_of(arg, key, distinct)
    c, _, m2, _, _ = moments(x, g, n)
    with np.errstate(all="ignore"):
        return _out(np.sqrt(m2 / (c - 1) / c), c >= 2)


@register("SKEW", 1, 1, Kind.AGGREGATION)
def skew(arg: Arg, key: np.ndarray, n: int, distinct: bool) -> Reduced:
    x, g = numbers_of(arg, key, distinct)
    c, _, m2, m3, _ = moments(x, g, n)
    with np.errstate(all="ignore"):
        s = np.sqrt(m2 / (c - 1))
        out = c / ((c - 1) * (c - 2)) * m3 / (s * s * s)
    return _out(out, (c >= 3) & (m2 > 0))


@register("KURTOSIS", 1, 1, Kind.AGGREGATION)
def kurtosis(arg: Arg, key: np.ndarray, n: int, distinct: bool) -> Reduced:
    x, g = numbers_of(arg, key, distinct)
    c, _, m2, _, m4 = moments(x, g, n)
    with np.errstate(all="ignore"):
        var = m2 / (c - 1)
        out = (c * (c + 1) / ((c - 1) * (c - 2) * (c - 3)) * m4 / (var * var)
               - 3 * (c - 1) ** 2 / ((c - 2) * (c - 3)))
    return _out(out, (c >= 4) & (m2 > 0))


# -- pairs: correlation and regression -------------------------------------------------


@register("CORREL", 2, 2, Kind.AGGREGATION)
def correl(arg: Arg, key: np.ndarray, n: int, distinct: bool, other: Vec | None = None
           ) -> Reduced:
    _, a, b, g = pairs_of(arg, other, key, distinct)
    c = _sums(g, n)
    with np.errstate(all="ignore"):
        da = a - (_sums(g, n, a) / c)[g]
        db = b - (_sums(g, n, b) / c)[g]
        saa, sbb = _sums(g, n, da * da), _sums(g, n, db * db)
        out = _sums(g, n, da * db) / np.sqrt(saa * sbb)
    return _out(out, (c >= 2) & (saa > 0) & (sbb > 0))


def linest(arg: Arg, key: np.ndarray, n: int, distinct: bool, x: Vec | None,
           y0: Vec | None, x0: Vec | None) -> dict[str, np.ndarray]:
    """Every statistic of Excel's LINEST per group (NaN where it has none)."""
    _, ys, xs, g = pairs_of(arg, x, key, distinct)
    fy0 = _param(y0, key, n)
    fx0 = _param(x0, key, n) if y0 is not None else np.full(n, np.nan)
    forced = ~np.isnan(fy0)  # through (0, y0), or (x0, y0)
    through = forced & ~np.isnan(fx0)
    sy0, sx0 = np.where(forced, fy0, 0.0), np.where(through, fx0, 0.0)
    c = _sums(g, n)
    with np.errstate(all="ignore"):
        xm = np.where(forced, 0.0, _sums(g, n, xs) / c)
        ym = np.where(forced, 0.0, _sums(g, n, ys) / c)
        dx = xs - sx0[g] - xm[g]
        dy = ys - sy0[g] - ym[g]
        sxx, sxy, syy = _sums(g, n, dx * dx), _sums(g, n, dx * dy), _sums(g, n, dy * dy)
        m = sxy / sxx
        resid = dy - m[g] * dx
        ssresid = _sums(g, n, resid * resid)
        ssreg = m * m * sxx
        df = c - np.where(forced, 1.0, 2.0)
        sey = np.sqrt(ssresid / df)
        b = np.where(forced, sy0 - m * sx0, ym - m * xm)
        seb = np.where(forced, np.nan, sey * np.sqrt(1 / c + xm * xm / sxx))
        stats = {"M": m, "B": b, "R2": ssreg / syy, "DF": df, "F": ssreg / (ssresid / df),
                 "SEM": sey / np.sqrt(sxx), "SEB": seb, "SEY": sey, "SSREG": ssreg,
                 "SSRESID": ssresid}
    enough = (c >= np.where(through, 1, 2)) & (sxx > 0)
    return {k: np.where(enough & np.isfinite(v), v, np.nan) for k, v in stats.items()}


def _linest(stat: str) -> Callable[..., Reduced]:
    def reduce(arg: Arg, key: np.ndarray, n: int, distinct: bool, x: Vec | None = None,
               y0: Vec | None = None, x0: Vec | None = None) -> Reduced:
        return Reduced(Vec.numbers(linest(arg, key, n, distinct, x, y0, x0)[stat]), None)

    return reduce


for _stat in ("B", "M", "R2", "DF", "F", "SEB", "SEM", "SEY", "SSREG", "SSRESID"):
    register("LINEST_" + _stat, 2, 4, Kind.AGGREGATION)(_linest(_stat))


@register("STEYX", 2, 2, Kind.AGGREGATION)
def steyx(arg: Arg, key: np.ndarray, n: int, distinct: bool, x: Vec | None = None
          ) -> Reduced:
    """The standard error of the predicted y (Excel's STEYX: three pairs at least)."""
    stats = linest(arg, key, n, distinct, x, None, None)
    return _out(stats["SEY"], stats["DF"] >= 1)


# -- financial ----------------------------------------------------------------------------


def _in_order(g: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A stable order of records by group and each record's position in its group."""
    order = np.argsort(g, kind="stable")
    starts = np.searchsorted(g[order], np.arange(n))
    pos = np.empty(len(g), dtype=np.float64)
    pos[order] = np.arange(len(g)) - starts[g[order]]
    return order, pos


def present_value(rate: np.ndarray, flows: np.ndarray, t: np.ndarray, g: np.ndarray,
                  n: int) -> np.ndarray:
    """Per group: the sum of ``flows / (1 + rate) ** t``."""
    with np.errstate(all="ignore"):
        return _sums(g, n, flows / np.power(1 + rate[g], t))


def _signs(flows: np.ndarray, g: np.ndarray, n: int) -> np.ndarray:
    """Groups with a positive and a negative flow."""
    return (_sums(g, n, (flows > 0).astype(float)) > 0) & (_sums(g, n, (flows < 0).astype(
        float)) > 0)


def solve_rate(flows: np.ndarray, t: np.ndarray, g: np.ndarray, n: int,
               guess: float = 0.1) -> np.ndarray:
    """The rate r > -1 where the present value of the flows is 0, per group, by Newton's
    method on all groups at once (NaN where it does not converge or has no root)."""
    r = np.full(n, guess)
    done = np.zeros(n, dtype=bool)
    valid = _signs(flows, g, n)
    with np.errstate(all="ignore"):
        for _ in range(100):
            base = 1 + r[g]
            f = _sums(g, n, flows / np.power(base, t))
            df = _sums(g, n, -t * flows / np.power(base, t + 1))
            step = f / df
            new = r - step
            new = np.where(new <= -1, (r - 1) / 2, new)  # stay above -1
            converged = np.abs(new - r) <= 1e-12 * np.maximum(1, np.abs(new))
            r = np.where(done, r, new)
            done |= converged | ~np.isfinite(r)
            if done[valid].all():
                break
        f = _sums(g, n, flows / np.power(1 + r[g], t))
        scale = _sums(g, n, np.abs(flows))
        ok = valid & np.isfinite(r) & (np.abs(f) <= 1e-7 * np.maximum(scale, 1))
    r = np.where(np.abs(r) < 1e-14, 0.0, r)  # a rate of 0 reached from 0.1 up to rounding
    return np.where(ok, r, np.nan)


@register("NPV", 2, 2, Kind.AGGREGATION)
def npv(arg: Arg, key: np.ndarray, n: int, distinct: bool, value: Vec | None = None
        ) -> Reduced:
    """NPV(discount_rate, value): the value of each record discounted over its period (the
    first record one period) at the rate of the group's last record."""
    rate = per_group(_num(arg.vec()), key, n, last=True)
    flows = np.full(len(key), np.nan) if value is None else _num(value)
    idx = np.flatnonzero(~np.isnan(flows))
    g = key[idx]
    _, pos = _in_order(g, n)
    out = present_value(rate, flows[idx], pos + 1, g, n)
    return _out(out, (_sums(g, n) > 0) & (rate > -1))


@register("IRR", 1, 1, Kind.AGGREGATION)
def irr(arg: Arg, key: np.ndarray, n: int, distinct: bool) -> Reduced:
    """IRR(value): the rate where the periodic flows (in record order) have no present
    value."""
    flows, g = numbers_of(arg, key, False)
    _, pos = _in_order(g, n)
    return Reduced(Vec.numbers(solve_rate(flows, pos, g, n)), None)


def _dated(arg: Arg, date: Vec | None, key: np.ndarray, n: int
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The flows with a date, their years since their group's earliest date, groups."""
    _, flows, dates, g = pairs_of(arg, date, key, False, dates=True)
    first = np.full(n, np.inf)
    np.minimum.at(first, g, dates)
    return flows, (dates - first[g]) / 365.0, g


@register("XIRR", 2, 2, Kind.AGGREGATION)
def xirr(arg: Arg, key: np.ndarray, n: int, distinct: bool, date: Vec | None = None
         ) -> Reduced:
    flows, t, g = _dated(arg, date, key, n)
    return Reduced(Vec.numbers(solve_rate(flows, t, g, n)), None)


@register("XNPV", 3, 3, Kind.AGGREGATION)
def xnpv(arg: Arg, key: np.ndarray, n: int, distinct: bool, pmt: Vec | None = None,
         date: Vec | None = None) -> Reduced:
    """XNPV(discount_rate, pmt, date)."""
    rate = per_group(_num(arg.vec()), key, n, last=True)
    if pmt is None:
        return Reduced(Vec.nulls(n), None)
    flows, t, g = _dated(Arg(pmt.n, values=pmt), date, key, n)
    out = present_value(rate, flows, t, g, n)
    return _out(out, (_sums(g, n) > 0) & (rate > -1))


__all__ = ["linest", "moments", "numbers_of", "pairs_of", "per_group", "present_value",
           "solve_rate"]
