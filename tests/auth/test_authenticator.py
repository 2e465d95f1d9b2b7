"""The upgrade's policy: which credential is asked for when, and what it makes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from associa.auth.authenticator import Authenticator, Upgrade
from associa.auth.keys import KeyRing
from associa.auth.tls import PeerCertificate
from associa.errors import AuthenticationFailed, InvalidParameters
from associa.identity import ANONYMOUS, Identity
from associa.settings import Settings
from tests.auth.material import SECRET, token

JWT = Settings(validate_json_web_tokens=2, json_web_token_secret=SECRET)
CERT = PeerCertificate("svc-reporting", "CN=svc-reporting")


def up(*headers: tuple[str, str], peer: str = "203.0.113.9",
       certificate: PeerCertificate | None = None) -> Upgrade:
    return Upgrade(headers=list(headers), peer=peer, certificate=certificate)


def refused(auth: Authenticator, upgrade: Upgrade) -> str:
    with pytest.raises(AuthenticationFailed) as caught:
        auth.authenticate(upgrade)
    return caught.value.parameter


def test_nothing_configured_is_development_mode() -> None:
    auth = Authenticator.from_settings(Settings())
    assert not auth.enabled and not auth.forced_off
    assert auth.authenticate(up(("authorization", "Bearer garbage"))) is ANONYMOUS


def test_no_auth_overrides_and_says_so() -> None:
    auth = Authenticator.from_settings(replace(JWT, no_auth=True))
    assert not auth.enabled and auth.forced_off
    assert auth.authenticate(up()) is ANONYMOUS


def test_jwt_on() -> None:
    auth = Authenticator.from_settings(JWT)
    assert auth.enabled and auth.methods() == ["jwt"]
    assert auth.authenticate(up(("authorization", f"Bearer {token()}"))).user_id == "jdoe"
    assert refused(auth, up()) == "missing"
    assert refused(auth, up(("authorization", f"Bearer {token('x' * 64)}"))) == "signature"


def test_api_keys() -> None:
    ring = KeyRing()
    issued = ring.issue(Identity(user_id="robot", groups=("ops",), method="local"))
    auth = Authenticator.from_settings(
        replace(JWT, api_key_authentication=True, admin_group="ops"), api_keys=ring)
    identity = auth.authenticate(up(("authorization", f"Bearer {issued.key}")))
    assert (identity.user_id, identity.method, identity.admin) == ("robot", "api-key", True)
    ring.revoke(issued.key_id)
    assert refused(auth, up(("authorization", f"Bearer {issued.key}"))) == "api-key"
    # a key is never tried as a JWT, and a JWT still works beside keys
    assert auth.authenticate(up(("authorization", f"Bearer {token()}"))).method == "jwt"


def test_api_keys_off_refuses_keys() -> None:
    ring = KeyRing()
    issued = ring.issue(Identity(user_id="robot"))
    auth = Authenticator.from_settings(JWT, api_keys=ring)
    assert refused(auth, up(("authorization", f"Bearer {issued.key}"))) == "api-key"


def test_keys_only_refuse_jwts() -> None:
    auth = Authenticator.from_settings(Settings(api_key_authentication=True), api_keys=KeyRing())
    assert refused(auth, up(("authorization", f"Bearer {token()}"))) == "jwt"


def test_header_authentication_from_trusted_proxies_only() -> None:
    auth = Authenticator.from_settings(Settings(header_authentication=True,
                                                trusted_proxies="10.0.0.0/8"))
    user = ("x-qlik-user", "UserDirectory=CORP; UserId=jdoe")
    identity = auth.authenticate(up(user, peer="10.1.2.3"))
    assert (identity.qualified, identity.method, identity.admin) == (
        "UserDirectory=CORP; UserId=jdoe", "header", False)
    assert refused(auth, up(user, peer="203.0.113.9")) == "header"


def test_header_without_being_enabled_is_refused() -> None:
    auth = Authenticator.from_settings(replace(JWT, trusted_proxies="10.0.0.0/8"))
    assert refused(auth, up(("x-qlik-user", "UserDirectory=C; UserId=u"), peer="10.0.0.1")) == "header"


def test_certificate_connection() -> None:
    auth = Authenticator.from_settings(Settings(tls_client_ca_file="ca.crt"))
    user = ("x-qlik-user", "UserDirectory=CORP; UserId=jdoe")
    identity = auth.authenticate(up(user, certificate=CERT))
    assert (identity.qualified, identity.method, identity.admin) == (
        "UserDirectory=CORP; UserId=jdoe", "certificate", False)
    service = auth.authenticate(up(certificate=CERT))
    assert (service.user_id, service.user_directory, service.admin) == (
        "svc-reporting", "INTERNAL", True)
    assert refused(auth, up(user)) == "header"  # X-Qlik-User without a certificate
    assert refused(auth, up()) == "missing"


def test_token_and_user_header_together_are_ambiguous() -> None:
    auth = Authenticator.from_settings(replace(JWT, tls_client_ca_file="ca.crt"))
    assert refused(auth, up(("authorization", f"Bearer {token()}"),
                            ("x-qlik-user", "UserDirectory=C; UserId=admin"),
                            certificate=CERT)) == "header"


@pytest.mark.parametrize(("settings", "name"), [
    (Settings(json_web_token_secret=SECRET), "ValidateJsonWebTokens"),
    (Settings(validate_json_web_tokens=2), "ValidateJsonWebTokens"),
    (Settings(header_authentication=True), "HeaderAuthentication"),
    (Settings(header_authentication=True, trusted_proxies="x"), "TrustedProxies"),
])
def test_settings_that_cannot_work(settings: Settings, name: str) -> None:
    with pytest.raises(InvalidParameters) as caught:
        Authenticator.from_settings(settings)
    assert caught.value.parameter == name
