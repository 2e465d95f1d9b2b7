"""The REST resources served: one module per resource, each with its ``OPERATIONS``.

Adding a resource (reloads, data-files, spaces …) is one module and one row here; the
routes, the OpenAPI document and the checks come from the rows. A module that keeps
items of its own kind declares ``ITEM_KINDS`` (``rest/itemkinds.py``) and ``/items``
lists them.
"""

from __future__ import annotations

from types import ModuleType

from associa.rest import (
    apikeys,
    appdata,
    appmedia,
    apps,
    audits,
    collections,
    csporigins,
    dataconnections,
    datafiles,
    groups,
    items,
    me,
    oauth,
    quotas,
    reloads,
    reloadtasks,
    roles,
    spaces,
    tempcontents,
    users,
    webhooks,
    webintegrations,
)
from associa.rest.itemkinds import ItemKind
from associa.rest.operations import Operation

RESOURCES: tuple[ModuleType, ...] = (
    apps,
    appdata,
    appmedia,
    dataconnections,
    datafiles,
    items,
    collections,
    me,
    reloads,
    reloadtasks,
    tempcontents,
    users,
    groups,
    roles,
    spaces,
    apikeys,
    audits,
    oauth,
    webintegrations,
    csporigins,
    quotas,
    webhooks,
)


def operations() -> list[Operation]:
    return [op for module in RESOURCES for op in module.OPERATIONS]


def item_kinds() -> dict[str, ItemKind]:
    return {name: kind for module in RESOURCES
            for name, kind in getattr(module, "ITEM_KINDS", {}).items()}
