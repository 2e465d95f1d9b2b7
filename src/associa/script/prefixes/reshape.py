"""Prefixes that reshape a LOAD's rows before they are stored: CROSSTABLE, GENERIC,
HIERARCHY, HIERARCHYBELONGSTO and INTERVALMATCH. Each takes the LOAD's output as a
``Frame`` (codes into scratch symbol tables) and gives the frame(s) to store; the work is
over codes and arrays, with loops only over columns, levels of a hierarchy or attributes.
"""

from __future__ import annotations

import math

import numpy as np

from associa.errors import ScriptError
from associa.expr import Vec
from associa.model.symbols import SymbolTable
from associa.script.frame import Frame
from associa.script.matching import ValueIndex


def _texts_symbols(texts: list[str]) -> tuple[SymbolTable, np.ndarray]:
    sym = SymbolTable()
    ids = sym.intern_many(np.array(texts, dtype=object), np.full(len(texts), math.nan))
    return sym, ids


def _need(frame: Frame, name: str, what: str) -> None:
    if name not in frame.columns:
        raise ScriptError(f"Field '{name}' not found ({what})")


# -- CROSSTABLE ---------------------------------------------------------------------------


def crosstable(frame: Frame, attribute: str, data: str, qualifiers: int) -> Frame:
    """CrossTable(attribute, data, n): the first n fields are kept; every other field
    becomes a record per input record, its name in ``attribute`` (as text) and its value
    in ``data`` (help "Crosstable"). Records come out row by row, fields in order."""
    if qualifiers < 0 or qualifiers >= len(frame.names):
        raise ScriptError("CROSSTABLE needs at least one field after its qualifier fields")
    keep, spread = frame.names[:qualifiers], frame.names[qualifiers:]
    m, n = len(spread), frame.nrows
    cols: dict[str, np.ndarray] = {q: np.repeat(frame.codes(q), m) for q in keep}
    symbols = {q: frame.symbols[q] for q in keep}
    attr_sym, attr_ids = _texts_symbols(spread)
    cols[attribute] = np.tile(attr_ids.astype(np.int32), n)
    symbols[attribute] = attr_sym
    data_sym = SymbolTable()
    block = np.empty((n, m), dtype=np.int32)
    for j, name in enumerate(spread):
        sym = frame.symbols[name]
        texts, nums = sym.duals_at(np.arange(len(sym), dtype=np.int64))
        lut = np.append(data_sym.intern_many(texts, nums), -1).astype(np.int32)
        block[:, j] = lut[frame.codes(name)]
    cols[data] = block.reshape(-1)
    symbols[data] = data_sym
    names = [*keep, attribute, data]
    return Frame(names, dict(cols), n * m, symbols)


# -- GENERIC ------------------------------------------------------------------------------


def generic(frame: Frame, label: str) -> list[tuple[str, Frame]]:
    """GENERIC: the last two fields are an attribute and its value, the others the keys;
    one table per attribute value, named ``label.attribute``, holding the keys and a
    field named as the attribute value (help "Generic")."""
    if len(frame.names) < 2:
        raise ScriptError("A GENERIC load needs an attribute and a value field")
    keys, attr, value = frame.names[:-2], frame.names[-2], frame.names[-1]
    codes = frame.codes(attr)
    sym = frame.symbols[attr]
    out = []
    for code in _first_order(codes):
        rows = np.flatnonzero(codes == code)
        name = str(sym.texts_at(np.array([code]))[0])
        cols = {k: frame.codes(k)[rows] for k in keys}
        cols[name] = frame.codes(value)[rows]
        symbols = {k: frame.symbols[k] for k in keys}
        symbols[name] = frame.symbols[value]
        out.append((f"{label}.{name}", Frame([*keys, name], dict(cols), len(rows), symbols)))
    return out


def _first_order(codes: np.ndarray) -> list[int]:
    valid = codes[codes >= 0]
    uniq, idx = np.unique(valid, return_index=True)
    return [int(c) for c in uniq[np.argsort(idx)]]


# -- HIERARCHY ----------------------------------------------------------------------------


def _parents(frame: Frame, node: str, parent: str) -> np.ndarray:
    """For each record, the record of its parent node (-1 for a root)."""
    ids = frame.vec(node)
    return ValueIndex(ids).find(frame.vec(parent))


