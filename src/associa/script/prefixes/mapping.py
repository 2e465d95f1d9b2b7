"""Mapping tables: MAPPING LOAD, ApplyMap, MapSubstring, MAP … USING and RENAME … USING.

A mapping table has two columns: the first is the key, the second the value (further
columns are ignored). It lives in its own name space, is never part of the data model and
is gone when the script ends (help "Mapping"). Keys match as field values do
(``script.matching``); with duplicate keys the first row wins (qlik-language.md §11.15:
not confirmed by a source, kept as the documented recommendation).
"""

from __future__ import annotations

import re

import numpy as np

from associa.errors import ScriptError
from associa.expr import Vec
from associa.expr.vector import where
from associa.script.frame import Frame
from associa.script.matching import ValueIndex


class Mapping:
    def __init__(self, name: str, keys: Vec, values: Vec) -> None:
        self.name = name
        self.keys = keys
        self.values = values
        self.index = ValueIndex(keys)
        self._regex: re.Pattern[str] | None = None
        self._by_text: dict[str, str] | None = None

    @classmethod
    def of(cls, name: str, frame: Frame) -> Mapping:
        if len(frame.names) < 2:
            raise ScriptError(f"A mapping table needs two fields: {name}")
        return cls(name, frame.vec(frame.names[0]), frame.vec(frame.names[1]))

    def apply(self, values: Vec, default: Vec | None = None) -> Vec:
        """ApplyMap: the mapped value, else ``default``, else the value itself."""
        at = self.index.find(values)
        found = at >= 0
        mapped = self.values.take(np.maximum(at, 0)) if len(self.values.num) else Vec.nulls(
            values.n)
        return where(found, mapped, values if default is None else default)

    def substitute(self, values: Vec) -> Vec:
        """MapSubstring: every occurrence of every key in the text replaced by its value,
        left to right, not recursively (help "MapSubString"); once per distinct text."""
        if self._regex is None:
            keys = self.keys.texts()
            vals = self.values.texts()
            pairs: dict[str, str] = {}
            for k, v in zip(keys, vals, strict=True):
                if k is not None and k != "" and k not in pairs:
                    pairs[k] = "" if v is None else v
            self._by_text = pairs
            self._regex = re.compile("|".join(re.escape(k) for k in pairs)) if pairs else None
        regex, table = self._regex, self._by_text or {}
        texts = values.texts()
        out = np.empty(values.n, dtype=object)
        ok = np.flatnonzero(~values.null)
        if len(ok):
            uniq, inv = np.unique(texts[ok].astype(str), return_inverse=True)
            done = np.array([u if regex is None else regex.sub(lambda m: table[m.group(0)], u)
                             for u in uniq.tolist()], dtype=object)
            out[ok] = done[inv]
        return Vec.texts_only(out, values.null.copy())
