"""TLS on the engine port (``wss://``) and the client certificate of a socket.

The server certificate and key come from ``TlsCertFile`` / ``TlsKeyFile``; with
``TlsClientCaFile`` the engine also asks for a client certificate and verifies it
against that CA (``TlsClientCertificates``: ``optional`` lets clients without one
connect and authenticate otherwise, ``required`` refuses them in the handshake). That
is the certificate connection of Qlik's documentation: a verified client certificate
plus ``X-Qlik-User`` acts as that user, the certificate alone as a service with full
rights (https://help.qlik.com/en-US/sense-developer/May2022/Subsystems/RepositoryServiceAPI/Content/Sense_RepositoryServiceAPI/RepositoryServiceAPI-Example-Connect-cURL-Certificates.htm;
the engine's port 4747 takes the same certificates:
https://help.qlik.com/en-US/sense-developer/August2022/Subsystems/NetSDKAPIref/Content/Qlik.Sense.JsonRpc.Location.AsDirectConnection.htm).

uvicorn does not put the peer certificate in the ASGI scope; ``auth/protocol.py`` adds
the ASGI TLS extension (``scope["extensions"]["tls"]``, ``client_cert_chain`` in PEM)
with ``tls_extension``; any ASGI server that implements the extension works the same,
and ``peer_certificate`` reads it.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from associa.errors import InvalidParameters
from associa.settings import Settings

CLIENT_CERTIFICATES = ("optional", "required")


@dataclass(frozen=True, slots=True)
class PeerCertificate:
    """A client certificate the TLS handshake verified."""

    common_name: str
    subject: str


def server_context(cert_file: str, key_file: str = "", client_ca_file: str = "",
                   client_certificates: str = "optional") -> ssl.SSLContext:
    """The server side of TLS 1.2 and later, with client verification when a CA is
    given. A file that cannot be used raises InvalidParameters naming its setting."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    for name, path in (("TlsCertFile", cert_file), ("TlsKeyFile", key_file),
                       ("TlsClientCaFile", client_ca_file)):
        if path and not Path(path).is_file():
            raise InvalidParameters(name, f"{name} {path} is not a file")
    try:
        context.load_cert_chain(cert_file, key_file or None)
    except (ssl.SSLError, OSError) as exc:
        raise InvalidParameters("TlsCertFile", f"TlsCertFile {cert_file} and TlsKeyFile "
                                f"{key_file or cert_file} are not a certificate and its key: "
                                f"{exc}") from None
    if client_ca_file:
        try:
            context.load_verify_locations(cafile=client_ca_file)
        except (ssl.SSLError, OSError) as exc:
            raise InvalidParameters("TlsClientCaFile", f"TlsClientCaFile {client_ca_file} "
                                    f"holds no CA certificate: {exc}") from None
        if client_certificates not in CLIENT_CERTIFICATES:
            raise InvalidParameters("TlsClientCertificates", "TlsClientCertificates must be "
                                    f"one of {', '.join(CLIENT_CERTIFICATES)}")
        context.verify_mode = (ssl.CERT_REQUIRED if client_certificates == "required"
                               else ssl.CERT_OPTIONAL)
    return context


def settings_context(settings: Settings) -> ssl.SSLContext | None:
    """The TLS context the settings ask for; None for plain ``ws://``."""
    if not settings.tls_cert_file:
        for name, value in (("TlsKeyFile", settings.tls_key_file),
                            ("TlsClientCaFile", settings.tls_client_ca_file)):
            if value:
                raise InvalidParameters(name, f"{name} needs TlsCertFile (the server's certificate)")
        return None
    return server_context(settings.tls_cert_file, settings.tls_key_file,
                          settings.tls_client_ca_file, settings.tls_client_certificates)


def uvicorn_options(context: ssl.SSLContext | None) -> dict[str, Any]:
    """The ``uvicorn.Config`` arguments that serve ``wss://`` with ``context``."""
    from associa.auth.protocol import EngineWebSocketProtocol

    if context is None:
        return {"ws": EngineWebSocketProtocol}

    def factory(config: object, default: object) -> ssl.SSLContext:
        return context

    return {"ssl_context_factory": factory, "ws": EngineWebSocketProtocol}


def tls_extension(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> dict[str, Any]:
    """The ASGI TLS extension's members for a connection: the verified client
    certificate (PEM, leaf only: Python's ``getpeercert`` gives no chain), the TLS
    version and cipher."""
    chain: list[str] = []
    if ssl_object is not None:
        der = ssl_object.getpeercert(binary_form=True)
        if der:
            chain.append(ssl.DER_cert_to_PEM_cert(der))
    cipher = ssl_object.cipher() if ssl_object is not None else None
    return {
        "server_cert": None,
        "client_cert_chain": chain,
        "client_cert_name": None,
        "client_cert_error": None,
        "tls_version": None,
        "cipher_suite": None,
        "associa_tls": {"version": ssl_object.version() if ssl_object else None,
                        "cipher": cipher[0] if cipher else None},
    }


def peer_certificate(scope: Mapping[str, Any]) -> PeerCertificate | None:
    """The client certificate of a ``wss://`` upgrade, when the handshake verified one."""
    tls = scope.get("extensions", {}).get("tls")
    if not isinstance(tls, dict) or tls.get("client_cert_error"):
        return None
    chain = tls.get("client_cert_chain") or []
    if not chain:
        return None
    try:
        cert = x509.load_pem_x509_certificate(str(chain[0]).encode("ascii"))
    except ValueError:
        return None
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common = str(names[0].value) if names else ""
    return PeerCertificate(common, cert.subject.rfc4514_string())
