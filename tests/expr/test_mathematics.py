"""Mathematical, statistical, financial and color functions over many rows at once
(the one-row cases are golden cases: tests/golden/expr/mathematics.txt and colors.txt)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from associa.expr import Evaluator, Vec, parse
from associa.expr.registry import REGISTRY
from associa.values import Locale
from tests.expr.test_evaluate import ConstScope


def _scope(**columns: list) -> ConstScope:
    """A scope whose fields are the given columns (None: NULL; str: a text)."""
    n = len(next(iter(columns.values())))
    fields = {}
    for name, values in columns.items():
        num = np.array([v if isinstance(v, (int, float)) else np.nan for v in values], dtype=float)
        text = np.array([v if isinstance(v, str) else None for v in values], dtype=object)
        null = np.array([v is None for v in values])
        has_text = any(isinstance(v, str) for v in values)
        fields[name] = Vec(num, text if has_text else None, null)
    return ConstScope(n, fields)


def _eval(expr: str, scope: ConstScope) -> Vec:
    return Evaluator(scope.locale).eval(parse(expr), scope)


def _nums(v: Vec) -> list[float | None]:
    return [None if v.null[i] else float(v.num[i]) for i in range(v.n)]


def _texts(v: Vec) -> list[str | None]:
    return [v.value(i)[0] for i in range(v.n)]


def test_functions_are_registered_once_per_name() -> None:
    names = {
        "FMOD", "FRAC", "EVEN", "ODD", "BITCOUNT", "FACT", "COMBIN", "PERMUT", "LOG10", "SQR",
        "PI", "E", "SIN", "COS", "TAN", "ASIN", "ACOS", "ATAN", "ATAN2", "SINH", "COSH",
        "TANH", "BETADENSITY", "BETADIST", "BETAINV", "BINOMDIST", "BINOMFREQUENCY",
        "BINOMINV", "CHIDENSITY", "CHIDIST", "CHIINV", "FDENSITY", "FDIST", "FINV",
        "GAMMADIST", "GAMMAINV", "NORMDIST", "NORMINV", "POISSONDIST", "POISSONFREQUENCY",
        "POISSONINV", "TDENSITY", "TDIST", "TINV", "FV", "PV", "PMT", "NPER", "RATE",
        "BLACKANDSCHOLE", "RGB", "ARGB", "HSL", "COLORMIX1", "COLORMIX2", "BLACK", "BLUE",
        "BROWN", "CYAN", "DARKGRAY", "GREEN", "LIGHTBLUE", "LIGHTCYAN", "LIGHTGRAY",
        "LIGHTGREEN", "LIGHTMAGENTA", "LIGHTRED", "MAGENTA", "RED", "WHITE", "YELLOW",
    }
    assert names <= set(REGISTRY)
    # the functions of functions.py are still theirs
    assert REGISTRY["ROUND"].impl.__module__ == "associa.expr.functions"
    assert REGISTRY["FMOD"].impl.__module__ == "associa.expr.mathematics"


def test_fmod_per_row_with_null_and_text() -> None:
    scope = _scope(X=[7, -4, None, "abc", "9", 5], Y=[2, 3, 2, 2, 4, 0])
    assert _nums(_eval("Fmod(X, Y)", scope)) == [1, -1, None, None, 1, None]


def test_even_odd_per_row() -> None:
    scope = _scope(X=[0, 1, 2.5, None, -7])
    assert _nums(_eval("Even(X)", scope)) == [-1, 0, None, None, 0]
    assert _nums(_eval("Odd(X)", scope)) == [0, -1, None, None, -1]


def test_bitcount_per_row() -> None:
    scope = _scope(X=[0, 1, 7, -1, -2, 2**31, None])
    assert _nums(_eval("BitCount(X)", scope)) == [0, 1, 3, 32, 31, 1, None]


def test_combinatorics_per_row() -> None:
    scope = _scope(P=[35, 8, 3, 10, 60], Q=[7, 3, 4, 0, 30])
    combin = _nums(_eval("Combin(P, Q)", scope))
    assert combin[:4] == [6724520, 56, None, 1]
    assert combin[4] == pytest.approx(math.comb(60, 30), rel=1e-14)
    assert _nums(_eval("Permut(P, Q)", scope))[:4] == [
        float(math.perm(35, 7)), 336, None, 1,
    ]
    fact = _nums(_eval("Fact(P)", scope))
    assert fact[1] == 40320 and fact[4] == pytest.approx(math.factorial(60), rel=1e-12)


def test_trigonometry_per_row_domain_errors_are_null() -> None:
    scope = _scope(X=[0.5, 2, -1, None])
    asin = _nums(_eval("Asin(X)", scope))
    assert asin[0] == pytest.approx(math.asin(0.5)) and asin[1] is None
    assert asin[2] == pytest.approx(-math.pi / 2) and asin[3] is None
    assert _nums(_eval("Log10(X * 20)", scope))[:3] == [1, pytest.approx(math.log10(40)), None]


def test_distributions_invert_per_row() -> None:
    scope = _scope(X=[0.5, 3.0, 8.0, 20.0], DF=[1, 2, 15, 40])
    p = _eval("ChiDist(X, DF)", scope)
    back = _eval("ChiInv(ChiDist(X, DF), DF)", scope)
    assert _nums(back) == pytest.approx([0.5, 3.0, 8.0, 20.0], rel=1e-9)
    assert all(q is not None and 0 < q < 1 for q in _nums(p))
    t = _eval("TInv(TDist(X, DF, 2), DF)", scope)
    assert _nums(t) == pytest.approx([0.5, 3.0, 8.0, 20.0], rel=1e-8)
    f = _eval("FInv(FDist(X, DF, 5), DF, 5)", scope)
    assert _nums(f) == pytest.approx([0.5, 3.0, 8.0, 20.0], rel=1e-8)
    g = _eval("GammaInv(GammaDist(X, DF, 2), DF, 2)", scope)
    assert _nums(g) == pytest.approx([0.5, 3.0, 8.0, 20.0], rel=1e-8)


def test_normal_distribution_per_row() -> None:
    scope = _scope(P=[0.001, 0.025, 0.5, 0.975, 0.999999, None, 0])
    z = _nums(_eval("NormInv(P, 0, 1)", scope))
    assert z[:5] == pytest.approx([-3.090232306167813, -1.959963984540054, 0.0,
                                   1.959963984540054, 4.753424308822899], rel=1e-11, abs=1e-12)
    assert z[5:] == [None, None]
    back = _nums(_eval("NormDist(NormInv(P, 10, 2), 10, 2)", scope))
    assert back[:5] == pytest.approx([0.001, 0.025, 0.5, 0.975, 0.999999], rel=1e-12)


def test_discrete_distributions_per_row() -> None:
    scope = _scope(K=[0, 3, 10, 5], N=[10, 10, 10, 20], P=[0.5, 0.5, 0.5, 0.3])
    cdf = _nums(_eval("BinomDist(K, N, P)", scope))
    exact = [sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))
             for k, n, p in [(0, 10, 0.5), (3, 10, 0.5), (10, 10, 0.5), (5, 20, 0.3)]]
    assert cdf == pytest.approx(exact, rel=1e-12)
    inv = _nums(_eval("BinomInv(BinomDist(K, N, P), N, P)", scope))
    assert inv == [0, 3, 10, 5]
    scope = _scope(K=[0, 2, 7, 30], M=[1.5, 3, 3, 25])
    pmf = _nums(_eval("PoissonFrequency(K, M)", scope))
    want = [math.exp(-m) * m**k / math.factorial(k) for k, m in [(0, 1.5), (2, 3), (7, 3), (30, 25)]]
    assert pmf == pytest.approx(want, rel=1e-12)
    assert _nums(_eval("PoissonInv(PoissonDist(K, M), M)", scope)) == [0, 2, 7, 30]


def test_financial_functions_per_row_format_as_money() -> None:
    scope = _scope(R=[0.1 / 12, 0, None, 0.05], N=[8, 10, 8, 5], PV=[20000, 1000, 1, 100])
    v = _eval("Pmt(R, N, PV)", scope)
    assert _texts(v) == ["-$ 2594.66", "-$ 100.00", None, "-$ 23.10"]
    assert _nums(v)[0] == pytest.approx(-2594.657613843474, rel=1e-12)
    fv = _eval("FV(R, N, Pmt(R, N, PV), PV)", scope)  # paying the loan off leaves nothing
    assert [x if x is None else round(x, 9) for x in _nums(fv)] == [0, 0, None, 0]


def test_money_text_follows_the_locale() -> None:
    euro = Locale.from_variables({"MoneyFormat": "#.##0,00 €;-#.##0,00 €",
                                  "MoneyDecimalSep": ",", "MoneyThousandSep": "."})
    scope = ConstScope(locale=euro)
    assert _eval("Pmt(0.1/12, 8, 20000)", scope).value(0)[0] == "-2.594,66 €"


def test_rate_per_row_null_where_no_solution() -> None:
    scope = _scope(N=[60, 12, 10, 48], PMT=[-300, -100, 100, -250], PV=[10000, 1000, 1000, 10000])
    v = _eval("Rate(N, PMT, PV)", scope)
    rates = _nums(v)
    assert rates[2] is None
    assert _texts(v)[:2] == ["2.18%", "2.92%"]
    back = _nums(_eval("Pmt(Rate(N, PMT, PV), N, PV)", scope))
    assert [back[i] for i in (0, 1, 3)] == pytest.approx([-300, -100, -250], rel=1e-9)


def test_nper_round_trip_per_row() -> None:
    scope = _scope(R=[0.005, 0.01, 0], PMT=[-20, -100, -50], PV=[0, 1000, 1000], FV=[800, 0, 0])
    n = _nums(_eval("nPer(R, PMT, PV, FV)", scope))
    assert n[0] == pytest.approx(36.555396359191576) and n[2] == 20
    assert _nums(_eval("PV(R, nPer(R, PMT, PV, FV), PMT, FV)", scope)) == pytest.approx(
        [0, 1000, 1000], abs=1e-9)


def test_black_and_schole_call_put_parity_per_row() -> None:
    scope = _scope(K=[130, 100, 50], T=[4, 1, 0.5], S=[68.5, 100, 60], V=[0.4, 0.2, 0.3],
                   R=[0.04, 0.05, 0.01])
    call = np.array(_nums(_eval("BlackAndSchole(K, T, S, V, R, 'call')", scope)))
    put = np.array(_nums(_eval("BlackAndSchole(K, T, S, V, R, 'put')", scope)))
    k, t, s, r = (np.array(x) for x in ([130, 100, 50], [4, 1, 0.5], [68.5, 100, 60],
                                         [0.04, 0.05, 0.01]))
    assert call - put == pytest.approx(s - k * np.exp(-r * t), rel=1e-10)
    assert call[0] == pytest.approx(11.245, abs=5e-4)
    assert call[1] == pytest.approx(10.450583572185565, rel=1e-9)


def test_black_and_schole_type_per_row() -> None:
    scope = _scope(C=["c", "PUT", 2, 0, "x", None])
    v = _eval("BlackAndSchole(100, 1, 100, 0.2, 0.05, C)", scope)
    nums = _nums(v)
    assert nums[0] == nums[2] and nums[1] == nums[3]
    assert nums[4] is None and nums[5] is None


def test_colors_per_row() -> None:
    scope = _scope(R=[255, 0, 256, None, "7"], G=[0, 255, 0, 0, 8], B=[0, 0, 0, 0, 9])
    v = _eval("RGB(R, G, B)", scope)
    assert _texts(v) == ["RGB(255,0,0)", "RGB(0,255,0)", None, None, "RGB(7,8,9)"]
    assert _nums(v)[:2] == [0xFFFF0000, 0xFF00FF00]
    a = _eval("ARGB(G, R, 0, B)", scope)
    assert _texts(a)[:2] == ["ARGB(0,255,0,0)", "ARGB(255,0,0,0)"]


def test_colormix_per_row() -> None:
    scope = _scope(V=[0, 0.5, 1, -0.1, None])
    v = _eval("Colormix1(V, black(), white())", scope)
    assert _texts(v) == ["ARGB(255,0,0,0)", "ARGB(255,128,128,128)", "ARGB(255,255,255,255)",
                         None, None]
    scope = _scope(V=[-1, -0.5, 0, 0.5, 1])
    v = _eval("Colormix2(V, RGB(0,0,0), RGB(200,100,0), RGB(100,100,100))", scope)
    assert _texts(v) == ["ARGB(255,0,0,0)", "ARGB(255,50,50,50)", "ARGB(255,100,100,100)",
                         "ARGB(255,150,100,50)", "ARGB(255,200,100,0)"]


def test_named_colors_with_alpha_per_row() -> None:
    scope = _scope(A=[None, 0, 128, 255, 300])
    v = _eval("Blue(A)", scope)
    assert _texts(v) == [None, "ARGB(0,0,0,128)", "ARGB(128,0,0,128)", "ARGB(255,0,0,128)", None]
    assert _texts(_eval("Blue()", scope)) == ["RGB(0,0,128)"] * 5


def test_hsl_per_row() -> None:
    scope = _scope(H=[0, 1 / 6, 1 / 3, 0.5, 2 / 3, 5 / 6, 1])
    v = _eval("HSL(H, 1, 0.5)", scope)
    assert _texts(v) == ["RGB(255,0,0)", "RGB(255,255,0)", "RGB(0,255,0)", "RGB(0,255,255)",
                         "RGB(0,0,255)", "RGB(255,0,255)", "RGB(255,0,0)"]
