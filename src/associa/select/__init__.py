"""Selection state and logical inference."""

from associa.select.propagate import STATE_CODES, Inference
from associa.select.state import SelectionState

__all__ = ["STATE_CODES", "Inference", "SelectionState"]
