"""Data files and data connections in spaces: who sees, uses and changes them over REST
(by space role), and scripts that read a space's files and connections
(``lib://Sales:DataFiles/...``, ``LIB CONNECT TO 'Sales:Shop'``) only for a reloading
user who may use that space's data."""

from __future__ import annotations

import itertools
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from associa.app.connections import Actor
from associa.engine import Engine
from associa.errors import LibConnectionNotFound, SpaceDataDenied
from associa.settings import Settings
from tests.rest.conftest import ADMIN_KEY, ANN, BOB
from tests.rest.test_datafiles import CSV, upload
from tests.rest.test_reloads import app_with_script, wait

READ_SPACE_FILE = ("Sales: LOAD Region, Sales FROM [lib://Sales:DataFiles/s.csv] "
                   "(txt, embedded labels, delimiter is ',');\n")


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, api_key=ADMIN_KEY)


def space(ann: httpx.Client, name: str = "Sales") -> str:
    made = ann.post("/spaces", json={"name": name, "type": "shared"})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def give(ann: httpx.Client, sid: str, roles: list[str]) -> None:
    """Bob's roles in the space (assigned, or changed)."""
    mine = [a for a in ann.get(f"/spaces/{sid}/assignments").json()["data"]
            if a["assigneeId"] == "bob"]
    r = (ann.put(f"/spaces/{sid}/assignments/{mine[0]['id']}", json={"roles": roles})
         if mine else ann.post(f"/spaces/{sid}/assignments",
                               json={"type": "user", "assigneeId": "bob", "roles": roles}))
    assert r.status_code in (200, 201), r.text


def names(client: httpx.Client, **params: str) -> list[str]:
    return [f["name"] for f in client.get("/data-files", params=params).json()["data"]]


def test_space_files_by_role(make_api: Callable[..., httpx.Client], keys: dict[str, str],
                             rest_engine: Engine) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    sid = space(ann)
    made = upload(ann, "s.csv", spaceId=sid)
    assert made.status_code == 201, made.text
    f = made.json()
    assert (f["spaceId"], f["connectionId"]) == (sid, f"datafiles-{sid}")
    assert f["qri"] == f"qri:qdf:space://{sid}#{f['id']}"
    on_disk = rest_engine.settings.data_dir / "spacefiles" / sid / "s.csv"
    assert on_disk.read_bytes() == CSV
    mine = upload(ann, "mine.csv").json()
    assert ("spaceId" not in mine, mine["connectionId"]) == (True, "datafiles")
    assert names(ann) == ["mine.csv", "s.csv"]
    assert names(ann, connectionId=f"datafiles-{sid}") == ["s.csv"]
    assert names(ann, connectionId="datafiles") == ["mine.csv"]
    conns = ann.get("/data-files/connections").json()["data"]
    assert [(c["id"], c["spaceId"], c["connectStatement"]) for c in conns] == [
        ("datafiles", "", "lib://DataFiles/"),
        (f"datafiles-{sid}", sid, "lib://Sales:DataFiles/")]
    assert [c["id"] for c in ann.get("/data-files/connections",
                                     params={"spaceId": sid}).json()["data"]] == [
        f"datafiles-{sid}"]

    # not a member, and Can view (consumer): the space's data does not exist for Bob
    for roles in ([], ["consumer"]):
        if roles:
            give(ann, sid, roles)
        assert bob.get(f"/data-files/{f['id']}").status_code == 404
        assert bob.get(f"/data-files/{f['id']}/content").status_code == 404
        assert bob.delete(f"/data-files/{f['id']}").status_code == 404
        assert names(bob) == [] and names(bob, connectionId=f"datafiles-{sid}") == []
        assert [c["id"] for c in bob.get("/data-files/connections").json()["data"]] == [
            "datafiles"]
        assert upload(bob, "b.csv", spaceId=sid).status_code == 404
    # Can consume data: sees and reads, changes nothing
    give(ann, sid, ["dataconsumer"])
    seen = bob.get(f"/data-files/{f['id']}")
    assert seen.status_code == 200 and seen.json()["actions"] == ["read", "list"]
    assert bob.get(f"/data-files/{f['id']}/content").content == CSV
    assert names(bob) == ["s.csv"]  # not Ann's personal file
    assert bob.put(f"/data-files/{f['id']}", files={"File": ("x", b"N\n")}
                   ).status_code == 403
    assert bob.delete(f"/data-files/{f['id']}").status_code == 403
    assert upload(bob, "b.csv", spaceId=sid).status_code == 403
    assert upload(bob, "b.csv", connectionId=f"datafiles-{sid}").status_code == 403
    assert on_disk.read_bytes() == CSV and names(ann, connectionId=f"datafiles-{sid}") == [
        "s.csv"]
    # Can edit (producer): changes them
    give(ann, sid, ["producer"])
    assert bob.put(f"/data-files/{f['id']}", files={"File": ("x", b"N\n1\n")}
                   ).status_code == 200
    assert on_disk.read_bytes() == b"N\n1\n"
    added = upload(bob, "b.csv", connectionId=f"datafiles-{sid}")
    assert added.status_code == 201 and added.json()["spaceId"] == sid
    assert bob.delete(f"/data-files/{added.json()['id']}").status_code == 204
    assert bob.get(f"/data-files/{mine['id']}").status_code == 404  # Ann's own stays hers


