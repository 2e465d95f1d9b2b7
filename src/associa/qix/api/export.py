"""ExportData: a hypercube's data as a file served back over HTTP."""

from __future__ import annotations
