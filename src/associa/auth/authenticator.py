"""Who a WebSocket upgrade is: the policy that turns its headers, peer address and TLS
client certificate into an ``Identity``, or refuses it (``AuthenticationFailed``,
answered with HTTP 401 before the socket exists).

Authentication is on when a method is configured (``ValidateJsonWebTokens`` 1 or 2,
``ApiKeyAuthentication``, ``HeaderAuthentication`` or a client CA for TLS) and
``--no-auth`` is not given. Off, every socket is ``ANONYMOUS`` (development mode, which
the server announces with a warning). On, every upgrade needs one credential:

* ``Authorization: Bearer <token>``: an associa API key (``associa_…``) when keys are
  accepted, an OAuth access token the engine issued (``store/oauth.py``), else a JWT;
* ``X-Qlik-User`` with a verified client certificate (Qlik's certificate connection),
  or from a ``TrustedProxies`` address when ``HeaderAuthentication`` is on;
* a verified client certificate alone: the service the certificate names, with full
  rights, as Qlik's documentation describes a certificate connection without a user.

Sending both a bearer token and ``X-Qlik-User`` is ambiguous and refused. Pure logic:
the server hands in what it read (``Upgrade``); nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from associa.auth.headers import Headers, TrustedNetworks, bearer, qlik_user, single
from associa.auth.keys import ApiKeyLookup, looks_like_key
from associa.auth.tls import PeerCertificate
from associa.auth.tokens import NOT_ENFORCED, ClaimMap, TokenVerifier
from associa.errors import AuthenticationFailed, InvalidParameters
from associa.identity import ANONYMOUS, Identity
from associa.settings import Settings

CERTIFICATE_DIRECTORY = "INTERNAL"  # the directory of a service named by its certificate


@dataclass(frozen=True, slots=True)
class Upgrade:
    """What an upgrade request shows: its headers (lower-case names), the peer's
    address and the client certificate TLS verified."""

    headers: Headers = ()
    peer: str | None = None
    certificate: PeerCertificate | None = None


@dataclass(frozen=True, slots=True)
class Authenticator:
    tokens: TokenVerifier | None = None
    api_keys: ApiKeyLookup | None = None
    header_authentication: bool = False
    trusted: TrustedNetworks = field(default_factory=lambda: TrustedNetworks(()))
    certificates: bool = False  # client certificates are verified (a client CA is set)
    admin_group: str = ""
    forced_off: bool = False  # --no-auth although methods are configured
    # the engine's own OAuth access tokens (store/oauth.py), tried before other JWTs
    oauth: ApiKeyLookup | None = None

    @classmethod
    def from_settings(cls, settings: Settings, api_keys: ApiKeyLookup | None = None,
                      oauth: ApiKeyLookup | None = None) -> Authenticator:
        """The authenticator the settings describe; settings that contradict each other
        or name unusable key files raise InvalidParameters naming the setting."""
        if settings.no_auth:
            configured = (settings.validate_json_web_tokens != NOT_ENFORCED
                          or settings.api_key_authentication or settings.header_authentication
                          or bool(settings.tls_client_ca_file))
            return cls(forced_off=configured)
        tokens = None
        if settings.validate_json_web_tokens != NOT_ENFORCED:
            claims = ClaimMap(
                user_id=settings.jwt_user_id_claim, directory_claim=settings.jwt_user_directory_claim,
                directory=settings.jwt_user_directory, name=settings.jwt_name_claim,
                email=settings.jwt_email_claim, groups=settings.jwt_groups_claim,
                admin_group=settings.admin_group)
            tokens = TokenVerifier.configure(
                settings.validate_json_web_tokens, settings.json_web_token_secret,
                settings.json_web_token_path, settings.jwt_jwks_path, settings.jwt_issuer,
                settings.jwt_audience, settings.jwt_leeway_seconds, claims)
        elif settings.json_web_token_secret or settings.json_web_token_path or settings.jwt_jwks_path:
            # a key with validation off would leave the engine open while its owner
            # believes it checks tokens: say so instead of serving
            raise InvalidParameters(
                "ValidateJsonWebTokens", "a JWT key is set but ValidateJsonWebTokens is 0 "
                "(not enforced): set ValidateJsonWebTokens=2, or remove the key")
        trusted = TrustedNetworks.parse(settings.trusted_proxies)
        if settings.header_authentication and not trusted and not settings.tls_client_ca_file:
            raise InvalidParameters(
                "HeaderAuthentication", "HeaderAuthentication needs TrustedProxies (the "
                "addresses of the proxies that send X-Qlik-User) or TlsClientCaFile")
        return cls(
            tokens=tokens,
            api_keys=api_keys if settings.api_key_authentication else None,
            header_authentication=settings.header_authentication, trusted=trusted,
            certificates=bool(settings.tls_client_ca_file), admin_group=settings.admin_group,
            oauth=oauth,
        )

    @property
    def enabled(self) -> bool:
        return (self.tokens is not None or self.api_keys is not None
                or self.header_authentication or self.certificates)

    def methods(self) -> list[str]:
        """The accepted credentials, for the start-up line."""
        out = []
        if self.tokens is not None:
            out.append("jwt" if self.tokens.mode == 2 else "jwt (signed or unsigned)")
        if self.api_keys is not None:
            out.append("api-key")
        if self.header_authentication:
            out.append("header")
        if self.certificates:
            out.append("certificate")
        return out

    def authenticate(self, upgrade: Upgrade) -> Identity:
        if not self.enabled:
            return ANONYMOUS
        token = bearer(upgrade.headers)
        user_header = single(upgrade.headers, "x-qlik-user")
        if token is not None and user_header is not None:
            raise AuthenticationFailed("header", "send either a bearer token or X-Qlik-User")
        if token is not None:
            return self._bearer(token)
        if user_header is not None:
            return self._header(user_header, upgrade)
        if upgrade.certificate is not None and self.certificates:
            cert = upgrade.certificate
            return Identity(user_id=cert.common_name or cert.subject,
                            user_directory=CERTIFICATE_DIRECTORY, name=cert.common_name,
                            admin=True, method="certificate")
        raise AuthenticationFailed("missing", "no credential")

    def _bearer(self, token: str) -> Identity:
        if looks_like_key(token):
            if self.api_keys is None:
                raise AuthenticationFailed("api-key", "API keys are not accepted")
            identity = self.api_keys(token)
            if identity is None:
                raise AuthenticationFailed("api-key", "unknown or revoked API key")
            admin = identity.admin or (bool(self.admin_group) and self.admin_group in identity.groups)
            return replace(identity, method="api-key", admin=admin)
        if self.oauth is not None:
            identity = self.oauth(token)
            if identity is not None:
                return identity
        if self.tokens is None:
            raise AuthenticationFailed("jwt", "JSON Web Tokens are not accepted")
        return self.tokens.identity(token)

    def _header(self, value: str, upgrade: Upgrade) -> Identity:
        by_certificate = upgrade.certificate is not None and self.certificates
        by_proxy = self.header_authentication and upgrade.peer in self.trusted
        if not (by_certificate or by_proxy):
            raise AuthenticationFailed("header", "X-Qlik-User from a peer that is not trusted")
        user = qlik_user(value)
        return Identity(user_id=user.user_id, user_directory=user.directory, name=user.user_id,
                        method="certificate" if by_certificate else "header")
