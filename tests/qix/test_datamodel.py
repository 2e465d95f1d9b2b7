"""GetTablesAndKeys and GetFieldDescription over synthetic keys, loose tables and system
fields, through the protocol."""

from __future__ import annotations

from tests.conftest import Client

SCRIPT = """
Orders: LOAD * INLINE [
Region, Year, Amount
North, 2024, 10
South, 2024, 20
];
Targets: LOAD * INLINE [
Region, Year, Target
North, 2024, 100
];
"""


def _reload(client: Client, script: str) -> None:
    client.call("CreateSessionApp")
    client.call("SetScript", script, handle=1)
    assert client.call("DoReload", handle=1) == {"qReturn": True}


def test_tables_and_keys_source_and_internal(client: Client) -> None:
    _reload(client, SCRIPT)
    source = client.call("GetTablesAndKeys", {}, {}, 0, False, False, False, handle=1)
    assert [t["qName"] for t in source["qtr"]] == ["Orders", "Targets"]
    assert source["qk"] == [{"qKeyFields": ["Region", "Year"], "qTables": ["Orders", "Targets"]}]
    internal = client.call("GetTablesAndKeys", {}, {}, 0, True, False, False, handle=1)
    tables = {t["qName"]: t for t in internal["qtr"]}
    assert list(tables) == ["Orders", "Targets", "$Syn 1 Table"]
    assert tables["$Syn 1 Table"]["qIsSynthetic"] is True
    assert "qIsSynthetic" not in tables["Orders"]
    syn_field = next(f for f in tables["Orders"]["qFields"] if f["qName"] == "$Syn 1")
    assert syn_field["qIsSynthetic"] is True and "$syn" in syn_field["qTags"]
    # selections and aggregations over the synthetic key
    field = client.call("GetField", "Region", handle=1)["qReturn"]["qHandle"]
    client.call("Select", "North", handle=field)
    assert client.call("Evaluate", "Sum(Amount)", handle=1) == {"qReturn": "10"}
    assert client.call("Evaluate", "Sum(Target)", handle=1) == {"qReturn": "100"}


def test_loop_warning_in_the_progress_and_loose_table(client: Client) -> None:
    client.call("CreateSessionApp")
    client.call("SetScript", (
        "A: LOAD * INLINE [\nk1, k2\n1, 1];\nB: LOAD * INLINE [\nk2, k3\n1, 1\n2, 2];\n"
        "C: LOAD * INLINE [\nk3, k1\n1, 1];"
    ), handle=1)
    reply = client.send("DoReload", handle=1)
    assert reply["result"] == {"qReturn": True}
    progress = client.call("GetProgress", reply["id"])["qProgressData"]["qPersistentProgress"]
    assert "Circular reference" in progress and "'B'" in progress
    tables = {t["qName"]: t for t in client.call(
        "GetTablesAndKeys", {}, {}, 0, True, False, False, handle=1)["qtr"]}
    assert tables["B"].get("qLoose") is True
    assert "qLoose" not in tables["A"] and "qLoose" not in tables["C"]


def test_system_field_description(client: Client) -> None:
    _reload(client, SCRIPT)
    desc = client.call("GetFieldDescription", "$Table", handle=1)["qReturn"]
    assert desc["qIsSystem"] is True and desc["qCardinal"] == 3
    assert client.error("GetFieldDescription", "$Nope", handle=1)["code"] == 2


def test_loosely_coupled_vector(client: Client) -> None:
    _reload(client, (
        "A: LOAD * INLINE [\nk1, k2\n1, 1];\nB: LOAD * INLINE [\nk2, k3\n1, 1\n2, 2];\n"
        "C: LOAD * INLINE [\nk3, k1\n1, 1];\nD: LOAD * INLINE [\nz\n1];"
    ))
    assert client.call("GetLooselyCoupledVector", handle=1) == {"qv": [0, 2, 0, 0, 0, 0, 0]}


