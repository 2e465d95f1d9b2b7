"""API keys: their shape, their stored digest, and the in-memory lookup."""

from __future__ import annotations

import pytest

from associa.auth.keys import KeyRing, digest, issue, key_id, looks_like_key, verify
from associa.identity import Identity

ALICE = Identity(user_id="alice", user_directory="CORP", method="api-key")


def test_a_key_is_recognisable_and_never_a_jwt() -> None:
    issued = issue()
    assert issued.key.startswith("associa_") and "." not in issued.key
    assert looks_like_key(issued.key) and not looks_like_key("eyJhbGciOiJIUzI1NiJ9.e30.x")
    assert key_id(issued.key) == issued.key_id and len(issued.key_id) == 16
    assert issue().key != issued.key


def test_only_the_digest_is_kept_and_it_verifies() -> None:
    issued = issue()
    assert issued.key not in issued.digest and issued.digest == digest(issued.key)
    assert verify(issued.key, issued.digest)
    assert not verify(issued.key[:-1] + ("A" if issued.key[-1] != "A" else "B"), issued.digest)
    assert not verify(issued.key, "0" * 64)
    assert not verify(issued.key, "not ascii: é")


def test_key_ring_lookup_and_revocation() -> None:
    ring = KeyRing()
    issued = ring.issue(ALICE)
    assert ring(issued.key) == ALICE
    other = ring.issue(Identity(user_id="bob"))
    assert ring.revoke(issued.key_id) and not ring.revoke(issued.key_id)
    assert ring(issued.key) is None
    assert ring(other.key) is not None and ring(other.key).user_id == "bob"  # type: ignore[union-attr]


@pytest.mark.parametrize("text", [
    "", "associa_", "associa_0123456789abcdef_", "associa_0123456789ABCDEF_" + "a" * 43,
    "associa_0123456789abcdef_" + "a" * 42, "associa_0123456789abcdef_" + "a" * 44,
    "xassocia_0123456789abcdef_" + "a" * 43,
])
def test_malformed_keys_are_unknown(text: str) -> None:
    ring = KeyRing()
    ring.issue(ALICE)
    assert ring(text) is None and key_id(text) is None


def test_a_forged_secret_for_a_real_id_is_unknown() -> None:
    ring = KeyRing()
    issued = ring.issue(ALICE)
    assert ring(f"associa_{issued.key_id}_{'A' * 43}") is None
