"""Readers for LOAD sources (delimited text, ...)."""

from __future__ import annotations

from associa.script.sources.delimited import TextFormat, decode, read_delimited

__all__ = ["TextFormat", "decode", "read_delimited"]
