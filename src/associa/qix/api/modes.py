"""The other hypercube modes through GenericObject: stacked, reduced, binned, continuous and tree data; drill-down groups; range selections from charts."""

from __future__ import annotations
