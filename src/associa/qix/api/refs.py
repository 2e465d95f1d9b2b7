"""What Field and GenericObject handles point at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from associa.app.doc import DocState
from associa.errors import InvalidHandle


@dataclass(slots=True)
class ObjectRef:
    doc: DocState
    obj_id: str

    def properties(self, soft: bool = True) -> tuple[dict[str, Any], bool]:
        """(properties, is_session_object); with ``soft``, this session's soft patches
        applied (``DocState.properties``). InvalidHandle once the object is gone."""
        found = self.doc.properties(self.obj_id, soft)
        if found is None:
            raise InvalidHandle("Invalid handle", "Invalid Params")
        return found


@dataclass(slots=True)
class FieldRef:
    doc: DocState
    name: str
    state: str = "$"
