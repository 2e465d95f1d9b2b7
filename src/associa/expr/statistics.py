"""Statistical aggregation functions (help "Statistical aggregation functions")."""

from __future__ import annotations
