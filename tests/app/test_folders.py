"""Folder connections as a reload sees them: reading, listing, writing and stat never
leave the connection's folder; refusals are clear errors (11026) and write nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from associa.app.connections import Connections
from associa.app.folders import FolderFiles
from associa.errors import LibPathOutside, ScriptError
from associa.script import run_script


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "a.csv").write_text("A\n1\n")
    (data / "b.csv").write_text("A\n2\n")
    (data / "notes.txt").write_text("x")
    (data / "sub" / "c.csv").write_text("A\n3\n")
    (tmp_path / "secret.csv").write_text("A\nsecret\n")
    return tmp_path


@pytest.fixture
def folder(tree: Path) -> FolderFiles:
    conns = Connections(tree)
    conns.create({"qName": "Data", "qConnectionString": "data"})
    return conns.files()


def _run(script: str, folder: FolderFiles):
    return run_script(script, folder.open, list_files=folder.list, write_file=folder.write,
                      stat_file=folder.stat)


def test_list_files_and_dirs(folder: FolderFiles) -> None:
    assert folder.list("lib://Data/*.csv") == ["lib://Data/a.csv", "lib://Data/b.csv"]
    assert folder.list("lib://Data/*") == ["lib://Data/a.csv", "lib://Data/b.csv",
                                           "lib://Data/notes.txt"]
    assert folder.list("lib://Data/*", True) == ["lib://Data/sub"]
    assert folder.list("lib://Data/sub/?.CSV") == ["lib://Data/sub/c.csv"]
    assert folder.list("lib://Data/nowhere/*.csv") == []


def test_listing_skips_links_that_lead_outside(folder: FolderFiles, tree: Path) -> None:
    try:
        os.symlink(tree / "secret.csv", tree / "data" / "z.csv")
    except OSError:
        pytest.skip("no symlinks here")
    assert "lib://Data/z.csv" not in folder.list("lib://Data/*.csv")


@pytest.mark.parametrize(
    "script",
    [
        "T: LOAD * FROM [lib://Data/../secret.csv] (txt);",
        "T: LOAD * FROM [lib://Data/sub/../../secret.csv];",
        "T: LOAD * FROM [lib://Data/..\\secret.csv];",
        "T: LOAD * FROM [lib://Data/../*.csv];",
        "T: LOAD 1 as A AUTOGENERATE 1;\nSTORE T INTO [lib://Data/../stolen.qvd];",
        "T: LOAD 1 as A AUTOGENERATE 1;\nSTORE T INTO [lib://Data//tmp/stolen.csv] (txt);",
        "LET s = FileSize('lib://Data/../secret.csv');",
        "LET s = QvdNoOfRecords('lib://Data/../secret.csv');",
    ],
)
def test_escapes_are_refused_with_a_clear_error(folder: FolderFiles, tree: Path,
                                                script: str) -> None:
    with pytest.raises(ScriptError) as info:
        _run(script, folder)
    assert info.value.code == LibPathOutside.code
    assert "is outside the folder defined by the connection" in info.value.detail
    assert not (tree / "stolen.qvd").exists()
    assert not Path("/tmp/stolen.csv").exists()


def test_a_failed_store_leaves_the_old_file(folder: FolderFiles, tree: Path) -> None:
    target = tree / "data" / "keep.qvd"
    target.write_bytes(b"old")
    with pytest.raises(ScriptError):
        _run("T: LOAD 1 as A AUTOGENERATE 1;\nSTORE Nope FROM T INTO [lib://Data/keep.qvd];",
             folder)
    assert target.read_bytes() == b"old"
    with pytest.raises(ZeroDivisionError):
        with folder.write("lib://Data/keep.qvd") as out:
            out.write(b"half")
            raise ZeroDivisionError
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in (tree / "data").iterdir() if p.name.startswith(".store"))\
        == []


def test_store_creates_sub_folders_inside(folder: FolderFiles, tree: Path) -> None:
    _run("T: LOAD 1 as A AUTOGENERATE 2;\nSTORE T INTO [lib://Data/out/2024/t.qvd];", folder)
    assert (tree / "data" / "out" / "2024" / "t.qvd").stat().st_size > 0


def test_a_folder_is_not_a_file(folder: FolderFiles) -> None:
    with pytest.raises(ScriptError) as info:
        _run("T: LOAD * FROM [lib://Data/sub];", folder)
    assert "it is a folder" in info.value.detail


def test_unknown_connection_in_a_mask(folder: FolderFiles) -> None:
    with pytest.raises(ScriptError) as info:
        _run("T: LOAD * FROM [lib://Nope/*.csv];", folder)
    assert info.value.code == 11024


def test_mask_without_match(folder: FolderFiles) -> None:
    with pytest.raises(ScriptError) as info:
        _run("T: LOAD * FROM [lib://Data/*.xyz];", folder)
    assert "no file matches" in info.value.detail


def test_mask_needs_a_lister() -> None:
    with pytest.raises(ScriptError) as info:
        run_script("T: LOAD * FROM [lib://Data/*.csv];", lambda p: b"A\n1\n")
    assert "needs a folder connection" in info.value.detail


def test_reload_through_an_app_stores_and_reads(tmp_path: Path) -> None:
    from associa.app.app import App

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x1.csv").write_text("K,V\n1,a\n")
    (tmp_path / "in" / "x2.csv").write_text("K,V\n2,b\n")
    app = App("test", base_dir=tmp_path)
    app.connections.create({"qName": "D", "qConnectionString": str(tmp_path / "in")})
    app.set_script("T: LOAD * FROM [lib://D/x*.csv];\nSTORE T INTO [lib://D/all.qvd];\n"
                   "DROP TABLE T;\nA: LOAD * FROM [lib://D/all.qvd] (qvd);")
    app.reload()
    assert app.model.tables["A"].nrows == 2
    assert (tmp_path / "in" / "all.qvd").is_file()


def test_stored_files_get_ordinary_permissions(folder: FolderFiles, tree: Path) -> None:
    with folder.write("lib://Data/p.txt") as out:
        out.write(b"x")
    mode = (tree / "data" / "p.txt").stat().st_mode & 0o777
    mask = os.umask(0)
    os.umask(mask)
    assert mode == 0o666 & ~mask
