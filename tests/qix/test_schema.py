"""Every registered method against the enigma.js 12.2027.0 schema: the same parameter
names in the same order, optional where the schema gives a default, JSON types that fit
the schema's default values, and result keys that follow the schema's ``Out`` names.

The schema comes with the Node test dependencies (``make test`` installs them first).
Without it the test is skipped, unless ``CI`` is set."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

import associa.qix.api  # noqa: F401  (registers the methods)
from associa.qix.dispatch import METHODS, REQUIRED, MethodSpec

SCHEMA = (
    Path(__file__).resolve().parent.parent
    / "clients" / "node_modules" / "enigma.js" / "schemas" / "12.2027.0.json"
)

# the dispatch kinds and the JSON types of schema defaults they accept
KINDS: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "num": (int, float),
    "bool": (bool,),
    "obj": (dict,),
    "list": (list,),
}

# methods whose result is an object interface besides the named outs
RETURNS_INTERFACE_AND_OUTS = {
    ("Doc", "CreateObject"),
    ("GenericObject", "CreateChild"),
    ("Global", "CreateSessionApp"),
    # help service-global-createsessionappfromapp: "Returns qSessionAppId, qReturn"
    ("Global", "CreateSessionAppFromApp"),
    ("Global", "GetInteract"),
    ("Doc", "CreateBookmark"),
    ("Doc", "CreateBookmarkEx"),
    ("Doc", "ReplaceBookmark"),  # qInfo and a GenericBookmark, as CreateBookmark
    ("Doc", "CreateDimension"),  # qix-api.md §0 item 4: CreateDimension, CreateMeasure,
    ("Doc", "CreateMeasure"),  # CreateVariableEx answer qReturn and qInfo
    ("Doc", "CreateVariableEx"),
    ("Doc", "StoreTempSelectionState"),  # qId and qReturn (enigma.js drops qReturn)
    ("Doc", "CreateTemporaryBookmark"),  # the same
}


# methods of engines newer than the schema enigma.js ships (the engine's OpenRPC
# description 12.2528, schema/engine-rpc.json of qlik-oss/enigma-go, lists them)
NEWER_THAN_SCHEMA = {
    ("Doc", "GetOrCreateObject"),
    ("GenericObject", "StepCycle"),
    ("GenericObject", "SetActiveField"),
}


def _structs() -> dict[str, Any]:
    if not SCHEMA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{SCHEMA} is missing (run `make node` first)")
        pytest.skip(f"{SCHEMA} is missing: the Node test dependencies are not installed")
    return json.loads(SCHEMA.read_text(encoding="utf-8"))["structs"]


@pytest.fixture(scope="module")
def structs() -> dict[str, Any]:
    return _structs()


KEYS = sorted(METHODS)


@pytest.mark.parametrize("key", KEYS, ids=[f"{c}.{m}" for c, m in KEYS])
def test_method_matches_schema(structs: dict[str, Any], key: tuple[str, str]) -> None:
    cls, name = key
    spec: MethodSpec = METHODS[key]
    if key in NEWER_THAN_SCHEMA:
        assert name not in structs.get(cls, {}), f"{cls}.{name} is in the schema now"
        return
    assert cls in structs, f"no class {cls} in the schema"
    assert name in structs[cls], f"{cls}.{name} is not in the schema"
    schema = structs[cls][name]
    schema_in = [p["Name"] for p in schema["In"]]
    assert [p.name for p in spec.params] == schema_in

    for declared, theirs in zip(spec.params, schema["In"], strict=True):
        if theirs.get("Optional"):
            assert declared.default is not REQUIRED, f"{declared.name} is optional"
        if declared.kind in KINDS and "DefaultValue" in theirs:
            default = theirs["DefaultValue"]
            fits = isinstance(default, KINDS[declared.kind]) and (
                declared.kind == "bool" or not isinstance(default, bool)
            )
            assert fits, f"{declared.name}: kind {declared.kind} vs default {default!r}"

    outs = [o["Name"] for o in schema["Out"]]
    if not outs:
        # a value (qReturn) or nothing (void): the schema can't tell which
        assert spec.out in ((), ("qReturn",)), spec.out
    elif key in RETURNS_INTERFACE_AND_OUTS:
        assert sorted(spec.out) == sorted([*outs, "qReturn"])
    else:
        assert list(spec.out) == outs


def test_interface_returning_methods_are_listed(structs: dict[str, Any]) -> None:
    """Create* methods that hand out an object and name an out param answer both."""
    for key in RETURNS_INTERFACE_AND_OUTS:
        if key in METHODS:
            assert "qReturn" in METHODS[key].out


def test_schema_knows_the_classes(structs: dict[str, Any]) -> None:
    for cls in {c for c, _ in METHODS}:
        assert cls in structs
