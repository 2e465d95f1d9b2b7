"""The data model inside ``tests/golden/store/format1.app``.

That file was written by the code of commit e32cf42 (app file format 1: int32 columns with
-1 for NULL, every symbol's text stored) from exactly this model, through
``AppStore.save``; the tests open it with today's code and compare it with the same model
built today.
"""

from __future__ import annotations

import math

import numpy as np

from associa.model import DataModel
from associa.model.builder import ModelBuilder

V1_ID = "format one"
V1_META = {"title": "Format 1", "script": "// written by format 1", "objects": {}}

# (text, number) pairs: default renderings, other texts of numbers, text only, Unicode
VALUES = [("1", 1.0), ("1.50", 1.5), ("007", 7.0), ("abc", math.nan), ("Åre ✓", math.nan),
          ("-3", -3.0), ("2.25", 2.25), ("1e3", 1000.0), ("", math.nan)]


def build_v1_model() -> DataModel:
    b = ModelBuilder()
    n = 300
    # OrderID: 0..299 in load order (a sequence), Code: 300 distinct texts in shuffled
    # order (symbols are numbered in load order, so its codes are 0..299 too), Value:
    # mixed duals with NULLs, Region: text with NULLs
    order = b.symbols_of("OrderID")
    ids = np.array([order.intern(str(i), float(i)) for i in range(n)], dtype=np.int32)
    code = b.symbols_of("Code")
    perm = (np.arange(n) * 7) % n
    codes = np.array([code.intern(f"K{p}", math.nan) for p in perm], dtype=np.int32)
    val = b.symbols_of("Value")
    vals = np.array(
        [-1 if i % 11 == 0 else val.intern(*VALUES[i % len(VALUES)]) for i in range(n)],
        dtype=np.int32,
    )
    reg = b.symbols_of("Region")
    regions = ["North", "South", None, "Åre"]
    regs = np.array(
        [-1 if regions[i % 4] is None else reg.intern(regions[i % 4], math.nan) for i in range(n)],
        dtype=np.int32,
    )
    b.add("Sales", ["OrderID", "Code", "Value", "Region"],
          {"OrderID": ids, "Code": codes, "Value": vals, "Region": regs}, n)
    m = ["Mia", "Bo", "Ann", "Cy"]
    b.add("Regions", ["Region", "Manager"],
          {"Region": np.array([reg.intern(r, math.nan) for r in ["North", "South", "Åre", "West"]],
                              dtype=np.int32),
           "Manager": np.array([b.symbols_of("Manager").intern(x, math.nan) for x in m],
                               dtype=np.int32)}, 4)
    model = b.build()
    model.fields["Manager"].hidden = True
    return model
