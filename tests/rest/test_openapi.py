"""The served OpenAPI document: valid OpenAPI 3.1, made from the operations table."""

from __future__ import annotations

from typing import Any

import httpx
from openapi_spec_validator import validate

from associa.rest.resources import operations
from tests.conftest import RunningServer


def test_the_served_document_is_valid_openapi(rest_server: RunningServer,
                                              spec: dict[str, Any]) -> None:
    served = httpx.get(f"http://127.0.0.1:{rest_server.port}/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/json"
    assert served.json() == spec
    validate(served.json())


def test_every_operation_is_documented(spec: dict[str, Any]) -> None:
    ops = operations()
    documented = {(m.upper(), p) for p, methods in spec["paths"].items() for m in methods}
    assert documented == {(op.method, "/api/v1" + op.template) for op in ops}
    assert len({op.name for op in ops}) == len(ops)  # operation ids are unique
    for op in ops:
        entry = spec["paths"]["/api/v1" + op.template][op.method.lower()]
        assert entry["x-qlik-tier"] == op.tier.label
        assert str(op.status) in entry["responses"]
        assert "429" in entry["responses"]


def test_request_models_forbid_unknown_fields(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for op in operations():
        if op.body is not None:
            schema = schemas[op.body.__name__]
            if schema.get("type") == "array":  # a JSON Patch body: its operations
                schema = schemas[schema["items"]["$ref"].rsplit("/", 1)[1]]
            assert schema["additionalProperties"] is False, op.name
