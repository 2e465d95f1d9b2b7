"""Readers for LOAD sources (delimited text, ...)."""

from __future__ import annotations

from associa.script.sources import arrow_csv
from associa.script.sources.arrow_csv import (
    DelimitedBatches,
    Text,
    map_file,
    open_delimited,
    read_table,
)
from associa.script.sources.delimited import TextFormat, decode, read_delimited

__all__ = [
    "DelimitedBatches",
    "Text",
    "TextFormat",
    "arrow_csv",
    "decode",
    "map_file",
    "open_delimited",
    "read_delimited",
    "read_table",
]
