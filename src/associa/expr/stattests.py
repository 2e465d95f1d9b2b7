"""Statistical test functions (help "Statistical test functions"): the chi2-test, the
two-sample and one-sample Student's t-tests and the z-test, each also in a weighted form
(the ``w`` functions: each value counted ``weight`` times).

They are aggregation reducers (``expr/aggregations.py``): the first argument's values
over the records, the group of each record, ``distinct`` (not used: the tests have no
DISTINCT form, the records are read as they are) and the values of the further
arguments per record. A parameter that the help gives as one value (``sig``, ``eq_var``,
``sigma``) is read per group, from its first record holding a number.

* ``Chi2Test_chi2 / _df / _p(col, row, actual [, expected])``: the actual values summed
  per cell of the col × row matrix. Without ``expected`` the test of independence: each
  cell's expected value is row total × column total / grand total, a cell without a
  record counts 0. With ``expected`` (summed per cell as well) the cells holding both are
  compared. chi2 = sum((A - E)^2 / E); df = (r - 1)(c - 1), or c - 1 (r - 1) when the
  matrix has one row (column), as Excel's CHITEST; p = ChiDist(chi2, df). A record whose
  col or row is NULL or whose actual value is not a number is left out.
* ``TTest_*(grp, value [, eq_var])`` and ``TTestw_*(weight, grp, value [, eq_var])``:
  the records must hold exactly two values of ``grp`` (else NULL). The first sample is
  the value met first in record order: the help's example (crosstable of Observation and
  Comparison, Observation loaded first) gives a positive t 3.534 and a mean difference
  15.2 = mean(Observation) - mean(Comparison). eq_var false (the default, the example's
  "Equal Variance not Assumed" row: df 37.116717335823) is Welch's test; eq_var true
  pools the variances (df n1 + n2 - 2 = 38). The help's example: t 3.534, sig 0.001,
  dif 15.2, sterr 4.30101, lower 6.48625 / 6.49306 and upper 23.9137 / 23.9069.
* ``TTest1_*(value)`` and ``TTest1w_*(weight, value)``: the one-sample test of mean 0:
  t = mean / (s / sqrt(n)), df n - 1.
* ``ZTest_*(value [, sigma])`` and ``ZTestw_*(weight, value [, sigma])``: z = mean /
  (sigma / sqrt(n)), sigma the sample standard deviation when not given (help "ZTest_z").

In every test sig is the two-tailed significance (help "TTest_sig", "ZTest_sig": "2-tailed
level of significance"); the confidence functions take ``sig`` (default 0.025, "resulting
in a 95% confidence interval"): conf = the (1 - sig) quantile of the t (normal) distribution
× sterr, lower = dif - conf, upper = dif + conf. The help's z-test example (ZTest_conf 6.40
and 5.48, sterr 3.27 and 2.80, z 3.66 and 9.71 for Comparison and Observation) is matched;
its ZTest_sig column (0.000123 for z 3.66) is not: the two-tailed significance of z 3.657 is
0.000255 (one tail 0.000127), and the column shows 0.001 for z 9.71.

A weight that is not a number leaves its record out; the weights count as frequencies
(n = sum of the weights, variance = sum(w (x - mean)^2) / (n - 1)).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from associa.expr.aggregations import Arg, Reduced, value_codes
from associa.expr.distributions import _chidist
from associa.expr.registry import Kind, register
from associa.expr.special import betainc, bisect, norm_cdf, norm_ppf
from associa.expr.statistics import per_group
from associa.expr.vector import Vec

Array = np.ndarray
Stats = dict[str, Array]


def _num(v: Vec) -> Array:
    """The numbers of a further argument, NaN for NULL and text."""
    return np.where(v.null, np.nan, v.num)


def _sums(g: Array, n: int, w: Array | None = None) -> Array:
    return np.bincount(g, weights=w, minlength=n)[:n].astype(np.float64)


def _param(v: Vec | None, key: Array, n: int, default: float) -> Array:
    """A parameter read per group (its first number), ``default`` where it has none."""
    if v is None:
        return np.full(n, default)
    out = per_group(_num(v), key, n)
    return np.where(np.isnan(out), default, out)


# -- distributions of non-integer degrees of freedom -------------------------------------


def _t_two_tailed(t: Array, df: Array) -> Array:
    """P(|T| >= |t|) for Student's t of ``df`` (> 0, not necessarily whole) degrees."""
    good = np.isfinite(t) & np.isfinite(df) & (df > 0)
    dd, tt = np.where(good, df, 1.0), np.where(good, t, 0.0)
    p = betainc(dd / 2, np.full(dd.shape, 0.5), dd / (dd + tt * tt))
    return np.where(good, p, np.nan)


