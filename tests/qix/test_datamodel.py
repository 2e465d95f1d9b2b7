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
    client.call("CreateSessionApp")
    client.call("SetScript", (
        "A: LOAD * INLINE [\nk1, k2\n1, 1];\nB: LOAD * INLINE [\nk2, k3\n1, 1\n2, 2];\n"
        "C: LOAD * INLINE [\nk3, k1\n1, 1];\nD: LOAD * INLINE [\nz\n1];"
    ), handle=1)
    client.call("DoReload", handle=1)
    assert client.call("GetLooselyCoupledVector", handle=1) == {"qv": [0, 2, 0, 0, 0, 0, 0]}
