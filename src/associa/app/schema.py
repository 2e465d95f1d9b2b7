"""The engine's property structures: member order, types and defaults, as data.

Facts from the QIX OpenRPC specification (``components.schemas`` of engine-rpc.json,
12.2528) checked against what the real engine answered (corectl's golden GetProperties
and GetFullPropertyTree outputs, engine 12.1050):

* members come out in the specification's order, then the client's own (custom) keys in
  the order the client sent them;
* every member is filled with its default when missing, except the few marked ``?``
  below (a measure's ``qNumFormat`` is absent from the engine's answer; a list object's
  ``qAutoSortByState`` is an unset pointer);
* enums come out in their short form (``"S"``, ``"N"``, ``"OTHER_OFF"``) whatever form
  was sent; a missing enum is the specification's default, or the value numbered 0.

Type notation: ``str``, ``bool``, ``int`` (int32), ``uint`` (0 to the int32 maximum), ``int8`` (the SortCriteria flags and
``qSortbyYValue``, which the engine omits when 0), ``json`` (any JSON, kept as sent),
``<Enum>``, ``Struct``, ``[T]`` (list of T); a trailing ``?`` means "not filled when
missing". A tuple gives ``(type, default)``.
"""

from __future__ import annotations

from typing import Any

MemberSpec = str | tuple[str, Any]

# enum name -> ((short form, long form, number), ...); the first is used when nothing else
# is said
ENUMS: dict[str, tuple[tuple[str, str, int], ...]] = {
    "NxHypercubeMode": (
        ("S", "DATA_MODE_STRAIGHT", 0),
        ("P", "DATA_MODE_PIVOT", 1),
        ("K", "DATA_MODE_PIVOT_STACK", 2),
        ("T", "DATA_MODE_TREE", 3),
        ("D", "DATA_MODE_DYNAMIC", 4),
    ),
    "NxDataReductionMode": (
        ("N", "DATA_REDUCTION_NONE", 0),
        ("D1", "DATA_REDUCTION_ONEDIM", 1),
        ("S", "DATA_REDUCTION_SCATTERED", 2),
        ("C", "DATA_REDUCTION_CLUSTERED", 3),
        ("ST", "DATA_REDUCTION_STACKED", 4),
    ),
    "NxGrpType": (
        ("N", "GRP_NX_NONE", 0),
        ("H", "GRP_NX_HIEARCHY", 1),
        ("C", "GRP_NX_COLLECTION", 2),
    ),
    "NxFrequencyMode": (
        ("N", "NX_FREQUENCY_NONE", 0),
        ("V", "NX_FREQUENCY_VALUE", 1),
        ("P", "NX_FREQUENCY_PERCENT", 2),
        ("R", "NX_FREQUENCY_RELATIVE", 3),
    ),
    "OtherMode": (
        ("OTHER_OFF", "OTHER_OFF", 0),
        ("OTHER_COUNTED", "OTHER_COUNTED", 1),
        ("OTHER_ABS_LIMITED", "OTHER_ABS_LIMITED", 2),
        ("OTHER_ABS_ACC_TARGET", "OTHER_ABS_ACC_TARGET", 3),
        ("OTHER_REL_LIMITED", "OTHER_REL_LIMITED", 4),
        ("OTHER_REL_ACC_TARGET", "OTHER_REL_ACC_TARGET", 5),
    ),
    "OtherLimitMode": (
        ("OTHER_GE_LIMIT", "OTHER_GE_LIMIT", 0),
        ("OTHER_LE_LIMIT", "OTHER_LE_LIMIT", 1),
        ("OTHER_GT_LIMIT", "OTHER_GT_LIMIT", 2),
        ("OTHER_LT_LIMIT", "OTHER_LT_LIMIT", 3),
    ),
    "OtherSortMode": (
        ("OTHER_SORT_DEFAULT", "OTHER_SORT_DEFAULT", 0),
        ("OTHER_SORT_DESCENDING", "OTHER_SORT_DESCENDING", 1),
        ("OTHER_SORT_ASCENDING", "OTHER_SORT_ASCENDING", 2),
    ),
    "TotalMode": (("TOTAL_OFF", "TOTAL_OFF", 0), ("TOTAL_EXPR", "TOTAL_EXPR", 1)),
    "FieldAttrType": (
        ("U", "UNKNOWN", 0),
        ("A", "ASCII", 1),
        ("I", "INTEGER", 10),
        ("R", "REAL", 2),
        ("F", "FIX", 11),
        ("M", "MONEY", 12),
        ("D", "DATE", 3),
        ("T", "TIME", 4),
        ("TS", "TIMESTAMP", 5),
        ("IV", "INTERVAL", 6),
    ),
    "NxLTrendlineType": (
        ("AVERAGE", "Average", 0),
        ("LINEAR", "Linear", 1),
        ("POLYNOMIAL2", "Polynomial2", 2),
        ("POLYNOMIAL3", "Polynomial3", 3),
        ("POLYNOMIAL4", "Polynomial4", 4),
        ("EXPONENTIAL", "Exponential", 5),
        ("POWER", "Power", 6),
        ("LOG", "Logarithmic", 7),
    ),
    "NxContinuousMode": (
        ("Never", "CONTINUOUS_NEVER", 0),
        ("Possible", "CONTINUOUS_IF_POSSIBLE", 1),
        ("Time", "CONTINUOUS_IF_TIME", 2),
    ),
    "NxTrendlineMode": (("Multi", "TRENDLINE_MULTILINE", 0), ("Sum", "TRENDLINE_SUM", 1)),
}

