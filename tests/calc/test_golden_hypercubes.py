"""Golden straight hypercubes: ``tests/golden/hypercubes/*.json``.

Each case names a load script (a ``.qvs`` file beside it), selections (field → texts),
a HyperCubeDef and the expected parts of its layout, written by hand from the data (the
case's description says how): ``qSize``, ``qError``, ``qCalcCondMsg``,
``qHasOtherValues``, ``qEffectiveInterColumnSortOrder``, ``qGrandTotalRow`` (texts),
``qDataPages`` (whole pages, cell by cell as the real engine's recorded layouts show
them: corectl's object layout golden), ``texts`` (the rows' cell texts, read page by
page through GetHyperCubeData's paging) and ``qDimensionInfo`` / ``qMeasureInfo`` (per
column, the members given). A member the case does not give is not checked; a member
absent from the expectation but present in the layout (``qHasOtherValues``,
``qCalcCondMsg``, ``qError``) is checked to be absent.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from associa.calc import HyperCube
from associa.model import DataModel
from associa.script import run_script
from associa.select import Inference, SelectionState
from associa.values import DEFAULT_LOCALE

FOLDER = Path(__file__).parent.parent / "golden" / "hypercubes"
CASES = sorted(FOLDER.glob("*.json"))
OPTIONAL = ("qError", "qCalcCondMsg", "qHasOtherValues")


@cache
def _model(script: str) -> DataModel:
    return run_script((FOLDER / script).read_text(), lambda path: b"").model


def _state(model: DataModel, selections: dict[str, list[str]]) -> SelectionState:
    state = SelectionState()
    for name, texts in selections.items():
        symbols = model.fields[name].symbols
        mask = np.zeros(len(symbols), dtype=bool)
        for text in texts:
            idx = symbols.find_text(text)
            assert idx is not None, (name, text)
            mask[idx] = True
        state = state.with_field(name, mask)
    return state


def _texts(cube: HyperCube, width: int, rows: int) -> list[list[str]]:
    """Every row's texts, read in pages of 3 rows (so that paging is exercised)."""
    out: list[list[str]] = []
    top = 0
    while top < rows:
        page = cube.pages([{"qLeft": 0, "qTop": top, "qWidth": width, "qHeight": 3}])[0]
        assert page["qArea"]["qTop"] == top
        out += [[c["qText"] for c in row] for row in page["qMatrix"]]
        top += 3
    return out


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_hypercube(path: Path) -> None:
    case = json.loads(path.read_text())
    model = _model(case["script"])
    inference = Inference(model, _state(model, case.get("selections") or {}))
    cube = HyperCube(model, inference, case["definition"], DEFAULT_LOCALE)
    layout = json.loads(json.dumps(cube.layout()))
    want: dict[str, Any] = case["expect"]
    for key in ("qSize", "qEffectiveInterColumnSortOrder", *OPTIONAL):
        if key in want:
            assert layout.get(key) == want[key], key
        elif key in OPTIONAL:
            assert key not in layout, (key, layout.get(key))
    if "qGrandTotalRow" in want:
        assert [c["qText"] for c in layout["qGrandTotalRow"]] == want["qGrandTotalRow"]
    if "qDataPages" in want:
        assert layout["qDataPages"] == want["qDataPages"]
    size = layout["qSize"]
    if "texts" in want:
        assert _texts(cube, size["qcx"], size["qcy"]) == want["texts"]
    for key in ("qDimensionInfo", "qMeasureInfo"):
        for info, members in zip(layout[key], want.get(key, []), strict=False):
            assert {k: info.get(k) for k in members} == members, (key, info)
            if "qError" not in members:
                assert "qError" not in info and "qCalcCondMsg" not in info, info
