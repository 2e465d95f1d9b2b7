"""Lineage: where a reload's data came from, one entry per statement that read a source
or stored a table (``GET /apps/{id}/data/lineage``, Qlik's LineageInfo).

Qlik documents the discriminator as the origin of the data
(https://help.qlik.com/en-US/sense-developer/May2026/Subsystems/EngineJSONAPI/Content/models-lineageinfo.htm):
the file name for a file, ``INLINE``, ``RESIDENT`` with the table's name, ``AUTOGENERATE``,
the data connection's name for a SELECT through a connector, and ``STORE`` with the path
a table is stored to; the statement is the LOAD, SELECT or STORE text as it ran (after
dollar-sign expansion). A preceding LOAD reads no source of its own: the statement under
it is the one listed.
"""

from __future__ import annotations

from associa.script import parser as p
from associa.script.storing import Store


def discriminator(node: object, connection: str) -> str | None:
    """The origin of ``node``'s data, or None for a statement that reads no source."""
    if isinstance(node, Store):
        return f"STORE {node.path}"
    if not isinstance(node, p.Load):
        return None
    if node.source == "inline":
        return "INLINE"
    if node.source == "autogenerate":
        return "AUTOGENERATE"
    if node.source == "resident":
        return f"RESIDENT {node.data}"
    if node.source == "from_field":
        return f"RESIDENT {node.data}"
    if node.source == "file":
        return node.data
    if node.source == "sql":
        return connection or "SQL"
    return None  # a preceding load


def entry(node: object, text: str, connection: str) -> tuple[str, str] | None:
    origin = discriminator(node, connection)
    return None if origin is None else (origin, text.strip())