def _depths(parent: np.ndarray) -> np.ndarray:
    """Depth of each node (1 for a root), by pointer jumping; a cycle is an error."""
    n = len(parent)
    depth = np.ones(n, dtype=np.int64)
    up = parent.copy()
    for _ in range(n + 1):
        going = up >= 0
        if not going.any():
            return depth
        depth[going] += 1
        up = np.where(going, parent[np.maximum(up, 0)], -1)
    raise ScriptError("The hierarchy has a cycle")


def hierarchy(frame: Frame, args: list[str]) -> Frame:
    """Hierarchy(NodeID, ParentID, NodeName, [ParentName], [PathSource], [PathName],
    [PathDelimiter], [Depth]): the input records, with the parent's name, the path from
    the root, the depth and a field per level ``NodeName1`` … holding the ancestors' names
    from the root down to the node (NULL below it) (help "Hierarchy")."""
    args = args + [""] * (8 - len(args))
    node, parent, name, parent_name, path_source, path_name, delim, depth_name = args
    for f in (node, parent, name):
        _need(frame, f, "HIERARCHY")
    path_source = path_source or name
    _need(frame, path_source, "HIERARCHY")
    delim = delim or "/"
    par = _parents(frame, node, parent)
    depth = _depths(par)
    levels = int(depth.max(initial=0))
    n = frame.nrows
    cols = {f: frame.codes(f) for f in frame.names}
    symbols = dict(frame.symbols)
    names = list(frame.names)
    name_codes = frame.codes(name)
    if parent_name:
        cols[parent_name] = np.where(par >= 0, name_codes[np.maximum(par, 0)], -1).astype(
            np.int32)
        symbols[parent_name] = frame.symbols[name]
        names.append(parent_name)
    # ancestors[k][i]: the record k levels above record i (-1 above the root)
    ancestors = [np.arange(n, dtype=np.int64)]
    for _ in range(levels - 1):
        prev = ancestors[-1]
        ancestors.append(np.where(prev >= 0, par[np.maximum(prev, 0)], -1))
    if path_name:
        texts = frame.vec(path_source).text_or_empty()
        path = np.array(texts, dtype=object)
        for k in range(1, levels):
            a = ancestors[k]
            has = a >= 0
            path[has] = texts[a[has]] + delim + path[has]
        sym, ids = _strings(path)
        cols[path_name], symbols[path_name] = ids, sym
        names.append(path_name)
    if depth_name:
        sym = SymbolTable()
        cols[depth_name] = sym.intern_many(None, depth.astype(np.float64))
        symbols[depth_name] = sym
        names.append(depth_name)
    for level in range(1, levels + 1):
        up = depth - level  # levels up from the node to its ancestor at this level
        at = np.full(n, -1, dtype=np.int64)
        ok = up >= 0
        for step in np.unique(up[ok]).tolist():
            sel = ok & (up == step)
            at[sel] = ancestors[int(step)][sel]
        field = f"{name}{level}"
        cols[field] = np.where(at >= 0, name_codes[np.maximum(at, 0)], -1).astype(np.int32)
        symbols[field] = frame.symbols[name]
        names.append(field)
    return Frame(names, dict(cols), n, symbols)


def _strings(texts: np.ndarray) -> tuple[SymbolTable, np.ndarray]:
    sym = SymbolTable()
    return sym, sym.intern_many(texts, np.full(len(texts), math.nan))


def belongs_to(frame: Frame, args: list[str]) -> Frame:
    """HierarchyBelongsTo(NodeID, ParentID, NodeName, AncestorID, AncestorName,
    [DepthDiff]): a record per node and each of its ancestors, itself included (depth
    difference 0), from the node upwards (help "HierarchyBelongsTo")."""
    args = args + [""] * (6 - len(args))
    node, parent, name, anc_id, anc_name, diff_name = args
    for f in (node, parent, name):
        _need(frame, f, "HIERARCHYBELONGSTO")
    par = _parents(frame, node, parent)
    depth = _depths(par)
    levels = int(depth.max(initial=0))
    n = frame.nrows
    recs, ancs, diffs = [], [], []
    up = np.arange(n, dtype=np.int64)
    for k in range(levels):
        has = up >= 0
        recs.append(np.flatnonzero(has))
        ancs.append(up[has])
        diffs.append(np.full(int(has.sum()), k, dtype=np.int64))
        up = np.where(has, par[np.maximum(up, 0)], -1)
    rec = np.concatenate(recs) if recs else np.zeros(0, np.int64)
    anc = np.concatenate(ancs) if ancs else np.zeros(0, np.int64)
    diff = np.concatenate(diffs) if diffs else np.zeros(0, np.int64)
    order = np.lexsort((diff, rec))
    rec, anc, diff = rec[order], anc[order], diff[order]
    names: list[str] = []
    cols: dict[str, np.ndarray] = {}
    symbols: dict[str, SymbolTable] = {}
    for f in frame.names:
        if f == parent:
            if anc_id == parent:
                names.append(anc_id)
                cols[anc_id] = frame.codes(node)[anc]
                symbols[anc_id] = frame.symbols[node]
            continue
        names.append(f)
        cols[f] = frame.codes(f)[rec]
        symbols[f] = frame.symbols[f]
    if anc_id not in cols:
        names.append(anc_id)
        cols[anc_id] = frame.codes(node)[anc]
        symbols[anc_id] = frame.symbols[node]
    names.append(anc_name)
    cols[anc_name] = frame.codes(name)[anc]
    symbols[anc_name] = frame.symbols[name]
    if diff_name:
        sym = SymbolTable()
        cols[diff_name] = sym.intern_many(None, diff.astype(np.float64))
        symbols[diff_name] = sym
        names.append(diff_name)
    return Frame(names, dict(cols), len(rec), symbols)


