"""Golden pivot pages: ``tests/golden/hypercubes/pivot/*.json``, each a load script, an
object's properties, the pages asked for and the NxPivotPage answers expected, written by
hand from the script's rows (each file's ``about`` says how). Asked through QIX
(GetHyperCubePivotData) and compared whole, JSON as sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Client

CASES = sorted((Path(__file__).parent.parent / "golden" / "hypercubes" / "pivot").glob("*.json"))


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_golden_pivot_pages(client: Client, path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    doc = client.session_app(case["script"])
    h = client.create(case["properties"], doc)
    got = client.call("GetHyperCubePivotData", "/qHyperCubeDef", case["pages"],
                      handle=h)["qDataPages"]
    assert got == case["expected"]


def test_there_are_cases() -> None:
    assert len(CASES) >= 2
