"""API keys: long-lived secrets a program sends as ``Authorization: Bearer <key>``.

A key reads ``associa_<id>_<secret>``: the prefix tells it from a JWT at a glance (a
JWT is three base64url parts joined by dots, and a key has no dot); ``id`` (16 hex
digits) names the key in the store, so that revoking or listing keys never needs the
secret; ``secret`` is 32 random bytes in base64url.

Only a hash is stored. The secret has 256 bits of entropy, so a plain SHA-256 cannot be
reversed by guessing and a slow password hash would only cost time on every
connection; comparing with ``hmac.compare_digest`` keeps the time of a comparison the
same whether the first or the last byte differs.

The store (the REST issue's metadata store) issues and revokes keys; the authenticator
only sees a ``lookup(key) -> Identity | None`` callable. ``KeyRing`` is that lookup in
memory: the reference for the store's and the tests' keys.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from associa.identity import Identity

PREFIX = "associa_"
KEY = re.compile(r"associa_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")

ApiKeyLookup = Callable[[str], Identity | None]
"""Who an API key belongs to, or None for an unknown, revoked or malformed key."""


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key_id: str
    key: str  # shown once, to whoever asked for it
    digest: str  # what the store keeps


def looks_like_key(token: str) -> bool:
    """Whether a bearer token is meant as an API key (so it is never tried as a JWT)."""
    return token.startswith(PREFIX)


def key_id(key: str) -> str | None:
    """The id part of a well-formed key, else None."""
    match = KEY.fullmatch(key)
    return match.group(1) if match else None


def issue() -> IssuedKey:
    """A new random key, its id and its digest."""
    ident = secrets.token_hex(8)
    key = f"{PREFIX}{ident}_{secrets.token_urlsafe(32)}"
    return IssuedKey(ident, key, digest(key))


def digest(key: str) -> str:
    """The SHA-256 of the whole key, in hex (64 characters): what a store keeps."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def verify(key: str, stored: str) -> bool:
    """Whether ``key`` is the key whose digest is ``stored`` (constant-time)."""
    return hmac.compare_digest(digest(key).encode("ascii"), stored.encode("ascii", "replace"))


class KeyRing:
    """API keys in memory: ``issue`` one for an identity, ``revoke`` it by id; calling
    the ring looks a key up (an ``ApiKeyLookup``)."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[str, Identity]] = {}
        self._lock = threading.Lock()

    def issue(self, identity: Identity) -> IssuedKey:
        issued = issue()
        with self._lock:
            self._keys[issued.key_id] = (issued.digest, identity)
        return issued

    def revoke(self, ident: str) -> bool:
        with self._lock:
            return self._keys.pop(ident, None) is not None

    def __call__(self, key: str) -> Identity | None:
        ident = key_id(key)
        if ident is None:
            return None
        with self._lock:
            entry = self._keys.get(ident)
        if entry is None or not verify(key, entry[0]):
            return None
        return entry[1]
