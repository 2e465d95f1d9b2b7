"""Global search: which values of the app match search terms, and which of them go
together. The engine side of the search bar's Doc methods (SearchResults,
SearchAssociations, SelectAssociations, SearchSuggest, SearchValues); no protocol here
(``associa.qix.api.search`` puts the answers on the wire).

Terms. Each term is a search string as a list box takes it (``select.search``: words
that start words of a value, ``*``/``?`` wildcards, numeric conditions), matched once per
searched field over the field's texts.

Context (Qlik help, "SearchCombinationOptions", qContext, default ``LockedFieldsOnly``):
``Cleared`` searches as if nothing were selected; ``LockedFieldsOnly`` applies the locked
fields' selections only ("the search applies only to the values associated with the
selections made in locked fields"; a locked field's own hits are its associated values,
so its selected ones); ``CurrentSelections`` applies every current selection ("new
selections are made on top of the current selections"), so hits are possible values and
selecting them narrows the state. The state a context keeps is the *base state*; a
term's hits in a field are the values it matches that are possible in the base state.

Combinations (help, "SearchResults method": "Each search group contains search results
that correspond to a combination of search terms", any non-empty subset of the terms;
"For every search group, there are one or more search group items. Each subgroup item
contains results that correspond to an item type (for example a field)"). A combination
gives each of some terms one field, whose values must match every term it got. It holds
when the values are associated: with each of its fields' matching values selected on top
of the base state, every one of its fields keeps a possible value. Its hits in a field
are those possible values. A one-field combination holds when its field has a value
matching all its terms (no inference); each further field is checked with the inference
of the state with the fields before it selected, so a branch that cannot hold is cut
before its leaves. The hypothetical states get inferences of their own (``Inference``
made directly: they share the model's message cache but stay out of the cache of states
that sessions read, ``select.shared``). A search computes at most ``MAX_STATES`` of them
and visits at most ``MAX_NODES`` partial combinations (many terms hitting one field make
2**n subsets), terms given a field before terms left out, so that a search cut short
keeps the combinations of more terms; the answer says when it was cut.

Order: more terms first, then fewer fields, then the terms' order, then the fields'
order (the searched fields' order: qSearchFields as given, else load order) and the
terms each field got. A
combination's index in this order is its ``qId``, which SelectAssociations takes back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from associa.errors import InvalidParameters
from associa.model import DataModel
from associa.select.propagate import Inference
from associa.select.search import matches_text, search_symbols
from associa.select.shared import inference
from associa.select.state import SelectionState

# qContext, its long and short forms (help, "SearchCombinationOptions"), and the enum's
# position (the enigma.js schema sends 0 for it by default)
CLEARED, LOCKED_FIELDS_ONLY, CURRENT_SELECTIONS = "Cleared", "LockedFieldsOnly", "CurrentSelections"
CONTEXTS: dict[str | int, str] = {
    "Cleared": CLEARED, "CONTEXT_CLEARED": CLEARED, 0: CLEARED,
    "LockedFieldsOnly": LOCKED_FIELDS_ONLY, "CONTEXT_LOCKED_FIELDS_ONLY": LOCKED_FIELDS_ONLY,
    1: LOCKED_FIELDS_ONLY,
    "CurrentSelections": CURRENT_SELECTIONS, "CONTEXT_CURRENT_SELECTIONS": CURRENT_SELECTIONS,
    2: CURRENT_SELECTIONS,
}
DEFAULT_CONTEXT = LOCKED_FIELDS_ONLY
MAX_STATES = 512  # hypothetical selection states (inferences) one search may compute
MAX_NODES = 20_000  # partial combinations one search may visit (terms: 2**n subsets)
MAX_TERMS = 64  # terms one search takes (a search bar sends the words typed)
_NUMERIC_TERM = re.compile(r"^\s*(<=|>=|<|>|=)")
_WORD = re.compile(r"\S+")


def base_state(state: SelectionState, context: str) -> SelectionState:
    """The selections a search context keeps of ``state`` (see the module docstring)."""
    if context == CLEARED:
        return SelectionState()
    if context == LOCKED_FIELDS_ONLY:
        return state.cleared()
    return state


def searched_fields(model: DataModel, names: Sequence[str] | None = None) -> list[str]:
    """The fields a search looks in: ``names`` (qSearchFields) that the model has, in
    their order, hidden and system fields too when named; else every data field that is
    not hidden, in load order."""
    if names:
        seen: dict[str, None] = {}
        for name in names:
            if name in model.fields and len(model.fields[name].symbols):
                seen[name] = None
        return list(seen)
    return [name for name in model.data_fields
            if not model.fields[name].hidden and len(model.fields[name].symbols)]


class TermMatches:
    """Per term, the fields where it has hits: ``masks[t][field]``, a bool array over
    the field's symbols (only fields with a hit are present). A hit is a value the term
    matches that is possible in the base state (``base``: that state's inference)."""

    def __init__(self, model: DataModel, base: Inference, fields: Sequence[str],
                 terms: Sequence[str]) -> None:
        self.model = model
        self.base = base
        self.fields = list(fields)
        self.terms = list(terms)
        self.rank = {name: i for i, name in enumerate(self.fields)}
        self.masks: list[dict[str, np.ndarray]] = []
        for term in self.terms:
            hits: dict[str, np.ndarray] = {}
            if term.strip():
                for name in self.fields:
                    found = search_symbols(model, name, term)
                    if not found:
                        continue
                    mask = np.zeros(len(model.fields[name].symbols), dtype=bool)
                    mask[found] = True
                    mask &= base.possible(name)
                    if mask.any():
                        hits[name] = mask
            self.masks.append(hits)

    def fields_hit(self) -> list[str]:
        """The fields where some term has a hit, in the searched fields' order."""
        hit = {name for masks in self.masks for name in masks}
        return [name for name in self.fields if name in hit]

    def field_values(self, name: str) -> tuple[np.ndarray, list[list[int]]]:
        """The field's values hit by any term (ascending symbols) and, for each, the
        terms that hit it."""
        masks = [(t, m[name]) for t, m in enumerate(self.masks) if name in m]
        if not masks:
            return np.zeros(0, dtype=np.int64), []
        anyhit = np.logical_or.reduce([m for _, m in masks])
        symbols = np.flatnonzero(anyhit)
        terms = [[t for t, m in masks if m[i]] for i in symbols.tolist()]
        return symbols, terms


@dataclass(frozen=True, slots=True)
class FieldMatch:
    """One field of a combination: the terms it got and its hits (ascending symbols)."""

    field: str
    terms: tuple[int, ...]
    symbols: np.ndarray


@dataclass(frozen=True, slots=True)
class Combination:
    """Terms (ascending) and the fields they were matched in, in the searched order."""

    terms: tuple[int, ...]
    fields: tuple[FieldMatch, ...]


@dataclass(slots=True)
class Combinations:
    """Every combination that holds, in order; ``truncated`` when the search stopped at
    ``MAX_STATES`` hypothetical states or ``MAX_NODES`` partial combinations (some
    combinations may be missing)."""

    items: list[Combination] = field(default_factory=list)
    truncated: bool = False


@dataclass(slots=True)
class _Node:
    """A partial combination: its fields (terms, matching values), the base state with
    them selected and, once asked for, that state's inference."""

    chosen: dict[str, tuple[tuple[int, ...], np.ndarray]]
    state: SelectionState
    inf: Inference | None = None


def combinations(matches: TermMatches, max_states: int = MAX_STATES,
                 max_nodes: int = MAX_NODES) -> Combinations:
    """The combinations of ``matches``' terms whose values are associated (see the module
    docstring), in order."""
    model = matches.model
    out = Combinations()
    spent = visited = 0
    nterms = len(matches.terms)

    def infer(node: _Node) -> Inference | None:
        nonlocal spent
        if node.inf is None:
            if spent >= max_states:
                out.truncated = True
                return None
            spent += 1
            node.inf = Inference(model, node.state)
        return node.inf

    def leaf(node: _Node) -> None:
        if len(node.chosen) == 1:
            (name, (terms, values)), = node.chosen.items()
            out.items.append(Combination(terms, (FieldMatch(name, terms, np.flatnonzero(values)),)))
            return
        inf = infer(node)
        if inf is None:
            return
        parts = []
        for name in sorted(node.chosen, key=matches.rank.__getitem__):
            terms, values = node.chosen[name]
            hits = np.flatnonzero(inf.possible(name) & values)
            if not len(hits):
                return
            parts.append(FieldMatch(name, terms, hits))
        every = tuple(sorted(t for part in parts for t in part.terms))
        out.items.append(Combination(every, tuple(parts)))

    def walk(k: int, node: _Node) -> None:
        nonlocal visited
        visited += 1
        if visited > max_nodes:
            out.truncated = True
            return
        if k == nterms:
            if node.chosen:
                leaf(node)
            return
        for name, mask in matches.masks[k].items():
            prev = node.chosen.get(name)
            values = mask if prev is None else prev[1] & mask
            if not values.any():
                continue
            others = len(node.chosen) - (prev is not None)
            if others:
                # the fields chosen so far must leave one of these values possible
                inf = infer(node)
                if inf is None or not (inf.possible(name) & values).any():
                    continue
            chosen = dict(node.chosen)
            chosen[name] = ((*prev[0], k) if prev is not None else (k,), values)
            walk(k + 1, _Node(chosen, node.state.with_field(name, values)))
        walk(k + 1, node)  # term k left out (after: a cut search keeps the fuller ones)

    walk(0, _Node({}, matches.base.state))
    out.items.sort(key=lambda c: (-len(c.terms), len(c.fields), c.terms,
                                  [matches.rank[f.field] for f in c.fields],
                                  [f.terms for f in c.fields]))
    return out


def search(model: DataModel, state: SelectionState, terms: Sequence[str],
           context: str = DEFAULT_CONTEXT, fields: Sequence[str] | None = None,
           ) -> TermMatches:
    """The hits of ``terms`` in the searched fields under ``context``; more than
    ``MAX_TERMS`` terms: InvalidParameters."""
    if len(terms) > MAX_TERMS:
        raise InvalidParameters("qTerms", f"qTerms: at most {MAX_TERMS} search terms")
    base = inference(model, base_state(state, context))
    return TermMatches(model, base, searched_fields(model, fields), terms)


# -- suggestions ------------------------------------------------------------------------


def suggestions(matches: TermMatches, limit: int) -> list[tuple[str, int]]:
    """Search suggestions, ``(text, term)``: for each term (left to right), the texts of
    the values it hits, those that start with the term first, then the shorter, then
    by text; each text once per term; at most ``limit`` per term."""
    out: list[tuple[str, int]] = []
    for t, masks in enumerate(matches.masks):
        term = matches.terms[t].strip().strip('"').casefold()
        seen: dict[str, str] = {}
        for name, mask in masks.items():
            sym = matches.model.fields[name].symbols
            for text in sym.texts_at(np.flatnonzero(mask)).tolist():
                seen.setdefault(text.casefold(), text)
        ranked = sorted(seen.items(), key=lambda kv: (not kv[0].startswith(term), len(kv[0]),
                                                       kv[0], kv[1]))
        out.extend((text, t) for _, text in ranked[:limit])
    return out


# -- where a term matches a text ---------------------------------------------------------


def match_ranges(text: str, term: str) -> list[tuple[int, int]]:
    """Where ``term`` shows in ``text`` (character position, length), as a hit is
    highlighted: each word of the text that a word of the term starts (the longest such
    start); the whole text for a wildcard or numeric term, or a text equal to the term."""
    term = term.strip()
    if not term or not text:
        return []
    if "*" in term or "?" in term or _NUMERIC_TERM.match(term):
        return [(0, len(text))]
    words = [w.casefold() for w in term.strip('"').split()]
    out = []
    for m in _WORD.finditer(text):
        word = m.group()
        folded = word.casefold()
        best = max((_prefix_chars(word, w) for w in words if folded.startswith(w)), default=0)
        if best:
            out.append((m.start(), best))
    if not out and text.casefold() == " ".join(words):
        out.append((0, len(text)))
    return out


def _prefix_chars(word: str, folded_prefix: str) -> int:
    """How many characters of ``word`` make ``folded_prefix`` once case folded."""
    for k in range(1, len(word) + 1):
        if len(word[:k].casefold()) >= len(folded_prefix):
            return k
    return len(word)


def encode_range(text: str, pos: int, count: int, encoding: str) -> tuple[int, int]:
    """A character range as positions in UTF-8 bytes (``"Utf8"``) or UTF-16 code units
    (``"Utf16"``), the units SearchCharRange is counted in (help, qCharEncoding)."""
    if text.isascii():
        return pos, count
    codec = "utf-16-le" if encoding == "Utf16" else "utf-8"
    width = 2 if encoding == "Utf16" else 1

    def size(s: str) -> int:
        return len(s.encode(codec, "surrogatepass")) // width

    return size(text[:pos]), size(text[pos:pos + count])


def terms_in(text: str, terms: Iterable[str]) -> list[int]:
    """The indexes of the terms that match ``text``."""
    return [t for t, term in enumerate(terms) if matches_text(text, term)]
