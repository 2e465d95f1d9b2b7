"""The statistical test functions (``expr/stattests.py``): the help's worked examples
through LOAD … GROUP BY, and the reducers against formulas worked by hand (numpy, and the
t distribution integrated numerically: no shared code with the module's incomplete beta)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from associa.expr import REGISTRY, Vec
from associa.expr.aggregations import Arg

# the help's t-test and z-test sample data (help "Examples of how to use t-test
# functions") and the LOAD … GROUP BY reader are the statistics tests'
from tests.expr.test_statistics import _COMPARISON, _OBSERVATION, _load


def _crosstable(name: str, first: str, second: str, a: list[int], b: list[int]) -> str:
    rows = "\n".join(f"{i}|{x}|{y}" for i, (x, y) in enumerate(zip(a, b, strict=True)))
    return (f"{name}:\nCrosstable (Type, Value) LOAD * INLINE [\nID|{first}|{second}\n{rows}\n]"
            " (delimiter is '|');\n")


def _measures(prefix: str, args: str, stats: tuple[str, ...]) -> str:
    return ",\n".join(f"{prefix}_{s}({args}) as {prefix}_{s}" for s in stats)


def test_two_sample_t_test_of_the_help_example() -> None:
    """Help "Examples of how to use t-test functions": the Independent Sample Test table;
    set 'swapped' loads Comparison first: the same test with the samples' order turned."""
    script = (_crosstable("A", "Observation", "Comparison", _OBSERVATION, _COMPARISON)
              + _crosstable("B", "Comparison", "Observation", _COMPARISON, _OBSERVATION)
              + "T:\nLOAD 'help' as Set, Type, Value RESIDENT A;\n"
              + "LOAD 'swapped' as Set, Type, Value RESIDENT B;\nDROP TABLES A, B;\n"
              + "R:\nLOAD Set,\n"
              + _measures("TTest", "Type, Value", ("t", "df", "sig", "dif", "sterr")) + ",\n"
              + _measures("TTest", "Type, Value, 0.025, 0", ("conf", "lower", "upper")) + ",\n"
              + "TTest_df(Type, Value, 1) as eq_df, TTest_sig(Type, Value, True()) as eq_sig,\n"
              + "TTest_sterr(Type, Value, 1) as eq_sterr,\n"
              + "TTest_lower(Type, Value, 0.025, 1) as eq_lower,\n"
              + "TTest_upper(Type, Value, 0.025, 1) as eq_upper\n"
              + "RESIDENT T GROUP BY Set;\n")
    out = _load(script, "R", "Set")
    r = out["help"]
    assert r["TTest_t"] == pytest.approx(3.534, abs=5e-4)
    assert r["TTest_df"] == pytest.approx(37.116717335823, abs=1e-9)
    assert round(r["TTest_sig"], 3) == 0.001
    assert r["TTest_dif"] == pytest.approx(15.2, abs=1e-12)
    assert r["TTest_sterr"] == pytest.approx(4.30101, abs=5e-6)
    assert r["TTest_lower"] == pytest.approx(6.48625, abs=5e-6)
    assert r["TTest_upper"] == pytest.approx(23.9137, abs=5e-5)
    assert r["TTest_conf"] == pytest.approx(15.2 - 6.48625, abs=5e-6)
    assert r["eq_df"] == 38
    assert round(r["eq_sig"], 3) == 0.001
    assert r["eq_sterr"] == pytest.approx(4.30101, abs=5e-6)
    assert r["eq_lower"] == pytest.approx(6.49306, abs=5e-6)
    assert r["eq_upper"] == pytest.approx(23.9069, abs=5e-5)
    s = out["swapped"]
    assert s["TTest_t"] == pytest.approx(-r["TTest_t"], rel=1e-12)
    assert s["TTest_dif"] == pytest.approx(-15.2, abs=1e-12)
    assert s["TTest_lower"] == pytest.approx(-r["TTest_upper"], rel=1e-12)
    assert s["TTest_sig"] == pytest.approx(r["TTest_sig"], rel=1e-12)


