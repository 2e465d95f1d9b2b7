"""No property tree makes a generic object answer an internal error.

Hypothesis builds property trees of two kinds and sends them through the protocol
(CreateSessionObject, GetLayout, GetProperties, SetProperties, ApplyPatches, the data
pages and selections through the object): definitions with the right types but odd contents (unknown fields, calculated
dimensions, broken expressions, huge or negative numbers, sort flags in every direction,
pages past the data), and trees of anything (wrong types, NaN-ish strings, nulls, deep
nesting) with the engine's keys sprinkled in. Every answer must be a result or an error
that names the problem (never -32603 "Internal error"), and the session must keep
working afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from associa.engine import Engine
from associa.qix.sessions import SessionManager
from associa.settings import Settings
from tests.conftest import CUBE, Client

# -- values -----------------------------------------------------------------------------

INT32 = st.one_of(
    st.integers(-5, 40),
    st.sampled_from([-1, -2**31, 2**31 - 1, 10_000, 10_001, 99_999]),
)
ODD_NUMBERS = st.one_of(
    st.integers(-(2**40), 2**40),
    st.sampled_from([2**31, -(2**31) - 1, 10**20, -(10**30)]),
    st.floats(allow_nan=True, allow_infinity=True),
)
NAN_ISH = st.sampled_from(["NaN", "nan", "-Infinity", "Infinity", "1e999", "-0", "0x10",
                           "", " ", "null", "true", "{}", "[]", "\u0000", "ÅÄÖ", "💥", "³",
                           "٣", "1²"])
FIELDS = st.one_of(
    st.sampled_from(["Region", "Product", "Amount", "Manager", "[Region]", "[Amount]",
                     "region", "Region ", "=Region", "=Sum(Amount)", "=", "", "[", "]",
                     "[]", "$Field", "$Table", "nope", "Region, Product"]),
    st.text(max_size=8),
)
EXPRESSIONS = st.one_of(
    st.sampled_from([
        "Sum(Amount)", "=Sum(Amount)", "Count(Region)", "Count(DISTINCT Region)",
        "Only(Region)", "Max(Amount)/Min(Amount)", "Region & 1", "Left(Region, -1)",
        "Avg(Amount)", "Concat(Region, ',')", "Sum(Amount)/Count(Amount)",
        "Sum(Amount)/0", "=1/0", "Sum(Amount)*1e308*10", "-Sum(Amount)", "Sum(Nope)",
        "Sum(Sum(Amount))", "Aggr(Sum(Amount), Region)", "Sum(", "If(", "1 +", ")",
        "((((((((((1))))))))))", "'abc'", "'", "Count(Region) & 1", "$(=1)", "$(x", "Rand()",
        "Num(Sum(Amount), '#,##0.00')", "Date(Sum(Amount))", "=Sum({<Region={'North'}>} Amount)",
        "RangeSum(1, 'a', Null())", "Pick(0, 1)", "Mid('abc', -5, 99999999999)",
        "Repeat('x', 99999999)", "Left('abc', 1e400)", "Right('abc', -1e400)",
        "Mid('abc', -1e400, 1e400)", "Chr(1114112)", "Pow(10, 400)", "³", "1+²",
        "Round(1, 0)", "Div(1, 0)", "Mod(1, 0)", "Fabs(-1e400)", "Num#('x')",
    ]),
    st.text(alphabet="()+-*/&=,'\"[]{}<>$ 0123456789.eAmountRegionSumCount", max_size=25),
    NAN_ISH,
)
SCALARS = st.one_of(st.none(), st.booleans(), ODD_NUMBERS, NAN_ISH, FIELDS, EXPRESSIONS)

# -- well-typed definitions with odd contents -------------------------------------------


def optional(**members: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=members)


FLAG = st.integers(-128, 127) | st.sampled_from([-1, 0, 1])
SORT = optional(
    qSortByState=FLAG, qSortByFrequency=FLAG, qSortByNumeric=FLAG, qSortByAscii=FLAG,
    qSortByLoadOrder=FLAG, qSortByExpression=FLAG, qSortByGreyness=FLAG,
    qExpression=optional(qv=EXPRESSIONS) | EXPRESSIONS,
)
PAGE = optional(qLeft=INT32, qTop=INT32, qWidth=INT32, qHeight=INT32)
INLINE_DIM = optional(
    qFieldDefs=st.lists(FIELDS, max_size=3),
    qFieldLabels=st.lists(st.text(max_size=6), max_size=2),
    qSortCriterias=st.lists(SORT, max_size=2),
    qGrouping=st.sampled_from(["N", "H", "C", "GRP_NX_NONE", 2]),
    qActiveField=INT32,
    qReverseSort=st.booleans(),
    qLabelExpression=EXPRESSIONS,
)
NUM_FORMAT = optional(
    qType=st.sampled_from(["U", "A", "I", "R", "F", "M", "D", "T", "TS", "IV", "MONEY", 10]),
    qFmt=st.sampled_from(["#,##0.00", "0%", "YYYY-MM-DD", "hh:mm", "", "#", "@", "0.0e+0"])
    | st.text(max_size=6),
    qnDec=INT32, qUseThou=INT32, qDec=st.text(max_size=2), qThou=st.text(max_size=2),
)
DIMENSION = optional(
    qDef=INLINE_DIM, qNullSuppression=st.booleans(), qLibraryId=st.text(max_size=4),
    qShowAll=st.booleans(), qOtherTotalSpec=optional(qOtherMode=st.just("OTHER_COUNTED")),
    qAttributeExpressions=st.lists(optional(qExpression=EXPRESSIONS), max_size=1),
)
MEASURE = optional(
    qDef=optional(qDef=EXPRESSIONS, qLabel=st.text(max_size=6), qNumFormat=NUM_FORMAT,
                  qAggrFunc=st.text(max_size=4), qAccumulate=INT32),
    qSortBy=SORT,
    qLibraryId=st.text(max_size=4),
)
HYPERCUBE = optional(
    qDimensions=st.lists(DIMENSION, max_size=3),
    qMeasures=st.lists(MEASURE, max_size=3),
    qInterColumnSortOrder=st.lists(INT32, max_size=6),
    qSuppressZero=st.booleans(), qSuppressMissing=st.booleans(),
    qInitialDataFetch=st.lists(PAGE, max_size=3),
    qMode=st.sampled_from(["S", "P", "K", "T", "D", "DATA_MODE_PIVOT", 1]),
    qNoOfLeftDims=INT32, qPseudoDimPos=INT32, qMaxStackedCells=INT32,
    qStateName=st.sampled_from(["", "$", "other"]),
    qCalcCondition=optional(qCond=optional(qv=EXPRESSIONS), qMsg=optional(qv=EXPRESSIONS)),
    qColumnOrder=st.lists(INT32, max_size=4),
    custom=SCALARS,
)
LISTOBJECT = optional(
    qDef=INLINE_DIM,
    qFrequencyMode=st.sampled_from(["N", "V", "P", "R", "NX_FREQUENCY_VALUE", 3]),
    qShowAlternatives=st.booleans(),
    qInitialDataFetch=st.lists(PAGE, max_size=3),
    qExpressions=st.lists(optional(qExpr=EXPRESSIONS), max_size=2),
    qAutoSortByState=optional(qDisplayNumberOfRows=INT32),
    qStateName=st.sampled_from(["", "$"]),
    customProperty=SCALARS,
)
EXPRESSION_NODE = st.one_of(
    st.fixed_dictionaries({"qStringExpression": EXPRESSIONS | optional(qExpr=EXPRESSIONS)}),
    st.fixed_dictionaries({"qValueExpression": EXPRESSIONS | optional(qExpr=EXPRESSIONS)}),
)

# -- trees of anything ------------------------------------------------------------------

KEYS = st.sampled_from([
    "qHyperCubeDef", "qListObjectDef", "qStringExpression", "qValueExpression", "qMetaDef",
    "qSelectionObjectDef", "qDimensions", "qMeasures", "qDef", "qFieldDefs", "qSortCriterias",
    "qSortByAscii", "qSortByState", "qSortBy", "qExpression", "qInitialDataFetch", "qTop",
    "qWidth", "qHeight", "qInterColumnSortOrder", "qMode", "qFrequencyMode", "qExpr",
    "qNumFormat", "qType", "qInfo", "qId", "qLayoutExclude", "qFieldListDef", "qData",
    "qChildListDef", "qv", "qOtherTotalSpec", "title", "custom", "",
]) | st.text(max_size=5)
JUNK = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)
DEFINITION = st.one_of(HYPERCUBE, LISTOBJECT, JUNK)


def deep(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"qStringExpression": "=1"}
    for i in range(levels):
        node = {"qHyperCubeDef" if i % 7 == 0 else "n": node} if i % 3 else {"l": [node]}
    return node


PROPS = st.fixed_dictionaries(
    {"qInfo": optional(qType=st.text(max_size=5) | SCALARS, qId=st.just("")) | SCALARS},
    optional={
        "qHyperCubeDef": HYPERCUBE | JUNK,
        "qListObjectDef": LISTOBJECT | JUNK,
        "qSelectionObjectDef": optional(qStateName=st.text(max_size=3)) | JUNK,
        "qMetaDef": optional(title=SCALARS, privileges=SCALARS) | JUNK,
        "qStringExpression": EXPRESSIONS | optional(qExpr=EXPRESSIONS) | JUNK,
        "qValueExpression": EXPRESSIONS | optional(qExpr=EXPRESSIONS) | JUNK,
        "title": EXPRESSION_NODE | SCALARS,
        "nested": st.lists(st.dictionaries(st.sampled_from(["qHyperCubeDef", "qListObjectDef",
                                                            "x"]), DEFINITION, max_size=2),
                           max_size=2),
        "deep": st.integers(1, 160).map(deep),
        "qLayoutExclude": JUNK,
        "junk": JUNK,
    },
)
PATCH_VALUES = st.one_of(SCALARS, JUNK, HYPERCUBE, LISTOBJECT).map(
    lambda v: json.dumps(v, allow_nan=True)
)
PATCHES = st.lists(
    st.fixed_dictionaries({
        "qOp": st.sampled_from(["add", "replace", "remove", "Add", "move"]),
        "qPath": st.sampled_from([
            "/qHyperCubeDef", "/qHyperCubeDef/qDimensions/0", "/qHyperCubeDef/qMeasures/-",
            "/qHyperCubeDef/qInitialDataFetch/0/qHeight", "/qListObjectDef/qDef/qFieldDefs",
            "/qListObjectDef/qDef/qSortCriterias/0", "/qMetaDef", "/qInfo/qType", "/qInfo",
            "/title", "/qStringExpression", "/x/y/z", "/", "", "/qHyperCubeDef/qMode",
        ]),
        "qValue": PATCH_VALUES,
    }),
    max_size=3,
)
PAGES = st.lists(PAGE, max_size=2)
DATA_PATHS = st.sampled_from(["/qHyperCubeDef", "/qListObjectDef", "/nested/0/qHyperCubeDef",
                              "/nested/1/qListObjectDef", "/qHyperCubeDef/qDimensions/0",
                              "/nested/³/qHyperCubeDef", "", "/", "/title"])


# -- the check --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    engine = Engine(Settings(data_dir=tmp_path_factory.mktemp("fuzz")))
    c = Client(SessionManager(engine))
    c.session_app()
    yield c
    c.close()
    c.sessions.shutdown()


def answered(c: Client, method: str, *params: Any, handle: int) -> dict[str, Any]:
    reply = c.send(method, *params, handle=handle)
    error = reply.get("error")
    if error is not None:
        assert error.get("code") not in (-32603, 10), (method, params, error)
        assert "Internal error" not in json.dumps(error), (method, params, error)
    else:
        assert isinstance(reply.get("result"), dict), reply
    return reply


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(props=PROPS, other=PROPS, patches=PATCHES, pages=PAGES, paths=st.tuples(DATA_PATHS,
                                                                             DATA_PATHS))
def test_no_property_tree_gives_an_internal_error(
    client: Client, props: dict[str, Any], other: dict[str, Any],
    patches: list[dict[str, Any]], pages: list[dict[str, Any]], paths: tuple[str, str],
) -> None:
    made = answered(client, "CreateSessionObject", props, handle=1)
    if "result" not in made:
        return
    handle = made["result"]["qReturn"]["qHandle"]
    try:
        for method, params in (
            ("GetLayout", ()),
            ("GetProperties", ()),
            ("GetHyperCubeData", (paths[0], pages)),
            ("GetListObjectData", (paths[1], pages)),
            ("SetProperties", (other,)),
            ("GetLayout", ()),
            ("ApplyPatches", (patches, False)),
            ("GetLayout", ()),
            ("GetEffectiveProperties", ()),
            ("GetInfo", ()),
            ("SelectHyperCubeValues", (paths[0], 0, [0, 1], False)),
            ("SelectHyperCubeCells", (paths[0], [0], [0, 1])),
            ("SelectListObjectValues", (paths[1], [0], True)),
            ("SearchListObjectFor", (paths[1], "N*")),
            ("GetLayout", ()),
            ("AcceptListObjectSearch", (paths[1], False)),
            ("ClearSelections", (paths[0],)),
            ("ClearSelections", (paths[1],)),
            ("GetLayout", ()),
        ):
            answered(client, method, *params, handle=handle)
        # what GetProperties answers can be set again, and reads back the same, in order
        props_now = client.call("GetProperties", handle=handle)["qProp"]
        client.call("SetProperties", props_now, handle=handle)
        again = client.call("GetProperties", handle=handle)["qProp"]
        assert json.dumps(again) == json.dumps(props_now)
    finally:
        object_id = client.call("GetInfo", handle=handle)["qInfo"]["qId"]
        client.call("DestroySessionObject", object_id, handle=1)
        client.call("ClearAll", True, handle=1)


@pytest.mark.parametrize("measure", ["Max(Amount)", "Only(Region)", "Region"])
def test_measures_over_unresolved_dimensions(client: Client, measure: str) -> None:
    props = {"qInfo": {"qType": "chart"}, "qHyperCubeDef": {
        "qDimensions": [{"qDef": {"qFieldDefs": ["Renamed"]}}],
        "qMeasures": [{"qDef": {"qDef": measure}}],
    }}
    handle = client.create(props)
    cube = client.layout(handle)["qHyperCube"]
    assert cube["qSize"] == {"qcx": 2, "qcy": 0}
    assert cube["qError"] == {"qErrorCode": 7000}


def test_the_session_works_after_the_fuzz(client: Client) -> None:
    handle = client.create(CUBE)
    layout = client.layout(handle)
    assert layout["qHyperCube"]["qSize"] == {"qcx": 2, "qcy": 3}
    assert client.call("Evaluate", "Sum(Amount)", handle=1) == {"qReturn": "310"}