def test_bad_space_references_change_nothing(make_api: Callable[..., httpx.Client],
                                             keys: dict[str, str],
                                             rest_engine: Engine) -> None:
    ann = make_api(keys["ann"])
    sid = space(ann)
    other = space(ann, "Other")
    assert upload(ann, "a.csv", spaceId="nope").status_code == 404
    assert upload(ann, "a.csv", connectionId="nope").status_code == 400
    assert upload(ann, "a.csv", connectionId="datafiles-nope").status_code == 404
    assert upload(ann, "a.csv", spaceId=sid,
                  connectionId=f"datafiles-{other}").status_code == 400
    assert names(ann) == []
    assert not (rest_engine.settings.data_dir / "spacefiles").exists()
    f = upload(ann, "a.csv", spaceId=sid).json()
    moved = ann.put(f"/data-files/{f['id']}",
                    files={"Json": (None, f'{{"spaceId": "{other}"}}')})
    assert moved.status_code == 400
    assert ann.get(f"/data-files/{f['id']}").json()["spaceId"] == sid
    assert ann.get("/data-files/connections", params={"spaceId": "nope"}
                   ).json()["data"] == []


def sqlite_db(path: Path) -> Path:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE sales (region TEXT, amount INTEGER)")
        db.executemany("INSERT INTO sales VALUES (?, ?)", [("North", 10), ("South", 20)])
    return path


def test_space_connections_by_role(make_api: Callable[..., httpx.Client],
                                   keys: dict[str, str], tmp_path: Path) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    sid = space(ann)
    db = str(sqlite_db(tmp_path / "shop.sqlite"))
    body = {"qName": "Shop", "qType": "sqlite", "qConnectStatement": db,
            "qUsername": "u", "qPassword": "secret-pw", "space": sid}
    made = ann.post("/data-connections", json=body)
    assert made.status_code == 201, made.text
    conn = made.json()
    assert conn["space"] == sid and "secret-pw" not in made.text
    cid = conn["id"]
    for roles in ([], ["consumer"]):  # not a member; Can view
        if roles:
            give(ann, sid, roles)
        assert bob.get(f"/data-connections/{cid}").status_code == 404
        assert bob.get("/data-connections").json()["data"] == []
        assert bob.post("/data-connections", json={**body, "qName": "B"}
                        ).status_code == 400
    give(ann, sid, ["dataconsumer"])
    seen = bob.get(f"/data-connections/{cid}")
    assert seen.status_code == 200 and "secret-pw" not in seen.text
    assert [c["qName"] for c in bob.get("/data-connections").json()["data"]] == ["Shop"]
    assert bob.put(f"/data-connections/{cid}", json={**body, "qName": "X"}
                   ).status_code == 403
    assert bob.delete(f"/data-connections/{cid}").status_code == 403
    assert bob.post("/data-connections", json={**body, "qName": "B"}).status_code == 403
    assert ann.post("/data-connections", json={**body, "qName": "C", "space": "nope"}
                    ).status_code == 400
    assert [c["qName"] for c in ann.get("/data-connections").json()["data"]] == ["Shop"]
    # a connection stays in its space
    assert ann.put(f"/data-connections/{cid}", json={**body, "space": None}
                   ).status_code == 400
    give(ann, sid, ["producer"])
    assert bob.put(f"/data-connections/{cid}", json={**body, "qName": "Shop2"}
                   ).status_code == 204
    assert ann.get(f"/data-connections/{cid}").json()["qName"] == "Shop2"


