"""Rate tiers per user: 429 with Retry-After and Qlik's body; tiers apart; configurable."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from associa.rest.errors import TooManyRequests
from associa.rest.ratelimit import RateLimiter, Tier
from associa.settings import Settings


@pytest.fixture
def rest_settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, rest_rate_tier1=3, rest_rate_tier2=2)


def test_429_over_the_limit(api: httpx.Client, make_api, keys) -> None:
    for _ in range(3):
        assert api.get("/users/me").status_code == 200
    r = api.get("/items")
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    err = r.json()["errors"][0]
    assert err["code"] == "HTTP-429" and err["title"] == "API rate limit reached."
    assert err["detail"] == f"You need to wait {r.headers['retry-after']} seconds until limit is lifted."
    # another tier, another user: their own buckets
    assert api.post("/apps", json={"attributes": {"name": "a"}}).status_code == 200
    assert make_api(keys["ann"]).get("/users/me").status_code == 200


def test_the_bucket_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(Settings(rest_rate_tier2=60), clock=lambda: now[0])
    for _ in range(60):
        limiter.take("u", Tier.TIER2)
    with pytest.raises(TooManyRequests) as caught:
        limiter.take("u", Tier.TIER2)
    assert caught.value.headers == {"Retry-After": "1"}
    now[0] += 1.0  # one request a second
    limiter.take("u", Tier.TIER2)
    with pytest.raises(TooManyRequests):
        limiter.take("u", Tier.TIER2)
    limiter.take("v", Tier.TIER2)


def test_zero_means_no_limit() -> None:
    limiter = RateLimiter(Settings(rest_rate_tier1=0))
    for _ in range(5000):
        limiter.take("u", Tier.TIER1)
