"""Color functions (help "Color functions")."""

from __future__ import annotations
