"""GenericDimension, GenericMeasure, GenericVariable and the Doc methods making them (master items and variables)."""

from __future__ import annotations
