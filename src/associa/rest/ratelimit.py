"""Rate limits per user and tier: token buckets in memory.

Qlik Cloud's tiers (https://qlik.dev/apis/rest/rate-limiting): Tier 1, 1,000 requests
per minute (most reads); Tier 2, 100 per minute (creates, updates, deletes); and special
limits for some endpoints (``POST /reloads``: 50 per minute). Limits apply per user and
tier; over them the answer is 429 with ``Retry-After`` in seconds and the body
``{"errors":[{"code":"HTTP-429","title":"API rate limit reached.","detail":"You need to
wait N seconds until limit is lifted."}]}``. The numbers are settings
(``rest_rate_tier1``, ``rest_rate_tier2``, ``rest_rate_special``; 0: no limit).

A bucket holds a minute's worth of requests and refills continuously, so a burst of the
whole minute's allowance passes and then requests pass at the steady rate.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from enum import Enum

from associa.rest.errors import TooManyRequests
from associa.settings import Settings


class Tier(Enum):
    """A rate tier; the value is the setting holding its requests per minute."""

    TIER1 = "rest_rate_tier1"
    TIER2 = "rest_rate_tier2"
    SPECIAL = "rest_rate_special"

    @property
    def label(self) -> str:
        return {"TIER1": "1", "TIER2": "2", "SPECIAL": "special"}[self.name]


class RateLimiter:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, Tier], tuple[float, float]] = {}  # tokens, at

    def limit(self, tier: Tier) -> int:
        return int(getattr(self.settings, tier.value))

    def take(self, user: str, tier: Tier) -> None:
        """Spend one request of ``user`` in ``tier``; TooManyRequests when none is left."""
        per_minute = self.limit(tier)
        if per_minute <= 0:
            return
        rate = per_minute / 60.0  # tokens per second
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.get((user, tier), (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - at) * rate)
            if tokens < 1.0:
                self._buckets[(user, tier)] = (tokens, now)
                wait = max(1, math.ceil((1.0 - tokens) / rate))
                raise TooManyRequests(
                    f"You need to wait {wait} seconds until limit is lifted.",
                    headers={"Retry-After": str(wait)})
            self._buckets[(user, tier)] = (tokens - 1.0, now)
