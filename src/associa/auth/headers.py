"""The credentials an upgrade request's headers carry, read strictly, and the networks
whose ``X-Qlik-User`` header is believed.

``X-Qlik-User: UserDirectory=<directory>; UserId=<userid>`` is the header Qlik's proxy
sends to the engine for the user it authenticated; both values are URL-encoded UTF-8
(https://help.qlik.com/en-US/sense-developer/May2026/Subsystems/ProxyServiceAPI/Content/Sense_ProxyServiceAPI/ProxyServiceAPI-Injected-Req-Headers-X-Qlik-User.htm).
Anyone can write that header, so it means something only from a trusted proxy or with
a verified client certificate (``auth/authenticator.py`` decides).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from associa.errors import AuthenticationFailed, InvalidParameters

Headers = Sequence[tuple[str, str]]  # (lower-case name, value), in the order received

MAX_HEADER_VALUE = 8000


def single(headers: Headers, name: str) -> str | None:
    """The one value of header ``name``; sent twice is ambiguous, so refused."""
    values = [v for k, v in headers if k == name]
    if len(values) > 1:
        raise AuthenticationFailed("header", f"{name} is sent more than once")
    if values and len(values[0]) > MAX_HEADER_VALUE:
        raise AuthenticationFailed("oversized", f"{name} is too long")
    return values[0] if values else None


def bearer(headers: Headers) -> str | None:
    """The token of ``Authorization: Bearer <token>`` (None without the header); any
    other scheme, or a value that is not one token, is refused."""
    value = single(headers, "authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
        raise AuthenticationFailed("header", "Authorization is not 'Bearer <token>'")
    if not token.isascii() or not token.isprintable():
        raise AuthenticationFailed("header", "the bearer token has characters a token cannot have")
    return token


@dataclass(frozen=True, slots=True)
class QlikUser:
    directory: str
    user_id: str


def qlik_user(value: str) -> QlikUser:
    """``UserDirectory=<dir>; UserId=<id>`` (either order, names in any case, values
    URL-decoded). Missing, repeated or unknown attributes, empty values and control
    characters are refused."""
    attributes: dict[str, str] = {}
    for part in value.split(";"):
        if not part.strip():
            continue
        name, eq, raw = part.partition("=")
        name = name.strip().lower()
        if not eq or name not in ("userdirectory", "userid") or name in attributes:
            raise AuthenticationFailed("header", "X-Qlik-User is not "
                                       "'UserDirectory=<directory>; UserId=<user id>'")
        try:
            attributes[name] = unquote(raw.strip(), errors="strict")
        except UnicodeDecodeError:
            raise AuthenticationFailed("header", "X-Qlik-User is not URL-encoded UTF-8") from None
    directory, user = attributes.get("userdirectory", ""), attributes.get("userid", "")
    if not directory or not user:
        raise AuthenticationFailed("header", "X-Qlik-User needs both UserDirectory and UserId")
    if not (directory + user).isprintable():
        raise AuthenticationFailed("header", "X-Qlik-User has control characters")
    return QlikUser(directory, user)


class TrustedNetworks:
    """The addresses a proxy may send ``X-Qlik-User`` from (``TrustedProxies``: a
    comma-separated list of addresses and CIDR networks)."""

    def __init__(self, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> None:
        self.networks = tuple(networks)

    @classmethod
    def parse(cls, text: str) -> TrustedNetworks:
        networks = []
        for item in (p.strip() for p in text.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise InvalidParameters(
                    "TrustedProxies",
                    f"TrustedProxies: {item!r} is not an address or a network like 10.0.0.0/8"
                ) from None
        return cls(networks)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def __contains__(self, host: object) -> bool:
        if not isinstance(host, str):
            return False
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address.version == n.version and address in n for n in self.networks)