# -- INTERVALMATCH ------------------------------------------------------------------------


def intervalmatch(frame: Frame, args: list[str], values: Vec,
                  value_keys: list[Vec]) -> tuple[Frame, Vec, list[int]]:
    """IntervalMatch(Match [, keys…]): the LOAD gives intervals (low, high [, keys…]);
    each already loaded value of Match (with its keys) is linked to every interval that
    holds it. Intervals are closed; a NULL limit leaves the interval open on that side;
    a limit that is not a number makes the interval undefined (help "IntervalMatch").
    Returns the intervals' records per link, the matched values and the names; the
    caller builds the table (Match, the interval fields, the keys)."""
    if len(frame.names) < 2 + len(args) - 1:
        raise ScriptError("INTERVALMATCH needs a LOAD of a low and a high limit"
                          + (" and the key fields" if len(args) > 1 else ""))
    low_v, high_v = frame.vec(frame.names[0]), frame.vec(frame.names[1])
    low = np.where(low_v.null, -np.inf, low_v.num)
    high = np.where(high_v.null, np.inf, high_v.num)
    defined = ~np.isnan(low) & ~np.isnan(high)
    # the values, ordered by key then number (values without a number never match)
    vnum = values.num
    ok = ~np.isnan(vnum) & ~values.null
    if value_keys:
        key_names = frame.names[2 : 2 + len(value_keys)]
        kv = [ValueIndex(frame.vec(k)) for k in key_names]
        # a key per value: position of its key combination among the intervals' keys
        vkey = _combo([idx.find(v) for idx, v in zip(kv, value_keys, strict=True)])
        ikey = _combo([idx.find(frame.vec(k)) for idx, k in zip(kv, key_names, strict=True)])
        ok &= vkey >= 0
    else:
        vkey = np.zeros(values.n, dtype=np.int64)
        ikey = np.zeros(frame.nrows, dtype=np.int64)
    pos = np.flatnonzero(ok)
    order = pos[np.lexsort((vnum[pos], vkey[pos]))]
    skey, snum = vkey[order], vnum[order]
    # each interval's range in the sorted values: (key, rank of the number) is sorted
    uniq = np.unique(snum)
    width = len(uniq) + 1
    comb = skey * width + np.searchsorted(uniq, snum)
    ikey_safe = np.maximum(ikey, 0)
    with np.errstate(invalid="ignore"):
        rank_lo = np.searchsorted(uniq, np.where(defined, low, 0), "left")
        rank_hi = np.searchsorted(uniq, np.where(defined, high, 0), "right")
    lo = np.searchsorted(comb, ikey_safe * width + rank_lo, "left")
    hi = np.searchsorted(comb, ikey_safe * width + rank_hi, "left")
    counts = np.where(defined & (ikey >= 0), np.maximum(hi - lo, 0), 0)
    interval = np.repeat(np.arange(frame.nrows, dtype=np.int64), counts)
    offs = np.arange(len(interval), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts,
                                                                counts)
    value_at = order[lo[interval] + offs]
    return frame.take(interval), values.take(value_at), [int(x) for x in value_at[:0]]


def _combo(parts: list[np.ndarray]) -> np.ndarray:
    key = parts[0].astype(np.int64)
    for p in parts[1:]:
        width = int(p.max(initial=0)) + 2
        key = np.where((key < 0) | (p < 0), -1, key * width + p)
    return key