def test_scripts_read_a_space_s_data_for_its_members(
        make_api: Callable[..., httpx.Client], keys: dict[str, str], rest_engine: Engine,
        tmp_path: Path) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    sid = space(ann)
    upload(ann, "s.csv", spaceId=sid)
    # a name is the space's: a personal s.csv beside the space's
    assert upload(ann, "s.csv", b"Region,Sales\nPersonal,1\n").status_code == 201
    db = str(sqlite_db(tmp_path / "shop.sqlite"))
    assert ann.post("/data-connections", json={
        "qName": "Shop", "qType": "sqlite", "qConnectStatement": db, "space": sid}
    ).status_code == 201
    # an app in the space: the space-qualified names, and its space's for the plain ones
    in_space = ann.post("/apps", json={"attributes": {"name": "In", "spaceId": sid}}
                        ).json()["attributes"]["id"]
    app = rest_engine.get_app(in_space)
    app.set_script("Plain: LOAD Region AS R, Sales AS S FROM [lib://DataFiles/s.csv] "
                   "(txt, embedded labels, delimiter is ',');\n" + READ_SPACE_FILE
        + "LIB CONNECT TO 'Sales:Shop';\nDb: SQL SELECT region FROM sales;\n"
        + "LIB CONNECT TO 'Shop';\nDb2: SQL SELECT amount FROM sales;\n")
    rest_engine.save_app(app)
    done = wait(ann, ann.post("/reloads", json={"appId": in_space}).json()["id"])
    assert done["status"] == "SUCCEEDED", done
    tables = rest_engine.get_app(in_space).model.tables
    assert (tables["Plain"].nrows, tables["Sales"].nrows, tables["Db"].nrows,
            tables["Db2"].nrows) == (3, 3, 2, 2)
    # a personal app's lib://DataFiles/s.csv: the personal one
    personal = app_with_script(ann, rest_engine, "P: LOAD Region FROM [lib://DataFiles/"
                               "s.csv] (txt, embedded labels, delimiter is ',');\n")
    assert wait(ann, ann.post("/reloads", json={"appId": personal}).json()["id"])[
        "status"] == "SUCCEEDED"
    assert rest_engine.get_app(personal).model.tables["P"].nrows == 1

    # Bob's own app names the space: refused while he is no member with a data role
    bobs = app_with_script(bob, rest_engine, "Old: LOAD 1 AS X AUTOGENERATE 1;\n")
    assert wait(bob, bob.post("/reloads", json={"appId": bobs}).json()["id"])[
        "status"] == "SUCCEEDED"
    app = rest_engine.get_app(bobs)
    app.set_script(READ_SPACE_FILE)
    rest_engine.save_app(app)
    for roles in ([], ["consumer"]):
        if roles:
            give(ann, sid, roles)
        failed = wait(bob, bob.post("/reloads", json={"appId": bobs}).json()["id"])
        assert failed["status"] == "FAILED", failed
        assert "may not use the data of space 'Sales'" in failed["errorMessage"]
        assert list(rest_engine.get_app(bobs).model.data_tables) == ["Old"]  # nothing lost
    app.set_script("LIB CONNECT TO 'Sales:Shop';\nDb: SQL SELECT region FROM sales;\n")
    failed = wait(bob, bob.post("/reloads", json={"appId": bobs}).json()["id"])
    assert failed["status"] == "FAILED" and "Sales" in failed["errorMessage"]
    give(ann, sid, ["dataconsumer"])
    app.set_script(READ_SPACE_FILE
                   + "LIB CONNECT TO 'Sales:Shop';\nDb: SQL SELECT region FROM sales;\n")
    done = wait(bob, bob.post("/reloads", json={"appId": bobs}).json()["id"])
    assert done["status"] == "SUCCEEDED", done
    assert rest_engine.get_app(bobs).model.tables["Sales"].nrows == 3


def test_a_qix_reload_is_checked_for_its_user(make_api: Callable[..., httpx.Client],
                                              keys: dict[str, str],
                                              rest_engine: Engine) -> None:
    """The check DoReload makes (``qix/api/doc.py`` reloads with the session's user as
    the Actor): a user who is no member of the space is refused, the model kept."""
    ann = make_api(keys["ann"])
    sid = space(ann)
    upload(ann, "s.csv", spaceId=sid)
    app_id = app_with_script(ann, rest_engine, READ_SPACE_FILE)
    app = rest_engine.get_app(app_id)
    with pytest.raises(SpaceDataDenied, match="bob may not use the data of space 'Sales'"):
        app.reload(actor=Actor(app_id, BOB))
    assert list(app.model.data_tables) == []
    app.reload(actor=Actor(app_id, ANN))  # the space's owner
    assert app.model.tables["Sales"].nrows == 3


# every data-files and data-connections operation on a space's resource × Bob's roles
# in the space (none: not a member) → the status he gets (Ann, the space's owner, and
# the administrator succeed: test_space_files_by_role, test_space_connections_by_role)
SEE, USE_ONLY, WRITE = ({"": 404, "consumer": 404, "dataconsumer": 200, "producer": 200},
                        {"": 404, "consumer": 404, "dataconsumer": 403, "producer": 200},
                        {"": 404, "consumer": 404, "dataconsumer": 403, "producer": 201})
MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/data-files/{id}"): SEE,
    ("GET", "/data-files/{id}/content"): SEE,
    ("PUT", "/data-files/{id}"): USE_ONLY,
    ("DELETE", "/data-files/{id}"): {**USE_ONLY, "producer": 204},
    ("POST", "/data-files"): WRITE,
    ("GET", "/data-connections/{qID}"): SEE,
    ("PUT", "/data-connections/{qID}"): {**USE_ONLY, "producer": 204},
    ("DELETE", "/data-connections/{qID}"): {**USE_ONLY, "producer": 204},
    ("POST", "/data-connections"): {**WRITE, "": 400, "consumer": 400},
}


def test_the_matrix_covers_every_data_operation() -> None:
    from associa.rest import dataconnections, datafiles

    by_id = {(op.method, op.path) for m in (datafiles, dataconnections)
             for op in m.OPERATIONS if "{" in op.path or op.method == "POST"}
    assert by_id == set(MATRIX)


@pytest.mark.parametrize("role", ["", "consumer", "dataconsumer", "producer"])
def test_space_data_matrix(make_api: Callable[..., httpx.Client], keys: dict[str, str],
                           rest_engine: Engine, tmp_path: Path, role: str) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    sid = space(ann)
    if role:
        give(ann, sid, [role])
    db = str(sqlite_db(tmp_path / "shop.sqlite"))
    names_ = itertools.count()
    got: dict[tuple[str, str], int] = {}
    for method, path in MATRIX:
        conn = {"qName": f"C{next(names_)}", "qType": "sqlite", "qConnectStatement": db,
                "space": sid}
        file_id = upload(ann, f"f{next(names_)}.csv", spaceId=sid).json()["id"]
        conn_id = ann.post("/data-connections", json=conn).json()["id"]
        url = path.replace("{id}", file_id).replace("{qID}", conn_id)
        if path == "/data-files":
            r = upload(bob, f"b{next(names_)}.csv", spaceId=sid)
        elif path.startswith("/data-files") and method == "PUT":
            r = bob.put(url, files={"File": ("x", b"N\n1\n")})
        elif path.startswith("/data-connections") and method in ("POST", "PUT"):
            r = bob.request(method, url, json={**conn, "qName": f"B{next(names_)}"})
        else:
            r = bob.request(method, url)
        got[(method, path)] = r.status_code
    assert got == {k: v[role] for k, v in MATRIX.items()}


def test_what_a_space_app_stores_is_the_space_s(make_api: Callable[..., httpx.Client],
                                                keys: dict[str, str],
                                                rest_engine: Engine) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    sid = space(ann)
    in_space = ann.post("/apps", json={"attributes": {"name": "In", "spaceId": sid}}
                        ).json()["attributes"]["id"]
    app = rest_engine.get_app(in_space)
    app.set_script("T: LOAD RecNo() AS N AUTOGENERATE 3;\n"
                   "STORE T INTO [lib://DataFiles/plain.csv] (txt);\n"
                   "STORE T INTO [lib://Sales:DataFiles/named.csv] (txt);\n")
    rest_engine.save_app(app)
    done = wait(ann, ann.post("/reloads", json={"appId": in_space}).json()["id"])
    assert done["status"] == "SUCCEEDED", done
    listed = ann.get("/data-files").json()["data"]
    assert sorted((f["name"], f.get("spaceId")) for f in listed) == [
        ("named.csv", sid), ("plain.csv", sid)]
    folder = rest_engine.settings.data_dir / "spacefiles" / sid
    assert sorted(p.name for p in folder.iterdir()) == ["named.csv", "plain.csv"]
    assert bob.get("/data-files").json()["data"] == []
    give(ann, sid, ["dataconsumer"])
    assert len(bob.get("/data-files").json()["data"]) == 2


def test_auto_reload_knows_a_space_s_files() -> None:
    from associa.rest.scheduler import files_read

    assert files_read([("lib://Sales:DataFiles/s.csv", "T"), ("lib://DataFiles/p.csv", "U"),
                       ("lib://Other/x.csv", "V")]) == {"s.csv", "p.csv"}


def test_a_space_with_data_is_not_deleted(make_api: Callable[..., httpx.Client],
                                          keys: dict[str, str]) -> None:
    ann = make_api(keys["ann"])
    sid = space(ann)
    f = upload(ann, "s.csv", spaceId=sid).json()
    assert ann.delete(f"/spaces/{sid}").status_code == 409
    assert ann.get(f"/data-files/{f['id']}").status_code == 200
    assert ann.delete(f"/data-files/{f['id']}").status_code == 204
    assert ann.delete(f"/spaces/{sid}").status_code == 204


