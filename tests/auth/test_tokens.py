"""JWT verification: what each key type accepts, the time, issuer and audience checks,
the claims a token maps to, and the tokens that must never verify."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from associa.auth.tokens import (
    MAX_TOKEN_BYTES,
    SIGNED_ONLY,
    SIGNED_OR_UNSIGNED,
    ClaimMap,
    TokenVerifier,
)
from associa.errors import AuthenticationFailed, InvalidParameters
from associa.identity import Identity
from tests.auth.material import (
    SECRET,
    ec_key,
    hmac_signed,
    jwk,
    public_pem,
    rsa_key,
    token,
    unsigned,
    write_jwks,
)

RSA = rsa_key()
EC = ec_key()


def refused(verifier: TokenVerifier, text: str) -> str:
    with pytest.raises(AuthenticationFailed) as caught:
        verifier.verify(text)
    assert caught.value.code == 401
    return caught.value.parameter


@pytest.fixture
def hs() -> TokenVerifier:
    return TokenVerifier.configure(SIGNED_ONLY, secret=SECRET)


@pytest.fixture
def rs(tmp_path: Path) -> TokenVerifier:
    pem = tmp_path / "rsa.pem"
    pem.write_bytes(public_pem(RSA))
    return TokenVerifier.configure(SIGNED_ONLY, pem_path=str(pem))


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_secret_verifies_hmac_tokens(hs: TokenVerifier, alg: str) -> None:
    identity = hs.identity(token(SECRET, alg))
    assert identity == Identity(user_id="jdoe", name="Jane Doe", email="jane@example.com",
                                groups=("sales", "emea"), method="jwt")


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512", "PS256", "PS512"])
def test_rsa_public_key_verifies_rsa_tokens(rs: TokenVerifier, alg: str) -> None:
    assert rs.identity(token(RSA, alg)).user_id == "jdoe"


@pytest.mark.parametrize(("curve", "alg"), [(ec.SECP256R1(), "ES256"), (ec.SECP384R1(), "ES384"),
                                            (ec.SECP521R1(), "ES512")])
def test_ec_public_key_verifies_its_curve(tmp_path: Path, curve: ec.EllipticCurve, alg: str) -> None:
    key = ec_key(curve)
    pem = tmp_path / "ec.pem"
    pem.write_bytes(public_pem(key))
    verifier = TokenVerifier.configure(SIGNED_ONLY, pem_path=str(pem))
    assert verifier.identity(token(key, alg)).user_id == "jdoe"
    other = {"ES256": "ES384", "ES384": "ES512", "ES512": "ES256"}[alg]
    assert refused(verifier, token(ec_key(), "ES256") if other == "ES256" else token(
        ec_key(ec.SECP384R1() if other == "ES384" else ec.SECP521R1()), other)) == "algorithm"


def test_certificate_file_is_a_public_key(tmp_path: Path) -> None:
    from tests.auth.material import make_pki

    pki = make_pki(tmp_path / "pki")  # the client certificate's key is an EC P-256 key
    verifier = TokenVerifier.configure(SIGNED_ONLY, pem_path=str(pki.client_cert))
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(pki.client_key.read_bytes(), None)
    assert verifier.identity(token(key, "ES256")).user_id == "jdoe"


def test_expired_and_not_yet_valid(hs: TokenVerifier) -> None:
    now = int(time.time())
    assert refused(hs, token(exp=now - 10)) == "expired"
    assert refused(hs, token(nbf=now + 60)) == "not-yet-valid"
    assert refused(hs, token(iat=now + 60)) == "not-yet-valid"


def test_leeway_allows_clock_skew() -> None:
    now = int(time.time())
    verifier = TokenVerifier.configure(SIGNED_ONLY, secret=SECRET, leeway=30)
    assert verifier.identity(token(exp=now - 10)).user_id == "jdoe"
    assert verifier.identity(token(nbf=now + 10)).user_id == "jdoe"
    assert refused(verifier, token(exp=now - 60)) == "expired"


def test_a_token_without_exp_does_not_expire(hs: TokenVerifier) -> None:
    # Qlik: "exp: optional. If omitted it never expires"
    assert hs.identity(token(exp=None)).user_id == "jdoe"


def test_issuer_and_audience() -> None:
    verifier = TokenVerifier.configure(SIGNED_ONLY, secret=SECRET, issuer="https://idp",
                                       audience="associa")
    assert verifier.identity(token(iss="https://idp", aud="associa")).user_id == "jdoe"
    assert verifier.identity(token(iss="https://idp", aud=["x", "associa"])).user_id == "jdoe"
    assert refused(verifier, token(iss="https://evil", aud="associa")) == "issuer"
    assert refused(verifier, token(iss="https://idp", aud="other")) == "audience"
    assert refused(verifier, token(aud="associa")) == "claims"  # iss missing
    assert refused(verifier, token(iss="https://idp")) == "claims"  # aud missing


def test_sub_is_required(hs: TokenVerifier) -> None:
    assert refused(hs, token(sub=None)) == "claims"
    with pytest.raises(AuthenticationFailed):
        hs.identity(token(sub=""))
    with pytest.raises(AuthenticationFailed):
        hs.identity(token(sub="   "))


def test_claim_mapping() -> None:
    claims = ClaimMap(user_id="uid", directory_claim="dir", directory="CORP", name="nm",
                      email="mail", groups="roles", admin_group="admins")
    verifier = TokenVerifier.configure(SIGNED_ONLY, secret=SECRET, claims=claims)
    identity = verifier.identity(token(uid="u1", nm="U One", mail="u@x", roles=["admins"]))
    assert identity == Identity(user_id="u1", user_directory="CORP", name="U One", email="u@x",
                                groups=("admins",), admin=True, method="jwt")
    assert verifier.identity(token(uid="u2", dir="EMEA", roles="a")).user_directory == "EMEA"
    assert verifier.identity(token(uid="u2", roles="a")).groups == ("a",)
    with pytest.raises(AuthenticationFailed):
        verifier.identity(token(uid="u3", roles=[1, 2]))
    with pytest.raises(AuthenticationFailed):
        verifier.identity(token(uid="u3", nm={"first": "x"}))


def test_none_is_refused_when_signatures_are_required(hs: TokenVerifier) -> None:
    assert refused(hs, unsigned()) == "algorithm"
    assert refused(hs, jwt.encode({"sub": "jdoe"}, None, algorithm="none")) == "algorithm"


def test_mode_one_accepts_unsigned_tokens_but_checks_the_rest() -> None:
    # Qlik: ValidateJsonWebTokens=1 "JWT can be either signed or unsigned"
    verifier = TokenVerifier.configure(SIGNED_OR_UNSIGNED, secret=SECRET)
    assert verifier.identity(unsigned()).user_id == "jdoe"
    assert verifier.identity(token()).user_id == "jdoe"
    assert refused(verifier, unsigned(exp=int(time.time()) - 10)) == "expired"
    assert refused(verifier, unsigned() + "c2ln") == "malformed"  # none with a signature
    assert refused(verifier, token("another secret of sufficient length!!")) == "signature"


def test_hs_rs_confusion_is_refused(tmp_path: Path, rs: TokenVerifier) -> None:
    forged = hmac_signed({"sub": "admin"}, public_pem(RSA))
    assert refused(rs, forged) == "algorithm"
    # with a secret and an RSA key both configured, the forgery meets the secret
    pem = tmp_path / "rsa.pem"
    pem.write_bytes(public_pem(RSA))
    both = TokenVerifier.configure(SIGNED_ONLY, secret=SECRET, pem_path=str(pem))
    assert refused(both, forged) == "signature"
    assert both.identity(token(RSA, "RS256")).user_id == "jdoe"


def test_short_secrets_work_without_warnings() -> None:
    verifier = TokenVerifier.configure(SIGNED_ONLY, secret="passw0rd")  # Qlik's example
    forged = hmac_signed({"sub": "jdoe"}, b"passw0rd")
    assert verifier.identity(forged).user_id == "jdoe"


def test_hmac_tokens_are_refused_with_only_a_public_key(rs: TokenVerifier) -> None:
    assert refused(rs, token(SECRET, "HS256")) == "algorithm"


def test_tampered_tokens(hs: TokenVerifier) -> None:
    good = token()
    header, payload, signature = good.split(".")
    other_payload = token(sub="admin").split(".")[1]
    assert refused(hs, f"{header}.{other_payload}.{signature}") == "signature"
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert refused(hs, f"{header}.{payload}.{flipped}") == "signature"
    assert refused(hs, token("wrong secret but long enough to be used 123")) == "signature"


@pytest.mark.parametrize("text", [
    "", "abc", "a.b", "a.b.c.d", "!!!.???.***", "eyJhbGciOiJIUzI1NiJ9.%%%.sig",
    "eyJhbGciOiJIUzI1NiJ9", "bm90IGpzb24.e30.c2ln",  # header not JSON
    "W10.e30.c2ln",  # header a JSON list
    "eyJ0eXAiOiJKV1QifQ.e30.c2ln",  # no alg
])
def test_malformed_tokens(hs: TokenVerifier, text: str) -> None:
    assert refused(hs, text) in ("malformed", "algorithm")


def test_oversized_token_is_refused_unread(hs: TokenVerifier) -> None:
    big = token(padding="x" * MAX_TOKEN_BYTES)
    assert refused(hs, big) == "oversized"


def test_jwks_finds_the_key_by_kid(tmp_path: Path) -> None:
    other = rsa_key()
    path = write_jwks(tmp_path / "jwks.json", [jwk(RSA, "k1", "RS256"), jwk(other, "k2"),
                                               jwk(EC, "k3")])
    verifier = TokenVerifier.configure(SIGNED_ONLY, jwks_path=str(path))
    assert verifier.identity(token(RSA, "RS256", headers={"kid": "k1"})).user_id == "jdoe"
    assert verifier.identity(token(other, "PS256", headers={"kid": "k2"})).user_id == "jdoe"
    assert verifier.identity(token(EC, "ES256", headers={"kid": "k3"})).user_id == "jdoe"
    assert refused(verifier, token(RSA, "RS512", headers={"kid": "k1"})) == "algorithm"  # alg pinned
    assert refused(verifier, token(RSA, "RS256", headers={"kid": "k2"})) == "signature"
    assert refused(verifier, token(RSA, "RS256", headers={"kid": "nope"})) == "kid"
    assert refused(verifier, token(RSA, "RS256")) == "algorithm"  # no kid among several keys
    assert refused(verifier, token(SECRET, "HS256", headers={"kid": "k1"})) == "algorithm"


def test_jwks_of_one_key_needs_no_kid(tmp_path: Path) -> None:
    path = write_jwks(tmp_path / "jwks.json", [jwk(RSA, "only")])
    verifier = TokenVerifier.configure(SIGNED_ONLY, jwks_path=str(path))
    assert verifier.identity(token(RSA, "RS256")).user_id == "jdoe"


@pytest.mark.parametrize(("content", "reason"), [
    ("not json", "not a JWKS"),
    ('{"keys": {}}', "not a JWKS"),
    ('{"keys": []}', "lists no keys"),
    ('{"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "a"}]}', "only public keys"),
    ('{"keys": [{"kty": "RSA", "kid": "a"}]}', "JwtJwksPath"),
])
def test_bad_jwks_files(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(content)
    with pytest.raises(InvalidParameters, match=reason):
        TokenVerifier.configure(SIGNED_ONLY, jwks_path=str(path))


def test_bad_key_settings(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameters, match="needs a key"):
        TokenVerifier.configure(SIGNED_ONLY)
    with pytest.raises(InvalidParameters, match="cannot be read"):
        TokenVerifier.configure(SIGNED_ONLY, pem_path=str(tmp_path / "missing.pem"))
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    with pytest.raises(InvalidParameters, match="no PEM public key"):
        TokenVerifier.configure(SIGNED_ONLY, pem_path=str(garbage))
    with pytest.raises(InvalidParameters, match="1 or 2"):
        TokenVerifier.configure(0, secret=SECRET)
