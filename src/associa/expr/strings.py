"""More string functions (help "String functions")."""

from __future__ import annotations
