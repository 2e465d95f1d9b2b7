"""Special functions over arrays, vectorized (scipy is not a dependency): log-gamma, the
regularized incomplete gamma and beta functions, the normal distribution and its
inverse, and root finding by bisection. What the distribution, combinatorial and
financial functions are computed with."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

Array = np.ndarray

# -- special functions (vectorized) ----------------------------------------------------

_LANCZOS_G = 7.0
_LANCZOS = (
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
)
_EPS = 1e-16
_TINY = 1e-300


def lgamma(x: Array) -> Array:
    """log(Gamma(x)) for x > 0 (Lanczos approximation, g = 7); NaN for x <= 0."""
    x = np.asarray(x, dtype=np.float64)
    good = x > 0
    z = np.where(good, x, 1.0)
    # reflection keeps accuracy for small z: lgamma(z) = lgamma(z + 1) - log(z)
    small = z < 0.5
    w = np.where(small, z + 1.0, z) - 1.0
    s = np.full(w.shape, _LANCZOS[0])
    for k in range(1, len(_LANCZOS)):
        s = s + _LANCZOS[k] / (w + k)
    t = w + _LANCZOS_G + 0.5
    out = 0.5 * math.log(2 * math.pi) + (w + 0.5) * np.log(t) - t + np.log(s)
    out = np.where(small, out - np.log(z), out)
    return np.where(good, out, np.nan)


def _gamma_series(a: Array, x: Array) -> Array:
    """Regularized lower incomplete gamma P(a, x) by its series (good for x < a + 1)."""
    term = 1.0 / a
    total = term.copy()
    n = a.copy()
    for _ in range(1000):
        n = n + 1.0
        term = term * x / n
        total = total + term
        if np.all(np.abs(term) <= np.abs(total) * _EPS):
            break
    return total * np.exp(-x + a * np.log(np.where(x > 0, x, 1.0)) - lgamma(a))


def _gamma_fraction(a: Array, x: Array) -> Array:
    """Regularized upper incomplete gamma Q(a, x) by its continued fraction (modified
    Lentz; good for x >= a + 1)."""
    b = x + 1.0 - a
    c = np.full(x.shape, 1.0 / _TINY)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, 1000):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = b + an / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        if np.all(np.abs(delta - 1.0) <= _EPS):
            break
    return np.exp(-x + a * np.log(x) - lgamma(a)) * h


def gammainc(a: Array, x: Array) -> tuple[Array, Array]:
    """(P(a, x), Q(a, x)), the regularized incomplete gamma functions, for a > 0, x >= 0."""
    a, x = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64))
    good = (a > 0) & (x >= 0) & np.isfinite(a) & np.isfinite(x)
    aa, xx = np.where(good, a, 1.0), np.where(good, x, 0.0)
    series = xx < aa + 1.0
    p = np.zeros(aa.shape)
    q = np.zeros(aa.shape)
    if series.any():
        ps = _gamma_series(aa[series], xx[series])
        p[series], q[series] = ps, 1.0 - ps
    rest = ~series
    if rest.any():
        qs = _gamma_fraction(aa[rest], xx[rest])
        q[rest], p[rest] = qs, 1.0 - qs
    p = np.where(xx == 0, 0.0, p)
    q = np.where(xx == 0, 1.0, q)
    return np.where(good, p, np.nan), np.where(good, q, np.nan)


def _beta_fraction(a: Array, b: Array, x: Array) -> Array:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones(x.shape)
    d = 1.0 - qab * x / qap
    d = np.where(np.abs(d) < _TINY, _TINY, d)
    d = 1.0 / d
    h = d.copy()
    for m in range(1, 3000):
        m2 = 2.0 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = 1.0 + aa / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        h = h * d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = 1.0 + aa / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        if np.all(np.abs(delta - 1.0) <= _EPS):
            break
    return h


def betainc(a: Array, b: Array, x: Array) -> Array:
    """The regularized incomplete beta function I_x(a, b) for a, b > 0, 0 <= x <= 1."""
    a, b, x = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, x)))
    good = (a > 0) & (b > 0) & (x >= 0) & (x <= 1) & np.isfinite(a) & np.isfinite(b)
    aa, bb = np.where(good, a, 1.0), np.where(good, b, 1.0)
    xx = np.where(good, x, 0.5)
    inner = (xx > 0) & (xx < 1)
    xi = np.where(inner, xx, 0.5)
    front = np.exp(lgamma(aa + bb) - lgamma(aa) - lgamma(bb)
                   + aa * np.log(xi) + bb * np.log1p(-xi))
    flip = xi > (aa + 1.0) / (aa + bb + 2.0)
    out = np.empty(xi.shape)
    keep = ~flip
    if keep.any():
        out[keep] = front[keep] * _beta_fraction(aa[keep], bb[keep], xi[keep]) / aa[keep]
    if flip.any():
        out[flip] = 1.0 - front[flip] * _beta_fraction(bb[flip], aa[flip], 1.0 - xi[flip]) / bb[flip]
    out = np.where(xx <= 0, 0.0, np.where(xx >= 1, 1.0, out))
    return np.where(good, out, np.nan)


def bisect(f: Callable[[Array], Array], target: Array, lo: Array, hi: Array,
            increasing: bool = True) -> Array:
    """The x in [lo, hi] where the monotonic f(x) = target (vectorized bisection)."""
    lo, hi = lo.astype(np.float64).copy(), hi.astype(np.float64).copy()
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        below = f(mid) < target
        if not increasing:
            below = ~below
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
        if np.all(hi - lo <= 2e-16 * np.maximum(np.abs(mid), 1e-300)):
            break
    return 0.5 * (lo + hi)


def upper_bound(f: Callable[[Array], Array], target: Array, increasing: bool = True) -> Array:
    """An x > 0 past which the monotonic f has crossed target (doubling from 1)."""
    hi = np.ones(target.shape)
    for _ in range(1100):
        v = f(hi)
        short = v < target if increasing else v > target
        short &= np.isfinite(hi)
        if not short.any():
            break
        hi = np.where(short, hi * 2.0, hi)
    return hi


def norm_cdf(z: Array) -> Array:
    """Standard normal distribution: 0.5 erfc(-z / sqrt 2), erfc from Q(1/2, t^2)."""
    t = z / math.sqrt(2.0)
    _, q = gammainc(np.full(t.shape, 0.5), t * t)
    return np.where(t < 0, 0.5 * q, 1.0 - 0.5 * q)


_ACKLAM_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
             1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00)
_ACKLAM_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
             6.680131188771972e01, -1.328068155288572e01)
_ACKLAM_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
             -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
_ACKLAM_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00,
             3.754408661907416e00)


def _poly(coef: tuple[float, ...], x: Array) -> Array:
    out = np.full(x.shape, coef[0])
    for c in coef[1:]:
        out = out * x + c
    return out


def norm_ppf(p: Array) -> Array:
    """Inverse standard normal for 0 < p < 1: Acklam's rational approximation and
    Halley refinement steps on the distribution above."""
    p = np.asarray(p, dtype=np.float64)
    good = (p > 0) & (p < 1)
    pp = np.where(good, p, 0.5)
    low = pp < 0.02425
    high = pp > 1 - 0.02425
    q = np.sqrt(-2 * np.log(np.where(low, pp, np.where(high, 1 - pp, 0.5))))
    r = (pp - 0.5) ** 2
    central = (_poly(_ACKLAM_A, r) * (pp - 0.5)) / (_poly(_ACKLAM_B, r) * r + 1)
    tail = _poly(_ACKLAM_C, q) / (_poly(_ACKLAM_D, q) * q + 1)
    x = np.where(low, tail, np.where(high, -tail, central))
    for _ in range(2):
        e = norm_cdf(x) - pp
        u = e * math.sqrt(2 * math.pi) * np.exp(x * x / 2)
        x = x - u / (1 + x * u / 2)
    return np.where(good, x, np.nan)
