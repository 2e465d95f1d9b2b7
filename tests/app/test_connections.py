"""Folder connections: ``lib://name/path`` inside the folder only."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from associa.app.connections import Connection, Connections
from associa.errors import AccessDenied, ConnectionNotFound, InvalidParameters, ScriptError


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "base" / "data" / "sub").mkdir(parents=True)
    (tmp_path / "base" / "data" / "a.csv").write_text("A\n1\n")
    (tmp_path / "base" / "data" / "sub" / "b.csv").write_text("B\n2\n")
    (tmp_path / "base" / "secret.csv").write_text("S\nsecret\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.csv").write_text("X\n")
    return tmp_path


@pytest.fixture
def conns(tree: Path) -> Connections:
    c = Connections(tree / "base")
    c.create({"qName": "data", "qConnectionString": "data"})  # relative to the base
    return c


def test_resolve_inside(conns: Connections, tree: Path) -> None:
    data = (tree / "base" / "data").resolve()
    assert conns.resolve("lib://data/a.csv") == data / "a.csv"
    assert conns.resolve("LIB://data/sub/b.csv") == data / "sub" / "b.csv"
    assert conns.resolve("lib://data/sub\\b.csv") == data / "sub" / "b.csv"
    assert conns.resolve("lib://data/sub/../a.csv") == data / "a.csv"
    assert bytes(conns.open_file("lib://data/a.csv")) == b"A\n1\n"


@pytest.mark.parametrize(
    "path",
    [
        "lib://data/../secret.csv",
        "lib://data/..\\secret.csv",
        "lib://data/sub/../../secret.csv",
        "lib://data/../../outside/x.csv",
        "lib://data//etc/passwd",
        "lib://data/%2e%2e/secret.csv",
    ],
)
def test_escapes_are_refused(conns: Connections, path: str) -> None:
    try:
        target = conns.resolve(path)
    except AccessDenied as exc:
        assert exc.code == 11026
        assert "outside" in exc.message
        return
    # a literal "%2e%2e" folder name is harmless: it stays inside
    data = conns.folder(conns.by_name("data"))  # type: ignore[arg-type]
    assert data in target.parents


def test_absolute_path_after_the_name(conns: Connections, tree: Path) -> None:
    with pytest.raises(AccessDenied):
        conns.resolve(f"lib://data/{tree / 'base' / 'secret.csv'}")


def test_symlink_out_of_the_folder_is_refused(conns: Connections, tree: Path) -> None:
    link = tree / "base" / "data" / "link"
    try:
        os.symlink(tree / "outside", link)
    except OSError:
        pytest.skip("no symlinks here")
    with pytest.raises(AccessDenied):
        conns.resolve("lib://data/link/x.csv")


def test_only_lib_paths(conns: Connections, tree: Path) -> None:
    for path in [str(tree / "base" / "data" / "a.csv"), "a.csv", "file:///etc/passwd"]:
        with pytest.raises(ScriptError):
            conns.resolve(path)


def test_unknown_connection(conns: Connections) -> None:
    with pytest.raises(ScriptError) as info:
        conns.resolve("lib://nope/a.csv")
    assert info.value.code == 11024


def test_missing_file(conns: Connections) -> None:
    with pytest.raises(ScriptError) as info:
        conns.open_file("lib://data/none.csv")
    assert info.value.code == 11020


def test_refused_file_is_not_read(conns: Connections, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[Path] = []
    real = Path.read_bytes

    def spy(self: Path) -> bytes:
        read.append(self)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    with pytest.raises(AccessDenied):
        conns.open_file("lib://data/../secret.csv")
    assert read == []


def test_absolute_folder(tree: Path) -> None:
    c = Connections(Path("/nonexistent-base"))
    c.create({"qName": "out", "qConnectionString": str(tree / "outside")})
    assert bytes(c.open_file("lib://out/x.csv")) == b"X\n"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"qName": "", "qConnectionString": "x"}, 2004),
        ({"qName": "  ", "qConnectionString": "x"}, 2004),
        ({"qName": "a/b", "qConnectionString": "x"}, 2004),
        ({"qName": 5, "qConnectionString": "x"}, 2004),
        ({"qName": "n" * 300, "qConnectionString": "x"}, 2004),
        ({"qName": "data", "qConnectionString": "x"}, 2000),
        ({"qName": "odbc", "qConnectionString": "x", "qType": "ODBC"}, 8),
    ],
)
def test_create_validation(conns: Connections, data: dict, code: int) -> None:
    with pytest.raises(InvalidParameters) as info:
        conns.create(data)
    assert info.value.code == code


def test_create_needs_an_object(conns: Connections) -> None:
    with pytest.raises(InvalidParameters):
        conns.create("data")  # type: ignore[arg-type]


def test_crud_and_json(conns: Connections) -> None:
    conn = conns.create({"qName": "Two", "qConnectionString": "/x", "qType": "FOLDER"})
    assert conn.type == "folder" and len(conn.id) > 10
    assert conns.get(conn.id) is conn
    conns.modify(conn.id, {"qName": "Three", "qConnectionString": ""})
    assert conn.name == "Three" and conn.connection_string == "/x"
    assert conns.by_name("Three") is conn and conns.by_name("Two") is None
    as_json = conn.to_json()
    assert as_json == {"qId": conn.id, "qName": "Three", "qConnectionString": "/x",
                       "qType": "folder", "qModifiedDate": conn.modified}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", conn.modified)
    assert Connection.from_json(as_json) == conn
    assert [c["qName"] for c in conns.to_json()] == ["data", "Three"]
    conns.delete(conn.id)
    with pytest.raises(ConnectionNotFound):
        conns.get(conn.id)
    with pytest.raises(ConnectionNotFound):
        conns.delete(conn.id)
    with pytest.raises(ConnectionNotFound):
        conns.modify(conn.id, {})


def test_modify_follows_the_rules_of_create(conns: Connections) -> None:
    other = conns.create({"qName": "other", "qConnectionString": "x"})
    for bad, code in [({"qName": "data"}, 2000), ({"qName": "a/b"}, 2004)]:
        with pytest.raises(InvalidParameters) as info:
            conns.modify(other.id, bad)
        assert info.value.code == code
    assert other.name == "other"
    conns.modify(other.id, {"qName": "other", "qConnectionString": 5})  # same name is fine
    assert other.connection_string == "x"
    with pytest.raises(InvalidParameters):
        conns.modify(other.id, "x")  # type: ignore[arg-type]


def test_connection_string_must_be_text(conns: Connections) -> None:
    with pytest.raises(InvalidParameters):
        conns.create({"qName": "n", "qConnectionString": 5})
