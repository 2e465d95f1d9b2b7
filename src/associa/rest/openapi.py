"""The OpenAPI 3.1 document of what is built, made from the operations table.

Never written by hand: paths, parameters, bodies and answers come from the
``Operation`` rows and their pydantic models (whose JSON Schema, draft 2020-12, is what
OpenAPI 3.1 uses), so the document cannot drift from the code. Every operation also
lists the error answers the conventions give it (the ``Errors`` schema) and its rate
tier as Qlik's own specification marks it (``x-qlik-tier``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from associa import __version__
from associa.rest.models import Errors
from associa.rest.operations import JSON, OCTET, PREFIX, Operation

REF = "#/components/schemas/{model}"
PATH_PARAM = re.compile(r"{(\w+)}")

ERROR_ANSWERS = {
    "400": "Bad request: malformed JSON, wrong types, unknown fields, bad parameters",
    "401": "No valid credential",
    "403": "The caller lacks the right",
    "404": "Not found",
    "409": "Conflicts with the state of the resource (a name taken, a reload ended)",
    "413": "The body is over the configured limit",
    "429": "Over the rate limit (Retry-After says when to try again)",
}
# answered only by the operations that name them (``Operation.errors``)
OPTIONAL_ERRORS = {
    "409": "Conflict: the name is taken, or the resource is in use",
}


def _models(ops: Iterable[Operation]) -> list[type[BaseModel]]:
    seen: dict[str, type[BaseModel]] = {"Errors": Errors}
    for op in ops:
        for model in (op.body, op.response):
            if model is not None:
                seen.setdefault(model.__name__, model)
    return list(seen.values())


def _parameters(op: Operation) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in PATH_PARAM.findall(op.template)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF)
        required = set(schema.get("required", ()))
        for name, prop in schema.get("properties", {}).items():
            param: dict[str, Any] = {"name": name, "in": "query",
                                     "required": name in required, "schema": prop}
            if "description" in prop:
                param["description"] = prop["description"]
            out.append(param)
    return out


def _operation(op: Operation) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _parameters(op),
        "x-qlik-tier": op.tier.label,
    }
    if op.auth:
        doc["security"] = [{"apiKey": []}]
    if op.right is not None:
        doc["x-associa-right"] = op.right.label  # needed on the app of {appId}
    if op.body is not None:
        doc["requestBody"] = {"required": op.body_required, "content": {
            JSON: {"schema": {"$ref": REF.format(model=op.body.__name__)}}}}
    elif op.multipart:
        doc["requestBody"] = {"required": True, "content": {"multipart/form-data": {
            "schema": {"type": "object", "properties": {
                part: {"type": "string", "format": "binary"} if part == "File"
                else {"type": "string"} for part in op.multipart}}}}}
    elif op.raw_body:
        doc["requestBody"] = {"required": True, "content": {
            OCTET: {"schema": {"type": "string", "format": "binary"}}}}
    answer: dict[str, Any] = {"description": op.summary}
    if op.response is not None:
        answer["content"] = {JSON: {"schema": {"$ref": REF.format(model=op.response.__name__)}}}
    elif op.response_type != JSON:
        answer["content"] = {op.response_type: {"schema": {"type": "string"}}}
    if op.headers:
        answer["headers"] = {h: {"schema": {"type": "string"}} for h in op.headers}
    errors = {"$ref": REF.format(model="Errors")}
    doc["responses"] = {str(op.status): answer} | {
        status: {"description": text, "content": {JSON: {"schema": errors}},
                 **({"headers": {"Retry-After": {"schema": {"type": "integer"}}}}
                    if status == "429" else {})}
        for status, text in (ERROR_ANSWERS | {s: OPTIONAL_ERRORS[s] for s in op.errors}
                             ).items()
    }
    return doc


def document(ops: list[Operation]) -> dict[str, Any]:
    """The OpenAPI document of ``ops``."""
    _, defs = models_json_schema([(m, "validation") for m in _models(ops)],
                                 ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        paths.setdefault(PREFIX + op.template, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "associa REST API", "version": __version__,
                 "description": "Qlik Cloud's REST API as associa serves it."},
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
    }