def test_the_same_name_in_two_spaces(make_api: Callable[..., httpx.Client],
                                     keys: dict[str, str], rest_engine: Engine) -> None:
    ann = make_api(keys["ann"])
    sales, other = space(ann), space(ann, "Other")
    assert upload(ann, "s.csv", spaceId=sales).status_code == 201
    made = upload(ann, "s.csv", b"Region,Sales\nWest,1\n", spaceId=other)
    assert made.status_code == 201, made.text
    again = upload(ann, "s.csv", spaceId=other)  # still one per space
    assert again.status_code == 409
    assert sorted((f["name"], f["spaceId"]) for f in ann.get("/data-files").json()["data"]
                  ) == sorted([("s.csv", sales), ("s.csv", other)])
    renamed = upload(ann, "t.csv", spaceId=other).json()["id"]
    taken = ann.put(f"/data-files/{renamed}", files={"Json": (None, '{"name": "s.csv"}')})
    assert taken.status_code == 409
    # each space's script name finds that space's file
    app_id = app_with_script(ann, rest_engine, READ_SPACE_FILE
                             + "Other: LOAD Region AS R FROM [lib://Other:DataFiles/s.csv] "
                             "(txt, embedded labels, delimiter is ',');\n")
    done = wait(ann, ann.post("/reloads", json={"appId": app_id}).json()["id"])
    assert done["status"] == "SUCCEEDED", done
    tables = rest_engine.get_app(app_id).model.tables
    assert (tables["Sales"].nrows, tables["Other"].nrows) == (3, 1)
    # a STORE into one space's files lists the file in that space only
    app = rest_engine.get_app(app_id)
    app.set_script("T: LOAD 1 AS N AUTOGENERATE 2;\n"
                   "STORE T INTO [lib://Other:DataFiles/s.csv] (txt);\n")
    rest_engine.save_app(app)
    assert wait(ann, ann.post("/reloads", json={"appId": app_id}).json()["id"])[
        "status"] == "SUCCEEDED"
    sizes = {(f["name"], f["spaceId"]): f["size"]
             for f in ann.get("/data-files").json()["data"]}
    stored = (rest_engine.settings.data_dir / "spacefiles" / other / "s.csv").read_bytes()
    assert stored.endswith(b"N\r\n1\r\n1\r\n")
    assert sizes == {("s.csv", sales): len(CSV), ("s.csv", other): len(stored),
                     ("t.csv", other): len(CSV)}


def test_the_same_connection_name_in_two_spaces(make_api: Callable[..., httpx.Client],
                                                keys: dict[str, str],
                                                tmp_path: Path) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    db = str(sqlite_db(tmp_path / "shop.sqlite"))
    body = {"qName": "Shop", "qType": "sqlite", "qConnectStatement": db}
    sales, other = space(ann), space(ann, "Other")
    for where in (sales, other, None):
        made = ann.post("/data-connections", json={**body, "space": where})
        assert made.status_code == 201, made.text
    for where in (sales, other, None):
        assert ann.post("/data-connections", json={**body, "space": where}
                        ).status_code == 409
    # a personal name is its owner's: Bob has his own Shop
    assert bob.post("/data-connections", json=body).status_code == 201
    assert bob.post("/data-connections", json=body).status_code == 409
    assert len(ann.get("/data-connections").json()["data"]) == 3


def test_a_personal_connection_is_its_owner_s(make_api: Callable[..., httpx.Client],
                                              keys: dict[str, str], rest_engine: Engine,
                                              tmp_path: Path) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    db = str(sqlite_db(tmp_path / "shop.sqlite"))
    assert ann.post("/data-connections", json={
        "qName": "Shop", "qType": "sqlite", "qConnectStatement": db}).status_code == 201
    script = "LIB CONNECT TO 'Shop';\nDb: SQL SELECT region FROM sales;\n"
    bobs = app_with_script(bob, rest_engine, script)
    failed = wait(bob, bob.post("/reloads", json={"appId": bobs}).json()["id"])
    assert failed["status"] == "FAILED" and "'Shop' not found" in failed["errorMessage"]
    anns = app_with_script(ann, rest_engine, script)
    done = wait(ann, ann.post("/reloads", json={"appId": anns}).json()["id"])
    assert done["status"] == "SUCCEEDED", done
    # Bob's own Shop, another database: his script finds his
    other = tmp_path / "bob.sqlite"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE sales (region TEXT)")
        con.execute("INSERT INTO sales VALUES ('Bob')")
    assert bob.post("/data-connections", json={
        "qName": "Shop", "qType": "sqlite", "qConnectStatement": str(other)}
    ).status_code == 201
    done = wait(bob, bob.post("/reloads", json={"appId": bobs}).json()["id"])
    assert done["status"] == "SUCCEEDED", done
    assert rest_engine.get_app(bobs).model.tables["Db"].nrows == 1
    with pytest.raises(LibConnectionNotFound):  # outside a reload: no one's
        rest_engine.get_app(anns).connections.connect("Shop")


