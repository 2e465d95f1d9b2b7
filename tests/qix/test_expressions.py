"""Doc expression methods over the protocol: Evaluate with variables and system functions,
ExpandExpression, CheckExpression, GetFieldsFromExpression, GetFieldAndColumnSamples."""

from __future__ import annotations

from tests.conftest import SALES_SCRIPT, Client

VARIABLES = """\
SET vRegion = 'North';
SET vTotal = Sum(Amount);
SET vTimes = $1 * $2;
SET vCalc = =Count(Product);
"""


def with_variables(client: Client) -> Client:
    assert client.session_app(VARIABLES + SALES_SCRIPT) == 1
    return client


def evaluate(client: Client, text: str) -> str:
    return client.call("Evaluate", text, handle=1)["qReturn"]


def test_evaluate_expands_variables(client: Client) -> None:
    with_variables(client)
    assert evaluate(client, "$(vTotal)") == "310"
    assert evaluate(client, "=$(vTotal) / 2") == "155"
    assert evaluate(client, "vTotal") == "310"                    # a bare variable name
    assert evaluate(client, "$(vTimes(3, 4))") == "12"
    assert evaluate(client, "Sum(If(Region = '$(vRegion)', Amount))") == "120"
    assert evaluate(client, "$(=Max(Amount)) + 1") == "151"
    assert evaluate(client, "$(vCalc)") == "4"                    # a calculated variable
    assert evaluate(client, "'[$(vNothing)]'") == "[]"
    value = client.call("EvaluateEx", "$(vTotal)", handle=1)["qValue"]
    assert value == {"qText": "310", "qIsNumeric": True, "qNumber": 310}


def test_evaluate_system_functions_after_selections(loaded: Client) -> None:
    field = loaded.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    assert evaluate(loaded, "GetSelectedCount(Region)") == "0"
    assert evaluate(loaded, "GetCurrentSelections()") == "-"
    loaded.call("SelectValues", [{"qText": "North"}, {"qText": "South"}], handle=field)
    assert evaluate(loaded, "GetSelectedCount(Region)") == "2"
    assert evaluate(loaded, "GetPossibleCount(Region)") == "2"
    assert evaluate(loaded, "GetAlternativeCount(Region)") == "1"
    assert evaluate(loaded, "GetPossibleCount(Manager)") == "2"
    assert evaluate(loaded, "GetExcludedCount(Manager)") == "1"
    assert evaluate(loaded, "GetFieldSelections(Region)") == "North, South"
    assert evaluate(loaded, "GetFieldSelections(Region, ';', 1)") == "NOT East"
    assert evaluate(loaded, "GetCurrentSelections()") == "Region: North, South"
    assert evaluate(loaded, "DocumentTitle() <> ''") == "-1"
    assert evaluate(loaded, "StateName()") == "$"
    assert "UserId=" in evaluate(loaded, "OSUser()")


def test_current_selections_agree_with_the_selection_object(loaded: Client) -> None:
    field = loaded.call("GetField", "Product", handle=1)["qReturn"]["qHandle"]
    loaded.call("SelectValues", [{"qText": "Bike"}, {"qText": "Lock"}], handle=field)
    obj = loaded.create({"qInfo": {"qType": "cs"}, "qSelectionObjectDef": {},
                         "title": {"qStringExpression": "=GetFieldSelections(Product)"}})
    layout = loaded.layout(obj)
    item = layout["qSelectionObject"]["qSelections"][0]
    assert layout["title"] == item["qSelected"] == "Bike, Lock"


def test_string_expressions_in_layouts_expand(client: Client) -> None:
    with_variables(client)
    obj = client.create({"qInfo": {"qType": "kpi"},
                         "label": {"qStringExpression": "='Total: ' & $(vTotal)"},
                         "num": {"qValueExpression": "=vTotal"}})
    layout = client.layout(obj)
    assert layout["label"] == "Total: 310"
    assert layout["num"] == 310


def test_expand_expression(client: Client) -> None:
    with_variables(client)
    got = client.call("ExpandExpression", "$(vTotal) + $(vTimes(2, 3)) + vTotal", handle=1)
    assert got == {"qExpandedExpression": "Sum(Amount) + 2 * 3 + vTotal"}
    got = client.call("ExpandExpression", "$(=Max(Amount))", handle=1)
    assert got == {"qExpandedExpression": "150"}


