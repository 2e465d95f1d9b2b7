"""What the items API needs to know about each kind of resource it lists.

A resource module that keeps items (apps; data files as ``dataset``) declares
``ITEM_KINDS = {"<resourceType>": ItemKind(...)}``; ``rest/resources.py`` gathers them,
so ``rest/items.py`` lists a new kind without changing. An item of a kind nobody
declares is not shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from associa.rest.operations import Call
    from associa.store.items import Item


@dataclass(frozen=True, slots=True)
class ItemKind:
    # the caller's actions on the item ("read", "update" …); none: the item is hidden
    actions: Callable[[Call, Item], list[str]]
    # the resource's own attributes (resourceAttributes)
    attributes: Callable[[Call, Item], dict[str, Any]]
    # the path of the resource under /api/v1 (resourceLink)
    link: Callable[[Item], str]
    # resourceSize: the sizes the resource reports (e.g. {"appFile": bytes})
    size: Callable[[Item], dict[str, int]] = lambda item: {}
    # resourceSubType ("" when the kind has none)
    subtype: Callable[[Item], str] = lambda item: ""
    # what changing the item's name does to the resource itself (an app's title), run
    # before the item changes (PUT /items/{id}); None: the name is the item's only
    rename: Callable[[Call, Item, str], None] | None = None
    # brings the kind's rows of the items table up to date before a read (a kind whose
    # resources change without telling the items: data files); None: nothing to do
    sync: Callable[[Call], None] | None = None
