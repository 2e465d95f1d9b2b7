"""OAuth2 clients and the access tokens issued to them (client credentials grant).

A client is made by a signed-in user through ``/api/v1/oauth-clients`` and acts as that
user (Qlik Cloud's machine-to-machine clients act as their bot user; here the creator
is that user, so a client never has more rights than whoever made it). Its secret is
shown once and kept as a SHA-256, as API keys are (``auth/keys.py``).

An access token is a JWT (HS256) signed by the engine's key, kept in the data folder
(``oauth-signing.key``, made on first use, readable by its owner only): ``iss`` and
``aud`` ``associa-oauth``, ``sub`` the user, ``client_id``, ``jti`` (the row in
``oauth_tokens``), ``iat`` and ``exp``. ``verify`` checks the signature and the times
with PyJWT, then the row: a revoked token or a token of a deleted client no longer
verifies. The REST API (``rest/identity.py``) and the socket (``auth/authenticator.py``)
both accept these tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from sqlalchemy import Boolean, DateTime, Engine, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from associa.identity import Identity
from associa.store.meta import Base, _aware

ISSUER = "associa-oauth"
KEY_FILE = "oauth-signing.key"
TOKEN_LIFETIME = timedelta(hours=1)


class OAuthClientRow(Base):
    __tablename__ = "oauth_clients"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    secret_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(512), index=True)
    user_directory: Mapped[str] = mapped_column(String(512), default="")
    user_name: Mapped[str] = mapped_column(String(512), default="")
    groups: Mapped[str] = mapped_column(Text, default="[]")
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OAuthTokenRow(Base):
    __tablename__ = "oauth_tokens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(512), index=True)
    issued: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True, slots=True)
class OAuthClient:
    id: str
    name: str
    user: Identity
    created: datetime


@dataclass(frozen=True, slots=True)
class OAuthToken:
    id: str
    client_id: str
    user_id: str
    issued: datetime
    expires: datetime
    revoked: datetime | None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def signing_key(data_dir: Path) -> bytes:
    """The engine's token key in ``data_dir`` (made, owner-only, on first use)."""
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def _client(row: OAuthClientRow) -> OAuthClient:
    user = Identity(user_id=row.user_id, user_directory=row.user_directory,
                    name=row.user_name, groups=tuple(json.loads(row.groups or "[]")),
                    admin=bool(row.admin), method="oauth")
    return OAuthClient(row.id, row.name, user, _aware(row.created) or row.created)


def _token(row: OAuthTokenRow) -> OAuthToken:
    return OAuthToken(row.id, row.client_id, row.user_id, _aware(row.issued) or row.issued,
                      _aware(row.expires) or row.expires, _aware(row.revoked))


class OAuth:
    def __init__(self, db: Engine, data_dir: Path) -> None:
        self.db = db
        self.data_dir = Path(data_dir)

    # -- clients --------------------------------------------------------------------

    def create_client(self, name: str, user: Identity) -> tuple[OAuthClient, str]:
        """A new client acting as ``user``, and its secret (shown only now)."""
        secret = secrets.token_urlsafe(32)
        row = OAuthClientRow(id=secrets.token_hex(16), name=name, secret_hash=_digest(secret),
                             user_id=user.user_id, user_directory=user.user_directory,
                             user_name=user.name, groups=json.dumps(list(user.groups)),
                             admin=user.admin, created=datetime.now(UTC))
        with Session(self.db) as s, s.begin():
            s.add(row)
            client = _client(row)
        return client, secret

    def clients(self, user: Identity | None = None) -> list[OAuthClient]:
        query = select(OAuthClientRow).order_by(OAuthClientRow.created, OAuthClientRow.id)
        if user is not None:
            query = query.where(OAuthClientRow.user_id == user.user_id,
                                OAuthClientRow.user_directory == user.user_directory)
        with Session(self.db) as s:
            return [_client(r) for r in s.scalars(query)]

    def delete_client(self, client_id: str) -> bool:
        """Delete a client; its tokens stop verifying."""
        with Session(self.db) as s, s.begin():
            row = s.get(OAuthClientRow, client_id)
            if row is None:
                return False
            s.delete(row)
            now = datetime.now(UTC)
            for token in s.scalars(select(OAuthTokenRow).where(
                    OAuthTokenRow.client_id == client_id, OAuthTokenRow.revoked.is_(None))):
                token.revoked = now
            return True

    def authenticate_client(self, client_id: str, secret: str) -> OAuthClient | None:
        with Session(self.db) as s:
            row = s.get(OAuthClientRow, client_id)
            stored = row.secret_hash if row is not None else "0" * 64
            ok = hmac.compare_digest(_digest(secret).encode(), stored.encode())
            return _client(row) if row is not None and ok else None

    # -- tokens ---------------------------------------------------------------------

    def issue(self, client: OAuthClient) -> tuple[str, int]:
        """A signed access token for the client, and its lifetime in seconds."""
        now = datetime.now(UTC)
        jti = secrets.token_hex(12)
        expires = now + TOKEN_LIFETIME
        with Session(self.db) as s, s.begin():
            s.add(OAuthTokenRow(id=jti, client_id=client.id, user_id=client.user.user_id,
                                issued=now, expires=expires, revoked=None))
        claims = {"iss": ISSUER, "aud": ISSUER, "sub": client.user.user_id,
                  "client_id": client.id, "jti": jti, "iat": int(now.timestamp()),
                  "exp": int(expires.timestamp())}
        token = jwt.encode(claims, signing_key(self.data_dir), algorithm="HS256")
        return token, int(TOKEN_LIFETIME.total_seconds())

    def verify(self, token: str) -> Identity | None:
        """The identity a token acts as, or None (not ours, bad signature, expired,
        revoked, its client deleted)."""
        try:
            claims = jwt.decode(token, signing_key(self.data_dir), algorithms=["HS256"],
                                audience=ISSUER, issuer=ISSUER,
                                options={"require": ["exp", "jti", "client_id"]})
        except jwt.PyJWTError:
            return None
        with Session(self.db) as s:
            row = s.get(OAuthTokenRow, str(claims["jti"]))
            client = s.get(OAuthClientRow, str(claims["client_id"]))
            if row is None or row.revoked is not None or client is None:
                return None
            return _client(client).user

    def tokens(self, user: Identity | None = None) -> list[OAuthToken]:
        query = select(OAuthTokenRow).order_by(OAuthTokenRow.issued, OAuthTokenRow.id)
        if user is not None:
            query = query.where(OAuthTokenRow.user_id == user.user_id)
        with Session(self.db) as s:
            return [_token(r) for r in s.scalars(query)]

    def revoke(self, token_id: str) -> bool:
        with Session(self.db) as s, s.begin():
            row = s.get(OAuthTokenRow, token_id)
            if row is None or row.revoked is not None:
                return False
            row.revoked = datetime.now(UTC)
            return True


def looks_like_ours(token: str) -> bool:
    """Whether a bearer token claims to be an associa OAuth token (unverified)."""
    try:
        return jwt.decode(token, options={"verify_signature": False}).get("iss") == ISSUER
    except jwt.PyJWTError:
        return False