def test_check_expression(loaded: Client) -> None:
    ok = loaded.call("CheckExpression", "Sum(Amount)", handle=1)
    assert ok.get("qErrorMsg", "") == ""
    assert ok["qBadFieldNames"] == [] and ok["qDangerousFieldNames"] == []
    bad = loaded.call("CheckExpression", "Sum(Amount) + Sum([No such]) + Nope", handle=1)
    assert bad.get("qErrorMsg", "") == ""
    assert bad["qBadFieldNames"] == [{"qFrom": 18, "qCount": 9}, {"qFrom": 31, "qCount": 4}]
    labeled = loaded.call("CheckExpression", "Nope * 2", ["Nope"], handle=1)
    assert labeled["qBadFieldNames"] == []
    broken = loaded.call("CheckExpression", "Sum(Amount", handle=1)
    assert broken["qErrorMsg"]


def test_check_number_or_expression(loaded: Client) -> None:
    assert loaded.call("CheckNumberOrExpression", "12.5", handle=1)["qBadFieldNames"] == []
    got = loaded.call("CheckNumberOrExpression", "Sum(Nope)", handle=1)
    assert set(got) == {"qBadFieldNames"} | ({"qErrorMsg"} & set(got))
    assert got["qBadFieldNames"] == [{"qFrom": 4, "qCount": 4}]


def test_get_fields_from_expression(loaded: Client) -> None:
    got = loaded.call("GetFieldsFromExpression", "Sum(Amount) / Count(DISTINCT Region) + Amount",
                      handle=1)
    assert got == {"qFieldNames": ["Amount", "Region"]}
    assert loaded.call("GetFieldsFromExpression", "Sum(", handle=1) == {"qFieldNames": []}


def test_get_field_and_column_samples(loaded: Client) -> None:
    got = loaded.call("GetFieldAndColumnSamples",
                      [{"qFieldName": "Region", "qTableName": ""}], -1, handle=1)["qResult"]
    assert got[0]["qFieldOrColumn"]["qFieldName"] == "Region"
    assert sorted(v["qText"] for v in got[0]["qValues"]) == ["East", "North", "South"]
    got = loaded.call("GetFieldAndColumnSamples",
                      [{"qFieldName": "M*", "qTableName": "Reg?ons"},
                       {"qFieldName": "Amount", "qTableName": ""}], 2, 7, handle=1)["qResult"]
    assert [r["qFieldOrColumn"] for r in got] == [
        {"qFieldName": "Manager", "qTableName": "Regions"},
        {"qFieldName": "Amount", "qTableName": ""}]
    assert all(len(r["qValues"]) == 2 for r in got)
    assert all(v["qIsNumeric"] for v in got[1]["qValues"])


def _cube_rows(client: Client, dim: str) -> tuple[list[list[str]], dict]:
    handle = client.create({"qInfo": {"qType": "t"}, "qHyperCubeDef": {
        "qDimensions": [{"qDef": {"qFieldDefs": [dim],
                                  "qSortCriterias": [{"qSortByAscii": 1}]}}],
        "qMeasures": [{"qDef": {"qDef": "Sum(Amount)"}}],
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 2, "qHeight": 20}]}})
    cube = client.layout(handle)["qHyperCube"]
    rows = [[c["qText"] for c in row] for row in cube["qDataPages"][0]["qMatrix"]]
    return rows, cube["qDimensionInfo"][0]


def test_hypercube_dimensions_expand_variables(client: Client) -> None:
    """A dimension naming its field through a variable (``$(vDim)``), and calculated
    dimensions reading variables by expansion and by bare name; an expansion that
    evaluates (``$(=…)``) choosing the field."""
    client.session_app("SET vDim = Region;\nSET vBucket = If(Amount > 50, 'big', 'small');\n"
                       + SALES_SCRIPT)
    by_region = [["East", "40"], ["North", "120"], ["South", "150"]]
    assert _cube_rows(client, "$(vDim)")[0] == by_region
    assert _cube_rows(client, "=$(vBucket)")[0] == [["big", "250"], ["small", "60"]]
    assert _cube_rows(client, "=vBucket")[0] == [["big", "250"], ["small", "60"]]
    rows, info = _cube_rows(client, "$(vMissing)")
    assert info["qError"]["qErrorCode"] == 7000 and rows == []
    rows, info = _cube_rows(client, "$(=MaxString(Product))")  # 'Lock': no such field
    assert info["qError"]["qErrorCode"] == 7000 and rows == []
    # an expansion choosing the field: Count(Product) is 4 with nothing selected
    assert _cube_rows(client, "$(=If(Count(Product) > 3, 'Region', 'Product'))")[0] == by_region
