"""/apps/{id}/data/metadata and script versions."""

from __future__ import annotations

import os

import httpx

from associa.engine import Engine
from tests.rest.test_apps import create, loaded


def test_data_metadata(api: httpx.Client, rest_engine: Engine) -> None:
    app_id, app = loaded(api, rest_engine)
    meta = api.get(f"/apps/{app_id}/data/metadata").json()
    tables = {t["name"]: t for t in meta["tables"] if not t["is_system"]}
    assert set(tables) == set(app.model.data_tables)
    for name, t in tables.items():
        assert t["no_of_rows"] == app.model.tables[name].nrows
        assert t["no_of_fields"] == len(app.model.tables[name].fields)
    fields = {f["name"]: f for f in meta["fields"]}
    for name in app.model.data_fields:
        assert fields[name]["cardinal"] == app.model.fields[name].cardinal
        assert fields[name]["src_tables"] == app.model.fields[name].tables
    assert meta["static_byte_size"] > 0 and meta["has_section_access"] is False


def test_data_summary_now_and_before_the_last_reload(api: httpx.Client,
                                                    rest_engine: Engine) -> None:
    app_id = create(api)["attributes"]["id"]
    assert api.get(f"/apps/{app_id}/data/summary").json() == {
        "current": {"tables": {}}}  # no previous model before a reload
    app = rest_engine.get_app(app_id)
    app.set_script("T: LOAD RowNo() AS n AUTOGENERATE 3;")
    app.reload()
    app.set_script("T: LOAD RowNo() AS n, 1 AS m AUTOGENERATE 5; U: LOAD 1 AS u AUTOGENERATE 1;")
    app.reload()
    assert api.get(f"/apps/{app_id}/data/summary").json() == {
        "current": {"tables": {"T": {"rows": 5, "fields": ["n", "m"]},
                               "U": {"rows": 1, "fields": ["u"]}}},
        "previous": {"tables": {"T": {"rows": 3, "fields": ["n"]}}}}
    missing = api.get("/apps/nope/data/summary")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"]


def test_reload_meta_is_what_the_last_reload_cost(api: httpx.Client,
                                                  rest_engine: Engine) -> None:
    app_id = create(api)["attributes"]["id"]
    assert api.get(f"/apps/{app_id}/data/metadata").json()["reload_meta"] == {}
    app = rest_engine.get_app(app_id)
    app.set_script("T: LOAD RowNo() AS n, Sqrt(RowNo()) * Log(RowNo() + 1) AS x "
                   "AUTOGENERATE 400000;")
    app.reload()
    rest_engine.save_app(app)
    meta = api.get(f"/apps/{app_id}/data/metadata").json()["reload_meta"]
    assert meta["cpu_time_spent_ms"] > 0
    assert meta["hardware"] == {"logical_cores": os.cpu_count(),
                                "total_memory": os.sysconf("SC_PAGE_SIZE")
                                * os.sysconf("SC_PHYS_PAGES")}
    assert meta["peak_memory_bytes"] > 400000 * 8  # at least the column it made
    assert meta["fullReloadPeakMemoryBytes"] == meta["peak_memory_bytes"]
    assert "partialReloadPeakMemoryBytes" not in meta
    # a partial reload: its own figures, the full reload's peak stays
    app.set_script("T: ADD LOAD 1 AS n AUTOGENERATE 1;")
    app.reload(partial=True)
    rest_engine.save_app(app)
    after = api.get(f"/apps/{app_id}/data/metadata").json()["reload_meta"]
    assert after["partialReloadPeakMemoryBytes"] > 0
    assert after["fullReloadPeakMemoryBytes"] == meta["fullReloadPeakMemoryBytes"]
    # kept with the app: a reopened app reports it too
    rest_engine.unload(app_id)
    assert api.get(f"/apps/{app_id}/data/metadata").json()["reload_meta"] == after


def test_script_versions(api: httpx.Client, rest_engine: Engine) -> None:
    app_id = create(api)["attributes"]["id"]
    for i in range(3):
        r = api.post(f"/apps/{app_id}/scripts",
                     json={"script": f"LOAD {i} AS X AutoGenerate 1;",
                           "versionMessage": f"v{i}"})
        assert r.status_code == 200
    assert rest_engine.get_app(app_id).script == "LOAD 2 AS X AutoGenerate 1;"
    listed = api.get(f"/apps/{app_id}/scripts", params={"limit": 2}).json()
    assert [s["versionMessage"] for s in listed["scripts"]] == ["v2", "v1"]
    older = api.get(listed["links"]["next"]["href"]).json()
    assert [s["versionMessage"] for s in older["scripts"]] == ["v0"]
    one = api.get(f"/apps/{app_id}/scripts/{older['scripts'][0]['scriptId']}").json()
    assert one["script"] == "LOAD 0 AS X AutoGenerate 1;"
    assert api.get(f"/apps/{app_id}/scripts/nope").status_code == 404
    assert api.post(f"/apps/{app_id}/scripts", json={"script": 1}).status_code == 400
    assert api.post(f"/apps/{app_id}/scripts", json={"text": "x"}).status_code == 400


def test_lineage_lists_the_sources(api: httpx.Client, rest_engine: Engine,
                                   tmp_path) -> None:  # type: ignore[no-untyped-def]
    app_id = create(api)["attributes"]["id"]
    assert api.get(f"/apps/{app_id}/data/lineage").json() == []  # never reloaded
    app = rest_engine.get_app(app_id)
    app.set_script("T: LOAD * INLINE [A\n1\n2];\n"
                   "U: LOAD RecNo() AS B AutoGenerate 2;\n"
                   "V: LOAD A AS C RESIDENT T;\n"
                   "LET n = 3;\n"
                   "W: LOAD $(n) AS D AutoGenerate 1;\n")
    app.reload()
    rest_engine.save_app(app)
    lineage = api.get(f"/apps/{app_id}/data/lineage").json()
    assert [e["discriminator"] for e in lineage] == [
        "INLINE", "AUTOGENERATE", "RESIDENT T", "AUTOGENERATE"]
    assert lineage[2]["statement"] == "V: LOAD A AS C RESIDENT T"
    assert lineage[3]["statement"] == "W: LOAD 3 AS D AutoGenerate 1"  # as it ran
    rest_engine.apps.pop(app_id)  # kept with the app file
    assert api.get(f"/apps/{app_id}/data/lineage").json() == lineage


def test_data_metadata_is_the_callers_section_access_view(make_api, rest_engine: Engine) -> None:
    """A user sees the data model of the app as Section Access reduces it for them (the
    values and rows of their reduction, without omitted fields); a user the access
    table does not list is refused (403), as OpenDoc refuses them on the socket."""
    from associa.identity import Identity
    from tests.app.test_section_access import ORDERS, rows, script

    app = rest_engine.create_app("secured", script())
    app.reload()
    rest_engine.save_app(app)
    ann, _ = rest_engine.meta.create_api_key(Identity("ann", "corp", method="api-key"))
    zed, _ = rest_engine.meta.create_api_key(Identity("zed", "corp", method="api-key"))
    meta = make_api(ann).get(f"/apps/{app.id}/data/metadata").json()
    fields = {f["name"]: f for f in meta["fields"]}
    tables = {t["name"]: t for t in meta["tables"]}
    north = [r for r in rows(ORDERS) if r["REGION"] == "NORTH"]
    assert fields["REGION"]["cardinal"] == 1
    assert tables["Orders"]["no_of_rows"] == len(north)
    assert app.model.tables["Orders"].nrows > len(north)  # the whole model has more
    assert make_api(zed).get(f"/apps/{app.id}/data/metadata").status_code == 403
