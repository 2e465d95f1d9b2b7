"""Pivot hypercubes (qMode P) through GenericObject: pivot pages, expanding and collapsing, selecting pivot cells."""

from __future__ import annotations
