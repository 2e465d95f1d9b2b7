"""The URL forms clients build: app id, identity and TTL from the path."""

from __future__ import annotations

import pytest

from associa.server.urls import EngineUrl, parse_path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/app/my-app.qvf", EngineUrl("my-app.qvf")),
        ("/app/", EngineUrl(None)),
        ("/app", EngineUrl(None)),
        ("/app/engineData", EngineUrl(None)),
        ("/app/engineData/ttl/0", EngineUrl(None, None, 0)),
        ("/app/SessionApp_x", EngineUrl("SessionApp_x")),
        ("/app/x/identity/y/ttl/30", EngineUrl("x", "y", 30)),
        ("/app/x/ttl/30/identity/y", EngineUrl("x", "y", 30)),
        ("/app/x/identity/y", EngineUrl("x", "y")),
        ("/app/x/ttl/1000", EngineUrl("x", None, 1000)),
        ("/myproxy/app/myApp7/identity/migration-service", EngineUrl("myApp7", "migration-service")),
        ("/a/b/c/app/x", EngineUrl("x")),
        ("/app/x?reloadUri=http%3A%2F%2Fqlik.com&qlikTicket=abc", EngineUrl("x")),
        ("/app/myApp11/ttl/1000?reloadUri=x", EngineUrl("myApp11", None, 1000)),
        ("/", EngineUrl(None)),
        ("", EngineUrl(None)),
        ("/?qlik-csrf-token=abc", EngineUrl(None)),
        ("/myproxy", EngineUrl(None)),
        ("/app/My%20App.qvf", EngineUrl("My App.qvf")),
        ("/app/%2Fapps%2FTestTrafficFlag.qvf/ttl/0", EngineUrl("/apps/TestTrafficFlag.qvf", None, 0)),
        ("/app/%3Ftransient%3D/identity/1712", EngineUrl("?transient=", "1712")),
        ("/app/%C3%85re", EngineUrl("Åre")),
        ("/app/x/identity/a%2Fb", EngineUrl("x", "a/b")),
        ("//app//x//", EngineUrl("x")),
    ],
)
def test_forms(path: str, expected: EngineUrl) -> None:
    assert parse_path(path) == expected


@pytest.mark.parametrize(
    ("path", "ttl"),
    [("/app/x/ttl/abc", None), ("/app/x/ttl/-5", 0), ("/app/x/ttl", None), ("/app/x/ttl/", None)],
)
def test_bad_ttl(path: str, ttl: int | None) -> None:
    assert parse_path(path).ttl == ttl
    assert parse_path(path).app_id == "x"


def test_identity_without_app() -> None:
    assert parse_path("/app/identity/me") == EngineUrl(None, "me")
    assert parse_path("/app/ttl/5") == EngineUrl(None, None, 5)
