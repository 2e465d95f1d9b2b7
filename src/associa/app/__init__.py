"""Apps, a session's view of an app (selection state, session objects), layouts."""

from associa.app.app import App
from associa.app.doc import DocState

__all__ = ["App", "DocState"]
