"""The documentation site as a reader gets it: `mkdocs build --strict` from docs/ passes
with no warning (and a broken link does fail it), its pages carry the Python API from the
docstrings, and the notebook example runs on a real kernel and shows the numbers it
claims (the outputs stored in it are the ones a fresh run gives)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbclient
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "docs" / "examples" / "in-process.ipynb"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def build(root: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of the project at ``root`` into ``site``."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=root, capture_output=True, text=True, timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


def page(site: Path, name: str) -> str:
    """A built page's HTML, its runs of white space made one space."""
    return " ".join((site / name / "index.html").read_text("utf-8").split())


def test_the_site_builds_without_a_warning(tmp_path: Path) -> None:
    done = build(ROOT, tmp_path / "site")
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    site = tmp_path / "site"
    # every page of the nav is there; the Python API is rendered from the docstrings
    for name in ("getting-started", "cli", "backend-api", "examples", "script", "functions",
                 "performance", "architecture", "reference/engine", "reference/doc",
                 "reference/client"):
        assert (site / name / "index.html").exists(), name
    engine = page(site, "reference/engine")
    assert "get_or_create_app" in engine
    assert "Running the same notebook cell twice gives the same app" in engine
    assert "select_values" in page(site, "reference/doc")
    assert "hypercube_table" in page(site, "reference/frames")
    client = page(site, "reference/client")  # the Python client and its helpers
    assert "aconnect" in client and "end_selections" in client and "or_mode" in client
    # the notebook is published beside its page
    assert (site / "examples" / "in-process.ipynb").exists()


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "docs", copy / "docs")
    shutil.copy(ROOT / "mkdocs.yml", copy / "mkdocs.yml")
    shutil.copytree(ROOT / "src", copy / "src",
                    ignore=shutil.ignore_patterns("__pycache__"))
    index = copy / "docs" / "index.md"
    index.write_text(index.read_text("utf-8") + "\nSee [the missing page](missing.md).\n")
    done = build(copy, tmp_path / "site")
    assert done.returncode != 0
    assert "missing.md" in done.stderr


def outputs(nb: Any) -> dict[str, list[str]]:
    """Each tagged code cell's text outputs (results and printed text), by tag."""
    found: dict[str, list[str]] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        (tag,) = cell.metadata["tags"]
        found[tag] = [
            out["data"]["text/plain"] if "data" in out else out.get("text", out.get("ename", ""))
            for out in cell.outputs
        ]
    return found


@pytest.fixture
def python_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernelspec running ipykernel on this interpreter, found first (JUPYTER_PATH)."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (associa tests)", "language": "python",
    }))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "python3"


def test_the_notebook_runs_and_shows_its_numbers(tmp_path: Path, python_kernel: str) -> None:
    stored = nbformat.read(NOTEBOOK, as_version=4)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    nbclient.NotebookClient(nb, kernel_name=python_kernel, timeout=600,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    got = outputs(nb)
    assert got["setup"] == []
    assert got["tables"] == ["7"]
    assert got["total"] == ["('705', 705.0)"]
    assert got["selected"] == ["('330', 330.0)"]
    frame = got["frame"][0].splitlines()
    assert frame[0].split() == ["Product", "Sum(Amount)", "Sum(Quantity)"]
    assert [line.split()[1:] for line in frame[1:]] == [
        ["Bike", "250.0", "3.0"], ["Helmet", "60.0", "3.0"], ["Lock", "20.0", "4.0"]]
    assert got["associated"] == ["'East, South'"]
    assert got["reopened"] == ["('705', 705.0)"]
    # what the notebook file shows readers is what it computes
    assert outputs(stored) == got
