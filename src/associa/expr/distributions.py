"""The statistical distribution functions (help "Statistical distribution functions":
BetaDensity .. TInv), computed with our own vectorized special functions (log-gamma,
regularized incomplete gamma and beta, inverses by bisection), since scipy is not a
dependency. Arguments follow ``mathematics.py``'s rules: read as numbers, NULL or a
non-numeric argument gives NULL, a result outside the domain gives NULL.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from associa.expr.mathematics import Array, _combin, _register
from associa.expr.special import (
    betainc,
    bisect,
    gammainc,
    lgamma,
    norm_cdf,
    norm_ppf,
    upper_bound,
)

# -- statistical distribution functions ----------------------------------------------------


def _pos_int(x: Array) -> Array:
    """Degrees of freedom and counts: truncated; NaN below 1."""
    t = np.trunc(x)
    return np.where(t >= 1, t, np.nan)


def _chidist(x: Array, df: Array) -> Array:
    """Help "ChiDist": the upper tail of the chi2 distribution; ChiDist(8, 15) = 0.9238."""
    k = _pos_int(df)
    _, q = gammainc(k / 2, np.where(x >= 0, x, np.nan) / 2)
    return q


def _chiinv(p: Array, df: Array) -> Array:
    """Help "ChiInv": the x with ChiDist(x, df) = p."""
    k = _pos_int(df)
    good = (p > 0) & (p <= 1) & np.isfinite(k)
    kk = np.where(good, k, 1.0)
    pp = np.where(good, p, 0.5)

    def upper(x: Array) -> Array:
        return gammainc(kk / 2, x / 2)[1]

    hi = upper_bound(upper, pp, increasing=False)
    x = bisect(upper, pp, np.zeros(pp.shape), hi, increasing=False)
    return np.where(good, np.where(pp == 1, 0.0, x), np.nan)


def _chidensity(x: Array, df: Array) -> Array:
    k = _pos_int(df)
    good = (x >= 0) & np.isfinite(k)
    kk, xx = np.where(good, k, 2.0), np.where(good, x, 1.0)
    with np.errstate(all="ignore"):
        logpdf = ((kk / 2 - 1) * np.log(xx) - xx / 2 - (kk / 2) * math.log(2) - lgamma(kk / 2))
        out = np.exp(logpdf)
    out = np.where(xx == 0, np.where(kk == 2, 0.5, np.where(kk < 2, np.inf, 0.0)), out)
    return np.where(good, out, np.nan)


def _tdist(x: Array, df: Array, tails: Array) -> Array:
    """Help "TDist": tail probability of Student's t for value >= 0, tails 1 or 2;
    TDist(1, 30, 2) = 0.3253."""
    k = _pos_int(df)
    good = (x >= 0) & ((tails == 1) | (tails == 2)) & np.isfinite(k)
    kk, xx = np.where(good, k, 1.0), np.where(good, x, 0.0)
    one = 0.5 * betainc(kk / 2, np.full(kk.shape, 0.5), kk / (kk + xx * xx))
    return np.where(good, np.where(tails == 2, 2 * one, one), np.nan)


def _tinv(p: Array, df: Array) -> Array:
    """Help "TInv": the t with TDist(t, df, 2) = p (two-tailed); TInv(0.3253086, 30) = 1."""
    k = _pos_int(df)
    good = (p > 0) & (p <= 1) & np.isfinite(k)
    kk, pp = np.where(good, k, 1.0), np.where(good, p, 0.5)
    half = np.full(kk.shape, 0.5)
    # I_w(k/2, 1/2) = p with w = k / (k + t^2): increasing in w
    w = bisect(lambda w: betainc(kk / 2, half, w), pp, np.zeros(pp.shape), np.ones(pp.shape))
    with np.errstate(all="ignore"):
        t = np.sqrt(kk * (1 - w) / w)
    return np.where(good, np.where(pp == 1, 0.0, t), np.nan)


def _tdensity(x: Array, df: Array) -> Array:
    k = _pos_int(df)
    log_c = lgamma((k + 1) / 2) - lgamma(k / 2) - 0.5 * np.log(k * math.pi)
    return np.exp(log_c - (k + 1) / 2 * np.log1p(x * x / k))


def _f_upper(x: Array, d1: Array, d2: Array) -> Array:
    return betainc(d2 / 2, d1 / 2, d2 / (d2 + d1 * x))


def _fdist(x: Array, d1: Array, d2: Array) -> Array:
    """Help "FDist": the upper tail of the F distribution."""
    k1, k2 = _pos_int(d1), _pos_int(d2)
    good = x >= 0
    return np.where(good, _f_upper(np.where(good, x, 0.0), k1, k2), np.nan)


def _finv(p: Array, d1: Array, d2: Array) -> Array:
    k1, k2 = _pos_int(d1), _pos_int(d2)
    good = (p > 0) & (p <= 1) & np.isfinite(k1) & np.isfinite(k2)
    a, b = np.where(good, k1, 1.0), np.where(good, k2, 1.0)
    pp = np.where(good, p, 0.5)
    # upper tail = I_w(d2/2, d1/2) with w = d2 / (d2 + d1 x): solve for w, increasing
    w = bisect(lambda w: betainc(b / 2, a / 2, w), pp, np.zeros(pp.shape), np.ones(pp.shape))
    with np.errstate(all="ignore"):
        x = b * (1 - w) / (a * w)
    return np.where(good, np.where(pp == 1, 0.0, x), np.nan)


def _fdensity(x: Array, d1: Array, d2: Array) -> Array:
    a, b = _pos_int(d1), _pos_int(d2)
    good = x > 0
    xx = np.where(good, x, 1.0)
    logpdf = (0.5 * (a * np.log(a * xx) + b * np.log(b) - (a + b) * np.log(a * xx + b))
              - np.log(xx) - (lgamma(a / 2) + lgamma(b / 2) - lgamma((a + b) / 2)))
    return np.where(good, np.exp(logpdf), np.where(x == 0, np.where(a == 2, 1.0, 0.0), np.nan))


def _betadist(x: Array, a: Array, b: Array) -> Array:
    return betainc(a, b, x)


def _betainv(p: Array, a: Array, b: Array) -> Array:
    good = (p >= 0) & (p <= 1) & (a > 0) & (b > 0)
    aa, bb = np.where(good, a, 1.0), np.where(good, b, 1.0)
    pp = np.where(good, p, 0.5)
    x = bisect(lambda x: betainc(aa, bb, x), pp, np.zeros(pp.shape), np.ones(pp.shape))
    return np.where(good, x, np.nan)


def _betadensity(x: Array, a: Array, b: Array) -> Array:
    good = (x > 0) & (x < 1) & (a > 0) & (b > 0)
    xx = np.where(good, x, 0.5)
    aa, bb = np.where(good, a, 1.0), np.where(good, b, 1.0)
    logpdf = ((aa - 1) * np.log(xx) + (bb - 1) * np.log1p(-xx)
              + lgamma(aa + bb) - lgamma(aa) - lgamma(bb))
    return np.where(good, np.exp(logpdf), np.nan)


def _binom_args(k: Array, n: Array, p: Array) -> tuple[Array, Array, Array]:
    kk, nn = np.trunc(k), np.trunc(n)
    good = (kk >= 0) & (nn >= 0) & (kk <= nn) & (p >= 0) & (p <= 1)
    return good, np.where(good, kk, 0.0), np.where(good, nn, 0.0)


def _binom_cdf(k: Array, n: Array, p: Array) -> Array:
    """P(X <= k) = I_{1-p}(n - k, k + 1) for k < n; 1 at k = n."""
    inner = k < n
    out = betainc(np.where(inner, n - k, 1.0), k + 1, 1.0 - p)
    return np.where(inner, out, 1.0)


def _binomdist(k: Array, n: Array, p: Array) -> Array:
    """Help "BinomDist": the cumulative binomial distribution (value truncated)."""
    good, kk, nn = _binom_args(k, n, p)
    return np.where(good, _binom_cdf(kk, nn, np.where(good, p, 0.5)), np.nan)


def _binomfrequency(k: Array, n: Array, p: Array) -> Array:
    """Help "BinomFrequency": the binomial probability of exactly k successes."""
    good, kk, nn = _binom_args(k, n, p)
    pp = np.where(good, p, 0.5)
    with np.errstate(all="ignore"):
        logc = lgamma(nn + 1) - lgamma(kk + 1) - lgamma(nn - kk + 1)
        logp = np.where(kk > 0, kk * np.log(pp), 0.0)
        logq = np.where(nn - kk > 0, (nn - kk) * np.log1p(-pp), 0.0)
        out = np.exp(logc + logp + logq)
    exact = _combin(nn, kk)
    small = np.isfinite(exact) & (exact < 2.0**53)
    direct = exact * np.where(kk > 0, pp**kk, 1.0) * np.where(nn - kk > 0, (1 - pp) ** (nn - kk), 1.0)
    return np.where(good, np.where(small, direct, out), np.nan)


def _int_search(cdf: Callable[[Array], Array], prob: Array, lo: Array, hi: Array) -> Array:
    """The smallest integer k in [lo, hi] with cdf(k) >= prob (hi if none)."""
    lo, hi = lo.copy(), hi.copy()
    while True:
        open_ = lo < hi
        if not open_.any():
            return hi
        mid = np.floor((lo + hi) / 2)
        reached = cdf(mid) >= prob
        hi = np.where(open_ & reached, mid, hi)
        lo = np.where(open_ & ~reached, mid + 1, lo)


def _binominv(prob: Array, n: Array, p: Array) -> Array:
    """Help "BinomInv": the smallest k whose cumulative binomial probability reaches prob."""
    nn = np.trunc(n)
    good = (prob >= 0) & (prob <= 1) & (nn >= 0) & (p >= 0) & (p <= 1)
    nn = np.where(good, nn, 0.0)
    pp = np.where(good, p, 0.5)
    target = np.where(good, prob, 0.0) * (1 - 1e-14)
    k = _int_search(lambda k: _binom_cdf(k, nn, pp), target, np.zeros(nn.shape), nn)
    return np.where(good, k, np.nan)


def _gammadist(x: Array, k: Array, theta: Array) -> Array:
    """Help "GammaDist": the cumulative gamma distribution with shape k and scale theta."""
    good = (x >= 0) & (theta > 0)
    p, _ = gammainc(k, np.where(good, x / np.where(good, theta, 1.0), np.nan))
    return p


def _gammainv(prob: Array, k: Array, theta: Array) -> Array:
    good = (prob >= 0) & (prob < 1) & (k > 0) & (theta > 0)
    kk, tt = np.where(good, k, 1.0), np.where(good, theta, 1.0)
    pp = np.where(good, prob, 0.5)

    def lower(x: Array) -> Array:
        return gammainc(kk, x)[0]

    hi = upper_bound(lower, pp)
    return np.where(good, bisect(lower, pp, np.zeros(pp.shape), hi) * tt, np.nan)


def _normdist(x: Array, mean: Array, sd: Array, cumulative: Array) -> Array:
    """Help "NormDist": NORMDIST(value, [mean 0], [standard_dev 1], [cumulative 1]);
    cumulative 0 gives the density. NormDist(0.5, 0, 1) = 0.6915."""
    good = sd > 0
    s = np.where(good, sd, 1.0)
    z = (x - mean) / s
    density = np.exp(-z * z / 2) / (s * math.sqrt(2 * math.pi))
    out = np.where(cumulative != 0, norm_cdf(z), density)
    return np.where(good, out, np.nan)


def _norminv(p: Array, mean: Array, sd: Array) -> Array:
    return np.where(sd > 0, mean + sd * norm_ppf(p), np.nan)


def _poisson_cdf(k: Array, mean: Array) -> Array:
    """P(X <= k) = Q(k + 1, mean)."""
    return np.where(mean == 0, 1.0, gammainc(k + 1, np.where(mean == 0, 1.0, mean))[1])


def _poissondist(k: Array, mean: Array) -> Array:
    kk = np.trunc(k)
    good = (kk >= 0) & (mean >= 0)
    return np.where(good, _poisson_cdf(np.where(good, kk, 0.0), np.where(good, mean, 1.0)),
                    np.nan)


def _poissonfrequency(k: Array, mean: Array) -> Array:
    kk = np.trunc(k)
    good = (kk >= 0) & (mean >= 0)
    kk, m = np.where(good, kk, 0.0), np.where(good, mean, 1.0)
    with np.errstate(all="ignore"):
        out = np.exp(np.where(kk > 0, kk * np.log(m), 0.0) - m - lgamma(kk + 1))
    out = np.where(m == 0, np.where(kk == 0, 1.0, 0.0), out)
    return np.where(good, out, np.nan)


def _poissoninv(prob: Array, mean: Array) -> Array:
    good = (prob >= 0) & (prob < 1) & (mean > 0)
    m = np.where(good, mean, 1.0)
    target = np.where(good, prob, 0.0) * (1 - 1e-14)

    def cdf(k: Array) -> Array:
        return _poisson_cdf(k, m)

    hi = np.ones(m.shape)
    for _ in range(64):
        short = cdf(hi) < target
        if not short.any():
            break
        hi = np.where(short, hi * 2, hi)
    return np.where(good, _int_search(cdf, target, np.zeros(m.shape), hi), np.nan)


_register("BETADENSITY", 3, 3, _betadensity)
_register("BETADIST", 3, 3, _betadist)
_register("BETAINV", 3, 3, _betainv)
_register("BINOMDIST", 3, 3, _binomdist)
_register("BINOMFREQUENCY", 3, 3, _binomfrequency)
_register("BINOMINV", 3, 3, _binominv)
_register("CHIDENSITY", 2, 2, _chidensity)
_register("CHIDIST", 2, 2, _chidist)
_register("CHIINV", 2, 2, _chiinv)
_register("FDENSITY", 3, 3, _fdensity)
_register("FDIST", 3, 3, _fdist)
_register("FINV", 3, 3, _finv)
_register("GAMMADIST", 3, 3, _gammadist)
_register("GAMMAINV", 3, 3, _gammainv)
_register("NORMDIST", 1, 4, _normdist, (0.0, 1.0, 1.0))
_register("NORMINV", 1, 3, _norminv, (0.0, 1.0))
_register("POISSONDIST", 2, 2, _poissondist)
_register("POISSONFREQUENCY", 2, 2, _poissonfrequency)
_register("POISSONINV", 2, 2, _poissoninv)
_register("TDENSITY", 2, 2, _tdensity)
_register("TDIST", 3, 3, _tdist)
_register("TINV", 2, 2, _tinv)
