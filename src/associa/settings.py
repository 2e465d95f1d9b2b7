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


# setting -> (environment variable, parser)
ENVIRONMENT: dict[str, tuple[str, Callable[[str, str], object]]] = {
    "host": ("ASSOCIA_HOST", _text),
    "port": ("ASSOCIA_PORT", _int),
    "data_dir": ("ASSOCIA_DATA_DIR", _text),
    "session_ttl": ("ASSOCIA_SESSION_TTL", _int),
    "log_level": ("ASSOCIA_LOG_LEVEL", _choice(LOG_LEVELS)),
    "log_format": ("ASSOCIA_LOG_FORMAT", _choice(LOG_FORMATS)),
    "reload_time_limit": ("ASSOCIA_RELOAD_TIME_LIMIT", _int),
    "database_url": ("ASSOCIA_DATABASE_URL", _text),
    "api_key": ("ASSOCIA_API_KEY", _text),
    "rest_max_body_bytes": ("ASSOCIA_REST_MAX_BODY_BYTES", _int),
    "rest_rate_tier1": ("ASSOCIA_REST_RATE_TIER1", _int),
    "rest_rate_tier2": ("ASSOCIA_REST_RATE_TIER2", _int),
    "rest_rate_special": ("ASSOCIA_REST_RATE_SPECIAL", _int),
}