def _t_quantile(q: Array, df: Array) -> Array:
    """The t of ``df`` degrees with P(T <= t) = q, 0 < q < 1."""
    good = (q > 0) & (q < 1) & np.isfinite(df) & (df > 0)
    dd = np.where(good, df, 1.0)
    qq = np.where(good, q, 0.75)
    two = 2 * np.minimum(qq, 1 - qq)  # the two-tailed probability of |t|
    half = np.full(dd.shape, 0.5)
    # I_w(df/2, 1/2) = two with w = df / (df + t^2), increasing in w
    w = bisect(lambda w: betainc(dd / 2, half, w), two, np.zeros(dd.shape),
                np.ones(dd.shape))
    with np.errstate(all="ignore"):
        t = np.sqrt(dd * (1 - w) / w)
    t = np.where(two >= 1, 0.0, t)
    return np.where(good, np.where(qq < 0.5, -t, t), np.nan)


def _confidence(stats: Stats, quantile: Array) -> None:
    with np.errstate(all="ignore"):
        stats["CONF"] = quantile * stats["STERR"]
    stats["LOWER"] = stats["DIF"] - stats["CONF"]
    stats["UPPER"] = stats["DIF"] + stats["CONF"]


def _finish(stats: Stats, valid: Array) -> Stats:
    with np.errstate(all="ignore"):
        return {k: np.where(valid & np.isfinite(v), v, np.nan) for k, v in stats.items()}


# -- samples ------------------------------------------------------------------------------


def _moments(x: Array, w: Array, g: Array, n: int) -> tuple[Array, Array, Array]:
    """Per group: the summed weights, the weighted mean and the sample variance (the
    weights counted as frequencies)."""
    c = _sums(g, n, w)
    with np.errstate(all="ignore"):
        mean = _sums(g, n, w * x) / c
        d = x - mean[g]
        var = _sums(g, n, w * d * d) / (c - 1)
    return c, mean, var


def _weights(weight: Vec | None, size: int) -> Array:
    return np.ones(size) if weight is None else _num(weight)


def _one_sample(values: Vec, weight: Vec | None, key: Array, n: int
                ) -> tuple[Array, Array, Array, Array]:
    """(count, mean, variance, the records read) of each group's numbers."""
    x, w = _num(values), _weights(weight, values.n)
    idx = np.flatnonzero(~np.isnan(x) & ~np.isnan(w))
    c, mean, var = _moments(x[idx], w[idx], key[idx], n)
    return c, mean, var, idx


def _t1(values: Vec, weight: Vec | None, key: Array, n: int, sig: Vec | None) -> Stats:
    c, mean, var, _ = _one_sample(values, weight, key, n)
    with np.errstate(all="ignore"):
        sterr = np.sqrt(var / c)
        t = mean / sterr
    df = c - 1
    stats = {"T": t, "DF": df, "DIF": mean, "STERR": sterr, "SIG": _t_two_tailed(t, df)}
    _confidence(stats, _t_quantile(1 - _param(sig, key, n, 0.025), df))
    return _finish(stats, (c > 1) & (var > 0))


def _z(values: Vec, weight: Vec | None, key: Array, n: int, sigma: Vec | None,
       sig: Vec | None) -> Stats:
    c, mean, var, _ = _one_sample(values, weight, key, n)
    sd = _param(sigma, key, n, np.nan)
    sd = np.where(np.isnan(sd), np.sqrt(var), sd)
    with np.errstate(all="ignore"):
        sterr = sd / np.sqrt(c)
        z = mean / sterr
        p = 2 * norm_cdf(-np.abs(np.where(np.isfinite(z), z, 0.0)))
    stats = {"Z": z, "DIF": mean, "STERR": sterr, "SIG": p}
    _confidence(stats, norm_ppf(1 - _param(sig, key, n, 0.025)))
    return _finish(stats, (c > 0) & (sd > 0))


