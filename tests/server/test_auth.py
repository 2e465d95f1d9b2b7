"""Identity on the socket, end to end: a real server with authentication on refuses
upgrades without a valid credential with HTTP 401 (and opens no session for them),
gives each accepted socket its user, serves ``wss://`` with client certificates, and
survives the attack list: crafted tokens, headers, URLs and a flood of sockets.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from associa.auth.keys import KeyRing
from associa.auth.tokens import MAX_TOKEN_BYTES
from associa.engine import Engine
from associa.identity import Identity
from associa.qix.sessions import SessionManager
from associa.server.runner import Security, bind, server_config
from associa.settings import Settings
from tests.auth.material import (
    SECRET,
    Pki,
    b64,
    hmac_signed,
    jwk,
    make_pki,
    public_pem,
    rsa_key,
    token,
    unsigned,
    write_jwks,
)
from tests.commands import associa, serving

RSA = rsa_key()
OTHER_RSA = rsa_key()


class AuthServer:
    """``associa``'s server (runner.server_config) in a thread, with ``settings``."""

    def __init__(self, settings: Settings, keys: KeyRing | None = None) -> None:
        import uvicorn

        self.engine = Engine(settings)
        self.sessions = SessionManager(self.engine)
        self.security = Security.from_settings(settings, api_keys=keys)
        sock = bind("127.0.0.1", 0)
        self.port = sock.getsockname()[1]
        scheme = "wss" if self.security.tls is not None else "ws"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(server_config(self.engine, self.sessions, self.security))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]},
                                       daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "no server"
            time.sleep(0.01)

    def stop(self) -> None:
        from associa.server.app import close

        self.server.should_exit = True
        self.thread.join(10)
        close(self.server.config.app)
        self.sessions.shutdown()

    def identities(self) -> list[Identity]:
        return [s.identity for s in list(self.sessions.sessions.values())]

    @contextmanager
    def open(self, path: str = "/app/engineData", headers: dict[str, str] | None = None,
             tls: ssl.SSLContext | None = None) -> Iterator[ClientConnection]:
        with connect(self.url + path, additional_headers=headers or {}, open_timeout=10,
                     ssl=tls, max_size=None) as ws:
            hello = json.loads(ws.recv(timeout=10))
            assert hello["method"] == "OnConnected", hello
            yield ws

    def status(self, path: str = "/app/engineData", headers: dict[str, str] | None = None,
               tls: ssl.SSLContext | None = None) -> int | str:
        """101 when the upgrade is accepted (the socket is closed again), the HTTP status
        of a refusal, or "dropped" when the connection ends before any answer."""
        try:
            with self.open(path, headers, tls):
                return 101
        except InvalidStatus as exc:
            return exc.response.status_code
        except Exception:  # noqa: BLE001 - TLS refused, connection closed, bad response
            return "dropped"


def call(ws: ClientConnection, method: str, *params: Any, handle: int = -1) -> dict[str, Any]:
    ws.send(json.dumps({"jsonrpc": "2.0", "id": 7, "handle": handle, "method": method,
                        "params": list(params)}))
    while True:
        reply = json.loads(ws.recv(timeout=10))
        if reply.get("id") == 7:
            return reply