def test_a_queued_reload_counts_groups_and_admin_as_they_are(
        make_api: Callable[..., httpx.Client], keys: dict[str, str],
        rest_engine: Engine) -> None:
    """Bob's reload of a script reading the space's file: his directory groups and his
    TenantAdmin role, looked up when the reload runs, give him the space's data."""
    admin, ann, bob = (make_api(keys[k]) for k in ("admin", "ann", "bob"))
    sid = space(ann)
    upload(ann, "s.csv", spaceId=sid)
    team = admin.post("/groups", json={"name": "team"}).json()["id"]
    assert ann.post(f"/spaces/{sid}/assignments", json={
        "type": "group", "assigneeId": team, "roles": ["dataconsumer"]}).status_code == 201
    bobs = app_with_script(bob, rest_engine, READ_SPACE_FILE)

    def reload() -> dict[str, object]:
        return wait(bob, bob.post("/reloads", json={"appId": bobs}).json()["id"])

    failed = reload()
    assert failed["status"] == "FAILED"
    assert "bob may not use the data of space 'Sales'" in str(failed["errorMessage"])
    user = admin.post("/users", json={"subject": "bob", "assignedGroups": [{"id": team}]})
    assert user.status_code == 201, user.text
    assert reload()["status"] == "SUCCEEDED"
    uid = user.json()["id"]
    for path, value in (("/assignedGroups", []), ("/assignedRoles", [{"name": "TenantAdmin"}])):
        assert admin.patch(f"/users/{uid}", json=[
            {"op": "replace", "path": path, "value": value}]).status_code == 204
        if path == "/assignedGroups":
            assert reload()["status"] == "FAILED"  # no longer in the group
    assert reload()["status"] == "SUCCEEDED"  # an administrator
    assert rest_engine.get_app(bobs).model.tables["Sales"].nrows == 3


def test_a_queued_reload_counts_its_credential_s_groups(
        make_api: Callable[..., httpx.Client], keys: dict[str, str],
        rest_engine: Engine) -> None:
    """A group only Bob's credential carries (his API key's, as a JWT's groups claim),
    not the directory: his queued reload has it, and so the space's data."""
    from dataclasses import replace

    admin, ann = make_api(keys["admin"]), make_api(keys["ann"])
    sid = space(ann)
    upload(ann, "s.csv", spaceId=sid)
    team = admin.post("/groups", json={"name": "team"}).json()["id"]
    assert ann.post(f"/spaces/{sid}/assignments", json={
        "type": "group", "assigneeId": team, "roles": ["dataconsumer"]}).status_code == 201
    plain = make_api(keys["bob"])
    in_team, _ = rest_engine.meta.create_api_key(replace(BOB, groups=("team",)))
    bob = make_api(in_team)
    bobs = app_with_script(bob, rest_engine, READ_SPACE_FILE)
    failed = wait(plain, plain.post("/reloads", json={"appId": bobs}).json()["id"])
    assert failed["status"] == "FAILED" and "may not use the data" in failed["errorMessage"]
    done = wait(bob, bob.post("/reloads", json={"appId": bobs}).json()["id"])
    assert done["status"] == "SUCCEEDED", done
    assert "groups" not in done  # kept with the record, not shown
    assert rest_engine.get_app(bobs).model.tables["Sales"].nrows == 3


