"""Databases of the golden script cases (``sql_*``).

A case's ``connections.json`` names its connections: ``{"Shop": {"qType": "sqlite",
"file": "shop.sqlite", "setup": "data/shop.sql"}}``. Each database is made afresh in the
case's temporary folder by running its setup SQL (text in the repository, no binary
database files), and the connection is created as CreateConnection creates it, so the
script's ``LIB CONNECT TO 'Shop'`` opens it through the app's own code.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb

from associa.app.connections import Connections
from associa.script.interpreter import Connect


def case_connect(folder: Path, work: Path) -> Connect | None:
    """The ``connect`` callback of a case (None when it has no connections.json)."""
    spec = folder / "connections.json"
    if not spec.is_file():
        return None
    conns = Connections(work)
    for name, conn in json.loads(spec.read_text(encoding="utf-8")).items():
        setup = (folder / conn["setup"]).read_text(encoding="utf-8")
        target = work / conn["file"]
        if conn["qType"].lower() == "sqlite":
            with sqlite3.connect(target) as db:
                db.executescript(setup)
            db.close()
        else:
            duck = duckdb.connect(str(target))
            duck.execute(setup)
            duck.close()
        conns.create({"qName": name, "qType": conn["qType"], "qConnectionString": conn["file"]})
    return conns.connect