def test_one_sample_and_z_tests_of_the_help_example() -> None:
    """Help "Examples of how to use z-test functions": ZTest Conf 6.40 / 5.48, Dif 11.95 /
    27.15, Sterr 3.27 / 2.80, Z 3.66 / 9.71 for Comparison / Observation (its Sig column is
    not reproduced: see the module). The one-sample t-test of the same data: the t
    quantile of 19 degrees at 0.975 is 2.0930240544083."""
    script = (_crosstable("T", "Observation", "Comparison", _OBSERVATION, _COMPARISON)
              + "R:\nLOAD Type,\n"
              + _measures("ZTest", "Value", ("conf", "dif", "sig", "sterr", "z", "lower")) + ",\n"
              + _measures("TTest1", "Value", ("conf", "dif", "sig", "sterr", "t", "df", "upper"))
              + ",\nZTest_z(Value, 10) as z_sigma, TTest1_conf(Value, 0.005) as t1_conf99\n"
              + "RESIDENT T GROUP BY Type;\n")
    out = _load(script, "R", "Type")
    want = {"Comparison": (6.40, 11.95, 3.27, 3.66), "Observation": (5.48, 27.15, 2.80, 9.71)}
    for name, (conf, dif, sterr, z) in want.items():
        r = out[name]
        assert round(r["ZTest_conf"], 2) == conf
        assert r["ZTest_dif"] == pytest.approx(dif, abs=1e-12)
        assert round(r["ZTest_sterr"], 2) == sterr
        assert round(r["ZTest_z"], 2) == z
        assert r["ZTest_lower"] == pytest.approx(dif - r["ZTest_conf"], abs=1e-12)
        assert r["z_sigma"] == pytest.approx(dif / (10 / math.sqrt(20)), rel=1e-12)
        # the two-tailed normal significance, erfc by the standard library
        assert r["ZTest_sig"] == pytest.approx(math.erfc(r["ZTest_z"] / math.sqrt(2)),
                                               rel=1e-9)
        assert r["TTest1_t"] == pytest.approx(r["ZTest_z"], rel=1e-12)
        assert r["TTest1_df"] == 19
        assert r["TTest1_conf"] == pytest.approx(2.0930240544083 * r["TTest1_sterr"], rel=1e-10)
        assert r["TTest1_upper"] == pytest.approx(dif + r["TTest1_conf"], rel=1e-12)
        assert r["TTest1_sig"] == pytest.approx(_t_two_tailed(r["TTest1_t"], 19), rel=1e-7)
        # 99% interval: t quantile of 19 degrees at 0.995 = 2.8609346
        assert r["t1_conf99"] == pytest.approx(2.8609346 * r["TTest1_sterr"], rel=1e-7)


