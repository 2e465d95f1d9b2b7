"""Engine settings: frozen, from one table of switches given four ways.

``SWITCHES`` is the one table: each row names a setting as a switch (Qlik's engine
switch name where one exists, e.g. ``SessionTTL`` and ``MaxSessionTTL`` from the Qlik
Associative Engine's documentation, core-website
``docs/services/qix-engine/apis/qix/introduction.md``, "Session Time-to-Live"; associa's
own name otherwise), the ``Settings`` attribute it sets, its parser and its help. Every
switch can be given, lowest precedence first:

1. its default (the ``Settings`` dataclass);
2. a settings file (``--settings-file``), in the format of the Qlik engine's
   ``Settings.ini``: a ``[Settings 7]`` section of ``Name=value`` lines (the section
   header may be left out; ``;`` and ``#`` start comments);
3. an environment variable ``ASSOCIA_<ATTRIBUTE>`` (``ASSOCIA_SESSION_TTL``);
4. the command line: ``associa serve -S Name=value`` (repeatable) and the older flags
   (``--session-ttl``), which win over ``-S`` for the same setting.

Switch names are matched without regard to case, as the engine's are. An unknown name or a
value that does not parse raises ``InvalidParameters`` naming the switch (or variable) and,
for an unknown name, the valid ones. ``ENVIRONMENT`` (attribute -> variable, parser) is the
same table seen by variable, for code and tests that read it so.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from associa.errors import InvalidParameters

LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("text", "json")
INFINITE = -1  # a TTL of -1: the session never expires (only when MaxSessionTTL allows it)
SETTINGS_SECTION = "Settings 7"  # the section of Qlik's Settings.ini


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 9076
    data_dir: Path = field(default_factory=lambda: Path("data"))
    session_ttl: int = 0  # seconds a session outlives its last socket (URL /ttl/<n> overrides)
    max_session_ttl: int = 1800  # every TTL is capped to this (-1: no cap, infinite allowed)
    log_level: str = "info"
    log_format: str = "text"  # or "json": one JSON object per line
    max_message_bytes: int = 64 * 1024 * 1024
    workers: int = 8  # threads that run requests
    reload_time_limit: int = 0  # seconds a reload may run before it is stopped (0: no limit)
    max_concurrent_reloads: int = 0  # reloads running at once, engine-wide (0: no limit)
    max_sessions: int = 0  # sessions at once; a socket over it closes with 4205 (0: no limit)
    max_apps_in_memory: int = 0  # apps loaded at once; OpenDoc over it closes 4230 (0: none)
    shutdown_grace: int = 30  # seconds a stopping server waits for running saves
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
    # the metadata database (owners, rules, keys, items): SQLite in the data folder unless
    # an SQLAlchemy URL is given (postgresql+psycopg://user:password@host/db)
    database_url: str = ""
    # an administrator API key for the REST API (automation's first key); empty: none
    api_key: str = ""
    # the REST API: the largest request body, and requests per minute per user in Qlik's
    # tiers (Tier 1 reads, Tier 2 writes, the special reload tier; 0: no limit)
    rest_max_body_bytes: int = 512 * 1024 * 1024
    rest_rate_tier1: int = 1000
    rest_rate_tier2: int = 100
    rest_rate_special: int = 50
    # reloads queued through the REST API (/reloads): how many run at once
    reload_concurrency: int = 4
    # data files (/data-files): the largest file, and all files together (0: no limit)
    data_file_max_bytes: int = 500 * 1024 * 1024
    data_files_quota_bytes: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then ``ASSOCIA_*`` variables, then ``overrides`` that are not None.
        A variable that does not parse raises InvalidParameters naming it."""
        return cls.load(overrides=overrides)

    @classmethod
    def load(
        cls,
        settings_file: Path | str | None = None,
        switches: Iterable[str] = (),
        environ: Mapping[str, str] | None = None,
        overrides: Mapping[str, object] | None = None,
    ) -> Settings:
        """Defaults < ``settings_file`` < environment < ``switches`` (``Name=value``
        texts, as given to ``-S``) < ``overrides`` (attributes; None means not given)."""
        values: dict[str, object] = {}
        if settings_file is not None:
            values.update(read_settings_file(Path(settings_file)))
        env = os.environ if environ is None else environ
        for switch in SWITCHES:
            raw = env.get(switch.env)
            if raw is not None and raw.strip() != "":
                values[switch.attr] = switch.parse(switch.env, raw.strip())
        for text in switches:
            switch, raw = parse_assignment(text)
            values[switch.attr] = switch.parse(switch.name, raw)
        values.update((k, v) for k, v in (overrides or {}).items() if v is not None)
        if "data_dir" in values:
            values["data_dir"] = Path(str(values["data_dir"]))
        return replace(cls(), **values)  # type: ignore[arg-type]


