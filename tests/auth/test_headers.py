"""Reading Authorization and X-Qlik-User strictly, and the trusted proxy networks."""

from __future__ import annotations

import pytest

from associa.auth.headers import QlikUser, TrustedNetworks, bearer, qlik_user
from associa.errors import AuthenticationFailed, InvalidParameters


def test_bearer() -> None:
    assert bearer([]) is None
    assert bearer([("authorization", "Bearer abc.def.ghi")]) == "abc.def.ghi"
    assert bearer([("authorization", "bearer   tok ")]) == "tok"


@pytest.mark.parametrize("value", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer a b",
                                   "Token abc", "abc", "Bearer \x00abc", "Bearer tök"])
def test_bad_authorization(value: str) -> None:
    with pytest.raises(AuthenticationFailed):
        bearer([("authorization", value)])


def test_authorization_twice_is_refused() -> None:
    with pytest.raises(AuthenticationFailed):
        bearer([("authorization", "Bearer a"), ("authorization", "Bearer b")])


def test_qlik_user() -> None:
    assert qlik_user("UserDirectory=CORP; UserId=jdoe") == QlikUser("CORP", "jdoe")
    assert qlik_user("userid=jdoe;userdirectory=CORP") == QlikUser("CORP", "jdoe")
    # values are URL-encoded UTF-8 (Qlik's proxy documentation)
    assert qlik_user("UserDirectory=AD%20EU; UserId=j%C3%B6rg") == QlikUser("AD EU", "jörg")


@pytest.mark.parametrize("value", [
    "", "UserId=jdoe", "UserDirectory=CORP", "UserDirectory=; UserId=jdoe",
    "UserDirectory=CORP; UserId=", "UserDirectory=CORP; UserId=a; UserId=b",
    "UserDirectory=CORP; UserId=jdoe; Admin=true", "CORP\\jdoe",
    "UserDirectory=CORP; UserId=jd%00oe", "UserDirectory=CORP; UserId=%FF%FE",
    "UserDirectory=CORP; UserId=a\nb",
])
def test_bad_qlik_user(value: str) -> None:
    with pytest.raises(AuthenticationFailed):
        qlik_user(value)


def test_trusted_networks() -> None:
    trusted = TrustedNetworks.parse(" 10.0.0.0/8, 192.168.1.7 ,::1")
    assert "10.20.30.40" in trusted and "192.168.1.7" in trusted and "::1" in trusted
    assert "::ffff:10.1.2.3" in trusted  # an IPv4 peer seen through an IPv6 socket
    assert "192.168.1.8" not in trusted and "11.0.0.1" not in trusted
    assert "not an address" not in trusted and None not in trusted
    assert not TrustedNetworks.parse("")
    with pytest.raises(InvalidParameters, match="TrustedProxies"):
        TrustedNetworks.parse("10.0.0.0/33")
