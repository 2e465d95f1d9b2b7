"""The QIX classes' methods. Importing this package registers them in ``METHODS``."""

from associa.qix.api import doc, field, generic_object, global_

__all__ = ["doc", "field", "generic_object", "global_"]
