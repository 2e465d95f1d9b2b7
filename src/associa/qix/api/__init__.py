"""The QIX classes' methods. Importing this package registers them in ``METHODS``."""

from associa.qix.api import (
    bookmark,
    children,
    doc,
    environment,
    export,
    expressions,
    field,
    generic_object,
    global_,
    library,
    modes,
    objects,
    pivot,
    session_apps,
)
from associa.qix.api import search as search

__all__ = ["bookmark", "children", "doc", "environment", "export", "expressions", "field",
           "generic_object", "global_", "library", "modes", "objects", "pivot", "session_apps"]
