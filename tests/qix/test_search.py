"""Doc global search over QIX: SearchResults, SearchAssociations, SelectAssociations,
SearchSuggest, SearchValues and SearchObjects, their contexts, paging and errors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LISTBOX, Client

CLEARED = {"qContext": "Cleared"}
PAGE = {"qOffset": 0, "qCount": 10, "qMaxNbrFieldMatches": 5}


def results(c: Client, terms: list[str], options: dict[str, Any] | None = None,
            page: dict[str, Any] | None = None) -> dict[str, Any]:
    return c.call("SearchResults", CLEARED if options is None else options, terms,
                  PAGE if page is None else page, handle=1)["qResult"]


def summary(result: dict[str, Any]) -> list[tuple]:
    """Each group as (qId, terms, ((field, [texts]), ...))."""
    return [(g["qId"], g["qSearchTermsMatched"],
             tuple((i["qIdentifier"], [m["qText"] for m in i["qItemMatches"]]) for i in g["qItems"]))
            for g in result["qSearchGroupArray"]]


def select(c: Client, field: str, text: str) -> int:
    handle = c.call("GetField", field, handle=1)["qReturn"]["qHandle"]
    assert c.call("Select", text, handle=handle) == {"qReturn": True}
    return handle


def total(c: Client) -> str:
    return c.call("Evaluate", "Sum(Amount)", handle=1)["qReturn"]


def states(c: Client, handle: int) -> dict[str, str]:
    (page,) = c.layout(handle)["qListObject"]["qDataPages"]
    return {row[0]["qText"]: row[0]["qState"] for row in page["qMatrix"]}


def test_search_results_shape(loaded: Client) -> None:
    result = results(loaded, ["north", "bike"])
    assert result["qSearchTerms"] == ["north", "bike"]
    assert result["qTotalNumberOfGroups"] == 3
    first = result["qSearchGroupArray"][0]
    assert first == {
        "qId": 0, "qGroupType": "DatasetType", "qSearchTermsMatched": [0, 1],
        "qTotalNumberOfItems": 2,
        "qItems": [
            {"qItemType": "Field", "qTotalNumberOfMatches": 1, "qIdentifier": "Region",
             "qItemMatches": [{"qText": "North",
                               "qRanges": [{"qCharPos": 0, "qCharCount": 5, "qTerm": 0}]}],
             "qSearchTermsMatched": [0]},
            {"qItemType": "Field", "qTotalNumberOfMatches": 1, "qIdentifier": "Product",
             "qItemMatches": [{"qText": "Bike",
                               "qRanges": [{"qCharPos": 0, "qCharCount": 4, "qTerm": 1}]}],
             "qSearchTermsMatched": [1]},
        ],
    }
    assert summary(result)[1:] == [(1, [0], (("Region", ["North"]),)),
                                   (2, [1], (("Product", ["Bike"]),))]


def test_terms_of_values_not_associated_make_no_group(loaded: Client) -> None:
    # Lock was only sold in the North
    assert summary(results(loaded, ["lock", "south"])) == [
        (0, [0], (("Product", ["Lock"]),)), (1, [1], (("Region", ["South"]),))]
    assert summary(results(loaded, ["lock", "ann"]))[0] == (
        0, [0, 1], (("Product", ["Lock"]), ("Manager", ["Ann"])))
    assert results(loaded, ["zebra"])["qSearchGroupArray"] == []


def test_search_fields(loaded: Client) -> None:
    options = {**CLEARED, "qSearchFields": ["Product"]}
    assert summary(results(loaded, ["north", "bike"], options)) == [(0, [1], (("Product", ["Bike"]),))]
    # the schema's placeholder [""] searches every field
    assert len(summary(results(loaded, ["north", "bike"], {**CLEARED, "qSearchFields": [""]}))) == 3


def test_contexts(loaded: Client) -> None:
    region = select(loaded, "Region", "North")
    terms = ["helmet"]
    assert summary(results(loaded, terms, CLEARED)) == [(0, [0], (("Product", ["Helmet"]),))]
    assert summary(results(loaded, terms, {"qContext": "CurrentSelections"})) == []
    assert summary(results(loaded, ["bike"], {"qContext": "CONTEXT_CURRENT_SELECTIONS"})) == [
        (0, [0], (("Product", ["Bike"]),))]
    # LockedFieldsOnly (the default) ignores an unlocked selection, applies a locked one
    assert len(summary(results(loaded, terms, {}))) == 1
    assert loaded.call("Lock", handle=region) == {"qReturn": True}
    assert summary(results(loaded, terms, {})) == []
    assert summary(results(loaded, terms, {"qContext": "LockedFieldsOnly"})) == []
    assert summary(results(loaded, terms, {"qContext": 0})) == [  # the enum's position
        (0, [0], (("Product", ["Helmet"]),))]


def test_paging(loaded: Client) -> None:
    page = {"qOffset": 1, "qCount": 1}
    result = results(loaded, ["north", "bike"], page=page)
    assert result["qTotalNumberOfGroups"] == 3
    assert summary(result) == [(1, [0], (("Region", ["North"]),))]
    page = {"qOffset": 0, "qCount": 1,
            "qGroupOptions": [{"qGroupType": "DatasetType", "qOffset": 1, "qCount": 1}]}
    (group,) = results(loaded, ["north", "bike"], page=page)["qSearchGroupArray"]
    assert group["qTotalNumberOfItems"] == 2
    assert [i["qIdentifier"] for i in group["qItems"]] == ["Product"]
    page = {"qOffset": 0, "qCount": 5,
            "qGroupItemOptions": [{"qGroupItemType": "FIELD", "qOffset": 1, "qCount": 1}]}
    options = {**CLEARED, "qSearchFields": ["Region"]}
    (group,) = results(loaded, ["*"], options, page)["qSearchGroupArray"]
    (item,) = group["qItems"]
    assert item["qTotalNumberOfMatches"] == 3
    assert [m["qText"] for m in item["qItemMatches"]] == ["South"]


def test_attributes_and_char_encoding(client: Client) -> None:
    client.session_app("T:\nLOAD * INLINE [\nName, Price\nZoë Bike, 12.5\nRoad Bike, 30\n];")
    options = {**CLEARED, "qAttributes": ["qNum", "qElemNum"], "qCharEncoding": "Utf16"}
    result = results(client, ["bike"], options)
    (item,) = result["qSearchGroupArray"][0]["qItems"]
    assert item["qItemMatches"][0] == {
        "qText": "Zoë Bike", "qRanges": [{"qCharPos": 4, "qCharCount": 4, "qTerm": 0}],
        "qAttributes": [{"qKey": "qNum", "qValue": "NaN"}, {"qKey": "qElemNum", "qValue": "0"}]}
    utf8 = results(client, ["bike"], {**CLEARED, "qCharEncoding": "Utf8"})
    (item,) = utf8["qSearchGroupArray"][0]["qItems"]
    assert item["qItemMatches"][0] == {"qText": "Zoë Bike",
                                       "qRanges": [{"qCharPos": 5, "qCharCount": 4, "qTerm": 0}]}
    (item,) = results(client, ["30"], options)["qSearchGroupArray"][0]["qItems"]
    assert item["qItemMatches"][0]["qAttributes"] == [{"qKey": "qNum", "qValue": "30"},
                                                      {"qKey": "qElemNum", "qValue": "1"}]


def test_select_associations(loaded: Client) -> None:
    listbox = loaded.create(LISTBOX)
    reply = loaded.send("SelectAssociations", CLEARED, ["north", "bike"], 0, handle=1)
    assert reply["result"] == {}
    assert listbox in reply["change"]
    assert total(loaded) == "100"
    # Region: North selected, South goes with Bike (alternative), East excluded
    assert states(loaded, listbox) == {"East": "X", "North": "S", "South": "A"}
    # a single-term group: Cleared clears the other selections first
    loaded.call("SelectAssociations", CLEARED, ["lock"], 0, handle=1)
    assert total(loaded) == "20"
    assert states(loaded, listbox) == {"East": "X", "North": "O", "South": "X"}


def test_select_associations_contexts(loaded: Client) -> None:
    select(loaded, "Region", "North")
    loaded.call("SelectAssociations", {"qContext": "CurrentSelections"}, ["bike"], 0, handle=1)
    assert total(loaded) == "100"  # North and Bike
    loaded.call("SelectAssociations", CLEARED, ["bike"], 0, handle=1)
    assert total(loaded) == "250"  # Bike only
    # the default context, LockedFieldsOnly: a locked selection stays, others go
    loaded.call("ClearAll", handle=1)
    managers = loaded.create({**LISTBOX, "qListObjectDef": {
        **LISTBOX["qListObjectDef"], "qDef": {"qFieldDefs": ["Manager"]}}})
    region = select(loaded, "Region", "South")
    loaded.call("Lock", handle=region)
    select(loaded, "Manager", "Bob")
    assert states(loaded, managers)["Bob"] == "S"
    loaded.call("SelectAssociations", {}, ["bike"], 0, handle=1)
    assert total(loaded) == "150"
    assert states(loaded, managers) == {"Ann": "X", "Bob": "O", "Cid": "X"}


def test_select_associations_without_such_group(loaded: Client) -> None:
    select(loaded, "Region", "South")
    reply = loaded.send("SelectAssociations", CLEARED, ["zebra"], 0, handle=1)
    assert reply["result"] == {} and not reply.get("change")
    loaded.call("SelectAssociations", CLEARED, ["north", "bike"], 3, handle=1)
    assert total(loaded) == "150"  # nothing changed
    error = loaded.error("SelectAssociations", CLEARED, ["bike"], -1, handle=1)
    assert error["code"] == 8 and error["parameter"] == "qMatchIx"


def test_search_associations(loaded: Client) -> None:
    result = loaded.call("SearchAssociations", CLEARED, ["north", "bike"], PAGE,
                         handle=1)["qResults"]
    assert result["qFieldNames"] == ["Region", "Product"]
    assert result["qSearchTerms"] == ["north", "bike"]
    assert result["qTotalSearchResults"] == 3
    assert result["qFieldDictionaries"] == [
        {"qField": 0, "qResult": [{"qText": "North", "qElemNumber": 0,
                                   "qRanges": [{"qCharPos": 0, "qCharCount": 5, "qTerm": 0}]}]},
        {"qField": 1, "qResult": [{"qText": "Bike", "qElemNumber": 0,
                                   "qRanges": [{"qCharPos": 0, "qCharCount": 4, "qTerm": 1}]}]},
    ]
    region = {"qField": 0, "qValues": [0], "qTerms": [0], "qNoOfMatches": 1}
    product = {"qField": 1, "qValues": [0], "qTerms": [1], "qNoOfMatches": 1}
    assert result["qSearchTermsMatched"] == [
        [{"qId": 0, "qFieldMatches": [region, product]}],
        [{"qId": 1, "qFieldMatches": [region]}],
        [{"qId": 2, "qFieldMatches": [product]}],
    ]
    # a page of one, at most one value per field
    page = {"qOffset": 0, "qCount": 1, "qMaxNbrFieldMatches": 1}
    result = loaded.call("SearchAssociations", {**CLEARED, "qSearchFields": ["Region"]}, ["*"],
                         page, handle=1)["qResults"]
    assert result["qTotalSearchResults"] == 1
    (dictionary,) = result["qFieldDictionaries"]
    assert [v["qText"] for v in dictionary["qResult"]] == ["North"]
    assert result["qSearchTermsMatched"] == [[{"qId": 0, "qFieldMatches": [
        {"qField": 0, "qValues": [0], "qTerms": [0], "qNoOfMatches": 3}]}]]


def test_search_suggest(loaded: Client) -> None:
    result = loaded.call("SearchSuggest", CLEARED, ["b"], handle=1)["qResult"]
    assert result == {"qSuggestions": [{"qValue": "Bob", "qTerm": 0}, {"qValue": "Bike", "qTerm": 0}],
                      "qFieldNames": ["Product", "Manager"]}
    select(loaded, "Region", "North")
    result = loaded.call("SearchSuggest", {"qContext": "CurrentSelections"}, ["b"],
                         handle=1)["qResult"]
    assert result["qSuggestions"] == [{"qValue": "Bike", "qTerm": 0}]


def test_search_values(loaded: Client) -> None:
    select(loaded, "Region", "South")  # no context: every value is searched
    result = loaded.call("SearchValues", {}, ["north", "bike", "n"], PAGE, handle=1)["qResult"]
    assert result == {"qSearchTerms": ["north", "bike", "n"], "qFieldMatches": [
        {"qFieldName": "Region", "qValues": [
            {"qText": "North", "qElemNo": 0, "qSearchTermsMatched": [0, 2]}]},
        {"qFieldName": "Product", "qValues": [
            {"qText": "Bike", "qElemNo": 0, "qSearchTermsMatched": [1]}]},
    ]}
    page = {"qOffset": 1, "qCount": 1, "qMaxNbrFieldMatches": 0}
    result = loaded.call("SearchValues", {"qSearchFields": ["Region", "Product"]}, ["*"], page,
                         handle=1)["qResult"]
    assert result["qFieldMatches"] == [{"qFieldName": "Product", "qValues": []}]


def test_search_objects(loaded: Client) -> None:
    table = {"qInfo": {"qId": "t1", "qType": "table"}, "qMetaDef": {"title": "Sales by region"},
             "qHyperCubeDef": {"qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}]}}
    loaded.create(table)
    loaded.create({"qInfo": {"qId": "k1", "qType": "kpi"}, "title": "Total sales"})
    loaded.create({"qInfo": {"qId": "s1", "qType": "sheet"}, "qMetaDef": {"title": "Sales"}})
    options = {"qAttributes": ["qProperty"]}
    result = loaded.call("SearchObjects", options, ["sales", "north"], PAGE, handle=1)["qResult"]
    assert result["qTotalNumberOfGroups"] == 2
    both, sales = result["qSearchGroupArray"]
    assert both["qGroupType"] == "GenericObjectsType" and both["qSearchTermsMatched"] == [0, 1]
    (item,) = both["qItems"]
    assert item == {
        "qItemType": "GenericObject", "qTotalNumberOfMatches": 2, "qIdentifier": "t1",
        "qItemMatches": [
            {"qText": "Sales by region", "qRanges": [{"qCharPos": 0, "qCharCount": 5, "qTerm": 0}],
             "qAttributes": [{"qKey": "qProperty", "qValue": "qMetaDef/title"}]},
            {"qText": "North", "qRanges": [{"qCharPos": 0, "qCharCount": 5, "qTerm": 1}],
             "qAttributes": [{"qKey": "qProperty", "qValue": "*"}]},
        ],
        "qSearchTermsMatched": [0, 1]}
    assert sales["qSearchTermsMatched"] == [0]
    assert [i["qIdentifier"] for i in sales["qItems"]] == ["k1"]  # the sheet never shows
    # dimension values under the current selections; the type is searched too
    select(loaded, "Region", "South")
    result = loaded.call("SearchObjects", {}, ["north"], PAGE, handle=1)["qResult"]
    assert result["qSearchGroupArray"] == []
    result = loaded.call("SearchObjects", {}, ["kpi"], PAGE, handle=1)["qResult"]
    (group,) = result["qSearchGroupArray"]
    assert [i["qIdentifier"] for i in group["qItems"]] == ["k1"]


@pytest.mark.parametrize(("method", "params", "parameter"), [
    ("SearchResults", [CLEARED, [1], PAGE], "qTerms"),
    ("SearchResults", [{"qContext": "Everything"}, ["a"], PAGE], "qContext"),
    ("SearchResults", [{"qContext": True}, ["a"], PAGE], "qContext"),
    ("SearchResults", [{"qSearchFields": "Region"}, ["a"], PAGE], "qSearchFields"),
    ("SearchResults", [{"qCharEncoding": "Latin1"}, ["a"], PAGE], "qCharEncoding"),
    ("SearchResults", [CLEARED, ["a"], {"qOffset": -1}], "qPage.qOffset"),
    ("SearchResults", [CLEARED, ["a"], {"qCount": "ten"}], "qPage.qCount"),
    ("SearchResults", [CLEARED, ["a"], {"qGroupOptions": [{"qGroupType": "Nope"}]}],
     "qPage.qGroupOptions.qGroupType"),
    ("SearchResults", [CLEARED, ["a"], {"qGroupItemOptions": {"qOffset": 1}}],
     "qPage.qGroupItemOptions"),
    ("SearchAssociations", [CLEARED, ["a"], {"qMaxNbrFieldMatches": 1.5}],
     "qPage.qMaxNbrFieldMatches"),
    ("SearchSuggest", [{"qAttributes": [1]}, ["a"]], "qAttributes"),
    ("SearchValues", [{}, [None], PAGE], "qTerms"),
    ("SearchObjects", [{}, ["a"], {"qOffset": -2}], "qPage.qOffset"),
    ("SearchResults", [CLEARED, ["a"] * 65, PAGE], "qTerms"),
    ("SelectAssociations", [CLEARED, ["a"], 0, "yes"], "qSoftLock"),
])
def test_bad_parameters(loaded: Client, method: str, params: list, parameter: str) -> None:
    error = loaded.error(method, *params, handle=1)
    assert error["code"] == 8 and error["parameter"] == parameter, error
    assert parameter in error["message"]


def test_wrong_json_types_and_missing_terms(loaded: Client) -> None:
    assert loaded.error("SearchResults", CLEARED, "north", PAGE, handle=1)["code"] == -32602
    assert loaded.error("SelectAssociations", CLEARED, ["a"], "first", handle=1)["code"] == -32602
    assert loaded.error("SearchResults", named={"qOptions": {}}, handle=1)["code"] == -32602
    # options are required (help "SearchResults method": qOptions mandatory); the page
    # may be left out
    assert loaded.error("SearchResults", named={"qTerms": ["east"]}, handle=1)["code"] == -32602
    result = loaded.call("SearchResults", named={"qOptions": {}, "qTerms": ["east"]},
                         handle=1)["qResult"]
    assert summary(result) == [(0, [0], (("Region", ["East"]),))]
