"""Apps on disk."""

from associa.store.appstore import AppRecord, AppStore

# the metadata database's file in a data folder (``store/meta.py``): named here, so that
# asking whether it exists does not import SQLAlchemy and Alembic
DB_NAME = "associa.db"

__all__ = ["DB_NAME", "AppRecord", "AppStore"]