def bearer(text: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {text}"}


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("keys")
    (folder / "rsa.pem").write_bytes(public_pem(RSA))
    write_jwks(folder / "jwks.json", [jwk(OTHER_RSA, "k1", "RS256")])
    return folder


@dataclass
class Secured:
    server: AuthServer
    ring: KeyRing
    key: str  # a valid API key (robot)
    revoked: str  # a revoked one


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory, keys_dir: Path) -> Iterator[Secured]:
    """JWT (secret, RSA key, JWKS) with iss/aud, API keys, and header authentication
    from 10.0.0.0/8 only (the tests connect from 127.0.0.1, so never trusted)."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("secured") / "data", validate_json_web_tokens=2,
        json_web_token_secret=SECRET, json_web_token_path=str(keys_dir / "rsa.pem"),
        jwt_jwks_path=str(keys_dir / "jwks.json"), jwt_issuer="https://idp.example",
        jwt_audience="associa", api_key_authentication=True, header_authentication=True,
        trusted_proxies="10.0.0.0/8",
    )
    ring = KeyRing()
    key = ring.issue(Identity(user_id="robot", user_directory="SVC")).key
    revoked = ring.issue(Identity(user_id="old-robot"))
    ring.revoke(revoked.key_id)
    server = AuthServer(settings, ring)
    server.engine.create_app("Secret plans")  # an app that exists, for the leak checks
    yield Secured(server, ring, key, revoked.key)
    server.stop()


def good(**extra: Any) -> str:
    return token(SECRET, "HS256", iss="https://idp.example", aud="associa", **extra)


# -- accepted credentials ---------------------------------------------------------------


def test_a_valid_jwt_opens_the_socket_as_its_user(secured: Secured) -> None:
    server = secured.server
    with server.open("/app/engineData", bearer(good(sub="jdoe"))) as ws:
        assert "result" in call(ws, "EngineVersion")
        mine = [i for i in server.identities() if i.user_id == "jdoe"]
        assert mine and mine[0].method == "jwt" and mine[0].groups == ("sales", "emea")


def test_rsa_and_jwks_tokens(secured: Secured) -> None:
    server = secured.server
    rs = token(RSA, "RS256", iss="https://idp.example", aud="associa", sub="rsa-user")
    kid = token(OTHER_RSA, "RS256", headers={"kid": "k1"}, iss="https://idp.example",
                aud="associa", sub="jwks-user")
    for text in (rs, kid):
        with server.open("/app/engineData", bearer(text)):
            pass
    assert server.status(headers=bearer(rs)) == 101 and server.status(headers=bearer(kid)) == 101


def test_an_api_key_opens_the_socket(secured: Secured) -> None:
    with secured.server.open("/app/engineData", bearer(secured.key)):
        robots = [i for i in secured.server.identities() if i.user_id == "robot"]
        assert robots and robots[0].method == "api-key"


def test_refusal_is_a_plain_401_before_any_socket(secured: Secured) -> None:
    with pytest.raises(InvalidStatus) as caught:
        connect(secured.server.url + "/app/engineData", open_timeout=10)
    response = caught.value.response
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.body == b"Unauthorized\n"


# -- the attack list ----------------------------------------------------------------------

NOW = int(time.time())


def oversized() -> str:
    """A validly signed token a little above MAX_TOKEN_BYTES (and below the HTTP
    layer's 8 KiB header line, so that the engine's own check answers)."""
    pad = (MAX_TOKEN_BYTES - len(good())) * 3 // 4
    while len(text := good(pad="x" * pad)) <= MAX_TOKEN_BYTES:
        pad += 16
    assert len(text) < MAX_TOKEN_BYTES + 100
    return text


def attacks(secured: Secured) -> list[tuple[str, str, dict[str, str]]]:
    """(what, path, headers): each must be refused with 401 and open no session."""
    ok = good()
    head, body, sig = ok.split(".")
    admin_body = good(sub="admin", groups=["admins"]).split(".")[1]
    claims = {"sub": "admin", "iss": "https://idp.example", "aud": "associa", "exp": NOW + 300}
    path = "/app/engineData"
    user = {"X-Qlik-User": "UserDirectory=CORP; UserId=admin"}
    cases: list[tuple[str, str, dict[str, str]]] = [
        ("no credential", path, {}),
        ("no credential, existing app", "/app/Secret%20plans", {}),
        ("expired", path, bearer(good(exp=NOW - 3600))),
        ("expired a second ago", path, bearer(good(exp=NOW - 1))),
        ("not yet valid", path, bearer(good(nbf=NOW + 3600))),
        ("issued in the future", path, bearer(good(iat=NOW + 3600))),
        ("wrong issuer", path, bearer(token(SECRET, iss="https://evil", aud="associa"))),
        ("no issuer", path, bearer(token(SECRET, aud="associa"))),
        ("wrong audience", path, bearer(token(SECRET, iss="https://idp.example", aud="x"))),
        ("no audience", path, bearer(token(SECRET, iss="https://idp.example"))),
        ("no sub", path, bearer(good(sub=None))),
        ("empty sub", path, bearer(good(sub=""))),
        ("tampered payload", path, bearer(f"{head}.{admin_body}.{sig}")),
        ("tampered signature", path, bearer(f"{head}.{body}.{sig[:-4]}AAAA")),
        ("no signature", path, bearer(f"{head}.{body}.")),
        ("wrong secret", path, bearer(token("y" * 64, iss="https://idp.example", aud="associa"))),
        ("alg none", path, bearer(unsigned(**claims))),
        ("alg None", path, bearer(unsigned(**claims).replace(
            b64(b'{"alg": "none", "typ": "JWT"}'), b64(b'{"alg": "None", "typ": "JWT"}')))),
        ("alg none with a signature", path, bearer(unsigned(**claims) + sig)),
        ("HS256 signed with the RSA public key", path,
         bearer(hmac_signed(claims, public_pem(RSA)))),
        ("HS512 signed with the RSA public key", path,
         bearer(hmac_signed(claims, public_pem(RSA), "HS512"))),
        ("RSA token from another key", path,
         bearer(token(rsa_key(), "RS256", iss="https://idp.example", aud="associa"))),
        ("unknown kid", path, bearer(token(OTHER_RSA, "RS256", headers={"kid": "k9"},
                                           iss="https://idp.example", aud="associa"))),
        ("kid of another key", path, bearer(token(RSA, "RS256", headers={"kid": "k1"},
                                                  iss="https://idp.example", aud="associa"))),
        ("alg pinned by the JWKS", path, bearer(token(OTHER_RSA, "RS512", headers={"kid": "k1"},
                                                      iss="https://idp.example", aud="associa"))),
        ("oversized token", path, bearer("eyJ" + "A" * (MAX_TOKEN_BYTES + 10))),
        ("oversized signed token", path, bearer(oversized())),
        ("malformed base64", path, bearer("eyJhbGciOiJIUzI1NiJ9.!!!not-base64!!!.c2ln")),
        ("header is not JSON", path, bearer(f"{b64(b'{alg:HS256')}.{body}.{sig}")),
        ("one segment", path, bearer("eyJhbGciOiJIUzI1NiJ9")),
        ("four segments", path, bearer(ok + ".AAAA")),
        ("basic auth", path, {"Authorization": "Basic YWRtaW46YWRtaW4="}),
        ("bearer without token", path, {"Authorization": "Bearer "}),
        ("two tokens", path, {"Authorization": f"Bearer {ok} {ok}"}),
        ("unknown API key", path, bearer(f"associa_{'0' * 16}_{'A' * 43}")),
        ("revoked API key", path, bearer(secured.revoked)),
        ("API key with a changed secret", path, bearer(secured.key[:-3] + "AAA")),
        ("API key prefix only", path, bearer("associa_")),
        ("X-Qlik-User from an untrusted address", path, user),
        ("X-Qlik-User with a forwarded-for", path, {**user, "X-Forwarded-For": "10.0.0.1"}),
        ("X-Qlik-User without a certificate", "/app/Secret%20plans", user),
        ("X-Qlik-User beside a valid token", path, {**user, **bearer(ok)}),
        ("malformed X-Qlik-User", path, {"X-Qlik-User": "admin"}),
        ("path trick without credential: ..", "/app/..%2F..%2Fetc%2Fpasswd", {}),
        ("path trick without credential: encoded slash", "/app/%2Fapps%2FSecret%20plans", {}),
        ("path trick without credential: NUL", "/app/Secret%20plans%00.qvf", {}),
        ("path trick without credential: identity", "/app/x/identity/..%2Fadmin/ttl/99999", {}),
        ("expired token, existing app", "/app/Secret%20plans", bearer(good(exp=NOW - 60))),
    ]
    return cases


def test_attack_list(secured: Secured) -> None:
    server = secured.server
    cases = attacks(secured)
    assert len(cases) >= 40
    before = len(server.sessions.sessions)
    outcomes = {what: server.status(path, headers) for what, path, headers in cases}
    assert outcomes == {what: 401 for what, _, _ in cases}
    assert len(server.sessions.sessions) == before  # none of them made a session


def test_an_oversized_header_is_refused_by_the_http_layer(secured: Secured) -> None:
    # above the HTTP layer's own limit on a header line: refused there, never a socket
    outcome = secured.server.status(headers=bearer(good(pad="x" * 40000)))
    assert outcome != 101


def test_refusals_do_not_tell_whether_an_app_exists(secured: Secured) -> None:
    def refusal(path: str, headers: dict[str, str]) -> tuple[int, bytes, list[tuple[str, str]]]:
        with pytest.raises(InvalidStatus) as caught:
            connect(secured.server.url + path, additional_headers=headers, open_timeout=10)
        response = caught.value.response
        return response.status_code, response.body, sorted(
            (k, v) for k, v in response.headers.raw_items() if k.lower() != "date")

    expired = bearer(good(exp=NOW - 60))
    for headers in ({}, expired):
        assert refusal("/app/Secret%20plans", headers) == refusal("/app/No%20such%20app", headers)


def opening(server: AuthServer, app_id: str, headers: dict[str, str]) -> tuple[Any, ...]:
    """What a user meets opening ``app_id`` through its URL: the upgrade refused
    (HTTP status), the socket closed before OnConnected (its close code), or OpenDoc's
    error code and the close code that followed it (None: the socket stayed open)."""
    from urllib.parse import quote

    from websockets.exceptions import ConnectionClosed

    try:
        with server.open(f"/app/{quote(app_id, safe='')}", headers) as ws:
            reply = call(ws, "OpenDoc", app_id)
            try:
                ws.recv(timeout=1)
                closed = None
            except TimeoutError:
                closed = None
            except ConnectionClosed as exc:
                closed = exc.rcvd.code if exc.rcvd else None
            return ("answered", reply.get("error", {}).get("code"), closed)
    except InvalidStatus as exc:
        return ("refused", exc.response.status_code)
    except ConnectionClosed as exc:
        return ("closed", exc.rcvd.code if exc.rcvd else None)


@pytest.mark.parametrize("app_id", ["../../etc/passwd", "/apps/Secret plans", "Secret plans\x00",
                                    "..\\..\\windows", "Secret plans/../Secret plans"])
def test_path_tricks_with_a_valid_token_reach_no_file(secured: Secured, app_id: str) -> None:
    """The URL's app id is only a session key; a tricked id opens nothing: it is refused
    as malformed (4202) or, like an unknown app and one the user may not see ("Secret
    plans" has an owner), answered access denied and closed with 4203 (app files are
    named by a hash of the id; to a user who is not an administrator, an unknown app and
    one not theirs answer alike: app/access.py)."""
    secured.server.engine.set_owner(  # the existing app, now someone else's
        "Secret plans", Identity(user_id="boss", method="jwt"))
    headers = bearer(good())
    unknown = opening(secured.server, "No such app", headers)
    assert unknown == opening(secured.server, "Secret plans", headers) == ("answered", 5, 4203)
    assert opening(secured.server, app_id, headers) in (unknown, ("closed", 4202))


def test_a_flood_of_sockets_is_refused_and_the_server_keeps_serving(secured: Secured) -> None:
    server = secured.server
    expired = bearer(good(exp=NOW - 60))
    with ThreadPoolExecutor(32) as pool:
        outcomes = list(pool.map(lambda i: server.status(headers=expired if i % 2 else {}),
                                 range(200)))
    assert set(outcomes) == {401}
    # half-open and garbage connections do not hold the server either
    junk = []
    for i in range(50):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        if i % 2:
            s.sendall(b"GET /app/x HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n\x00\xff" * 3)
        junk.append(s)
    try:
        with server.open("/app/engineData", bearer(good(sub="after-the-flood"))) as ws:
            assert "result" in call(ws, "EngineVersion")
    finally:
        for s in junk:
            s.close()


# -- development mode and start-up -------------------------------------------------------


def test_without_configuration_every_socket_is_anonymous(tmp_path: Path) -> None:
    server = AuthServer(Settings(data_dir=tmp_path / "data"))
    try:
        with server.open("/app/engineData", bearer("garbage")):
            assert [i.anonymous for i in server.identities()] == [True]
    finally:
        server.stop()


def test_serve_without_auth_warns_loudly(tmp_path: Path) -> None:
    for flags in ([], ["--no-auth"]):
        with serving("--port", "0", "--data-dir", str(tmp_path / "d"), *flags) as served:
            line = served.wait_for_log("AUTHENTICATION IS OFF")
            assert "WARNING" in line.upper()
    with serving("--port", "0", "--data-dir", str(tmp_path / "d"), "--no-auth",
                 "--validate-json-web-tokens", "2", "--json-web-token-secret", "s3cret") as served:
        assert "ignores the configured" in served.wait_for_log("AUTHENTICATION IS OFF")


def test_serve_with_jwt_refuses_anonymous_sockets(tmp_path: Path) -> None:
    with serving("--port", "0", "--data-dir", str(tmp_path / "d"),
                 "--validate-json-web-tokens", "2", "--json-web-token-secret", SECRET) as served:
        served.wait_for_log("authentication on methods=jwt")
        assert not any("AUTHENTICATION IS OFF" in line for line in served.err)
        with pytest.raises(InvalidStatus) as caught:
            connect(served.url + "/app/engineData", open_timeout=10)
        assert caught.value.response.status_code == 401
        with connect(served.url + "/app/engineData", open_timeout=10,
                     additional_headers=bearer(token(SECRET))) as ws:
            assert json.loads(ws.recv(timeout=10))["method"] == "OnConnected"


def test_serve_warns_that_mode_one_accepts_unsigned_tokens(tmp_path: Path) -> None:
    with serving("--port", "0", "--data-dir", str(tmp_path / "d"),
                 "--validate-json-web-tokens", "1") as served:
        served.wait_for_log("accepts unsigned tokens")
        with connect(served.url + "/app/engineData", open_timeout=10,
                     additional_headers=bearer(unsigned(sub="anyone"))) as ws:
            assert json.loads(ws.recv(timeout=10))["method"] == "OnConnected"


@pytest.mark.parametrize(("flags", "message"), [
    (["--validate-json-web-tokens", "2"], "ValidateJsonWebTokens=2 needs a key"),
    (["--validate-json-web-tokens", "3"], "must be 0, 1 or 2"),
    (["--json-web-token-secret", "x"], "ValidateJsonWebTokens is 0"),
    (["--header-authentication", "1"], "HeaderAuthentication needs TrustedProxies"),
    (["--tls-key-file", "k.pem"], "TlsKeyFile needs TlsCertFile"),
    (["--tls-cert-file", "/nonexistent.pem"], "TlsCertFile /nonexistent.pem is not a file"),
])
def test_serve_refuses_settings_that_cannot_work(tmp_path: Path, flags: list[str],
                                                 message: str) -> None:
    done = associa("serve", "--port", "0", "--data-dir", str(tmp_path / "d"), *flags)
    assert done.returncode == 2
    assert done.stderr.startswith("associa serve: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


# -- TLS ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def client_tls(pki: Pki, cert: Path | None = None, key: Path | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki.ca))
    if cert is not None:
        context.load_cert_chain(str(cert), str(key))
    return context


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[AuthServer]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("tls") / "data", tls_cert_file=str(pki.server_cert),
        tls_key_file=str(pki.server_key), tls_client_ca_file=str(pki.ca),
        validate_json_web_tokens=2, json_web_token_secret=SECRET)
    server = AuthServer(settings)
    yield server
    server.stop()


def test_wss_with_a_token(tls_server: AuthServer, pki: Pki) -> None:
    assert tls_server.url.startswith("wss://")
    with tls_server.open("/app/engineData", bearer(token(sub="tls-user")), client_tls(pki)) as ws:
        assert "result" in call(ws, "EngineVersion")
    assert tls_server.status(tls=client_tls(pki)) == 401


def test_certificate_connection_with_x_qlik_user(tls_server: AuthServer, pki: Pki) -> None:
    tls = client_tls(pki, pki.client_cert, pki.client_key)
    headers = {"X-Qlik-User": "UserDirectory=CORP; UserId=cert-user"}
    with tls_server.open("/app/engineData", headers, tls):
        found = [i for i in tls_server.identities() if i.user_id == "cert-user"]
        assert found and (found[0].user_directory, found[0].method, found[0].admin) == (
            "CORP", "certificate", False)


def test_certificate_alone_is_the_service_it_names(tls_server: AuthServer, pki: Pki) -> None:
    with tls_server.open("/app/engineData", {}, client_tls(pki, pki.client_cert, pki.client_key)):
        found = [i for i in tls_server.identities() if i.user_id == "svc-reporting"]
        assert found and found[0].admin and found[0].user_directory == "INTERNAL"


def test_x_qlik_user_without_a_certificate_is_refused(tls_server: AuthServer, pki: Pki) -> None:
    headers = {"X-Qlik-User": "UserDirectory=CORP; UserId=admin"}
    assert tls_server.status(headers=headers, tls=client_tls(pki)) == 401


def test_a_certificate_from_another_ca_fails_the_handshake(tls_server: AuthServer,
                                                           pki: Pki) -> None:
    tls = client_tls(pki, pki.stranger_cert, pki.stranger_key)
    headers = {"X-Qlik-User": "UserDirectory=CORP; UserId=admin"}
    assert tls_server.status(headers=headers, tls=tls) == "dropped"
    assert tls_server.status(headers=bearer(token()), tls=client_tls(pki)) == 101  # still serving


def test_plain_ws_to_the_tls_port_gets_nothing(tls_server: AuthServer) -> None:
    try:
        with connect(tls_server.url.replace("wss://", "ws://") + "/app/engineData",
                     additional_headers=bearer(token()), open_timeout=5) as ws:
            ws.recv(timeout=5)
        opened = True
    except Exception:  # noqa: BLE001 - any failure: no socket over plain text
        opened = False
    assert not opened


def test_required_client_certificates(tmp_path: Path, pki: Pki) -> None:
    settings = Settings(data_dir=tmp_path / "data", tls_cert_file=str(pki.server_cert),
                        tls_key_file=str(pki.server_key), tls_client_ca_file=str(pki.ca),
                        tls_client_certificates="required")
    server = AuthServer(settings)
    try:
        assert server.status(tls=client_tls(pki)) == "dropped"  # no certificate at all
        assert server.status(tls=client_tls(pki, pki.client_cert, pki.client_key)) == 101
    finally:
        server.stop()


def test_tls_without_authentication_is_development_mode(tmp_path: Path, pki: Pki) -> None:
    settings = Settings(data_dir=tmp_path / "data", tls_cert_file=str(pki.server_cert),
                        tls_key_file=str(pki.server_key))
    server = AuthServer(settings)
    try:
        assert server.status(tls=client_tls(pki)) == 101
        assert not server.security.authenticator.enabled
    finally:
        server.stop()


def test_another_user_cannot_join_a_session_by_its_header(secured: Secured) -> None:
    """Qlik: with JWT on, a second socket shares the session only when it is the same
    user with the same X-Qlik-Session (Qlik Core's QIX API introduction, qlik-oss/core-website)."""
    server = secured.server
    shared = {"X-Qlik-Session": "team-session-1"}
    with server.open("/app/engineData", {**shared, **bearer(good(sub="alice"))}) as alice:
        call(alice, "CreateSessionApp")
        with server.open("/app/engineData", {**shared, **bearer(good(sub="alice"))}) as again:
            assert call(again, "GetActiveDoc")["result"]["qReturn"]["qHandle"] == 1
        with server.open("/app/engineData", {**shared, **bearer(good(sub="mallory"))}) as other:
            assert "error" in call(other, "GetActiveDoc")  # a session of its own, no doc
        with server.open("/app/engineData", {**shared, **bearer(secured.key)}) as robot:
            assert "error" in call(robot, "GetActiveDoc")


def test_serve_accepts_the_keys_of_its_metadata_store(tmp_path: Path) -> None:
    """``associa serve --api-key-authentication 1``: a key the engine's metadata store
    issued (as the REST API will) opens the socket as its user; once revoked, 401."""
    data = tmp_path / "d"
    store = Engine(Settings(data_dir=data)).meta
    key, listed = store.create_api_key(Identity(user_id="ci", user_directory="robots"))
    with serving("--port", "0", "--data-dir", str(data),
                 "--api-key-authentication", "1") as served:
        url = f"ws://127.0.0.1:{served.port}/app/engineData"
        with connect(url, additional_headers=bearer(key), open_timeout=10) as ws:
            assert json.loads(ws.recv(timeout=10))["method"] == "OnConnected"
            answer = call(ws, "GetAuthenticatedUser")
            assert answer["result"]["qReturn"] == "UserDirectory=robots; UserId=ci"
        assert store.revoke_api_key(listed.id)
        with pytest.raises(InvalidStatus) as refused:
            connect(url, additional_headers=bearer(key), open_timeout=10)
        assert refused.value.response.status_code == 401


def test_a_user_without_rights_on_the_urls_app_is_closed_with_4203(secured: Secured) -> None:
    """Access rules on the socket: the owner opens the app of the URL; another user's
    OpenDoc of it is answered with access denied (5), then the socket closes with 4203
    ("no permission to open the app"). OpenDoc of another app on a socket is only
    refused (the socket stays)."""
    from urllib.parse import quote

    from websockets.exceptions import ConnectionClosed

    engine = secured.server.engine
    owner = Identity(user_id="owner", name="Owner", method="jwt")
    app = engine.create_app("Owned plans", owner=owner)
    path = f"/app/{quote(app.id, safe='')}"
    with secured.server.open(path, bearer(good(sub="owner"))) as ws:
        assert call(ws, "OpenDoc", app.id)["result"]["qReturn"]["qType"] == "Doc"
    with secured.server.open("/app/engineData", bearer(good(sub="stranger"))) as ws:
        assert call(ws, "OpenDoc", app.id)["error"]["code"] == 5
        assert call(ws, "EngineVersion")["result"]["qVersion"]["qComponentVersion"]
    with secured.server.open(path, bearer(good(sub="stranger"))) as ws:
        assert call(ws, "OpenDoc", app.id)["error"]["code"] == 5
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4203


def test_an_administrators_opendoc_of_an_unknown_url_app_closes_4204(tmp_path: Path) -> None:
    """With authentication on, an administrator (who may know of every app) opening the
    URL's app that does not exist is answered 1003 (App not found), then the socket
    closes with 4204; a user who is not one meets the access refusal (4203) for it, as
    for an app not theirs, so that nothing tells them whether it exists."""
    from urllib.parse import quote

    from websockets.exceptions import ConnectionClosed

    secret = "a-secret-of-at-least-thirty-two-bytes"
    server = AuthServer(Settings(data_dir=tmp_path / "data", validate_json_web_tokens=2,
                                 json_web_token_secret=secret, admin_group="admins"))
    try:
        for groups, code, close in ((["admins"], 1003, 4204), (["sales"], 5, 4203)):
            auth = bearer(token(secret, "HS256", groups=groups))
            with server.open(f"/app/{quote('no such app', safe='')}", auth) as ws:
                assert call(ws, "OpenDoc", "no such app")["error"]["code"] == code
                with pytest.raises(ConnectionClosed) as closed:
                    ws.recv(timeout=10)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == close
    finally:
        server.stop()
