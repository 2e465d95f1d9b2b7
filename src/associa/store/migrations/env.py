"""Alembic's environment for the metadata database (``store/meta.py``).

Run in process by ``MetaStore.migrate`` (never by the ``alembic`` command line with an
ini file): the connection to migrate comes in ``config.attributes["connection"]``. The
models' metadata is the target, for ``alembic revision --autogenerate`` when a developer
writes the next migration (``alembic_config()`` in a Python shell gives the config).
"""

from __future__ import annotations

from alembic import context

from associa.store.meta import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("the metadata migrations run through MetaStore.migrate")
    # batch mode: SQLite changes a table's constraints by copying it
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("the metadata migrations run online, through MetaStore.migrate")
run_migrations_online()
