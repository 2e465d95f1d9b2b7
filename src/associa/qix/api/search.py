"""Doc: global search, as search bars use it (SearchResults, SearchSuggest,
SearchAssociations, SelectAssociations, SearchValues, SearchObjects).

The matching and the combinations of associated values are ``select.globalsearch``'s;
this module reads the parameters and writes the answers in the shapes of Qlik's engine
API reference (help.qlik.com, Engine JSON API, "models": SearchCombinationOptions,
SearchPage, SearchGroupOptions, SearchGroupItemOptions, SearchResult, SearchGroup,
SearchGroupItem, SearchGroupItemMatch, SearchCharRange, SearchAttribute,
SearchSuggestionResult, SearchSuggestItem, SearchAssociationResult,
SearchFieldDictionary, SearchTermResult, SearchMatchCombinations ("Array of
SearchMatchCombination"), SearchFieldMatch, SearchValueOptions, SearchValuePage,
SearchValueResult, SearchFieldValueItem, SearchFieldMatchesItem, SearchObjectOptions;
the same members and types as @qlik/api's ``qix`` typings). Enums are answered in their
first form ("DatasetType", "Field"); either form, or the enum's position, is read.

Paging: a member left out takes the reference's default (qCount and qMaxNbrFieldMatches
-1: everything); a negative count is everything, an offset must not be negative. A
parameter of the wrong type is refused with error 8 (InvalidParameters) naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from associa.app.doc import DocState
from associa.app.layout import string_expression
from associa.errors import InvalidParameters
from associa.model import DataModel
from associa.qix.dispatch import method, p
from associa.qix.session import Call
from associa.select import globalsearch as gs
from associa.select.search import search_symbols
from associa.values.rendering import default_text

SUGGESTIONS = 10  # suggestions per term (SearchSuggest takes no page)
# help, "SearchObjects method": "The generic objects with the following types will
# never appear in the results"
HIDDEN_OBJECT_TYPES = frozenset({"slideitem", "sheet", "story", "slide", "masterobject",
                                 "snapshot", "LoadModel", "appprops", "searchhistory"})
# what SearchObjects looks in ("within the title, subtitle, footnote and type")
OBJECT_TEXTS = (("qMetaDef", "title"), ("title",), ("subtitle",), ("footnote",),
                ("qInfo", "qType"))
DATASET, OBJECTS = "DatasetType", "GenericObjectsType"
GROUP_TYPES: dict[str | int, str] = {DATASET: DATASET, "DATASET_GROUP": DATASET, 0: DATASET,
                                     OBJECTS: OBJECTS, "GENERIC_OBJECTS_GROUP": OBJECTS,
                                     1: OBJECTS}
FIELD_ITEM, OBJECT_ITEM = "Field", "GenericObject"
ITEM_TYPES: dict[str | int, str] = {FIELD_ITEM: FIELD_ITEM, "FIELD": FIELD_ITEM, 0: FIELD_ITEM,
                                    OBJECT_ITEM: OBJECT_ITEM, "GENERIC_OBJECT": OBJECT_ITEM,
                                    1: OBJECT_ITEM}
ENCODINGS: dict[str | int, str] = {"Utf8": "Utf8", "CHAR_ENCODING_UTF8": "Utf8", 0: "Utf8",
                                   "Utf16": "Utf16", "CHAR_ENCODING_UTF16": "Utf16", 1: "Utf16"}


def _doc(call: Call) -> DocState:
    return call.target


# -- parameters --------------------------------------------------------------------------


@dataclass(slots=True)
class Options:
    fields: list[str] | None = None
    context: str = gs.DEFAULT_CONTEXT
    encoding: str = "Utf8"
    attributes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Page:
    offset: int = 0
    count: int = -1
    max_matches: int = -1
    groups: dict[str, tuple[int, int]] = field(default_factory=dict)  # type -> window
    items: dict[str, tuple[int, int]] = field(default_factory=dict)


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidParameters(name, f"{name} must be an array of strings")
    return value


def _enum(table: dict[str | int, str], value: Any, name: str) -> str:
    found = None if isinstance(value, bool) else table.get(value)
    if found is None:
        forms = ", ".join(k for k in table if isinstance(k, str))
        raise InvalidParameters(name, f"{name} must be one of {forms}, not {value!r}")
    return found


def _options(raw: dict[str, Any]) -> Options:
    out = Options()
    names = [n for n in _strings(raw.get("qSearchFields"), "qSearchFields") if n]
    out.fields = names or None
    if raw.get("qContext") is not None:
        out.context = _enum(gs.CONTEXTS, raw["qContext"], "qContext")
    if raw.get("qCharEncoding") is not None:
        out.encoding = _enum(ENCODINGS, raw["qCharEncoding"], "qCharEncoding")
    out.attributes = [a for a in _strings(raw.get("qAttributes"), "qAttributes") if a]
    return out


def _int(raw: dict[str, Any], key: str, default: int, name: str, minimum: int | None = None,
         ) -> int:
    value = raw.get(key)
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameters(f"{name}.{key}", f"{name}.{key} must be an integer")
    if minimum is not None and value < minimum:
        raise InvalidParameters(f"{name}.{key}", f"{name}.{key} must be at least {minimum}")
    return value


def _windows(raw: Any, key: str, kinds: dict[str | int, str]) -> dict[str, tuple[int, int]]:
    if raw is None:
        return {}
    if not isinstance(raw, list) or not all(isinstance(o, dict) for o in raw):
        raise InvalidParameters(f"qPage.{key}", f"qPage.{key} must be an array of objects")
    out: dict[str, tuple[int, int]] = {}
    type_key = "qGroupType" if key == "qGroupOptions" else "qGroupItemType"
    for opt in raw:
        kind = _enum(kinds, opt.get(type_key), f"qPage.{key}.{type_key}")
        out[kind] = (_int(opt, "qOffset", 0, f"qPage.{key}", 0),
                     _int(opt, "qCount", -1, f"qPage.{key}"))
    return out


def _page(raw: dict[str, Any]) -> Page:
    return Page(
        _int(raw, "qOffset", 0, "qPage", 0),
        _int(raw, "qCount", -1, "qPage"),
        _int(raw, "qMaxNbrFieldMatches", -1, "qPage"),
        _windows(raw.get("qGroupOptions"), "qGroupOptions", GROUP_TYPES),
        _windows(raw.get("qGroupItemOptions"), "qGroupItemOptions", ITEM_TYPES),
    )


def _terms(value: list[Any]) -> list[str]:
    return _strings(value, "qTerms")


def _window(seq: Any, offset: int, count: int) -> Any:
    """``seq[offset:]``, at most ``count`` items of it (all with a negative count)."""
    return seq[offset:] if count < 0 else seq[offset:offset + count]


def _search(doc: DocState, opts: Options, terms: list[str], context: str | None = None,
            ) -> gs.TermMatches:
    model, state, _ = doc.snapshot()
    return gs.search(model, state, terms, context or opts.context, opts.fields)


# -- answers ---------------------------------------------------------------------------


def _ranges(text: str, terms: list[str], which: Sequence[int], encoding: str,
            ) -> list[dict[str, int]]:
    """SearchCharRange of each of the ``which`` terms in ``text``, by position."""
    out = []
    for t in which:
        for pos, count in gs.match_ranges(text, terms[t]):
            pos, count = gs.encode_range(text, pos, count, encoding)
            out.append({"qCharPos": pos, "qCharCount": count, "qTerm": t})
    out.sort(key=lambda r: (r["qCharPos"], r["qTerm"]))
    return out


def _value_attributes(model: DataModel, name: str, symbol: int, wanted: list[str],
                      ) -> list[dict[str, str]]:
    """SearchAttribute of a value (help, SearchGroupItemMatch.qAttributes: ``qNum`` the
    value's number or NaN, ``qElemNum`` its index; qValue is a string in the schema)."""
    out = []
    for key in wanted:
        if key == "qNum":
            num = model.fields[name].symbols.num(symbol)
            out.append({"qKey": key, "qValue": "NaN" if num != num else default_text(num)})
        elif key == "qElemNum":
            out.append({"qKey": key, "qValue": str(symbol)})
    return out


def _group_item(model: DataModel, fm: gs.FieldMatch, terms: list[str], opts: Options,
                window: tuple[int, int]) -> dict[str, Any]:
    symbols = _window(fm.symbols, *window)
    texts = model.fields[fm.field].symbols.texts_at(np.asarray(symbols)).tolist()
    matches = []
    for symbol, text in zip(np.asarray(symbols).tolist(), texts, strict=True):
        match: dict[str, Any] = {"qText": text,
                                 "qRanges": _ranges(text, terms, fm.terms, opts.encoding)}
        attributes = _value_attributes(model, fm.field, symbol, opts.attributes)
        if attributes:
            match["qAttributes"] = attributes
        matches.append(match)
    return {"qItemType": FIELD_ITEM, "qTotalNumberOfMatches": len(fm.symbols),
            "qIdentifier": fm.field, "qItemMatches": matches,
            "qSearchTermsMatched": list(fm.terms)}


@method("Doc", "SearchResults", p("qOptions", "obj"), p("qTerms", "list"),
        p("qPage", "obj", {}), out=("qResult",))
def search_results(call: Call, qOptions: dict[str, Any], qTerms: list[Any],
                   qPage: dict[str, Any]) -> dict[str, Any]:
    """Search groups: one per combination of terms matched in associated values of
    some fields (``globalsearch``), best first; ``qId`` is what SelectAssociations
    takes. Evidence: help, "SearchResults method" and the models it names."""
    opts, terms, page = _options(qOptions), _terms(qTerms), _page(qPage)
    doc = _doc(call)
    matches = _search(doc, opts, terms)
    combos = gs.combinations(matches).items
    groups_window = page.groups.get(DATASET, (0, -1))
    items_window = page.items.get(FIELD_ITEM, (0, -1))
    groups = []
    for ix in _window(range(len(combos)), page.offset, page.count):
        combo = combos[ix]
        groups.append({
            "qId": ix, "qGroupType": DATASET, "qSearchTermsMatched": list(combo.terms),
            "qTotalNumberOfItems": len(combo.fields),
            "qItems": [_group_item(matches.model, fm, terms, opts, items_window)
                       for fm in _window(combo.fields, *groups_window)],
        })
    return {"qSearchTerms": terms, "qTotalNumberOfGroups": len(combos),
            "qSearchGroupArray": groups}


@method("Doc", "SearchAssociations", p("qOptions", "obj"), p("qTerms", "list"),
        p("qPage", "obj", {}), out=("qResults",))
def search_associations(call: Call, qOptions: dict[str, Any], qTerms: list[Any],
                        qPage: dict[str, Any]) -> dict[str, Any]:
    """The older form of SearchResults (help, "SearchAssociations method",
    SearchAssociationResult): the page's combinations (qOffset/qCount) as
    SearchMatchCombination lists, one list per set of terms matched, their values in
    one dictionary per field (at most qMaxNbrFieldMatches each; qValues point into it)."""
    opts, terms, page = _options(qOptions), _terms(qTerms), _page(qPage)
    matches = _search(_doc(call), opts, terms)
    model = matches.model
    combos = gs.combinations(matches).items
    shown = list(_window(range(len(combos)), page.offset, page.count))
    names = [n for n in matches.fields if any(fm.field == n for i in shown
                                              for fm in combos[i].fields)]
    position = {n: i for i, n in enumerate(names)}
    dictionaries = []
    index: dict[str, dict[int, int]] = {}
    for name in names:
        parts = [fm for i in shown for fm in combos[i].fields if fm.field == name]
        symbols = np.unique(np.concatenate([fm.symbols for fm in parts]))
        symbols = np.asarray(_window(symbols, 0, page.max_matches))
        field_terms = sorted({t for fm in parts for t in fm.terms})
        texts = model.fields[name].symbols.texts_at(symbols).tolist()
        index[name] = {s: i for i, s in enumerate(symbols.tolist())}
        dictionaries.append({"qField": position[name], "qResult": [
            {"qText": text, "qElemNumber": s,
             "qRanges": _ranges(text, terms, field_terms, opts.encoding)}
            for s, text in zip(symbols.tolist(), texts, strict=True)]})
    by_terms: dict[tuple[int, ...], list[dict[str, Any]]] = {}
    for i in shown:
        by_terms.setdefault(combos[i].terms, []).append({"qId": i, "qFieldMatches": [
            {"qField": position[fm.field],
             "qValues": [index[fm.field][s] for s in fm.symbols.tolist() if s in index[fm.field]],
             "qTerms": list(fm.terms), "qNoOfMatches": len(fm.symbols)}
            for fm in combos[i].fields]})
    return {"qFieldNames": names, "qSearchTerms": terms, "qFieldDictionaries": dictionaries,
            "qSearchTermsMatched": list(by_terms.values()), "qTotalSearchResults": len(combos)}


@method("Doc", "SelectAssociations", p("qOptions", "obj"), p("qTerms", "list"),
        p("qMatchIx", "int", 0), p("qSoftLock", "any", None))
def select_associations(call: Call, qOptions: dict[str, Any], qTerms: list[Any],
                        qMatchIx: int, qSoftLock: Any) -> None:
    """Select the hits of the combination whose qId is ``qMatchIx`` (help,
    "SelectAssociations method": "Selects all search hits for a specified group"),
    found again from the same options and terms. Cleared and LockedFieldsOnly clear the
    other selections first (as ClearAll: locked fields keep theirs); CurrentSelections
    selects on top of them. No such combination: nothing changes. qSoftLock ("deprecated
    and should not be set"; the schema's default is null) selects in locked fields too."""
    opts, terms = _options(qOptions), _terms(qTerms)
    if qSoftLock is not None and not isinstance(qSoftLock, bool):
        raise InvalidParameters("qSoftLock", "qSoftLock must be a boolean")
    if qMatchIx < 0:
        raise InvalidParameters("qMatchIx", "qMatchIx must not be negative")
    doc = _doc(call)
    combos = gs.combinations(_search(doc, opts, terms)).items
    if qMatchIx >= len(combos):
        return
    if opts.context != gs.CURRENT_SELECTIONS:
        doc.clear_all()
    for fm in combos[qMatchIx].fields:
        doc.select_symbols(fm.field, fm.symbols.tolist(), soft_lock=bool(qSoftLock))


@method("Doc", "SearchSuggest", p("qOptions", "obj"), p("qTerms", "list"),
        out=("qResult",))
def search_suggest(call: Call, qOptions: dict[str, Any], qTerms: list[Any]) -> dict[str, Any]:
    """Suggestions (help, "SearchSuggest method", SearchSuggestionResult): for each term
    the texts of values it hits (``globalsearch.suggestions``), qTerm the term's index;
    qFieldNames the fields with hits."""
    opts, terms = _options(qOptions), _terms(qTerms)
    matches = _search(_doc(call), opts, terms)
    return {"qSuggestions": [{"qValue": text, "qTerm": t}
                             for text, t in gs.suggestions(matches, SUGGESTIONS)],
            "qFieldNames": matches.fields_hit()}


@method("Doc", "SearchValues", p("qOptions", "obj"), p("qTerms", "list"),
        p("qPage", "obj", {}), out=("qResult",))
def search_values(call: Call, qOptions: dict[str, Any], qTerms: list[Any],
                  qPage: dict[str, Any]) -> dict[str, Any]:
    """Values matching any term, field by field (help, "SearchValues method", marked
    experimental; SearchValueResult): the fields from qOffset, qCount of them, each with
    at most qMaxNbrFieldMatches values and the terms each matched. SearchValueOptions has
    no context: every value of the fields is searched, as if nothing were selected."""
    opts, terms, page = _options(qOptions), _terms(qTerms), _page(qPage)
    matches = _search(_doc(call), opts, terms, gs.CLEARED)
    out = []
    for name in _window(matches.fields_hit(), page.offset, page.count):
        symbols, hit_terms = matches.field_values(name)
        symbols = np.asarray(_window(symbols, 0, page.max_matches))
        texts = matches.model.fields[name].symbols.texts_at(symbols).tolist()
        out.append({"qFieldName": name, "qValues": [
            {"qText": text, "qElemNo": s, "qSearchTermsMatched": ts}
            for s, text, ts in zip(symbols.tolist(), texts, hit_terms[:len(symbols)],
                                   strict=True)]})
    return {"qSearchTerms": terms, "qFieldMatches": out}


# -- objects -----------------------------------------------------------------------------


def _object_texts(doc: DocState, props: dict[str, Any]) -> list[tuple[str, str]]:
    """(property path, text) of what SearchObjects looks in; string expressions are
    evaluated as the layout shows them."""
    out = []
    for path in OBJECT_TEXTS:
        node: Any = props
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and "qStringExpression" in node:
            node = string_expression(doc, node["qStringExpression"])
        if isinstance(node, str) and node:
            out.append(("/".join(path), node))
    return out


def _dimension_fields(model: DataModel, props: dict[str, Any]) -> list[str]:
    """The fields an object's list object and hypercube dimensions show (plain field
    names; calculated dimensions are left out)."""
    defs = []
    cube = props.get("qHyperCubeDef")
    if isinstance(cube, dict) and isinstance(cube.get("qDimensions"), list):
        defs += [d.get("qDef") for d in cube["qDimensions"] if isinstance(d, dict)]
    listobj = props.get("qListObjectDef")
    if isinstance(listobj, dict):
        defs.append(listobj.get("qDef"))
    out = []
    for d in defs:
        names = d.get("qFieldDefs") if isinstance(d, dict) else None
        if isinstance(names, list) and names and isinstance(names[0], str):
            name = names[0]
            if name in model.fields and name not in out:
                out.append(name)
    return out


def _object_matches(doc: DocState, model: DataModel, props: dict[str, Any], terms: list[str],
                    opts: Options, possible: Callable[[str], np.ndarray],
                    ) -> tuple[set[int], list[dict[str, Any]]]:
    """The terms an object matches and its SearchGroupItemMatch list (dimension values:
    those ``possible`` under the current selections)."""
    found: set[int] = set()
    matches = []
    want_property = "qProperty" in opts.attributes
    for path, text in _object_texts(doc, props):
        hit = gs.terms_in(text, terms)
        if hit:
            found.update(hit)
            match: dict[str, Any] = {"qText": text,
                                     "qRanges": _ranges(text, terms, hit, opts.encoding)}
            if want_property:
                match["qAttributes"] = [{"qKey": "qProperty", "qValue": path}]
            matches.append(match)
    for name in _dimension_fields(model, props):
        sym = model.fields[name].symbols
        per_term = []
        for term in terms:
            mask = np.zeros(len(sym), dtype=bool)
            mask[search_symbols(model, name, term) if term.strip() else []] = True
            per_term.append(mask & possible(name))
        if not per_term:
            continue
        anyhit = np.flatnonzero(np.logical_or.reduce(per_term))
        for s, text in zip(anyhit.tolist(), sym.texts_at(anyhit).tolist(), strict=True):
            hit = [t for t, m in enumerate(per_term) if m[s]]
            found.update(hit)
            match = {"qText": text, "qRanges": _ranges(text, terms, hit, opts.encoding)}
            if want_property:
                match["qAttributes"] = [{"qKey": "qProperty", "qValue": "*"}]
            matches.append(match)
    return found, matches


@method("Doc", "SearchObjects", p("qOptions", "obj"), p("qTerms", "list"),
        p("qPage", "obj", {}), out=("qResult",))
def search_objects(call: Call, qOptions: dict[str, Any], qTerms: list[Any],
                   qPage: dict[str, Any]) -> dict[str, Any]:
    """Generic objects matching terms (help, "SearchObjects method": "The search is
    performed within the title, subtitle, footnote and type. In addition, associated
    dimension values are also searched in", under the current selections; some types
    never appear). An object goes in the group of every term it matches; groups with
    more terms first; an item per object (qIdentifier its id), a match per text or
    dimension value, qAttributes ``qProperty`` its property path ("*" for values)."""
    opts, terms, page = _options(qOptions), _terms(qTerms), _page(qPage)
    doc = _doc(call)
    model, _, inf = doc.snapshot()
    ids = list(doc.app.objects) + [i for i in list(doc.session_objects) if i not in doc.app.objects]
    by_terms: dict[tuple[int, ...], list[dict[str, Any]]] = {}
    items_window = page.items.get(OBJECT_ITEM, (0, -1))
    for obj_id in ids:
        found = doc.properties(obj_id)
        if found is None:
            continue
        props = found[0]
        info = props.get("qInfo")
        if isinstance(info, dict) and info.get("qType") in HIDDEN_OBJECT_TYPES:
            continue
        hit, matches = _object_matches(doc, model, props, terms, opts, inf.possible)
        if not hit:
            continue
        key = tuple(sorted(hit))
        by_terms.setdefault(key, []).append({
            "qItemType": OBJECT_ITEM, "qTotalNumberOfMatches": len(matches),
            "qIdentifier": obj_id, "qItemMatches": list(_window(matches, *items_window)),
            "qSearchTermsMatched": list(key)})
    ordered = sorted(by_terms.items(), key=lambda kv: (-len(kv[0]), kv[0]))
    groups_window = page.groups.get(OBJECTS, (0, -1))
    groups = [{"qId": ix, "qGroupType": OBJECTS, "qSearchTermsMatched": list(key),
               "qTotalNumberOfItems": len(items), "qItems": list(_window(items, *groups_window))}
              for ix, (key, items) in enumerate(ordered)]
    return {"qSearchTerms": terms, "qTotalNumberOfGroups": len(groups),
            "qSearchGroupArray": list(_window(groups, page.offset, page.count))}
