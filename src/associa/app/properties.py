"""Generic-object properties as the engine answers them (GetProperties and the property
trees): what was set, normalised. One place, so every method that returns properties
returns the same thing."""

from __future__ import annotations

import copy
from typing import Any


def public_properties(props: dict[str, Any]) -> dict[str, Any]:
    """The properties a client reads back (a copy; the stored ones are never handed out)."""
    return copy.deepcopy(props)
