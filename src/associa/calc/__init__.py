"""Computations over a data model and a selection state: list objects and hypercubes."""

from associa.calc.aggregate import GroupScope, RecordScope, TotalScope, evaluate_scalar
from associa.calc.cells import CalcError
from associa.calc.cube import Cube
from associa.calc.hypercube import HyperCube
from associa.calc.listobject import ListObject
from associa.calc.records import Records, associate
from associa.calc.straight import StraightTable

__all__ = [
    "CalcError",
    "Cube",
    "GroupScope",
    "HyperCube",
    "ListObject",
    "RecordScope",
    "Records",
    "StraightTable",
    "TotalScope",
    "associate",
    "evaluate_scalar",
]