def test_chi2_tests_of_the_help_examples() -> None:
    """Help "Examples of how to use chi2-test functions": Sample_1 and Sample_2 tested for
    independence, Sample_3 against expected values (it is Excel's CHITEST example, whose
    help gives 0.0003082)."""
    script = (
        "S:\nLOAD * INLINE [\nSet,Col,Row,Count\n"
        "s1,I,A,15\ns1,I,B,7\ns1,I,C,9\ns1,I,D,20\ns1,I,E,26\ns1,I,F,19\n"
        "s1,II,A,10\ns1,II,B,11\ns1,II,C,7\ns1,II,D,15\ns1,II,E,21\ns1,II,F,16\n"
        "s2,1,2,58\ns2,1,1,11\ns2,1,0,10\ns2,2,2,35\ns2,2,1,25\ns2,2,0,23\n];\n"
        "R:\nLOAD Set, Chi2Test_chi2(Col, Row, Count) as chi2, Chi2Test_df(Col, Row, Count) as df,"
        " Chi2Test_p(Col, Row, Count) as p RESIDENT S GROUP BY Set;\n"
        "E:\nLOAD * INLINE [\nGender,Description,Actual,Expected\n"
        "Men,Agree,58,45.35\nMen,Neutral,11,17.56\nMen,Disagree,10,16.09\n"
        "Women,Agree,35,47.65\nWomen,Neutral,25,18.44\nWomen,Disagree,23,16.91\n];\n"
        "X:\nLOAD 'x' as K, Chi2Test_p(Gender, Description, Actual, Expected) as xp,"
        " Chi2Test_df(Gender, Description, Actual, Expected) as xdf,"
        " Chi2Test_chi2(Gender, Description, Actual, Expected) as xchi2 RESIDENT E;\n")
    out = _load(script, "R", "Set")
    s1 = np.array([[15, 7, 9, 20, 26, 19], [10, 11, 7, 15, 21, 16]], dtype=float)
    s2 = np.array([[58, 11, 10], [35, 25, 23]], dtype=float)
    for name, m in (("s1", s1), ("s2", s2)):
        e = m.sum(axis=1, keepdims=True) * m.sum(axis=0, keepdims=True) / m.sum()
        chi2 = float(((m - e) ** 2 / e).sum())
        assert out[name]["chi2"] == pytest.approx(chi2, rel=1e-12)
        assert out[name]["df"] == (m.shape[0] - 1) * (m.shape[1] - 1)
    # two degrees of freedom: the upper tail is exp(-x / 2)
    assert out["s2"]["p"] == pytest.approx(math.exp(-out["s2"]["chi2"] / 2), rel=1e-10)
    x = _load(script, "X", "K")["x"]
    a = np.array([58, 11, 10, 35, 25, 23.0])
    e = np.array([45.35, 17.56, 16.09, 47.65, 18.44, 16.91])
    assert x["xchi2"] == pytest.approx(float(((a - e) ** 2 / e).sum()), rel=1e-12)
    assert x["xdf"] == 2
    assert x["xp"] == pytest.approx(math.exp(-x["xchi2"] / 2), rel=1e-10)
    assert round(x["xp"], 7) == 0.0003082


# -- the reducers on random groups -----------------------------------------------------------


def _t_two_tailed(t: float, df: float) -> float:
    """P(|T| >= |t|): the density integrated by Simpson's rule over [0, |t|]."""
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    x = np.linspace(0.0, abs(t), 20001)
    f = np.exp(log_c - (df + 1) / 2 * np.log1p(x * x / df))
    h = x[1] - x[0]
    inner = h / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum())
    return 1.0 - 2.0 * float(inner)


def _reduce(name: str, first: Vec, key: np.ndarray, n: int, *extra: Vec) -> np.ndarray:
    out = REGISTRY[name].impl(Arg(first.n, values=first), key, n, False, *extra).values
    return np.where(out.null, np.nan, out.num)


