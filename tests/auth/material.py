"""Key material the auth tests make for themselves: RSA and EC key pairs, JWKS files,
and a small PKI (a CA, a server certificate for 127.0.0.1, client certificates signed
by the CA or by a stranger) written as PEM files."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

SECRET = "a-shared-secret-long-enough-for-hs512-which-wants-64-bytes-of-key"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ec_key(curve: ec.EllipticCurve | None = None) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(curve or ec.SECP256R1())


def public_pem(key: Any) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def private_pem(key: Any) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def jwk(key: Any, kid: str, alg: str | None = None) -> dict[str, Any]:
    algo = jwt.algorithms.RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) else jwt.algorithms.ECAlgorithm
    entry: dict[str, Any] = json.loads(algo.to_jwk(key.public_key()))
    entry["kid"] = kid
    if alg:
        entry["alg"] = alg
    return entry


def write_jwks(path: Path, entries: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"keys": entries}), "utf-8")
    return path


def claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    out: dict[str, Any] = {"sub": "jdoe", "name": "Jane Doe", "email": "jane@example.com",
                           "groups": ["sales", "emea"], "iat": now, "exp": now + 300}
    out.update(extra)
    return {k: v for k, v in out.items() if v is not None}


def token(key: Any = SECRET, alg: str = "HS256", headers: dict[str, Any] | None = None,
          **extra: Any) -> str:
    return jwt.encode(claims(**extra), key, algorithm=alg, headers=headers)


def b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unsigned(**extra: Any) -> str:
    """An ``alg: none`` token (PyJWT makes them too, but spelled out is clearer)."""
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{b64(json.dumps(claims(**extra)).encode())}."


def hmac_signed(payload: dict[str, Any], key: bytes, alg: str = "HS256",
                header: dict[str, Any] | None = None) -> str:
    """A token signed with ``key`` as an HMAC secret whatever the key is: PyJWT will not
    sign with a public key, and the HS/RS confusion attack does exactly that."""
    import hashlib
    import hmac

    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    head = f"{b64(json.dumps(header or {'alg': alg, 'typ': 'JWT'}).encode())}." + b64(
        json.dumps(payload).encode())
    return f"{head}.{b64(hmac.new(key, head.encode(), digest).digest())}"


# -- certificates -----------------------------------------------------------------------


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _cert(subject: str, key: Any, issuer: str, issuer_key: Any, ca: bool,
          server: bool = False) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, cert: x509.Certificate, key: Any) -> tuple[Path, Path]:
    cert_path, key_path = path.with_suffix(".crt"), path.with_suffix(".key")
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(private_pem(key))
    return cert_path, key_path


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path  # CN=svc-reporting, signed by the CA
    client_key: Path
    stranger_cert: Path  # CN=mallory, self-signed
    stranger_key: Path


def make_pki(folder: Path) -> Pki:
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = ec_key()
    ca = _cert("associa test CA", ca_key, "associa test CA", ca_key, ca=True)
    ca_path = folder / "ca.crt"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    server_key = ec_key()
    server = _write(folder / "server", _cert("127.0.0.1", server_key, "associa test CA", ca_key,
                                             ca=False, server=True), server_key)
    client_key = ec_key()
    client = _write(folder / "client", _cert("svc-reporting", client_key, "associa test CA",
                                             ca_key, ca=False), client_key)
    stranger_key = ec_key()
    stranger = _write(folder / "stranger", _cert("mallory", stranger_key, "mallory",
                                                 stranger_key, ca=False), stranger_key)
    return Pki(ca_path, *server, *client, *stranger)