def effective_ttl(requested: int, max_ttl: int) -> int:
    """The TTL a session gets when ``requested`` (a URL's ``/ttl/<n>`` or SessionTTL) is
    asked for: capped by ``max_ttl`` ("TTL is always capped to this value"); -1
    (infinite) only when both are -1, else an infinite request gets the cap. Negative
    requests other than -1 count as 0."""
    if requested < INFINITE:
        requested = 0
    if max_ttl == INFINITE:
        return requested
    if requested == INFINITE:
        return max_ttl
    return min(requested, max_ttl)


# -- parsers: (name shown in errors, raw text) -> value ---------------------------------


def _int(var: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameters(var, f"{var} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise InvalidParameters(var, f"{var} must not be negative, not {raw!r}")
    return value


def _ttl(var: str, raw: str) -> int:
    """Seconds, or -1 for infinite."""
    try:
        value = int(raw)
    except ValueError:
        value = -2
    if value < INFINITE:
        raise InvalidParameters(
            var, f"{var} must be a whole number of seconds or -1 (infinite), not {raw!r}")
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


@dataclass(frozen=True, slots=True)
class Switch:
    """One setting: its switch name, the ``Settings`` attribute, its parser, its help
    and the ``serve`` flag that also sets it (None: only ``-S`` and the rest)."""

    name: str
    attr: str
    parse: Callable[[str, str], object]
    help: str
    flag: str | None = None

    @property
    def env(self) -> str:
        return f"ASSOCIA_{self.attr.upper()}"


# The switches. Qlik's names where the Qlik engine has the switch (SessionTTL,
# MaxSessionTTL); associa's own in the same style for the rest.
SWITCHES: tuple[Switch, ...] = (
    Switch("Host", "host", _text, "address to listen on (0.0.0.0: every interface)", "--host"),
    Switch("Port", "port", _int, "port to listen on (0 picks a free one)", "--port"),
    Switch("DataDir", "data_dir", _text,
           "folder of the apps (created if its parent exists)", "--data-dir"),
    Switch("SessionTTL", "session_ttl", _ttl,
           "seconds a session outlives its last connection, so that a client can re-attach; "
           "a URL's /ttl/<n> overrides it (-1: infinite, when MaxSessionTTL is -1)",
           "--session-ttl"),
    Switch("MaxSessionTTL", "max_session_ttl", _ttl,
           "most seconds any session is kept after its last connection (-1: no cap)"),
    Switch("LogLevel", "log_level", _choice(LOG_LEVELS),
           "least important log lines shown: debug, info, warning, error", "--log-level"),
    Switch("LogFormat", "log_format", _choice(LOG_FORMATS),
           "log lines as text, or json (one object per line, with a request id)",
           "--log-format"),
    Switch("Workers", "workers", _int, "threads that run requests"),
    Switch("MaxMessageBytes", "max_message_bytes", _int,
           "largest WebSocket message accepted, in bytes"),
    Switch("ReloadTimeLimit", "reload_time_limit", _int,
           "seconds a reload may run before it is stopped with an error (0: no limit)",
           "--reload-time-limit"),
    Switch("MaxConcurrentReloads", "max_concurrent_reloads", _int,
           "reloads running at once; another is refused as engine busy (0: no limit)"),
    Switch("MaxSessions", "max_sessions", _int,
           "sessions at once; a new one is refused, the socket closed with 4205 (0: no limit)"),
    Switch("MaxAppsInMemory", "max_apps_in_memory", _int,
           "apps in memory at once; opening another when none can be let go closes the "
           "socket with 4230 (0: no limit)"),
    Switch("ShutdownGrace", "shutdown_grace", _int,
           "seconds a stopping server waits for running saves before it closes the sockets"),
    # authentication and TLS (auth/): on when a method below is configured
    Switch("NoAuth", "no_auth", _bool,
           "1: development mode, every connection anonymous with full rights, whatever "
           "authentication is configured (also the mode when none is configured)"),
    Switch("ValidateJsonWebTokens", "validate_json_web_tokens", _jwt_mode,
           "Qlik's switch: 0 tokens not checked, 1 signed or unsigned, 2 signed only",
           "--validate-json-web-tokens"),
    Switch("JsonWebTokenSecret", "json_web_token_secret", _text,
           "Qlik's switch: the HS256/384/512 secret", "--json-web-token-secret"),
    Switch("JsonWebTokenPath", "json_web_token_path", _text,
           "Qlik's switch: PEM public key or certificate that verifies RS, PS and ES tokens",
           "--json-web-token-path"),
    Switch("JwtJwksPath", "jwt_jwks_path", _text,
           "a local JWKS file of public keys, chosen by kid", "--jwt-jwks-path"),
    Switch("JwtIssuer", "jwt_issuer", _text, "the iss tokens must carry", "--jwt-issuer"),
    Switch("JwtAudience", "jwt_audience", _text, "the aud tokens must carry", "--jwt-audience"),
    Switch("JwtLeewaySeconds", "jwt_leeway_seconds", _int,
           "clock skew allowed on exp, nbf and iat", "--jwt-leeway-seconds"),
    Switch("JwtUserIdClaim", "jwt_user_id_claim", _text, "the claim that names the user",
           "--jwt-user-id-claim"),
    Switch("JwtUserDirectoryClaim", "jwt_user_directory_claim", _text,
           "the claim that names the user directory", "--jwt-user-directory-claim"),
    Switch("JwtUserDirectory", "jwt_user_directory", _text,
           "the user directory of tokens that name none", "--jwt-user-directory"),
    Switch("JwtNameClaim", "jwt_name_claim", _text, "the claim with the user's name",
           "--jwt-name-claim"),
    Switch("JwtEmailClaim", "jwt_email_claim", _text, "the claim with the user's e-mail",
           "--jwt-email-claim"),
    Switch("JwtGroupsClaim", "jwt_groups_claim", _text, "the claim with the user's groups",
           "--jwt-groups-claim"),
    Switch("AdminGroup", "admin_group", _text,
           "members of this group (token or API key) administer the engine", "--admin-group"),
    Switch("ApiKeyAuthentication", "api_key_authentication", _bool,
           "1: accept associa API keys as bearer tokens", "--api-key-authentication"),
    Switch("HeaderAuthentication", "header_authentication", _bool,
           "1: accept X-Qlik-User from TrustedProxies", "--header-authentication"),
    Switch("TrustedProxies", "trusted_proxies", _text,
           "addresses and networks (10.0.0.0/8) whose X-Qlik-User is believed, "
           "comma-separated", "--trusted-proxies"),
    Switch("TlsCertFile", "tls_cert_file", _text,
           "serve wss:// with this certificate (PEM)", "--tls-cert-file"),
    Switch("TlsKeyFile", "tls_key_file", _text,
           "the certificate's private key (PEM; empty: in the certificate file)",
           "--tls-key-file"),
    Switch("TlsClientCaFile", "tls_client_ca_file", _text,
           "verify client certificates against this CA (certificate connections)",
           "--tls-client-ca-file"),
    Switch("TlsClientCertificates", "tls_client_certificates",
           _choice(("optional", "required")),
           "optional or required: whether a client must show a certificate",
           "--tls-client-certificates"),
    # the metadata database and the REST API (rest/)
    Switch("DatabaseUrl", "database_url", _text,
           "the metadata database as an SQLAlchemy URL, e.g. postgresql+psycopg://u:p@host/db "
           "(empty: SQLite in the data folder)", "--database-url"),
    Switch("ApiKey", "api_key", _text,
           "an administrator key for the REST API (automation's first key; empty: none)",
           "--api-key"),
    Switch("RestMaxBodyBytes", "rest_max_body_bytes", _int,
           "largest REST request body, in bytes", "--rest-max-body-bytes"),
    Switch("RestRateTier1", "rest_rate_tier1", _int,
           "REST requests per minute per user in Qlik's Tier 1 (reads; 0: no limit)",
           "--rest-rate-tier1"),
    Switch("RestRateTier2", "rest_rate_tier2", _int,
           "REST requests per minute per user in Qlik's Tier 2 (writes; 0: no limit)",
           "--rest-rate-tier2"),
    Switch("RestRateSpecial", "rest_rate_special", _int,
           "REST requests per minute per user in the special tier (reloads; 0: no limit)",
           "--rest-rate-special"),
    Switch("ReloadConcurrency", "reload_concurrency", _int,
           "reloads queued through the REST API (/reloads) that run at once",
           "--reload-concurrency"),
    Switch("DataFileMaxBytes", "data_file_max_bytes", _int,
           "largest file uploaded through /data-files, in bytes (0: no limit)",
           "--data-file-max-bytes"),
    Switch("DataFilesQuotaBytes", "data_files_quota_bytes", _int,
           "all files uploaded through /data-files together, in bytes (0: no limit)",
           "--data-files-quota-bytes"),
)
BY_NAME: dict[str, Switch] = {s.name.lower(): s for s in SWITCHES}

# setting -> (environment variable, parser): the table by variable
ENVIRONMENT: dict[str, tuple[str, Callable[[str, str], object]]] = {
    s.attr: (s.env, s.parse) for s in SWITCHES
}


def switch_named(name: str) -> Switch:
    switch = BY_NAME.get(name.strip().lower())
    if switch is None:
        valid = ", ".join(s.name for s in SWITCHES)
        raise InvalidParameters(name, f"unknown setting {name.strip()!r}; the settings are: {valid}")
    return switch


def parse_assignment(text: str) -> tuple[Switch, str]:
    """``Name=value`` (as given to ``-S``) -> the switch and the raw value."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise InvalidParameters(text, f"a setting is given as Name=value, not {text!r}")
    return switch_named(name), raw.strip()


def read_settings_file(path: Path) -> dict[str, object]:
    """The settings a ``Settings.ini``-style file gives: ``Name=value`` lines of its
    ``[Settings 7]`` section (or of the whole file when it has no section header).
    Other sections are left alone (Qlik's file may hold some)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise InvalidParameters(str(path), f"cannot read settings file {path}: {reason}") from None
    parser = configparser.ConfigParser(interpolation=None, comment_prefixes=(";", "#"),
                                       inline_comment_prefixes=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        if not text.lstrip().startswith("["):
            text = f"[{SETTINGS_SECTION}]\n{text}"
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        raise InvalidParameters(str(path), f"settings file {path} is not valid: "
                                f"{str(exc).splitlines()[0]}") from None
    section = next((s for s in parser.sections() if s.lower() == SETTINGS_SECTION.lower()), None)
    if section is None:
        return {}
    values: dict[str, object] = {}
    for name, raw in parser.items(section):
        switch = switch_named(name)
        values[switch.attr] = switch.parse(f"{switch.name} in {path}", (raw or "").strip())
    return values