def _texts(values: list[str | None]) -> Vec:
    n = len(values)
    text = np.array(values, dtype=object)
    return Vec(np.full(n, np.nan), text, np.array([v is None for v in values]))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_sample_reducers_match_hand_formulas(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, size = 6, 400
    key = rng.integers(0, n, size).astype(np.intp)
    labels = rng.choice(["a", "b"], size)
    x = np.round(rng.normal(10, 4, size), 2) + (labels == "b") * rng.normal(1, 1)
    x[rng.random(size) < 0.1] = np.nan  # NULLs, left out
    grp = _texts(list(labels))
    value = Vec.numbers(x)
    # group 4 holds one sample only, group 5 three: no test
    lab = labels.copy()
    lab[key == 4] = "a"
    lab[(key == 5) & (rng.random(size) < 0.3)] = "c"
    grp = _texts(list(lab))
    eq = Vec.numbers(np.ones(size))
    got = {s: _reduce("TTEST_" + s, grp, key, n, value) for s in ("T", "DF", "SIG", "DIF")}
    pooled = {s: _reduce("TTEST_" + s, grp, key, n, value, eq) for s in ("T", "DF", "STERR")}
    for g in range(n):
        sel = (key == g) & ~np.isnan(x)
        if g >= 4:
            assert np.isnan(got["T"][g]) and np.isnan(pooled["T"][g])
            continue
        first = lab[np.flatnonzero(sel)[0]]
        a, b = x[sel & (lab == first)], x[sel & (lab != first)]
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        t = (a.mean() - b.mean()) / math.sqrt(va + vb)
        df = (va + vb) ** 2 / (va * va / (len(a) - 1) + vb * vb / (len(b) - 1))
        assert got["T"][g] == pytest.approx(t, rel=1e-10)
        assert got["DF"][g] == pytest.approx(df, rel=1e-10)
        assert got["DIF"][g] == pytest.approx(a.mean() - b.mean(), rel=1e-10)
        assert got["SIG"][g] == pytest.approx(_t_two_tailed(t, df), rel=1e-6, abs=1e-12)
        sp2 = (((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()) / (len(a) + len(b) - 2)
        se = math.sqrt(sp2 * (1 / len(a) + 1 / len(b)))
        assert pooled["STERR"][g] == pytest.approx(se, rel=1e-10)
        assert pooled["DF"][g] == len(a) + len(b) - 2
        assert pooled["T"][g] == pytest.approx((a.mean() - b.mean()) / se, rel=1e-10)


def test_weights_count_as_repeated_records() -> None:
    rng = np.random.default_rng(7)
    size, n = 60, 3
    key = rng.integers(0, n, size).astype(np.intp)
    labels = list(rng.choice(["a", "b"], size))
    x = np.round(rng.normal(5, 2, size), 1)
    w = rng.integers(1, 4, size).astype(float)
    rep = np.repeat(np.arange(size), w.astype(int))
    for stat in ("T", "DF", "SIG", "DIF", "STERR", "CONF", "LOWER", "UPPER"):
        weighted = _reduce("TTESTW_" + stat, Vec.numbers(w), key, n, _texts(labels),
                           Vec.numbers(x))
        plain = _reduce("TTEST_" + stat, _texts([labels[i] for i in rep]), key[rep], n,
                        Vec.numbers(x[rep]))
        np.testing.assert_allclose(weighted, plain, rtol=1e-10)
        one_w = _reduce("TTEST1W_" + stat, Vec.numbers(w), key, n, Vec.numbers(x))
        one = _reduce("TTEST1_" + stat, Vec.numbers(x[rep]), key[rep], n)
        np.testing.assert_allclose(one_w, one, rtol=1e-10)
    for stat in ("Z", "SIG", "DIF", "STERR", "CONF", "LOWER", "UPPER"):
        zw = _reduce("ZTESTW_" + stat, Vec.numbers(w), key, n, Vec.numbers(x))
        z = _reduce("ZTEST_" + stat, Vec.numbers(x[rep]), key[rep], n)
        np.testing.assert_allclose(zw, z, rtol=1e-10)


def test_too_few_values_give_null() -> None:
    key = np.array([0, 1, 1], dtype=np.intp)
    x = Vec.numbers(np.array([3.0, 4.0, np.nan]))
    assert np.isnan(_reduce("TTEST1_T", x, key, 2)).all()
    assert np.isnan(_reduce("ZTEST_Z", x, key, 2)).all()
    grp = _texts(["a", "b", "a"])
    assert np.isnan(_reduce("TTEST_T", grp, key, 2, x)).all()
    assert np.isnan(_reduce("CHI2TEST_P", grp, key, 2, grp, x)).all()


def test_chi2_counts_a_cell_without_records_as_zero() -> None:
    """A sparse 3 × 4 matrix (the catalog's example): the empty cells add their expected
    value, as a cell of 0 does."""
    col = _texts(["Astrida", "Astrida", "Betacab", "Betacab", "Canutility"])
    row = _texts(["AA", "BB", "AA", "CC", "DD"])
    units = Vec.numbers(np.array([4.0, 10, 9, 5, 25]))
    key = np.zeros(5, dtype=np.intp)
    m = np.array([[4, 10, 0, 0], [9, 0, 5, 0], [0, 0, 0, 25.0]])
    e = m.sum(axis=1, keepdims=True) * m.sum(axis=0, keepdims=True) / m.sum()
    assert _reduce("CHI2TEST_CHI2", col, key, 1, row, units)[0] == pytest.approx(
        float(((m - e) ** 2 / e).sum()), rel=1e-12)
    assert _reduce("CHI2TEST_DF", col, key, 1, row, units)[0] == 6
