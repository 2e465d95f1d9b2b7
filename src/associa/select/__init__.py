"""Selection state and logical inference."""

from associa.select.propagate import STATE_CODES, Inference
from associa.select.rows import RowSet
from associa.select.shared import inference, shared_for
from associa.select.state import SelectionState

__all__ = ["STATE_CODES", "Inference", "RowSet", "SelectionState", "inference", "shared_for"]
