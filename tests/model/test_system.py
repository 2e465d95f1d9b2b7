"""System fields: $Table, $Field, $Rows, $Fields and $FieldNo are fields of the model, in
hidden system tables linked to nothing but each other. A filter pane or a table over them
works like one over data (Qlik help, "System fields"), and they stay out of the data
model's listings."""

from __future__ import annotations

from typing import Any

from associa.model.system import SYSTEM_TABLES
from associa.script import run_script
from associa.store.snapshot import dump_model, load_model
from tests.conftest import SALES_SCRIPT, Client


def listbox(field: str) -> dict[str, Any]:
    return {"qInfo": {"qType": "listbox"}, "qListObjectDef": {
        "qDef": {"qFieldDefs": [field], "qSortCriterias": [{"qSortByLoadOrder": 1}]},
        "qShowAlternatives": True,
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 1, "qHeight": 50}]}}


def states(client: Client, handle: int) -> dict[str, str]:
    page = client.layout(handle)["qListObject"]["qDataPages"][0]["qMatrix"]
    return {row[0]["qText"]: row[0]["qState"] for row in page}


def test_a_filter_pane_on_system_fields(loaded: Client) -> None:
    # SALES_SCRIPT: Sales (Region, Product, Amount; 4 rows), Regions (Region, Manager; 3)
    tables, fields, region = (loaded.create(listbox(f)) for f in ("$Table", "$Field", "Region"))
    assert states(loaded, tables) == {"Sales": "O", "Regions": "O"}
    assert list(states(loaded, fields)) == ["Region", "Product", "Amount", "Manager"]
    table = loaded.call("GetField", "$Table", handle=1)["qReturn"]["qHandle"]
    assert loaded.call("SelectValues", [{"qText": "Regions"}], handle=table) == {"qReturn": True}
    assert states(loaded, tables) == {"Sales": "A", "Regions": "S"}
    assert states(loaded, fields) == {"Region": "O", "Product": "X", "Amount": "X",
                                      "Manager": "O"}
    # the data does not see the system tables' selections
    assert set(states(loaded, region).values()) == {"O"}
    assert loaded.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"] == "310"


def test_a_table_of_the_tables(loaded: Client) -> None:
    cube = loaded.create({"qInfo": {"qType": "table"}, "qHyperCubeDef": {
        "qDimensions": [{"qDef": {"qFieldDefs": ["$Table"]}}],
        "qMeasures": [{"qDef": {"qDef": "Only($Rows)"}}, {"qDef": {"qDef": "Only($Fields)"}},
                      {"qDef": {"qDef": "Count($Field)"}}],
        "qInitialDataFetch": [{"qTop": 0, "qLeft": 0, "qWidth": 4, "qHeight": 10}]}})
    page = loaded.layout(cube)["qHyperCube"]["qDataPages"][0]["qMatrix"]
    rows = {row[0]["qText"]: [c["qText"] for c in row[1:]] for row in page}
    assert rows == {"Sales": ["4", "3", "3"], "Regions": ["3", "2", "2"]}


def test_system_tables_stay_out_of_the_data_model_listings(loaded: Client) -> None:
    tk = loaded.call("GetTablesAndKeys", {}, {}, 0, False, False, handle=1)
    assert [t["qName"] for t in tk["qtr"]] == ["Sales", "Regions"]
    assert [k["qKeyFields"] for k in tk["qk"]] == [["Region"]]
    plain = loaded.create({"qInfo": {"qType": "fl"}, "qFieldListDef": {}})
    names = [i["qName"] for i in loaded.layout(plain)["qFieldList"]["qItems"]]
    assert names == ["Region", "Product", "Amount", "Manager"]
    shown = loaded.create({"qInfo": {"qType": "fl"}, "qFieldListDef": {"qShowSystem": True}})
    items = loaded.layout(shown)["qFieldList"]["qItems"]
    assert [i["qName"] for i in items] == ["$Field", "$Table", "$Rows", "$Fields", "$FieldNo",
                                           "$Info", "Region", "Product", "Amount", "Manager"]
    assert loaded.call("GetLooselyCoupledVector", handle=1)["qv"] == [0, 0, 0, 0, 0]
    desc = loaded.call("GetFieldDescription", "$Table", handle=1)["qReturn"]
    assert desc["qIsSystem"] and desc["qCardinal"] == 2


def test_a_snapshot_holds_the_data_only() -> None:
    """The system tables are made again when a snapshot is read."""
    model = run_script(SALES_SCRIPT).model
    assert model.system_tables == list(SYSTEM_TABLES)
    back = load_model(dump_model(model))
    assert back.data_tables == ["Sales", "Regions"] and back.system_tables == list(SYSTEM_TABLES)
    assert back.data_fields == model.data_fields
    sym = back.fields["$Field"].symbols
    assert [sym.text(i) for i in range(len(sym))] == ["Region", "Product", "Amount", "Manager"]


def test_a_data_field_named_like_a_system_field_keeps_its_values() -> None:
    model = run_script("T: LOAD * INLINE [$Table, X\na, 1\nb, 2];").model
    assert model.system_tables == [] and model.data_tables == ["T"]
    sym = model.fields["$Table"].symbols
    assert [sym.text(i) for i in range(len(sym))] == ["a", "b"]
