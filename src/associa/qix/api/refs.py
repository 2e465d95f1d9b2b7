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

    def properties(self) -> tuple[dict[str, Any], bool]:
        found = self.doc.properties(self.obj_id)
        if found is None:
            raise InvalidHandle("Invalid handle", "Invalid Params")
        return found


@dataclass(slots=True)
class FieldRef:
    doc: DocState
    name: str
    state: str = "$"