def test_a_scheduled_reload_runs_as_its_task_s_owner_with_their_groups(
        make_api: Callable[..., httpx.Client], keys: dict[str, str],
        rest_engine: Engine) -> None:
    """A reload task's run is its owner's (Bob's, not the space owner's), with the
    groups the directory gives him when it runs."""
    from datetime import UTC, datetime

    from associa.rest.reloadqueue import ReloadQueue
    from associa.rest.scheduler import Scheduler

    admin, ann, bob = (make_api(keys[k]) for k in ("admin", "ann", "bob"))
    sid = space(ann)
    upload(ann, "s.csv", spaceId=sid)
    team = admin.post("/groups", json={"name": "team"}).json()["id"]
    ann.post(f"/spaces/{sid}/assignments", json={
        "type": "group", "assigneeId": team, "roles": ["dataconsumer"]})
    bobs = app_with_script(bob, rest_engine, READ_SPACE_FILE)
    made = bob.post("/reload-tasks", json={
        "appId": bobs, "timeZone": "UTC", "recurrence": ["FREQ=DAILY;BYHOUR=8"],
        "startDateTime": "2030-03-27T08:00:00"})
    assert made.status_code == 201, made.text
    reloads = ReloadQueue(rest_engine)
    scheduler = Scheduler(rest_engine, reloads)
    [first] = scheduler.tick(datetime(2030, 3, 27, 8, tzinfo=UTC))
    ran = reloads.wait(first)
    assert (ran.status, ran.user_id) == ("FAILED", "bob")
    assert admin.post("/users", json={"subject": "bob", "assignedGroups": [{"id": team}]}
                      ).status_code == 201
    [second] = scheduler.tick(datetime(2030, 3, 28, 8, tzinfo=UTC))
    assert reloads.wait(second).status == "SUCCEEDED"
    reloads.stop()


