"""The TLS context the settings make, and reading a client certificate from the ASGI
TLS extension."""

from __future__ import annotations

import ssl
from dataclasses import replace
from pathlib import Path

import pytest

from associa.auth.tls import PeerCertificate, peer_certificate, server_context, settings_context
from associa.errors import InvalidParameters
from associa.settings import Settings
from tests.auth.material import Pki, make_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def test_no_certificate_is_plain_ws() -> None:
    assert settings_context(Settings()) is None


def test_server_context(pki: Pki) -> None:
    plain = server_context(str(pki.server_cert), str(pki.server_key))
    assert plain.verify_mode == ssl.CERT_NONE
    assert plain.minimum_version == ssl.TLSVersion.TLSv1_2
    optional = server_context(str(pki.server_cert), str(pki.server_key), str(pki.ca))
    assert optional.verify_mode == ssl.CERT_OPTIONAL
    required = settings_context(Settings(
        tls_cert_file=str(pki.server_cert), tls_key_file=str(pki.server_key),
        tls_client_ca_file=str(pki.ca), tls_client_certificates="required"))
    assert required is not None and required.verify_mode == ssl.CERT_REQUIRED


def test_unusable_files_name_their_setting(pki: Pki, tmp_path: Path) -> None:
    base = Settings(tls_cert_file=str(pki.server_cert), tls_key_file=str(pki.server_key))
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    cases = [
        (replace(base, tls_cert_file=str(tmp_path / "none.pem")), "TlsCertFile"),
        (replace(base, tls_key_file=str(pki.client_key)), "TlsCertFile"),  # not its key
        (replace(base, tls_cert_file=str(junk)), "TlsCertFile"),
        (replace(base, tls_client_ca_file=str(junk)), "TlsClientCaFile"),
        (replace(base, tls_client_ca_file=str(pki.ca), tls_client_certificates="maybe"),
         "TlsClientCertificates"),
        (Settings(tls_client_ca_file=str(pki.ca)), "TlsClientCaFile"),
        (Settings(tls_key_file=str(pki.server_key)), "TlsKeyFile"),
    ]
    for settings, name in cases:
        with pytest.raises(InvalidParameters) as caught:
            settings_context(settings)
        assert caught.value.parameter == name, (settings, caught.value)


def test_peer_certificate(pki: Pki) -> None:
    pem = pki.client_cert.read_text()
    scope = {"extensions": {"tls": {"client_cert_chain": [pem], "client_cert_error": None}}}
    assert peer_certificate(scope) == PeerCertificate("svc-reporting", "CN=svc-reporting")
    assert peer_certificate({"extensions": {}}) is None
    assert peer_certificate({}) is None
    assert peer_certificate({"extensions": {"tls": {"client_cert_chain": []}}}) is None
    assert peer_certificate({"extensions": {"tls": {"client_cert_chain": ["junk"]}}}) is None
    failed = {"extensions": {"tls": {"client_cert_chain": [pem], "client_cert_error": "bad"}}}
    assert peer_certificate(failed) is None