_OTHER_TOTAL_SPEC: dict[str, MemberSpec] = {
    "qOtherMode": "<OtherMode>",
    "qOtherCounted": "ValueExpr",
    "qOtherLimit": "ValueExpr",
    "qOtherLimitMode": ("<OtherLimitMode>", "OTHER_GT_LIMIT"),
    "qSuppressOther": "bool",
    "qForceBadValueKeeping": ("bool", True),
    "qApplyEvenWhenPossiblyWrongResult": ("bool", True),
    "qGlobalOtherGrouping": "bool",
    "qOtherCollapseInnerDimensions": "bool",
    "qOtherSortMode": ("<OtherSortMode>", "OTHER_SORT_DESCENDING"),
    "qTotalMode": "<TotalMode>",
    "qReferencedExpression": "StringExpr",
}

_LIST_DEF: dict[str, MemberSpec] = {"qType": "str", "qData": "json?"}

STRUCTS: dict[str, dict[str, MemberSpec]] = {
    "GenericObjectProperties": {
        "qInfo": "NxInfo",
        "qExtendsId": "str",
        "qMetaDef": ("json", {}),
        "qStateName": "str",
    },
    "NxInfo": {"qId": "str", "qType": "str"},
    "StringExpr": {"qv": "str"},
    "ValueExpr": {"qv": "str"},
    "NxCalcCond": {"qCond": "ValueExpr", "qMsg": "StringExpr"},
    # a page is an area of the data: negative numbers are refused when stored, so a
    # layout's qInitialDataFetch can always be answered
    "NxPage": {"qLeft": "uint", "qTop": "uint", "qWidth": "uint", "qHeight": "uint"},
    "SortCriteria": {
        "qSortByState": "int8",
        "qSortByFrequency": "int8",
        "qSortByNumeric": "int8",
        "qSortByAscii": "int8",
        "qSortByLoadOrder": "int8",
        "qSortByExpression": "int8",
        "qExpression": "ValueExpr",
        "qSortByGreyness": "int8",
    },
    "FieldAttributes": {
        "qType": "<FieldAttrType>",
        "qnDec": ("int", 10),
        "qUseThou": "int",
        "qFmt": "str",
        "qDec": "str",
        "qThou": "str",
    },
    "OtherTotalSpecProp": _OTHER_TOTAL_SPEC,
    "NxAttrExprDef": {
        "qExpression": "str",
        "qLibraryId": "str",
        "qAttribute": "bool",
        "qNumFormat": "FieldAttributes?",
        "qLabel": "str",
        "qLabelExpression": "str",
    },
    "NxAttrDimDef": {
        "qDef": "str",
        "qLibraryId": "str",
        "qSortBy": "SortCriteria",
        "qAttribute": "bool",
    },
    "NxInlineDimensionDef": {
        "qGrouping": "<NxGrpType>",
        "qFieldDefs": "[str]",
        "qFieldLabels": "[str]",
        "qSortCriterias": "[SortCriteria]",
        "qNumberPresentations": "[FieldAttributes]",
        "qReverseSort": "bool",
        "qActiveField": "int",
        "qLabelExpression": "str",
        "qAlias": "str",
    },
    "NxDimension": {
        "qLibraryId": "str",
        "qDef": "NxInlineDimensionDef",
        "qNullSuppression": "bool",
        "qIncludeElemValue": "bool",
        "qOtherTotalSpec": "OtherTotalSpecProp",
        "qShowTotal": "bool",
        "qShowAll": "bool",
        "qOtherLabel": "StringExpr",
        "qTotalLabel": "StringExpr",
        "qCalcCond": "ValueExpr",
        "qAttributeExpressions": "[NxAttrExprDef]",
        "qAttributeDimensions": "[NxAttrDimDef]",
        "qCalcCondition": "NxCalcCond",
    },
    "NxInlineMeasureDef": {
        "qLabel": "str",
        "qDescription": "str",
        "qTags": "[str]",
        "qGrouping": "<NxGrpType>",
        "qDef": "str",
        "qNumFormat": "FieldAttributes?",
        "qRelative": "bool",
        "qBrutalSum": "bool",
        "qAggrFunc": "str",
        "qAccumulate": "int",
        "qReverseSort": "bool",
        "qActiveExpression": "int",
        "qExpressions": "[str]",
        "qLabelExpression": "str",
    },
    "NxTrendlineDef": {
        "qType": "<NxLTrendlineType>",
        "qXColIx": ("int", -1),
        "qCalcR2": "bool",
        "qContinuousXAxis": "<NxContinuousMode>",
        "qMultiDimMode": "<NxTrendlineMode>",
    },
    "NxMiniChartDef": {
        "qDef": "str",
        "qLibraryId": "str",
        "qSortBy": "SortCriteria",
        "qOtherTotalSpec": "OtherTotalSpecProp",
        "qMaxNumberPoints": ("int", -1),
        "qAttributeExpressions": "[NxAttrExprDef]",
        "qNullSuppression": "bool",
    },
    "NxMeasure": {
        "qLibraryId": "str",
        "qDef": "NxInlineMeasureDef",
        "qSortBy": "SortCriteria",
        "qAttributeExpressions": "[NxAttrExprDef]",
        "qAttributeDimensions": "[NxAttrDimDef]",
        "qCalcCond": "ValueExpr",
        "qCalcCondition": "NxCalcCond",
        "qTrendLines": "[NxTrendlineDef]",
        "qMiniChartDef": "NxMiniChartDef",
    },
    "PositionMark": {"qDimName": "str", "qElemNo": "[int]", "qElemValues": "[json]"},
    "ExpansionData": {"qExcludeList": "bool", "qPos": "PositionMark"},
    "HyperCubeDef": {
        "qStateName": "str",
        "qDimensions": "[NxDimension]",
        "qMeasures": "[NxMeasure]",
        "qInterColumnSortOrder": "[int]",
        "qSuppressZero": "bool",
        "qSuppressMissing": "bool",
        "qInitialDataFetch": "[NxPage]",
        "qReductionMode": "<NxDataReductionMode>",
        "qMode": "<NxHypercubeMode>",
        "qPseudoDimPos": ("int", -1),
        "qNoOfLeftDims": ("int", -1),
        "qAlwaysFullyExpanded": "bool",
        "qMaxStackedCells": ("int", 5000),
        "qPopulateMissing": "bool",
        "qShowTotalsAbove": "bool",
        "qIndentMode": "bool",
        "qCalcCond": "ValueExpr",
        "qSortbyYValue": "int8",
        "qTitle": "StringExpr",
        "qCalcCondition": "NxCalcCond",
        "qColumnOrder": "[int]",
        "qExpansionState": "[ExpansionData]",
        "qDynamicScript": "[str]",
        "qContextSetExpression": "str",
        "qSuppressMeasureTotals": "bool",
    },
    "NxAutoSortByStateDef": {"qDisplayNumberOfRows": "int"},
    # No recorded default-mode answer for a list object was found; a listbox's full tree
    # as Sense writes it (every member spelled out, in public extension code) has, in this
    # order: qStateName "", qLibraryId "", qDef {...}, qAutoSortByState null (so: not
    # filled), qFrequencyMode "N", qShowAlternatives, qInitialDataFetch [], qExpressions [].
    "NxListObjectExpressionDef": {"qExpr": "str", "qLibraryId": "str"},
    "ListObjectDef": {
        "qStateName": "str",
        "qLibraryId": "str",
        "qDef": "NxInlineDimensionDef",
        "qAutoSortByState": "NxAutoSortByStateDef?",
        "qFrequencyMode": "<NxFrequencyMode>",
        "qShowAlternatives": "bool",
        "qInitialDataFetch": "[NxPage]",
        "qExpressions": "[NxListObjectExpressionDef]",
        "qDirectQuerySimplifiedView": "bool",
    },
    "SelectionObjectDef": {"qStateName": "str"},
    "FieldListDef": {
        "qShowSystem": "bool",
        "qShowHidden": "bool",
        "qShowSemantic": "bool",
        "qShowSrcTables": "bool",
        "qShowDefinitionOnly": "bool",
        "qShowDerivedFields": "bool",
        "qShowImplicit": "bool",
    },
    "AppObjectListDef": _LIST_DEF,
    "DimensionListDef": _LIST_DEF,
    "MeasureListDef": _LIST_DEF,
    "ChildListDef": {"qData": "json?"},
    "BookmarkListDef": {"qType": "str", "qData": "json?", "qIncludePatches": "bool"},
    "VariableListDef": {
        "qType": "str",
        "qShowReserved": "bool",
        "qShowConfig": "bool",
        "qData": "json?",
        "qShowSession": "bool",
    },
    "MediaListDef": {},
    "UndoInfoDef": {},
    "ExtensionListDef": {},
    "StaticContentUrlDef": {"qUrl": "str"},
    "NxLibraryDimensionDef": {
        "qGrouping": "<NxGrpType>",
        "qFieldDefs": "[str]",
        "qFieldLabels": "[str]",
        "qLabelExpression": "str",
        "qAlias": "str",
        "qScriptGenerated": "bool",
    },
    "NxLibraryMeasureDef": {
        "qLabel": "str",
        "qDef": "str",
        "qGrouping": "<NxGrpType>",
        "qExpressions": "[str]",
        "qActiveExpression": "int",
        "qLabelExpression": "str",
        "qNumFormat": "FieldAttributes",
        "qScriptGenerated": "bool",
    },
}

# structures whose members are always written, even when empty
KEEP_EMPTY = frozenset({"NxInfo"})

# property keys the engine recognises wherever they sit among the dynamic properties
DEFINITION_TYPES: dict[str, str] = {
    "qHyperCubeDef": "HyperCubeDef",
    "qListObjectDef": "ListObjectDef",
    "qSelectionObjectDef": "SelectionObjectDef",
    "qFieldListDef": "FieldListDef",
    "qAppObjectListDef": "AppObjectListDef",
    "qChildListDef": "ChildListDef",
    "qDimensionListDef": "DimensionListDef",
    "qMeasureListDef": "MeasureListDef",
    "qBookmarkListDef": "BookmarkListDef",
    "qVariableListDef": "VariableListDef",
    "qMediaListDef": "MediaListDef",
    "qUndoInfoDef": "UndoInfoDef",
    "qExtensionListDef": "ExtensionListDef",
    "qStaticContentUrlDef": "StaticContentUrlDef",
    "qNxLibraryDimensionDef": "NxLibraryDimensionDef",
    "qNxLibraryMeasureDef": "NxLibraryMeasureDef",
}
