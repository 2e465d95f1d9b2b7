"""Doc and GenericObject methods over the app's object tree beyond children: listing, cloning, copying, publishing."""

from __future__ import annotations