def _two_samples(grp: Vec, values: Vec, weight: Vec | None, key: Array, n: int
                 ) -> tuple[tuple[Array, Array, Array], tuple[Array, Array, Array], Array]:
    """The moments (count, mean, variance) of each group's first and second sample and
    where the group holds exactly two samples."""
    x, w = _num(values), _weights(weight, values.n)
    codes = value_codes(grp)
    idx = np.flatnonzero(~np.isnan(x) & ~np.isnan(w) & (codes >= 0))
    g, cd = key[idx], codes[idx]
    # each (group, sample) pair in order of its first record
    pair = g.astype(np.int64) * (int(codes.max(initial=0)) + 1) + cd
    pairs, first, inv = np.unique(pair, return_index=True, return_inverse=True)
    pair_group = g[first]
    samples = np.bincount(pair_group, minlength=n)[:n]
    order = np.lexsort((first, pair_group))  # pairs by group, then by first record
    rank = np.empty(len(pairs), dtype=np.int64)
    starts = np.searchsorted(pair_group[order], np.arange(n))
    rank[order] = np.arange(len(pairs)) - starts[pair_group[order]]
    side = rank[inv.ravel()]
    out = []
    for s in (0, 1):
        sel = side == s
        out.append(_moments(x[idx][sel], w[idx][sel], g[sel], n))
    return out[0], out[1], samples == 2


def _t2(grp: Vec, values: Vec, weight: Vec | None, key: Array, n: int, sig: Vec | None,
        eq_var: Vec | None) -> Stats:
    (c1, m1, v1), (c2, m2, v2), two = _two_samples(grp, values, weight, key, n)
    pooled = _param(eq_var, key, n, 0.0) != 0
    with np.errstate(all="ignore"):
        a, b = v1 / c1, v2 / c2
        welch_df = (a + b) ** 2 / (a * a / (c1 - 1) + b * b / (c2 - 1))
        sp2 = ((c1 - 1) * v1 + (c2 - 1) * v2) / (c1 + c2 - 2)
        sterr = np.where(pooled, np.sqrt(sp2 * (1 / c1 + 1 / c2)), np.sqrt(a + b))
        df = np.where(pooled, c1 + c2 - 2, welch_df)
        dif = m1 - m2
        t = dif / sterr
    stats = {"T": t, "DF": df, "DIF": dif, "STERR": sterr, "SIG": _t_two_tailed(t, df)}
    _confidence(stats, _t_quantile(1 - _param(sig, key, n, 0.025), df))
    return _finish(stats, two & (c1 > 1) & (c2 > 1) & (sterr > 0))


# -- chi2 ---------------------------------------------------------------------------------


