"""Apps on disk."""

from associa.store.appstore import AppRecord, AppStore

__all__ = ["AppRecord", "AppStore"]
