"""Engine settings: frozen, from defaults, environment variables and the command line.

Each setting a user may change has an environment variable and a ``serve`` flag (the
flag wins); ``ENVIRONMENT`` lists them, and the README's settings table repeats it (a
test keeps the two in step).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from associa.errors import InvalidParameters

LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("text", "json")


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 9076
    data_dir: Path = field(default_factory=lambda: Path("data"))
    session_ttl: int = 0  # seconds a session outlives its last socket (URL /ttl/<n> overrides)
    log_level: str = "info"
    log_format: str = "text"  # or "json": one JSON object per line
    max_session_ttl: int = 1800
    max_message_bytes: int = 64 * 1024 * 1024
    workers: int = 8  # threads that run requests
    reload_time_limit: int = 0  # seconds a reload may run before it is stopped (0: no limit)
    # -- authentication and TLS (auth/): on when a method below is configured ----------
    no_auth: bool = False  # --no-auth: every socket is anonymous, whatever is configured
    validate_json_web_tokens: int = 0  # Qlik: ValidateJsonWebTokens (0 off, 1 also unsigned, 2 signed)
    json_web_token_secret: str = ""  # Qlik: JsonWebTokenSecret (HS256/384/512)
    json_web_token_path: str = ""  # Qlik: JsonWebTokenPath (PEM public key or certificate)
    jwt_jwks_path: str = ""  # a local JWKS file; keys found by the token's kid
    jwt_issuer: str = ""  # required iss when set
    jwt_audience: str = ""  # required aud when set
    jwt_leeway_seconds: int = 0  # clock skew allowed on exp, nbf and iat
    jwt_user_id_claim: str = "sub"
    jwt_user_directory_claim: str = ""
    jwt_user_directory: str = ""  # the directory when the token names none
    jwt_name_claim: str = "name"
    jwt_email_claim: str = "email"
    jwt_groups_claim: str = "groups"
    admin_group: str = ""  # members of this group (token or API key) administer the engine
    api_key_authentication: bool = False  # accept associa API keys as bearer tokens
    header_authentication: bool = False  # accept X-Qlik-User from trusted_proxies
    trusted_proxies: str = ""  # comma-separated addresses / CIDR networks
    tls_cert_file: str = ""  # serve wss:// with this certificate (PEM)
    tls_key_file: str = ""  # its private key (PEM; empty: in the certificate file)
    tls_client_ca_file: str = ""  # verify client certificates against this CA
    tls_client_certificates: str = "optional"  # or "required"

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then ``ASSOCIA_*`` variables, then ``overrides`` that are not None.
        A variable that does not parse raises InvalidParameters naming it."""
        values: dict[str, object] = {}
        for name, (var, parse) in ENVIRONMENT.items():
            raw = os.environ.get(var)
            if raw is not None and raw.strip() != "":
                values[name] = parse(var, raw.strip())
        values.update((k, v) for k, v in overrides.items() if v is not None)
        if "data_dir" in values:
            values["data_dir"] = Path(str(values["data_dir"]))
        return replace(cls(), **values)  # type: ignore[arg-type]


def _int(var: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameters(var, f"{var} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise InvalidParameters(var, f"{var} must not be negative, not {raw!r}")
    return value


def _choice(choices: tuple[str, ...]) -> Callable[[str, str], str]:
    def parse(var: str, raw: str) -> str:
        if raw.lower() not in choices:
            raise InvalidParameters(var, f"{var} must be one of {', '.join(choices)}, not {raw!r}")
        return raw.lower()

    return parse


def _text(var: str, raw: str) -> str:
    return raw


def _bool(var: str, raw: str) -> bool:
    value = raw.lower()
    if value not in ("0", "1", "true", "false", "yes", "no", "on", "off"):
        raise InvalidParameters(var, f"{var} must be 0 or 1, not {raw!r}")
    return value in ("1", "true", "yes", "on")


def _jwt_mode(var: str, raw: str) -> int:
    value = _int(var, raw)
    if value > 2:
        raise InvalidParameters(var, f"{var} must be 0, 1 or 2, not {raw!r}")
    return value


# setting -> (environment variable, parser)
ENVIRONMENT: dict[str, tuple[str, Callable[[str, str], object]]] = {
    "host": ("ASSOCIA_HOST", _text),
    "port": ("ASSOCIA_PORT", _int),
    "data_dir": ("ASSOCIA_DATA_DIR", _text),
    "session_ttl": ("ASSOCIA_SESSION_TTL", _int),
    "log_level": ("ASSOCIA_LOG_LEVEL", _choice(LOG_LEVELS)),
    "log_format": ("ASSOCIA_LOG_FORMAT", _choice(LOG_FORMATS)),
    "reload_time_limit": ("ASSOCIA_RELOAD_TIME_LIMIT", _int),
    "no_auth": ("ASSOCIA_NO_AUTH", _bool),
    "validate_json_web_tokens": ("ASSOCIA_VALIDATE_JSON_WEB_TOKENS", _jwt_mode),
    "json_web_token_secret": ("ASSOCIA_JSON_WEB_TOKEN_SECRET", _text),
    "json_web_token_path": ("ASSOCIA_JSON_WEB_TOKEN_PATH", _text),
    "jwt_jwks_path": ("ASSOCIA_JWT_JWKS_PATH", _text),
    "jwt_issuer": ("ASSOCIA_JWT_ISSUER", _text),
    "jwt_audience": ("ASSOCIA_JWT_AUDIENCE", _text),
    "jwt_leeway_seconds": ("ASSOCIA_JWT_LEEWAY_SECONDS", _int),
    "jwt_user_id_claim": ("ASSOCIA_JWT_USER_ID_CLAIM", _text),
    "jwt_user_directory_claim": ("ASSOCIA_JWT_USER_DIRECTORY_CLAIM", _text),
    "jwt_user_directory": ("ASSOCIA_JWT_USER_DIRECTORY", _text),
    "jwt_name_claim": ("ASSOCIA_JWT_NAME_CLAIM", _text),
    "jwt_email_claim": ("ASSOCIA_JWT_EMAIL_CLAIM", _text),
    "jwt_groups_claim": ("ASSOCIA_JWT_GROUPS_CLAIM", _text),
    "admin_group": ("ASSOCIA_ADMIN_GROUP", _text),
    "api_key_authentication": ("ASSOCIA_API_KEY_AUTHENTICATION", _bool),
    "header_authentication": ("ASSOCIA_HEADER_AUTHENTICATION", _bool),
    "trusted_proxies": ("ASSOCIA_TRUSTED_PROXIES", _text),
    "tls_cert_file": ("ASSOCIA_TLS_CERT_FILE", _text),
    "tls_key_file": ("ASSOCIA_TLS_KEY_FILE", _text),
    "tls_client_ca_file": ("ASSOCIA_TLS_CLIENT_CA_FILE", _text),
    "tls_client_certificates": ("ASSOCIA_TLS_CLIENT_CERTIFICATES", _choice(("optional", "required"))),
}