def _cells(g: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """A code per record of each distinct (group, a, b), and the group of each code."""
    wa, wb = int(a.max(initial=0)) + 1, int(b.max(initial=0)) + 1
    code = (g.astype(np.int64) * wa + a) * wb + b
    uniq, inv = np.unique(code, return_inverse=True)
    return inv.ravel(), (uniq // (wa * wb)).astype(np.intp)


def _chi2(col: Vec, row: Vec, actual: Vec, expected: Vec | None, key: Array, n: int
          ) -> Stats:
    cc, rc, av = value_codes(col), value_codes(row), _num(actual)
    ok = (cc >= 0) & (rc >= 0) & ~np.isnan(av)
    ev = _num(expected) if expected is not None else None
    idx = np.flatnonzero(ok)
    g, c, r, a = key[idx], cc[idx], rc[idx], av[idx]
    none = np.zeros(len(g), np.int64)
    # the matrix's columns and rows per group
    col_code, col_group = _cells(g, c, none)
    row_code, row_group = _cells(g, r, none)
    ncol, nrow = _sums(col_group, n), _sums(row_group, n)
    df = np.where((ncol > 1) & (nrow > 1), (ncol - 1) * (nrow - 1),
                  np.where(ncol > 1, ncol - 1, nrow - 1))
    cell, cell_group = _cells(g, c, r)
    cells = len(cell_group)
    actual_sum = np.bincount(cell, weights=a, minlength=cells)
    with np.errstate(all="ignore"):
        if ev is None:
            col_tot = np.bincount(col_code, weights=a)
            row_tot = np.bincount(row_code, weights=a)
            total = _sums(g, n, a)
            # the observed cells; the cells without a record add their expected value
            first = np.unique(cell, return_index=True)[1]
            e = col_tot[col_code[first]] * row_tot[row_code[first]] / total[cell_group]
            chi2 = _sums(cell_group, n, (actual_sum - e) ** 2 / e)
            missing = total - _sums(cell_group, n, e)  # sum of E over the empty cells
            chi2 = chi2 + np.where(np.abs(missing) > 1e-12 * np.abs(total), missing, 0.0)
            valid = total > 0
        else:
            ex = ev[idx]
            has = ~np.isnan(ex)
            expected_sum = np.bincount(cell[has], weights=ex[has], minlength=cells)
            held = np.bincount(cell[has], minlength=cells) > 0
            term = np.where(held, (actual_sum - expected_sum) ** 2 / expected_sum, 0.0)
            chi2 = _sums(cell_group, n, term)
            valid = _sums(cell_group, n, held.astype(np.float64)) > 0
    valid &= df >= 1
    stats = {"CHI2": chi2, "DF": df, "P": _chidist(np.where(valid, chi2, 0.0), df)}
    return _finish(stats, valid)


# -- registration -------------------------------------------------------------------------


def _vec(arg: Arg) -> Vec:
    return arg.vec()


def _reducer(compute: Callable[..., Stats], stat: str) -> Callable[..., Reduced]:
    def reduce(arg: Arg, key: Array, n: int, distinct: bool, *extra: Vec | None) -> Reduced:
        return Reduced(Vec.numbers(compute(arg, key, n, *extra)[stat]), None)

    return reduce


def _chi2_call(arg: Arg, key: Array, n: int, row: Vec | None = None,
               actual: Vec | None = None, expected: Vec | None = None) -> Stats:
    assert row is not None and actual is not None
    return _chi2(_vec(arg), row, actual, expected, key, n)


def _ttest_call(sig_at: int | None, eq_at: int):
    """TTest_*(grp, value, ...): ``sig`` and ``eq_var`` at their places among the
    further arguments after value (None: no sig)."""
    def call(arg: Arg, key: Array, n: int, values: Vec | None = None, *rest: Vec | None
             ) -> Stats:
        assert values is not None
        sig = rest[sig_at] if sig_at is not None and len(rest) > sig_at else None
        eq = rest[eq_at] if len(rest) > eq_at else None
        return _t2(_vec(arg), values, None, key, n, sig, eq)

    return call


def _ttestw_call(sig_at: int | None, eq_at: int):
    def call(arg: Arg, key: Array, n: int, grp: Vec | None = None, values: Vec | None = None,
             *rest: Vec | None) -> Stats:
        assert grp is not None and values is not None
        sig = rest[sig_at] if sig_at is not None and len(rest) > sig_at else None
        eq = rest[eq_at] if len(rest) > eq_at else None
        return _t2(grp, values, _vec(arg), key, n, sig, eq)

    return call


def _ttest1_call(arg: Arg, key: Array, n: int, sig: Vec | None = None) -> Stats:
    return _t1(_vec(arg), None, key, n, sig)


def _ttest1w_call(arg: Arg, key: Array, n: int, values: Vec | None = None,
                  sig: Vec | None = None) -> Stats:
    assert values is not None
    return _t1(values, _vec(arg), key, n, sig)


def _ztest_call(arg: Arg, key: Array, n: int, sigma: Vec | None = None,
                sig: Vec | None = None) -> Stats:
    return _z(_vec(arg), None, key, n, sigma, sig)


def _ztestw_call(arg: Arg, key: Array, n: int, values: Vec | None = None,
                 sigma: Vec | None = None, sig: Vec | None = None) -> Stats:
    assert values is not None
    return _z(values, _vec(arg), key, n, sigma, sig)


_CONF = ("CONF", "LOWER", "UPPER")

for _stat in ("CHI2", "DF", "P"):
    register("CHI2TEST_" + _stat, 3, 4, Kind.AGGREGATION)(_reducer(_chi2_call, _stat))

for _stat in ("T", "DF", "DIF", "SIG", "STERR", "CONF", "LOWER", "UPPER"):
    _conf = _stat in _CONF
    # TTest_x(grp, value [, eq_var]); TTest_conf(grp, value [, sig [, eq_var]])
    register("TTEST_" + _stat, 2, 4 if _conf else 3, Kind.AGGREGATION)(
        _reducer(_ttest_call(0 if _conf else None, 1 if _conf else 0), _stat))
    register("TTESTW_" + _stat, 3, 5 if _conf else 4, Kind.AGGREGATION)(
        _reducer(_ttestw_call(0 if _conf else None, 1 if _conf else 0), _stat))
    # TTest1_x(value); TTest1_conf(value [, sig])
    register("TTEST1_" + _stat, 1, 2 if _conf else 1, Kind.AGGREGATION)(
        _reducer(_ttest1_call, _stat))
    register("TTEST1W_" + _stat, 2, 3 if _conf else 2, Kind.AGGREGATION)(
        _reducer(_ttest1w_call, _stat))

for _stat in ("Z", "DIF", "SIG", "STERR", "CONF", "LOWER", "UPPER"):
    _conf = _stat in _CONF
    # ZTest_x(value [, sigma]); ZTest_conf(value [, sigma [, sig]])
    register("ZTEST_" + _stat, 1, 3 if _conf else 2, Kind.AGGREGATION)(
        _reducer(_ztest_call, _stat))
    register("ZTESTW_" + _stat, 2, 4 if _conf else 3, Kind.AGGREGATION)(
        _reducer(_ztestw_call, _stat))
