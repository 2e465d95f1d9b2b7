"""``/quotas``: the engine's limits and what is used of them
(https://qlik.dev/apis/rest/quotas/: ``{"data": [{"id", "type": "quotas",
"attributes": {"quota", "usage", "unit", "warningThresholds"}}]}``).

Each quota is a row of ``QUOTAS``: the setting that holds the limit (0 or less: none,
answered as -1, Qlik's "unlimited") and how to count its usage now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from associa.engine import Engine
from associa.rest.errors import NotFound
from associa.rest.models import Shape
from associa.rest.operations import Call, Operation


@dataclass(frozen=True, slots=True)
class Quota:
    setting: str
    unit: str
    usage: Callable[[Engine], int]


QUOTAS: dict[str, Quota] = {
    "apps_in_memory": Quota("max_apps_in_memory", "apps", lambda e: len(e.apps)),
    "concurrent_reloads": Quota("max_concurrent_reloads", "reloads", lambda e: 0),
    "request_body_size": Quota("rest_max_body_bytes", "bytes", lambda e: 0),
    "socket_message_size": Quota("max_message_bytes", "bytes", lambda e: 0),
    "tier1_requests_per_minute": Quota("rest_rate_tier1", "requests", lambda e: 0),
    "tier2_requests_per_minute": Quota("rest_rate_tier2", "requests", lambda e: 0),
}


class QuotaAttributes(Shape):
    quota: int
    usage: int
    unit: str
    warningThresholds: list[float] = [0.8]


class QuotaEntry(Shape):
    id: str
    type: str = "quotas"
    attributes: QuotaAttributes


class QuotasList(Shape):
    data: list[QuotaEntry]


def entry(engine: Engine, name: str) -> QuotaEntry:
    quota = QUOTAS[name]
    limit = int(getattr(engine.settings, quota.setting))
    return QuotaEntry(id=name, attributes=QuotaAttributes(
        quota=limit if limit > 0 else -1, usage=quota.usage(engine), unit=quota.unit))


def list_quotas(call: Call) -> QuotasList:
    return QuotasList(data=[entry(call.engine, name) for name in QUOTAS])


def get_quota(call: Call) -> QuotasList:
    if call.path["id"] not in QUOTAS:
        raise NotFound(f"No quota {call.path['id']}")
    return QuotasList(data=[entry(call.engine, call.path["id"])])


OPERATIONS = [
    Operation("GET", "/quotas", list_quotas, "The engine's limits and their usage", "quotas",
              response=QuotasList),
    Operation("GET", "/quotas/{id}", get_quota, "One limit", "quotas", response=QuotasList),
]
