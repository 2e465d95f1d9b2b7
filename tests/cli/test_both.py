"""The CLI's queries with the same assertions in process (``--data-dir``) and against a
served engine (``--engine ws://...``): the golden project built into app 'sales' either
way, then listed, evaluated, selected in, previewed, reloaded and diffed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.test_project import GOLDEN
from tests.commands import associa, serving


@dataclass
class Target:
    folder: Path  # the project's copy
    where: list[str]  # --data-dir DIR or --engine URL

    def run(self, *args: str) -> object:
        """The command's --json answer (the target's options before a '--')."""
        cut = args.index("--") if "--" in args else len(args)
        done = associa(*args[:cut], *self.where, "--json", *args[cut:])
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@pytest.fixture(scope="module", params=["in-process", "engine"])
def target(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    root = tmp_path_factory.mktemp(str(request.param))
    folder = root / "project"
    shutil.copytree(GOLDEN, folder)
    data = root / "data"
    if request.param == "in-process":
        where = ["--data-dir", str(data)]
        made = associa("build", str(folder / "project.yaml"), *where)
        assert made.returncode == 0, made.stderr
        yield Target(folder, where)
        return
    with serving("--port", "0", "--data-dir", str(data), "--no-auth") as served:
        where = ["--engine", served.url]
        made = associa("build", str(folder / "project.yaml"), *where)
        assert made.returncode == 0, made.stderr
        yield Target(folder, where)


def test_listings(target: Target) -> None:
    assert target.run("tables", "sales") == [
        {"table": "Sales", "rows": 5, "fields": 3, "field names": "Region, Product, Amount"},
        {"table": "Regions", "rows": 3, "fields": 2, "field names": "Region, Manager"}]
    assert target.run("measures", "sales") == [
        {"id": "m-total", "title": "Total sales", "expression": "Sum(Amount)"}]
    assert target.run("bookmarks", "sales") == [{"id": "bm-north", "title": "North only"}]


def test_eval_select_and_preview(target: Target) -> None:
    assert target.run("eval", "sales", "Sum(Amount)") == {"qText": "400", "qNum": 400}
    assert target.run("eval", "sales", "Sum(Amount)", "--by", "Region") == [
        {"Region": "North", "Sum(Amount)": 150}, {"Region": "South", "Sum(Amount)": 180},
        {"Region": "West", "Sum(Amount)": 70}]
    assert target.run("select", "sales", "Manager=Bo", "--", "eval", "Sum(Amount)",
                      "--by", "Product") == [{"Product": "Apples", "Sum(Amount)": 150},
                                             {"Product": "Plums", "Sum(Amount)": 30}]
    assert target.run("preview", "sales", "Sales", "--limit", "2") == [
        {"Region": "North", "Product": "Apples", "Amount": 100},
        {"Region": "North", "Product": "Pears", "Amount": 50}]


def test_reload_then_diff_and_export(target: Target, tmp_path: Path) -> None:
    with (target.folder / "sales.csv").open("a", encoding="utf-8") as fh:
        fh.write("East,Kiwis,40\n")
    done = associa("reload", "sales", *target.where)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == ["Sales: 6 rows loaded", "Regions: 3 rows loaded"]
    assert target.run("diff", "sales") == [
        {"change": "rows changed", "table": "Sales", "detail": "+1", "rows before": 5,
         "rows after": 6}]
    file = tmp_path / "sales.associa"
    assert associa("export", "sales", str(file), *target.where).returncode == 0
    local = tmp_path / "copy"
    local.mkdir()
    assert associa("import", "copy", str(file), "--data-dir", str(local)).returncode == 0
    assert associa("eval", "copy", "Sum(Amount)", "--data-dir", str(local)).stdout == "440\n"
