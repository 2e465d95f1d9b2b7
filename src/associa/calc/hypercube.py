"""Straight hypercubes: a cube computed (``calc/cube.py``) and laid out as a straight table
(``calc/straight.py``). ``HyperCube`` is what a session caches per object and state: it
keeps the answer (rows, dimension symbols, measure values, totals, infos), not the records
it was computed from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from associa.calc.cube import Cube, Dimension, Measure
from associa.calc.sets import SetEvaluator
from associa.calc.straight import StraightTable
from associa.model import DataModel
from associa.select import Inference
from associa.values import Locale

__all__ = ["Dimension", "HyperCube", "Measure"]


class HyperCube(StraightTable):
    """A computed straight hypercube."""

    def __init__(
        self,
        model: DataModel,
        inference: Inference,
        definition: Mapping[str, Any],
        locale: Locale,
        sets: SetEvaluator | None = None,
        prepare: Callable[..., str] | None = None,
        context: Any = None,
    ) -> None:
        cube = Cube(model, inference, definition, locale, sets, prepare, context)
        super().__init__(cube, inference, definition, locale)
