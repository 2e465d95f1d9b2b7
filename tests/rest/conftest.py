"""REST fixtures: a real server over an engine in a temporary folder, and an httpx
client whose every answer is checked against the served OpenAPI document (status
documented for the operation; body valid against its schema; the error shape on
every error)."""

from __future__ import annotations

import re
import ssl
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from associa.engine import Engine
from associa.identity import Identity
from associa.qix.sessions import SessionManager
from associa.rest.openapi import document
from associa.rest.resources import operations
from associa.settings import Settings
from associa.store.meta import MetaStore
from tests.conftest import RunningServer
from tests.pg import PgServer, postgres  # noqa: F401  (the session's PostgreSQL server)

ADMIN_KEY = "admin-key-for-tests"
ANN = Identity("ann", "corp", name="Ann", groups=("sales",), method="api-key")
BOB = Identity("bob", "corp", name="Bob", method="api-key")


class SpecChecker:
    """Checks answers against the OpenAPI document the server serves."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.routes = []
        for path, methods in spec["paths"].items():
            pattern = re.compile("^" + re.sub(r"{\w+}", "[^/]+", path) + "$")
            for method, op in methods.items():
                self.routes.append((pattern, method.upper(), op))
        self.routes.sort(key=lambda r: r[0].pattern.count("[^/]+"))  # literal paths first
        self.checked = 0

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        for pattern, m, op in self.routes:
            if m == method and pattern.match(path):
                return op
        return None

    def schema(self, ref: dict[str, Any]) -> dict[str, Any]:
        return {**ref, "components": self.spec["components"]}

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        status = response.status_code
        op = self.operation(response.request.method, response.request.url.path)
        if status >= 400:
            body = response.json()
            jsonschema.validate(body, self.schema({"$ref": "#/components/schemas/Errors"}))
            assert body["errors"][0]["code"] == f"HTTP-{status}"
            if op is not None:
                assert str(status) in op["responses"] or status in (405, 415, 500)
            return
        if op is None:
            return  # the OpenAPI document itself
        assert str(status) in op["responses"], (response.request.url, status)
        content = op["responses"][str(status)].get("content", {})
        if "application/json" in content:
            jsonschema.validate(response.json(),
                                self.schema(content["application/json"]["schema"]))
            self.checked += 1
        elif not content:
            assert response.content == b"", response.request.url


# one TLS context for every test client (httpx loads the CA bundle for each new client
# otherwise: about 40 ms, and a matrix test makes six); the engine here is plain HTTP
TLS = ssl.create_default_context()


def pg_url(server: PgServer, db: str) -> str:
    return (f"postgresql+psycopg://{server.user}:{server.password}@{server.host}:"
            f"{server.port}/{db}")


@pytest.fixture(scope="session")
def pg_template(postgres: PgServer, tmp_path_factory: pytest.TempPathFactory) -> str:  # noqa: F811
    """A database migrated to the newest schema once, which each PostgreSQL test copies
    (``CREATE DATABASE … TEMPLATE``: about a third of the time of migrating each one)."""
    name = f"rest_template_{uuid.uuid4().hex[:10]}"
    postgres.execute(f"CREATE DATABASE {name}")
    MetaStore.open(tmp_path_factory.mktemp("pg-template"), pg_url(postgres, name)).close()
    return name


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The metadata database of the test's engine: ``""`` (SQLite in the data folder)
    or a fresh PostgreSQL database, a copy of ``pg_template``, dropped after the test.
    Every test of an engine runs on both; a module that overrides ``rest_settings``
    passes this on (``Settings(database_url=database_url, …)``)."""
    if request.param == "sqlite":
        yield ""
        return
    server: PgServer = request.getfixturevalue("postgres")
    template: str = request.getfixturevalue("pg_template")
    db = f"rest_{uuid.uuid4().hex[:12]}"
    server.execute(f"CREATE DATABASE {db} TEMPLATE {template}")
    yield pg_url(server, db)
    # every engine of the test closed its connections (Engine.close_meta): one left
    # open is killed by the DROP and warns when collected, in whatever test runs then
    left = server.clients(db)
    server.execute(f"DROP DATABASE {db} WITH (FORCE)")
    assert not left, f"the test left {len(left)} connections open to its database"


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url)


@pytest.fixture
def rest_engine(rest_settings: Settings) -> Iterator[Engine]:
    engine = Engine(rest_settings)
    yield engine
    engine.close_meta()  # before its database is dropped


@pytest.fixture
def rest_server(rest_engine: Engine) -> Iterator[RunningServer]:
    srv = RunningServer(rest_engine, SessionManager(rest_engine))
    yield srv
    srv.stop(wait=False)  # its clients are closed (make_api): about 0.2 s a test saved


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """The OpenAPI document (test_openapi.py checks the served one is this)."""
    return document(operations())


@pytest.fixture
def make_api(rest_server: RunningServer,
             spec: dict[str, Any]) -> Iterator[Callable[..., httpx.Client]]:
    checker = SpecChecker(spec)
    clients: list[httpx.Client] = []

    def make(token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=f"http://127.0.0.1:{rest_server.port}/api/v1",
                              headers=headers, event_hooks={"response": [checker]},
                              timeout=30, verify=TLS)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def api(make_api: Callable[..., httpx.Client]) -> httpx.Client:
    """A client of an engine in development mode (no authentication)."""
    return make_api()


@pytest.fixture
def keys(rest_engine: Engine) -> dict[str, str]:
    """Tokens of the administrator key (when the engine has one) and of Ann and Bob."""
    ann, _ = rest_engine.meta.create_api_key(ANN)
    bob, _ = rest_engine.meta.create_api_key(BOB)
    return {"admin": rest_engine.settings.api_key, "ann": ann, "bob": bob}
