"""Credentials of data connections, kept encrypted.

A connection's user name and password (``qUserName``, ``qPassword``) never reach an
app file in clear text: they are sealed together into one Fernet token (AES-128-CBC with
an HMAC-SHA256, from ``cryptography``) under a key kept in the engine's data folder
(``credentials.key``, readable by its owner only, made on the first use). The app keeps
only the token; the reload opens it when it connects. An app file carried to another
engine (another key) keeps its connections, but their credentials cannot be read there:
the reload says so, and ModifyConnection with qOverrideCredentials sets them anew.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from associa.errors import ScriptError

KEY_FILE = "credentials.key"
_lock = threading.Lock()


class Vault:
    """Seals and opens credentials with the key in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / KEY_FILE

    def _key(self, create: bool) -> bytes | None:
        with _lock:
            try:
                return self.path.read_bytes().strip()
            except FileNotFoundError:
                if not create:
                    return None
            key = Fernet.generate_key()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another engine process made it first
                return self.path.read_bytes().strip()
            with os.fdopen(fd, "wb") as f:
                f.write(key)
                f.flush()
                os.fsync(f.fileno())
            return key

    def seal(self, user: str, password: str) -> str:
        """The token of a user name and password ("" when both are empty)."""
        if not user and not password:
            return ""
        key = self._key(create=True)
        assert key is not None
        plain = json.dumps({"user": user, "password": password}).encode("utf-8")
        return Fernet(key).encrypt(plain).decode("ascii")

    def open(self, token: str, connection: str) -> tuple[str, str]:
        """(user, password) of a token; a ScriptError when this engine cannot read it."""
        if not token:
            return "", ""
        key = self._key(create=False)
        try:
            if key is None:
                raise InvalidToken
            data = json.loads(Fernet(key).decrypt(token.encode("ascii")))
            return str(data.get("user", "")), str(data.get("password", ""))
        except (InvalidToken, ValueError, TypeError):
            raise ScriptError(
                f"The credentials of connection '{connection}' cannot be read with this "
                f"engine's key ({self.path}); set them again with ModifyConnection"
            ) from None
