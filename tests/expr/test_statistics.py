"""The statistical and financial aggregations: the reducers called directly on random
groups holding NULLs and texts, compared with DuckDB and numpy; and through LOAD … GROUP
BY scripts with the examples of the Qlik help pages."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pytest

from associa.expr import REGISTRY, Vec
from associa.expr.aggregations import Arg

# -- random groups --------------------------------------------------------------------


def _values(rng: np.random.Generator, size: int) -> Vec:
    """Numbers with NULLs and texts mixed in (a text 'abc' has no number)."""
    num = np.round(rng.normal(10, 5, size), 2)
    kind = rng.integers(0, 6, size)  # 0: NULL, 1: text, else a number
    null = kind == 0
    text = np.full(size, None, dtype=object)
    text[kind == 1] = "abc"
    num[kind <= 1] = np.nan
    return Vec(num, text, null)


def _case(seed: int, size: int = 300, groups: int = 12):
    rng = np.random.default_rng(seed)
    key = rng.integers(0, groups - 1, size).astype(np.intp)  # the last group is empty
    key[rng.random(size) < 0.05] = 0
    return rng, key, groups


def _reduce(name: str, x: Vec, key: np.ndarray, n: int, *extra: Vec,
            distinct: bool = False) -> np.ndarray:
    out = REGISTRY[name].impl(Arg(x.n, values=x), key, n, distinct, *extra).values
    return np.where(out.null, np.nan, out.num)


def _duck(sql_agg: str, key: np.ndarray, n: int, *cols: Vec) -> np.ndarray:
    """One DuckDB aggregate per group over the numbers of the columns (a row whose
    column is not a number is NULL there)."""
    data = {"g": key.astype(np.int64)}
    for i, c in enumerate(cols):
        data[f"c{i}"] = np.where(c.is_numeric(), c.num, np.nan)
    con = duckdb.connect()
    con.register("t", data)
    rows = con.execute(
        f"select g, {sql_agg} from (select g, "
        + ", ".join(f"case when isnan(c{i}) then null else c{i} end as c{i}"
                    for i in range(len(cols)))
        + " from t) group by g").fetchall()
    out = np.full(n, np.nan)
    for g, v in rows:
        out[g] = np.nan if v is None else float(v)
    return out


def _close(ours: np.ndarray, want: np.ndarray) -> None:
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(want))
    np.testing.assert_allclose(ours[~np.isnan(want)], want[~np.isnan(want)], rtol=1e-9,
                               atol=1e-9)


def _counts(x: Vec, key: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(key[x.is_numeric()], minlength=n)[:n]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_moments_match_duckdb(seed: int) -> None:
    rng, key, n = _case(seed, size=int(np.random.default_rng(seed).integers(20, 300)))
    x = _values(rng, len(key))
    counts = _counts(x, key, n)
    stdev = _duck("stddev_samp(c0)", key, n, x)
    _close(_reduce("STDEV", x, key, n), np.where(counts >= 2, stdev, np.nan))
    _close(_reduce("STERR", x, key, n),
           np.where(counts >= 2, stdev / np.sqrt(np.maximum(counts, 1)), np.nan))
    _close(_reduce("SKEW", x, key, n),
           np.where(counts >= 3, _duck("skewness(c0)", key, n, x), np.nan))
    _close(_reduce("KURTOSIS", x, key, n),
           np.where(counts >= 4, _duck("kurtosis(c0)", key, n, x), np.nan))


def test_moments_of_small_groups_are_null() -> None:
    key = np.array([0, 1, 1, 2, 2, 2, 3, 3, 3, 3], dtype=np.intp)
    x = Vec.numbers(np.array([5.0, 1, 2, 1, 2, 4, 1, 1, 1, 1]))
    assert np.isnan(_reduce("STERR", x, key, 5)[[0, 4]]).all()
    assert _reduce("STERR", x, key, 5)[1] == pytest.approx(0.5)
    assert np.isnan(_reduce("SKEW", x, key, 5)[[0, 1, 3, 4]]).all()  # n < 3, or no spread
    assert np.isnan(_reduce("KURTOSIS", x, key, 5)[[0, 1, 2, 3, 4]]).all()


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_distinct_moments_read_each_value_once(seed: int) -> None:
    rng, key, n = _case(seed)
    x = _values(rng, len(key))
    x.num = np.round(x.num / 4)  # many equal values
    for name, sql in [("STDEV", "stddev_samp(distinct c0)"),
                      ("SKEW", "skewness(distinct c0)"), ("KURTOSIS", "kurtosis(distinct c0)")]:
        want = _duck(sql, key, n, x)
        distinct = _duck("count(distinct c0)", key, n, x)
        minimum = {"STDEV": 2, "SKEW": 3, "KURTOSIS": 4}[name]
        _close(_reduce(name, x, key, n, distinct=True), np.where(distinct >= minimum, want,
                                                                  np.nan))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("p", [0.0, 0.1, 0.25, 0.5, 0.9, 1.0])
def test_fractile_and_median_match_quantile_cont(seed: int, p: float) -> None:
    rng, key, n = _case(seed)
    x = _values(rng, len(key))
    frac = Vec.constant_number(p, len(key))
    _close(_reduce("FRACTILE", x, key, n, frac),
           _duck(f"quantile_cont(c0, {p})", key, n, x))
    _close(_reduce("MEDIAN", x, key, n), _duck("median(c0)", key, n, x))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("p", [0.05, 0.25, 0.5, 0.75, 0.95])
def test_fractile_exc_is_percentile_exc(seed: int, p: float) -> None:
    rng, key, n = _case(seed)
    x = _values(rng, len(key))
    ours = _reduce("FRACTILEEXC", x, key, n, Vec.constant_number(p, len(key)))
    for g in range(n):
        s = np.sort(x.num[(key == g) & x.is_numeric()])
        rank = p * (len(s) + 1)
        if rank < 1 or rank > len(s):
            assert np.isnan(ours[g])
            continue
        lo = int(math.floor(rank))
        want = s[lo - 1] + (rank - lo) * (s[min(lo, len(s) - 1)] - s[lo - 1])
        assert ours[g] == pytest.approx(want)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_pairs_match_duckdb(seed: int) -> None:
    rng, key, n = _case(seed)
    y, x = _values(rng, len(key)), _values(rng, len(key))
    x.num = np.where(x.is_numeric(), x.num, np.nan)
    y.num = np.where(y.is_numeric(), y.num + 0.5 * np.nan_to_num(x.num), np.nan)
    pairs = np.bincount(key[x.is_numeric() & y.is_numeric()], minlength=n)[:n]
    two = pairs >= 2
    _close(_reduce("CORREL", y, key, n, x), np.where(two, _duck("corr(c0, c1)", key, n, y, x),
                                                     np.nan))
    _close(_reduce("LINEST_M", y, key, n, x),
           np.where(two, _duck("regr_slope(c0, c1)", key, n, y, x), np.nan))
    _close(_reduce("LINEST_B", y, key, n, x),
           np.where(two, _duck("regr_intercept(c0, c1)", key, n, y, x), np.nan))
    _close(_reduce("LINEST_R2", y, key, n, x),
           np.where(two, _duck("regr_r2(c0, c1)", key, n, y, x), np.nan))
    ssresid = _duck("regr_syy(c0, c1) - regr_sxy(c0, c1) ^ 2 / regr_sxx(c0, c1)", key, n,
                    y, x)
    _close(_reduce("LINEST_SSRESID", y, key, n, x), np.where(two, ssresid, np.nan))
    with np.errstate(all="ignore"):
        sey = np.sqrt(ssresid / (pairs - 2))
    _close(_reduce("LINEST_SEY", y, key, n, x), np.where(pairs >= 3, sey, np.nan))
    _close(_reduce("STEYX", y, key, n, x), np.where(pairs >= 3, sey, np.nan))
    _close(_reduce("LINEST_DF", y, key, n, x), np.where(two, pairs - 2.0, np.nan))


def _excel_linest(y: np.ndarray, x: np.ndarray, y0: float | None, x0: float | None
                  ) -> dict[str, float]:
    """Excel's LINEST statistics with numpy's least squares (const=FALSE on the shifted
    data when the line is forced through a point)."""
    n = len(y)
    if y0 is None:
        a = np.column_stack([x, np.ones(n)])
        (m, b), *_ = np.linalg.lstsq(a, y, rcond=None)
        resid = y - (m * x + b)
        sst = ((y - y.mean()) ** 2).sum()
        df = n - 2
    else:
        xs, ys = x - (x0 or 0.0), y - y0
        (m,), *_ = np.linalg.lstsq(xs[:, None], ys, rcond=None)
        b = y0 - m * (x0 or 0.0)
        resid = ys - m * xs
        sst = (ys ** 2).sum()
        df = n - 1
    ssresid = float((resid ** 2).sum())
    return {"M": m, "B": b, "SSRESID": ssresid, "SSREG": sst - ssresid,
            "R2": (sst - ssresid) / sst, "DF": df, "SEY": math.sqrt(ssresid / df),
            "F": (sst - ssresid) / (ssresid / df)}


@pytest.mark.parametrize(("y0", "x0"), [(None, None), (3.0, None), (3.0, 2.0), (-1.0, 5.0)])
def test_linest_through_a_point(y0: float | None, x0: float | None) -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(5, 3, 40)
    y = 2 * x + 1 + rng.normal(0, 2, 40)
    key = np.repeat(np.arange(4, dtype=np.intp), 10)
    extra = [Vec.numbers(x)]
    if y0 is not None:
        extra.append(Vec.constant_number(y0, 40))
    if x0 is not None:
        extra.append(Vec.constant_number(x0, 40))
    for stat in ("M", "B", "SSRESID", "SSREG", "R2", "DF", "SEY", "F"):
        ours = _reduce("LINEST_" + stat, Vec.numbers(y), key, 4, *extra)
        for g in range(4):
            want = _excel_linest(y[key == g], x[key == g], y0, x0)[stat]
            assert ours[g] == pytest.approx(want, rel=1e-9), (stat, g)
    seb = _reduce("LINEST_SEB", Vec.numbers(y), key, 4, *extra)
    assert np.isnan(seb).all() == (y0 is not None)


def test_linest_needs_two_pairs_or_one_with_a_fixed_point() -> None:
    y, x = Vec.numbers(np.array([3.0])), Vec.numbers(np.array([2.0]))
    key = np.zeros(1, dtype=np.intp)
    assert np.isnan(_reduce("LINEST_M", y, key, 1, x))
    assert np.isnan(_reduce("LINEST_M", y, key, 1, x, Vec.constant_number(1.0, 1)))
    assert _reduce("LINEST_M", y, key, 1, x, Vec.constant_number(1.0, 1),
                   Vec.constant_number(0.0, 1))[0] == pytest.approx(1.0)


def test_min_and_max_with_a_rank() -> None:
    x = Vec(np.array([4.0, 10, 9, np.nan, 5, 2, np.nan, 8, 3, 3]),
            np.array([None, None, None, "abc", None, None, None, None, None, None],
                     dtype=object),
            np.array([False] * 6 + [True] + [False] * 3))
    key = np.array([0, 0, 0, 0, 1, 1, 1, 2, 3, 3], dtype=np.intp)
    rank = Vec.constant_number(2.0, 10)
    assert _reduce("MIN", x, key, 5, rank)[:4].tolist()[:2] == [9.0, 5.0]
    assert np.isnan(_reduce("MIN", x, key, 5, rank)[[2, 4]]).all()  # one number, none
    assert _reduce("MIN", x, key, 5, rank)[3] == 3.0  # equal numbers count one by one
    assert _reduce("MAX", x, key, 5, rank)[:2].tolist() == [9.0, 2.0]
    assert _reduce("MAX", x, key, 5, Vec.constant_number(3.0, 10))[0] == 4.0
    assert np.isnan(_reduce("MAX", x, key, 5, Vec.constant_number(0.0, 10))[0])
    # rank 1 is the plain minimum, with its total
    plain = REGISTRY["MIN"].impl(Arg(10, values=x), key, 5, False, Vec.constant_number(1, 10))
    assert plain.total is not None and plain.total.num[0] == 2.0


@pytest.mark.parametrize("seed", [1, 2])
def test_min_max_rank_reads_numbers_like_sorting(seed: int) -> None:
    rng, key, n = _case(seed)
    x = _values(rng, len(key))
    for k in (1, 2, 3, 5):
        lo = _reduce("MIN", x, key, n, Vec.constant_number(k, len(key)))
        hi = _reduce("MAX", x, key, n, Vec.constant_number(k, len(key)))
        for g in range(n):
            s = np.sort(x.num[(key == g) & x.is_numeric()])
            assert (lo[g] == s[k - 1]) if len(s) >= k else np.isnan(lo[g])
            assert (hi[g] == s[-k]) if len(s) >= k else np.isnan(hi[g])


def test_counters() -> None:
    x = Vec(np.array([1.0, np.nan, np.nan, 2.0, np.nan]),
            np.array([None, "a", None, None, "b"], dtype=object),
            np.array([False, False, True, False, False]))
    key = np.array([0, 0, 0, 1, 1], dtype=np.intp)
    assert _reduce("MISSINGCOUNT", x, key, 3).tolist() == [2.0, 1.0, 0.0]
    assert _reduce("NULLCOUNT", x, key, 3).tolist() == [1.0, 0.0, 0.0]
    assert _reduce("TEXTCOUNT", x, key, 3).tolist() == [1.0, 1.0, 0.0]


# -- financial ------------------------------------------------------------------------


def _npv(rate: float, flows: list[float]) -> float:
    return sum(v / (1 + rate) ** (i + 1) for i, v in enumerate(flows))


def test_npv_discounts_in_record_order_at_the_last_rate() -> None:
    rate = Vec.numbers(np.array([0.1, 0.1, 0.1, 0.2, 0.05, 0.05]))
    pay = Vec(np.array([-10000.0, 3000, 4200, 6800, 100, np.nan]),
              np.array([None, None, None, None, None, "x"], dtype=object),
              np.zeros(6, dtype=bool))
    key = np.array([0, 0, 0, 0, 1, 1], dtype=np.intp)
    out = REGISTRY["NPV"].impl(Arg(6, values=rate), key, 3, False, pay).values
    assert out.num[0] == pytest.approx(-540.12, abs=0.005)  # the help's example
    assert out.num[1] == pytest.approx(100 / 1.05)
    assert out.null[2]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_irr_is_the_root_of_the_npv(seed: int) -> None:
    rng = np.random.default_rng(seed)
    flows = rng.normal(100, 60, 40)
    key = np.repeat(np.arange(8, dtype=np.intp), 5)
    flows[key * 5 == np.arange(40)] = -rng.uniform(200, 500, 8)  # an outlay first
    out = _reduce("IRR", Vec.numbers(flows), key, 9)
    assert np.isnan(out[8])
    for g in range(8):
        f = flows[key == g]
        if (f > 0).any() and (f < 0).any():
            assert abs(_npv(out[g], list(f))) < 1e-6 * np.abs(f).sum()


def test_irr_needs_a_payment_and_an_income() -> None:
    key = np.zeros(3, dtype=np.intp)
    assert np.isnan(_reduce("IRR", Vec.numbers(np.array([1.0, 2, 3])), key, 1)[0])
    out = _reduce("IRR", Vec.numbers(np.array([-70000.0, 12000, 15000, 18000, 21000, 26000])),
                  np.zeros(6, dtype=np.intp), 1)
    assert out[0] == pytest.approx(0.0866309480365316)


def test_xnpv_and_xirr() -> None:
    pay = Vec.numbers(np.array([-2500.0, 2750, -100, 110, 50]))
    dates = Vec.numbers(np.array([39448.0, 39692, 44197, 44562, np.nan]))  # 2008-01-01, …
    key = np.array([0, 0, 1, 1, 1], dtype=np.intp)
    rate = Vec.constant_number(0.1, 5)
    npv = REGISTRY["XNPV"].impl(Arg(5, values=rate), key, 2, False, pay, dates).values
    assert npv.num[0] == pytest.approx(80.25, abs=0.005)  # the help's RangeXNPV example
    assert npv.num[1] == pytest.approx(0.0, abs=1e-9)  # the pair without a date is dropped
    irr = _reduce("XIRR", pay, key, 2, dates)
    assert irr[0] == pytest.approx(0.1532, abs=5e-5)
    assert irr[1] == pytest.approx(0.1)
    texts = Vec(np.full(2, np.nan), np.array(["2023-01-01", "2024-01-01"], dtype=object),
                np.zeros(2, dtype=bool))
    out = _reduce("XIRR", Vec.numbers(np.array([-100.0, 110])), np.zeros(2, dtype=np.intp), 1,
                  texts)
    assert out[0] == pytest.approx(0.1)


# -- LOAD … GROUP BY with the help's examples -------------------------------------------

_OBSERVATION = [35, 40, 12, 15, 21, 14, 46, 10, 28, 48, 16, 30, 32, 48, 31, 22, 12, 39, 19, 25]
_COMPARISON = [2, 27, 38, 31, 1, 19, 1, 34, 3, 1, 2, 3, 2, 1, 2, 1, 3, 29, 37, 2]


def _load(script: str, table: str, key: str) -> dict[str, dict[str, float]]:
    from associa.script import run_script

    model = run_script(script, lambda path: b"").model
    t = model.tables[table]
    names = model.fields[key].symbols.texts_at(t.columns[key]).tolist()
    out: dict[str, dict[str, float]] = {name: {} for name in names}
    for col in t.columns:
        if col == key:
            continue
        nums = model.fields[col].symbols.nums_at(t.columns[col]).tolist()
        for name, v in zip(names, nums, strict=True):
            out[name][col] = v
    return out


def _help_data() -> str:
    rows = "\n".join(f"Observation, {o}\nComparison, {c}"
                     for o, c in zip(_OBSERVATION, _COMPARISON, strict=True))
    return f"T:\nLOAD * INLINE [\nType, Value\n{rows}\n];\n"


def test_statistics_of_the_help_examples_in_a_group_by() -> None:
    script = _help_data() + (
        "S:\nLOAD Type as K, Skew(Value) as Skew, Kurtosis(Value) as Kurt,\n"
        "  Kurtosis(DISTINCT Value) as KurtD, Sterr(Value) as Sterr,\n"
        "  FractileExc(Value, 0.75) as FracExc, Fractile(Value, 0.75) as Frac,\n"
        "  Stdev(Value) as Stdev, Min(Value, 2) as Min2, Max(Value, 3) as Max3\n"
        "RESIDENT T GROUP BY Type;\n")
    rows = _load(script, "S", "K")
    comp, obs = rows["Comparison"], rows["Observation"]
    assert comp["Skew"] == pytest.approx(0.86414768, abs=5e-9)
    assert obs["Skew"] == pytest.approx(0.32625351, abs=5e-9)
    assert comp["Kurt"] == pytest.approx(-1.1612957, abs=5e-8)
    assert obs["Kurt"] == pytest.approx(-1.1148768, abs=5e-8)
    assert comp["KurtD"] == pytest.approx(-1.4982366, abs=5e-8)
    assert obs["KurtD"] == pytest.approx(-0.93540144, abs=5e-9)
    assert comp["Sterr"] == pytest.approx(3.2674431, abs=5e-8)
    assert obs["Sterr"] == pytest.approx(2.7968733, abs=5e-8)
    assert comp["FracExc"] == 28.5 and obs["FracExc"] == 38
    assert comp["Min2"] == 1 and obs["Min2"] == 12  # equal numbers count one by one
    assert obs["Max3"] == 46
    assert comp["Stdev"] == pytest.approx(float(np.std(_COMPARISON, ddof=1)))


def test_linest_of_the_help_example_in_a_group_by() -> None:
    ys = [0, 1, 3, 8, 14, 20, 0, 50, 25, 60, 38, 19, 26, 143, 98, 27, 59, 78, 158, 279]
    data = "\n".join(f"{x}, {y}" for x, y in enumerate(ys, 1))
    stats = ("B", "DF", "F", "M", "R2", "SEB", "SEM", "SEY", "SSREG", "SSRESID")
    script = (f"T:\nLOAD *, 1 as Grp INLINE [\nX, Y\n{data}\n];\nR:\nLOAD Grp as K, "
              + ", ".join(f"LinEst_{s}(Y, X) as {s}" for s in stats)
              + ", Correl(X, Y) as Correl, SteYX(Y, X) as SteYX"
              + "\nRESIDENT T GROUP BY Grp;\n")
    row = _load(script, "R", "K")["1"]
    want = {"B": -35.047, "DF": 18, "F": 20.788, "M": 8.605, "R2": 0.536, "SEB": 22.607,
            "SEM": 1.887, "SEY": 48.666, "SSREG": 49235.014, "SSRESID": 42631.186}
    for s, v in want.items():
        assert row[s] == pytest.approx(v, abs=0.0005), s
    assert row["Correl"] == pytest.approx(math.sqrt(row["R2"]))
    assert row["SteYX"] == pytest.approx(row["SEY"])


def test_min_rank_and_npv_of_the_help_examples_in_a_group_by() -> None:
    script = (
        "T:\nLOAD * INLINE [\nCustomer|UnitSales\nAstrida|10\nAstrida|18\nAstrida|9\n"
        "Astrida|2\nBetacab|4\nBetacab|5\nBetacab|\nCanutility|8\nCanutility|\n"
        "] (delimiter is '|');\n"
        "M:\nLOAD Customer as K, Min(UnitSales, 2) as Min2, Max(UnitSales, 2) as Max2\n"
        "RESIDENT T GROUP BY Customer;\n"
        "C:\nLOAD 2013 as Year, * INLINE [\nDate|Discount|Payments\n2013-01-01|0.1|-10000\n"
        "2013-03-01|0.1|3000\n2013-10-30|0.1|4200\n2014-02-01|0.2|6800\n] (delimiter is '|');\n"
        "N:\nLOAD Year as Y, NPV(Discount, Payments) as NPV, IRR(Payments) as IRR,\n"
        "  XIRR(Payments, Date) as XIRR, XNPV(Discount, Payments, Date) as XNPV\n"
        "RESIDENT C GROUP BY Year;\n")
    mins = _load(script, "M", "K")
    assert mins["Astrida"]["Min2"] == 9 and mins["Betacab"]["Min2"] == 5
    assert math.isnan(mins["Canutility"]["Min2"])
    assert mins["Astrida"]["Max2"] == 10
    row = _load(script, "N", "Y")["2013"]
    assert row["NPV"] == pytest.approx(-540.12, abs=0.005)
    assert _npv(row["IRR"], [-10000, 3000, 4200, 6800]) == pytest.approx(0, abs=1e-6)
    days = [0, 59, 302, 396]
    flows = [-10000, 3000, 4200, 6800]
    assert sum(v / (1 + row["XIRR"]) ** (d / 365) for v, d in zip(flows, days, strict=True)
               ) == pytest.approx(0, abs=1e-6)
    want = sum(v / 1.2 ** (d / 365) for v, d in zip([-10000, 3000, 4200, 6800], days,
                                                     strict=True))
    assert row["XNPV"] == pytest.approx(want)


# -- a chart's hypercube --------------------------------------------------------------


def test_statistics_in_a_chart_with_totals() -> None:
    """Through a straight table's groups and its totals row: the help's chart examples
    give the totals too (Skew 0.23522195, Kurtosis -1.252, Sterr 2.4468583)."""
    from tests.calc.test_hypercube import cube, dim, measure, model_of, texts, totals

    model = model_of({"T": {"Type": ["Observation"] * 20 + ["Comparison"] * 20,
                            "Value": _OBSERVATION + _COMPARISON}})
    exprs = ["Skew(Value)", "Kurtosis(Value)", "Sterr(Value)", "Min(Value, 2)",
             "Max(Value * 2, 3)", "FractileExc(Value, 0.75)"]
    layout = cube(model, [dim("Type")], [measure(e) for e in exprs]).layout()
    rows = {r[0]: [float(t) for t in r[1:]] for r in texts(layout)}
    assert rows["Comparison"][:3] == pytest.approx([0.86414768, -1.1612957, 3.2674431],
                                                   abs=5e-8)
    assert rows["Observation"][3:] == [12, 92, 38]
    assert rows["Comparison"][3:] == [1, 68, 28.5]
    total = [float(t) for t in totals(layout)]
    assert total[:3] == pytest.approx([0.23522195, -1.2522383, 2.4468583], abs=5e-8)
    assert total[3:] == [1, 92, 31.75]  # 96, 96, 92: equal numbers count one by one