def test_set_loosely_coupled_vector(client: Client) -> None:
    """QlikView help, "Loosely coupled tables": Table1 (B, A), Table2 (A, C), Table3
    (C, D). Loosened through the API (state 1), Table2 passes no selection from C to A;
    coupled again, it does. The selection stays through both changes."""
    _reload(client, (
        "Table1: LOAD * INLINE [\nB, A\n1, x\n2, y\n3, z];\n"
        "Table2: LOAD * INLINE [\nA, C\nx, 5\ny, 7\nz, 9];\n"
        "Table3: LOAD * INLINE [\nC, D\n5, a\n7, b\n9, c];"
    ))
    assert client.call("GetLooselyCoupledVector", handle=1) == {"qv": [0, 0, 0, 0, 0, 0]}
    c = client.call("GetField", "C", handle=1)["qReturn"]["qHandle"]
    client.call("SelectValues", [{"qIsNumeric": True, "qNumber": 9}], handle=c)

    def count_b() -> str:
        return client.call("Evaluate", "Count(DISTINCT B)", handle=1)["qReturn"]

    assert count_b() == "1"
    assert client.call("SetLooselyCoupledVector", [0, 1, 0, 0, 0, 0], handle=1) == {
        "qReturn": True}
    assert client.call("GetLooselyCoupledVector", handle=1) == {"qv": [0, 1, 0, 0, 0, 0]}
    assert count_b() == "3"
    assert client.call("Evaluate", "Count(DISTINCT D)", handle=1)["qReturn"] == "1"
    client.call("SetLooselyCoupledVector", [0, 0, 0, 0, 0, 0], handle=1)
    assert client.call("GetLooselyCoupledVector", handle=1) == {"qv": [0, 0, 0, 0, 0, 0]}
    assert count_b() == "1"
    # too few states, or a state that is not one: an error, nothing changed
    assert client.error("SetLooselyCoupledVector", [0, 1], handle=1)["code"] == 8
    assert client.error("SetLooselyCoupledVector", [0, 7, 0, 0, 0, 0], handle=1)["code"] == 8
    assert client.call("GetLooselyCoupledVector", handle=1) == {"qv": [0, 0, 0, 0, 0, 0]}


def test_a_table_the_script_loosened_stays_loose(client: Client) -> None:
    _reload(client, (
        "A: LOAD * INLINE [\nk1, k2\n1, 1];\nB: LOAD * INLINE [\nk2, k3\n1, 1\n2, 2];\n"
        "C: LOAD * INLINE [\nk3, k1\n1, 1];"
    ))
    assert client.call("GetLooselyCoupledVector", handle=1) == {"qv": [0, 2, 0, 0, 0, 0]}
    client.call("SetLooselyCoupledVector", [1, 0, 0, 0, 0, 0], handle=1)
    assert client.call("GetLooselyCoupledVector", handle=1) == {"qv": [1, 2, 0, 0, 0, 0]}


def test_table_data_rows_in_load_order_with_nulls_and_duplicates(client: Client) -> None:
    """GetTableData: raw rows (duplicates kept) in load order (Facts is stored grouped
    by its key Id), a window of them; the
    source mode shows a $Syn key as its fields, the internal mode as the $Syn field."""
    _reload(client, SCRIPT + """
Facts: LOAD * INLINE [
Id, Item, Price
3, pen, 1.5
1, cup, 2
3, pen, 1.5
2, , 4
];
Items: LOAD * INLINE [
Id, Name
1, a
2, b
3, c
];
""")
    rows = client.call("GetTableData", 0, 10, False, "Facts", handle=1)["qData"]
    assert [[c["qText"] for c in r["qValue"]] for r in rows] == [
        ["3", "pen", "1.5"], ["1", "cup", "2"], ["3", "pen", "1.5"], ["2", "", "4"]]
    assert rows[0]["qValue"][2] == {"qText": "1.5", "qIsNumeric": True, "qNumber": 1.5}
    assert rows[0]["qValue"][1] == {"qText": "pen", "qIsNumeric": False, "qNumber": 0}
    window = client.call("GetTableData", handle=1, named={
        "qOffset": 1, "qRows": 2, "qSyntheticMode": False, "qTableName": "Facts"})["qData"]
    assert [r["qValue"][0]["qNumber"] for r in window] == [1, 3]
    assert client.call("GetTableData", 4, 10, False, "Facts", handle=1) == {"qData": []}
    source = client.call("GetTableData", 0, 5, False, "Orders", handle=1)["qData"]
    assert [[c["qText"] for c in r["qValue"]] for r in source] == [
        ["North", "2024", "10"], ["South", "2024", "20"]]
    internal = client.call("GetTableData", 0, 5, True, "Orders", handle=1)["qData"]
    assert all(len(r["qValue"]) == 2 for r in internal)  # $Syn 1, Amount


def test_table_data_nulls_and_errors(client: Client) -> None:
    _reload(client, "T: LOAD * INLINE [\na, b\n1, x\n];\nU: LOAD 2 AS a AUTOGENERATE 1;\n"
                    "V: LOAD 5 AS c, Null() AS d AUTOGENERATE 1;")
    row = client.call("GetTableData", 0, 1, False, "V", handle=1)["qData"][0]["qValue"]
    assert row[1] == {"qText": "-", "qIsNumeric": False, "qNumber": 0, "qIsNull": True}
    missing = client.send("GetTableData", 0, 1, False, "Nosuch", handle=1)
    assert missing["error"]["code"] == 2 and missing["error"]["parameter"] == "Nosuch"
    negative = client.send("GetTableData", -1, 1, False, "T", handle=1)
    assert negative["error"]["code"] == 8
    wrong = client.send("GetTableData", "zero", 1, False, "T", handle=1)
    assert wrong["error"]["code"] == -32602
