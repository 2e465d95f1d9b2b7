"""The URL forms clients build: app id, identity and TTL from the path."""

from __future__ import annotations

import pytest

from associa.errors import RequestMalformed
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
    "path",
    ["/app/x/ttl/abc", "/app/x/ttl/-5", "/app/x/ttl", "/app/x/ttl/", "/app/x/ttl/1e3",
     "/app/x/ttl/+5", "/app/x/ttl/%31", "/app/x/identity", "/app/%FF%FE", "/app/a%00b",
     "/app/a%0Ab", "/app/x/identity/a%7Fb", "/app/" + "x" * 513, "/" + "a/" * 3000],
)
def test_malformed_urls_are_refused(path: str) -> None:
    """A URL the engine cannot read is refused (the socket closes with 4202), never
    guessed at: a TTL that is not a number, a suffix without its value, bytes that are
    not UTF-8, control characters, oversized ids."""
    with pytest.raises(RequestMalformed) as caught:
        parse_path(path)
    assert caught.value.close_code == 4202


def test_infinite_ttl() -> None:
    assert parse_path("/app/x/ttl/-1") == EngineUrl("x", None, -1)


def test_path_tricks_are_plain_ids() -> None:
    """Dots and slashes in an encoded id are part of the id (the store names files by a
    digest of it, so no id reaches outside the data folder)."""
    assert parse_path("/app/..%2F..%2Fetc%2Fpasswd") == EngineUrl("../../etc/passwd")
    assert parse_path("/app/../x") == EngineUrl("..")


@pytest.mark.parametrize(
    ("path", "query", "template"),
    [("/app/SessionApp_1", "from=sales", "sales"),
     ("/app/SessionApp_1", "from=My%20App.qvf&reloadUri=x", "My App.qvf"),
     ("/app/SessionApp_1?from=a%2Fb", "", "a/b"),
     ("/app/SessionApp_1", "reloadUri=x", None),
     ("/app/sales", "from=other", None)],  # only a session app has a template
)
def test_session_app_template(path: str, query: str, template: str | None) -> None:
    assert parse_path(path, query).template == template


def test_empty_template_is_malformed() -> None:
    with pytest.raises(RequestMalformed):
        parse_path("/app/SessionApp_1", "from=")


def test_identity_without_app() -> None:
    assert parse_path("/app/identity/me") == EngineUrl(None, "me")
    assert parse_path("/app/ttl/5") == EngineUrl(None, None, 5)
