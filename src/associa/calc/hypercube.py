"""Hypercubes: a cube computed (``calc/cube.py``) and laid out by its ``qMode``: a straight
table (``calc/straight.py``), or a pivot table (``qMode`` "P": ``calc/pivot.py``, whose
cube also computes the subtotal levels its trees show). ``HyperCube`` is what a session
caches per object and state: it keeps the answer (rows, dimension symbols, measure values,
totals, infos), not the records it was computed from. ``HyperCube(...)`` makes the
renderer of the definition's mode, so that every caller asks for a hypercube alike; the
stacked ("K") and tree ("T") layouts are drawn from a straight one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from associa.calc.columns import Dimension, Measure
from associa.calc.cube import Cube
from associa.calc.pivot import PivotCube
from associa.calc.pivot_axes import is_pivot
from associa.calc.pivot_table import PivotTable
from associa.calc.sets import SetEvaluator
from associa.calc.straight import StraightTable
from associa.errors import HyperCubeModeError
from associa.model import DataModel
from associa.select import Inference
from associa.values import Locale

__all__ = ["Dimension", "HyperCube", "Measure", "PivotHyperCube"]


class HyperCube(StraightTable):
    """A computed hypercube: straight, or a ``PivotHyperCube`` when ``qMode`` is "P"."""

    def __new__(cls, model: DataModel, inference: Inference, definition: Mapping[str, Any],
                *args: Any, **kwargs: Any) -> HyperCube:
        if cls is HyperCube and is_pivot(definition):
            return super().__new__(PivotHyperCube)
        return super().__new__(cls)

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

    def pivot_pages(self, pages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """GetHyperCubePivotData: only a pivot cube has pivot pages."""
        raise HyperCubeModeError("GetHyperCubePivotData")

    def layout(self) -> dict[str, Any]:
        """The straight layout, or the stacked (``qMode`` "K": ``calc/stacked.py``) or
        tree (``qMode`` "T": ``calc/tree.py``) one over the same cube; those renderers
        start from the straight layout themselves."""
        mode = self.definition.get("qMode")
        if mode in ("K", "DATA_MODE_PIVOT_STACK"):
            from associa.calc.stacked import stacked

            return stacked(self).layout()
        if mode in ("T", "DATA_MODE_TREE"):
            from associa.calc.tree import TreeTable

            return TreeTable(self).layout()
        return super().layout()


class PivotHyperCube(PivotTable, HyperCube):
    """A computed pivot hypercube (``qMode`` "P")."""

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
        cube = PivotCube(model, inference, definition, locale, sets, prepare, context)
        PivotTable.__init__(self, cube, inference, definition, locale)
