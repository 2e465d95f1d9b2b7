"""JSON Web Tokens: verifying an ``Authorization: Bearer`` token and reading its claims.

Qlik's engine validates a JWT at the WebSocket upgrade and answers HTTP 401 when it
does not verify; ``sub`` is the user (required), ``exp`` optional, ``groups`` the
groups Section Access matches; HS256/384/512 with ``JsonWebTokenSecret``, RS and ES
with the PEM public key at ``JsonWebTokenPath``; ``ValidateJsonWebTokens`` is 0 (not
enforced), 1 (signed or unsigned tokens) or 2 (signed tokens only). Evidence: Qlik
Core's authorization tutorial, https://core.qlik.com/tutorials/authorization/
(qlik-oss/core-website ``docs/tutorials/authorization.md``) and its engine settings
table (``docs/services/qix-engine/engine-settings.md`` there).

What associa adds, the usual hardening of a verifier:

* the accepted algorithms come from the configured key, never from the token: a
  secret admits HS256/384/512 only, an RSA key RS*/PS*, an EC key the ES algorithm of
  its curve. So ``alg: none`` (unless mode 1 allows unsigned tokens) and the HS/RS
  confusion (a token "signed" with the public key as an HMAC secret) are refused;
* keys may also come from a local JWKS file (``JwtJwksPath``), found by the token's
  ``kid``; a JWKS holds public keys only;
* ``iss`` and ``aud`` are checked when configured, ``exp``/``nbf``/``iat`` always when
  present, with a leeway for clock skew (``JwtLeewaySeconds``);
* a token longer than ``MAX_TOKEN_BYTES`` is refused before it is parsed.

Sans-I/O apart from reading the key files once, when the verifier is built.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from associa.errors import AuthenticationFailed, InvalidParameters
from associa.identity import Identity

# A token above this is refused unread: real tokens are a few hundred bytes to a few
# kilobytes (many groups); the HTTP layer refuses header lines above 8 KiB anyway.
MAX_TOKEN_BYTES = 8000

HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
RSA_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
EC_ALGORITHMS = {"secp256r1": ("ES256",), "secp384r1": ("ES384",), "secp521r1": ("ES512",)}

# ValidateJsonWebTokens
NOT_ENFORCED, SIGNED_OR_UNSIGNED, SIGNED_ONLY = 0, 1, 2


@dataclass(frozen=True, slots=True)
class ClaimMap:
    """Which claims make the identity (``JwtUserIdClaim``, ...). ``directory`` is the
    fixed user directory used when ``directory_claim`` is unset or absent."""

    user_id: str = "sub"
    directory_claim: str = ""
    directory: str = ""
    name: str = "name"
    email: str = "email"
    groups: str = "groups"
    admin_group: str = ""  # a member of this group administers the engine

    def identity(self, claims: Mapping[str, Any]) -> Identity:
        user = claims.get(self.user_id)
        if isinstance(user, int) and not isinstance(user, bool):
            user = str(user)
        if not isinstance(user, str) or not user.strip():
            raise AuthenticationFailed("claims", f"the token has no {self.user_id!r} claim")
        directory = self.directory
        if self.directory_claim and self.directory_claim in claims:
            directory = _text(claims, self.directory_claim)
        groups = claims.get(self.groups, ())
        if isinstance(groups, str):
            groups = (groups,)
        if not isinstance(groups, list | tuple) or not all(isinstance(g, str) for g in groups):
            raise AuthenticationFailed("claims", f"the {self.groups!r} claim is not a list of names")
        return Identity(
            user_id=user, user_directory=directory, name=_text(claims, self.name) or user,
            email=_text(claims, self.email), groups=tuple(groups),
            admin=bool(self.admin_group) and self.admin_group in groups, method="jwt",
        )


def _text(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name, "") if name else ""
    if not isinstance(value, str):
        raise AuthenticationFailed("claims", f"the {name!r} claim is not text")
    return value


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """A key and the algorithms it may verify (fixed by the key's type)."""

    key: Any
    algorithms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TokenVerifier:
    """Verifies tokens against the configured keys; ``identity`` gives the user."""

    mode: int = SIGNED_ONLY
    secret: VerificationKey | None = None
    public: VerificationKey | None = None
    jwks: Mapping[str, VerificationKey] = field(default_factory=dict)
    issuer: str = ""
    audience: str = ""
    leeway: float = 0
    claims: ClaimMap = field(default_factory=ClaimMap)

    @classmethod
    def configure(cls, mode: int, secret: str = "", pem_path: str = "", jwks_path: str = "",
                  issuer: str = "", audience: str = "", leeway: float = 0,
                  claims: ClaimMap | None = None) -> TokenVerifier:
        """A verifier from the settings; a key file that cannot be read or holds no
        usable key raises InvalidParameters naming the setting."""
        if mode not in (SIGNED_OR_UNSIGNED, SIGNED_ONLY):
            raise InvalidParameters("ValidateJsonWebTokens",
                                    f"ValidateJsonWebTokens must be 1 or 2 here, not {mode}")
        verifier = cls(
            mode=mode,
            secret=VerificationKey(secret.encode("utf-8"), HMAC_ALGORITHMS) if secret else None,
            public=pem_key(Path(pem_path)) if pem_path else None,
            jwks=jwks_keys(Path(jwks_path)) if jwks_path else {},
            issuer=issuer, audience=audience, leeway=leeway, claims=claims or ClaimMap(),
        )
        if mode == SIGNED_ONLY and not verifier.signed_keys():
            raise InvalidParameters(
                "ValidateJsonWebTokens",
                "ValidateJsonWebTokens=2 needs a key: set JsonWebTokenSecret, JsonWebTokenPath "
                "or JwtJwksPath")
        return verifier

    def signed_keys(self) -> list[VerificationKey]:
        return [k for k in (self.secret, self.public) if k is not None] + list(self.jwks.values())

    def identity(self, token: str) -> Identity:
        return self.claims.identity(self.verify(token))

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims once its signature and times check out; otherwise
        AuthenticationFailed whose parameter says what failed."""
        if len(token) > MAX_TOKEN_BYTES:
            raise AuthenticationFailed("oversized", "the token is too long")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthenticationFailed("malformed", "the token is not a JWT") from None
        alg = header.get("alg")
        if not isinstance(alg, str):
            raise AuthenticationFailed("algorithm", "the token names no algorithm")
        if alg.lower() == "none":
            return self._unsigned(token)
        key = self._key_for(header, alg)
        return self._decode(token, key.key, [alg], verify_signature=True)

    def _key_for(self, header: Mapping[str, Any], alg: str) -> VerificationKey:
        kid = header.get("kid")
        if self.jwks and kid is not None:
            found = self.jwks.get(kid) if isinstance(kid, str) else None
            if found is None:
                raise AuthenticationFailed("kid", "the token's key id is unknown")
            candidates = [found]
        else:
            candidates = [k for k in (self.secret, self.public) if k is not None]
            if not candidates and len(self.jwks) == 1:  # a JWKS of one key, a token without kid
                candidates = list(self.jwks.values())
        for key in candidates:
            if alg in key.algorithms:
                return key
        raise AuthenticationFailed("algorithm", f"tokens signed with {alg} are not accepted")

    def _unsigned(self, token: str) -> dict[str, Any]:
        """``alg: none``: accepted in mode 1 only ("JWT can be either signed or
        unsigned"), and then with an empty signature and the time and issuer checks."""
        if self.mode != SIGNED_OR_UNSIGNED:
            raise AuthenticationFailed("algorithm", "unsigned tokens are not accepted")
        if token.count(".") != 2 or not token.endswith("."):
            raise AuthenticationFailed("malformed", "an unsigned token has no signature")
        return self._decode(token, None, None, verify_signature=False)

    def _decode(self, token: str, key: Any, algorithms: list[str] | None,
                verify_signature: bool) -> dict[str, Any]:
        options: dict[str, Any] = {
            "verify_signature": verify_signature, "verify_exp": True, "verify_nbf": True,
            "verify_iat": True, "verify_iss": bool(self.issuer), "verify_aud": bool(self.audience),
            "require": [self.claims.user_id],
        }
        try:
            with warnings.catch_warnings():
                # a short JsonWebTokenSecret (Qlik's own example is "passw0rd") works, as
                # in Qlik's engine; PyJWT's warning on each token would only flood the log
                warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
                return jwt.decode(
                    token, key, algorithms=algorithms, options=options,  # type: ignore[arg-type]
                    issuer=self.issuer or None, audience=self.audience or None,
                    leeway=self.leeway,
                )
        except jwt.ExpiredSignatureError:
            raise AuthenticationFailed("expired", "the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise AuthenticationFailed("not-yet-valid", "the token is not valid yet") from None
        except jwt.InvalidIssuerError:
            raise AuthenticationFailed("issuer", "the token's issuer is not accepted") from None
        except jwt.InvalidAudienceError:
            raise AuthenticationFailed("audience", "the token's audience is not accepted") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthenticationFailed("claims", f"the token has no {exc.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise AuthenticationFailed("signature", "the token's signature does not verify") from None
        except jwt.InvalidAlgorithmError:
            raise AuthenticationFailed("algorithm", "the token's algorithm is not accepted") from None
        except (jwt.PyJWTError, ValueError, TypeError):
            raise AuthenticationFailed("malformed", "the token cannot be read") from None


def key_algorithms(key: Any) -> tuple[str, ...]:
    """The algorithms a public key may verify, by its type (and an EC key's curve)."""
    if isinstance(key, rsa.RSAPublicKey):
        return RSA_ALGORITHMS
    if isinstance(key, ec.EllipticCurvePublicKey):
        return EC_ALGORITHMS.get(key.curve.name, ())
    if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return ("EdDSA",)
    return ()


def pem_key(path: Path) -> VerificationKey:
    """The public key in a PEM file (``JsonWebTokenPath``): a public key or an X.509
    certificate (Qlik Cloud's JWT set-up hands out a certificate)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidParameters("JsonWebTokenPath",
                                f"JsonWebTokenPath {path} cannot be read: {exc.strerror}") from None
    try:
        if b"BEGIN CERTIFICATE" in data:
            key: Any = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = load_pem_public_key(data)
    except ValueError:
        raise InvalidParameters(
            "JsonWebTokenPath",
            f"JsonWebTokenPath {path} holds no PEM public key or certificate") from None
    algorithms = key_algorithms(key)
    if not algorithms:
        raise InvalidParameters("JsonWebTokenPath",
                                f"JsonWebTokenPath {path}: keys of this type cannot verify tokens")
    return VerificationKey(key, algorithms)


def jwks_keys(path: Path) -> dict[str, VerificationKey]:
    """The public keys of a local JWKS file (``JwtJwksPath``) by ``kid``. A key with
    ``alg`` verifies that algorithm only; symmetric (``oct``) keys are refused, since a
    key set is public material."""
    try:
        document = json.loads(path.read_text("utf-8"))
        entries = document["keys"]
        if not isinstance(entries, list):
            raise TypeError
    except OSError as exc:
        raise InvalidParameters("JwtJwksPath",
                                f"JwtJwksPath {path} cannot be read: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError):
        raise InvalidParameters("JwtJwksPath",
                                f"JwtJwksPath {path} is not a JWKS document") from None
    keys: dict[str, VerificationKey] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") == "oct":
            raise InvalidParameters("JwtJwksPath",
                                    f"JwtJwksPath {path}: only public keys may be listed")
        kid = entry.get("kid")
        try:
            key = jwt.PyJWK(entry).key
        except jwt.PyJWTError as exc:
            raise InvalidParameters("JwtJwksPath", f"JwtJwksPath {path}: {exc}") from None
        algorithms = key_algorithms(key)
        if isinstance(entry.get("alg"), str):
            algorithms = tuple(a for a in algorithms if a == entry["alg"])
        if not algorithms or not isinstance(kid, str) or kid in keys:
            raise InvalidParameters(
                "JwtJwksPath", f"JwtJwksPath {path}: each key needs a distinct kid and a "
                "public key type that matches its alg")
        keys[kid] = VerificationKey(key, algorithms)
    if not keys:
        raise InvalidParameters("JwtJwksPath", f"JwtJwksPath {path} lists no keys")
    return keys