def test_a_scheduled_reload_has_the_groups_its_owner_s_credential_carried(
        make_api: Callable[..., httpx.Client], keys: dict[str, str],
        rest_engine: Engine) -> None:
    """A task made with a credential carrying a group (an API key's, as a JWT's
    groups claim) that the directory does not give its owner: its runs have it."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from associa.rest.reloadqueue import ReloadQueue
    from associa.rest.scheduler import Scheduler

    admin, ann = make_api(keys["admin"]), make_api(keys["ann"])
    sid = space(ann)
    upload(ann, "s.csv", spaceId=sid)
    team = admin.post("/groups", json={"name": "team"}).json()["id"]
    ann.post(f"/spaces/{sid}/assignments", json={
        "type": "group", "assigneeId": team, "roles": ["dataconsumer"]})
    in_team, _ = rest_engine.meta.create_api_key(replace(BOB, groups=("team",)))
    plain, bob = make_api(keys["bob"]), make_api(in_team)
    runs = []
    for client, day in ((plain, 27), (bob, 28)):
        app_id = app_with_script(client, rest_engine, READ_SPACE_FILE)
        assert client.post("/reload-tasks", json={
            "appId": app_id, "timeZone": "UTC", "recurrence": ["FREQ=DAILY;BYHOUR=8"],
            "startDateTime": f"2030-03-{day}T08:00:00"}).status_code == 201
    reloads = ReloadQueue(rest_engine)
    scheduler = Scheduler(rest_engine, reloads)
    try:
        runs = [reloads.wait(r) for r in scheduler.tick(datetime(2030, 3, 28, 8, tzinfo=UTC))]
    finally:
        reloads.stop()
    assert sorted((r.status, r.user_id) for r in runs) == [("FAILED", "bob"),
                                                           ("SUCCEEDED", "bob")]


def test_a_refused_space_is_named_in_the_reload_log(make_api: Callable[..., httpx.Client],
                                                    keys: dict[str, str],
                                                    rest_engine: Engine) -> None:
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    upload(ann, "s.csv", spaceId=space(ann))
    bobs = app_with_script(bob, rest_engine, READ_SPACE_FILE)
    failed = wait(bob, bob.post("/reloads", json={"appId": bobs}).json()["id"])
    assert failed["status"] == "FAILED"
    assert "bob may not use the data of space 'Sales'" in str(failed["log"])
    with pytest.raises(SpaceDataDenied):
        rest_engine.get_app(bobs).reload(actor=Actor(bobs, BOB))


def test_two_users_have_personal_files_of_one_name(make_api: Callable[..., httpx.Client],
                                                   keys: dict[str, str],
                                                   rest_engine: Engine) -> None:
    """Each user's personal ``s.csv``: uploads of one name by two users, each user's
    reload reading its own as ``lib://DataFiles/s.csv``, and what each STOREs there
    listed as theirs."""
    ann, bob = make_api(keys["ann"]), make_api(keys["bob"])
    assert upload(ann, "s.csv", b"Region,Sales\nAnn,1\n").status_code == 201
    assert upload(bob, "s.csv", b"Region,Sales\nBob,2\nBob,3\n").status_code == 201
    assert upload(ann, "s.csv").status_code == 409  # hers already
    script = ("P: LOAD Region, Sales FROM [lib://DataFiles/s.csv] "
              "(txt, embedded labels, delimiter is ',');\n"
              "STORE P INTO [lib://DataFiles/copy.csv] (txt);\n")
    for client, rows in ((ann, 1), (bob, 2)):
        app_id = app_with_script(client, rest_engine, script)
        done = wait(client, client.post("/reloads", json={"appId": app_id}).json()["id"])
        assert done["status"] == "SUCCEEDED", done
        assert rest_engine.get_app(app_id).model.tables["P"].nrows == rows
    for client, user, lines in ((ann, "ann", ["Ann,1"]), (bob, "bob", ["Bob,2", "Bob,3"])):
        mine = client.get("/data-files").json()["data"]
        assert sorted((f["name"], f["ownerId"]) for f in mine) == [
            ("copy.csv", user), ("s.csv", user)]
        copy = next(f for f in mine if f["name"] == "copy.csv")
        stored = client.get(f"/data-files/{copy['id']}/content").text.strip().splitlines()
        assert stored[1:] == lines
    # one deleted, the other's file of that name stays
    gone = next(f for f in ann.get("/data-files").json()["data"] if f["name"] == "s.csv")
    assert ann.delete(f"/data-files/{gone['id']}").status_code == 204
    left = next(f for f in bob.get("/data-files").json()["data"] if f["name"] == "s.csv")
    assert bob.get(f"/data-files/{left['id']}/content").text.startswith("Region,Sales\nBob")


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_migration_0010_keeps_the_rows_of_0009(request: pytest.FixtureRequest,
                                               tmp_path: Path, kind: str) -> None:
    """A database at 0009 with files and connections, upgraded: the rows stay, and the
    names are unique per space (a personal file's or connection's per owner)."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from associa.app.access import Owner
    from associa.app.connections import Connection
    from associa.store.dataconnections import DataConnectionStore
    from associa.store.dataconnections import NameTaken as ConnTaken
    from associa.store.datafiles import DataFileStore, NameTaken
    from associa.store.meta import DB_NAME, MetaStore, alembic_config
    from tests.rest.conftest import pg_url

    if kind == "sqlite":
        url = ""
        engine = create_engine(f"sqlite:///{tmp_path / DB_NAME}")
    else:
        server = request.getfixturevalue("postgres")
        name = f"m10_{uuid.uuid4().hex[:10]}"
        server.execute(f"CREATE DATABASE {name}")
        request.addfinalizer(lambda: server.execute(f"DROP DATABASE {name} WITH (FORCE)"))
        url = pg_url(server, name)
        engine = create_engine(url)
    when = "2026-12-01 10:00:00+00:00"
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0009")
        conn.execute(text(
            "INSERT INTO data_files (id, name, owner_id, owner_directory, app_id, space_id, "
            "size, created, modified) VALUES ('f1', 's.csv', 'ann', 'corp', '', 'sp1', 3, "
            ":w, :w), ('f2', 'p.csv', 'ann', 'corp', '', '', 4, :w, :w)"), {"w": when})
        conn.execute(text(
            "INSERT INTO data_connections (id, name, type, connect_statement, credentials, "
            "owner_id, owner_directory, space_id, created, updated) VALUES "
            "('c1', 'Shop', 'sqlite', 'x.db', '', 'ann', 'corp', 'sp1', :w, :w), "
            "('c2', 'Mine', 'sqlite', 'y.db', '', 'ann', 'corp', '', :w, :w)"), {"w": when})
    engine.dispose()
    meta = MetaStore.open(tmp_path, url)
    try:
        files = DataFileStore(meta.db, tmp_path)
        assert [(f.id, f.space_id, f.size) for f in files.find()] == [
            ("f2", "", 4), ("f1", "sp1", 3)]
        ann, bob = Owner("ann", "corp"), Owner("bob", "corp")
        assert files.add("s.csv", b"abc", ann, space_id="sp2").space_id == "sp2"
        assert files.add("s.csv", b"abc", ann).space_id == ""
        with pytest.raises(NameTaken):
            files.add("s.csv", b"abc", bob, space_id="sp1")
        assert files.add("p.csv", b"x", bob).owner_id == "bob"  # 0011: per owner
        with pytest.raises(NameTaken):
            files.add("p.csv", b"x", ann)
        conns = DataConnectionStore(meta.db)
        assert {(c.connection.id, c.space_id) for c in conns.find()} == {
            ("c1", "sp1"), ("c2", "")}
        conns.add(Connection("c3", "Shop", "z.db", "sqlite"), ann, "sp2")
        conns.add(Connection("c4", "Mine", "z.db", "sqlite"), bob)
        for taken in (Connection("c5", "Shop", "z.db", "sqlite"),
                      Connection("c6", "Mine", "z.db", "sqlite")):
            with pytest.raises(ConnTaken):
                conns.add(taken, ann, "sp1" if taken.name == "Shop" else "")
        assert conns.personal("Mine", bob) is not None
        assert conns.personal("Mine", ann).id == "c2"  # type: ignore[union-attr]
    finally:
        meta.close()
