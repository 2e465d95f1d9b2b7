"""Number, financial, trigonometric and combinatorial functions (help "Numeric functions", "Financial functions", "Exponential and logarithmic functions", "Trigonometric and hyperbolic functions").

Also the statistical distribution functions (help "Statistical distribution functions":
BetaDensity .. TInv), computed with our own vectorized special functions (log-gamma,
regularized incomplete gamma and beta, inverses by bisection), since scipy is not a
dependency.

Common rules (help pages of each function, "All arguments must be numeric, else NULL"):
every argument is read as a number (a text that reads as a number counts); NULL or a
non-numeric argument gives NULL; a result outside the function's domain (or infinite)
gives NULL. Round(), Floor(), Ceil(), Fabs(), Sqrt(), Exp(), Log(), Sign(), Pow(), Mod(),
Div() and Rand() live in ``functions.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from associa.expr import ast
from associa.expr.evaluate import Evaluator, Scope, function
from associa.expr.vector import Vec
from associa.values import format_number

Array = np.ndarray


def _numbers(ev: Evaluator, call: ast.Call, scope: Scope) -> tuple[list[Array], Array]:
    """The arguments as numbers, and where any of them is NULL or not a number."""
    nums = [ev.eval(arg, scope).as_numbers() for arg in call.args]
    null = np.zeros(scope.n, dtype=bool)
    for x in nums:
        null |= np.isnan(x)
    return nums, null


def _finish(r: Array, null: Array) -> Vec:
    r = np.asarray(r, dtype=np.float64)
    r = np.where(np.isfinite(r), r, np.nan)
    return Vec.numbers(r, null)


def _numeric(fn: Callable[..., Array], defaults: tuple[float, ...] = ()):
    """A function of numbers, element-wise; optional trailing arguments take ``defaults``
    (the last ``len(defaults)`` parameters)."""

    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        nums, null = _numbers(ev, call, scope)
        if defaults:
            n_required = fn.__code__.co_argcount - len(defaults)
            missing = defaults[len(nums) - n_required :]
            nums = nums + [np.full(scope.n, d) for d in missing]
        with np.errstate(all="ignore"):
            r = fn(*nums)
        return _finish(r, null)

    return impl


def _register(name: str, lo: int, hi: int, fn: Callable[..., Array],
              defaults: tuple[float, ...] = ()) -> None:
    function(name, lo, hi)(_numeric(fn, defaults))


def _bool(mask: Array, ok: Array) -> Array:
    """-1/0 where ``ok``, NaN elsewhere."""
    return np.where(ok, np.where(mask, -1.0, 0.0), np.nan)


def _is_int(x: Array) -> Array:
    return np.isfinite(x) & (x == np.trunc(x))


# -- general numeric functions ---------------------------------------------------------


def _fmod(a: Array, b: Array) -> Array:
    """Help "Fmod": remainder of the truncating division; its sign follows the dividend
    (fmod(-4, 3) = -1, fmod(4, -3) = 1). A zero divisor gives NULL."""
    return np.where(b == 0, np.nan, np.fmod(a, np.where(b == 0, 1.0, b)))


def _frac(x: Array) -> Array:
    """Help "Frac": Frac(x) + Floor(x) = x, so Frac(-1.4) = 0.6."""
    return x - np.floor(x)


def _even(x: Array) -> Array:
    return _bool(np.fmod(x, 2.0) == 0, _is_int(x))


def _odd(x: Array) -> Array:
    return _bool(np.fmod(x, 2.0) != 0, _is_int(x))


def _int32(x: Array) -> Array:
    """Truncated and wrapped to signed 32-bit integers (as the bit operators do)."""
    safe = np.where(np.isfinite(x), x, 0.0)
    return np.fmod(np.trunc(safe), 2.0**32).astype(np.int64).astype(np.int32)


def _bitcount(x: Array) -> Array:
    """Help "BitCount": the set bits of x read as a signed 32-bit integer
    (BitCount(-1) = 32)."""
    v = _int32(x).view(np.uint32).astype(np.uint64)
    count = np.zeros(v.shape, dtype=np.uint64)
    for _ in range(32):
        count += v & np.uint64(1)
        v >>= np.uint64(1)
    return count.astype(np.float64)


_FACTORIALS = np.array([float(math.factorial(k)) for k in range(171)])


def _factorial(n: Array) -> Array:
    """n! for integer-valued n in 0..170 (exact below 2**53), inf above, NaN below 0."""
    idx = np.clip(np.where(np.isfinite(n), n, 0), 0, 170).astype(np.int64)
    out = _FACTORIALS[idx]
    return np.where(n > 170, np.inf, np.where(n < 0, np.nan, out))


def _fact(x: Array) -> Array:
    """Help "Fact": x truncated; non-positive numbers give NULL (so Fact(0) is NULL)."""
    n = np.trunc(x)
    return np.where(n < 1, np.nan, _factorial(n))


def _exact_ratio(num: Array, den: Array, logval: Array) -> Array:
    """num / den rounded to an integer where both are finite factorials, else from the
    log-gamma value (large arguments)."""
    ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
    small = np.round(num / np.where(ok, den, 1.0))
    return np.where(ok, small, np.exp(logval))


def _combin(p: Array, q: Array) -> Array:
    """Help "Combin": p! / (q! (p-q)!), non-integer arguments truncated;
    Combin(35, 7) = 6724520. q > p or negative arguments give NULL."""
    p, q = np.trunc(p), np.trunc(q)
    bad = (p < 0) | (q < 0) | (q > p)
    qq = np.where(bad, 0.0, q)
    pp = np.where(bad, 0.0, p)
    den = _factorial(qq) * _factorial(pp - qq)
    logval = _lgamma(pp + 1) - _lgamma(qq + 1) - _lgamma(pp - qq + 1)
    return np.where(bad, np.nan, _exact_ratio(_factorial(pp), den, logval))


def _permut(p: Array, q: Array) -> Array:
    """Help "Permut": p! / (p-q)!, non-integer arguments truncated; Permut(8, 3) = 336."""
    p, q = np.trunc(p), np.trunc(q)
    bad = (p < 0) | (q < 0) | (q > p)
    qq = np.where(bad, 0.0, q)
    pp = np.where(bad, 0.0, p)
    logval = _lgamma(pp + 1) - _lgamma(pp - qq + 1)
    return np.where(bad, np.nan, _exact_ratio(_factorial(pp), _factorial(pp - qq), logval))


_register("FMOD", 2, 2, _fmod)
_register("FRAC", 1, 1, _frac)
_register("EVEN", 1, 1, _even)
_register("ODD", 1, 1, _odd)
_register("BITCOUNT", 1, 1, _bitcount)
_register("FACT", 1, 1, _fact)
_register("COMBIN", 2, 2, _combin)
_register("PERMUT", 2, 2, _permut)


# -- exponential, logarithmic, trigonometric, hyperbolic ---------------------------------


def _domain(fn: Callable[[Array], Array], ok: Callable[[Array], Array]):
    """fn where ok(x), NULL elsewhere (no warnings for the rows left out)."""

    def run(x: Array) -> Array:
        good = ok(x)
        return np.where(good, fn(np.where(good, x, 1.0)), np.nan)

    return run


_register("LOG10", 1, 1, _domain(np.log10, lambda x: x > 0))
_register("SQR", 1, 1, lambda x: x * x)
_register("SIN", 1, 1, np.sin)
_register("COS", 1, 1, np.cos)
_register("TAN", 1, 1, np.tan)
_register("ASIN", 1, 1, _domain(np.arcsin, lambda x: np.abs(x) <= 1))
_register("ACOS", 1, 1, _domain(np.arccos, lambda x: np.abs(x) <= 1))
_register("ATAN", 1, 1, np.arctan)
_register("ATAN2", 2, 2, np.arctan2)
_register("SINH", 1, 1, np.sinh)
_register("COSH", 1, 1, np.cosh)
_register("TANH", 1, 1, np.tanh)


@function("PI", 0, 0)
def pi_(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    return Vec.constant_number(math.pi, scope.n)


@function("E", 0, 0)
def e_(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    return Vec.constant_number(math.e, scope.n)


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


def _lgamma(x: Array) -> Array:
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
    return total * np.exp(-x + a * np.log(np.where(x > 0, x, 1.0)) - _lgamma(a))


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
    return np.exp(-x + a * np.log(x) - _lgamma(a)) * h


def _gammainc(a: Array, x: Array) -> tuple[Array, Array]:
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


def _betainc(a: Array, b: Array, x: Array) -> Array:
    """The regularized incomplete beta function I_x(a, b) for a, b > 0, 0 <= x <= 1."""
    a, b, x = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, x)))
    good = (a > 0) & (b > 0) & (x >= 0) & (x <= 1) & np.isfinite(a) & np.isfinite(b)
    aa, bb = np.where(good, a, 1.0), np.where(good, b, 1.0)
    xx = np.where(good, x, 0.5)
    inner = (xx > 0) & (xx < 1)
    xi = np.where(inner, xx, 0.5)
    front = np.exp(_lgamma(aa + bb) - _lgamma(aa) - _lgamma(bb)
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


def _bisect(f: Callable[[Array], Array], target: Array, lo: Array, hi: Array,
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


def _upper_bound(f: Callable[[Array], Array], target: Array, increasing: bool = True) -> Array:
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


def _norm_cdf(z: Array) -> Array:
    """Standard normal distribution: 0.5 erfc(-z / sqrt 2), erfc from Q(1/2, t^2)."""
    t = z / math.sqrt(2.0)
    _, q = _gammainc(np.full(t.shape, 0.5), t * t)
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


def _norm_ppf(p: Array) -> Array:
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
        e = _norm_cdf(x) - pp
        u = e * math.sqrt(2 * math.pi) * np.exp(x * x / 2)
        x = x - u / (1 + x * u / 2)
    return np.where(good, x, np.nan)


# -- statistical distribution functions ----------------------------------------------------


def _pos_int(x: Array) -> Array:
    """Degrees of freedom and counts: truncated; NaN below 1."""
    t = np.trunc(x)
    return np.where(t >= 1, t, np.nan)


def _chidist(x: Array, df: Array) -> Array:
    """Help "ChiDist": the upper tail of the chi2 distribution; ChiDist(8, 15) = 0.9238."""
    k = _pos_int(df)
    _, q = _gammainc(k / 2, np.where(x >= 0, x, np.nan) / 2)
    return q


def _chiinv(p: Array, df: Array) -> Array:
    """Help "ChiInv": the x with ChiDist(x, df) = p."""
    k = _pos_int(df)
    good = (p > 0) & (p <= 1) & np.isfinite(k)
    kk = np.where(good, k, 1.0)
    pp = np.where(good, p, 0.5)

    def upper(x: Array) -> Array:
        return _gammainc(kk / 2, x / 2)[1]

    hi = _upper_bound(upper, pp, increasing=False)
    x = _bisect(upper, pp, np.zeros(pp.shape), hi, increasing=False)
    return np.where(good, np.where(pp == 1, 0.0, x), np.nan)


def _chidensity(x: Array, df: Array) -> Array:
    k = _pos_int(df)
    good = (x >= 0) & np.isfinite(k)
    kk, xx = np.where(good, k, 2.0), np.where(good, x, 1.0)
    with np.errstate(all="ignore"):
        logpdf = ((kk / 2 - 1) * np.log(xx) - xx / 2 - (kk / 2) * math.log(2) - _lgamma(kk / 2))
        out = np.exp(logpdf)
    out = np.where(xx == 0, np.where(kk == 2, 0.5, np.where(kk < 2, np.inf, 0.0)), out)
    return np.where(good, out, np.nan)


def _tdist(x: Array, df: Array, tails: Array) -> Array:
    """Help "TDist": tail probability of Student's t for value >= 0, tails 1 or 2;
    TDist(1, 30, 2) = 0.3253."""
    k = _pos_int(df)
    good = (x >= 0) & ((tails == 1) | (tails == 2)) & np.isfinite(k)
    kk, xx = np.where(good, k, 1.0), np.where(good, x, 0.0)
    one = 0.5 * _betainc(kk / 2, np.full(kk.shape, 0.5), kk / (kk + xx * xx))
    return np.where(good, np.where(tails == 2, 2 * one, one), np.nan)


def _tinv(p: Array, df: Array) -> Array:
    """Help "TInv": the t with TDist(t, df, 2) = p (two-tailed); TInv(0.3253086, 30) = 1."""
    k = _pos_int(df)
    good = (p > 0) & (p <= 1) & np.isfinite(k)
    kk, pp = np.where(good, k, 1.0), np.where(good, p, 0.5)
    half = np.full(kk.shape, 0.5)
    # I_w(k/2, 1/2) = p with w = k / (k + t^2): increasing in w
    w = _bisect(lambda w: _betainc(kk / 2, half, w), pp, np.zeros(pp.shape), np.ones(pp.shape))
    with np.errstate(all="ignore"):
        t = np.sqrt(kk * (1 - w) / w)
    return np.where(good, np.where(pp == 1, 0.0, t), np.nan)


def _tdensity(x: Array, df: Array) -> Array:
    k = _pos_int(df)
    log_c = _lgamma((k + 1) / 2) - _lgamma(k / 2) - 0.5 * np.log(k * math.pi)
    return np.exp(log_c - (k + 1) / 2 * np.log1p(x * x / k))


def _f_upper(x: Array, d1: Array, d2: Array) -> Array:
    return _betainc(d2 / 2, d1 / 2, d2 / (d2 + d1 * x))


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
    w = _bisect(lambda w: _betainc(b / 2, a / 2, w), pp, np.zeros(pp.shape), np.ones(pp.shape))
    with np.errstate(all="ignore"):
        x = b * (1 - w) / (a * w)
    return np.where(good, np.where(pp == 1, 0.0, x), np.nan)


def _fdensity(x: Array, d1: Array, d2: Array) -> Array:
    a, b = _pos_int(d1), _pos_int(d2)
    good = x > 0
    xx = np.where(good, x, 1.0)
    logpdf = (0.5 * (a * np.log(a * xx) + b * np.log(b) - (a + b) * np.log(a * xx + b))
              - np.log(xx) - (_lgamma(a / 2) + _lgamma(b / 2) - _lgamma((a + b) / 2)))
    return np.where(good, np.exp(logpdf), np.where(x == 0, np.where(a == 2, 1.0, 0.0), np.nan))


def _betadist(x: Array, a: Array, b: Array) -> Array:
    return _betainc(a, b, x)


def _betainv(p: Array, a: Array, b: Array) -> Array:
    good = (p >= 0) & (p <= 1) & (a > 0) & (b > 0)
    aa, bb = np.where(good, a, 1.0), np.where(good, b, 1.0)
    pp = np.where(good, p, 0.5)
    x = _bisect(lambda x: _betainc(aa, bb, x), pp, np.zeros(pp.shape), np.ones(pp.shape))
    return np.where(good, x, np.nan)


def _betadensity(x: Array, a: Array, b: Array) -> Array:
    good = (x > 0) & (x < 1) & (a > 0) & (b > 0)
    xx = np.where(good, x, 0.5)
    aa, bb = np.where(good, a, 1.0), np.where(good, b, 1.0)
    logpdf = ((aa - 1) * np.log(xx) + (bb - 1) * np.log1p(-xx)
              + _lgamma(aa + bb) - _lgamma(aa) - _lgamma(bb))
    return np.where(good, np.exp(logpdf), np.nan)


def _binom_args(k: Array, n: Array, p: Array) -> tuple[Array, Array, Array]:
    kk, nn = np.trunc(k), np.trunc(n)
    good = (kk >= 0) & (nn >= 0) & (kk <= nn) & (p >= 0) & (p <= 1)
    return good, np.where(good, kk, 0.0), np.where(good, nn, 0.0)


def _binom_cdf(k: Array, n: Array, p: Array) -> Array:
    """P(X <= k) = I_{1-p}(n - k, k + 1) for k < n; 1 at k = n."""
    inner = k < n
    out = _betainc(np.where(inner, n - k, 1.0), k + 1, 1.0 - p)
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
        logc = _lgamma(nn + 1) - _lgamma(kk + 1) - _lgamma(nn - kk + 1)
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
    p, _ = _gammainc(k, np.where(good, x / np.where(good, theta, 1.0), np.nan))
    return p


def _gammainv(prob: Array, k: Array, theta: Array) -> Array:
    good = (prob >= 0) & (prob < 1) & (k > 0) & (theta > 0)
    kk, tt = np.where(good, k, 1.0), np.where(good, theta, 1.0)
    pp = np.where(good, prob, 0.5)

    def lower(x: Array) -> Array:
        return _gammainc(kk, x)[0]

    hi = _upper_bound(lower, pp)
    return np.where(good, _bisect(lower, pp, np.zeros(pp.shape), hi) * tt, np.nan)


def _normdist(x: Array, mean: Array, sd: Array, cumulative: Array) -> Array:
    """Help "NormDist": NORMDIST(value, [mean 0], [standard_dev 1], [cumulative 1]);
    cumulative 0 gives the density. NormDist(0.5, 0, 1) = 0.6915."""
    good = sd > 0
    s = np.where(good, sd, 1.0)
    z = (x - mean) / s
    density = np.exp(-z * z / 2) / (s * math.sqrt(2 * math.pi))
    out = np.where(cumulative != 0, _norm_cdf(z), density)
    return np.where(good, out, np.nan)


def _norminv(p: Array, mean: Array, sd: Array) -> Array:
    return np.where(sd > 0, mean + sd * _norm_ppf(p), np.nan)


def _poisson_cdf(k: Array, mean: Array) -> Array:
    """P(X <= k) = Q(k + 1, mean)."""
    return np.where(mean == 0, 1.0, _gammainc(k + 1, np.where(mean == 0, 1.0, mean))[1])


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
        out = np.exp(np.where(kk > 0, kk * np.log(m), 0.0) - m - _lgamma(kk + 1))
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


# -- financial functions -------------------------------------------------------------------
#
# Help "Financial functions": cash paid out is negative, cash received positive; type 0
# (default) means payments at the end of each period, 1 at the beginning. FV, PV and Pmt
# are formatted as money by default (help "FV", "PV", "Pmt": "By default, the result will
# be formatted as currency"), Rate as "Fix two decimals and %" (help "Rate").


def _growth(rate: Array, nper: Array) -> Array:
    return np.power(1.0 + rate, nper)


def _annuity(rate: Array, nper: Array, kind: Array) -> Array:
    """The future value of one unit paid each period: ((1+r)^n - 1) / r, times (1 + r)
    for payments at the beginning of the period; n for a zero rate."""
    safe = np.where(rate == 0, 1.0, rate)
    factor = np.expm1(nper * np.log1p(safe)) / safe * (1.0 + safe * kind)
    return np.where(rate == 0, nper, factor)


def _kind(t: Array) -> Array:
    return np.where(t != 0, 1.0, 0.0)


def _fv(rate: Array, nper: Array, pmt: Array, pv: Array, t: Array) -> Array:
    """Help "FV": FV(0.005, 36, -20) = $786.72."""
    return -(pv * _growth(rate, nper) + pmt * _annuity(rate, nper, _kind(t)))


def _pv(rate: Array, nper: Array, pmt: Array, fv: Array, t: Array) -> Array:
    """Help "PV": PV(0.07/12, 12*5, -100, 0, 0) = $5,050.20."""
    return -(fv + pmt * _annuity(rate, nper, _kind(t))) / _growth(rate, nper)


def _pmt(rate: Array, nper: Array, pv: Array, fv: Array, t: Array) -> Array:
    """Help "Pmt": Pmt(0.1/12, 8, 20000) = -$2,594.66; with type 1, -$2,573.21."""
    return -(fv + pv * _growth(rate, nper)) / _annuity(rate, nper, _kind(t))


def _nper(rate: Array, pmt: Array, pv: Array, fv: Array, t: Array) -> Array:
    """Help "nPer": nPer(0.005, -20, 0, 800) = 36.56."""
    kind = _kind(t)
    safe = np.where(rate == 0, 1.0, rate)
    due = pmt * (1.0 + safe * kind)
    with np.errstate(all="ignore"):
        n = np.log((due - fv * safe) / (due + pv * safe)) / np.log1p(safe)
        flat = -(pv + fv) / pmt
    return np.where(rate == 0, flat, n)


def _rate(nper: Array, pmt: Array, pv: Array, fv: Array, t: Array) -> Array:
    """Help "Rate": found by iteration; NULL where it does not converge. Newton steps on
    pv (1+r)^n + pmt (1 + r type) ((1+r)^n - 1) / r + fv = 0 from r = 0.1 (vectorized)."""
    kind = _kind(t)
    r = np.full(nper.shape, 0.1)
    done = np.zeros(nper.shape, dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(100):
            g = _growth(r, nper)
            small = np.abs(r) < 1e-10
            rs = np.where(small, 1e-10, r)
            ann = np.where(small, nper, (g - 1) / rs)
            f = pv * g + pmt * (1 + r * kind) * ann + fv
            dg = nper * g / (1 + r)
            dann = np.where(small, nper * (nper - 1) / 2, (dg * rs - (g - 1)) / (rs * rs))
            df = pv * dg + pmt * (kind * ann + (1 + r * kind) * dann)
            step = f / df
            r_new = r - step
            newly = np.abs(step) <= 1e-12 * np.maximum(1.0, np.abs(r_new))
            r = np.where(done, r, r_new)
            done |= newly & np.isfinite(r_new)
            if done.all():
                break
    return np.where(done & (r > -1), r, np.nan)


def _formatted(fn: Callable[..., Array], code: Callable[[Evaluator], str],
               defaults: tuple[float, ...]):
    """A financial function: numbers as _numeric, the text formatted with ``code``."""
    numeric = _numeric(fn, defaults)

    def impl(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
        v = numeric(ev, call, scope)
        lo = ev.locale
        fmt = code(ev)
        money = fmt == lo.money_format
        text = np.empty(scope.n, dtype=object)
        for i in np.flatnonzero(~v.null):
            if money:
                text[i] = format_number(float(v.num[i]), fmt, lo, lo.money_decimal_sep,
                                        lo.money_thousand_sep)
            else:
                text[i] = format_number(float(v.num[i]), fmt, lo)
        return Vec(v.num, text, v.null)

    return impl


def _money_code(ev: Evaluator) -> str:
    return ev.locale.money_format


def _percent_code(ev: Evaluator) -> str:
    return "0.00%"


function("FV", 3, 5)(_formatted(_fv, _money_code, (0.0, 0.0)))
function("PV", 3, 5)(_formatted(_pv, _money_code, (0.0, 0.0)))
function("PMT", 3, 5)(_formatted(_pmt, _money_code, (0.0, 0.0)))
function("RATE", 3, 5)(_formatted(_rate, _percent_code, (0.0, 0.0)))
_register("NPER", 3, 5, _nper, (0.0, 0.0))


@function("BLACKANDSCHOLE", 6, 6)
def black_and_schole(ev: Evaluator, call: ast.Call, scope: Scope) -> Vec:
    """Help "BlackAndSchole": the unmodified Black and Scholes value of a European option;
    BlackAndSchole(130, 4, 68.5, 0.4, 0.04, 'call') = 11.245. The type is 'c', 'call' or
    a non-zero number for a call, 'p', 'put' or 0 for a put (anything else: NULL). Strike,
    time left and underlying price must be > 0; volatility and risk-free rate non-zero."""
    values = [ev.eval(arg, scope) for arg in call.args]
    strike, time_left, price, vol, rate = (v.as_numbers() for v in values[:5])
    kind = values[5]
    kind_num = kind.as_numbers()
    kind_text = np.char.lower(np.asarray(kind.text_or_empty(ev.locale), dtype=str))
    is_call = np.isin(kind_text, ["c", "call"]) | (np.isfinite(kind_num) & (kind_num != 0))
    is_put = np.isin(kind_text, ["p", "put"]) | (kind_num == 0)
    null = ~(is_call | is_put) | kind.null
    for x in (strike, time_left, price, vol, rate):
        null |= np.isnan(x)
    null |= ~((strike > 0) & (time_left > 0) & (price > 0) & (vol != 0) & (rate != 0))
    with np.errstate(all="ignore"):
        root = vol * np.sqrt(time_left)
        d1 = (np.log(price / strike) + (rate + vol * vol / 2) * time_left) / root
        d2 = d1 - root
        discount = strike * np.exp(-rate * time_left)
        call_value = price * _norm_cdf(d1) - discount * _norm_cdf(d2)
        put_value = discount * _norm_cdf(-d2) - price * _norm_cdf(-d1)
    return _finish(np.where(is_call, call_value, put_value), null)
