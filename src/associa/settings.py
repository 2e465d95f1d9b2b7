"""Engine settings: frozen, from defaults, environment variables and the command line."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 9076
    data_dir: Path = field(default_factory=lambda: Path("data"))
    session_ttl: int = 0  # seconds a session outlives its last socket (URL /ttl/<n> overrides)
    max_session_ttl: int = 1800
    max_message_bytes: int = 64 * 1024 * 1024
    workers: int = 8  # threads that run requests

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        base = cls(
            host=env.get("ASSOCIA_HOST", "127.0.0.1"),
            port=int(env.get("ASSOCIA_PORT", "9076")),
            data_dir=Path(env.get("ASSOCIA_DATA_DIR", "data")),
            session_ttl=int(env.get("ASSOCIA_SESSION_TTL", "0")),
        )
        clean = {k: v for k, v in overrides.items() if v is not None}
        if "data_dir" in clean:
            clean["data_dir"] = Path(str(clean["data_dir"]))
        return replace(base, **clean)  # type: ignore[arg-type]
