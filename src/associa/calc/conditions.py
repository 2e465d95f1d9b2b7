"""Calculation conditions of hypercubes and of their columns (``qCalcCondition``,
NxCalcCond ``{qCond, qMsg}``, and the older ``qCalcCond`` ValueExpr).

Evidence:

* HyperCubeDef ``qCalcCondition``: "If CalcCondition.Cond is not fulfilled, the hypercube
  is not calculated and CalcCondition.Msg is evaluated"; ``qCalcCond``: "a calculation
  condition, which must be fulfilled for the hypercube to be (re)calculated"
  (https://help.qlik.com/en-US/sense-developer/May2023/Subsystems/NetSDKAPIref/Content/Qlik.Engine.HyperCubeDef.CalcCondition.htm,
  .../Qlik.Engine.HyperCubeDef.CalcCond.htm). NxCalcCond ``qCond``: "Condition for
  calculating an hypercube, dimension or measure"; ``qMsg``: "Evaluated if Cond is not
  fullfilled" (.../Qlik.Engine.INxCalcCond.htm).
* The layout when it is not fulfilled: HyperCube ``qCalcCondMsg`` "The message displayed
  if calculation condition is not fulfilled" (.../Qlik.Engine.HyperCube.htm) and
  ``qError`` with code 7005 (LOCERR_CALC_EVAL_CONDITION_FAILED, "Calculation condition
  unfulfilled"): nebula.js's Cell (qlik-oss/nebula.js
  apis/nucleus/src/components/Cell.jsx) shows ``qCalcCondMsg`` when the cube's
  ``qError.qErrorCode`` is 7005, and treats a column info with ``qError`` 7005 as an
  optional column turned off (its own ``qCalcCondMsg``); sn-table hides such a column
  (``info.qError?.qErrorCode === 7005``).
* A condition holds when it evaluates to a non-zero number (Qlik's truth: 0 is false,
  -1 true); NULL, text and an expression that fails do not hold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from associa.calc.others import label_text

CONDITION_FAILED = 7005

Scalar = Callable[[str], tuple[str | None, float]]


def _qv(value: Any) -> str:
    if isinstance(value, Mapping):
        value = value.get("qv")
    return value.strip() if isinstance(value, str) else ""


def condition(definition: Mapping[str, Any]) -> tuple[str, str]:
    """(condition text, message text) of a cube or column definition: ``qCalcCondition``
    when its ``qCond`` is set, else the older ``qCalcCond``; "" when none."""
    cc = definition.get("qCalcCondition")
    if isinstance(cc, Mapping):
        cond = _qv(cc.get("qCond"))
        if cond:
            return cond, _qv(cc.get("qMsg"))
    return _qv(definition.get("qCalcCond")), ""


def holds(text: str, scalar: Scalar) -> bool:
    """Whether a condition is fulfilled (a leading ``=`` is optional)."""
    body = text[1:] if text.startswith("=") else text
    try:
        _, num = scalar(body)
    except Exception:  # noqa: BLE001 - a condition that cannot be evaluated fails
        return False
    return not math.isnan(num) and num != 0


def unfulfilled(definition: Mapping[str, Any], scalar: Scalar) -> str | None:
    """None when the definition has no condition or it holds; else the message
    (``qMsg`` evaluated as a string expression; "" when there is none)."""
    cond, msg = condition(definition)
    if not cond or holds(cond, scalar):
        return None
    return label_text(msg, "", scalar) if msg else ""


def condition_error() -> dict[str, int]:
    return {"qErrorCode": CONDITION_FAILED}
