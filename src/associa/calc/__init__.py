"""Computations over a data model and a selection state: list objects and hypercubes."""

from associa.calc.aggregate import GroupScope, RecordScope, evaluate_scalar
from associa.calc.cells import CalcError
from associa.calc.hypercube import HyperCube
from associa.calc.listobject import ListObject
from associa.calc.records import Records, associate

__all__ = [
    "CalcError",
    "GroupScope",
    "HyperCube",
    "ListObject",
    "RecordScope",
    "Records",
    "associate",
    "evaluate_scalar",
]
